"""Choosing the store by configuration alone: a file path is SQLite, a URL is PostgreSQL.

The domain never sees which: both are the ``eventsourcing`` library's own modules, with the
ledger's recorder subclass that keeps the Merkle leaves beside the events.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlparse

from ledger.errors import StoreError, first_line
from ledger.i18n import _

if TYPE_CHECKING:  # psycopg loads only for a PostgreSQL store
    import psycopg

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_SCHEMA = "lifeledger"
LEDGER_TABLES = {"stored_events", "merkle_leaves"}
PG_EVENTS_TABLE = "lifeledger_events"  # eventsourcing names it after the application


@dataclass(frozen=True)
class StoreConfig:
    """Where a ledger lives."""

    url: str
    kind: str  # "sqlite" or "postgres"
    path: Path | None = None
    host: str = ""
    port: int = 5432
    dbname: str = ""
    user: str = ""
    password: str = ""
    schema: str = DEFAULT_SCHEMA
    #: Open for reading only: SQLite ``mode=ro``; PostgreSQL read-only transactions.
    read_only: bool = False

    @classmethod
    def parse(cls, url: str) -> StoreConfig:
        if url.startswith(("postgresql://", "postgres://")):
            u = urlparse(url)
            schema = parse_qs(u.query).get("schema", [DEFAULT_SCHEMA])[0]
            if not schema.replace("_", "").isalnum():
                raise StoreError(
                    _("schema name {schema!r} must be letters, digits and _").format(schema=schema)
                )
            return cls(
                url=url,
                kind="postgres",
                host=u.hostname or "127.0.0.1",
                port=u.port or 5432,
                dbname=unquote(u.path.lstrip("/")) or "postgres",
                user=unquote(u.username or "postgres"),
                password=unquote(u.password or ""),
                schema=schema,
            )
        if "://" in url:
            raise StoreError(
                _(
                    "unsupported database URL {url!r}: give a file path (SQLite) or a "
                    "postgresql:// URL"
                ).format(url=url)
            )
        return cls(url=url, kind="sqlite", path=Path(url))

    def env(self) -> dict[str, str]:
        """The ``eventsourcing`` environment that selects this store.

        Aggregates are cached and fast-forwarded: a command reads (and verifies) only the
        events recorded since it last saw the aggregate, not the whole history each time.
        """
        return {"AGGREGATE_CACHE_MAXSIZE": "4096", **self._store_env()}

    def _store_env(self) -> dict[str, str]:
        if self.kind == "sqlite":
            assert self.path is not None
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_name(),
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "ledger.storage.recorders:SQLiteLedgerRecorder",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": "ledger.storage.recorders:PostgresLedgerRecorder",
        }

    def connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        """A PostgreSQL connection of our own (autocommit), beside the library's pool: for
        schema set-up, clean-up and the read models."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            dbname=self.dbname,
            user=self.user,
            password=self.password or None,
            connect_timeout=5,
            autocommit=True,
        )

    def prepare(self) -> None:
        """PostgreSQL: create the ledger's own schema if it is missing."""
        if self.kind != "postgres":
            return
        import psycopg
        from psycopg import sql

        try:
            with self.connect() as conn:
                # Look before creating: CREATE needs a privilege that workstation and auditor
                # roles lack, and a read-only replica refuses it.
                tables = {
                    str(name)
                    for (name,) in conn.execute(
                        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace"
                        " n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                        (self.schema,),
                    )
                }
                exists = conn.execute(
                    "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (self.schema,)
                ).fetchone()
                if exists is None:
                    conn.execute(
                        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                            sql.Identifier(self.schema)
                        )
                    )
        except psycopg.errors.UniqueViolation:
            pass  # another process created it at the same moment
        except psycopg.Error as e:
            first = first_line(e)
            raise StoreError(
                _("cannot connect to {describe}: {first}").format(
                    describe=self.describe(), first=first
                )
            ) from e
        else:
            if tables and PG_EVENTS_TABLE not in tables:
                raise StoreError(
                    _(
                        "{describe} holds tables of another program, not a ledger; give the "
                        "ledger a schema of its own (?schema=name)"
                    ).format(describe=self.describe())
                )

    def describe(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite file {self.path}"
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.dbname} schema {self.schema}"

    def sqlite_name(self) -> str:
        """The SQLite file as the library opens it. A file this process may not write, or in
        a folder it may not write (a read-only copy kept for an audit), is opened read-only
        and immutable: SQLite then creates no ``-wal``/``-shm`` files beside it, and any
        write is refused instead of half-attempted."""
        assert self.path is not None
        path = self.path
        if path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent.resolve(), os.W_OK)
        ):
            return f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
        if self.read_only:
            return f"file:{quote(str(path.resolve()))}?mode=ro"
        return str(path)

    def check_sqlite_file(self, *, must_exist: bool) -> None:
        """Refuse a missing, unreadable or foreign file before the library touches it."""
        assert self.path is not None
        if not self.path.exists():
            if must_exist:
                raise StoreError(
                    _("no ledger at {path}; create one with `lifeledger init` or give --db").format(
                        path=self.path
                    )
                )
            return
        try:
            with self.path.open("rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as e:
            raise StoreError(
                _("cannot read {path}: {strerror}").format(path=self.path, strerror=e.strerror)
            ) from e
        if header != SQLITE_HEADER:
            if not header and not must_exist:
                return
            raise StoreError(
                _("{path} is not a lifeledger database (not an SQLite file)").format(path=self.path)
            )
        try:
            name = self.sqlite_name()
            if not name.startswith("file:"):
                name = f"file:{quote(str(self.path.resolve()))}?mode=ro"
            conn = sqlite3.connect(name, uri=True)
            try:
                names = {
                    r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
            finally:
                conn.close()
        except sqlite3.DatabaseError as e:
            raise StoreError(
                _("{path} is not a readable SQLite database: {e}").format(path=self.path, e=e)
            ) from e
        if names and not names >= LEDGER_TABLES:
            raise StoreError(
                _("{path} is an SQLite database of another program, not a ledger").format(
                    path=self.path
                )
            )
        if must_exist and not names:
            raise StoreError(
                _("{path} holds no ledger; run `lifeledger init` first").format(path=self.path)
            )
