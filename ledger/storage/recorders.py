"""Application recorders that keep the Merkle leaves in the same transaction as the events.

The leaf table numbers leaves with its own contiguous index (PostgreSQL notification ids can
have gaps), in notification order: SQLite has one writer at a time, and the PostgreSQL recorder
holds an exclusive table lock while it inserts, so the leaf order is the commit order.
The PostgreSQL recorder is in :mod:`ledger.storage.postgres_recorder`, imported only by a
PostgreSQL ledger (psycopg takes longer to import than the rest of a read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.domain.ids import REGISTRY_ID, as_uuid
from ledger.storage.entries import event_leaf_hash
from ledger.transparency import case_dates
from ledger.transparency.case_dates import DATES_EVENTS_TABLE, DATES_NODES_TABLE
from ledger.transparency.case_index import CASE_EVENTS_TABLE, CASE_NODES_TABLE, named_rows
from ledger.transparency.person_index import (
    PERSON_EVENTS_TABLE,
    PERSON_NODES_TABLE,
    chain_rows,
    extend_chains,
    registered_person,
)

LEAVES_TABLE = "merkle_leaves"
CHECKPOINTS_TABLE = "checkpoints"
COSIGNATURES_TABLE = "cosignatures"

#: (version, topic, stored state) of the key registry's events after a version.
RegistryRows = Sequence[tuple[int, str, bytes]]
#: Called inside the appending transaction, once the write lock is held, with the events to
#: append and a reader of the registry events committed after a version; raises to refuse
#: (:class:`ledger.storage.key_check.SignerCheck`).
SignerCheckHook = Callable[[Sequence[StoredEvent], Callable[[int], RegistryRows]], None]


def leaf_rows(
    start: int, stored_events: Sequence[StoredEvent], notification_ids: Sequence[int]
) -> list[tuple[int, int, bytes]]:
    return [
        (
            start + i,
            nid,
            event_leaf_hash(
                start + i, as_uuid(s.originator_id), s.originator_version, s.topic, s.state
            ),
        )
        for i, (s, nid) in enumerate(zip(stored_events, notification_ids, strict=True))
    ]


def _index_input(
    leaves: Sequence[tuple[int, int, bytes]], stored_events: Sequence[StoredEvent]
) -> list[tuple[int, UUID, str, bytes, bytes]]:
    return [
        (index, as_uuid(s.originator_id), s.topic, s.state, leaf)
        for (index, _, leaf), s in zip(leaves, stored_events, strict=True)
    ]


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    """The SQLite application recorder plus the Merkle leaves and checkpoints tables."""

    signer_check: SignerCheckHook | None = None

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements += [
            f"CREATE TABLE IF NOT EXISTS {LEAVES_TABLE} ("
            "leaf_index INTEGER PRIMARY KEY, "
            "notification_id INTEGER NOT NULL UNIQUE, "
            "leaf_hash BLOB NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} ("
            "tree_size INTEGER PRIMARY KEY, "
            "root BLOB NOT NULL, "
            "note BLOB NOT NULL, "
            "created_at TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {COSIGNATURES_TABLE} ("
            "tree_size INTEGER NOT NULL, "
            "vkey TEXT NOT NULL, "
            "line BLOB NOT NULL, "
            "created_at TEXT NOT NULL, "
            "PRIMARY KEY (tree_size, vkey))",
        ]
        for chains, nodes, key in (
            (PERSON_EVENTS_TABLE, PERSON_NODES_TABLE, "personnel_no"),
            (CASE_EVENTS_TABLE, CASE_NODES_TABLE, "subject"),
            (DATES_EVENTS_TABLE, DATES_NODES_TABLE, "subject"),
        ):
            statements += [
                f"CREATE TABLE IF NOT EXISTS {chains} ("
                f"{key} TEXT NOT NULL, "
                "seq INTEGER NOT NULL, "
                "leaf_index INTEGER NOT NULL, "
                "chain BLOB NOT NULL, "
                f"PRIMARY KEY ({key}, seq)) WITHOUT ROWID",
                f"CREATE INDEX IF NOT EXISTS {chains}_leaf ON {chains} (leaf_index)",
                f"CREATE TABLE IF NOT EXISTS {nodes} ("
                "path TEXT NOT NULL, "
                "version INTEGER NOT NULL, "
                "hash BLOB NOT NULL, "
                "leaf_key BLOB, "
                "leaf_value BLOB, "
                "PRIMARY KEY (path, version)) WITHOUT ROWID",
            ]
        return statements

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        # The event inserts above took the write lock, so the leaf count read here is final,
        # and so is the key registry the signer check reads.
        if self.signer_check is not None:
            self.signer_check(stored_events, lambda version: self._registry_after(c, version))
        c.execute(f"SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM {LEAVES_TABLE}")
        start = int(c.fetchone()[0])
        leaves = leaf_rows(start, stored_events, ids)
        c.executemany(f"INSERT INTO {LEAVES_TABLE} VALUES (?, ?, ?)", leaves)
        # The person index (Art. 8), in the same transaction: one row per person named.
        new = _index_input(leaves, stored_events)
        index = chain_rows(
            new,
            lambda nos: self._heads(c, nos),
            lambda oids: self._cadres(c, oids),
        )
        if index:
            c.executemany(f"INSERT INTO {PERSON_EVENTS_TABLE} VALUES (?, ?, ?, ?)", index)
        # The case index (Art. 13, 14), likewise: the case set and the cases naming each unit.
        cases = extend_chains(
            named_rows(new),
            lambda keys: self._heads(c, keys, CASE_EVENTS_TABLE, "subject"),
        )
        if cases:
            c.executemany(f"INSERT INTO {CASE_EVENTS_TABLE} VALUES (?, ?, ?, ?)", cases)
        # The case-dates index (Art. 12, 14), likewise: each year's cases and the closings.
        dated = extend_chains(
            case_dates.named_rows(new),
            lambda keys: self._heads(c, keys, DATES_EVENTS_TABLE, "subject"),
        )
        if dated:
            c.executemany(f"INSERT INTO {DATES_EVENTS_TABLE} VALUES (?, ?, ?, ?)", dated)
        return ids

    def _registry_after(self, c: SQLiteCursor, version: int) -> RegistryRows:
        c.execute(
            f"SELECT originator_version, topic, state FROM {self.events_table_name} "
            "WHERE originator_id = ? AND originator_version > ? ORDER BY originator_version",
            (REGISTRY_ID.hex, version),
        )
        return [(int(v), str(t), bytes(s)) for v, t, s in c.fetchall()]

    @staticmethod
    def _heads(
        c: SQLiteCursor,
        persons: Iterable[str],
        table: str = PERSON_EVENTS_TABLE,
        column: str = "personnel_no",
    ) -> dict[str, tuple[int, bytes]]:
        found: dict[str, tuple[int, bytes]] = {}
        for no in persons:
            c.execute(
                f"SELECT seq, chain FROM {table} WHERE {column} = ? ORDER BY seq DESC LIMIT 1",
                (no,),
            )
            row = c.fetchone()
            if row is not None:
                found[no] = (int(row[0]), bytes(row[1]))
        return found

    def _cadres(self, c: SQLiteCursor, oids: Iterable[UUID]) -> dict[UUID, str]:
        found: dict[UUID, str] = {}
        for oid in oids:
            c.execute(
                f"SELECT state FROM {self.events_table_name} WHERE originator_id = ? "
                "AND originator_version = 1",
                (oid.hex,),
            )
            row = c.fetchone()
            no = registered_person(bytes(row[0])) if row is not None else None
            if no:
                found[oid] = no
        return found
