"""Application recorders that keep the Merkle leaves in the same transaction as the events.

The leaf table numbers leaves with its own contiguous index (PostgreSQL notification ids can
have gaps), in notification order: SQLite has one writer at a time, and the PostgreSQL recorder
holds an exclusive table lock while it inserts, so the leaf order is the commit order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

from ledger.storage.entries import event_leaf_hash

LEAVES_TABLE = "merkle_leaves"
CHECKPOINTS_TABLE = "checkpoints"
COSIGNATURES_TABLE = "cosignatures"


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def leaf_rows(
    start: int, stored_events: Sequence[StoredEvent], notification_ids: Sequence[int]
) -> list[tuple[int, int, bytes]]:
    return [
        (
            start + i,
            nid,
            event_leaf_hash(
                start + i, _uuid(s.originator_id), s.originator_version, s.topic, s.state
            ),
        )
        for i, (s, nid) in enumerate(zip(stored_events, notification_ids, strict=True))
    ]


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    """The SQLite application recorder plus the Merkle leaves and checkpoints tables."""

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
        return statements

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        # The event inserts above took the write lock, so the leaf count read here is final.
        c.execute(f"SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM {LEAVES_TABLE}")
        start = int(c.fetchone()[0])
        c.executemany(
            f"INSERT INTO {LEAVES_TABLE} VALUES (?, ?, ?)", leaf_rows(start, stored_events, ids)
        )
        return ids


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    """The PostgreSQL application recorder plus the Merkle leaves and checkpoints tables."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "leaf_index bigint PRIMARY KEY, "
                "notification_id bigint NOT NULL UNIQUE, "
                "leaf_hash bytea NOT NULL)"
            ).format(schema, Identifier(LEAVES_TABLE)),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "tree_size bigint PRIMARY KEY, "
                "root bytea NOT NULL, "
                "note bytea NOT NULL, "
                "created_at text NOT NULL)"
            ).format(schema, Identifier(CHECKPOINTS_TABLE)),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "tree_size bigint NOT NULL, "
                "vkey text NOT NULL, "
                "line bytea NOT NULL, "
                "created_at text NOT NULL, "
                "PRIMARY KEY (tree_size, vkey))"
            ).format(schema, Identifier(COSIGNATURES_TABLE)),
        ]
        self._select_next_leaf = SQL(
            "SELECT COALESCE(MAX(leaf_index) + 1, 0) AS next FROM {0}.{1}"
        ).format(schema, Identifier(LEAVES_TABLE))
        self._insert_leaf = SQL("INSERT INTO {0}.{1} VALUES (%s, %s, %s)").format(
            schema, Identifier(LEAVES_TABLE)
        )

    def create_table(self) -> None:
        """Create the tables of a new ledger; open an existing one without any DDL.

        Without DDL, roles that may not create or own objects (officials' workstations,
        auditors) and read-only replicas can open the ledger. For a new ledger, PostgreSQL
        refuses concurrent ``CREATE OR REPLACE FUNCTION`` of one function ("tuple concurrently
        updated") and a concurrent first ``CREATE TYPE`` (unique violation): the DDL
        transaction is serialised by an advisory lock, and the type race is retried.
        """
        if self._installed():
            self.datastore.register_type_adapters()
            return
        for attempt in range(5):
            try:
                super().create_table()
                return
            except IntegrityError:
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _installed(self) -> bool:
        """Whether every table and the row type of the ledger exist (read from the catalog,
        which needs no privilege on them)."""
        names = [self.events_table_name, LEAVES_TABLE, CHECKPOINTS_TABLE, COSIGNATURES_TABLE]
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace"
                " n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'"
                " AND c.relname = ANY(%s)) AS tables, (SELECT count(*) FROM pg_catalog.pg_type t"
                " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %s"
                " AND t.typname = %s) AS types",
                (self.datastore.schema, names, self.datastore.schema, self.stored_event_type_name),
            )
            row = curs.fetchone()
        return row is not None and row["tables"] == len(names) and row["types"] == 1

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute(
            SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
                Literal(f"lifeledger ddl {self.datastore.schema}")
            )
        )
        super()._create_table(curs)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None
        # Still inside the transaction that holds the table's EXCLUSIVE lock.
        curs.execute(self._select_next_leaf)
        row = curs.fetchone()
        assert row is not None
        start = int(row["next"])
        curs.executemany(self._insert_leaf, leaf_rows(start, stored_events, ids))
        return ids
