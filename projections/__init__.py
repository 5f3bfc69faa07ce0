"""Read models rebuilt only from the event log: case state, a cadre's lifetime history,
deadlines, unit annual rating, annual report (see :mod:`projections.api`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.i18n import _
from projections.models import (
    Announcement,
    AnnualReport,
    Appeal,
    CadreHistory,
    CaseState,
    CaseSummary,
    Count,
    Deadline,
    Decision,
    FileEntry,
    GroundRef,
    HistoryEntry,
    KeyInfo,
    MeasureRef,
    Objection,
    OverdueStep,
    Party,
    Post,
    RatingReason,
    Referral,
    TimelineEntry,
    UnitRating,
)

if TYPE_CHECKING:
    from projections.api import Projections


def __getattr__(name: str) -> Any:
    """``Projections`` loads the store machinery; import it only when asked (instant CLI start)."""
    if name == "Projections":
        from projections.api import Projections

        return Projections
    raise AttributeError(_("module 'projections' has no attribute {name!r}").format(name=name))


__all__ = [
    "Announcement",
    "AnnualReport",
    "Appeal",
    "CadreHistory",
    "CaseState",
    "CaseSummary",
    "Count",
    "Deadline",
    "Decision",
    "FileEntry",
    "GroundRef",
    "HistoryEntry",
    "KeyInfo",
    "MeasureRef",
    "Objection",
    "OverdueStep",
    "Party",
    "Post",
    "Projections",
    "RatingReason",
    "Referral",
    "TimelineEntry",
    "UnitRating",
]
