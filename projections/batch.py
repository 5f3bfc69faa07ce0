"""The rows one page of notifications writes, gathered in memory and written in one go.

A page is applied inside one write transaction. Most events add at most a small index row
(who is named in a case, a year it touches); the few rows that change — a case's count of
parties or its closing, a decision's dates — are kept in memory while the page runs and
written once, with one batch per statement. What a page needs to know from earlier pages
(which case an aggregate is, a party's latest decision) comes from :class:`Memory`, or is
read once through the page's transaction.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from ledger.errors import StoreError
from projections import schema
from projections.schema import (
    CADRES,
    CASE_PARTIES,
    CASE_YEARS,
    CASES,
    DECISIONS,
    KEYS,
    POSTS,
    UNITS,
)
from projections.sql import Cursor, ViewStore, rows_as_dicts, values
from projections.steps import Dates, pack, settled_from, unpack

Row = dict[str, Any]
PARTIES_COLUMN = CASES.column_names.index("parties")
STATUS_COLUMN = CASES.column_names.index("status")
CLOSED_COLUMN = CASES.column_names.index("closed_on")
PartyKey = tuple[int, str, str]
Statement = tuple[str, list[tuple[Any, ...]]]


class Memory:
    """What the pages this process applied taught it, kept between pages.

    ``case_keys`` (aggregate id → the position that opened the case) never changes once the
    log says it, so it survives anything. ``decisions`` (a party's latest decision row) is
    valid only while the views stand at ``position``: a page that starts elsewhere, or
    fails, forgets it (rows are changed in place while a page runs).
    """

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.position = -1
        self.case_keys: dict[int, int] = {}
        self.decisions: OrderedDict[PartyKey, Row] = OrderedDict()

    def forget(self) -> None:
        self.position = -1
        self.decisions.clear()

    def keep(self, position: int, decisions: dict[PartyKey, Row]) -> None:
        self.position = position
        if len(self.case_keys) > 20 * self.size:
            self.case_keys.clear()  # bounded: the views give any key back when asked
        kept = self.decisions
        for key, row in decisions.items():
            kept[key] = row
            kept.move_to_end(key)
        while len(kept) > self.size:
            kept.popitem(last=False)


class Batch:
    """The view rows one page writes, loaded lazily through the page's transaction."""

    def __init__(self, store: ViewStore, cur: Cursor, memory: Memory) -> None:
        self.store = store
        self.cur = cur
        self.memory = memory
        self.cases: dict[int, list[Any]] = {}  # opened in this page: written once, complete
        self.named: list[tuple[str, str, int]] = []
        self.years: set[tuple[str, int]] = set()
        self.parties: dict[int, int] = {}
        self.closed: list[tuple[str, int]] = []
        self.decisions: dict[PartyKey, Row] = {}  # a party's latest decision
        self.dirty: dict[tuple[int, str, str, int], Row] = {}  # every decision row changed
        self.new_decisions: set[tuple[int, str, str, int]] = set()
        self.cadres: dict[str, tuple[Row, list[Row], bool]] = {}
        self.keys: dict[str, Row] | None = None
        self.touched_keys: set[str] = set()
        self.units: list[tuple[Any, ...]] = []

    # cases ----------------------------------------------------------------------------------
    def case_key(self, oid: UUID, position: int) -> int:
        """The position that opened the case the aggregate ``oid`` is."""
        keys = self.memory.case_keys
        key = keys.get(oid.int)
        if key is None:
            self.cur.execute(
                self.store.sql("SELECT opened_at FROM {proj_cases} WHERE case_id = ?"), (oid.hex,)
            )
            row = self.cur.fetchone()
            if row is None:
                raise StoreError(
                    f"the event at position {position} belongs to case aggregate {oid}, "
                    "which was never opened in the log"
                )
            key = keys[oid.int] = int(row[0])
        return key

    def add_parties(self, case: int, count: int) -> None:
        new = self.cases.get(case)
        if new is not None:
            new[PARTIES_COLUMN] += count
        else:
            self.parties[case] = self.parties.get(case, 0) + count

    def close(self, case: int, on: str) -> None:
        new = self.cases.get(case)
        if new is not None:
            new[STATUS_COLUMN], new[CLOSED_COLUMN] = "closed", on
        else:
            self.closed.append((on, case))

    def year(self, case: int, day: str) -> None:
        self.years.add((day[:4], case))

    def decision(self, case: int, party_type: str, code: str, position: int) -> Row:
        """The party's latest decision (its dates row)."""
        key = (case, party_type, code)
        row = self.decisions.get(key) or self.memory.decisions.get(key)
        if row is None:
            self.cur.execute(
                self.store.sql(
                    "SELECT * FROM {proj_decisions} WHERE opened_at = ? AND party_type = ? "
                    "AND code = ? ORDER BY position DESC LIMIT 1"
                ),
                key,
            )
            found = rows_as_dicts(DECISIONS.column_names, self.cur.fetchall())
            if not found:
                raise StoreError(
                    f"the event at position {position} concerns a decision for {party_type} "
                    f"{code}, and none was issued"
                )
            row = found[0]
            row.update(unpack(row.pop("dates"))._asdict())
        self.decisions[key] = row
        self.dirty[(*key, row["position"])] = row
        return row

    def new_decision(self, row: Row) -> None:
        key = (row["opened_at"], row["party_type"], row["code"])
        self.decisions[key] = row
        self.dirty[(*key, row["position"])] = row
        self.new_decisions.add((*key, row["position"]))

    # cadres ---------------------------------------------------------------------------------
    def new_cadre(self, cadre_id: str, row: Row, post: Row) -> None:
        self.cadres[cadre_id] = (row, [post], False)

    def cadre(self, cadre_id: str, position: int) -> tuple[Row, list[Row]]:
        found = self.cadres.get(cadre_id)
        if found is None:
            self.cur.execute(
                self.store.sql("SELECT * FROM {proj_cadres} WHERE cadre_id = ?"), (cadre_id,)
            )
            rows = rows_as_dicts(CADRES.column_names, self.cur.fetchall())
            if not rows:
                raise StoreError(
                    f"the event at position {position} belongs to cadre aggregate {cadre_id}, "
                    "which was never registered in the log"
                )
            self.cur.execute(
                self.store.sql("SELECT * FROM {proj_posts} WHERE personnel_no = ? ORDER BY seq"),
                (rows[0]["personnel_no"],),
            )
            posts = rows_as_dicts(POSTS.column_names, self.cur.fetchall())
            found = (rows[0], posts, True)
            self.cadres[cadre_id] = found
        return found[0], found[1]

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
                f"the key registry event at position {position} names key {key_id}, "
                "which was never registered"
            ) from None
        self.touched_keys.add(key_id)
        return row

    def put_key(self, row: Row) -> None:
        self.all_keys()[row["key_id"]] = row
        self.touched_keys.add(row["key_id"])

    # writing --------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every row of the page in the page's transaction."""
        for statement, params in self.writes():
            self.store.executemany(self.cur, statement, params)

    def writes(self) -> list[Statement]:
        """The statements that write the page's rows, with their parameters."""
        store = self.store
        new_decisions, changed = [], []
        for key, row in self.dirty.items():
            dates = Dates._make([row[c] for c in Dates._fields])
            until = settled_from(dates)
            if key in self.new_decisions:
                new_decisions.append((*key, row["number"], pack(dates), until))
            else:
                changed.append((pack(dates), until, *key))
        writes: list[Statement] = [
            (schema.insert_statement(store, CASES), [tuple(row) for row in self.cases.values()]),
            (schema.insert_statement(store, CASE_PARTIES, ignore=True), self.named),
            (
                schema.insert_statement(store, CASE_YEARS, ignore=True),
                sorted((int(year), case) for year, case in self.years),
            ),
            (
                store.sql("UPDATE {proj_cases} SET parties = parties + ? WHERE opened_at = ?"),
                [(n, case) for case, n in self.parties.items()],
            ),
            (
                store.sql(
                    "UPDATE {proj_cases} SET status = 'closed', closed_on = ? WHERE opened_at = ?"
                ),
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
        cadres = list(self.cadres.values())
        old = [(row["personnel_no"],) for row, _, existed in cadres if existed]
        keys = sorted(self.touched_keys)
        return [
            (schema.delete_statement(store, CADRES, ("personnel_no",)), old),
            (schema.delete_statement(store, POSTS, ("personnel_no",)), old),
            (
                schema.insert_statement(store, CADRES),
                [values(row, CADRES.column_names) for row, _, _ in cadres],
            ),
            (
                schema.insert_statement(store, POSTS),
                [values(p, POSTS.column_names) for _, posts, _ in cadres for p in posts],
            ),
            (schema.delete_statement(store, KEYS, ("key_id",)), [(k,) for k in keys]),
            (
                schema.insert_statement(store, KEYS),
                [values(self.all_keys()[k], KEYS.column_names) for k in keys],
            ),
            (schema.insert_statement(store, UNITS), self.units),
        ]
