"""A case's timeline, replayed from its own events.

For each event of the case: when it happened (the business date the official gave), when it
was recorded (the event's signed timestamp, and its Asia/Shanghai day), whether it was recorded
late or overdue until recorded (:mod:`projections.lateness`), who signed it and whether that
key was valid at that log position and is now, and what changed, in one line. The events come
checked (:mod:`projections.trusted`): nothing here reads a view table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from ledger.domain.regulation import AppealOutcome, Consequence
from ledger.i18n import _, article_label, pgettext
from projections import labels
from projections.lateness import Timing, party_of, timings
from projections.models import TimelineEntry
from projections.replay import CaseEvent
from projections.values import grounds

Payload = dict[str, Any]
Row = dict[str, Any]


def _d(marker: Any) -> str:
    return str(marker["_data_"])


def _who(d: Payload, type_field: str = "party_type", code_field: str = "party_code") -> str:
    return f"{labels.party_type_label(d[type_field])} {d[code_field]}"


def _measures(codes: Sequence[str]) -> str:
    return "、".join(labels.measure_label(m) for m in codes)


def _late(d: Payload, article: str) -> str:
    return (
        _(" — LATE, due {d} ({article})").format(d=_d(d["due"]), article=article_label(article))
        if d.get("overdue")
        else ""
    )


def _told(d: Payload) -> str:
    told = d.get("told")
    if not told:
        return ""
    return _(" (told: {told})").format(told="、".join(labels.TOLD_LABELS.get(t, t) for t in told))


def _opened(d: Payload) -> str:
    """The grounds in their full wording (Art. 4), each with its recorded results; a case of
    an older ledger shows the one consequence it recorded."""
    cited = "；".join(
        g.label + (f"（{g.results_label}）" if g.results_label else "")
        for g in grounds(d["grounds"], d.get("results"))
    )
    if d.get("results") is None:
        cited += f"；{Consequence(d.get('consequence', 'none')).label}"
    lifetime = "" if d["lifetime"] else _("; incident before 2016-06-23, outside Art. 8")
    opened = _("case {case_no} opened by {authority} on Art. 4 grounds {cited}")
    return opened.format(case_no=d["case_no"], authority=d["opening_authority"], cited=cited) + (
        lifetime
    )


def _assigned(d: Payload) -> str:
    alone = _("; decided alone (个人决定或者批准)") if d.get("individual_decision") else ""
    resp = d["responsibility"]
    return _("{who} bears {responsibility}{alone}").format(
        who=_who(d),
        responsibility=labels.with_code(labels.responsibility_label(resp), resp),
        alone=alone,
    )


def _team(d: Payload) -> str:
    members = pgettext("separator", ", ").join(
        f"{m['personnel_no']} {labels.responsibility_label(m['responsibility'])}"
        for m in d["members"]
    )
    return _("单位 {unit_code} bears 集体责任 (collective); team: {members}").format(
        unit_code=d["unit_code"], members=members
    )


def _decided(d: Payload) -> str:
    doc = d["document"]
    return _("decision {number} for {who}: {measures}; announce by {d} (Art. 11)").format(
        number=doc["number"],
        who=_who(d),
        measures=_measures(doc["measures"]),
        d=_d(d["announce_due"]),
    )


def _appeal_decided(d: Payload) -> str:
    outcome = d["outcome"]
    text = _("appeal of {who} decided: {outcome}").format(
        who=_who(d), outcome=labels.with_code(AppealOutcome(outcome).label, outcome)
    )
    if d.get("measures"):
        text += _(", now {measures}").format(measures=_measures(d["measures"]["measures"]))
    return text + _late(d, "Art. 12")


SUMMARIES: dict[str, Callable[[Payload], str]] = {
    "Opened": _opened,
    "ResponsibilityAssigned": _assigned,
    "ObjectionRecorded": lambda d: (
        _("个人 {personnel_no} explicitly objected and was overruled (明确提出反对意见)").format(
            personnel_no=d["personnel_no"]
        )
        + (_(", stated at the hearing (Art. 9)") if d.get("at_hearing") else "")
    ),
    "FindingCorrected": lambda d: _(
        "finding for {who} corrected to {responsibility}: {reason}"
    ).format(
        who=_who(d),
        responsibility=labels.with_code(
            labels.responsibility_label(d["responsibility"]), d["responsibility"]
        ),
        reason=d["reason"],
    ),
    "TeamResponsibilityAssigned": _team,
    "DefenceHeard": lambda d: _("statement and defence (说明和申辩) of {who} heard").format(
        who=_who(d)
    ),
    "DecisionIssued": _decided,
    "DecisionAnnounced": lambda d: _("decision for {who} announced to {to}{told}{late}").format(
        who=_who(d), to=d["to"], told=_told(d), late=_late(d, "Art. 11")
    ),
    "PersonnelFileEntered": lambda d: _(
        "entered in the personnel file of 个人 {personnel_no} ({file_ref}, {custodian})"
    ).format(personnel_no=d["personnel_no"], file_ref=d["file_ref"], custodian=d["custodian"]),
    "DecisionReceived": lambda d: _(
        "{who} received the decision; may appeal until {d} (Art. 12)"
    ).format(who=_who(d), d=_d(d["appeal_due"])),
    "AppealFiled": lambda d: _(
        "{who} appealed in writing; measures stay in force; decision due {d} (Art. 12)"
    ).format(who=_who(d), d=_d(d["decision_due"])),
    "AppealDecided": _appeal_decided,
    "ReferredToJudicialOrgan": lambda d: _(
        "{who} referred to {organ} (移送司法机关): {reason}"
    ).format(who=_who(d), organ=d["organ"], reason=d["reason"]),
    "AppealDecisionNotified": lambda d: _(
        "appeal decision told in writing to {to}{told}{late}"
    ).format(to=d["to"], told=_told(d), late=_late(d, "Art. 12")),
    "Closed": lambda d: _("case closed (结案): {summary}").format(summary=d["summary"]),
    "Reopened": lambda d: _("case reopened (重新办理): {reason}").format(reason=d["reason"]),
}


def key_status_at(key: Row | None, position: int) -> str:
    """A key's status at a log position: active from its registration up to and including
    the event that rotated or revoked it (that event may be signed by the key itself)."""
    if key is None or position < key["registered_at"]:
        return "unregistered"
    if key["ended_at"] is None or position <= key["ended_at"]:
        return "active"
    return str(key["status"])


def entries(
    events: Sequence[CaseEvent],
    keys: dict[str, Row],
    as_of: dt.date | None = None,
    business_as_of: dt.date | None = None,
) -> list[TimelineEntry]:
    """The case's events as timeline entries.

    ``as_of``: what was on record at the end of that day (Asia/Shanghai), by recorded time.
    What was on record on a day is a prefix of the log (nothing is ever inserted before an
    event), so the timeline stops at the first event recorded after that day: a later event
    whose clock was set back does not count as on record earlier (``verify`` warns of it).
    ``business_as_of``: only the events whose business date is on or before that day."""
    found = []
    for e, t in zip(events, timings(events), strict=True):
        d = e.payload
        if as_of is not None and t.recorded_on > as_of:  # the latest time so far: a prefix
            break
        if business_as_of is not None and t.business_date > business_as_of:
            continue
        key = keys.get(e.key_id)
        party_type, party_code = party_of(e.event, d)
        summary = SUMMARIES.get(e.event)
        found.append(
            TimelineEntry(
                position=e.position,
                business_date=t.business_date,
                recorded_at=t.recorded_at,
                event=e.event,
                event_label=labels.EVENT_LABELS.get(e.event, e.event),
                party_type=party_type,
                party_code=party_code,
                key_id=e.key_id,
                key_holder=key["holder"] if key else "",
                key_status_then=key_status_at(key, e.position),
                key_status_now=str(key["status"]) if key else "unregistered",
                summary=(summary(d) if summary else e.event) + _overdue_until_recorded(t),
                recorded_on=t.recorded_on,
                days_recorded_late=t.days_recorded_late,
                days_overdue_on_record=t.days_overdue_on_record,
                clock_behind=t.clock_behind,
            )
        )
    return found


def _overdue_until_recorded(t: Timing) -> str:
    """A step done in time by its business date but recorded after its due date."""
    if t.days_done_late is not None or t.days_overdue_on_record is None or t.step is None:
        return ""
    return _(" — overdue {days} days until recorded on {recorded} (due {due}, {article})").format(
        days=t.days_overdue_on_record,
        recorded=t.recorded_on,
        due=t.due,
        article=article_label(labels.STEP_ARTICLES[t.step]),
    )
