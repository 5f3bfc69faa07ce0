"""The legal periods a decision starts (Art. 11, 12), and where each stands.

* announcement — 30 days from the decision (Art. 11); done when announced; moot once the
  decision is revoked unannounced;
* appeal window — 15 days from receipt of the document (Art. 12); done when an appeal is
  filed, otherwise it simply lapses (nobody is late);
* appeal decision — 30 days from the appeal (Art. 12); done when decided;
* appeal notice — the written notice of the appeal decision (书面形式告知), part of the same
  30-day duty (Art. 12); open from the appeal until recorded;
* personnel file — for a person, the entry of the materials in the personnel file (Art. 11
  归入个人人事档案), owed from the announcement until recorded; the Measures set no period, so
  it is listed as outstanding, never as overdue.

``settled_on`` is the first day on which nobody waits on the period any more. The same rules
serve the deadline index the projection writes and the case state replayed from events.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import NamedTuple

from ledger.domain.case_state import REVOKED, Decision
from projections.event_dates import iso

ANNOUNCEMENT = "announcement"
APPEAL_WINDOW = "appeal_window"
APPEAL_DECISION = "appeal_decision"
APPEAL_NOTICE = "appeal_notice"
FILE_ENTRY = "file_entry"
#: the periods that are someone's duty (an unused appeal window is no one's fault)
DUTIES = (ANNOUNCEMENT, APPEAL_DECISION)
#: duties the Measures set no period for: listed while outstanding, never overdue
UNTIMED = (FILE_ENTRY,)
#: a settling day later than any real one: the period is still open
UNSETTLED = "9999-12-31"


class Dates(NamedTuple):
    """The business dates of one decision that its legal periods depend on (ISO text)."""

    decided_on: str
    announce_due: str
    announced_on: str | None = None
    revoked_on: str | None = None
    received_on: str | None = None
    appeal_due: str | None = None
    appeal_on: str | None = None
    decision_due: str | None = None
    appeal_decided_on: str | None = None
    #: later fields (older packed rows lack them: ``unpack`` leaves them None)
    appeal_notified_on: str | None = None
    #: a person's decision: the day the file-entry duty began (its announcement)
    file_from: str | None = None
    filed_on: str | None = None


class Step(NamedTuple):
    kind: str
    start: str
    due: str
    done_on: str | None
    ended_on: str | None
    settled_on: str | None

    def running_on(self, day: str) -> bool:
        return self.start <= day and (self.settled_on is None or self.settled_on > day)


@lru_cache(maxsize=4096)  # a rebuild asks it for every decision it writes; the days repeat
def _day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def steps(d: Dates) -> list[Step]:
    """Every legal period the decision has started so far, with where it stands."""
    announced = d.announced_on
    ended = d.revoked_on if announced is None else None
    found = [Step(ANNOUNCEMENT, d.decided_on, d.announce_due, announced, ended, announced or ended)]
    if d.received_on is not None and d.appeal_due is not None:
        closes = d.appeal_on or _day_after(d.appeal_due)
        found.append(Step(APPEAL_WINDOW, d.received_on, d.appeal_due, d.appeal_on, None, closes))
    if d.appeal_on is not None and d.decision_due is not None:
        found.append(
            Step(
                APPEAL_DECISION,
                d.appeal_on,
                d.decision_due,
                d.appeal_decided_on,
                None,
                d.appeal_decided_on,
            )
        )
        if d.appeal_decided_on is not None:
            found.append(
                Step(APPEAL_NOTICE, d.appeal_on, d.decision_due, d.appeal_notified_on, None,
                     d.appeal_notified_on)
            )  # fmt: skip
    if d.file_from is not None and d.revoked_on is None:
        found.append(Step(FILE_ENTRY, d.file_from, UNSETTLED, d.filed_on, None, d.filed_on))
    return found


def settled_from(d: Dates) -> str:
    """The day from which none of the decision's periods runs any more (for the index):
    ``max(step.settled_on for step in steps(d))``, computed without building the steps (the
    projection does this for every decision it writes; a test checks both agree)."""
    until = d.announced_on or d.revoked_on
    if until is None:
        return UNSETTLED
    if d.received_on is not None and d.appeal_due is not None:
        until = max(until, d.appeal_on or _day_after(d.appeal_due))
    if d.appeal_on is not None and d.decision_due is not None:
        if d.appeal_decided_on is None:
            return UNSETTLED
        if d.appeal_notified_on is None:
            return UNSETTLED
        until = max(until, d.appeal_decided_on, d.appeal_notified_on)
    if d.file_from is not None and d.revoked_on is None:
        if d.filed_on is None:
            return UNSETTLED
        until = max(until, d.filed_on)
    return until


def pack(d: Dates) -> str:
    """``Dates`` as one text column: comma-separated, empty for a date not yet known."""
    return ",".join([day or "" for day in d])


def unpack(text: str) -> Dates:
    """A packed row; one written before later fields existed leaves them None."""
    days = [day or None for day in text.split(",")]
    days += [None] * (len(Dates._fields) - len(days))
    return Dates._make(days)


def decision_dates(decision: Decision) -> Dates:
    """The dates of a decision in the domain's case state (the index and the reads; a rebuild
    asks it for every decision a page changed, so it is built in ``Dates`` order in one go)."""
    appeal, announcement, entry = decision.appeal, decision.announcement, decision.file_entry
    announced_on = iso(announcement.on) if announcement else None
    received, appeal_due = decision.received_on, decision.appeal_due
    if appeal is None:
        appeal_on = decision_due = decided = notified = None
    else:
        appeal_on, decision_due = iso(appeal.filed_on), iso(appeal.decision_due)
        decided = iso(appeal.decided_on) if appeal.decided_on else None
        notified = iso(appeal.notice.on) if appeal.notice else None
    return Dates._make(
        (
            iso(decision.decided_on),
            iso(decision.announce_due),
            announced_on,
            decided if decision.status == REVOKED else None,  # revoked_on
            iso(received) if received else None,  # received_on
            iso(appeal_due) if appeal_due else None,
            appeal_on,
            decision_due,
            decided,  # appeal_decided_on
            notified,  # appeal_notified_on
            announced_on if decision.person else None,  # file_from
            iso(entry.on) if entry else None,  # filed_on
        )
    )


def steps_of(decision: Decision) -> list[Step]:
    """Every legal period a decision of the case's state has started, with where it stands."""
    return steps(decision_dates(decision))
