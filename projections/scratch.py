"""View tables outside the ledger, for processes that may not (or must not) write it.

A read-only copy of a SQLite ledger (a read-only file, or a read-only folder), or a PostgreSQL
role that may only read, cannot keep the stored views (``proj_*``) current. Its reads, and
``verify``'s read-model audit, build the views in scratch space instead: SQLite, an in-memory
database with the ledger file attached read-only as ``ledger``; PostgreSQL, temporary tables
of the session. The ledger is only read; what is built goes when the connection closes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from ledger.errors import StoreError
from ledger.storage.store import StoreConfig
from projections import log, schema
from projections.sql import LOCK_TIMEOUT, PostgresViewStore, SQLiteViewStore

#: The SQLite ledger's event table (as the library names it).
SQLITE_EVENTS = "stored_events"


def read_only_uri(store: StoreConfig) -> str:
    """The ledger file as a read-only SQLite URI: ``mode=ro``, and immutable when this process
    may not write the file or its folder (a read-only copy kept for an audit), so that SQLite
    creates no ``-wal``/``-shm`` files beside it (:meth:`StoreConfig.sqlite_name`)."""
    return replace(store, read_only=True).sqlite_name()


class StoredViews(SQLiteViewStore):
    """The stored views, read through a read-only connection to the ledger file."""

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(
            read_only_uri(self.store),
            uri=True,
            isolation_level=None,
            timeout=LOCK_TIMEOUT,
            check_same_thread=False,
        )


class MemoryViews(SQLiteViewStore):
    """Views in an in-memory database, with the ledger file attached read-only as ``ledger``."""

    def __init__(self, store: StoreConfig, tables: Sequence[str]) -> None:
        super().__init__(store, tables)
        self.names[log.EVENTS] = f"ledger.{SQLITE_EVENTS}"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            "file::memory:", uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("ATTACH DATABASE ? AS ledger", (read_only_uri(self.store),))
        return conn

    def stored(self, table: str) -> str:
        return f"ledger.{table}"


class TemporaryViews(PostgresViewStore):
    """Views in temporary tables of this session (the ledger's own schema is only read)."""

    def __init__(self, store: StoreConfig, tables: Sequence[str], events_table: str) -> None:
        super().__init__(store, tables)
        self.names[log.EVENTS] = super().qualify(events_table)
        try:  # an auditor's role may default to read-only transactions
            self.conn.execute("SET default_transaction_read_only = off")
        except self._psycopg.Error as e:
            raise self.error(e) from e

    def qualify(self, table: str) -> str:
        """The views in ``pg_temp``; the ledger's own tables (events, leaves) in its schema."""
        return f"pg_temp.{table}" if table.startswith("proj_") else super().qualify(table)

    def stored(self, table: str) -> str:
        return super().qualify(table)


Scratch = MemoryViews | TemporaryViews


def scratch_views(store: StoreConfig, events_table: str) -> Scratch:
    """Empty scratch space for the views of the ledger in ``store``."""
    names = [t.name for t in schema.TABLES]
    if store.kind == "sqlite":
        return MemoryViews(store, names)
    return TemporaryViews(store, names, events_table)


def stored_position(views: Scratch) -> int | None:
    """The position of the stored views, if they exist and this schema version built them."""
    try:
        with views.read() as cur:
            cur.execute(
                views.sql(f"SELECT value FROM {views.stored(schema.META.name)} WHERE name = ?"),
                ("schema",),
            )
            meta = cur.fetchone()
            if meta is None or meta[0] != schema.SCHEMA_VERSION:
                return None
            cur.execute(
                views.sql(
                    f"SELECT position FROM {views.stored(schema.TRACKING.name)} WHERE name = ?"
                ),
                (schema.TRACKING_NAME,),
            )
            row = cur.fetchone()
    except StoreError:  # no stored views, or none this role may read
        return None
    return None if row is None else int(row[0])


def copy_stored(views: Scratch) -> bool:
    """Fill the scratch views with the stored ones (built by this schema version), so that
    only the events recorded since are applied; False (and empty views) when there are none."""
    position = stored_position(views)
    with views.write() as cur:
        schema.create_meta(views, cur)
        schema.create(views, cur)
        if position is None:
            return False
        for table in schema.TABLES:
            cur.execute(f"INSERT INTO {views.names[table.name]} SELECT * FROM "
                        f"{views.stored(table.name)}")  # fmt: skip
    return True
