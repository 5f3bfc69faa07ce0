"""When each step of a case happened, when it was recorded, and whether either was late.

From a case's checked events, in log order (issue 13, "honest time"; definitions in
:mod:`ledger.domain.recorded_time`):

* **done late** — the business date is after the legal due date the event carries: the
  announcement (Art. 11, 30 days), the appeal decision and its written notice (Art. 12,
  30 days). Days: business date − due date. The event's signed ``overdue`` flag says the same.
* **overdue until recorded** — the step has a due date and was recorded after it: until then
  the ledger showed it overdue, and a business date within the period does not undo that.
  Days: recorded date − due date.
* **recorded late** — recorded more than ``RECORDED_LATE_AFTER_DAYS`` days after its business
  date, whatever the step. Days: recorded date − business date.

The status names the first of these that holds. Everything here is read from the events' own
signed payloads (their dates and ``timestamp``); nothing from a view table.

Within a case the log order is the authority: an event cannot have been recorded before an
event that precedes it in the log. So the recorded date counted is that of the latest signed
time up to and including the event (:func:`timings`): a clock set back cannot make a step look
recorded in time (``verify`` names the event; :attr:`Timing.clock_behind` marks it here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.domain.recorded_time import days_after, days_recorded_late, recorded_on
from ledger.i18n import N_, _
from projections import labels
from projections.models import LateStep
from projections.replay import CaseEvent
from projections.steps import ANNOUNCEMENT, APPEAL_DECISION, APPEAL_NOTICE, FILE_ENTRY

Payload = dict[str, Any]
#: The events that complete a step with a legal due date, and that step.
TIMED_STEPS = {
    "DecisionAnnounced": ANNOUNCEMENT,
    "AppealDecided": APPEAL_DECISION,
    "AppealDecisionNotified": APPEAL_NOTICE,
}
#: Steps owed with no period (Art. 11 personnel file): only ever recorded late.
UNTIMED_STEPS = {"PersonnelFileEntered": FILE_ENTRY}
LATENESS_LABELS = {
    "done_late": N_("逾期完成 done late"),
    "overdue_until_recorded": N_("逾期后补录 overdue until recorded"),
    "recorded_late": N_("延迟录入 recorded late"),
}


def _day(marker: Any) -> dt.date:
    return dt.date.fromisoformat(str(marker["_data_"]))


def business_date(event: str, d: Payload) -> dt.date:
    """The day the act happened, as the official recorded it."""
    if event == "Opened":
        return _day(d["opened_on"])
    if event == "DecisionIssued":
        return _day(d["document"]["decided_on"])
    return _day(d["on"])


def recorded_at(d: Payload) -> dt.datetime:
    """The signed recorded time (UTC) of an event."""
    moment = dt.datetime.fromisoformat(str(d["timestamp"]["_data_"]))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def party_of(event: str, d: Payload) -> tuple[str | None, str | None]:
    """The party an event is about, if any: (party type, code)."""
    if "party_type" in d:
        return d["party_type"], d["party_code"]
    if "personnel_no" in d:
        return "person", d["personnel_no"]
    if event == "TeamResponsibilityAssigned":
        return "unit", d["unit_code"]
    return None, None


@dataclass(frozen=True)
class Timing:
    """The two dates of one event and what they say about lateness."""

    business_date: dt.date
    recorded_at: dt.datetime
    recorded_on: dt.date
    step: str | None
    due: dt.date | None
    days_done_late: int | None
    days_overdue_on_record: int | None
    days_recorded_late: int | None
    #: The event's signed time is earlier than that of an event before it in the case.
    clock_behind: bool = False

    @property
    def status(self) -> str | None:
        if self.days_done_late is not None:
            return "done_late"
        if self.days_overdue_on_record is not None:
            return "overdue_until_recorded"
        if self.days_recorded_late is not None:
            return "recorded_late"
        return None


def timings(events: Sequence[CaseEvent]) -> list[Timing]:
    """Each event's timing, in log order, counting the latest recorded time so far."""
    found = []
    latest: dt.datetime | None = None
    for e in events:
        d = e.payload
        on = business_date(e.event, d)
        at = recorded_at(d)
        behind = latest is not None and at < latest
        latest = at if latest is None or at > latest else latest
        day = recorded_on(latest)
        step = TIMED_STEPS.get(e.event) or UNTIMED_STEPS.get(e.event)
        due = _day(d["due"]) if e.event in TIMED_STEPS and d.get("due") else None
        found.append(
            Timing(
                on, at, day, step, due, days_after(due, on), days_after(due, day),
                days_recorded_late(on, day), behind,
            )
        )  # fmt: skip
    return found


def late_steps(case_no: str, events: Sequence[CaseEvent]) -> list[LateStep]:
    """The case's steps done late, overdue until recorded, or recorded late, in log order."""
    decisions: dict[tuple[str | None, str | None], str] = {}
    found = []
    for e, t in zip(events, timings(events), strict=True):
        party = party_of(e.event, e.payload)
        if e.event == "DecisionIssued":
            decisions[party] = str(e.payload["document"]["number"])
        if t.status is None:
            continue
        found.append(
            LateStep(
                case_no=case_no,
                party_type=party[0],
                party_code=party[1],
                decision_number=decisions.get(party) if t.step else None,
                event=e.event,
                event_label=labels.EVENT_LABELS.get(e.event, e.event),
                article=labels.STEP_ARTICLES[t.step] if t.step else None,
                business_date=t.business_date,
                due=t.due,
                recorded_at=t.recorded_at,
                recorded_on=t.recorded_on,
                days_done_late=t.days_done_late,
                days_overdue_on_record=t.days_overdue_on_record,
                days_recorded_late=t.days_recorded_late,
                status=t.status,
                status_label=_(LATENESS_LABELS[t.status]),
                clock_behind=t.clock_behind,
            )
        )
    return found
