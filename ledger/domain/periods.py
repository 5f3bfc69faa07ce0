"""Legal day periods of the Measures (湖南省信访工作责任追究办法).

Art. 11: a 《责任追究决定书》 is announced within 30 days of being made. Art. 12: a written
appeal is lodged within 15 days of receiving the decision, and the deciding authority decides
the appeal within 30 days of receiving it.

Counting (DESIGN.md "Day periods"): the day of the triggering event is not counted, so a period
of ``n`` days triggered on ``start`` nominally ends on ``start + n``. If that last day is a rest
day (a Saturday or Sunday, or a Chinese public holiday or its arranged day off), the period ends
on the next working day instead. That rest-day extension is NOT in the Measures: it is a
convention imported from the practice of 民法典 art. 203 (期间的最后一日是法定休假日的，以法定
休假日结束的次日为期间的最后一日), and every message that states a due date says so
(:data:`REST_DAY_NOTE`). A make-up working day (调休上班, a weekend day the State Council
made a working day) is a working day: a period ending on it is not extended.

The calendar is the maintained ``holidays`` package (``country_holidays("CN")``), never a
hand-typed table. It holds the State Council's yearly holiday notices for a range of years
(2001-2026 in ``holidays`` 0.109; see :func:`covered_years`). For later years it only
*estimates* the statutory holidays and knows no arranged days off or make-up working days, and
for earlier years it has no notices at all; for any year outside :func:`covered_years` this
module therefore counts weekends only (Monday-Friday are working days) and
:func:`calendar_covers` returns ``False``, so callers can flag such deadlines as provisional
(:attr:`Period.provisional`). Upgrading ``holidays`` extends the coverage with no change here.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ledger.errors import InvalidInputError
from ledger.i18n import N_, _

if TYPE_CHECKING:
    from holidays import HolidayBase

__all__ = [
    "Period",
    "PeriodStatus",
    "calendar_covers",
    "covered_years",
    "is_late",
    "is_working_day",
    "period_end",
]

#: Said wherever a due date is shown: the rest-day rule is an imported convention.
REST_DAY_NOTE = N_("a rest day extends it: 民法典 art. 203 practice, not the Measures")
_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5


@functools.cache
def covered_years() -> range:
    """The years for which the library holds the official holiday arrangements.

    Derived from the library's own table of State Council notices (the years that carry
    arranged days off and make-up working days), never typed in here.
    """
    from holidays import country_holidays  # imported when a period is first computed

    calendar = country_holidays("CN", years=(), expand=False)
    notices: dict[int, object] = getattr(calendar, "special_public_holidays", {})
    if not notices:
        return range(0)
    return range(min(notices), max(notices) + 1)


def calendar_covers(year: int) -> bool:
    """Whether ``year`` is judged by the official holiday calendar.

    ``False`` means days of that year are judged by weekends only (see the module docstring).
    """
    return year in covered_years()


@functools.lru_cache(maxsize=128)
def _calendar(year: int) -> HolidayBase:
    """The official calendar of one covered year, built once and shared (read-only)."""
    from holidays import country_holidays

    # expand=False: the instance is never mutated by a lookup, so sharing it is safe.
    return country_holidays("CN", years=year, expand=False)


def _require_date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInputError(
            _("{name} must be a calendar date, got {value!r}").format(name=name, value=value)
        )
    return value


def _require_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise InvalidInputError(
            _("a period must be a positive number of days, got {days!r}").format(days=days)
        )
    return days


def is_working_day(day: dt.date) -> bool:
    """Whether ``day`` is a working day in mainland China.

    Weekends are rest days unless they are make-up working days (调休上班); public holidays and
    their arranged days off are rest days. Outside :func:`covered_years`, Monday-Friday.
    """
    _require_date(day, "day")
    if not calendar_covers(day.year):
        return day.weekday() < _SATURDAY
    return _calendar(day.year).is_working_day(day)


def period_end(start: dt.date, days: int) -> dt.date:
    """The last day of a period of ``days`` days triggered on ``start``.

    ``start`` itself is not counted; a last day that is a rest day moves to the next working day.
    """
    _require_date(start, "start")
    _require_days(days)
    end = start + dt.timedelta(days=days)
    while not is_working_day(end):
        end += _ONE_DAY
    return end


def is_late(start: dt.date, days: int, done: dt.date) -> bool:
    """Whether an act done on ``done`` misses the period of ``days`` days triggered on ``start``."""
    _require_date(done, "done")
    due = period_end(start, days)
    if done < start:
        raise InvalidInputError(
            _("done ({done}) is before the triggering day ({start})").format(done=done, start=start)
        )
    return done > due


class PeriodStatus(StrEnum):
    """Where a period stands on a given day."""

    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE_IN_TIME = "done_in_time"
    DONE_LATE = "done_late"


@dataclass(frozen=True)
class Period:
    """A legal period: ``days`` days triggered on ``start``, under ``article`` (e.g. "Art. 12")."""

    start: dt.date
    days: int
    article: str

    def __post_init__(self) -> None:
        _require_date(self.start, "start")
        _require_days(self.days)

    @property
    def due(self) -> dt.date:
        """The last day of the period (after moving off rest days)."""
        return period_end(self.start, self.days)

    @property
    def provisional(self) -> bool:
        """True when the due day was judged by weekends only (year outside the calendar)."""
        return not calendar_covers(self.due.year)

    def status(self, on: dt.date, done: dt.date | None = None, soon_days: int = 3) -> PeriodStatus:
        """The status as of ``on``.

        ``done`` is the day the act was done; a ``done`` later than ``on`` has not happened yet as
        of ``on`` and is ignored. Without it the period is OVERDUE once ``on`` is past the due
        day, DUE_SOON when the due day is at most ``soon_days`` calendar days away (the due day
        itself included), OPEN otherwise.
        """
        _require_date(on, "on")
        if isinstance(soon_days, bool) or not isinstance(soon_days, int) or soon_days < 0:
            raise InvalidInputError(
                _("soon_days must be a non-negative number, got {soon_days!r}").format(
                    soon_days=soon_days
                )
            )
        if done is not None:
            _require_date(done, "done")
            if done < self.start:
                raise InvalidInputError(
                    _("done ({done}) is before the triggering day ({start})").format(
                        done=done, start=self.start
                    )
                )
        due = self.due
        if done is not None and done <= on:
            return PeriodStatus.DONE_LATE if done > due else PeriodStatus.DONE_IN_TIME
        if on > due:
            return PeriodStatus.OVERDUE
        if (due - on).days <= soon_days:
            return PeriodStatus.DUE_SOON
        return PeriodStatus.OPEN
