"""A case and its timeline as the reader sees them: text, JSON or a table (``case show``,
``case timeline``), from the checked, signed events the read side returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from cli.common import emit, open_projections, settings
from cli.output import Column, show_report
from cli.terminal import table
from ledger.i18n import _
from projections.labels import KEY_STATUS_LABELS, STEP_LABELS

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from projections.models import CaseState, Decision, MeasureRef, Party, TimelineEntry


def show_case(case_no: str) -> None:
    p = open_projections(settings().open(signed=False))
    state = p.case_state(case_no)
    emit(asdict(state), lambda: case_text(state))


def _measures(refs: tuple[MeasureRef, ...]) -> str:
    return "、".join(m.label for m in refs) or "—"


def case_text(c: CaseState) -> str:
    """The case as an official reads it: the facts, then each party's path through it."""
    from ledger.domain.regulation import IN_FORCE_FROM

    status = c.status_label + (f" {c.closed_on}" if c.closed_on else "")
    art8 = (
        "lifetime accountability (终身责任追究, Art. 8)"
        if c.lifetime
        else f"incident before {IN_FORCE_FROM}: outside Art. 8 lifetime accountability"
    )
    out = [
        f"Case {c.case_no}  [{status}]",
        f"Incident {c.incident_date} · opened {c.opened_on} by {c.opening_authority} · {art8}",
        "Grounds (Art. 4):",
        *(f"  {g.label}" + (f" — {g.results_label}" if g.results_label else "")
          for g in c.grounds),
    ]  # fmt: skip
    if c.other_regulation:
        out.append(f"  Other regulation relied on: {c.other_regulation}")
    if c.consequence_label is not None:  # a case recorded before results per ground
        out.append(_("Consequence (one for the case): {label}").format(label=c.consequence_label))
    out.append(f"Facts: {c.facts}")
    if c.objections:
        out.append("Overruled objections (Art. 5: no leadership responsibility):")
        out += [f"  {o.personnel_no} on {o.on}: {o.text}" for o in c.objections]
    if c.parties:
        out += ["", "Parties (Art. 5):", table(
            ["party", "name", "responsibility", "team role", "measures in force"],
            [(f"{x.party_type_label} {x.code}", x.name, x.responsibility_label, x.team_role_label,
              _measures(x.measures_in_force)) for x in c.parties],
        )]  # fmt: skip
    for party in c.parties:
        out += ["", *_party_lines(party)]
    if c.close_summary:
        out += ["", f"Closed {c.closed_on}: {c.close_summary}"]
    if c.next_due is not None:
        step = STEP_LABELS.get(c.next_due_step or "", c.next_due_step or "")
        out += ["", f"Next deadline: {c.next_due} {step}"]
    return "\n".join(out)


def _party_lines(x: Party) -> list[str]:
    out = [f"{x.party_type_label} {x.code} {x.name} — {x.responsibility_label}"
           + (f" ({x.team_role_label})" if x.team_role_label else "")]  # fmt: skip
    alone = " · decided alone (个人决定)" if x.individual_decision else ""
    out.append(f"  finding {x.assigned_on}{alone}")
    heard = ", ".join(d.isoformat() for d in x.hearings) or (
        "not needed (no responsibility)" if x.responsibility == "none"
        else "not yet (Art. 9: required before a decision)"
    )  # fmt: skip
    out.append(f"  statement and defence heard: {heard}")
    for d in x.decisions:
        out += _decision_lines(d)
    if x.referral:
        r = x.referral
        out.append(f"  referred {r.on} to {r.organ} (移送司法机关): {r.reason}")
    return out


def _decision_lines(d: Decision) -> list[str]:
    measures = _measures(d.measures) + (f" ({d.sanction})" if d.sanction else "")
    if d.severity_label:
        measures = f"{d.severity_label}: {measures}"
    out = [
        f"  《责任追究决定书》 {d.number} of {d.decided_on} [{d.status_label}]: {measures}",
        _(
            "    approved by {approver}; in force from {since} (生效时间, Art. 10); appeal within "
            "{days} days to {authority}"
        ).format(
            approver=d.approving_authority,
            since=d.in_force_from,
            days=d.appeal_period_days,
            authority=d.appeal_authority,
        ),
    ]
    if d.status != "revoked" and not d.measures_in_force:
        out.append(
            _("    not yet in force: the measures apply from {since} (Art. 10)").format(
                since=d.in_force_from
            )
        )
    elif d.measures_in_force != d.measures:
        out.append(f"    in force now: {_measures(d.measures_in_force)}")
    a = d.announcement
    if a is None:
        out.append(f"    announcement due by {d.announce_due} (Art. 11): not yet")
    else:
        late = f" — LATE, due {a.due}" if a.overdue else ""
        out.append(f"    announced {a.on} to {a.to}{late}")
    if d.file_entry:
        f = d.file_entry
        out.append(f"    personnel file (人事档案): {f.on}, {f.file_ref}, kept by {f.custodian}")
    if d.received_on:
        out.append(f"    received {d.received_on}; appeal possible until {d.appeal_due} (Art. 12)")
    if d.appeal:
        ap = d.appeal
        out.append(f"    appeal filed {ap.filed_on}: {ap.text}")
        if ap.outcome is None:
            out.append(f"    appeal decision due by {ap.decision_due} (Art. 12): pending")
        else:
            late = f" — LATE, due {ap.decision_due}" if ap.overdue else ""
            new = f"; now {_measures(ap.new_measures)}" if ap.new_measures else ""
            out.append(f"    appeal decided {ap.decided_on}: {ap.outcome_label}{new}{late}"
                       f" — {ap.reason}")  # fmt: skip
    return out


#: The timeline's rows as csv, tsv and markdown carry them (``--format``).
TIMELINE_COLUMNS = (
    Column("position", "position"),
    Column("business_date", "date"),
    Column("event_label", "event"),
    Column("party_code", "party"),
    Column("key_holder", "signed by"),
    Column("key_id", "key"),
    Column("key_status_then", "key status", lambda v: KEY_STATUS_LABELS.get(v, v)),
    Column("key_status_now", "key status now", lambda v: KEY_STATUS_LABELS.get(v, v)),
    Column("recorded_at", "recorded", lambda t: t.isoformat()),
    Column("recorded_on", "recorded on"),
    Column("days_recorded_late", "days recorded late"),
    Column("days_overdue_on_record", "days overdue on record"),
    Column("clock_behind", "clock behind"),
    Column("summary", "what changed"),
)


def show_timeline(
    case_no: str,
    as_of: dt.date | None,
    business_as_of: dt.date | None = None,
    fmt: str | None = None,
) -> None:
    p = open_projections(settings().open(signed=False))
    entries = p.timeline(case_no, as_of, business_as_of)
    events = [asdict(e) for e in entries]
    show_report(
        fmt,
        {"case_no": case_no, "as_of": as_of, "business_as_of": business_as_of, "events": events},
        lambda: timeline_text(case_no, as_of, business_as_of, entries),
        events,
        TIMELINE_COLUMNS,
    )


def _key_status(e: TimelineEntry) -> str:
    then = KEY_STATUS_LABELS.get(e.key_status_then, e.key_status_then)
    if e.key_status_now == e.key_status_then:
        return then
    return f"{then}, now {KEY_STATUS_LABELS.get(e.key_status_now, e.key_status_now)}"


def _attention(e: TimelineEntry) -> str | None:
    """A line signed by a key revoked since is shown in the revoked colour."""
    return "revoked" if e.key_status_now == "revoked" else None


def _recorded(e: TimelineEntry) -> str:
    """The recorded date (Asia/Shanghai), with how many days after the business date when
    that is late (ledger.domain.recorded_time); never before an event earlier in the log."""
    late = e.days_recorded_late
    notes = [_("{days} days later").format(days=late)] if late is not None else []
    notes += [_("signed time earlier: clock set back")] if e.clock_behind else []
    return f"{e.recorded_on}" + (f" ({', '.join(notes)})" if notes else "")


def timeline_text(
    case_no: str,
    as_of: dt.date | None,
    business_as_of: dt.date | None,
    entries: Sequence[TimelineEntry],
) -> str:
    views = []
    if as_of:
        views.append(_("what was on record at the end of {day}").format(day=as_of))
    if business_as_of:
        views.append(_("events dated on or before {day}").format(day=business_as_of))
    head = _("Case {case_no}: {view}").format(
        case_no=case_no, view=", ".join(views) if views else _("timeline")
    )
    rows = [
        (e.business_date, _recorded(e), e.event_label, f"{e.key_holder} ({e.key_id})",
         _key_status(e), e.summary)
        for e in entries
    ]  # fmt: skip
    return (
        head
        + "\n"
        + table(
            [
                _("date"),
                _("recorded"),
                _("event"),
                _("signed by"),
                _("key status"),
                _("what changed"),
            ],
            rows,
            (_attention(e) for e in entries),
        )
    )
