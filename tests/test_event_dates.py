"""A rebuild converts only the dates each case event declares (``projections.event_dates``).

The declaration is read from the domain's event classes; these tests check that converting
those fields leaves no date of a real ledger's events unconverted, and that a field the
domain adds is picked up from its annotation alone.
"""

from __future__ import annotations

import copy
import datetime as dt
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.signing.signatures import Envelope
from projections import event_dates
from projections.codec import loads
from projections.event_dates import CASE_DATES, DateFields, declared, scan_in_place, typed

BENCH = Path(__file__).resolve().parent.parent / "bench"
#: the case events whose fields hold dates the annotation does not name
WITH_ANY = {"TeamResponsibilityAssigned", "DecisionIssued", "AppealDecided"}
#: those whose value's shape no domain class states, scanned
SCANNED = {"TeamResponsibilityAssigned"}


@pytest.fixture(scope="module")
def case_events(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, dict[str, Any]]]:
    """Every case event of a generated 3,000-event province: (event name, stored payload)."""
    db = tmp_path_factory.mktemp("province") / "province.db"
    subprocess.run(
        [sys.executable, str(BENCH / "generate.py"), "--size", "3000", "--out", str(db)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT topic, state FROM stored_events WHERE topic LIKE '%AccountabilityCase.%' "
            "ORDER BY rowid"
        ).fetchall()
    return [(t.rsplit(".", 1)[-1], loads(Envelope.parse(s).payload)) for t, s in rows]


def test_declared_dates_convert_every_date_a_generated_ledger_stored(
    case_events: list[tuple[str, dict[str, Any]]],
) -> None:
    seen = set()
    for name, payload in case_events:
        everything = scan_in_place(copy.deepcopy(payload))  # every date marker, anywhere
        assert typed(name, payload) == everything, name
        seen.add(name)
    assert seen >= WITH_ANY
    assert len(seen) >= 14


def test_typed_fields_leave_the_stored_payload_as_it_was(
    case_events: list[tuple[str, dict[str, Any]]],
) -> None:
    name, payload = next(e for e in case_events if e[0] == "DecisionIssued")
    stored = copy.deepcopy(payload)
    fields = typed(name, payload)
    assert isinstance(fields["announce_due"], dt.date)
    assert isinstance(fields["document"]["decided_on"], dt.date)
    assert payload == stored
    assert payload["document"]["decided_on"]["_type_"] == "date_iso"


def test_the_declaration_is_read_from_the_event_classes() -> None:
    assert CASE_DATES["DecisionReceived"] == DateFields(("on", "appeal_due"), ())
    assert CASE_DATES["DecisionIssued"] == DateFields(
        ("announce_due",), (), (("document", ("decided_on", "effective_date")),)
    )
    assert CASE_DATES["AppealDecided"] == DateFields(("on", "due"), ())  # Measures: no date
    assert {n for n, d in CASE_DATES.items() if d.scanned} == SCANNED


def test_a_document_stored_without_a_date_marker_is_folded_as_it_was() -> None:
    """A document whose effective date is not a date marker keeps it as stored (the fold reads
    an empty one as None), as scanning the document left it."""
    stored: dict[str, Any] = {
        "announce_due": {"_type_": "date_iso", "_data_": "2024-02-01"},
        "document": {
            "decided_on": {"_type_": "date_iso", "_data_": "2024-01-02"},
            "effective_date": "",
        },
    }
    fields = typed("DecisionIssued", stored)
    assert fields["document"] == {"decided_on": dt.date(2024, 1, 2), "effective_date": ""}
    assert fields["announce_due"] == dt.date(2024, 2, 1)
    assert stored["document"]["decided_on"] == {"_type_": "date_iso", "_data_": "2024-01-02"}


def test_a_field_the_domain_adds_is_declared_by_its_annotation() -> None:
    @dataclass(frozen=True)
    class Later:
        on: dt.date
        until: dt.date | None
        recorded_at: dt.datetime
        measures: dict[str, Any] | None
        told: list[str]
        days: int

    assert declared(Later) == DateFields(("on", "until"), ("measures",))

    @dataclass(frozen=True)
    class Shape:
        since: dt.date | None
        note: str

    assert declared(Later, {"measures": Shape}) == DateFields(
        ("on", "until"), (), (("measures", ("since",)),)
    )


def test_the_iso_text_of_a_day_is_remembered_within_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A view writes a date as ISO text; the memo behind it never grows past its bound."""
    monkeypatch.setattr(event_dates, "_ISO", {})
    monkeypatch.setattr(event_dates, "_ISO_KEPT", 10)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(25)]
    assert [event_dates.iso(d) for d in days + days] == [d.isoformat() for d in days + days]
    assert 0 < len(event_dates._ISO) <= 10
