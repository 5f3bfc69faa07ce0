"""Tampering done directly to the stored tables is detected and reported precisely, on both
stores.

Each test edits the tables as an insider with write access would, bypassing the application:
the SQLite file with ``sqlite3``, the PostgreSQL schema with SQL on the real tables, its
append-only triggers turned off as the tables' owner can (tests/verify_support.py). It then
checks that verification names the position, the record and what is wrong, and nothing else.
The person index (Art. 8) is written with each event, so it keeps the log as it was recorded:
where an edit of the log changes a person's chain, verify says so once, as following from the
log's failures, never as an edit of the index.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from uuid import UUID

import pytest
from click.testing import CliRunner
from verify_support import (
    bulk_cases,
    found,
    insert_forged,
    of_check,
    position_of,
    record_case,
    row_at,
    sqlite,
)

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.verify import Check, VerificationResult, VerifyOptions, verify_store
from ledger.domain.ids import REGISTRY_ID, case_id
from ledger.domain.regulation import AuthorityKind, KeyRole
from ledger.signing.signatures import HEADER_SIZE, Signer
from ledger.transparency.checkpoint import Checkpoint, sign_note
from ledger.transparency.checkpoints import make_checkpoint, origin_for
from ledger.transparency.tables import LedgerTables

# Every test runs on SQLite and on PostgreSQL (the conftest `store_url`).

CASE_1 = "湘纪追〔2024〕1号"
CASE_2 = "湘纪追〔2024〕2号"


@pytest.fixture
def ledger(app: LedgerApplication, root_signer: Signer) -> Iterator[LedgerApplication]:
    """Two cases recorded step by step, 300 bulk events, and a checkpoint of it all."""
    record_case(app, CASE_1)
    record_case(app, CASE_2, "P002")
    bulk_cases(app, 300)
    make_checkpoint(app, root_signer)
    yield app


def verify(app: LedgerApplication, root: Signer, **options: object) -> VerificationResult:
    return verify_store(app, VerifyOptions(root_fingerprint=root.fingerprint, **options))  # type: ignore[arg-type]


def checkpoint_size(app: LedgerApplication) -> int:
    return LedgerTables(app).checkpoint().tree_size


def index_follows(persons: str, count: int, broken: int, nodes: int = 0) -> list[str]:
    """The one index failure of a tampered log: it follows from the log's own failures."""
    where = f", and {nodes} map nodes as of checkpoint 323" if nodes else ""
    return [
        f"the person index differs from the log for {count} person(s) ({persons}){where}: this "
        f"follows from the log's own failures from position {broken} on (the index was written "
        "with the events as first recorded), not from an edit of the index"
    ]


def test_the_untampered_fixture_ledger_verifies(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    result = verify(ledger, root_signer)
    assert result, result.summary()


@pytest.mark.parametrize(
    ("region", "offset", "expected"),
    [
        ("payload", -12, {"signature", "leaf"}),
        ("signature", 4 + 8 + 10, {"signature", "leaf"}),
        ("key id", 4 + 2, {"key", "leaf"}),
    ],
)
def test_a_byte_changed_in_one_event_is_reported_at_its_position(
    ledger: LedgerApplication, root_signer: Signer, region: str, offset: int, expected: set[str]
) -> None:
    with sqlite(ledger) as conn:
        position = position_of(conn, ".DecisionIssued")
        rowid, _, version, _, state = row_at(conn, position)
        damaged = bytearray(state)
        damaged[offset] ^= 0x01
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(damaged), rowid))
    result = verify(ledger, root_signer)
    assert found(result) == {(c, position) for c in expected} | {
        ("checkpoint", None), ("index", None),
    }, region  # fmt: skip
    assert of_check(result, Check.INDEX) == index_follows("P001", 1, position, nodes=5)
    for failure in result.failures:
        if failure.position is not None:
            assert failure.case_no == CASE_1
            assert failure.record == f"case {CASE_1}"
            assert failure.topic == "AccountabilityCase.DecisionIssued"
            assert failure.version == version
            assert failure.notification_id == rowid
    assert "hash to root" in of_check(result, Check.CHECKPOINT)[0]


def test_an_event_deleted_from_the_middle_is_reported(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    with sqlite(ledger) as conn:
        position = position_of(conn, ".DefenceHeard")  # case 1, version 3
        rowid, _, version, _, _ = row_at(conn, position)
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid,))
        conn.execute("DELETE FROM merkle_leaves WHERE notification_id = ?", (rowid,))
    result = verify(ledger, root_signer)
    # The next event of the case (its decision) now sits where the hearing was, and the log is
    # one event shorter than the checkpoint: every later event of a person moved one place.
    assert found(result) == {
        ("leaf", position), ("version", position), ("rollback", None), ("index", None),
    }  # fmt: skip
    assert of_check(result, Check.INDEX) == index_follows(
        "BP000074, BP000075, BP000076, BP000077, P001 and 1 more", 6, position
    )
    gap = next(f for f in result.failures if f.check is Check.VERSION)
    assert gap.case_no == CASE_1 and gap.topic == "AccountabilityCase.DecisionIssued"
    assert f"version {version} is missing" in gap.message
    assert of_check(result, Check.LEAF) == [
        f"Merkle leaf {position} is missing from the leaf table"
    ]


def test_an_event_deleted_but_its_leaf_kept_is_reported_as_deleted(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    with sqlite(ledger) as conn:
        position = position_of(conn, ".DefenceHeard", 1)  # case 2
        rowid = row_at(conn, position)[0]
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid,))
    result = verify(ledger, root_signer)
    assert found(result) == {
        ("leaf", position), ("version", position), ("rollback", None), ("index", None),
    }  # fmt: skip
    assert of_check(result, Check.INDEX) == index_follows(
        "BP000074, BP000075, BP000076, BP000077, P002", 5, position
    )
    assert of_check(result, Check.LEAF) == [
        f"Merkle leaf {position} records notification {rowid}, which is no longer in the log: "
        "an event was deleted"
    ]
    assert next(f for f in result.failures if f.check is Check.VERSION).case_no == CASE_2


def test_the_last_events_truncated_after_a_checkpoint_are_a_rollback(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    size = checkpoint_size(ledger)
    with sqlite(ledger) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid > ?", (size - 3,))
        conn.execute("DELETE FROM merkle_leaves WHERE leaf_index >= ?", (size - 3,))
    result = verify(ledger, root_signer)
    assert found(result) == {("rollback", None), ("index", None)}
    assert of_check(result, Check.INDEX) == index_follows(
        "BP000075, BP000076, BP000077", 3, size - 3
    )
    rollback = next(f for f in result.failures if f.check is Check.ROLLBACK)
    assert rollback.tree_size == size
    assert rollback.message == (
        f"checkpoint {size} was signed, but the log holds only {size - 3} events: 3 were "
        "removed since (truncated, rolled back or deleted)"
    )


def test_a_rollback_that_also_removed_the_checkpoints_is_caught_by_a_kept_checkpoint(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    kept = LedgerTables(ledger).checkpoint().note  # the auditor kept this copy
    size = checkpoint_size(ledger)
    with sqlite(ledger) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid > ?", (size - 1,))
        conn.execute("DELETE FROM merkle_leaves WHERE leaf_index >= ?", (size - 1,))
        conn.execute("DELETE FROM checkpoints")
    # Only the person index, written with the lost event, still shows it...
    alone = verify(ledger, root_signer)
    assert of_check(alone, Check.INDEX) == [
        f"person index table person_events: BP000077 has 1 stored row(s) at positions from "
        f"{size - 1} on, beyond the end of the log ({size - 1} events): events indexed when "
        "they were appended are gone from its end (truncated or rolled back)"
    ]
    assert found(alone) == {("index", None)}
    # ...and an insider could rewrite the index too: the kept checkpoint proves the rollback.
    result = verify(ledger, root_signer, trusted_checkpoints=(kept,))
    assert found(result) == {("rollback", None), ("index", None)}
    assert of_check(result, Check.INDEX) == index_follows("BP000077", 1, size - 1)


def test_two_swapped_events_are_reported_at_both_positions(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    with sqlite(ledger) as conn:
        p = position_of(conn, ".Closed", 0)  # the last event of case 1
        q = position_of(conn, ".Opened", 1)  # the first event of case 2, right after it
        a, b = row_at(conn, p), row_at(conn, q)
        conn.execute("DELETE FROM stored_events WHERE rowid IN (?, ?)", (a[0], b[0]))
        insert = "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, "
        insert += "state) VALUES (?, ?, ?, ?, ?)"
        conn.execute(insert, (a[0], *b[1:]))
        conn.execute(insert, (b[0], *a[1:]))
    result = verify(ledger, root_signer)
    # Each row still carries a valid signature: only the order betrays the swap.
    assert found(result) == {("leaf", p), ("leaf", q), ("checkpoint", None)}
    assert {f.case_no for f in result.failures if f.position is not None} == {CASE_1, CASE_2}
    assert all("swapped" in m for m in of_check(result, Check.LEAF))


def test_two_swapped_events_of_one_case_break_its_version_order(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    with sqlite(ledger) as conn:
        p = position_of(conn, ".DecisionAnnounced")
        a, b = row_at(conn, p), row_at(conn, p + 1)
        conn.execute("DELETE FROM stored_events WHERE rowid IN (?, ?)", (a[0], b[0]))
        insert = "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, "
        insert += "state) VALUES (?, ?, ?, ?, ?)"
        conn.execute(insert, (a[0], *b[1:]))
        conn.execute(insert, (b[0], *a[1:]))
    result = verify(ledger, root_signer)
    assert found(result) == {
        ("leaf", p), ("leaf", p + 1), ("version", p), ("version", p + 1), ("checkpoint", None),
        ("index", None),
    }  # fmt: skip
    assert of_check(result, Check.INDEX) == index_follows("P001", 1, p, nodes=5)


def test_a_forged_event_signed_by_an_unregistered_key_is_reported(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    forger = Signer.generate()
    with sqlite(ledger) as conn:
        _, _, _, topic, state = row_at(conn, position_of(conn, ".DefenceHeard"))
        last = conn.execute(
            "SELECT MAX(originator_version) FROM stored_events WHERE originator_id = ?",
            (case_id(CASE_1).hex,),
        ).fetchone()[0]
        position = insert_forged(
            conn, forger, case_id(CASE_1), last + 1, topic, state[HEADER_SIZE:]
        )
    result = verify(ledger, root_signer)
    # The forged hearing names P001, whose indexed history it is not part of.
    assert found(result) == {("key", position), ("index", None)}
    assert of_check(result, Check.INDEX) == index_follows("P001", 1, position)
    failure = next(f for f in result.failures if f.check is Check.KEY)
    assert failure.case_no == CASE_1 and failure.version == last + 1
    assert failure.key_id == forger.key_id.hex()
    assert "had not registered at this position" in failure.message


def test_an_index_row_edited_before_the_first_failure_of_the_log_is_reported_as_an_edit(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    """Only what lies at or after the first failure of the log can follow from it."""
    forger = Signer.generate()
    with sqlite(ledger) as conn:
        _, _, _, topic, state = row_at(conn, position_of(conn, ".DefenceHeard"))
        position = insert_forged(conn, forger, case_id(CASE_1), 9, topic, state[HEADER_SIZE:])
        conn.execute(
            "UPDATE person_events SET chain = ? WHERE personnel_no = 'P002'", (b"\1" * 32,)
        )
    result = verify(ledger, root_signer)
    assert found(result) == {("key", position), ("index", None)}
    assert of_check(result, Check.INDEX) == [
        "person index table person_events: the rows of P002 differ from the log's (positions "
        "or chain values were edited)",
        *index_follows("P001", 1, position),
    ]


def test_an_event_signed_after_its_key_was_revoked_is_reported(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    leaving = Signer.generate()
    ledger.signer = root_signer
    ledger.add_key(
        leaving.public_raw,
        "纪检干部丙",
        "长沙市纪委监委",
        AuthorityKind.DISCIPLINE,
        KeyRole.RECORDER,
    )
    ledger.signer = leaving
    record_case(ledger, "湘纪追〔2024〕3号", "P003")  # valid: before the revocation
    ledger.signer = root_signer
    ledger.revoke_key(leaving.key_id.hex(), "调离纪委")
    with sqlite(ledger) as conn:
        revoked_at = position_of(conn, ".KeyRevoked")
        _, _, _, topic, state = row_at(conn, position_of(conn, ".DefenceHeard", 2))
        position = insert_forged(
            conn, leaving, case_id("湘纪追〔2024〕3号"), 9, topic, state[HEADER_SIZE:]
        )
    result = verify(ledger, root_signer)
    assert found(result) == {("key", position)}
    (failure,) = result.failures
    assert failure.case_no == "湘纪追〔2024〕3号"
    assert failure.message == (
        f"signed by key {leaving.key_id.hex()} (纪检干部丙, 长沙市纪委监委) after it was revoked "
        f"at position {revoked_at}"
    )
    assert {k.key_id: k.ended_at for k in result.keys}[leaving.key_id.hex()] == revoked_at


@pytest.mark.parametrize("workers", [1, 2])
def test_a_revocation_takes_effect_inside_a_batch_the_workers_already_checked(
    ledger: LedgerApplication, root_signer: Signer, workers: int
) -> None:
    """Workers check signatures with every key the registry names; whether the key could sign
    at that position is judged in order, even when it was revoked one event earlier in the
    same batch."""
    leaving = Signer.generate()
    ledger.signer = root_signer
    ledger.add_key(
        leaving.public_raw,
        "纪检干部丙",
        "长沙市纪委监委",
        AuthorityKind.DISCIPLINE,
        KeyRole.RECORDER,
    )
    ledger.signer = leaving
    record_case(ledger, "湘纪追〔2024〕3号", "P003")
    ledger.signer = root_signer
    ledger.revoke_key(leaving.key_id.hex(), "调离纪委")
    with sqlite(ledger) as conn:
        revoked_at = position_of(conn, ".KeyRevoked")
        _, _, _, topic, state = row_at(conn, position_of(conn, ".DefenceHeard", 2))
        forged = insert_forged(
            conn, leaving, case_id("湘纪追〔2024〕3号"), 9, topic, state[HEADER_SIZE:]
        )
    assert forged == revoked_at + 1
    batch = next(b for b in range(2, 10) if revoked_at // b == forged // b)
    result = verify(ledger, root_signer, workers=workers, batch_size=batch)
    assert found(result) == {("key", forged)}
    assert "after it was revoked" in result.failures[0].message


def test_a_case_event_signed_by_a_petition_agency_key_breaks_art_6(
    ledger: LedgerApplication, root_signer: Signer, petition_signer: Signer
) -> None:
    with sqlite(ledger) as conn:
        _, _, _, topic, state = row_at(conn, position_of(conn, ".DefenceHeard"))
        position = insert_forged(
            conn, petition_signer, case_id(CASE_2), 9, topic, state[HEADER_SIZE:]
        )
    result = verify(ledger, root_signer)
    assert found(result) == {("authorisation", position), ("index", None)}
    assert of_check(result, Check.INDEX) == index_follows("P001", 1, position)
    assert "Art. 6" in of_check(result, Check.AUTHORISATION)[0]


def test_a_key_registered_by_a_recorder_key_is_ignored(
    ledger: LedgerApplication, root_signer: Signer, discipline_signer: Signer
) -> None:
    intruder = Signer.generate()
    with sqlite(ledger) as conn:
        position = position_of(conn, ".KeyRegistered", 1)  # the petition key's registration
        _, _, _, topic, state = row_at(conn, position)
        petition_key = ledger.registry().records()[2]
        payload = (
            state[HEADER_SIZE:]
            .replace(petition_key.public_key.encode(), intruder.public_raw.hex().encode())
            .replace(petition_key.key_id.encode(), intruder.key_id.hex().encode())
        )
        versions = conn.execute(
            "SELECT MAX(originator_version) FROM stored_events WHERE originator_id = ?",
            (REGISTRY_ID.hex,),
        ).fetchone()[0]
        forged_at = insert_forged(
            conn, discipline_signer, REGISTRY_ID, versions + 1, topic, payload
        )
        # ...and the intruder then records an event of its own.
        _, _, _, case_topic, case_state = row_at(conn, position_of(conn, ".DefenceHeard"))
        later = insert_forged(
            conn, intruder, case_id(CASE_1), 9, case_topic, case_state[HEADER_SIZE:]
        )
    result = verify(ledger, root_signer)
    assert found(result) == {("authorisation", forged_at), ("key", later), ("index", None)}
    assert of_check(result, Check.INDEX) == index_follows("P001", 1, forged_at)
    assert of_check(result, Check.AUTHORISATION) == [
        f"signer key {discipline_signer.key_id.hex()[:16]} (纪检干部甲) has role recorder; only "
        "an admin key registers, rotates or revokes keys (key management: admin role required); "
        "the key change is ignored"
    ]
    assert intruder.key_id.hex() not in {k.key_id for k in result.keys}


def test_a_key_registered_later_cannot_sign_an_earlier_position(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    """Validity is judged by position in the log, never by a timestamp the signer could forge."""
    late = Signer.generate()
    ledger.signer = root_signer
    ledger.add_key(
        late.public_raw, "后来者", "长沙市纪委监委", AuthorityKind.DISCIPLINE, KeyRole.RECORDER
    )
    with sqlite(ledger) as conn:
        rowid, oid, version, topic, state = row_at(conn, 4)  # cadre P001's registration
        resigned = late.seal(UUID(oid), version, topic, state[HEADER_SIZE:])
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (resigned, rowid))
    result = verify(ledger, root_signer)
    assert ("key", 4) in found(result)
    failure = next(f for f in result.failures if f.check is Check.KEY)
    assert failure.record == "cadre P001"
    assert "had not registered at this position" in failure.message


def test_a_checkpoint_whose_root_does_not_match_is_reported(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    size = checkpoint_size(ledger) - 5
    wrong = b"\x42" * 32
    origin = origin_for(root_signer.fingerprint)
    note = sign_note(Checkpoint(origin, size, wrong).body(), origin, root_signer.private_key)
    with sqlite(ledger) as conn:
        conn.execute(
            "INSERT INTO checkpoints VALUES (?, ?, ?, ?)", (size, wrong, note, "2024-05-01")
        )
    result = verify(ledger, root_signer)
    assert found(result) == {("checkpoint", None)}
    (failure,) = result.failures
    assert failure.tree_size == size
    assert f"the log's first {size} events hash to root" in failure.message
    assert "but the checkpoint signed QkJC" in failure.message


def test_a_checkpoint_row_edited_or_signed_by_a_recorder_key_is_reported(
    ledger: LedgerApplication, root_signer: Signer, discipline_signer: Signer
) -> None:
    size = checkpoint_size(ledger)
    origin = origin_for(root_signer.fingerprint)
    tree_root = LedgerTables(ledger).load_tree().root(size - 1)
    note = sign_note(
        Checkpoint(origin, size - 1, tree_root).body(), origin, discipline_signer.private_key
    )
    signed_root = base64.b64encode(LedgerTables(ledger).checkpoint().root).decode()
    with sqlite(ledger) as conn:
        conn.execute("UPDATE checkpoints SET root = ? WHERE tree_size = ?", (b"\0" * 32, size))
        conn.execute(
            "INSERT INTO checkpoints VALUES (?, ?, ?, ?)", (size - 1, tree_root, note, "x")
        )
    result = verify(ledger, root_signer)
    messages = of_check(result, Check.CHECKPOINT)
    assert messages == [
        f"the checkpoint is not signed by an admin key valid at size {size - 1}: the note "
        "carries no signature from a known key",
        f"the stored size/root ({size}, {base64.b64encode(bytes(32)).decode()}) differ from the "
        f"signed note ({size}, {signed_root}): the row was edited",
    ]


def test_the_cli_names_every_failure_and_exits_non_zero(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    with sqlite(ledger) as conn:
        position = position_of(conn, ".DecisionIssued")
        rowid, _, _, _, state = row_at(conn, position)
        edited = state.replace("《湖南省".encode(), "《湖北省".encode())
        assert edited != state
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (edited, rowid))
    runner = CliRunner()
    args = ["--db", ledger.store.url, "verify", "--root-fingerprint", root_signer.fingerprint]
    text = runner.invoke(cli, args)
    assert text.exit_code == 1, text.output
    assert "FAILED: 4 failure(s)" in text.stdout
    assert (
        f"[signature] position {position}, case {CASE_1}, AccountabilityCase.DecisionIssued v4: "
        in text.stdout
    )
    as_json = runner.invoke(cli, ["--json", *args])
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert data["ok"] is False and data["failure_count"] == 4
    assert {(f["check"], f.get("position")) for f in data["failures"]} == {
        ("signature", position), ("leaf", position), ("checkpoint", None), ("index", None),
    }  # fmt: skip
    assert (
        "[index] the person index differs from the log for 1 person(s) (P001), and 5 map nodes "
        f"as of checkpoint 323: this follows from the log's own failures from position {position}"
        " on" in text.stdout
    )
