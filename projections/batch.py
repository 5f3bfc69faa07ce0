"""The rows one page of notifications writes, gathered in memory and written in one go.

A page is applied inside one write transaction. Most events add at most a small index row
(who is named in a case, a year it touches); the few rows that change — a case's count of
parties or its closing, a decision's dates — are kept in memory while the page runs and
written once, with one batch per statement.

What a page needs from earlier pages — each case's state, folded by the domain
(:mod:`ledger.domain.case_state`) — comes from :class:`Memory`, a small LRU of the cases
recent pages touched, or is replayed from the cases' own events for the whole page at once,
one query per chunk of case ids, before the page is applied (:meth:`Batch.fetch`). Cases
the page itself opens are never looked for. Memory is bounded in entries, not in ledger
size, so a rebuild runs in the same memory at any length of log.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from ledger.domain.case_state import CLOSED, CaseState, Decision, apply, party_key
from ledger.errors import LedgerError, StoreError
from ledger.i18n import _
from projections import log, schema
from projections.codec import Unwrap
from projections.event_dates import dates_in_place, iso
from projections.replay import decode
from projections.schema import (
    CADRES,
    CASE_PARTIES,
    CASE_YEARS,
    CASES,
    DECISIONS,
    KEYS,
    UNITS,
)
from projections.sql import Cursor, ViewStore, rows_as_dicts, values
from projections.steps import decision_dates, pack, settled_from

Row = dict[str, Any]
PARTIES_COLUMN = CASES.column_names.index("parties")
STATUS_COLUMN = CASES.column_names.index("status")
CLOSED_COLUMN = CASES.column_names.index("closed_on")
Statement = tuple[str, list[tuple[Any, ...]]]

#: A decision row: (the opening's position, party type, code, the decision's position).
DecisionKey = tuple[int, str, str, int]

#: Cases remembered between pages. A case's events span a few months of the log; what a
#: page misses is read back in one query per chunk of ids (:meth:`Batch.fetch`), so this
#: only spares that read for the cases recent pages touched.
CASES_KEPT = 4096
#: ids per ``IN (…)`` list (SQLite allows 32,766 parameters, PostgreSQL 65,535)
IN_CHUNK = 500


class CaseMemo:
    """What a page needs to know about an opened case: its state (folded by the domain,
    :mod:`ledger.domain.case_state`), the log position that opened it (its key in the
    views), and the years already indexed."""

    __slots__ = ("key", "state", "years")

    def __init__(self, state: CaseState) -> None:
        assert state.opened_at is not None  # read back from the log
        self.state = state
        self.key: int = state.opened_at
        self.years: set[int] = set()

    @property
    def closed(self) -> bool:
        """A closed case takes no further events (``ledger.domain.case``): memory lets it go."""
        return self.state.status == CLOSED


class Memory:
    """What the pages this process applied taught it, kept between pages: an LRU of cases.

    Valid only while the views stand at ``position``: a page that starts elsewhere, or
    fails, forgets it all (decisions are changed in place while a page runs).
    """

    def __init__(self, cases: int = CASES_KEPT) -> None:
        self.limit = cases
        self.position = -1
        self.cases: OrderedDict[str, CaseMemo] = OrderedDict()

    def forget(self) -> None:
        self.position = -1
        self.cases.clear()

    def keep(self, position: int, touched: Mapping[str, CaseMemo]) -> None:
        """Remember the open cases the page at ``position`` touched, most recent last."""
        self.position = position
        kept = self.cases
        for oid, memo in touched.items():
            if memo.closed:
                kept.pop(oid, None)
            else:
                kept[oid] = memo
                kept.move_to_end(oid)
        while len(kept) > self.limit:
            kept.popitem(last=False)


class Batch:
    """The view rows one page writes, and what it needs from earlier pages."""

    def __init__(self, store: ViewStore, cur: Cursor, memory: Memory) -> None:
        self.store = store
        self.cur = cur
        self.memory = memory
        #: the cases this page's events belong to, by aggregate id (32 hex digits)
        self.case_memos: dict[str, CaseMemo] = {}
        #: import lines recorded in this page (no view row: the census counts them)
        self.import_lines = 0
        self.cases: dict[int, list[Any]] = {}  # opened in this page: written once, complete
        self.named: list[tuple[str, str, int]] = []
        self.years: set[tuple[int, int]] = set()
        self.parties: dict[int, int] = {}
        self.closed: list[tuple[str, str | None, int]] = []  # closings and reopenings, in order
        #: every decision row changed, by its key
        self.dirty: dict[DecisionKey, Decision] = {}
        self.new_decisions: set[DecisionKey] = set()
        self.cadres: list[tuple[Any, ...]] = []
        self.keys: dict[str, Row] | None = None
        self.touched_keys: set[str] = set()
        self.units: list[tuple[Any, ...]] = []
        self.reports: list[tuple[Any, ...]] = []

    # what the page needs from earlier pages ------------------------------------------------
    def want_case(self, oid: str) -> bool:
        """True if memory holds the case (it is then the page's)."""
        memo = self.memory.cases.get(oid)
        if memo is None:
            return False
        self.case_memos[oid] = memo
        return True

    def fetch(self, cases: Mapping[str, int], before: int, unwrap: Unwrap | None) -> None:
        """Replay the cases the page needs and memory lacks (aggregate id → the first position
        that needs it) from their events up to position ``before``, by the domain's fold: one
        query per chunk of ids. An event that cannot be read is left out, as in a page."""
        store, cur = self.store, self.cur
        found: dict[str, CaseMemo] = {}
        for chunk in _chunks(cases):
            rows = log.case_events(store, cur, [UUID(oid) for oid in chunk], before)
            for aggregate, events in rows.items():
                state = _replay(events, unwrap)
                if state is not None:
                    found[aggregate.hex] = CaseMemo(state)
        for oid, at in cases.items():
            if oid not in found:
                raise self.never_opened(oid, at)
        self.case_memos.update(found)

    @staticmethod
    def never_opened(oid: str, position: int) -> StoreError:
        return StoreError(
            _(
                "the event at position {position} belongs to case aggregate {oid}, which "
                "was never opened in the log"
            ).format(position=position, oid=oid)
        )

    # cases ----------------------------------------------------------------------------------
    def add_parties(self, case: int, count: int) -> None:
        new = self.cases.get(case)
        if new is not None:
            new[PARTIES_COLUMN] += count
        else:
            self.parties[case] = self.parties.get(case, 0) + count

    def status(self, case: CaseMemo) -> None:
        """A case closed, or reopened (its closing stays in its events and timeline)."""
        state = case.state
        status = state.status
        on = None if state.closed_on is None else iso(state.closed_on)
        new = self.cases.get(case.key)
        if new is not None:
            new[STATUS_COLUMN], new[CLOSED_COLUMN] = status, on
        else:
            self.closed.append((status, on, case.key))

    def year(self, case: CaseMemo, day: dt.date) -> None:
        """Index the case under the year of a business date (once per case while memory
        holds it; the insert ignores a year already there)."""
        year = day.year
        if year not in case.years:
            case.years.add(year)
            self.years.add((year, case.key))

    def decision(
        self, memo: CaseMemo, party_type: str, code: str, position: int, new: bool = False
    ) -> Decision:
        """The party's latest decision, whose dates the event at ``position`` changed."""
        party = memo.state.parties.get(party_key(party_type, code))
        decision = party.decisions[-1] if party is not None and party.decisions else None
        if decision is None or decision.position is None:
            raise StoreError(
                _(
                    "the event at position {position} concerns a decision for {party_type} "
                    "{code}, and none was issued"
                ).format(position=position, party_type=party_type, code=code)
            )
        key = (memo.key, party_type, code, decision.position)
        self.dirty[key] = decision
        if new:
            self.new_decisions.add(key)
        return decision

    # keys -----------------------------------------------------------------------------------
    def all_keys(self) -> dict[str, Row]:
        if self.keys is None:
            self.cur.execute(self.store.sql("SELECT * FROM {proj_keys}"))
            rows = rows_as_dicts(KEYS.column_names, self.cur.fetchall())
            self.keys = {r["key_id"]: r for r in rows}
        return self.keys

    def key(self, key_id: str, position: int) -> Row:
        try:
            row = self.all_keys()[key_id]
        except KeyError:
            raise StoreError(
                _(
                    "the key registry event at position {position} names key {key_id}, which "
                    "was never registered"
                ).format(position=position, key_id=key_id)
            ) from None
        self.touched_keys.add(key_id)
        return row

    def put_key(self, row: Row) -> None:
        self.all_keys()[row["key_id"]] = row
        self.touched_keys.add(row["key_id"])

    # writing --------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every row of the page in the page's transaction."""
        store = self.store
        counted = {
            schema.insert_statement(store, CASE_PARTIES, ignore=True): CASE_PARTIES.name,
            schema.insert_statement(store, CASE_YEARS, ignore=True): CASE_YEARS.name,
            schema.insert_statement(store, DECISIONS): DECISIONS.name,
        }
        inserted: dict[str, int] = {}
        for statement, params in self.writes():
            changed = store.executemany(self.cur, statement, params)
            table = counted.get(statement)
            if table is not None:
                inserted[table] = inserted.get(table, 0) + changed
        # The secondary indexes' row counts move with their rows, in the same transaction.
        counts = [(n, schema.counter_name(t)) for t, n in inserted.items() if n]
        if self.import_lines:
            counts.append((self.import_lines, schema.IMPORT_LINES))
            self.import_lines = 0
        if counts:
            store.executemany(
                self.cur,
                store.sql("UPDATE {proj_tracking} SET position = position + ? WHERE name = ?"),
                counts,
            )

    def writes(self) -> list[Statement]:
        """The statements that write the page's rows, with their parameters."""
        store = self.store
        new_decisions, changed = [], []
        new_keys = self.new_decisions
        for key, decision in self.dirty.items():
            dates = decision_dates(decision)
            packed, until = pack(dates), settled_from(dates)
            if key in new_keys:
                new_decisions.append((*key, decision.number, packed, until))
            else:
                changed.append((packed, until, *key))
        writes: list[Statement] = [
            (schema.insert_statement(store, CASES), [tuple(row) for row in self.cases.values()]),
            (schema.insert_statement(store, CASE_PARTIES, ignore=True), self.named),
            (
                schema.insert_statement(store, CASE_YEARS, ignore=True),
                sorted(self.years),
            ),
            (
                store.sql("UPDATE {proj_cases} SET parties = parties + ? WHERE opened_at = ?"),
                [(n, case) for case, n in self.parties.items()],
            ),
            (
                store.sql("UPDATE {proj_cases} SET status = ?, closed_on = ? WHERE opened_at = ?"),
                self.closed,
            ),
            (schema.insert_statement(store, DECISIONS), new_decisions),
            (
                store.sql(
                    "UPDATE {proj_decisions} SET dates = ?, steps_until = ? WHERE opened_at = ? "
                    "AND party_type = ? AND code = ? AND position = ?"
                ),
                changed,
            ),
        ]
        writes += self._registry_writes()
        return [(statement, params) for statement, params in writes if params]

    def _registry_writes(self) -> list[Statement]:
        store = self.store
        keys = sorted(self.touched_keys)
        return [
            (schema.insert_statement(store, CADRES), self.cadres),
            (schema.delete_statement(store, KEYS, ("key_id",)), [(k,) for k in keys]),
            (
                schema.insert_statement(store, KEYS),
                [values(self.all_keys()[k], KEYS.column_names) for k in keys],
            ),
            (schema.insert_statement(store, UNITS), self.units),
            (schema.insert_statement(store, schema.REPORTS), self.reports),
        ]


def _replay(events: list[tuple[int, str, bytes]], unwrap: Unwrap | None) -> CaseState | None:
    """A case's state after its stored events (position, topic, state), by the domain's fold;
    None if its opening cannot be read."""
    case: CaseState | None = None
    for position, topic, stored in events:
        try:
            (event,) = decode([(position, topic, stored)], unwrap)
            case = apply(case, event.event, dates_in_place(event.event, event.payload), position)
        except (LedgerError, ValueError, LookupError, TypeError, AttributeError):
            continue
    return case


def _chunks(ids: Iterable[str]) -> list[list[str]]:
    every = list(ids)
    return [every[i : i + IN_CHUNK] for i in range(0, len(every), IN_CHUNK)]


def _marks(chunk: list[str]) -> str:
    return ", ".join("?" * len(chunk))
