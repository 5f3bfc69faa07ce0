"""The run loop: read the log in pages, hand order-free work to the workers, audit in order."""

from __future__ import annotations

import sys
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ThreadPoolExecutor,
)
from contextlib import suppress
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError

from ledger.audit.verify.audit import Audit, _parses, _trusted, _where_of
from ledger.audit.verify.case_index_checks import CaseIndexChecks, case_maps
from ledger.audit.verify.leaf_table import LeafTableChecks
from ledger.audit.verify.options import THREAD_SWITCH_INTERVAL, VerifyOptions
from ledger.audit.verify.person_index_checks import PersonIndexChecks
from ledger.audit.verify.result import Check, ConsistencyProof, Failure, VerificationResult
from ledger.audit.verify.sources import EventSource, StoreSource, with_labels
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
from ledger.transparency.checkpoint import (
    Checkpoint,
    b64encode,
)
from ledger.transparency.merkle import EMPTY_ROOT, verify_consistency
from ledger.transparency.person_audit import IndexAudit
from ledger.transparency.person_map import Node
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


class _Run(LeafTableChecks, PersonIndexChecks, CaseIndexChecks):
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
        #: The case and case-dates indexes (Art. 12-14), likewise, each checked only where
        #: a checkpoint carries it.
        self.case_maps = case_maps()
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
        self._feed_case_index(start, rows, ids, leaves)
        compact, wanted = self.range, self._wanted
        for height, digest in nodes:
            compact.push(height, digest)
            if compact.size in wanted:
                self.roots[compact.size] = compact.root()
        if start + len(rows) == page_end:
            self.count = page_end
        if progress is not None:
            progress(len(rows))

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
            self._case_snapshot(n)
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
