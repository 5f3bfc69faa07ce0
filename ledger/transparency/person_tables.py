"""The person index's tables in the store (Art. 8): the chain rows each event adds, the map's
versioned nodes, and the reads and writes the recorder, checkpoints and ``verify`` make on them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ledger.errors import (
    StoreError,
    first_line,
)
from ledger.i18n import _
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.person_index import (
    CADRE,
    PERSON_EVENTS_TABLE,
    PERSON_NODES_TABLE,
    carries_index,
    persons_named,
    registered_person,
)
from ledger.transparency.person_map import (
    EMPTY,
    Node,
    Path,
    fold,
    key_of,
    update,
    value_hash,
)

if TYPE_CHECKING:
    from ledger.transparency.tables import StoredCheckpoint


# the tables ----------------------------------------------------------------------------------
def _tables() -> Any:
    from ledger.transparency.tables import LedgerTables

    return LedgerTables


class PersonTables:
    """The person index's tables, through the ledger's plain-SQL helper (both stores).

    The case index (:class:`ledger.transparency.case_tables.CaseTables`) keeps its chains and
    map in tables of the same shape: it names its own tables, key column, extension line and
    rule of what an event names.
    """

    #: The chain rows (key, seq, leaf index, chain) and the versioned map nodes.
    events_table = PERSON_EVENTS_TABLE
    nodes_table = PERSON_NODES_TABLE
    key_column = "personnel_no"
    #: The topic of the first event of the log this index must have a row for.
    first_topic = CADRE + "Registered"

    def carries(self, stored: StoredCheckpoint) -> bool:
        """Whether a checkpoint carries this index's root (unverified)."""
        return carries_index(stored)

    def named(
        self, index: int, oid: UUID, topic: str, state: bytes, cadres: dict[UUID, str]
    ) -> tuple[str, ...]:
        """The keys an event extends (rebuilding from the log, in log order)."""
        if topic == CADRE + "Registered":
            no = registered_person(state)
            if no:
                cadres.setdefault(oid, no)
        return persons_named(topic, oid, state, cadres.get)

    def __init__(self, app: Any) -> None:
        self.app = app
        self.tables = _tables()(app)
        self.sqlite = self.tables._schema is None
        self._run: Callable[..., list[tuple[Any, ...]]] | None = None

    def select(self, sql: str, params: Sequence[Any], **tables: str) -> list[tuple[Any, ...]]:
        if self._run is not None:  # inside :meth:`snapshot`
            rows = self._run(sql, params, tables)
            if self.sqlite:  # tuples already, and SQLite gives blobs as bytes
                return rows
        else:
            rows = self.tables._select(sql, params, **tables)
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every :meth:`select` inside runs in one read transaction: one snapshot of the log,
        the index and the checkpoints, and no transaction per statement."""
        try:
            with self.app.recorder.datastore.transaction(commit=False) as cur:
                if self.sqlite:
                    cur = cur.sqlite_cursor
                    cur.row_factory = None
                self._run = self._runner(cur)
                try:
                    yield
                finally:
                    self._run = None
        except PersistenceError as e:
            first = first_line(e)
            raise StoreError(
                _("cannot use {describe}: {first}").format(
                    describe=self.app.store.describe(), first=first
                )
            ) from e

    def write(self, sql: str, rows: Sequence[Sequence[Any]], **tables: str) -> None:
        recorder = self.app.recorder
        try:
            if self.sqlite:
                with recorder.datastore.transaction(commit=True) as c:
                    c.executemany(sql.format(**tables), [list(r) for r in rows])
                return
            from psycopg.sql import SQL, Identifier

            schema = self.tables._schema
            names = {k: Identifier(schema, v) for k, v in tables.items()}
            with recorder.datastore.transaction(commit=True) as curs:
                curs.executemany(SQL(sql.replace("?", "%s")).format(**names), list(rows))
        except PersistenceError as e:
            first = first_line(e)
            raise StoreError(
                _("cannot use {describe}: {first}").format(
                    describe=self.app.store.describe(), first=first
                )
            ) from e

    def checkpoint(self, tree_size: int | None) -> list[StoredCheckpoint]:
        """The stored checkpoint of this size, or the latest: one row by primary key."""
        from ledger.storage.recorders import CHECKPOINTS_TABLE
        from ledger.transparency.tables import StoredCheckpoint

        where, params = ("WHERE tree_size = ? ", (tree_size,)) if tree_size else ("", ())
        rows = self.select(
            f"SELECT tree_size, root, note, created_at FROM {{c}} {where}"
            "ORDER BY tree_size DESC LIMIT 1",
            params,
            c=CHECKPOINTS_TABLE,
        )
        return [StoredCheckpoint(int(s), bytes(r), bytes(n), str(c)) for s, r, n, c in rows]

    # building the index for a whole log ----------------------------------------------------
    def rebuild(self) -> int:
        """Build every person's chain rows from the log, replacing the stored rows and map
        nodes; returns the number of rows written.

        For a ledger whose events were recorded before the person index existed (or partly
        after, with chains that miss the earlier events): nothing signed commits to the rows
        yet, so they are derived data and are replaced. One write transaction, which holds
        the append lock (SQLite's write lock, PostgreSQL's lock on the events table), so no
        event is appended while the log is read; the log is read in pages of leaves.
        """
        recorder = self.app.recorder
        tables = {
            "p": self.events_table,
            "n": self.nodes_table,
            "l": "merkle_leaves",
            "e": self.tables._events_table,
        }
        nid = self.tables._nid
        page = (
            f"SELECT l.leaf_index, e.originator_id, e.originator_version, e.topic, e.state "
            f"FROM {{l}} l JOIN {{e}} e ON e.{nid} = l.notification_id "
            "WHERE l.leaf_index >= ? ORDER BY l.leaf_index LIMIT 5000"
        )
        insert = "INSERT INTO {p} VALUES (?, ?, ?, ?)"
        try:
            with recorder.datastore.transaction(commit=True) as cur:
                run = self._runner(cur)
                if not self.sqlite:
                    recorder._lock_table(cur)
                run("DELETE FROM {p}", (), tables)
                run("DELETE FROM {n}", (), tables)
                chains: dict[str, tuple[int, bytes]] = {}
                cadres: dict[UUID, str] = {}
                start, written = 0, 0
                while True:
                    rows = run(page, (start,), tables)
                    if not rows:
                        return written
                    out: list[tuple[str, int, int, bytes]] = []
                    for index, oid, version, topic, state in rows:
                        oid = oid if isinstance(oid, UUID) else UUID(str(oid))
                        state = bytes(state)
                        persons = self.named(int(index), oid, topic, state, cadres)
                        if persons:
                            leaf = event_leaf_hash(int(index), oid, int(version), topic, state)
                        for no in persons:
                            seq, chain = chains.get(no, (0, EMPTY))
                            seq, chain = seq + 1, fold(chain, int(index), leaf)
                            chains[no] = (seq, chain)
                            out.append((no, seq, int(index), chain))
                    if out:
                        run(insert, out, tables, many=True)
                        written += len(out)
                    start = int(rows[-1][0]) + 1
        except PersistenceError as e:
            first = first_line(e)
            raise StoreError(
                _("cannot use {describe}: {first}").format(
                    describe=self.app.store.describe(), first=first
                )
            ) from e

    def _runner(self, cur: Any) -> Callable[..., list[tuple[Any, ...]]]:
        """Statements with ``{name}`` tables and ``?`` parameters on one transaction's cursor."""
        if self.sqlite:

            def run_sqlite(
                sql: str, params: Any, tables: dict[str, str], many: bool = False
            ) -> list[tuple[Any, ...]]:
                if many:
                    cur.executemany(sql.format(**tables), [list(r) for r in params])
                    return []
                cur.execute(sql.format(**tables), list(params))
                return [tuple(r) for r in cur.fetchall()] if sql.startswith("SELECT") else []

            return run_sqlite
        from psycopg.sql import SQL, Identifier

        schema = self.tables._schema

        def run_postgres(
            sql: str, params: Any, tables: dict[str, str], many: bool = False
        ) -> list[tuple[Any, ...]]:
            names = {k: Identifier(schema, v) for k, v in tables.items()}
            query = SQL(sql.replace("?", "%s")).format(**names)
            if many:
                cur.executemany(query, list(params))
                return []
            cur.execute(query, list(params))
            return [tuple(r.values()) for r in cur.fetchall()] if sql.startswith("SELECT") else []

        return run_postgres

    def misses_log_start(self) -> bool:
        """Whether the first cadre registration of the log has no index row: the events were
        recorded before the person index existed (a ledger with no checkpoint yet can tell
        no other way). Reads the log from its start up to that event, usually near it."""
        nid = self.tables._nid
        first = self.select(
            f"SELECT {nid} FROM {{e}} WHERE topic = ? ORDER BY {nid} LIMIT 1",
            (self.first_topic,),
            e=self.tables._events_table,
        )
        if not first:
            return False
        rows = self.select(
            "SELECT 1 FROM {l} l JOIN {p} p ON p.leaf_index = l.leaf_index "
            "WHERE l.notification_id = ? LIMIT 1",
            (int(first[0][0]),),
            l="merkle_leaves",
            p=self.events_table,
        )
        return not rows

    def first_and_latest(self) -> tuple[StoredCheckpoint, StoredCheckpoint] | None:
        """The first and the latest stored checkpoint, in one statement (None: there is none)."""
        from ledger.storage.recorders import CHECKPOINTS_TABLE
        from ledger.transparency.tables import StoredCheckpoint

        rows = self.select(
            "SELECT tree_size, root, note, created_at FROM {c} WHERE tree_size IN "
            "((SELECT MIN(tree_size) FROM {c}), (SELECT MAX(tree_size) FROM {c})) "
            "ORDER BY tree_size",
            (),
            c=CHECKPOINTS_TABLE,
        )
        found = [StoredCheckpoint(int(s), bytes(r), bytes(n), str(c)) for s, r, n, c in rows]
        return (found[0], found[-1]) if found else None

    def first_indexed(self, first: StoredCheckpoint | None = None) -> tuple[int | None, int]:
        """(tree size of the first checkpoint that carries a person-index root, or None; how
        many checkpoints come before it). Checkpoints signed before the person index existed
        carry none; from the first that does, every later one must (``verify`` checks)."""
        from ledger.storage.recorders import CHECKPOINTS_TABLE

        if first is None:
            ends = self.first_and_latest()
            if ends is None:
                return None, 0
            first = ends[0]
        if self.carries(first):
            return first.tree_size, 0  # the common case: nothing more to read
        sizes = [
            int(r[0])
            for r in self.select(
                "SELECT tree_size FROM {c} ORDER BY tree_size", (), c=CHECKPOINTS_TABLE
            )
        ]
        lo, hi = 0, len(sizes)
        while lo < hi:  # indexed checkpoints are a suffix: find where it starts
            mid = (lo + hi) // 2
            stored = self.checkpoint(sizes[mid])
            if stored and self.carries(stored[0]):
                hi = mid
            else:
                lo = mid + 1
        return (sizes[lo] if lo < len(sizes) else None), lo

    # map nodes ---------------------------------------------------------------------------
    def reader(self, version: int) -> VersionedNodes:
        return VersionedNodes(self, version)

    def map_version(self) -> int:
        """The tree size of the latest map kept (0: none yet)."""
        rows = self.select("SELECT MAX(version) FROM {n} WHERE path = ?", ("",), n=self.nodes_table)
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def changes(self, start: int, end: int) -> dict[bytes, bytes]:
        """Map key → leaf value of every person whose chain moved in leaves [start, end)."""
        last: dict[str, tuple[int, bytes]] = {}
        for no, seq, chain in self.select(
            f"SELECT {self.key_column}, seq, chain FROM {{p}} "
            "WHERE leaf_index >= ? AND leaf_index < ?",
            (start, end),
            p=self.events_table,
        ):
            if no not in last or int(seq) > last[no][0]:
                last[no] = (int(seq), bytes(chain))
        return {key_of(no): value_hash(no, seq, chain) for no, (seq, chain) in last.items()}

    def advance(self, size: int) -> bytes:
        """The map root at tree size ``size``, rehashing only the persons changed since the
        latest map kept, whose new nodes are stored (version ``size``)."""
        base = self.map_version()
        if base > size:
            base = 0  # pragma: no cover - a checkpoint never shrinks; rebuild from scratch
        changes = self.changes(base, size)
        reader = self.reader(base)
        if not changes:
            node = reader.nodes([""]).get("")
            return node.hash if node else EMPTY
        root, written = update(reader, changes)
        self.write(
            "INSERT INTO {n} (path, version, hash, leaf_key, leaf_value) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(p, size, n.hash, n.leaf_key, n.leaf_value) for p, n in written.items()],
            n=self.nodes_table,
        )
        return root

    # a person's rows ---------------------------------------------------------------------
    def positions(self, personnel_no: str) -> list[tuple[int, int]]:
        """(seq, leaf index) of the person's index rows, in seq order."""
        return [
            (int(s), int(i))
            for s, i in self.select(
                f"SELECT seq, leaf_index FROM {{p}} WHERE {self.key_column} = ? ORDER BY seq",
                (personnel_no,),
                p=self.events_table,
            )
        ]

    def indexed_events(
        self, personnel_no: str, size: int
    ) -> tuple[list[tuple[int, int]], dict[int, tuple[int, UUID, int, str, bytes]]]:
        """The person's index rows before leaf ``size`` as (seq, leaf index), and the event
        each points at (by leaf index, when there is one), in one statement."""
        nid = self.tables._nid
        found = self.select(
            f"SELECT p.seq, p.leaf_index, e.{nid}, e.originator_id, e.originator_version, "
            "e.topic, e.state FROM {p} p LEFT JOIN {l} l ON l.leaf_index = p.leaf_index "
            f"LEFT JOIN {{e}} e ON e.{nid} = l.notification_id "
            f"WHERE p.{self.key_column} = ? AND p.leaf_index < ? ORDER BY p.seq",
            (personnel_no, size),
            p=self.events_table,
            l="merkle_leaves",
            e=self.tables._events_table,
        )
        rows = [(int(seq), int(index)) for seq, index, *_ in found]
        as_id = _ids()
        events = {
            int(index): (
                int(n),
                as_id(oid),
                int(version),
                str(topic),
                bytes(state),
            )
            for _, index, n, oid, version, topic, state in found
            if n is not None
        }
        return rows, events

    def events_at(self, positions: Collection[int]) -> dict[int, tuple[int, UUID, int, str, bytes]]:
        """Leaf index → (notification id, aggregate id, version, topic, state)."""
        if not positions:
            return {}
        nid = self.tables._nid
        found: dict[int, tuple[int, UUID, int, str, bytes]] = {}
        ordered = sorted(set(positions))
        for first in range(0, len(ordered), 500):
            chunk = ordered[first : first + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.select(
                f"SELECT l.leaf_index, e.{nid}, e.originator_id, e.originator_version, e.topic, "
                f"e.state FROM {{l}} l JOIN {{e}} e ON e.{nid} = l.notification_id "
                f"WHERE l.leaf_index IN ({marks})",
                chunk,
                l="merkle_leaves",
                e=self.tables._events_table,
            )
            for index, n, oid, version, topic, state in rows:
                found[int(index)] = (
                    int(n),
                    oid if isinstance(oid, UUID) else UUID(str(oid)),
                    int(version),
                    str(topic),
                    bytes(state),
                )
        return found

    def events_from(self, start: int) -> list[tuple[int, int, UUID, int, str, bytes]]:
        """(leaf index, notification id, aggregate id, version, topic, state) of every event
        at leaf ``start`` and after, in log order: the events no checkpoint covers yet."""
        nid = self.tables._nid
        rows = self.select(
            f"SELECT l.leaf_index, e.{nid}, e.originator_id, e.originator_version, e.topic, "
            f"e.state FROM {{l}} l JOIN {{e}} e ON e.{nid} = l.notification_id "
            "WHERE l.leaf_index >= ? ORDER BY l.leaf_index",
            (start,),
            l="merkle_leaves",
            e=self.tables._events_table,
        )
        as_id = _ids()
        return [
            (
                int(i),
                int(n),
                as_id(o),
                int(v),
                str(t),
                bytes(s),
            )
            for i, n, o, v, t, s in rows
        ]

    def all_rows(self) -> Iterable[tuple[str, int, int, bytes]]:
        """Every stored index row, by person and seq (for ``verify``)."""
        last = ("", 0)
        while True:
            k = self.key_column
            rows = self.select(
                f"SELECT {k}, seq, leaf_index, chain FROM {{p}} "
                f"WHERE {k} > ? OR ({k} = ? AND seq > ?) "
                f"ORDER BY {k}, seq LIMIT 20000",
                (last[0], last[0], last[1]),
                p=self.events_table,
            )
            for no, seq, index, chain in rows:
                yield str(no), int(seq), int(index), bytes(chain)
            if len(rows) < 20000:
                return
            last = (str(rows[-1][0]), int(rows[-1][1]))

    def all_nodes(self, up_to: int) -> list[tuple[str, int, bytes, bytes | None, bytes | None]]:
        """Every stored map node row of versions up to ``up_to`` (for ``migrate``)."""
        return [
            (str(p), int(v), bytes(h), k and bytes(k), x and bytes(x))
            for p, v, h, k, x in self.select(
                "SELECT path, version, hash, leaf_key, leaf_value FROM {n} WHERE version <= ?",
                (up_to,),
                n=self.nodes_table,
            )
        ]

    def latest_nodes(self, version: int) -> dict[Path, Node]:
        """Every map node as of ``version`` (for ``verify``)."""
        rows = self.select(
            "SELECT n.path, n.hash, n.leaf_key, n.leaf_value FROM {n} n JOIN (SELECT path, "
            "MAX(version) AS v FROM {n} WHERE version <= ? GROUP BY path) m "
            "ON n.path = m.path AND n.version = m.v",
            (version,),
            n=self.nodes_table,
        )
        return {str(p): Node(bytes(h), k and bytes(k), v and bytes(v)) for p, h, k, v in rows}


def _ids() -> Callable[[Any], UUID]:
    """Aggregate ids as a store gives them (PostgreSQL: UUID, SQLite: hex text) to UUIDs,
    each text made into a UUID once (a person's rows name a few records many times)."""
    made: dict[Any, UUID] = {}

    def as_id(value: Any) -> UUID:
        if isinstance(value, UUID):
            return value
        found = made.get(value)
        if found is None:
            found = made[value] = UUID(str(value))
        return found

    return as_id


@dataclass
class VersionedNodes:
    """The map as of one version: each path's node of the highest version not above it."""

    tables: PersonTables
    version: int

    def nodes(self, paths: Iterable[Path]) -> Mapping[Path, Node]:
        wanted = sorted(set(paths))
        found: dict[Path, Node] = {}
        for first in range(0, len(wanted), 400):
            chunk = wanted[first : first + 400]
            marks = ", ".join("?" for _ in chunk)
            rows = self.tables.select(
                "SELECT n.path, n.hash, n.leaf_key, n.leaf_value FROM {n} n JOIN (SELECT path, "
                f"MAX(version) AS v FROM {{n}} WHERE path IN ({marks}) AND version <= ? "
                "GROUP BY path) m ON n.path = m.path AND n.version = m.v",
                [*chunk, self.version],
                n=self.tables.nodes_table,
            )
            for p, h, k, v in rows:
                found[str(p)] = Node(bytes(h), k and bytes(k), v and bytes(v))
        return found
