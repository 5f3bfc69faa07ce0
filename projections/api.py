"""The read side's public face: follow the log, answer the questions (the CLI's only entry).

:class:`Projections` follows the application's notification log in pages. Each page's view
updates and the new tracking position commit in ONE transaction, guarded by the position the
page started from (``UPDATE … WHERE position = <start>``): a crash rolls the whole page back
and the next catch-up resumes after the last committed page; a page that another process (or
an earlier attempt) already applied is skipped, never counted twice. Every query catches up
first, so answers include every event recorded before the call.

The log is read straight from the events table as plain rows, filtered to the topics the
views use (:mod:`projections.log`); events are decoded without their signatures being
checked (that is ``verify``'s job), and the views hold indexes: a case's full state, and a
cadre's career, are replayed from their own events when a question needs them
(:mod:`projections.replay`). Between pages only a small LRU of open cases is kept
(:class:`projections.batch.Memory`) and SQLite's page caches are a few MB, so a rebuild
runs in the same memory whatever the length of the log.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from eventsourcing.persistence import PersistenceError

from ledger.application import LedgerApplication, today
from ledger.errors import InvalidInputError, StoreError
from ledger.i18n import _
from ledger.transparency.case_dates import CLOSINGS, year_key
from ledger.transparency.case_index import ALL_CASES, unit_key
from ledger.transparency.case_record import CaseSet, case_set, dated_set
from ledger.transparency.person_record import person_record
from projections import log, schema
from projections.batch import Batch, Memory
from projections.codec import unwrapper
from projections.handlers import TOPICS, apply_page
from projections.lists import CadreFound, CaseListEntry, UnitDecision, UnitEntry
from projections.models import (
    AnnualReport,
    CadreHistory,
    CaseCompleteness,
    CaseState,
    CaseSummary,
    Deadline,
    KeyInfo,
    LateStep,
    TimelineEntry,
    UnitRating,
)
from projections.queries import Reader
from projections.signature_checks import Signatures, application_keys
from projections.sql import Cursor, ViewStore
from projections.trusted import log_top

if TYPE_CHECKING:
    from projections.finding import CaseFilter

#: Notifications per page (one read, one write transaction).
PAGE_SIZE = 5000
Progress = Callable[[int, int], None]
T = TypeVar("T")


class _AlreadyApplied(Exception):
    """The tracking position moved since the page was read: someone else applied it."""


class Projections:
    """Read models rebuilt only from the event log, in tables beside the events."""

    def __init__(
        self, app: LedgerApplication, *, page_size: int = PAGE_SIZE, reading: bool = False
    ) -> None:
        if page_size < 1:
            raise InvalidInputError(_("the page size must be positive"))
        self.app = app
        self.page_size = page_size
        #: For a read command: never write the ledger, even the views, when it is read-only
        #: (a read-only file or folder, a reader role); catch up in scratch space instead.
        self.reading = reading
        #: The stored views, read as they are (current when opened), from a read-only store.
        self._as_stored = False
        self._in_scratch = False
        self._store: ViewStore | None = None
        self._unwrap = unwrapper(app.mapper.cipher, app.mapper.compressor)
        self._memory = Memory()
        #: Called inside each page's transaction, after its writes, with the position the
        #: page brings the views to (tests use it to crash mid-batch).
        self._page_hook: Callable[[int], None] | None = None
        #: Run once, after the first query's own checks passed and before its answer is
        #: returned: the CLI's check that the ledger has not gone back since this workstation
        #: last read it (:func:`ledger.transparency.seen.check_seen`).
        self.after_read: Callable[[], None] | None = None

    # the store ------------------------------------------------------------------------------
    @property
    def store(self) -> ViewStore:
        if self._store is None:
            if self.reading and self.app.store.opened_read_only():
                self._store = self._read_only_views()
                return self._store
            store = ViewStore.open(self.app.store, [t.name for t in schema.TABLES])
            store.names[log.EVENTS] = store.qualify(self._events_table())
            try:
                self._prepare(store)
            except StoreError as e:
                store.close()
                if not (self.reading and _refused_write(e)):
                    raise
                self._store = self._scratch()  # a role that may only read
                return self._store
            except BaseException:
                store.close()
                raise
            self._store = store
        return self._store

    def _events_table(self) -> str:
        return str(getattr(self.app.recorder, "events_table_name"))  # noqa: B009 (not typed)

    def _read_only_views(self) -> ViewStore:
        """The stored views as they are if they are current, else scratch views."""
        from projections.scratch import StoredViews, scratch_views, stored_position

        probe = scratch_views(self.app.store, self._events_table())
        try:
            position = stored_position(probe)
        finally:
            probe.close()
        if position is None or position != self._max_notification_id():
            return self._scratch()
        names = [t.name for t in schema.TABLES]
        if self.app.store.kind == "sqlite":
            store: ViewStore = StoredViews(self.app.store, names)
        else:
            store = ViewStore.open(self.app.store, names)
        store.names[log.EVENTS] = store.qualify(self._events_table())
        self._as_stored = True
        return store

    def _scratch(self) -> ViewStore:
        """Views in scratch space (:mod:`projections.scratch`), starting from the stored ones
        where they can be read: the ledger is only read."""
        from projections.scratch import copy_stored, scratch_views

        self._memory.forget()
        views = scratch_views(self.app.store, self._events_table())
        try:
            if not copy_stored(views):
                self._prepare(views)
        except BaseException:
            views.close()
            raise
        self._as_stored, self._in_scratch = False, True
        return views

    def _prepare(self, store: ViewStore) -> None:
        """Create missing tables; drop views built by another schema version."""
        for attempt in range(3):
            try:
                with store.write() as cur:
                    schema.create_meta(store, cur)
                    cur.execute(
                        store.sql("SELECT value FROM {proj_meta} WHERE name = ?"), ("schema",)
                    )
                    row = cur.fetchone()
                    if row is not None and row[0] != schema.SCHEMA_VERSION:
                        schema.drop(store, cur)
                        schema.create_meta(store, cur)
                        row = None
                    schema.create(store, cur)
                    if row is None:
                        self._initialise(store, cur)
                return
            except StoreError:  # PostgreSQL: two processes created the same table at once
                if attempt == 2:
                    raise

    @staticmethod
    def _initialise(store: ViewStore, cur: Cursor) -> None:
        cur.execute(
            store.sql("INSERT INTO {proj_meta} VALUES (?, ?)"), ("schema", schema.SCHEMA_VERSION)
        )
        cur.execute(
            store.sql("INSERT INTO {proj_tracking} VALUES (?, ?)"), (schema.TRACKING_NAME, 0)
        )
        for name in (*map(schema.counter_name, schema.COUNTED), schema.IMPORT_LINES):
            cur.execute(store.sql("INSERT INTO {proj_tracking} VALUES (?, ?)"), (name, 0))

    def close(self) -> None:
        """Close the views' own connection (the application stays open)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Projections:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # following the log ----------------------------------------------------------------------
    def position(self) -> int:
        """The last notification id applied to the views."""
        store = self.store
        with store.read() as cur:
            return _position(store, cur)

    def catch_up(self, on_progress: Progress | None = None) -> int:
        """Apply every event recorded so far; returns how many log positions the views moved
        on (every event up to there was applied, or skipped as a topic no view uses).
        ``on_progress(done, total)`` is called after each page, in log positions."""
        # A page allocates a few hundred thousand small objects that live until its commit:
        # the cyclic collector would walk them again and again for nothing, so it pauses.
        paused = gc.isenabled()
        gc.disable()
        try:
            try:
                return self._catch_up(on_progress)
            except StoreError as e:  # a role that may read the views but not write them
                if not (self.reading and not self._in_scratch and _refused_write(e)):
                    raise
                self.close()
                self._store = self._scratch()
                return self._catch_up(on_progress)
        finally:
            if paused:
                gc.enable()

    def _catch_up(self, on_progress: Progress | None) -> int:
        store = self.store
        start = self.position()
        top = self._max_notification_id()
        if self._as_stored and start < top:  # recorded since they were opened read-only
            store.close()
            store = self._store = self._scratch()
            start = self.position()
        total = max(top - start, 0)
        if on_progress is not None:
            on_progress(0, total)
        position, applied = start, 0
        while position < top:
            page = self._read(position, top)
            # A short page is the last one up to ``top``: the notifications between its last
            # one and ``top`` are of topics no view uses, so the views stand at ``top``.
            reached = page[-1][0] if len(page) == self.page_size else top
            if self._apply_page(store, position, page, reached):
                applied += reached - position
                position = reached
            else:
                position = self.position()
            if on_progress is not None:
                on_progress(min(max(position - start, 0), total), total)
        return applied

    def rebuild(self, on_progress: Progress | None = None) -> int:
        """Drop the views and the tracking position, then replay the whole log."""
        store = self.store
        self._memory.forget()
        with store.write() as cur:
            schema.drop(store, cur)
            schema.create(store, cur)
            self._initialise(store, cur)
        return self.catch_up(on_progress)

    def _max_notification_id(self) -> int:
        try:
            return int(self.app.recorder.max_notification_id() or 0)
        except PersistenceError as e:
            raise StoreError(_("cannot read the event log: {e}").format(e=e)) from e

    def _read(self, after: int, top: int) -> list[log.Record]:
        """The next page of notifications the views use, read from the events table (the
        store filters the topics, so the others cost no decoding at all)."""
        store = self.store
        with store.read_log() as cur:
            return log.notifications(store, cur, after, top, self.page_size, TOPICS)

    def _apply_page(
        self, store: ViewStore, after: int, page: Sequence[log.Record], reached: int
    ) -> bool:
        """Apply one page in one transaction that moves the views from ``after`` to
        ``reached`` — if they still stand at ``after``; False if they do not."""
        memory = self._memory
        if memory.position != after:
            memory.forget()
        try:
            with store.write() as cur:
                cur.execute(
                    store.sql(
                        "UPDATE {proj_tracking} SET position = ? WHERE name = ? AND position = ?"
                    ),
                    (reached, schema.TRACKING_NAME, after),
                )
                if cur.rowcount != 1:
                    raise _AlreadyApplied
                batch = Batch(store, cur, memory)
                apply_page(batch, page, self._unwrap)
                batch.flush()
                if self._page_hook is not None:
                    self._page_hook(reached)
        except _AlreadyApplied:
            memory.forget()
            return False
        except BaseException:
            memory.forget()  # rows were changed in place by a page that did not commit
            raise
        memory.keep(reached, batch.case_memos)
        return True

    # queries --------------------------------------------------------------------------------
    def _query(self, ask: Callable[[Reader], T]) -> T:
        """Answer in one read snapshot of the views and the log; catch up first only when the
        log has moved past the views (a read with nothing new does no catch-up work)."""
        store = self.store
        for attempt in range(2):
            with store.read() as cur:
                position, top = _position(store, cur), log_top(store, cur)
                if top <= position or attempt:
                    answer = ask(Reader(store, cur, position, self._unwrap, top))
                    break
            self.catch_up()
        else:  # pragma: no cover
            raise AssertionError(_("unreachable"))
        hook, self.after_read = self.after_read, None
        if hook is not None:
            hook()
        return answer

    def cases(self, status: str | None = None) -> list[CaseSummary]:
        """Every case (or the open/closed ones), in the order they were opened."""
        day = today()
        return self._query(lambda r: r.cases(status, day))

    def case_state(self, case_no: str) -> CaseState:
        """One case now; NotFoundError if the log never opened it."""
        day = today()
        return self._query(lambda r: r.case_state(case_no, day))

    def timeline(
        self,
        case_no: str,
        as_of: dt.date | None = None,
        business_as_of: dt.date | None = None,
    ) -> list[TimelineEntry]:
        """The case's events in log order. ``as_of``: what was on record at the end of that
        day (Asia/Shanghai), by recorded time; ``business_as_of``: the events whose business
        date is on or before that day (:func:`projections.timeline.entries`)."""
        return self._query(lambda r: r.timeline(case_no, as_of, business_as_of))

    def cadre_history(self, personnel_no: str, year: int | None = None) -> CadreHistory:
        """Art. 8, 11, 13: the person's whole record; ``year`` for the annual review.

        The cases come from the person index, checked against the latest signed checkpoint
        and, after it, from the log itself (:func:`person_record`), never from a view table.
        """
        # The signatures are checked once, with the cases' events (Reader.cadre_history); those
        # of the events the person index gives begin on a verifying thread as soon as they are
        # read, with the keys the registry names (which key to check with: whether it could
        # sign there is the in-order pass's to judge), and are remembered for this read only.
        signatures = Signatures()
        keys = application_keys(self.app)
        try:
            record = person_record(
                self.app,
                personnel_no,
                check_signatures=False,
                on_read=lambda rows: signatures.ahead(rows, keys),
            )
            day = today()
            return self._query(
                lambda r: r.cadre_history(personnel_no, year, record, day, signatures)
            )
        finally:
            signatures.settle()  # a read that failed first does not leave its checks queued

    def deadlines(self, as_of: dt.date, soon_days: int = 7) -> list[Deadline]:
        """Art. 11, 12: the legal periods running on ``as_of``: open, due soon or overdue."""
        return self.deadlines_checked(as_of, soon_days)[0]

    def deadlines_checked(
        self, as_of: dt.date, soon_days: int = 7
    ) -> tuple[list[Deadline], CaseCompleteness | None]:
        """:meth:`deadlines`, and as of which checkpoint every case was looked at (the case
        index, :func:`case_set`; None before a checkpoint carries it)."""
        if soon_days < 0:
            raise InvalidInputError(_("soon_days must not be negative"))
        index = case_set(self.app, ALL_CASES, keep=True)
        closings = dated_set(self.app, CLOSINGS, keep=True)
        return self._query(lambda r: r.deadlines(as_of, soon_days, index, closings))

    def _case_set(self, key: str) -> CaseSet:
        """The cases the case index lists under ``key``, checked against the latest
        checkpoint, if it carries the index (else the reads say completeness is not proven)."""
        return case_set(self.app, key)

    def late_steps(self, as_of: dt.date | None = None) -> list[LateStep]:
        """Steps done late, overdue until recorded, or recorded late (Art. 11, 12; issue 13:
        recording a step late never hides that it was overdue); ``as_of``: as on record at
        the end of that day."""
        index = self._case_set(ALL_CASES)
        return self._query(lambda r: r.late_steps(as_of, index))

    def unit_rating(self, unit_code: str, year: int) -> UnitRating:
        """Art. 13: may the unit be that year's advanced unit for petition work, and if not,
        which decisions stand in the way."""
        index = self._case_set(unit_key(unit_code))
        return self._query(lambda r: r.unit_rating(unit_code, year, index))

    def annual_report(
        self, year: int, authority: str | None = None, region: str | None = None
    ) -> AnnualReport:
        """Art. 14: the year's figures, for one opening authority or all; with ``region``
        (GB/T 2260), the cases of the units and cadres of that region and those within it."""
        day = today()
        index = self._case_set(ALL_CASES)
        dated = dated_set(self.app, year_key(year))
        return self._query(
            lambda r: r.annual_report(
                year, authority, r.position, day, region, self.app.region_of, index, dated
            )
        )

    def cases_in_year(self, year: int, authority: str | None = None) -> list[str]:
        """Art. 14: the cases the year's report counts (an index: printed reports verify the
        cases' own events before counting them)."""
        index = self._case_set(ALL_CASES)
        dated = dated_set(self.app, year_key(year))
        return self._query(lambda r: r.cases_in_year(year, authority, index, dated))

    def case_list(self, filters: CaseFilter | None = None) -> list[CaseListEntry]:
        """The cases that pass the filters, each from its checked events (finding)."""
        return self.case_list_checked(filters)[0]

    def case_list_checked(
        self, filters: CaseFilter | None = None
    ) -> tuple[list[CaseListEntry], CaseCompleteness | None]:
        """:meth:`case_list`, and as of which checkpoint every case was looked at."""
        from projections.finding import CaseFilter, case_list

        day = today()
        chosen = filters or CaseFilter()
        index = self._case_set(ALL_CASES)
        return self._query(lambda r: case_list(r, chosen, day, self.app.region_of, index))

    def units(self) -> list[UnitEntry]:
        """Every registered unit, from its checked registration event (Art. 2)."""
        from projections.finding import units

        day = today()
        return self._query(lambda r: units(r, day))

    def cadre_search(self, text: str) -> list[CadreFound]:
        """Cadres by name (Chinese or pinyin), personnel-number prefix or unit (Art. 8)."""
        from projections.finding import cadre_search

        return self._query(lambda r: cadre_search(r, text))

    def unit_history(self, unit_code: str) -> list[UnitDecision]:
        """Every decision against the unit or a cadre posted in it at the incident."""
        return self.unit_history_checked(unit_code)[0]

    def unit_history_checked(
        self, unit_code: str
    ) -> tuple[list[UnitDecision], CaseCompleteness | None]:
        """:meth:`unit_history`, and as of which checkpoint every case was looked at (the
        case index's ``cases`` key: the cadres' decisions are found through their posts)."""
        from projections.finding import unit_history

        index = self._case_set(ALL_CASES)
        return self._query(lambda r: unit_history(r, unit_code, index))

    def keys(self) -> list[KeyInfo]:
        """Every signer key, with the log positions that registered and ended it."""
        return self._query(lambda r: r.keys())


def _refused_write(e: StoreError) -> bool:
    """The store refused a write this process may not make (a read-only role or database)."""
    cause = e.__cause__
    code = getattr(cause, "sqlstate", None)
    if code in ("42501", "25006"):  # insufficient_privilege, read_only_sql_transaction
        return True
    return "readonly database" in str(cause)


def _position(store: ViewStore, cur: Cursor) -> int:
    cur.execute(
        store.sql("SELECT position FROM {proj_tracking} WHERE name = ?"), (schema.TRACKING_NAME,)
    )
    row = cur.fetchone()
    return 0 if row is None else int(row[0])
