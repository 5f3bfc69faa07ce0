"""Copying a ledger between stores (SQLite file ↔ PostgreSQL schema) byte for byte.

Every stored event keeps its exact state bytes, hence its signature, and its place in the log.
The events are inserted, in notification order, through the target's own application recorder,
which recomputes the Merkle leaf of each one in the same transaction: a leaf entry holds the
leaf index and the row, not the notification id (:mod:`ledger.storage.entries`), so the copy's tree
has the source's root even though the target numbers its notifications its own way. Signed
checkpoints and auditors' cosignatures are copied as they are; projection views are not (they
follow from the log and are rebuilt in the target on first use).

The whole copy is one transaction on the target: a migration that fails or is killed leaves
the target's ledger tables empty, and it can simply be run again. A target that already holds
events, leaves, checkpoints or cosignatures is refused. Once committed, the copy is verified
as an auditor would (:func:`ledger.audit.verify.verify_store`: signatures, keys, versions, re-hashed
leaves, checkpoints) and its Merkle root must equal the source's.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification, PersistenceError, StoredEvent
from psycopg.sql import SQL, Identifier

from ledger.application import LedgerApplication
from ledger.audit.verify import VerificationResult, verify_store
from ledger.errors import AlreadyExistsError, LedgerError, StoreError, VerificationError, first_line
from ledger.i18n import _, enumerated
from ledger.storage.postgres_recorder import PostgresLedgerRecorder
from ledger.storage.recorders import CHECKPOINTS_TABLE, COSIGNATURES_TABLE, SQLiteLedgerRecorder
from ledger.storage.store import StoreConfig
from ledger.transparency.case_dates import (
    DATES_NODES_TABLE,
    CaseDatesTables,
    carries_dates_index,
)
from ledger.transparency.case_index import CASE_NODES_TABLE, carries_case_index
from ledger.transparency.case_tables import CaseTables
from ledger.transparency.person_index import PERSON_NODES_TABLE
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.tables import (
    INSERT_CHECKPOINT,
    INSERT_COSIGNATURE,
    LedgerTables,
    StoredCheckpoint,
    StoredCosignature,
    in_dialect,
)

__all__ = ["PAGE_SIZE", "MigrationReport", "Progress", "migrate"]

#: Events read from the source and inserted into the target per round trip.
PAGE_SIZE = 1_000
#: ``(phase, done, total)``; phase is "copy" or "verify".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class MigrationReport:
    """What was copied, and the copy's verification."""

    source: str
    target: str
    events: int
    checkpoints: int
    cosignatures: int
    root: bytes
    verification: VerificationResult
    copy_seconds: float
    verify_seconds: float
    source_grew_by: int = 0

    def warnings(self) -> list[str]:
        if not self.source_grew_by:
            return []
        return [
            _(
                "{grew} event(s) were recorded in the source while it was being copied and are "
                "not in the copy: stop every writer before migrating, then migrate again into "
                "an empty target"
            ).format(grew=self.source_grew_by)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": bool(self.verification),
            "source": self.source,
            "target": self.target,
            "events": self.events,
            "checkpoints": self.checkpoints,
            "cosignatures": self.cosignatures,
            "tree_size": self.verification.tree_size,
            "root": base64.b64encode(self.root).decode(),
            "signatures_verified": self.verification.signatures,
            "copy_seconds": round(self.copy_seconds, 3),
            "verify_seconds": round(self.verify_seconds, 3),
            "warnings": self.warnings(),
        }

    def summary(self) -> str:
        v = self.verification
        lines = [
            _(
                "Copied {events} event(s), {checkpoints} checkpoint(s) and {cosignatures} "
                "cosignature(s)"
            ).format(
                events=self.events, checkpoints=self.checkpoints, cosignatures=self.cosignatures
            ),
            _("  from  {source}").format(source=self.source),
            _("  to    {target}").format(target=self.target),
            _(
                "  verified: {signatures} signatures, Merkle tree size {tree_size}, root "
                "{root} (equal to the source's)"
            ).format(
                signatures=v.signatures,
                tree_size=v.tree_size,
                root=base64.b64encode(self.root).decode(),
            ),
            _("  time: copy {copy:.2f} s, verification {verify:.2f} s").format(
                copy=self.copy_seconds, verify=self.verify_seconds
            ),
            _(
                "Read models are rebuilt in the target on first use "
                "(or now: `lifeledger --db TARGET projections rebuild`)."
            ),
        ]
        lines += [_("Warning: {w}").format(w=w) for w in self.warnings()]
        return "\n".join(lines)


def migrate(
    source: StoreConfig,
    target: StoreConfig,
    *,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
) -> MigrationReport:
    """Copy the ledger at ``source`` into the empty store ``target`` and verify the copy.

    Raises StoreError (a store cannot be opened, is foreign, holds no ledger, fails while
    copying), AlreadyExistsError (the target is not empty) or VerificationError (the committed
    copy does not verify or its root differs from the source's: do not use it).
    """
    if source.same_place(target):
        raise StoreError(
            _("the source and the target are the same store ({describe})").format(
                describe=source.describe()
            )
        )
    src = _open(source, must_exist=True)
    try:
        dst = _open(target, must_exist=False)
        try:
            return _migrate(src, dst, page_size, progress)
        finally:
            dst.close()
    finally:
        src.close()


def _migrate(
    src: LedgerApplication, dst: LedgerApplication, page_size: int, progress: Progress | None
) -> MigrationReport:
    if not src.is_initialised():
        raise StoreError(
            _("{describe} holds no ledger; there is nothing to migrate").format(
                describe=src.store.describe()
            )
        )
    _refuse_non_empty(dst)
    tables = LedgerTables(src)
    # Checkpoints first, then the bound, as the verifier does: every checkpoint copied is
    # within the events copied.
    checkpoints = tables.checkpoints()
    cosignatures = tables.cosignatures()
    bound = _max_notification_id(src)
    source_tree = tables.load_tree(bound)
    total = len(source_tree)
    started = time.perf_counter()
    _copy(src, dst, bound, total, checkpoints, cosignatures, page_size, progress)
    copy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    on_verify = None if progress is None else _counter(progress, "verify", total)
    try:
        result = verify_store(dst, progress=on_verify)
        _check_copy(result, source_tree.root(), total, dst)
    except BaseException:
        # A copy that does not verify, or whose verification did not finish, must not stay
        # behind looking like a ledger: its tables are removed (it was empty before).
        _discard(dst)
        raise
    verify_seconds = time.perf_counter() - started
    grew = tables.leaf_count() - total
    return MigrationReport(
        source=src.store.describe(),
        target=dst.store.describe(),
        events=total,
        checkpoints=len([c for c in checkpoints if c.tree_size <= total]),
        cosignatures=len([c for c in cosignatures if c.tree_size <= total]),
        root=result.root,
        verification=result,
        copy_seconds=copy_seconds,
        verify_seconds=verify_seconds,
        source_grew_by=max(grew, 0),
    )


# --- opening and checking the two stores -------------------------------------------------


def _open(store: StoreConfig, *, must_exist: bool) -> LedgerApplication:
    if store.kind == "sqlite":
        store.check_sqlite_file(must_exist=must_exist)
    return LedgerApplication(store, None)


def _max_notification_id(app: LedgerApplication) -> int:
    try:
        return int(app.recorder.max_notification_id() or 0)
    except PersistenceError as e:
        raise StoreError(
            _("cannot read {describe}: {first_line}").format(
                describe=app.store.describe(), first_line=first_line(e)
            )
        ) from e


def _refuse_non_empty(dst: LedgerApplication) -> None:
    """Only an empty target: a migration never merges two logs or overwrites one."""
    tables = LedgerTables(dst)
    held = {
        "events": 1 if _max_notification_id(dst) else 0,
        "Merkle leaves": tables.leaf_count(),
        "checkpoints": len(tables.checkpoints()),
        "cosignatures": len(tables.cosignatures()),
    }
    found = [f"{what}" for what, n in held.items() if n]
    if found:
        raise AlreadyExistsError(
            _(
                "{describe} is not empty (it holds {join}); migrate only into an empty "
                "store: a new SQLite file, or a new PostgreSQL schema (?schema=name)"
            ).format(describe=dst.store.describe(), join=enumerated(found))
        )


# --- the copy ----------------------------------------------------------------------------


def _pages(src: LedgerApplication, bound: int, page_size: int) -> Iterator[Sequence[Notification]]:
    """The source's log in notification order, up to ``bound``."""
    start = 0
    while start < bound:
        try:
            page = src.recorder.select_notifications(
                start, page_size, stop=bound, inclusive_of_start=False
            )
        except PersistenceError as e:
            raise StoreError(
                _("cannot read {describe}: {first_line}").format(
                    describe=src.store.describe(), first_line=first_line(e)
                )
            ) from e
        if not page:
            return
        yield page
        start = page[-1].id


def _stored(page: Sequence[Notification]) -> list[StoredEvent]:
    """The rows exactly as stored: same identity, topic and state bytes."""
    return [
        StoredEvent(
            originator_id=n.originator_id,
            originator_version=n.originator_version,
            topic=n.topic,
            state=bytes(n.state),
        )
        for n in page
    ]


def _copy(
    src: LedgerApplication,
    dst: LedgerApplication,
    bound: int,
    total: int,
    checkpoints: Sequence[StoredCheckpoint],
    cosignatures: Sequence[StoredCosignature],
    page_size: int,
    progress: Progress | None,
) -> int:
    """Insert every event, then the checkpoints and cosignatures, in ONE target transaction.

    The recorder's own insert methods are used inside that transaction, so each page gets its
    Merkle leaves exactly as a live write would (same table lock on PostgreSQL).
    """
    on_copy = None if progress is None else _counter(progress, "copy", total)
    kept = [c for c in checkpoints if c.tree_size <= total]
    cosigned = [c for c in cosignatures if c.tree_size <= total]
    # The person index's map nodes of the checkpoints copied (derived data: the copy's
    # verification recomputes them from the copied log).
    last = max((c.tree_size for c in kept), default=0)
    nodes = PersonTables(src).all_nodes(last)
    # The case index's too, where a checkpoint copied carries it (an older ledger's do not).
    case_nodes = CaseTables(src).all_nodes(last) if any(map(carries_case_index, kept)) else []
    dates_nodes = (
        CaseDatesTables(src).all_nodes(last) if any(map(carries_dates_index, kept)) else []
    )
    recorder = dst.recorder
    copied = 0
    try:
        if isinstance(recorder, SQLiteLedgerRecorder):
            with recorder.datastore.transaction(commit=True) as c:
                for page in _pages(src, bound, page_size):
                    recorder._insert_events(c, _stored(page))
                    copied += len(page)
                    if on_copy is not None:
                        on_copy(len(page))
                _check_count(copied, total, src)
                _copy_checkpoints(c, None, kept, cosigned, nodes, case_nodes, dates_nodes)
        elif isinstance(recorder, PostgresLedgerRecorder):
            schema = recorder.datastore.schema
            with recorder.datastore.transaction(commit=True) as curs:
                for page in _pages(src, bound, page_size):
                    stored = _stored(page)
                    recorder._insert_events(curs, stored)
                    recorder._insert_stored_events(curs, stored)
                    recorder._fetch_ids_after_insert_events(curs, stored)
                    copied += len(page)
                    if on_copy is not None:
                        on_copy(len(page))
                _check_count(copied, total, src)
                _copy_checkpoints(curs, schema, kept, cosigned, nodes, case_nodes, dates_nodes)
        else:  # pragma: no cover - the application always installs one of the two
            raise StoreError(
                _("{describe} has no lifeledger recorder").format(describe=dst.store.describe())
            )
    except LedgerError:
        raise
    except PersistenceError as e:
        reason = first_line(e)
        raise StoreError(
            _("copying into {describe} failed, nothing was kept there: {reason}").format(
                describe=dst.store.describe(), reason=reason
            )
        ) from e
    return copied


#: A person-map node row as ``PersonTables.all_nodes`` reads it.
INSERT_NODE = "INSERT INTO {t} VALUES (?, ?, ?, ?, ?)"


def _copy_checkpoints(
    cursor: Any,
    schema: str | None,
    kept: Sequence[StoredCheckpoint],
    cosigned: Sequence[StoredCosignature],
    nodes: Sequence[tuple[Any, ...]],
    case_nodes: Sequence[tuple[Any, ...]] = (),
    dates_nodes: Sequence[tuple[Any, ...]] = (),
) -> None:
    """The checkpoints, cosignatures, person-map, case-map and case-dates-map nodes, with the
    statements the checkpoint service writes them with, in the copy's own transaction
    (``schema`` None for SQLite)."""
    for statement, table, rows in (
        (INSERT_CHECKPOINT, CHECKPOINTS_TABLE, [k.row() for k in kept]),
        (INSERT_COSIGNATURE, COSIGNATURES_TABLE, [k.row() for k in cosigned]),
        (INSERT_NODE, PERSON_NODES_TABLE, list(nodes)),
        (INSERT_NODE, CASE_NODES_TABLE, list(case_nodes)),
        (INSERT_NODE, DATES_NODES_TABLE, list(dates_nodes)),
    ):
        if rows:
            cursor.executemany(in_dialect(statement, table, schema), rows)


def _check_count(copied: int, total: int, src: LedgerApplication) -> None:
    """Inside the copy's transaction: a source whose log and leaf table disagree is not
    copied at all (raising rolls the copy back)."""
    if copied != total:
        raise VerificationError(
            _(
                "the source's log holds {copied} event(s) but its Merkle leaf table "
                "{total}: verify the source ({describe}) with `lifeledger verify`; "
                "nothing was kept in the target"
            ).format(copied=copied, total=total, describe=src.store.describe()),
            events=copied,
            leaves=total,
        )


def _discard(dst: LedgerApplication) -> None:
    """Remove a committed copy that failed verification: the SQLite file, or the ledger's
    tables in the PostgreSQL schema (a schema of its own: foreign tables are refused)."""
    store = dst.store
    dst.close()
    if store.kind == "sqlite":
        assert store.path is not None
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(store.path) + suffix).unlink(missing_ok=True)
        return

    with store.connect() as conn:
        tables = [
            str(name)
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s",
                (store.schema,),
            )
        ]
        for name in tables:
            conn.execute(
                SQL("DROP TABLE IF EXISTS {} CASCADE").format(Identifier(store.schema, name))
            )


def _counter(progress: Progress, phase: str, total: int) -> Callable[[int], None]:
    done = 0
    progress(phase, 0, total)

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress(phase, done, total)

    return step


def _check_copy(
    result: VerificationResult, source_root: bytes, total: int, dst: LedgerApplication
) -> None:
    """The copy must verify clean and reproduce the source's tree exactly."""
    where = dst.store.describe()
    if not result:
        first = result.failures[0].describe() if result.failures else "verification failed"
        raise VerificationError(
            _(
                "the copy in {where} does not verify ({failure_count} failure(s); first: "
                "{first}); the copy was removed. Verify the source with `lifeledger "
                "verify`"
            ).format(where=where, failure_count=result.failure_count, first=first),
            failures=result.failure_count,
        )
    if result.tree_size != total or result.root != source_root:
        raise VerificationError(
            _(
                "the copy in {where} has Merkle tree size {tree_size}, root {decode}, "
                "but the source has size {total}, root {decode2}; the copy was removed. "
                "Verify the source with `lifeledger verify`"
            ).format(
                where=where,
                tree_size=result.tree_size,
                decode=base64.b64encode(result.root).decode(),
                total=total,
                decode2=base64.b64encode(source_root).decode(),
            ),
            tree_size=result.tree_size,
        )
