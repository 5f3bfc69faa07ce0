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
from projections.codec import loads
from projections.event_dates import CASE_DATES, DateFields, declared, scan_in_place, typed

BENCH = Path(__file__).resolve().parent.parent / "bench"
#: the case events whose fields hold dates the annotation does not name
SCANNED = {"TeamResponsibilityAssigned", "DecisionIssued", "AppealDecided"}


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
    assert seen >= SCANNED
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
    assert CASE_DATES["DecisionIssued"] == DateFields(("announce_due",), ("document",))
    assert {n for n, d in CASE_DATES.items() if d.scanned} == SCANNED


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
