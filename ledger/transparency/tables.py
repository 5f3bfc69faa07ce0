"""The transparency log's tables in both stores (SQLite and PostgreSQL): Merkle leaves, signed
checkpoints, cosignatures and the stored subtree cache that makes an inclusion proof read
O(log n) rows. Rows are only ever inserted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
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
from ledger.i18n import _

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
from ledger.transparency.merkle import EMPTY_ROOT, MerkleTree, node_hash
from ledger.transparency.ranges import BLOCK, NODE_MIN_HEIGHT, CompactRange, subtree_hashes

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
    message = f"cannot use {app.store.describe()}: {first_line(e)}"
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
            _check_contiguous(len(tree), batch)
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
        sizes = ", ".join(str(c.tree_size) for c in stored) or "none"
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


def _check_contiguous(expected: int, batch: Sequence[LeafRow]) -> None:
    for index, row in enumerate(batch, start=expected):
        if row[0] != index:
            raise ProofError(
                _(
                    "the Merkle leaf table has no leaf {index} (next is {value}); run "
                    "`lifeledger verify`"
                ).format(index=index, value=row[0]),
                leaf_index=index,
            )


class StoredTree:
    """Hashes and inclusion proofs of the stored log read from the leaf table and the subtree
    cache: a proof reads O(log n) cached subtree roots and one block of at most 256 leaves,
    never the whole log (C2SP tlog-tiles serves proofs from stored subtrees the same way).

    Subtrees missing from the cache (a ledger checkpointed before the cache existed) are
    computed from their halves, down to the leaves, and written back. Nothing here is trusted:
    callers check every proof against a signed root (RFC 9162 §2.1.3.2).
    """

    def __init__(self, tables: LedgerTables) -> None:
        self.tables = tables
        self._memo: dict[tuple[int, int], bytes] = {}
        self._computed: list[tuple[int, int, bytes]] = []

    # perfect aligned subtrees ---------------------------------------------------------------
    def prefetch(self, keys: Iterable[tuple[int, int]]) -> None:
        """Read these cached subtrees (height >= NODE_MIN_HEIGHT) in one query."""
        memo = self._memo
        wanted = {k for k in keys if k[0] >= NODE_MIN_HEIGHT and k not in memo}
        memo.update(self.tables.nodes(wanted))

    def subtree(self, height: int, index: int) -> bytes:
        """MTH of leaves [index * 2**height, (index + 1) * 2**height)."""
        key = (height, index)
        digest = self._memo.get(key)
        if digest is not None:
            return digest
        if height < NODE_MIN_HEIGHT:
            self._hash_block(index << height >> NODE_MIN_HEIGHT)
            digest = self._memo.get(key)
            if digest is None:
                start = index << height
                raise ProofError(
                    _(
                        "the Merkle leaf table lacks leaves {start}..{value}; run `lifeledger "
                        "verify`"
                    ).format(start=start, value=start + (1 << height) - 1),
                    leaf_index=start,
                )
            return digest
        self.prefetch([key])
        digest = self._memo.get(key)
        if digest is None:
            digest = node_hash(
                self.subtree(height - 1, 2 * index), self.subtree(height - 1, 2 * index + 1)
            )
            self._memo[key] = digest
            self._computed.append((height, index, digest))
        return digest

    def _hash_block(self, block: int) -> None:
        """Every complete subtree below NODE_MIN_HEIGHT in a block of 256 leaves."""
        start = block * BLOCK
        rows = self.tables.leaf_hashes(start, start + BLOCK)
        level = [h for _, h in rows]
        for i, (index, _unused) in enumerate(rows):
            if index != start + i:  # a gap: keep only the leaves before it
                level = level[:i]
                break
        height, first = 0, start
        while level:
            for i, digest in enumerate(level):
                self._memo[(height, (first >> height) + i)] = digest
            if height == NODE_MIN_HEIGHT:
                break
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            height += 1

    # RFC 9162 over the stored tree ----------------------------------------------------------
    @staticmethod
    def _parts(start: int, end: int) -> list[tuple[int, int]]:
        """A range whose start is aligned to its split points (every range RFC 9162's
        recursion visits) as perfect subtrees of strictly decreasing size."""
        parts: list[tuple[int, int]] = []
        while start < end:
            height = (end - start).bit_length() - 1
            parts.append((height, start >> height))
            start += 1 << height
        return parts

    def _range_hash(self, start: int, end: int) -> bytes:
        parts = [self.subtree(h, i) for h, i in self._parts(start, end)]
        result = parts.pop()
        while parts:
            result = node_hash(parts.pop(), result)
        return result

    def root(self, size: int) -> bytes:
        """MTH(D[size]) of the stored leaves (RFC 9162 §2.1.1)."""
        if size <= 0:
            return EMPTY_ROOT
        self.prefetch(self._parts(0, size))
        return self._range_hash(0, size)

    @classmethod
    def _path_ranges(cls, index: int, size: int) -> list[tuple[int, int]]:
        """The sibling ranges of leaf ``index``'s audit path, root first."""
        ranges: list[tuple[int, int]] = []
        low, high = 0, size
        while high - low > 1:
            k = 1 << ((high - low - 1).bit_length() - 1)
            if index < low + k:
                ranges.append((low + k, high))
                high = low + k
            else:
                ranges.append((low, low + k))
                low += k
        return ranges

    def plan(self, indexes: Iterable[int], size: int) -> None:
        """Prefetch every cached subtree the audit paths of these leaves need."""
        keys = [
            part
            for index in indexes
            for lo, hi in self._path_ranges(index, size)
            for part in self._parts(lo, hi)
        ]
        self.prefetch(keys)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162 §2.1.3.1)."""
        if not 0 <= index < size:
            raise ProofError(
                _("leaf {index} is not in a tree of size {size}").format(index=index, size=size),
                index=index,
            )
        ranges = self._path_ranges(index, size)
        self.prefetch(part for lo, hi in ranges for part in self._parts(lo, hi))
        siblings = [self._range_hash(lo, hi) for lo, hi in ranges]
        siblings.reverse()
        return siblings

    def save(self) -> None:
        """Write the subtrees computed here back to the cache (best effort)."""
        computed, self._computed = self._computed, []
        self.tables.put_nodes(computed)


def _stream_roots(
    tables: LedgerTables, bound: int | None, sizes: Collection[int]
) -> tuple[int, bytes, dict[int, bytes], list[tuple[int, int, bytes]]]:
    """Stream the stored leaves once: (their count, the root, the root at each of ``sizes``
    reached, the complete subtrees of NODE_MIN_HEIGHT and more), in O(log n) memory."""
    nodes: list[tuple[int, int, bytes]] = []

    def keep(height: int, index: int, digest: bytes) -> None:
        if height >= NODE_MIN_HEIGHT:
            nodes.append((height, index, digest))

    compact = CompactRange(keep)
    roots: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in sizes else {}
    wanted = sorted(s for s in set(sizes) if s > 0)
    for batch in tables.leaf_pages(bound):
        start = compact.size
        _check_contiguous(start, batch)
        pushes = subtree_hashes(start, b"".join(row[2] for row in batch), wanted, keep)
        for height, digest in pushes:
            compact.push(height, digest)
            if compact.size in sizes:
                roots[compact.size] = compact.root()
    return compact.size, compact.root(), roots, nodes
