"""The run loop: read the log in pages, hand order-free work to the workers, audit in order."""

from __future__ import annotations

import sys
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ThreadPoolExecutor,
)
from contextlib import suppress
from operator import lt
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError

from ledger.audit.verify.audit import Audit, _event_where, _parses, _trusted, _where_of
from ledger.audit.verify.options import THREAD_SWITCH_INTERVAL, VerifyOptions
from ledger.audit.verify.result import Check, ConsistencyProof, Failure, VerificationResult
from ledger.audit.verify.sources import INDEXED_TOPICS, EventSource, StoreSource, with_labels
from ledger.audit.verify.workers import (
    ROW_ERROR,
    BatchResult,
    _executor,
    _Job,
    _LeafStream,
    _parallel_mode,
    check_rows,
)
from ledger.domain.ids import as_uuid
from ledger.errors import LedgerError, ProofError, StoreUnavailableError, first_line
from ledger.i18n import _
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.case_audit import CaseIndexAudit
from ledger.transparency.case_index import CASE_EVENTS_TABLE, case_root_of
from ledger.transparency.case_tables import CaseTables
from ledger.transparency.checkpoint import (
    Checkpoint,
    b64encode,
)
from ledger.transparency.merkle import EMPTY_ROOT, verify_consistency
from ledger.transparency.person_audit import IndexAudit, audit_stored_rows
from ledger.transparency.person_index import PERSON_NODES_TABLE, map_root_of
from ledger.transparency.person_map import Node
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.ranges import CompactRange, subtree_hashes
from ledger.transparency.tables import EventRow, LeafRow, StoredCheckpoint, StoredCosignature


def stopped_answering(description: str, count: int, e: Exception) -> StoreUnavailableError:
    """A verification cut short because the store stopped answering: no finding at all."""
    cause = e.__cause__ if isinstance(e, StoreUnavailableError) and e.__cause__ else e
    return StoreUnavailableError(
        _(
            "verification stopped after {count} events: {store} stopped answering ({reason}); "
            "nothing is concluded about the ledger: run verify again"
        ).format(count=f"{count:,}", store=description, reason=first_line(cause))
    )


class Verifier:
    """Verifies a whole log from an :class:`EventSource`; :meth:`run` raises only
    :class:`StoreUnavailableError`, when the store stops answering (no finding is made)."""

    def __init__(self, options: VerifyOptions | None = None) -> None:
        self.options = options or VerifyOptions()

    def run(
        self, source: EventSource, progress: Callable[[int], None] | None = None
    ) -> VerificationResult:
        started = time.perf_counter()
        try:
            expected = source.event_count()
        except (LedgerError, PersistenceError, OSError):
            expected = None
        pool = _executor(self.options, _parallel_mode(self.options, expected))
        run = _Run(self.options, source, Audit(self.options), pool)
        interval = sys.getswitchinterval()
        if isinstance(pool, ThreadPoolExecutor):
            # A worker back from an Ed25519 call waits for the GIL until the thread holding it
            # lets go: up to the switch interval (5 ms by default), which on a busy machine
            # cost a tenth of the throughput (bench/verify_bench.py).
            sys.setswitchinterval(min(interval, THREAD_SWITCH_INTERVAL))
        try:
            run.scan(progress)
        except (StoreUnavailableError, InterfaceError, OperationalError) as e:
            raise stopped_answering(source.description, run.count, e) from e
        except (LedgerError, PersistenceError, OSError, ValueError) as e:
            run.audit.fail(
                Check.STORE,
                _("reading {description} failed after {count} events: {e}").format(
                    description=source.description, count=run.count, e=e
                ),
                position=run.count,
            )
        finally:
            sys.setswitchinterval(interval)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return run.result(time.perf_counter() - started)


class _Run:
    """One verification: the streamed scan, then the checks of the checkpoints."""

    def __init__(
        self, options: VerifyOptions, source: EventSource, audit: Audit, pool: Executor | None
    ) -> None:
        self.options = options
        self.pool = pool
        self.source = source
        self.audit = audit
        self.range = CompactRange()
        #: Events applied, counted by whole pages of the source (what "failed after" says).
        self.count = 0
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}
        self._sizes: list[int] = []
        self._wanted: set[int] = set()
        self._jobs: deque[_Job] = deque()
        self.checkpoints_ok = 0
        self.checkpoints_kept = 0
        self.latest: int | None = None
        self.cosignatures_ok = 0
        self.witnessed: list[str] = []
        self._leaves: _LeafStream | None = None
        self._leaf: LeafRow | None = None
        self._next_leaf_index = 0
        self._last_leaf_nid = 0
        #: The person index recomputed from the log, and its map root at each checkpoint size.
        self.index = IndexAudit()
        self.index_roots: dict[int, bytes] = {}
        #: Good checkpoints signed before the ledger had the person index (none may follow one
        #: that carries it), and whether one carrying it was seen.
        self.unindexed_checkpoints = 0
        self.indexed_seen = False
        self.index_nodes: dict[str, Node] | None = None
        #: The case index (Art. 13, 14) likewise, checked only where a checkpoint carries it.
        self.case_index = CaseIndexAudit()
        self.case_roots: dict[int, bytes] = {}
        self.case_indexed_seen = False
        #: A signed checkpoint is larger than the log: events are gone from its end.
        self.rolled_back = False

    # the stream -------------------------------------------------------------------------
    def scan(self, progress: Callable[[int], None] | None) -> None:
        source = self.source
        leaf_pages = source.leaf_pages()
        self._leaves = _LeafStream(iter(leaf_pages)) if leaf_pages is not None else None
        self._advance_leaf()
        checkpoints = list(source.checkpoints())
        cosignatures = list(source.cosignatures())
        self._want_roots(checkpoints)
        self.audit.hint_keys(source.key_hints())
        batch = self.options.batch_size
        depth = 2 * max(1, self.options.workers) + 1 if self.pool is not None else 0
        position = 0
        pages = iter(source.pages())
        while True:
            try:
                page = next(pages, None)
            except (LedgerError, PersistenceError, OSError, ValueError):
                while self._jobs:  # what was read is checked before the failure is reported
                    self._finish(progress)
                raise
            if page is None:
                break
            end = position + len(page)
            for first in range(0, len(page), batch):
                rows = page[first : first + batch]
                self._submit(position, rows, end)
                position += len(rows)
                while len(self._jobs) > depth:
                    self._finish(progress)
        while self._jobs:
            self._finish(progress)
        while self._leaf is not None:
            self._orphan(self._leaf)
            self._advance_leaf()
        for problem in source.problems():
            self.audit.fail(problem.check, problem.message, **_where_of(problem))
        self._check_checkpoints(checkpoints, cosignatures, source.consistency_proofs())

    def _want_roots(self, stored: Sequence[StoredCheckpoint]) -> None:
        """Every size a checkpoint states (row or note), to take the root there on the way."""
        sizes: set[int] = set()
        for sc in [*stored, *(_trusted(n) for n in self.options.trusted_checkpoints)]:
            sizes.add(sc.tree_size)
            with suppress(ProofError):
                sizes.add(sc.parsed().size)
        self._sizes = sorted(s for s in sizes if s > 0)
        self._wanted = set(self._sizes)

    def _submit(self, start: int, rows: Sequence[EventRow], page_end: int) -> None:
        sizes = self._sizes
        cuts = tuple(sizes[bisect_right(sizes, start) : bisect_right(sizes, start + len(rows))])
        keys = self.audit.key_snapshot
        job: Future[BatchResult] | BatchResult
        if self.pool is None:
            job = check_rows(start, rows, keys, cuts)
        else:
            job = self.pool.submit(check_rows, start, rows, keys, cuts)
        self._jobs.append((start, rows, job, cuts, page_end, keys))

    def _finish(self, progress: Callable[[int], None] | None) -> None:
        start, rows, job, cuts, page_end, keys = self._jobs.popleft()
        if isinstance(job, Future):
            try:
                result = job.result()
            except BrokenExecutor:  # a worker died: check its batch, and the rest, here
                self.pool = None
                result = check_rows(start, rows, keys, cuts)
        else:
            result = job
        ids, codes, leaves, nodes = result
        stream = self._leaves
        if ROW_ERROR not in codes and (stream is None or self._leaves_match(start, rows, leaves)):
            self.audit.apply(start, rows, ids, codes, keys)
        else:
            redone = self._one_by_one(start, rows, ids, codes, leaves, keys)
            if redone != leaves:
                nodes = subtree_hashes(start, redone, cuts)
            leaves = redone
        self._feed_index(start, rows, ids, leaves)
        compact, wanted = self.range, self._wanted
        for height, digest in nodes:
            compact.push(height, digest)
            if compact.size in wanted:
                self.roots[compact.size] = compact.root()
        if start + len(rows) == page_end:
            self.count = page_end
        if progress is not None:
            progress(len(rows))

    def _feed_index(
        self, start: int, rows: Sequence[EventRow], ids: list[int], leaves: bytes
    ) -> None:
        """Refold the person chains over these events (log order), taking the map root at
        every checkpoint size on the way."""
        index, wanted = self.index, self._wanted
        for i, row in enumerate(rows):
            position = start + i
            if position in wanted:
                self._index_snapshot(position)
            topic = row[3]
            if topic.startswith(INDEXED_TOPICS):
                try:
                    oid = UUID(int=ids[i])
                except (ValueError, TypeError, IndexError):
                    continue  # an unreadable row: reported by the event checks
                leaf = leaves[32 * i : 32 * i + 32]
                index.feed(position, oid, topic, row[4], leaf)
                self.case_index.feed(position, oid, topic, row[4], leaf)

    def _index_snapshot(self, size: int) -> None:
        if size not in self.index_roots:
            self.index_roots[size] = self.index.root()
            self.case_roots[size] = self.case_index.root()
            if self._sizes and size == self._sizes[-1]:
                self.index_nodes = dict(self.index.map.table)

    def _check_index(self, cp: Checkpoint) -> None:
        """The person-index root a good checkpoint signed must be the one the log gives."""
        try:
            signed = map_root_of(cp)
        except ProofError as e:
            self.audit.fail(Check.INDEX, str(e), tree_size=cp.size)
            return
        expected = self.index_roots.get(cp.size)
        if signed is None and not self.indexed_seen:
            # Signed before the ledger had the person index: completeness cannot be proven as
            # of it, which is what ``cadre history`` and ``proof cadre`` say; not a failure.
            self.unindexed_checkpoints += 1
        elif signed is None:
            self.audit.fail(
                Check.INDEX,
                _(
                    "checkpoint {size} carries no person-index root, though an earlier "
                    "checkpoint did: nothing proves a person's history complete at it"
                ).format(size=cp.size),
                tree_size=cp.size,
            )
        else:
            self.indexed_seen = True
        if signed is not None and expected is not None and signed != expected:
            self.audit.fail(
                Check.INDEX,
                _(
                    "checkpoint {size} signed person-index root {b64encode}, but the log's "
                    "events give {b64encode2}: the index was built from rows that differ "
                    "from the log"
                ).format(size=cp.size, b64encode=b64encode(signed), b64encode2=b64encode(expected)),
                tree_size=cp.size,
            )

    def _check_case_index(self, cp: Checkpoint) -> None:
        """The case-index root a good checkpoint signed must be the one the log gives; a
        checkpoint signed before the ledger had the case index carries none (not a failure),
        but none may follow one that does."""
        try:
            signed = case_root_of(cp)
        except ProofError as e:
            self.audit.fail(Check.INDEX, str(e), tree_size=cp.size)
            return
        if signed is None:
            if self.case_indexed_seen:
                self.audit.fail(
                    Check.INDEX,
                    _(
                        "checkpoint {size} carries no case-index root, though an earlier "
                        "checkpoint did: nothing proves the case set complete at it"
                    ).format(size=cp.size),
                    tree_size=cp.size,
                )
            return
        self.case_indexed_seen = True
        expected = self.case_roots.get(cp.size)
        if expected is not None and signed != expected:
            self.audit.fail(
                Check.INDEX,
                _(
                    "checkpoint {size} signed case-index root {signed}, but the log's events "
                    "give {expected}: the case set or a unit's cases were committed from rows "
                    "that differ from the log"
                ).format(size=cp.size, signed=b64encode(signed), expected=b64encode(expected)),
                tree_size=cp.size,
            )

    def _check_case_rows(self) -> None:
        """The stored case-index rows against the chains refolded from the log (a store only,
        and only once a checkpoint commits them): a row deleted, added or edited is named."""
        tables = getattr(self.source, "person_tables", None)
        if tables is None or not self.case_indexed_seen:
            return
        n = self.range.size
        broken = self.audit.broken_from
        rows = self._indexed_rows(CaseTables(tables.app), n)
        for problem in audit_stored_rows(self.case_index, rows, n, CASE_EVENTS_TABLE):
            if broken is None or problem.reach < broken:
                self.audit.fail(Check.INDEX, problem.message)

    def _check_index_tables(self) -> None:
        """The stored chain rows and map nodes against the recomputed ones (a store only).

        The index is written with each event, so where the log itself fails (an event altered,
        deleted, moved or inserted, the log cut short of a checkpoint) the index still holds
        the log as it was recorded, and differs from the chains refolded from the log as it is
        now. Those differences follow from the log's failures, already listed: they are named
        once, in one failure that says so. A person whose rows differ although every position
        they touch lies before the first failure of the log, and map nodes that differ while
        every chain agrees, are edits of the index itself, each listed in full.
        """
        tables = getattr(self.source, "person_tables", None)
        if tables is None:
            return
        if self.unindexed_checkpoints and not self.indexed_seen:
            return  # a ledger from before the index: the next checkpoint builds its rows
        n = self.range.size
        broken = self.audit.broken_from
        if self.rolled_back:
            broken = n if broken is None else min(broken, n)
        problems = audit_stored_rows(self.index, self._indexed_rows(tables, n), n)
        follows = [p for p in problems if broken is not None and p.reach >= broken]
        for problem in problems:
            if broken is None or problem.reach < broken:
                self.audit.fail(Check.INDEX, problem.message)
        nodes = ""
        if self.index_nodes is not None and self._sizes:
            latest = self._sizes[-1]
            stored = tables.latest_nodes(latest)
            mine = self.index_nodes
            wrong = sorted(p for p in set(stored) | set(mine) if stored.get(p) != mine.get(p))
            if wrong and follows and broken is not None and broken < latest:
                nodes = f", and {len(wrong)} map nodes as of checkpoint {latest}"
            elif wrong:
                self.audit.fail(
                    Check.INDEX,
                    _(
                        "person index table {PERSON_NODES_TABLE}: {len} map nodes as of "
                        "checkpoint {latest} differ from the map of the log's chains (first at "
                        "path {value!r})"
                    ).format(
                        PERSON_NODES_TABLE=PERSON_NODES_TABLE,
                        len=len(wrong),
                        latest=latest,
                        value=wrong[0] or "root",
                    ),
                    tree_size=latest,
                )
        if follows:
            names = ", ".join(p.personnel_no for p in follows[:5])
            if len(follows) > 5:
                names += f" and {len(follows) - 5} more"
            self.audit.fail(
                Check.INDEX,
                _(
                    "the person index differs from the log for {len} person(s) "
                    "({names}){nodes}: this follows from the log's own failures from "
                    "position {broken} on (the index was written with the events as first "
                    "recorded), not from an edit of the index"
                ).format(len=len(follows), names=names, nodes=nodes, broken=broken),
            )

    @staticmethod
    def _indexed_rows(tables: PersonTables, log_size: int) -> Iterator[tuple[str, int, int, bytes]]:
        """The stored index rows, without those of events appended since this verification
        read the log (their positions now hold an event); rows pointing past the end of the
        log at nothing are kept."""
        later: list[tuple[str, int, int, bytes]] = []
        for row in tables.all_rows():
            if row[2] < log_size:
                yield row
            else:
                later.append(row)
        if later:
            present = tables.events_at([row[2] for row in later])
            yield from (row for row in later if row[2] not in present)

    def _leaves_match(self, start: int, rows: Sequence[EventRow], leaves: bytes) -> bool:
        """The common case, a batch at a time: the next stored leaves are numbered ``start``
        onwards, record these events' notification ids in order, and hold exactly the leaf
        hashes re-computed from the events. Consumes them if so."""
        leaf, stream = self._leaf, self._leaves
        n = len(rows)
        if leaf is None or stream is None or leaf[0] != start or leaf[1] != self._last_leaf_nid:
            return False
        rest = stream.peek(n - 1)
        if len(rest) != n - 1:
            return False
        indexes, nids, hashes = zip(leaf, *rest, strict=True)
        if (
            nids != next(zip(*rows, strict=True))
            or indexes != tuple(range(start, start + n))
            or b"".join(hashes) != leaves
            or not all(map(lt, nids, nids[1:]))
        ):
            return False
        stream.skip(n - 1)
        self._next_leaf_index = start + n
        self._last_leaf_nid = nids[-1]
        self._advance_leaf()
        return True

    def _one_by_one(
        self,
        start: int,
        rows: Sequence[EventRow],
        ids: list[int],
        codes: bytes,
        leaves: bytes,
        keys: Mapping[bytes, bytes],
    ) -> bytes:
        """Each event of a batch on its own, in the order of the original checks: its leaf
        against the leaf table, then the audit; returns the batch's leaves (re-hashed here for
        rows the worker could not read)."""
        out = bytearray(leaves)
        for i, row in enumerate(rows):
            position, code = start + i, codes[i]
            raw_id = ids[i]
            if code == ROW_ERROR:
                out[32 * i : 32 * i + 32] = Audit.redo_row(position, row)  # raises as it did
                oid = as_uuid(row[1])
            else:
                oid = UUID(int=raw_id)
            if self._leaves is not None:
                self._match_leaf(
                    position, row[0], oid, row[2], row[3], row[4], bytes(out[32 * i : 32 * i + 32])
                )
            self.audit.apply(position, [row], [raw_id], codes[i : i + 1], keys)
        return bytes(out)

    # the leaf table, merged with the events by notification id ----------------------------
    def _advance_leaf(self) -> None:
        leaves = self._leaves
        self._leaf = leaves.next() if leaves is not None else None
        leaf = self._leaf
        if leaf is None:
            return
        index, nid = leaf[0], leaf[1]
        if index != self._next_leaf_index:
            first, last = self._next_leaf_index, index - 1
            self.audit.fail(
                Check.LEAF,
                (
                    _("Merkle leaves {first}..{last} are missing from the leaf table").format(
                        first=first, last=last
                    )
                    if last > first
                    else _("Merkle leaf {first} is missing from the leaf table").format(first=first)
                )
                if last >= first
                else _("Merkle leaf {index} is out of order in the leaf table").format(index=index),
                position=first,
            )
        self._next_leaf_index = index + 1
        if nid <= self._last_leaf_nid:
            self.audit.fail(
                Check.LEAF,
                _("Merkle leaf {index} records notification {nid}, out of log order").format(
                    index=index, nid=nid
                ),
                position=index,
                notification_id=nid,
            )
        self._last_leaf_nid = max(self._last_leaf_nid, nid)

    def _orphan(self, leaf: LeafRow) -> None:
        self.audit.fail(
            Check.LEAF,
            _(
                "Merkle leaf {value} records notification {value2}, which is no longer "
                "in the log: an event was deleted"
            ).format(value=leaf[0], value2=leaf[1]),
            position=leaf[0],
            notification_id=leaf[1],
        )

    def _match_leaf(
        self,
        position: int,
        nid: int,
        oid: UUID,
        version: int,
        topic: str,
        state: bytes,
        leaf_hash: bytes,
    ) -> None:
        while self._leaf is not None and self._leaf[1] < nid:
            self._orphan(self._leaf)
            self._advance_leaf()
        leaf = self._leaf
        if leaf is None or leaf[1] > nid:
            self.audit.fail(
                Check.LEAF,
                _("the event has no Merkle leaf: it was inserted outside the ledger"),
                **_event_where(position, nid, oid, version, topic),
            )
            return
        self._advance_leaf()
        expected = (
            leaf_hash
            if leaf[0] == position
            else event_leaf_hash(leaf[0], oid, version, topic, state)
        )
        if leaf[2] != expected:
            self.audit.fail(
                Check.LEAF,
                _(
                    "the stored event no longer matches its Merkle leaf {value}: its stored "
                    "bytes, row identity or place in the log were changed (altered, moved or "
                    "swapped)"
                ).format(value=leaf[0]),
                **_event_where(position, nid, oid, version, topic),
            )

    # the roots against the checkpoints --------------------------------------------------------
    def _check_checkpoints(
        self,
        stored: Sequence[StoredCheckpoint],
        cosignatures: Sequence[StoredCosignature],
        proofs: Sequence[ConsistencyProof],
    ) -> None:
        audit, n = self.audit, self.range.size
        if n in self._wanted:
            self._index_snapshot(n)
        candidates = list(stored) + [_trusted(note) for note in self.options.trusted_checkpoints]
        good: dict[int, Checkpoint] = {}
        signed: dict[int, Checkpoint] = {}
        for sc in sorted(candidates, key=lambda c: c.tree_size):
            cp = audit.check_note(sc, n)
            if cp is None:
                continue
            other = signed.get(cp.size)
            if other is not None and other.root != cp.root:
                audit.fail(
                    Check.CONSISTENCY,
                    _(
                        "two signed checkpoints of size {size} with different roots: the log "
                        "showed two histories (split view)"
                    ).format(size=cp.size),
                    tree_size=cp.size,
                )
            signed.setdefault(cp.size, cp)
            if cp.size > n:
                self.rolled_back = True
                audit.fail(
                    Check.ROLLBACK,
                    _(
                        "checkpoint {size} was signed, but the log holds only {n} events: "
                        "{value} were removed since (truncated, rolled back or deleted)"
                    ).format(size=cp.size, n=n, value=cp.size - n),
                    tree_size=cp.size,
                )
                continue
            root = self.roots[cp.size]
            if root != cp.root:
                audit.fail(
                    Check.CHECKPOINT,
                    _(
                        "the log's first {size} events hash to root {b64encode}, but the "
                        "checkpoint signed {b64encode2}: events in that range were altered, "
                        "removed, inserted or reordered"
                    ).format(
                        size=cp.size, b64encode=b64encode(root), b64encode2=b64encode(cp.root)
                    ),
                    tree_size=cp.size,
                )
                continue
            good[cp.size] = cp
            self._check_index(cp)
            self._check_case_index(cp)
        self._check_index_tables()
        self._check_case_rows()
        # RFC 9162 §2.1.4: the good checkpoints' roots were all recomputed from one stream of
        # leaves, so each extends the one before it (a proof between them would always hold).
        for p in proofs:
            old, new = signed.get(p.old_size), signed.get(p.new_size)
            if old is None or new is None:
                audit.fail(
                    Check.CONSISTENCY,
                    _(
                        "a consistency proof {old_size}→{new_size} between checkpoints that are "
                        "not both signed"
                    ).format(old_size=p.old_size, new_size=p.new_size),
                    tree_size=p.new_size,
                )
                continue
            try:
                verify_consistency(p.old_size, p.new_size, old.root, new.root, p.proof)
            except ProofError as e:
                audit.fail(
                    Check.CONSISTENCY,
                    _(
                        "the signed checkpoints {old_size} and {new_size} are not one history: {e}"
                    ).format(old_size=p.old_size, new_size=p.new_size, e=e),
                    tree_size=p.new_size,
                )
        sizes = sorted(good)
        self.checkpoints_ok = len(good)
        self.checkpoints_kept = len(candidates)
        self.latest = sizes[-1] if sizes else None
        bodies = {sc.tree_size: sc.body() for sc in stored if _parses(sc)}
        self.cosignatures_ok, self.witnessed = audit.check_cosignatures(cosignatures, bodies, good)

    # the result -------------------------------------------------------------------------
    def result(self, seconds: float) -> VerificationResult:
        audit = self.audit
        failures = with_labels(audit.failures, self.source.first_events)
        failures.sort(key=lambda f: (f.position is None, f.position or 0, f.check.value))
        return VerificationResult(
            source=self.source.description,
            events=self.count,
            aggregates=len(audit.versions),
            signatures=audit.signatures,
            root_fingerprint=audit.root_fingerprint,
            origin=audit.origin,
            tree_size=self.range.size,
            root=self.range.root(),
            checkpoints=self.checkpoints_ok,
            latest_checkpoint=self.latest,
            cosignatures=self.cosignatures_ok,
            keys=audit.key_infos(),
            failures=tuple(failures),
            failure_count=audit.failure_count,
            seconds=seconds,
            witnessed=tuple(self.witnessed),
            checkpoints_kept=self.checkpoints_kept,
        )


def verify_store(
    app: Any,
    options: VerifyOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerificationResult:
    """Verify the ledger in an application's store; never raises for what it finds."""
    try:
        source = StoreSource(app)
    except LedgerError as e:
        fail = Failure(Check.STORE, str(e))
        return VerificationResult(
            str(app.store.describe()),
            0,
            0,
            0,
            None,
            None,
            0,
            EMPTY_ROOT,
            0,
            None,
            0,
            (),
            (fail,),
            1,
            0.0,
        )
    from ledger.audit.semantic import with_measures

    return with_measures(app, Verifier(options).run(source, progress))
