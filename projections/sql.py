"""A tiny SQL adapter, so the views share one set of statements on SQLite and PostgreSQL.

The views live beside the events: in the same SQLite file, or in the ledger's own PostgreSQL
schema (``app.store.schema``). Statements are written once with ``?`` parameters and
``{table}`` names; the adapter turns them into ``%s`` and schema-qualified names for
PostgreSQL, and the neutral column types into the store's own (``INTEGER`` → ``BIGINT``).
Every write happens in one explicit transaction, so a page of view updates and its tracking
position commit together or not at all.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from ledger.errors import StoreError, StoreUnavailableError, first_line, went_away
from ledger.i18n import _
from ledger.storage.store import StoreConfig

#: SQLite waits this long (seconds) for another writer before giving up.
LOCK_TIMEOUT = 30
#: The views' SQLite page cache (KiB), and that of the connection that streams the log.
CACHE_KIB = 4096
LOG_CACHE_KIB = 1024


class Cursor(Protocol):
    """What both sqlite3 and psycopg cursors offer (rows are tuples)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def executemany(self, query: Any, params_seq: Any, /) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchone(self) -> Any: ...


class ViewStore:
    """One connection to the store that holds the events, for the view tables."""

    kind: str
    #: appended to CREATE TABLE for small rows under a composite key
    compact_suffix = ""

    def __init__(self, store: StoreConfig, tables: Sequence[str]) -> None:
        self.store = store
        self.kind = store.kind
        self.names = {t: self.qualify(t) for t in tables}

    # statements ---------------------------------------------------------------------------
    def qualify(self, table: str) -> str:
        return table

    def sql(self, statement: str) -> str:
        """``{table}`` names and ``?`` parameters, in this store's dialect."""
        return statement.format_map(self.names)

    def column_type(self, neutral: str) -> str:
        return neutral

    def executemany(self, cur: Cursor, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run a statement once per row (as one batch); returns the rows it changed."""
        cur.executemany(statement, rows)
        return int(cur.rowcount)

    # transactions -------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Cursor]:
        """One write transaction: commits on success, rolls back on any exception."""
        raise NotImplementedError  # pragma: no cover
        yield

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        """One read transaction: every statement sees the same snapshot."""
        raise NotImplementedError  # pragma: no cover
        yield

    @contextmanager
    def read_log(self) -> Iterator[Cursor]:
        """A read transaction for streaming the event log (see :mod:`projections.log`)."""
        with self.read() as cur:
            yield cur

    def close(self) -> None:
        raise NotImplementedError  # pragma: no cover

    def error(self, e: Exception) -> StoreError:
        """The store's error, as a StoreUnavailableError when the server went away (a
        connection that failed or was closed: no SQLSTATE, class 08, or an administrator's
        shutdown, 57P), so that a command cut short says so rather than report a finding."""
        first = first_line(e)
        return (StoreUnavailableError if went_away(e) else StoreError)(
            _("projection tables in {describe}: {first}").format(
                describe=self.store.describe(), first=first
            )
        )

    @staticmethod
    def open(store: StoreConfig, tables: Sequence[str]) -> ViewStore:
        if store.kind == "sqlite":
            return SQLiteViewStore(store, tables)
        return PostgresViewStore(store, tables)


class SQLiteViewStore(ViewStore):
    """Its own connection to the ledger's SQLite file (WAL, so readers never block)."""

    compact_suffix = " WITHOUT ROWID"

    def __init__(self, store: StoreConfig, tables: Sequence[str]) -> None:
        super().__init__(store, tables)
        assert store.path is not None
        try:
            self.conn = self._connect()
            # The views are derived data whose position commits with them: a commit lost to
            # a power cut is replayed, never half-applied. So skip the per-commit fsync
            # (the events themselves keep the library's FULL synchronous mode).
            self.conn.execute("PRAGMA synchronous = NORMAL")
            # KiB. Bounded and small: a page touches the newest rows of each view's B-trees
            # and a few older ones, and a rebuild must not grow with the ledger.
            self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except sqlite3.Error as e:
            raise self.error(e) from e
        self._log: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        assert self.store.path is not None
        return sqlite3.connect(
            self.store.sqlite_name(),  # read-only and immutable for a read-only copy
            uri=True,
            isolation_level=None,
            timeout=LOCK_TIMEOUT,
            check_same_thread=False,
        )

    @contextmanager
    def write(self) -> Iterator[Cursor]:
        cur = self.conn.cursor()
        try:
            # IMMEDIATE: take the write lock first, so the snapshot read here stays current.
            cur.execute("BEGIN IMMEDIATE")
            yield cur
            cur.execute("COMMIT")
        except BaseException as e:
            if self.conn.in_transaction:
                self.conn.rollback()
            if isinstance(e, sqlite3.Error):
                raise self.error(e) from e
            raise
        finally:
            cur.close()

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        with self._snapshot(self.conn, self.conn.cursor()) as snapshot:
            yield snapshot

    @contextmanager
    def read_log(self) -> Iterator[Cursor]:
        """On a second connection: a log page streams a few thousand event rows through
        once, and through the views' own page cache it would evict the B-tree pages the
        next page's writes need."""
        try:
            if self._log is None:
                self._log = self._connect()
                self._log.execute(f"PRAGMA cache_size = -{LOG_CACHE_KIB}")
            cur = self._log.cursor()
        except sqlite3.Error as e:
            raise self.error(e) from e
        with self._snapshot(self._log, cur) as snapshot:
            yield snapshot

    @contextmanager
    def _snapshot(self, conn: sqlite3.Connection, cur: sqlite3.Cursor) -> Iterator[Cursor]:
        """``cur`` in one read transaction on ``conn``: a consistent snapshot, rolled back
        after, as a read writes nothing."""
        try:
            cur.execute("BEGIN")
            yield cur
        except sqlite3.Error as e:
            raise self.error(e) from e
        finally:
            if conn.in_transaction:
                conn.rollback()
            cur.close()

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        self.conn.close()


class PostgresViewStore(ViewStore):
    """Its own connection to the ledger's PostgreSQL database; tables in the ledger's schema."""

    def __init__(self, store: StoreConfig, tables: Sequence[str]) -> None:
        super().__init__(store, tables)
        import psycopg

        self._psycopg = psycopg
        try:
            self.conn = store.connect()
            self.conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}s'")
        except psycopg.Error as e:
            raise self.error(e) from e

    def qualify(self, table: str) -> str:
        return f'"{self.store.schema}".{table}'

    def sql(self, statement: str) -> str:
        return super().sql(statement).replace("?", "%s")

    def column_type(self, neutral: str) -> str:
        return {"INTEGER": "BIGINT", "BLOB": "BYTEA"}.get(neutral, neutral)

    def executemany(self, cur: Cursor, statement: str, rows: Sequence[Sequence[Any]]) -> int:
        """An INSERT of whole rows goes as multi-row statements (one round trip for up to
        thousands of rows, instead of one per row); anything else row by row. Returns the
        rows changed."""
        found = _ROWS_INSERT.match(statement)
        if found is None or len(rows) < 2:
            cur.executemany(statement, rows)
            return int(cur.rowcount)
        row = f"({found['marks']})"
        per = max(1, _MAX_PARAMS // found["marks"].count("%s"))
        changed = 0
        for i in range(0, len(rows), per):
            chunk = rows[i : i + per]
            cur.execute(
                f"{found['head']} VALUES {', '.join([row] * len(chunk))}{found['tail'] or ''}",
                [value for r in chunk for value in r],
            )
            changed += int(cur.rowcount)
        return changed

    @contextmanager
    def write(self) -> Iterator[Cursor]:
        try:
            with self.conn.transaction():
                yield self.conn.cursor()
        except self._psycopg.Error as e:
            raise self.error(e) from e

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        try:
            with self.conn.transaction():
                cur = self.conn.cursor()
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield cur
        except self._psycopg.Error as e:
            raise self.error(e) from e

    def close(self) -> None:
        self.conn.close()


_ROWS_INSERT = re.compile(
    r"^(?P<head>INSERT INTO \S+) VALUES \((?P<marks>%s(?:, %s)*)\)"
    r"(?P<tail> ON CONFLICT DO NOTHING)?$"
)
_MAX_PARAMS = 30_000  # PostgreSQL takes at most 65,535 parameters per statement


def rows_as_dicts(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def values(row: Mapping[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple([row[c] for c in columns])
