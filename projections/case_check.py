"""The cases a read enumerated through the read models, checked against the case index and
the case-dates index.

``unit rating`` (Art. 13), ``report annual`` (Art. 14), ``case list`` and ``deadlines`` find
cases through ``proj_cases`` and ``proj_case_parties``. The census and the row counters catch
a deleted row, but not an insider who also adjusts the counter. The case index
(:mod:`ledger.transparency.case_index`) lists every case, and every case naming a unit, in a
map whose root a signed checkpoint carries: each case it lists (up to the position the views
have applied) must be among those the read found, or the read is refused naming the case.

``report annual`` and ``deadlines`` choose among those cases through ``proj_case_years`` and
``proj_decisions``; the case-dates index (:mod:`ledger.transparency.case_dates`) lists each
year's cases and every closing, so :func:`check_case_set` also checks a year's selection, and
:func:`check_running` folds every case the signed closings leave open and refuses a read whose
index missed one with a legal period running.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from uuid import UUID

from ledger.i18n import _
from ledger.transparency.case_dates import CLOSED, business_day
from ledger.transparency.case_record import CaseSet
from ledger.transparency.person_index import payload_of
from projections import labels
from projections.census import REBUILD_HINT
from projections.models import CaseCompleteness
from projections.reader import ReaderBase
from projections.replay import state
from projections.steps import steps_of
from projections.trusted import ReadRefusedError, aggregate_events

__all__ = ["case_ids_in_views", "check_case_set", "check_running"]


def case_ids_in_views(reader: ReaderBase) -> set[UUID]:
    """The aggregate id of every case ``proj_cases`` holds (one index scan)."""
    reader.cur.execute(reader.store.sql("SELECT case_id FROM {proj_cases}"))
    return {UUID(str(r[0])) for r in reader.cur.fetchall()}


def check_case_set(
    reader: ReaderBase, index: CaseSet | None, found: Iterable[UUID], tables: str
) -> CaseCompleteness | None:
    """Refuse a read whose cases ``found`` (through ``tables``) lack one the case index lists;
    otherwise say as of which checkpoint the case set is complete."""
    if index is None:
        return None
    seen = set(found)
    missing = [
        (position, oid)
        for oid, (position, nid) in index.cases.items()
        if oid not in seen and nid <= reader.position
    ]
    if missing:
        position, oid = min(missing)
        signed = (
            _("the case-dates index signed in checkpoint {size} lists it")
            if index.dated
            else _("the case index signed in checkpoint {size} lists it")
        )
        where = (
            signed.format(size=index.complete_as_of)
            if index.complete_as_of is not None and position < index.complete_as_of
            else _("the log lists it after checkpoint {size}").format(size=index.complete_as_of)
        )
        raise ReadRefusedError(
            _(
                "the read models hide case {case} (log position {position}): {where} under "
                "{key}, but the read models ({tables}) do not lead to it. Nothing is shown "
                "from them. {REBUILD_HINT}"
            ).format(
                case=_case_number(reader, oid),
                position=position,
                where=where,
                key=index.key,
                tables=tables,
                REBUILD_HINT=_(REBUILD_HINT),
            ),
            table=tables,
            position=position,
            aggregate_id=str(oid),
        )
    return CaseCompleteness(
        index.complete_as_of, index.checked_later, index.later, index.unindexed_checkpoints
    )


def _case_number(reader: ReaderBase, oid: UUID) -> str:
    """The case number its opening event carries (only to name it in a refusal)."""
    events = aggregate_events(reader.store, reader.cur, [oid], reader.top).get(oid, [])
    payload = payload_of(events[0][3]) if events else None
    number = payload.get("case_no") if payload else None
    return str(number) if number else str(oid)


def check_running(
    reader: ReaderBase,
    cases: CaseSet | None,
    closings: CaseSet | None,
    found: Iterable[UUID],
    on: dt.date,
) -> None:
    """Refuse ``deadlines`` when a case its index (``proj_decisions``) did not lead to has a
    legal period running on ``on`` (Art. 11, 12).

    The cases looked at are those of the signed case set (``cases``, kept with their opening
    dates) opened on or before ``on`` (every period starts with a decision, after the opening),
    except those whose last closing or reopening (``closings``, the case-dates index) is a
    closing dated on or before ``on`` and signed into the checkpoint: Art. 12's closing rule
    lets a case close only when no step is owed to a party. A closing after the checkpoint is
    not trusted unchecked: such a case is folded from its checked events like an open one.
    Each case looked at and not ``found`` is folded, and must have no period running on ``on``.
    """
    if cases is None or closings is None or cases.complete_as_of is None:
        return
    if closings.complete_as_of is None:
        return  # the latest checkpoint predates the case-dates index: nothing to check against
    text, seen, size = on.isoformat(), set(found), closings.complete_as_of
    wanted = [
        oid
        for oid, (_position, nid) in cases.cases.items()
        if nid <= reader.position
        and oid not in seen
        and not _closed_by(closings, oid, reader.position, size, text)
        and _opened_by(cases, oid, text)
    ]
    if not wanted:
        return
    checked = reader.checked(wanted, reader.position)
    for oid in wanted:
        events = checked.events.get(oid)
        failure = checked.failures.get(oid)
        if failure is not None:
            what = _("case {case_no}").format(case_no=_case_number(reader, oid))
            raise reader.trust.refuse(failure, what)
        case = state(events) if events else None
        if case is None:
            continue
        for p in case.parties.values():
            for d in p.decisions:
                for step in steps_of(d):
                    if not step.running_on(text):
                        continue
                    leaf = reader.trust.leaf_position(d.position) if d.position else None
                    raise ReadRefusedError(
                        _(
                            "the read models hide case {case} (log position {position}): its "
                            "legal period {step} ({article}) for {party} runs on {day}, but the "
                            "read models (proj_decisions) do not lead to it. Nothing is shown "
                            "from them. {REBUILD_HINT}"
                        ).format(
                            case=case.case_no,
                            position=leaf,
                            step=labels.STEP_LABELS[step.kind],
                            party=f"{p.party_type} {p.code}",
                            day=text,
                            article=labels.STEP_ARTICLES[step.kind],
                            REBUILD_HINT=_(REBUILD_HINT),
                        ),
                        table="proj_decisions",
                        position=leaf,
                        aggregate_id=str(oid),
                    )


def _closed_by(closings: CaseSet, oid: UUID, position: int, size: int, day: str) -> bool:
    """Whether the case's last closing or reopening the views have applied is a closing
    dated on or before ``day`` and covered by the checkpoint of size ``size``."""
    events = closings.events.get(oid)
    if not events:
        return False
    last = events[-1]
    if last[0] > position:  # closed or reopened after the views' position: as they stood
        applied = [e for e in events if e[0] <= position]
        if not applied:
            return False
        last = applied[-1]
    if last[2] != CLOSED or last[1] >= size:
        return False
    closed = business_day(last[3])
    return closed is not None and closed <= day


def _opened_by(cases: CaseSet, oid: UUID, day: str) -> bool:
    """Whether the case was opened on or before ``day`` by its signed opening (a case whose
    opening date could not be read is looked at)."""
    opening = cases.events.get(oid)
    opened = business_day(opening[0][3]) if opening else None
    return opened is None or opened <= day
