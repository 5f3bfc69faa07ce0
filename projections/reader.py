from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from ledger.domain import ids
from ledger.domain.case_state import CaseState
from ledger.domain.event_labels import event_label
from ledger.errors import NotFoundError
from ledger.i18n import _
from ledger.transparency.person_record import PersonRecord
from projections.census import check_index_rows, refuse_row
from projections.codec import Unwrap
from projections.replay import CaseEvent, state
from projections.schema import KEYS, Table
from projections.sql import Cursor, ViewStore, rows_as_dicts
from projections.trusted import (
    VERIFY_HINT,
    Checked,
    ReadRefusedError,
    TrustedLog,
)

Row = dict[str, Any]
CHUNK = 500


def _marks(keys: Sequence[Any]) -> str:
    return ", ".join("?" for _key in keys)


def _chunks(keys: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(set(keys))
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


class ReaderBase:
    """One read cursor of the views and the application's event reader, and the replays of
    the cases and records a question needs."""

    def __init__(
        self,
        store: ViewStore,
        cur: Cursor,
        position: int,
        unwrap: Unwrap | None,
        top: int | None = None,
    ) -> None:
        self.store = store
        self.cur = cur
        self.position = position
        self.unwrap = unwrap
        #: The log's last position in this snapshot; the records' events are read up to it.
        self.top = position if top is None else top
        self.trust = TrustedLog(store, cur, self.top, unwrap)

    def rows(self, table: Table, where: str, params: Sequence[Any], order: str = "") -> list[Row]:
        tail = f" ORDER BY {order}" if order else ""
        self.cur.execute(
            self.store.sql(f"SELECT * FROM {{{table.name}}} WHERE {where}{tail}"), tuple(params)
        )
        return rows_as_dicts(table.column_names, self.cur.fetchall())

    def names(self, table: Table, column: str, codes: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(codes):
            for r in self.rows(table, f"{column} IN ({_marks(chunk)})", chunk):
                found[r[column]] = r["name"]
        return found

    def key_rows(self) -> dict[str, Row]:
        return {k["key_id"]: k for k in self.rows(KEYS, "1 = 1", (), "registered_at")}

    # replaying cases ------------------------------------------------------------------------
    def case_events(self, cases: Iterable[int]) -> dict[int, list[CaseEvent]]:
        """The checked events of the cases the index names (keyed by opening position), up to
        the position the views have applied; each case must be what its index row says."""
        indexed: dict[UUID, tuple[int, str]] = {}
        for chunk in _chunks(cases):
            self.cur.execute(
                self.store.sql(
                    "SELECT opened_at, case_id, case_no FROM {proj_cases} "
                    f"WHERE opened_at IN ({_marks(chunk)})"
                ),
                tuple(chunk),
            )
            for case, case_id, case_no in self.cur.fetchall():
                indexed[UUID(case_id)] = (int(case), str(case_no))
        checked = self.checked(indexed, self.position)
        found: dict[int, list[CaseEvent]] = {}
        for oid, (case, case_no) in indexed.items():
            events = self.case_checked(checked, oid, _("case {case_no}").format(case_no=case_no))
            first = events[0] if events else None
            if (
                first is None
                or first.event != "Opened"
                or first.position != case
                or first.payload.get("case_no") != case_no
                or ids.case_id(case_no) != oid
            ):
                raise refuse_row(
                    "proj_cases", f"opened_at={case}", _("case {case_no}").format(case_no=case_no)
                )
            found[case] = events
        return dict(sorted(found.items()))

    def checked(self, records: Iterable[UUID], up_to: int | None = None) -> Checked:
        """Read and check records' events (and the key registry): refuse on a bad registry."""
        checked = self.trust.check(records, up_to)
        if checked.registry_failure is not None:
            raise self.trust.refuse(checked.registry_failure, _("the key registry"))
        return checked

    def case_checked(self, checked: Checked, oid: UUID, what: str) -> list[CaseEvent]:
        failure = checked.failures.get(oid)
        if failure is not None:
            raise self.trust.refuse(failure, what)
        return checked.events.get(oid, [])

    def case_by_id(self, case_no: str) -> tuple[list[CaseEvent], Checked]:
        """A case's checked events, found by the aggregate id its number names (no index)."""
        oid = ids.case_id(case_no)
        checked = self.checked([oid])
        events = self.case_checked(checked, oid, _("case {case_no}").format(case_no=case_no))
        if not events:
            raise NotFoundError(_("no case {case_no}").format(case_no=case_no))
        return events, checked

    def registered_names(self, party_type: str, codes: Iterable[str]) -> dict[str, str]:
        """Unit or cadre names from their own checked registration events."""
        by_id = {
            (ids.unit_id(c) if party_type == "unit" else ids.cadre_id(c)): c for c in set(codes)
        }
        if not by_id:
            return {}
        return self._names(self.checked(by_id), party_type, by_id)

    def _names(self, checked: Checked, party_type: str, by_id: dict[UUID, str]) -> dict[str, str]:
        """Names from the registration events of records checked in one pass."""
        label = "unit" if party_type == "unit" else "cadre"
        found: dict[str, str] = {}
        for oid, code in by_id.items():
            events = self.case_checked(checked, oid, f"{label} {code}")
            if events and events[0].event == "Registered":
                found[code] = str(events[0].payload["name"])
        return found

    def _same_events(self, checked: Checked, record: PersonRecord) -> None:
        """Each event the person index gave must be one of those just checked, byte for byte
        (it was read in another query): otherwise its signature was not the one checked."""
        if record.signatures_checked:
            return
        for e in record.events:
            if e.originator_id in checked.failures:
                raise self.trust.refuse(
                    checked.failures[e.originator_id],
                    _("an event of {topic}").format(topic=event_label(e.topic)),
                )
            if checked.states.get(e.originator_id, {}).get(e.version) != e.state:
                raise ReadRefusedError(
                    _(
                        "the event at log position {position} changed while it was read: it is "
                        "not the one whose signature was checked. Nothing is shown from it. "
                        "{VERIFY_HINT}"
                    ).format(position=e.position, VERIFY_HINT=VERIFY_HINT),
                    position=e.position,
                )

    def states(self, cases: Iterable[int]) -> dict[int, CaseState]:
        """The cases' typed states, folded from their checked events by the domain's fold."""
        found = {}
        for case, events in self.case_events(cases).items():
            folded = state(events)
            assert folded is not None  # case_events checked that each starts with its opening
            found[case] = folded
        return found

    def case_by_number(self, case_no: str) -> int:
        self.cur.execute(
            self.store.sql("SELECT opened_at FROM {proj_cases} WHERE case_no = ?"), (case_no,)
        )
        row = self.cur.fetchone()
        if row is None:
            raise NotFoundError(_("no case {case_no}").format(case_no=case_no))
        return int(row[0])

    def named_in(self, party_type: str, code: str) -> list[int]:
        """The cases that name a party (index on the party code: never a scan)."""
        check_index_rows(
            self.trust,
            "proj_case_parties",
            _("a case naming {party_type} {code}").format(party_type=party_type, code=code),
        )
        self.cur.execute(
            self.store.sql(
                "SELECT opened_at FROM {proj_case_parties} WHERE code = ? AND party_type = ?"
            ),
            (code, party_type),
        )
        return [int(r[0]) for r in self.cur.fetchall()]
