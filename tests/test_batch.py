"""The unit of work behind ``lifeledger import``: ``LedgerApplication.batch()``.

Commands in a batch keep every check; they run against aggregates kept in memory and their
events are saved together, in the order made, in one transaction per commit. A refused
command (or a refused ``atomic()`` group) leaves nothing behind, a key change inside the batch
takes effect for the next command, and nothing reaches the store before a commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from scenarios import FACTS

from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.domain.regulation import PartyType, Responsibility, ResultElement
from ledger.errors import (
    AlreadyExistsError,
    InvalidInputError,
    KeyManagementError,
    LedgerError,
    NotFoundError,
)
from ledger.signing.signatures import Signer
from ledger.transparency.tables import LedgerTables
from ledger.unit_of_work import Batch

D = dt.date
PERSON = PartyType.PERSON


def event_count(app: LedgerApplication) -> int:
    return LedgerTables(app).leaf_count()


def topics_after(app: LedgerApplication, skip: int) -> list[str]:
    out: list[Any] = []
    start = 0
    while page := app.recorder.select_notifications(start, 1000, inclusive_of_start=False):
        out += page
        start = page[-1].id
    return [n.topic.rsplit(".", 1)[-1] for n in out[skip:]]


def open_case(app: LedgerApplication, case_no: str, facts: str = FACTS) -> None:
    app.open_case(
        case_no, D(2024, 3, 1), [12], facts, D(2024, 4, 1), [ResultElement.ADVERSE_IMPACT]
    )


def assign(app: LedgerApplication, case_no: str, person: str = "P001") -> None:
    app.assign(case_no, PERSON, person, Responsibility.DIRECT, D(2024, 4, 2))


def hear(app: LedgerApplication, case_no: str, statement: str = "称已多次协调") -> None:
    app.hear(case_no, PERSON, "P001", D(2024, 4, 10), statement)


def test_nothing_is_written_before_the_commit_and_an_error_discards_the_batch(
    app: LedgerApplication,
) -> None:
    before = event_count(app)
    with pytest.raises(RuntimeError), app.batch():
        open_case(app, "K1")
        assign(app, "K1")
        assert list(app.case("K1").parties) == ["person:P001"]  # served from the batch
        assert event_count(app) == before
        raise RuntimeError("the caller gives up")
    assert event_count(app) == before
    with pytest.raises(NotFoundError):
        app.case("K1")


def test_a_batch_saves_its_events_in_one_transaction_in_the_order_made(
    app: LedgerApplication,
) -> None:
    before = event_count(app)
    with app.batch() as batch:
        open_case(app, "K1")
        open_case(app, "K2")
        assign(app, "K1")
        assign(app, "K2")
        hear(app, "K1")
        assert batch.pending_events == 5
    assert batch.recorded == 5
    assert event_count(app) == before + 5
    assert topics_after(app, before) == [
        "Opened", "Opened", "ResponsibilityAssigned", "ResponsibilityAssigned", "DefenceHeard",
    ]  # fmt: skip
    assert app.case("K1").version == 3
    assert verify_store(app)


def test_a_case_number_already_in_the_store_or_in_the_batch_is_refused_at_once(
    app: LedgerApplication,
) -> None:
    open_case(app, "K0")
    before = event_count(app)
    with app.batch() as batch:
        with pytest.raises(AlreadyExistsError, match="case K0 is already open"):
            open_case(app, "K0")
        open_case(app, "K1")
        with pytest.raises(AlreadyExistsError, match="case K1 is already open"):
            open_case(app, "K1", facts="另一份事实")
        assert batch.pending_events == 1
    assert event_count(app) == before + 1
    assert app.case("K1").facts == FACTS


def test_atomic_undoes_every_command_made_inside_it(app: LedgerApplication) -> None:
    before = event_count(app)
    with app.batch() as batch:
        open_case(app, "K1")
        with pytest.raises(NotFoundError), batch.atomic():
            assign(app, "K1")
            hear(app, "K1")
            hear(app, "K-missing")
        assert app.case("K1").parties == {}
        assert app.case("K1").version == 1
        assert batch.pending_events == 1
        assign(app, "K1")  # the same finding again: nothing of the undone one remains
    assert event_count(app) == before + 2
    assert topics_after(app, before) == ["Opened", "ResponsibilityAssigned"]
    assert verify_store(app)


def test_a_command_refused_after_its_event_was_made_leaves_the_aggregates_as_they_were(
    app: LedgerApplication,
) -> None:
    """``_check_text`` runs after the event is triggered: the batch must roll it back,
    for an aggregate made in this batch and for one loaded from the store."""
    open_case(app, "K0")
    assign(app, "K0")
    before = event_count(app)
    with app.batch():
        open_case(app, "K1")
        assign(app, "K1")
        for case_no in ("K0", "K1"):
            with pytest.raises(InvalidInputError, match="U\\+0001"):
                hear(app, case_no, "称已\x01协调")
            assert app.case(case_no).parties["person:P001"].hearings == []
            assert app.case(case_no).version == 2
            hear(app, case_no)
        with pytest.raises(InvalidInputError, match="U\\+0007"):
            open_case(app, "K2", facts="事实\x07")
        open_case(app, "K2")  # the refused opening left no trace: not "already open"
    assert event_count(app) == before + 5
    for case_no in ("K0", "K1"):
        case = app.case(case_no)
        assert case.version == 3
        assert case.parties["person:P001"].hearings == [D(2024, 4, 10)]
    assert verify_store(app)


def test_a_key_rotated_inside_a_batch_stops_it_signing_the_next_command(
    app: LedgerApplication, root_signer: Signer
) -> None:
    app.signer = root_signer
    before = event_count(app)
    with app.batch():
        open_case(app, "K1")
        app.rotate_key(root_signer.key_id.hex(), Signer.generate().public_raw)
        with pytest.raises(KeyManagementError, match="was rotated and may not sign"):
            open_case(app, "K2")
    assert topics_after(app, before) == ["Opened", "KeyRotated"]
    assert verify_store(app)


def test_a_batch_is_signed_by_one_key_and_batches_do_not_nest(
    app: LedgerApplication, root_signer: Signer
) -> None:
    before = event_count(app)
    with app.batch():
        open_case(app, "K1")
        with pytest.raises(LedgerError, match="already open"), app.batch():
            pass
        recorder = app.signer
        app.signer = root_signer
        with pytest.raises(LedgerError, match="the signer changed inside a batch"):
            open_case(app, "K2")
        app.signer = recorder
    assert event_count(app) == before + 1


def test_aggregates_past_the_memory_bound_are_reloaded_from_the_store(
    app: LedgerApplication,
) -> None:
    before = event_count(app)
    with Batch(app, max_events=2, memory=1) as batch:
        for i in range(4):
            open_case(app, f"K{i}")
            if batch.full:
                batch.commit()
        for i in range(4):
            assign(app, f"K{i}")
    assert batch.recorded == 8
    assert event_count(app) == before + 8
    assert all(app.case(f"K{i}").version == 2 for i in range(4))
    assert verify_store(app)
