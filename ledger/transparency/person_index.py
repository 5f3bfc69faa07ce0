"""The person index in the store: who an event names, the chain rows, the map at checkpoints.

Art. 8 (终身追责): a cadre's accountability history is for life, so the organisation department
must be able to see it *whole*. Every event that names a person (the person's own cadre record,
and every case event naming them as a party, team member or objector) extends that person's
chain (:mod:`ledger.transparency.person_map`) in the same transaction as its Merkle leaf
(:mod:`ledger.recorders`); every checkpoint carries the root of the map of all chains as an
extension line, so that a reader checks a person's events against one signed root:
:func:`person_record` for ``cadre history``, :mod:`ledger.proofs` for ``proof cadre``.

Who an event names is read from the exact stored bytes (:func:`persons_named`), by the recorder
when it writes and by ``verify`` when it recomputes: one rule, applied to what is signed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ledger.domain import ids, topics
from ledger.errors import (
    LedgerError,
    NotFoundError,
    ProofError,
    StoreError,
    TamperedEventError,
    first_line,
)
from ledger.i18n import _
from ledger.signing.signatures import Envelope
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoint import Checkpoint, verify_note
from ledger.transparency.person_map import (
    EMPTY,
    ChainState,
    MapProof,
    MemoryNodes,
    Node,
    Path,
    fold,
    key_of,
    prove,
    update,
    value_hash,
)

if TYPE_CHECKING:
    from ledger.transparency.tables import StoredCheckpoint

__all__ = [
    "EXTENSION_PREFIX",
    "PERSON_EVENTS_TABLE",
    "PERSON_NODES_TABLE",
    "IndexedEvent",
    "PersonRecord",
    "chain_rows",
    "map_root_of",
    "person_record",
    "persons_named",
    "registered_person",
]

PERSON_EVENTS_TABLE = "person_events"
PERSON_NODES_TABLE = "person_map_nodes"
#: The checkpoint extension line: this prefix, then the base64 map root.
EXTENSION_PREFIX = "lifeledger/person-index/v1 "
CASE = topics.CASE + "."
CADRE = topics.CADRE + "."
#: Case events whose payload names a person (party_type/party_code, personnel_no, members).
CASE_TOPICS = frozenset(
    topics.case_event(name)
    for name in (
        "ResponsibilityAssigned",
        "ObjectionRecorded",
        "TeamResponsibilityAssigned",
        "DefenceHeard",
        "DecisionIssued",
        "DecisionAnnounced",
        "PersonnelFileEntered",
        "DecisionReceived",
        "AppealFiled",
        "AppealDecided",
        "ReferredToJudicialOrgan",
        "FindingCorrected",
        "AppealDecisionNotified",
    )
)


def payload_of(state: bytes) -> dict[str, Any] | None:
    """The JSON object an envelope carries, or None for a damaged row (verify reports it)."""
    try:
        data = json.loads(Envelope.parse(state).payload)
    except (TamperedEventError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def persons_named(
    topic: str, originator_id: UUID, state: bytes, cadre_person: Callable[[UUID], str | None]
) -> tuple[str, ...]:
    """The personnel numbers an event names, in a fixed order, each once.

    A cadre event names its cadre (the number is in the Registered payload; later events of
    the aggregate are found through ``cadre_person``); a case event names the person it is
    about (``party_type`` person), the objector or file holder (``personnel_no``) and every
    member of a team finding (Art. 5).
    """
    if topic.startswith(CADRE):
        if topic == CADRE + "Registered":
            payload = payload_of(state)
            no = payload.get("personnel_no") if payload else None
            return (no,) if isinstance(no, str) else ()
        no = cadre_person(originator_id)
        return (no,) if no else ()
    if topic not in CASE_TOPICS:
        return ()
    payload = payload_of(state)
    if payload is None:
        return ()
    found: list[str] = []
    if payload.get("party_type") == "person" and isinstance(payload.get("party_code"), str):
        found.append(payload["party_code"])
    if isinstance(payload.get("personnel_no"), str):
        found.append(payload["personnel_no"])
    for member in payload.get("members") or ():
        if isinstance(member, dict) and isinstance(member.get("personnel_no"), str):
            found.append(member["personnel_no"])
    return tuple(dict.fromkeys(found))


def registered_person(state: bytes) -> str | None:
    """The personnel number a cadre's Registered event carries."""
    found = persons_named(CADRE + "Registered", UUID(int=0), state, lambda _: None)
    return found[0] if found else None


def chain_rows(
    events: Iterable[tuple[int, UUID, str, bytes, bytes]],
    heads: Callable[[Collection[str]], Mapping[str, tuple[int, bytes]]],
    cadre_persons: Callable[[Collection[UUID]], Mapping[UUID, str]],
) -> list[tuple[str, int, int, bytes]]:
    """The index rows (personnel number, seq, leaf index, chain value) for new events.

    ``events`` are (leaf index, aggregate id, topic, stored state, leaf hash) in log order;
    ``heads`` gives each person's last (seq, chain) already stored; ``cadre_persons`` the
    personnel number of cadre aggregates (from their Registered events).
    """
    batch = list(events)
    registered = {
        oid: no
        for _, oid, topic, state, _ in batch
        if topic == CADRE + "Registered"
        for no in persons_named(topic, oid, state, lambda _: None)
    }
    others = {oid for _, oid, topic, _, _ in batch if topic.startswith(CADRE)} - set(registered)
    cadres = {**(dict(cadre_persons(others)) if others else {}), **registered}
    named = [
        (index, persons_named(topic, oid, state, cadres.get), leaf)
        for index, oid, topic, state, leaf in batch
    ]
    wanted = {no for _, persons, _ in named for no in persons}
    if not wanted:
        return []
    state = dict(heads(wanted))
    rows: list[tuple[str, int, int, bytes]] = []
    for index, persons, leaf in named:
        for no in persons:
            seq, chain = state.get(no, (0, EMPTY))
            seq, chain = seq + 1, fold(chain, index, leaf)
            state[no] = (seq, chain)
            rows.append((no, seq, index, chain))
    return rows


def map_root_of(checkpoint: Checkpoint) -> bytes | None:
    """The person-index root a checkpoint carries, or None if it carries none."""
    for line in checkpoint.extensions:
        if line.startswith(EXTENSION_PREFIX):
            try:
                root = base64.b64decode(line[len(EXTENSION_PREFIX) :], validate=True)
            except ValueError as e:
                raise ProofError(
                    _("malformed person-index line in checkpoint: {e}").format(e=e)
                ) from e
            if len(root) != 32:
                raise ProofError(_("malformed person-index line in checkpoint: not 32 bytes"))
            return root
    return None


def _carries_index(stored: StoredCheckpoint) -> bool:
    """Whether a stored checkpoint's text has a person-index line (unverified)."""
    try:
        return map_root_of(stored.parsed()) is not None
    except ProofError:
        return True  # a malformed line is not an absent one: the reader refuses it


def extension_line(root: bytes) -> str:
    return EXTENSION_PREFIX + base64.b64encode(root).decode()


# the tables ----------------------------------------------------------------------------------
def _tables() -> Any:
    from ledger.transparency.tables import LedgerTables

    return LedgerTables


class PersonTables:
    """The person index's tables, through the ledger's plain-SQL helper (both stores)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.tables = _tables()(app)
        self.sqlite = self.tables._schema is None

    def select(self, sql: str, params: Sequence[Any], **tables: str) -> list[tuple[Any, ...]]:
        rows = self.tables._select(sql, params, **tables)
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]

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
            "p": PERSON_EVENTS_TABLE,
            "n": PERSON_NODES_TABLE,
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
                        if topic == CADRE + "Registered":
                            no = registered_person(state)
                            if no:
                                cadres.setdefault(oid, no)
                        persons = persons_named(topic, oid, state, cadres.get)
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
            (CADRE + "Registered",),
            e=self.tables._events_table,
        )
        if not first:
            return False
        rows = self.select(
            "SELECT 1 FROM {l} l JOIN {p} p ON p.leaf_index = l.leaf_index "
            "WHERE l.notification_id = ? LIMIT 1",
            (int(first[0][0]),),
            l="merkle_leaves",
            p=PERSON_EVENTS_TABLE,
        )
        return not rows

    def first_indexed(self) -> tuple[int | None, int]:
        """(tree size of the first checkpoint that carries a person-index root, or None; how
        many checkpoints come before it). Checkpoints signed before the person index existed
        carry none; from the first that does, every later one must (``verify`` checks)."""
        from ledger.storage.recorders import CHECKPOINTS_TABLE

        first = self.select(
            "SELECT tree_size FROM {c} ORDER BY tree_size LIMIT 1", (), c=CHECKPOINTS_TABLE
        )
        if not first:
            return None, 0
        stored = self.checkpoint(int(first[0][0]))
        if stored and _carries_index(stored[0]):
            return stored[0].tree_size, 0  # the common case: one row read
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
            if stored and _carries_index(stored[0]):
                hi = mid
            else:
                lo = mid + 1
        return (sizes[lo] if lo < len(sizes) else None), lo

    # map nodes ---------------------------------------------------------------------------
    def reader(self, version: int) -> VersionedNodes:
        return VersionedNodes(self, version)

    def map_version(self) -> int:
        """The tree size of the latest map kept (0: none yet)."""
        rows = self.select(
            "SELECT MAX(version) FROM {n} WHERE path = ?", ("",), n=PERSON_NODES_TABLE
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def changes(self, start: int, end: int) -> dict[bytes, bytes]:
        """Map key → leaf value of every person whose chain moved in leaves [start, end)."""
        last: dict[str, tuple[int, bytes]] = {}
        for no, seq, chain in self.select(
            "SELECT personnel_no, seq, chain FROM {p} WHERE leaf_index >= ? AND leaf_index < ?",
            (start, end),
            p=PERSON_EVENTS_TABLE,
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
            n=PERSON_NODES_TABLE,
        )
        return root

    # a person's rows ---------------------------------------------------------------------
    def positions(self, personnel_no: str) -> list[tuple[int, int]]:
        """(seq, leaf index) of the person's index rows, in seq order."""
        return [
            (int(s), int(i))
            for s, i in self.select(
                "SELECT seq, leaf_index FROM {p} WHERE personnel_no = ? ORDER BY seq",
                (personnel_no,),
                p=PERSON_EVENTS_TABLE,
            )
        ]

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
        return [
            (
                int(i),
                int(n),
                o if isinstance(o, UUID) else UUID(str(o)),
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
            rows = self.select(
                "SELECT personnel_no, seq, leaf_index, chain FROM {p} "
                "WHERE personnel_no > ? OR (personnel_no = ? AND seq > ?) "
                "ORDER BY personnel_no, seq LIMIT 20000",
                (last[0], last[0], last[1]),
                p=PERSON_EVENTS_TABLE,
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
                n=PERSON_NODES_TABLE,
            )
        ]

    def latest_nodes(self, version: int) -> dict[Path, Node]:
        """Every map node as of ``version`` (for ``verify``)."""
        rows = self.select(
            "SELECT n.path, n.hash, n.leaf_key, n.leaf_value FROM {n} n JOIN (SELECT path, "
            "MAX(version) AS v FROM {n} WHERE version <= ? GROUP BY path) m "
            "ON n.path = m.path AND n.version = m.v",
            (version,),
            n=PERSON_NODES_TABLE,
        )
        return {str(p): Node(bytes(h), k and bytes(k), v and bytes(v)) for p, h, k, v in rows}


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
                n=PERSON_NODES_TABLE,
            )
            for p, h, k, v in rows:
                found[str(p)] = Node(bytes(h), k and bytes(k), v and bytes(v))
        return found


# reading a person's record -------------------------------------------------------------------
@dataclass(frozen=True)
class IndexedEvent:
    """An event naming the person, its signature checked over the stored bytes."""

    position: int
    notification_id: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return payload_of(self.state) or {}


@dataclass(frozen=True)
class PersonRecord:
    """Every event naming a person, complete as of a checkpoint and checked after it.

    ``complete_as_of`` is the tree size of the signed checkpoint the index entries were checked
    against (None: the ledger has none yet); ``checked_later`` how many events after it name
    the person (read from the log itself and checked one by one), of ``later`` appended since.
    ``signatures_checked`` is False when the caller asked to check the events' signatures
    itself (:func:`person_record` with ``check_signatures=False``): nothing may be shown from
    such a record before that check.
    """

    personnel_no: str
    complete_as_of: int | None
    events: tuple[IndexedEvent, ...]
    checked_later: int
    later: int
    map_proof: MapProof | None
    committed: ChainState | None
    signatures_checked: bool = True
    #: Checkpoints signed before the ledger had the person index: completeness cannot be
    #: proven as of any of them. With ``complete_as_of`` None and this above 0, no checkpoint
    #: carries the index yet (the events were all read from the log itself).
    unindexed_checkpoints: int = 0
    #: The first checkpoint that carries the index, when earlier ones do not.
    indexed_since: int | None = None

    @property
    def case_ids(self) -> list[UUID]:
        return list(dict.fromkeys(e.originator_id for e in self.events if e.topic.startswith(CASE)))

    @property
    def cadre_events(self) -> list[IndexedEvent]:
        return [e for e in self.events if e.topic.startswith(CADRE)]


def _damaged(message: str, **where: Any) -> TamperedEventError:
    return TamperedEventError(
        _("{message}; run `lifeledger verify`").format(message=message), **where
    )


def _admin_keys(app: Any) -> list[Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return [
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(k["public_key"]))
        for k in app.registry().keys.values()
        if k["role"] == "admin"
    ]


def _names(personnel_no: str, cadre: UUID) -> Callable[[int, UUID, str, bytes], bool]:
    def check(position: int, oid: UUID, topic: str, state: bytes) -> bool:
        return personnel_no in persons_named(
            topic, oid, state, lambda o: personnel_no if o == cadre else None
        )

    return check


def person_record(
    app: Any, personnel_no: str, tree_size: int | None = None, *, check_signatures: bool = True
) -> PersonRecord:
    """A person's events, proven complete against a signed checkpoint (default: the latest).

    1. The checkpoint note's signature is checked with the registry's admin keys, and its
       person-index line gives the map root.
    2. The person's map path, read from the stored nodes, must lead to that root: it gives the
       committed (count, chain), or proves the person absent.
    3. The index rows before the checkpoint point at the events; each is read from the log,
       its signature checked over the stored bytes, its leaf re-hashed, and it must name the
       person; folded in order they must give the committed (count, chain).
    4. Every event after the checkpoint is read from the log itself (not from the index), and
       those naming the person are checked the same way.

    Any failure is a TamperedEventError naming the position and saying to run verify.

    With ``check_signatures=False`` step 3 and 4 leave the signatures to the caller, who reads
    the same events again to check them with their keys as of each position (``cadre
    history`` does, in one pass with the cases: each event is then verified once, not twice).
    """
    checked_event = _checked if check_signatures else _found
    tables = PersonTables(app)
    cadre = ids.cadre_id(personnel_no)
    names = _names(personnel_no, cadre)
    mapper = app.signing_mapper
    size: int | None = None
    proof: MapProof | None = None
    committed: ChainState | None = None
    checked: list[IndexedEvent] = []
    stored = tables.checkpoint(tree_size)
    if tree_size is not None and not stored:
        raise NotFoundError(_("no checkpoint of size {tree_size}").format(tree_size=tree_size))
    indexed_since, unindexed = tables.first_indexed() if stored else (None, 0)
    if stored and (indexed_since is None or stored[0].tree_size < indexed_since):
        # Signed before the ledger had the person index (or no checkpoint carries it yet).
        if tree_size is not None:
            since = (
                f"the first that does is checkpoint {indexed_since}"
                if indexed_since is not None
                else "no checkpoint carries it yet: `lifeledger checkpoint` builds the index "
                "and commits it in the next one"
            )
            raise ProofError(
                _(
                    "checkpoint {tree_size} was signed before this ledger had the person "
                    "index: completeness cannot be proven as of it; {since}"
                ).format(tree_size=tree_size, since=since),
                tree_size=tree_size,
            )
        stored = []  # every event is read from the log itself, as before any checkpoint
    if stored:
        cp_row = stored[0]
        size = cp_row.tree_size
        try:
            verify_note(cp_row.note, {Checkpoint.parse(cp_row.body()).origin: _admin_keys(app)})
            cp = Checkpoint.parse(cp_row.body())
            root = map_root_of(cp)
        except ProofError as e:
            raise _damaged(
                _("checkpoint {size} does not hold: {e}").format(size=size, e=e), tree_size=size
            ) from e
        if root is None:
            raise _damaged(
                _("checkpoint {size} carries no person index").format(size=size), tree_size=size
            )
        key = key_of(personnel_no)
        proof, _unused = prove(tables.reader(size), key)
        rows = [(s, i) for s, i in tables.positions(personnel_no) if i < size]
        events = tables.events_at([i for _, i in rows])
        state = ChainState(personnel_no)
        for seq, index in rows:
            row = events.get(index)
            if seq != state.count + 1:
                raise _damaged(
                    _(
                        "the person index of {personnel_no} has no entry {value} (the next holds "
                        "position {index}): a row was deleted"
                    ).format(personnel_no=personnel_no, value=state.count + 1, index=index),
                    position=index,
                )
            if row is None:
                raise _damaged(
                    _(
                        "the person index of {personnel_no} points at position {index}, which "
                        "holds no event"
                    ).format(personnel_no=personnel_no, index=index),
                    position=index,
                )
            nid, oid, version, topic, st = row
            event = checked_event(mapper, index, nid, oid, version, topic, st)
            if not names(index, oid, topic, st):
                raise _damaged(
                    _(
                        "the event at position {index} does not name {personnel_no}, but the "
                        "person index lists it"
                    ).format(index=index, personnel_no=personnel_no),
                    position=index,
                )
            state = state.then(index, event_leaf_hash(index, oid, version, topic, st))
            checked.append(event)
        value = state.value if state.count else None
        try:
            if proof.root_for(key, value) != root:
                raise ProofError(_("it leads to another root"))
        except ProofError as e:
            last = rows[-1][1] if rows else None
            raise _damaged(
                _(
                    "the person index of {personnel_no} ({count} events up to position "
                    "{last}) does not match the root signed in checkpoint {size}: {e}"
                ).format(personnel_no=personnel_no, count=state.count, last=last, size=size, e=e),
                position=last,
                tree_size=size,
            ) from None
        committed = state
    later = tables.events_from(size or 0)
    count_later = 0
    for index, nid, oid, version, topic, st in later:
        if names(index, oid, topic, st):
            checked.append(checked_event(mapper, index, nid, oid, version, topic, st))
            count_later += 1
    return PersonRecord(
        personnel_no,
        size,
        tuple(checked),
        count_later,
        len(later),
        proof,
        committed,
        check_signatures,
        unindexed,
        indexed_since if unindexed else None,
    )


def _found(
    mapper: Any, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes
) -> IndexedEvent:
    """An event the caller checks itself (``check_signatures=False``)."""
    return IndexedEvent(position, nid, oid, version, topic, state)


def _checked(
    mapper: Any, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes
) -> IndexedEvent:
    from eventsourcing.persistence import StoredEvent

    try:
        mapper.open_envelope(StoredEvent(oid, version, topic, state))
    except (LedgerError, ValueError) as e:
        raise _damaged(
            _("the event at position {position} ({value} v{version}) fails its check: {e}").format(
                position=position, value=topic.split(":", 1)[-1], version=version, e=e
            ),
            position=position,
        ) from None
    return IndexedEvent(position, nid, oid, version, topic, state)


# recomputing from the log ---------------------------------------------------------------------
class IndexAudit:
    """Every person's chain and the map, recomputed from the log in one pass (``verify``).

    Fed each event in log order with its leaf hash as re-computed from the stored bytes;
    :meth:`root` at a checkpoint's size gives the map root that checkpoint must carry. The
    map is kept in memory and updated with the persons changed since the previous size.
    """

    def __init__(self) -> None:
        self.chains: dict[str, ChainState] = {}
        #: Per person, a digest of every (seq, leaf index, chain) row: the stored rows must give
        #: the same digest (verify compares without keeping every row in memory).
        self.digests: dict[str, bytes] = {}
        self.cadres: dict[UUID, str] = {}
        #: Per person, the position of the last event naming them.
        self.last: dict[str, int] = {}
        self.map = MemoryNodes()
        self._changed: set[str] = set()
        self.size = 0

    def feed(self, position: int, oid: UUID, topic: str, state: bytes, leaf: bytes) -> None:
        if topic.startswith(CADRE) and topic == CADRE + "Registered":
            found = persons_named(topic, oid, state, lambda _: None)
            if found:
                self.cadres.setdefault(oid, found[0])
        for no in persons_named(topic, oid, state, self.cadres.get):
            chain = self.chains.get(no) or ChainState(no)
            chain = chain.then(position, leaf)
            self.chains[no] = chain
            self.digests[no] = row_digest(
                self.digests.get(no, EMPTY), chain.count, position, chain.chain
            )
            self.last[no] = position
            self._changed.add(no)
        self.size = position + 1

    def root(self) -> bytes:
        """The map root over the chains fed so far."""
        if self._changed:
            self.map.apply({key_of(no): self.chains[no].value for no in self._changed})
            self._changed = set()
        return self.map.root


def row_digest(digest: bytes, seq: int, leaf_index: int, chain: bytes) -> bytes:
    return hashlib.sha256(digest + struct.pack(">QQ", seq, leaf_index) + chain).digest()


@dataclass(frozen=True)
class RowProblem:
    """A person whose stored index rows differ from the chain the log gives.

    ``reach`` is the last log position either side touches (a stored row's or an event's):
    a divergence of a person whose rows all lie before the first position where the log
    itself fails cannot follow from those failures.
    """

    personnel_no: str
    message: str
    reach: int


def audit_stored_rows(
    audit: IndexAudit, rows: Iterable[tuple[str, int, int, bytes]], log_size: int | None = None
) -> list[RowProblem]:
    """Compare the stored index rows (by person and seq) with the recomputed chains; one
    problem per person whose rows differ, naming the person and what differs.

    With ``log_size``, a person whose stored rows point at positions the log no longer
    reaches is said to be so: events indexed when they were appended are gone from its end.
    """
    problems: list[RowProblem] = []
    seen: dict[str, tuple[int, bytes, int]] = {}
    beyond: dict[str, int] = {}
    for no, seq, index, chain in rows:
        count, digest, reach = seen.get(no, (0, EMPTY, -1))
        seen[no] = (count + 1, row_digest(digest, seq, index, chain), max(reach, index))
        if log_size is not None and index >= log_size:
            beyond[no] = beyond.get(no, 0) + 1
    table = f"person index table {PERSON_EVENTS_TABLE}"
    for no in sorted(set(seen) | set(audit.chains)):
        count, digest, stored_reach = seen.get(no, (0, EMPTY, -1))
        reach = max(stored_reach, audit.last.get(no, -1))
        expected = audit.chains.get(no)
        if no in beyond:
            message = (
                f"{table}: {no} has {beyond[no]} stored row(s) at positions from "
                f"{log_size} on, beyond the end of the log ({log_size} events): events indexed "
                "when they were appended are gone from its end (truncated or rolled back)"
            )
        elif expected is None:
            message = (
                f"{table}: {no} has {count} stored rows, but no event in the log names this person"
            )
        elif count != expected.count:
            message = (
                f"{table}: {no} has {count} stored rows, the log has {expected.count} events "
                "naming this person"
            )
        elif digest != audit.digests[no]:
            message = (
                f"{table}: the rows of {no} differ from the log's (positions or chain values "
                "were edited)"
            )
        else:
            continue
        problems.append(RowProblem(no, message, reach))
    return problems
