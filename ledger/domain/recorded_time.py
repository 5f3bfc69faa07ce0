"""Two times of every event (issue 13, "honest time"; DESIGN, "Day periods").

* The **business date**: the Asia/Shanghai calendar day the act happened, as the official gave
  it (``--on``, the decision date, the opening date). The Measures' periods run on it
  (Art. 11, 12): a step is **done late** when its business date is after its legal due date.
* The **recorded time**: when the event was appended, from the recording workstation's clock,
  inside the signed event (the ``timestamp`` every event carries). Its Asia/Shanghai calendar
  day is the **recorded date**, so that both dates are counted on the same calendar.

A step is **recorded late** when its recorded date is more than :data:`RECORDED_LATE_AFTER_DAYS`
calendar days after its business date: entering records of past years is allowed (DESIGN), and
always visible. A step with a legal due date that was recorded after that date left the ledger
showing it **overdue** from the day after the due date until the day it was recorded, whatever
business date it gives: backdating a record never removes that.

The log order, not the recorded time, is what the Merkle tree and the checkpoints protect; a
recorded time is the signer's claim. ``verify`` therefore reports recorded times that run
backwards along the log by more than :data:`CLOCK_TOLERANCE` as warnings
(:mod:`ledger.audit.clock`), and "what was on record on a day" is always a prefix of the log.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ledger.i18n import _, ngettext

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A step recorded more than this many calendar days after its business date is recorded late.
#: A convention of this software, not of the Measures: a week covers the ordinary lag between
#: an act on paper and its entry.
RECORDED_LATE_AFTER_DAYS = 7
#: How far a recorded time may fall behind an earlier one in the log before ``verify`` warns:
#: events are stamped when a command runs and appended when its transaction commits, so two
#: workstations (or one long import batch) interleave by seconds to minutes.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


def recorded_on(moment: dt.datetime) -> dt.date:
    """The recorded date: the Asia/Shanghai calendar day of a recorded time."""
    if moment.tzinfo is None:  # the library stamps UTC; a naive stamp is read as UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in Asia/Shanghai: "on record on D" is recorded before it."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), SHANGHAI)


def days_recorded_late(business: dt.date, recorded: dt.date) -> int | None:
    """Days from the business date to the recorded date when that is more than
    :data:`RECORDED_LATE_AFTER_DAYS`; None when the step was recorded in time."""
    days = (recorded - business).days
    return days if days > RECORDED_LATE_AFTER_DAYS else None


def days_after(due: dt.date | None, day: dt.date) -> int | None:
    """Days ``day`` falls after a legal due date (Art. 11, 12); None when on or before it."""
    if due is None or day <= due:
        return None
    return (day - due).days


def span(delta: dt.timedelta) -> str:
    """A duration as people say it: "3 days 2 h 5 min", "7 min 30 s"."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [
        ngettext("{n} day", "{n} days", days).format(n=days) if days else "",
        _("{n} h").format(n=hours) if hours else "",
        _("{n} min").format(n=minutes) if minutes else "",
        _("{n} s").format(n=secs) if secs and not days else "",
    ]
    return " ".join(p for p in parts if p) or _("{n} s").format(n=0)
