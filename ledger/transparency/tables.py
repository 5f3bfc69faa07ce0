"""The transparency log's tables in both stores (SQLite and PostgreSQL): Merkle leaves, signed
checkpoints, cosignatures and the stored subtree cache that makes an inclusion proof read
O(log n) rows. Rows are only ever inserted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
)
from eventsourcing.utils import retry

from ledger.application import LedgerApplication
from ledger.i18n import _, enumerated

if TYPE_CHECKING:
    from ledger.storage.postgres_recorder import PostgresLedgerRecorder
from ledger.errors import (
    NotFoundError,
    ProofError,
    StoreError,
    StoreUnavailableError,
    first_line,
)
from ledger.storage.recorders import (
    CHECKPOINTS_TABLE,
    COSIGNATURES_TABLE,
    LEAVES_TABLE,
    SQLiteLedgerRecorder,
)
from ledger.transparency.checkpoint import (
    Checkpoint,
    NoteSignature,
    open_note,
    parse_signature_line,
)
from ledger.transparency.merkle import MerkleTree

LEAF_PAGE = 50_000

#: A read of PostgreSQL rides out a restart of the server, or a dropped connection: reading
#: again is always safe. Each attempt waits up to the connect timeout (5 s) for the pool to
#: reach the server, so a server that stays down fails the read after about 15 s. Writes are
#: not repeated here (one may have committed before the connection was lost).
reads_again = retry((InterfaceError, OperationalError), max_attempts=3, wait=0.5)


NODES_TABLE = "merkle_nodes"


#: An event as the verifier streams it: (notification id, aggregate id as the store holds it —
#: a UUID, or its 32 hex digits on SQLite —, version, topic, exact stored state).
EventRow = tuple[int, Any, int, str, bytes]


#: A row of the leaf table: (leaf index, notification id, leaf hash).
LeafRow = tuple[int, int, bytes]


def store_error(app: LedgerApplication, e: PersistenceError) -> StoreError:
    """The library's failure as ours: :class:`StoreUnavailableError` when the store stopped
    answering (connection lost, server down, disk I/O), not when it refused a statement."""
    message = _("cannot use {store}: {error}").format(
        store=app.store.describe(), error=first_line(e)
    )
    if isinstance(e, InterfaceError | OperationalError):
        return StoreUnavailableError(message)
    return StoreError(message)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class StoredLeaf:
    """One row of the Merkle leaf table: its index, the event's notification id, the hash."""

    leaf_index: int
    notification_id: int
    leaf_hash: bytes


#: How a checkpoint and a cosignature are stored (``{t}`` names the table, ``?`` a parameter:
#: :func:`in_dialect`); the service and ``migrate`` write them with these statements.
INSERT_CHECKPOINT = "INSERT INTO {t} (tree_size, root, note, created_at) VALUES (?, ?, ?, ?)"
INSERT_COSIGNATURE = "INSERT INTO {t} (tree_size, vkey, line, created_at) VALUES (?, ?, ?, ?)"


def in_dialect(sql: str, table: str, schema: str | None) -> Any:
    """A statement written with ``{t}`` and ``?`` for SQLite (``schema`` None) or for PostgreSQL
    (the table in ``schema``, ``%s`` parameters, as a ``psycopg.sql`` composition)."""
    if schema is None:
        return sql.replace("{t}", table)
    from psycopg.sql import SQL, Identifier

    return SQL(sql.replace("?", "%s")).format(t=Identifier(schema, table))


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint note as kept; ``tree_size`` and ``root`` are the row's columns."""

    tree_size: int
    root: bytes
    note: bytes
    created_at: str = ""

    def row(self) -> tuple[int, bytes, bytes, str]:
        """The values of :data:`INSERT_CHECKPOINT`."""
        return (self.tree_size, self.root, self.note, self.created_at)

    def body(self) -> bytes:
        """The checkpoint text of the note (unverified)."""
        return open_note(self.note)[0]

    def parsed(self) -> Checkpoint:
        """The checkpoint the note states (unverified); ProofError when malformed."""
        return Checkpoint.parse(self.body())


@dataclass(frozen=True)
class StoredCosignature:
    """An auditor's cosignature/v1 line on the checkpoint of ``tree_size``, with its vkey."""

    tree_size: int
    vkey: str
    line: bytes
    created_at: str = ""

    def row(self) -> tuple[int, str, bytes, str]:
        """The values of :data:`INSERT_COSIGNATURE`."""
        return (self.tree_size, self.vkey, self.line, self.created_at)

    @property
    def name(self) -> str:
        return self.vkey.split("+", 1)[0]

    def signature(self) -> NoteSignature:
        return parse_signature_line(self.line)


def _postgres(recorder: Any) -> PostgresLedgerRecorder:
    """The application's PostgreSQL recorder (imported only for a PostgreSQL ledger)."""
    from ledger.storage.postgres_recorder import PostgresLedgerRecorder

    if not isinstance(recorder, PostgresLedgerRecorder):  # pragma: no cover - always one of two
        raise StoreError(_("the store has no lifeledger recorder"))
    return recorder


class LedgerTables:
    """Plain SQL over the ledger's own tables (leaves, checkpoints, cosignatures), both stores."""

    def __init__(self, app: LedgerApplication) -> None:
        self.app = app
        recorder = app.recorder
        if isinstance(recorder, SQLiteLedgerRecorder):
            self._schema: str | None = None
        else:
            self._schema = _postgres(recorder).datastore.schema

    # plumbing ---------------------------------------------------------------------------
    def _run(
        self, table: str, sql: str, params: Sequence[Any], *, commit: bool = False
    ) -> list[Any]:
        """Run one statement on ``table``: ``{t}`` in ``sql`` names it, ``?`` is a parameter."""
        recorder = self.app.recorder
        try:
            if self._schema is None:
                assert isinstance(recorder, SQLiteLedgerRecorder)
                with recorder.datastore.transaction(commit=commit) as c:
                    c.execute(in_dialect(sql, table, None), list(params))
                    return [tuple(r) for r in c.fetchall()] if not commit else []
            query = in_dialect(sql, table, self._schema)

            def run() -> list[Any]:
                with _postgres(recorder).datastore.transaction(commit=commit) as curs:
                    curs.execute(query, list(params))
                    return [tuple(r.values()) for r in curs.fetchall()] if not commit else []

            return run() if commit else list(reads_again(run)())
        except IntegrityError:
            raise
        except PersistenceError as e:
            raise store_error(self.app, e) from e

    def _select(self, sql: str, params: Sequence[Any], **tables: str) -> list[tuple[Any, ...]]:
        """Rows of a query as plain tuples (no row objects); ``{name}`` in ``sql`` names the
        table given as ``name=...``, ``?`` is a parameter."""
        recorder = self.app.recorder
        try:
            if self._schema is None:
                assert isinstance(recorder, SQLiteLedgerRecorder)
                with recorder.datastore.transaction(commit=False) as c:
                    cursor = c.sqlite_cursor
                    cursor.row_factory = None
                    cursor.execute(sql.format(**tables), list(params))
                    rows: list[tuple[Any, ...]] = cursor.fetchall()
                    return rows
            from psycopg.sql import SQL, Identifier

            names = {k: Identifier(self._schema, v) for k, v in tables.items()}
            query = SQL(sql.replace("?", "%s")).format(**names)

            @reads_again
            def read() -> list[tuple[Any, ...]]:
                with _postgres(recorder).datastore.transaction(commit=False) as curs:
                    curs.execute(query, list(params))
                    return [tuple(r.values()) for r in curs.fetchall()]

            return list(read())
        except PersistenceError as e:
            raise store_error(self.app, e) from e

    @property
    def _events_table(self) -> str:
        recorder = self.app.recorder
        if isinstance(recorder, SQLiteLedgerRecorder):
            return recorder.events_table_name
        return _postgres(recorder).events_table_name

    @property
    def _nid(self) -> str:
        """The events table's notification id column."""
        return "rowid" if self._schema is None else "notification_id"

    # events -----------------------------------------------------------------------------
    def event_rows(self, after: int, limit: int, max_notification_id: int) -> list[EventRow]:
        """Events with notification id in (``after``, bound], in log order, as plain tuples:
        what the verifier streams (no Notification, no UUID per row)."""
        nid = self._nid
        rows = self._select(
            f"SELECT {nid}, originator_id, originator_version, topic, state FROM {{e}} "
            f"WHERE {nid} > ? AND {nid} <= ? ORDER BY {nid} LIMIT ?",
            (after, max_notification_id, limit),
            e=self._events_table,
        )
        if self._schema is not None:
            rows = [(n, o, v, t, bytes(s)) for n, o, v, t, s in rows]
        return rows

    def events_of(
        self, aggregate_ids: Collection[UUID]
    ) -> list[tuple[int, UUID, int, str, bytes, int | None, bytes | None]]:
        """Every stored event of these aggregates with its Merkle leaf (index and hash; None
        when the leaf table has none), in leaf order: found through the primary key and the
        leaf table's notification-id index, never by scanning the log."""
        if not aggregate_ids:
            return []
        ids = list(aggregate_ids)
        nid = self._nid
        head = (
            f"SELECT e.{nid}, e.originator_id, e.originator_version, e.topic, e.state, "
            f"l.leaf_index, l.leaf_hash FROM {{e}} e LEFT JOIN {{l}} l "
            f"ON l.notification_id = e.{nid} WHERE e.originator_id "
        )
        if self._schema is None:
            marks = ", ".join("?" for _ in ids)
            rows = self._select(
                head + f"IN ({marks})", [i.hex for i in ids], e=self._events_table, l=LEAVES_TABLE
            )
        else:
            rows = self._select(head + "= ANY(?)", [ids], e=self._events_table, l=LEAVES_TABLE)
        out = [
            (
                int(n),
                o if isinstance(o, UUID) else UUID(str(o)),
                int(v),
                str(t),
                bytes(st),
                None if i is None else int(i),
                None if h is None else bytes(h),
            )
            for n, o, v, t, st, i, h in rows
        ]
        out.sort(key=lambda r: (r[5] is None, r[5] or 0, r[0]))
        return out

    def events_with(
        self, topics: Sequence[str], needle: bytes, max_notification_id: int
    ) -> list[tuple[UUID, str, bytes]]:
        """(aggregate id, topic, state) of the events of these topics whose stored state
        contains ``needle``, up to a notification bound: a filter the database runs over the
        log without handing every row to Python."""
        nid = self._nid
        marks = ", ".join("?" for _ in topics)
        contains = "instr(state, ?) > 0" if self._schema is None else "position(? in state) > 0"
        rows = self._select(
            f"SELECT originator_id, topic, state FROM {{e}} WHERE {nid} <= ? "
            f"AND topic IN ({marks}) AND {contains}",
            [max_notification_id, *topics, needle],
            e=self._events_table,
        )
        return [
            (o if isinstance(o, UUID) else UUID(str(o)), str(t), bytes(st)) for o, t, st in rows
        ]

    # leaves -----------------------------------------------------------------------------
    def leaves(
        self, after: int, limit: int, max_notification_id: int | None = None
    ) -> list[StoredLeaf]:
        """Leaves with index > ``after``, in index order, up to a notification bound."""
        return [StoredLeaf(*row) for row in self.leaf_rows(after, limit, max_notification_id)]

    def leaf_rows(
        self, after: int, limit: int, max_notification_id: int | None = None
    ) -> list[LeafRow]:
        """The same as plain (index, notification id, hash) tuples."""
        rows = self._select(
            "SELECT leaf_index, notification_id, leaf_hash FROM {l} "
            "WHERE leaf_index > ? AND notification_id <= ? ORDER BY leaf_index LIMIT ?",
            (after, _bound(max_notification_id), limit),
            l=LEAVES_TABLE,
        )
        if self._schema is not None:
            rows = [(int(i), int(n), bytes(h)) for i, n, h in rows]
        return rows

    def leaf_pages(
        self, max_notification_id: int | None = None, page: int = LEAF_PAGE
    ) -> Iterator[list[LeafRow]]:
        """The leaf table in index order, a page of tuples at a time."""
        after = -1
        while True:
            batch = self.leaf_rows(after, page, max_notification_id)
            if batch:
                yield batch
            if len(batch) < page:
                return
            after = batch[-1][0]

    def iter_leaves(
        self, max_notification_id: int | None = None, page: int = LEAF_PAGE
    ) -> Iterator[StoredLeaf]:
        for batch in self.leaf_pages(max_notification_id, page):
            for row in batch:
                yield StoredLeaf(*row)

    def leaf_hashes(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """(index, hash) of the stored leaves with ``start <= index < end``, by primary key."""
        rows = self._select(
            "SELECT leaf_index, leaf_hash FROM {l} WHERE leaf_index >= ? AND leaf_index < ? "
            "ORDER BY leaf_index",
            (start, end),
            l=LEAVES_TABLE,
        )
        if self._schema is not None:
            rows = [(int(i), bytes(h)) for i, h in rows]
        return rows

    def leaf_count(self, max_notification_id: int | None = None) -> int:
        rows = self._run(
            LEAVES_TABLE,
            "SELECT COUNT(*) FROM {t} WHERE notification_id <= ?",
            (_bound(max_notification_id),),
        )
        return int(rows[0][0])

    def load_tree(self, max_notification_id: int | None = None) -> MerkleTree:
        """The tree of the stored leaf hashes, in leaf order (trusting the leaf table)."""
        tree = MerkleTree()
        for batch in self.leaf_pages(max_notification_id):
            check_contiguous(len(tree), batch)
            tree.extend(row[2] for row in batch)
        return tree

    # the subtree cache ------------------------------------------------------------------
    def nodes(self, keys: Collection[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Cached hashes of complete subtrees by (height, index), in one query; {} when the
        cache table does not exist (yet) or cannot be read."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        found: dict[tuple[int, int], bytes] = {}
        for first in range(0, len(wanted), 200):
            chunk = wanted[first : first + 200]
            where = " OR ".join("(height = ? AND idx = ?)" for _ in chunk)
            try:
                rows = self._select(
                    f"SELECT height, idx, hash FROM {{n}} WHERE {where}",
                    [x for key in chunk for x in key],
                    n=NODES_TABLE,
                )
            except StoreError:
                return {}
            found.update({(int(h), int(i)): bytes(d) for h, i, d in rows})
        return found

    def put_nodes(self, rows: Sequence[tuple[int, int, bytes]]) -> bool:
        """Keep (height, index, hash) of complete subtrees in the cache (created on first use;
        rows already there are left alone). False when the store refuses (a read-only role)."""
        if not rows:
            return True
        recorder = self.app.recorder
        try:
            if self._schema is None:
                assert isinstance(recorder, SQLiteLedgerRecorder)
                with recorder.datastore.transaction(commit=True) as c:
                    c.execute(
                        f"CREATE TABLE IF NOT EXISTS {NODES_TABLE} (height INTEGER NOT NULL, "
                        "idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (height, idx)) "
                        "WITHOUT ROWID"
                    )
                    c.executemany(
                        f"INSERT INTO {NODES_TABLE} VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        list(rows),
                    )
                return True
            from psycopg.sql import SQL, Identifier

            name = Identifier(self._schema, NODES_TABLE)
            with _postgres(recorder).datastore.transaction(commit=True) as curs:
                curs.execute(
                    SQL(
                        "CREATE TABLE IF NOT EXISTS {} (height integer NOT NULL, idx bigint NOT "
                        "NULL, hash bytea NOT NULL, PRIMARY KEY (height, idx))"
                    ).format(name)
                )
                curs.executemany(
                    SQL("INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT DO NOTHING").format(name),
                    list(rows),
                )
            return True
        except PersistenceError:  # IntegrityError too: a concurrent first CREATE TABLE
            return False

    # checkpoints ------------------------------------------------------------------------
    def checkpoints(self) -> list[StoredCheckpoint]:
        rows = self._run(
            CHECKPOINTS_TABLE,
            "SELECT tree_size, root, note, created_at FROM {t} ORDER BY tree_size",
            (),
        )
        return [StoredCheckpoint(int(s), bytes(r), bytes(n), str(c)) for s, r, n, c in rows]

    def checkpoint(self, tree_size: int | None = None) -> StoredCheckpoint:
        """The checkpoint of this size, or the latest; NotFoundError if there is none."""
        stored = self.checkpoints()
        if tree_size is None:
            if not stored:
                raise NotFoundError(
                    _("this ledger has no checkpoint yet; run `lifeledger checkpoint`")
                )
            return stored[-1]
        for cp in stored:
            if cp.tree_size == tree_size:
                return cp
        sizes = enumerated(str(c.tree_size) for c in stored) or _("none")
        raise NotFoundError(
            _("no checkpoint of size {tree_size} (stored sizes: {sizes})").format(
                tree_size=tree_size, sizes=sizes
            )
        )

    def insert_checkpoint(self, cp: StoredCheckpoint) -> None:
        self._run(CHECKPOINTS_TABLE, INSERT_CHECKPOINT, cp.row(), commit=True)

    def cosignatures(self) -> list[StoredCosignature]:
        rows = self._run(
            COSIGNATURES_TABLE,
            "SELECT tree_size, vkey, line, created_at FROM {t} ORDER BY tree_size, vkey",
            (),
        )
        return [StoredCosignature(int(s), str(v), bytes(ln), str(c)) for s, v, ln, c in rows]

    def insert_cosignature(self, cs: StoredCosignature) -> None:
        self._run(COSIGNATURES_TABLE, INSERT_COSIGNATURE, cs.row(), commit=True)


def _bound(max_notification_id: int | None) -> int:
    return 2**62 if max_notification_id is None else max_notification_id


def check_contiguous(expected: int, batch: Sequence[LeafRow]) -> None:
    for index, row in enumerate(batch, start=expected):
        if row[0] != index:
            raise ProofError(
                _(
                    "the Merkle leaf table has no leaf {index} (next is {value}); run "
                    "`lifeledger verify`"
                ).format(index=index, value=row[0]),
                leaf_index=index,
            )
