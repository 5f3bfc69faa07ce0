"""Choosing the store by configuration alone: a file path is SQLite, a URL is PostgreSQL.

The domain never sees which: both are the ``eventsourcing`` library's own modules, with the
ledger's recorder subclass that keeps the Merkle leaves beside the events.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from ledger.errors import StoreError, first_line
from ledger.i18n import _

if TYPE_CHECKING:  # psycopg loads only for a PostgreSQL store
    import psycopg

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_SCHEMA = "lifeledger"
#: SQLite result codes that say the file itself is bad (SQLITE_CORRUPT, SQLITE_NOTADB), as
#: against one that could not be opened (SQLITE_IOERR for a full disk, SQLITE_CANTOPEN, ...).
UNREADABLE_FILE = frozenset({11, 26})
LEDGER_TABLES = {"stored_events", "merkle_leaves"}
PG_EVENTS_TABLE = "lifeledger_events"  # eventsourcing names it after the application
CONNINFO_ENV = "LIFELEDGER_CONNINFO"  # read by ledger.storage.postgres
#: Seconds to wait for the server at each attempt when the connection string and the
#: environment give no ``connect_timeout``: an unreachable server is an error, not a hang.
CONNECT_TIMEOUT = 5
_POSTGRES_URL = ("postgresql://", "postgres://")
_KEYWORD = re.compile(r"\s*([A-Za-z_]+)\s*=")
#: A URL's ``user:password@``, in linear time on any text (the unanchored pattern took
#: quadratic time: 5 s to mask one 80,000-letter argument). The scheme is a whole run of
#: scheme characters, so a match is tried once per run, not at every letter of it (a digit in
#: front is taken in: that masks more, never less); the password ends at ``@`` or at ``/``,
#: where libpq ends its look for a user part too.
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![A-Za-z0-9+.-])[A-Za-z0-9+.-]+://[^:/@\s'\"]*):[^@/\s'\"]*@"
)
_WORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\"[^\"]*\"|\S+)", re.I)


def is_postgres(url: str) -> bool:
    """A ``postgresql://`` URL or libpq ``key=value`` words (the first a libpq keyword)."""
    if url.startswith(_POSTGRES_URL):
        return True
    first = _KEYWORD.match(url)
    if first is None:
        return False
    from psycopg import pq

    keywords = {o.keyword.decode() for o in pq.Conninfo.get_defaults()}
    return first.group(1) in keywords | {"schema"}


def split_schema(url: str) -> tuple[str, str]:
    """The connection string without lifeledger's ``schema`` parameter, and the schema.

    libpq refuses parameters it does not know, so ``schema`` is taken out; every other
    character of the string is kept as written."""
    if url.startswith(_POSTGRES_URL):
        head, sep, query = url.partition("?")
        kept, schema = [], DEFAULT_SCHEMA
        for part in query.split("&") if sep else []:
            key, _unused, value = part.partition("=")
            if unquote(key) == "schema":
                schema = unquote(value)
            elif part:
                kept.append(part)
        return head + ("?" + "&".join(kept) if kept else ""), schema
    kept_words, schema = [], DEFAULT_SCHEMA
    for key, raw, value in _words(url):
        if key == "schema":
            schema = value
        else:
            kept_words.append(raw)
    return " ".join(kept_words), schema


def _words(conninfo: str) -> list[tuple[str, str, str]]:
    """libpq's ``key = value`` words: (key, the word as written, the unquoted value)."""
    found: list[tuple[str, str, str]] = []
    i, n = 0, len(conninfo)
    while i < n:
        while i < n and conninfo[i].isspace():
            i += 1
        if i == n:
            break
        start = i
        while i < n and conninfo[i] != "=" and not conninfo[i].isspace():
            i += 1
        key = conninfo[start:i]
        while i < n and conninfo[i].isspace():
            i += 1
        if i == n or conninfo[i] != "=":
            raise StoreError(
                _('missing "=" after {key!r} in the PostgreSQL connection string').format(key=key)
            )
        i += 1
        while i < n and conninfo[i].isspace():
            i += 1
        value: list[str] = []
        quoted = i < n and conninfo[i] == "'"
        i += quoted
        while i < n and (quoted or not conninfo[i].isspace()):
            if conninfo[i] == "\\" and i + 1 < n:
                value.append(conninfo[i + 1])
                i += 2
                continue
            if quoted and conninfo[i] == "'":
                i += 1
                break
            value.append(conninfo[i])
            i += 1
        found.append((key, conninfo[start:i], "".join(value)))
    return found


def redact_password(conninfo: str) -> str:
    """``conninfo`` (or any text holding one) with its password masked: ``user:***@``,
    ``password=***``."""
    return _WORD_PASSWORD.sub(r"\g<head>***", _URL_PASSWORD.sub(r"\g<head>:***@", conninfo))


@dataclass(frozen=True)
class StoreConfig:
    """Where a ledger lives.

    For PostgreSQL, ``conninfo`` is the user's libpq connection string (a URL or ``key=value``
    words) minus the one parameter lifeledger reads itself, ``schema``; it goes to libpq
    unchanged, so ``sslmode``, socket hosts, ``service`` and the ``PG*`` environment all work.
    """

    url: str
    kind: str  # "sqlite" or "postgres"
    path: Path | None = None
    conninfo: str = ""
    schema: str = DEFAULT_SCHEMA
    #: Open for reading only: SQLite ``mode=ro``; PostgreSQL read-only transactions.
    read_only: bool = False

    @classmethod
    def parse(cls, url: str) -> StoreConfig:
        if is_postgres(url):
            conninfo, schema = split_schema(url)
            if not schema.replace("_", "").isalnum():
                raise StoreError(
                    _("schema name {schema!r} must be letters, digits and _").format(schema=schema)
                )
            config = cls(url=url, kind="postgres", conninfo=conninfo, schema=schema)
            config.params()  # refuse what libpq cannot read, before anything connects
            return config
        if "://" in url:
            raise StoreError(
                _(
                    "unsupported database URL {redact_password!r}: give a file path "
                    "(SQLite), a postgresql:// URL or a libpq connection string (host=... "
                    "dbname=...)"
                ).format(redact_password=redact_password(url))
            )
        return cls(url=url, kind="sqlite", path=Path(url))

    def params(self) -> dict[str, str]:
        """The connection parameters libpq will use: the connection string's, then the
        ``PG*`` environment's and libpq's defaults (for messages and comparisons only)."""
        import psycopg
        from psycopg import pq

        try:
            given = pq.Conninfo.parse(self.conninfo.encode())
        except psycopg.Error as e:
            raise StoreError(
                _(
                    "unreadable PostgreSQL connection string {redact_password!r}: {first_line}"
                ).format(redact_password=redact_password(self.conninfo), first_line=first_line(e))
            ) from e
        defaults = {o.keyword.decode(): o.val.decode() for o in pq.Conninfo.get_defaults() if o.val}
        chosen = {o.keyword.decode(): o.val.decode() for o in given if o.val is not None}
        merged = {**defaults, **{k: v for k, v in chosen.items() if v}}
        merged.setdefault("dbname", merged.get("user", ""))
        return merged

    @property
    def host(self) -> str:
        """The server's host or socket folder; empty when libpq uses its default socket."""
        return self.params().get("host", "")

    @property
    def port(self) -> int:
        return int(self.params().get("port", "5432").split(",")[0] or 5432)

    @property
    def dbname(self) -> str:
        return self.params().get("dbname", "")

    @property
    def user(self) -> str:
        return self.params().get("user", "")

    @property
    def connect_timeout(self) -> int:
        """Seconds to wait for the server at each attempt: libpq's ``connect_timeout`` (the
        connection string's, else ``PGCONNECT_TIMEOUT``; at least 2, as libpq counts it), else
        :data:`CONNECT_TIMEOUT`. The library makes up to ten attempts at each step, so a server
        that stays down is given up on after about ten times this: a restart is ridden out."""
        try:
            seconds = int(self.params().get("connect_timeout", "") or 0)
        except ValueError:
            return CONNECT_TIMEOUT
        return max(seconds, 2) if seconds > 0 else CONNECT_TIMEOUT

    @property
    def password(self) -> str:
        """The password written in the connection string, if any (to mask it in messages)."""
        return self.params().get("password", "") if self.kind == "postgres" else ""

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
            # The library's factory, given the connection string instead of its five fields
            "PERSISTENCE_MODULE": "ledger.storage.postgres:ConninfoPostgresFactory",
            CONNINFO_ENV: self.conninfo,
            "POSTGRES_SCHEMA": self.schema,
            # How long the pool waits for a connection at each of the library's attempts.
            "POSTGRES_CONNECT_TIMEOUT": str(self.connect_timeout),
            # A pooled connection is checked before use, so one that a server restart or an
            # administrator ended is replaced instead of failing the next statement.
            "POSTGRES_PRE_PING": "y",
            # One connection opened up front, more only when threads ask at once (up to the
            # library's overflow of ten): a command is one thread, and the library's default of
            # five opened four connections no command used (about 4 ms of server CPU each).
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": "ledger.storage.postgres_recorder:PostgresLedgerRecorder",
        }

    def connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        """A PostgreSQL connection of our own (autocommit), beside the library's pool: for
        schema set-up, clean-up and the read models."""
        import psycopg

        return psycopg.connect(self.conninfo, connect_timeout=self.connect_timeout, autocommit=True)

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
            return _("SQLite file {path}").format(path=self.path)
        host = self.host or _("(local socket)")
        return _("PostgreSQL {user}@{host}:{port}/{dbname} schema {schema}").format(
            user=self.user, host=host, port=self.port, dbname=self.dbname, schema=self.schema
        )

    def same_place(self, other: StoreConfig) -> bool:
        """Whether both name the same ledger (the same file, or database and schema)."""
        if self.kind != other.kind:
            return False
        if self.kind == "sqlite":
            assert self.path is not None and other.path is not None
            return self.path.resolve() == other.path.resolve()
        where = ("host", "port", "dbname")
        mine, theirs = self.params(), other.params()
        return self.schema == other.schema and all(mine.get(k) == theirs.get(k) for k in where)

    def sqlite_name(self) -> str:
        """The SQLite file as the library opens it. A file this process may not write, or in
        a folder it may not write (a read-only copy kept for an audit), is opened read-only
        and immutable: SQLite then creates no ``-wal``/``-shm`` files beside it, and any
        write is refused instead of half-attempted."""
        assert self.path is not None
        path = self.path
        if path.exists() and not _may_write(path):
            return f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
        if self.read_only:
            return f"file:{quote(str(path.resolve()))}?mode=ro"
        return str(path)

    def opened_read_only(self) -> bool:
        """Whether this process opens the ledger for reading only: a SQLite file it may not
        (or, by its mode, should not) write, or ``read_only``."""
        if self.kind == "sqlite":
            return self.sqlite_name().startswith("file:")
        return self.read_only

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
            if getattr(e, "sqlite_errorcode", None) in UNREADABLE_FILE:
                raise StoreError(
                    _("{path} is not a readable SQLite database: {e}").format(path=self.path, e=e)
                ) from e
            # The file is fine but could not be opened: a full disk, a file size limit, a
            # lock, permissions (the library cannot do better with it).
            raise StoreError(
                _("cannot open {path}: {reason}").format(path=self.path, reason=e)
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


def _may_write(path: Path) -> bool:
    """This process may write the file and its folder, and their modes allow a write: root
    is not bound by the mode, but a file or folder made read-only (``chmod a-w``) is
    read-only by intent, and is opened so."""
    folder = path.parent.resolve()
    try:
        mode_allows = path.stat().st_mode & 0o222 and folder.stat().st_mode & 0o222
    except OSError:
        return False
    return bool(mode_allows) and os.access(path, os.W_OK) and os.access(folder, os.W_OK)
