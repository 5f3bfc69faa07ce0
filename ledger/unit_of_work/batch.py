"""Many commands per transaction (import, demo, benchmarks): aggregates kept in memory, events
saved together, a group of commands all or nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from copy import deepcopy
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    IntegrityError,
    PersistenceError,
)

from ledger.domain import ids
from ledger.domain.keys import KeyRecord
from ledger.domain.limits import BATCH_EVENTS, BATCH_MEMORY
from ledger.errors import (
    AlreadyExistsError,
    ConcurrentWriteError,
    InvalidInputError,
    LedgerError,
    NotFoundError,
    StoreError,
    first_line,
)
from ledger.i18n import _
from ledger.signing.signatures import (
    Signer,
)

if TYPE_CHECKING:  # the application hands itself to its units of work
    from ledger.signed_application import SignedApplication


from ledger.unit_of_work.immediate import Immediate
from ledger.unit_of_work.interface import A
from ledger.unit_of_work.recorded_text import check_text


class Batch:
    """A unit of work for bulk writes (``lifeledger import``): many commands per transaction.

    ``with app.batch(max_events=1000) as batch:`` routes the application's commands through
    the batch until the block ends. Every command keeps its checks, in the same order, but:

    * aggregates are loaded once and then served from memory, as the batch's commands left
      them (readers get the batch's object: they must not change it);
    * a new aggregate is refused with :class:`AlreadyExistsError` at once if its id is in the
      store or already in the batch (the store's unique key would otherwise only fail the
      whole transaction at commit);
    * the new events are kept, in the order the commands made them, and :meth:`commit`
      saves them with one ``app.save(...)``: one transaction, one fsync, one run of Merkle
      leaves. Commit whenever :attr:`full`; the block commits what is pending when it ends
      normally and discards it on an error.

    ``with batch.atomic():`` makes a group of commands all or nothing (an import line): if it
    raises, the events it made are dropped and every aggregate it changed is rebuilt from the
    store and the batch's earlier events, so a refused line leaves nothing behind even if a
    check fails after an event was triggered (``check_text``). Each command is atomic too.

    The aggregates stay in memory from one transaction to the next, up to ``memory`` of them;
    past that, after a commit, the half loaded first go to the repository's cache (from which
    they are reloaded if needed again). A Ctrl-C during a commit lets the transaction finish
    (it runs on a helper thread) and is raised after it; :attr:`recorded` counts the events
    saved so far, so the caller knows the outcome.

    The signer (Art. 6): a batch is signed by one key, the application's signer when the batch
    starts. Its registry entry (registered, not rotated or revoked, and its authority) is read
    when the batch first needs it and reused while the registry stays at that version; a key
    command run inside the batch changes the version, so it takes effect for the next command.
    Each transaction first checks that no other writer changed the registry in the store since
    the signer was checked; if one did (a revocation must take effect), the transaction is
    refused as a conflict. Keys are not importable, so within an import the signer's status is
    checked when the batch starts and again before every transaction commits.

    A conflict (another writer saved one of the batch's aggregates, created one of its ids, or
    changed the registry) raises :class:`ConcurrentWriteError`; a store failure raises
    :class:`StoreError`. Either way the failed transaction saved nothing, and the batch is
    emptied (an import then redoes those lines one at a time through the normal path).
    """

    def __init__(
        self, app: SignedApplication, max_events: int = BATCH_EVENTS, memory: int = BATCH_MEMORY
    ) -> None:
        if max_events < 1:
            raise InvalidInputError(_("a batch holds at least one event"))
        self.app = app
        self.max_events = max_events
        self.memory = memory
        #: Events saved by this batch's transactions so far.
        self.recorded = 0
        self._signer: Signer | None = None
        self._aggregates: dict[UUID, Aggregate] = {}
        self._owned: set[UUID] = set()  # the batch's own copies; the rest are shared, read-only
        self._forgotten: set[UUID] = set()  # rolled back: rebuild from the store and the batch
        self._events: list[DomainEventProtocol[UUID]] = []  # made, not yet committed
        self._frames: list[dict[UUID, int]] = []  # open atomic() blocks: id → version before
        self._registry_base: int | None = None  # the registry's stored version when checked
        self._signer_record: tuple[bytes, int, KeyRecord] | None = None

    # the block --------------------------------------------------------------------------
    def __enter__(self) -> Batch:
        if not isinstance(self.app._work, Immediate):
            raise LedgerError(_("a batch is already open on this application"))
        self._signer = self.app.signer
        self.app._work = self
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            if exc_type is None:
                self.commit()
                self._publish(list(self._aggregates))
        finally:
            self.app._work = Immediate(self.app)
            self._reset()

    @property
    def pending_events(self) -> int:
        """Events made and not yet committed."""
        return len(self._events)

    @property
    def full(self) -> bool:
        """The pending events fill a transaction: commit before the next group of commands."""
        return len(self._events) >= self.max_events

    # reads ------------------------------------------------------------------------------
    def get(self, cls: type[A], aggregate_id: UUID, not_found: str, *, copy: bool = True) -> A:
        """The batch's current aggregate: loaded once (shared with the repository's cache
        until the batch first changes it), then as the batch's commands left it."""
        aggregate = self._aggregates.get(aggregate_id)
        if aggregate is None:
            aggregate = self._load(aggregate_id, not_found)
            self._aggregates[aggregate_id] = aggregate
        if not isinstance(aggregate, cls):
            raise NotFoundError(not_found)
        return aggregate

    def _load(self, aggregate_id: UUID, not_found: str) -> Aggregate:
        stored: Aggregate | None
        try:
            stored = self.app._read(Aggregate, aggregate_id, not_found, copy=False)
        except NotFoundError:
            if aggregate_id not in self._forgotten:
                raise
            stored = None
        if aggregate_id == ids.REGISTRY_ID and self._registry_base is None and stored is not None:
            self._registry_base = stored.version
        if aggregate_id not in self._forgotten:
            assert stored is not None
            return stored
        # Rolled back earlier: the stored state plus the batch's events for it.
        self._forgotten.discard(aggregate_id)
        since = stored.version if stored is not None else 0
        events = [
            e
            for e in self._events
            if e.originator_id == aggregate_id and e.originator_version > since
        ]
        if not events:
            if stored is None:
                raise NotFoundError(not_found)
            return stored
        rebuilt = project_aggregate(deepcopy(stored), events)
        assert isinstance(rebuilt, Aggregate)
        self._owned.add(aggregate_id)
        return rebuilt

    def signer_record(self, signer: Signer) -> KeyRecord:
        """The signer's registry entry, read once per batch and registry version."""
        registry = self.app.registry()
        cached = self._signer_record
        if cached is not None and cached[0] == signer.key_id and cached[1] == registry.version:
            return cached[2]
        record = registry.check_active(signer.key_id.hex())
        self._signer_record = (signer.key_id, registry.version, record)
        self.app.signer_check.checked = deepcopy(registry)
        return record

    # writes -----------------------------------------------------------------------------
    def atomic(self) -> _Atomic:
        """All or nothing: on an error inside, undo every event and change made inside."""
        return _Atomic(self)

    def create(self, aggregate: Aggregate, exists: str) -> None:
        check_text(aggregate)
        self._check_signer()
        if self._exists(aggregate.id):
            raise AlreadyExistsError(exists)
        with self.atomic():
            self._frames[-1].setdefault(aggregate.id, 0)
            self._aggregates[aggregate.id] = aggregate
            self._owned.add(aggregate.id)
            self._events.extend(aggregate.collect_events())

    def update(
        self, cls: type[A], aggregate_id: UUID, command: Callable[[A], None], not_found: str
    ) -> A:
        self._check_signer()
        with self.atomic():
            aggregate = self.get(cls, aggregate_id, not_found)
            if aggregate_id not in self._owned:  # first change: the batch's own copy
                aggregate = deepcopy(aggregate)
                self._aggregates[aggregate_id] = aggregate
                self._owned.add(aggregate_id)
            self._frames[-1].setdefault(aggregate_id, aggregate.version)
            command(aggregate)
            check_text(aggregate)
            self._events.extend(aggregate.collect_events())
        return aggregate

    def _check_signer(self) -> None:
        if self.app.signer is not self._signer:
            raise LedgerError(_("the signer changed inside a batch; end it and start a new one"))

    def _exists(self, aggregate_id: UUID) -> bool:
        if aggregate_id in self._aggregates:
            return True
        if aggregate_id in self._forgotten and any(
            e.originator_id == aggregate_id for e in self._events
        ):
            return True
        try:
            return bool(self.app.recorder.select_events(aggregate_id, limit=1))
        except PersistenceError as e:
            raise StoreError(
                _("cannot read {describe}: {first_line}").format(
                    describe=self.app.store.describe(), first_line=first_line(e)
                )
            ) from e

    def _begin(self) -> int:
        self._frames.append({})
        return len(self._events)

    def _end(self, mark: int, failed: bool) -> None:
        frame = self._frames.pop()
        if failed:
            self._rollback(mark, frame)
        elif self._frames:
            outer = self._frames[-1]
            for aggregate_id, version in frame.items():
                outer.setdefault(aggregate_id, version)

    def _rollback(self, mark: int, frame: dict[UUID, int]) -> None:
        del self._events[mark:]
        for aggregate_id, version in frame.items():
            aggregate = self._aggregates.get(aggregate_id)
            if aggregate is None or aggregate.version != version or aggregate.pending_events:
                self._aggregates.pop(aggregate_id, None)
                self._owned.discard(aggregate_id)
                self._forgotten.add(aggregate_id)

    def _open(self) -> bool:
        """True while this batch is the application's unit of work (inside its block)."""
        work: object = self.app._work
        return work is self

    # transactions -----------------------------------------------------------------------
    def commit(self) -> int:
        """Save the pending events in one transaction; returns how many were saved."""
        if not self._open():
            raise LedgerError(_("commit inside `with app.batch() as batch:`"))
        if self._frames:
            raise LedgerError(_("a batch cannot commit inside atomic()"))
        events = self._events
        if not events:
            return 0
        try:
            if self.app.signer is not self._signer:
                raise LedgerError(_("the signer changed inside a batch; nothing was written"))
            interrupted = _run_to_completion(lambda: self._save(events))
        except IntegrityError:
            self._reset()
            raise ConcurrentWriteError(
                _(
                    "another writer changed records this batch changes, or the key registry; "
                    "nothing of the transaction was written"
                )
            ) from None
        except PersistenceError as e:
            self._reset()
            raise StoreError(
                _("cannot write to {describe}: {first_line}").format(
                    describe=self.app.store.describe(), first_line=first_line(e)
                )
            ) from e
        except BaseException:
            self._reset()
            raise
        self.recorded += len(events)
        self._events = []
        self._forgotten.clear()  # saved: the store now holds what a rebuild would replay
        registry = self._aggregates.get(ids.REGISTRY_ID)
        if registry is not None and any(e.originator_id == ids.REGISTRY_ID for e in events):
            self._registry_base = registry.version
        self._trim()
        if interrupted:
            raise KeyboardInterrupt
        return len(events)

    def _save(self, events: list[DomainEventProtocol[UUID]]) -> None:
        """The transaction. The signer was checked against the registry at its stored
        version ``_registry_base``: refuse to sign if another writer changed it since."""
        base = self._registry_base
        if base is not None and self.app.recorder.select_events(ids.REGISTRY_ID, gt=base, limit=1):
            raise IntegrityError(_("the key registry changed during the batch"))
        self.app.save(*events)

    def _trim(self) -> None:
        """Keep memory bounded: past ``memory`` aggregates (all saved now), hand the ones
        loaded first to the repository's cache until half are left."""
        excess = len(self._aggregates) - self.memory // 2
        if len(self._aggregates) > self.memory:
            self._publish(list(self._aggregates)[:excess])

    def _publish(self, aggregate_ids: list[UUID]) -> None:
        """Saved aggregates are what the store holds: put the batch's copies in the
        repository's cache (later reads need not replay and re-verify the batch's events),
        and forget them here."""
        cache = self.app.repository.cache
        for aggregate_id in aggregate_ids:
            aggregate = self._aggregates.pop(aggregate_id)
            if aggregate_id in self._owned:
                self._owned.discard(aggregate_id)
                if cache is not None:
                    cache.put(aggregate_id, aggregate)

    def _reset(self) -> None:
        """Forget everything unsaved (the aggregates in memory may hold it)."""
        self._events = []
        self._aggregates.clear()
        self._owned.clear()
        self._forgotten.clear()
        self._registry_base = None
        self._signer_record = None


def _run_to_completion(work: Callable[[], object]) -> bool:
    """Run ``work`` on a helper thread and wait for it even through Ctrl-C, so that a
    transaction is never abandoned half-way; returns whether Ctrl-C came meanwhile."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:  # handed to the caller below
            failure.append(e)

    thread = threading.Thread(target=run, name="lifeledger-batch-commit")
    thread.start()
    interrupted = False
    while True:
        try:
            thread.join()
            break
        except KeyboardInterrupt:
            interrupted = True
    if failure:
        if interrupted:  # the Ctrl-C matters more than why the transaction failed
            raise KeyboardInterrupt from failure[0]
        raise failure[0]
    return interrupted


class _Atomic:
    """``with batch.atomic():`` (a class, not a generator: it wraps every command)."""

    __slots__ = ("batch", "mark")

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.mark = 0

    def __enter__(self) -> None:
        self.mark = self.batch._begin()

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.batch._end(self.mark, failed=exc_type is not None)
