"""The cases a read enumerated through the read models, checked against the case index.

``unit rating`` (Art. 13), ``report annual`` (Art. 14), ``case list`` and ``deadlines`` find
cases through ``proj_cases`` and ``proj_case_parties``. The census and the row counters catch
a deleted row, but not an insider who also adjusts the counter. The case index
(:mod:`ledger.transparency.case_index`) lists every case, and every case naming a unit, in a
map whose root a signed checkpoint carries: each case it lists (up to the position the views
have applied) must be among those the read found, or the read is refused naming the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from ledger.i18n import _
from ledger.transparency.case_record import CaseSet
from ledger.transparency.person_index import payload_of
from projections.census import REBUILD_HINT
from projections.models import CaseCompleteness
from projections.reader import ReaderBase
from projections.trusted import ReadRefusedError, aggregate_events

__all__ = ["case_ids_in_views", "check_case_set"]


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
        where = (
            _("the case index signed in checkpoint {size} lists it").format(
                size=index.complete_as_of
            )
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
