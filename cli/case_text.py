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
from cli.terminal import measures_text, table
from ledger.i18n import _, bracketed, enumerated, listed, pgettext
from projections.labels import KEY_STATUS_LABELS, STEP_LABELS

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from projections.models import CaseState, Decision, Party, TimelineEntry


def show_case(case_no: str) -> None:
    p = open_projections(settings().open(signed=False))
    state = p.case_state(case_no)
    emit(asdict(state), lambda: case_text(state))


def case_text(c: CaseState) -> str:
    """The case as an official reads it: the facts, then each party's path through it."""
    from ledger.domain.regulation import IN_FORCE_FROM

    status = c.status_label + (f" {c.closed_on}" if c.closed_on else "")
    art8 = (
        _("lifetime accountability (终身责任追究, Art. 8)")
        if c.lifetime
        else _("incident before {IN_FORCE_FROM}: outside Art. 8 lifetime accountability").format(
            IN_FORCE_FROM=IN_FORCE_FROM
        )
    )
    out = [
        _("Case {case_no}  [{status}]").format(case_no=c.case_no, status=status),
        _("Incident {incident_date} · opened {opened_on} by {opening_authority} · {art8}").format(
            incident_date=c.incident_date,
            opened_on=c.opened_on,
            opening_authority=c.opening_authority,
            art8=art8,
        ),
        _("Grounds (Art. 4):"),
        *(f"  {g.label}" + (f" — {g.results_label}" if g.results_label else "") for g in c.grounds),
    ]
    if c.other_regulation:
        out.append(
            _("  Other regulation relied on: {other_regulation}").format(
                other_regulation=c.other_regulation
            )
        )
    if c.consequence_label is not None:  # a case recorded before results per ground
        out.append(_("Consequence (one for the case): {label}").format(label=c.consequence_label))
    out.append(_("Facts: {facts}").format(facts=c.facts))
    if c.objections:
        out.append(_("Overruled objections (Art. 5: no leadership responsibility):"))
        out += [
            _("  {personnel_no} on {on}: {text}").format(
                personnel_no=o.personnel_no, on=o.on, text=o.text
            )
            for o in c.objections
        ]
    if c.parties:
        out += [
            "",
            _("Parties (Art. 5):"),
            table(
                [
                    _("party"),
                    _("name"),
                    _("responsibility"),
                    _("team role"),
                    _("measures in force"),
                ],
                [
                    (
                        f"{x.party_type_label} {x.code}",
                        x.name,
                        x.responsibility_label,
                        x.team_role_label,
                        measures_text(x.measures_in_force),
                    )
                    for x in c.parties
                ],
            ),
        ]
    for party in c.parties:
        out += ["", *_party_lines(party)]
    if c.close_summary:
        out += [
            "",
            _("Closed {closed_on}: {close_summary}").format(
                closed_on=c.closed_on, close_summary=c.close_summary
            ),
        ]
    if c.next_due is not None:
        step = STEP_LABELS.get(c.next_due_step or "", c.next_due_step or "")
        out += ["", _("Next deadline: {next_due} {step}").format(next_due=c.next_due, step=step)]
    return "\n".join(out)


def _party_lines(x: Party) -> list[str]:
    out = [
        f"{x.party_type_label} {x.code} {x.name} — "
        + (
            bracketed(x.responsibility_label, x.team_role_label)
            if x.team_role_label
            else x.responsibility_label
        )
    ]
    alone = _(" · decided alone (个人决定)") if x.individual_decision else ""
    out.append(_("  finding {assigned_on}{alone}").format(assigned_on=x.assigned_on, alone=alone))
    heard = enumerated(d.isoformat() for d in x.hearings) or (
        _("not needed (no responsibility)")
        if x.responsibility == "none"
        else _("not yet (Art. 9: required before a decision)")
    )
    out.append(_("  statement and defence heard: {heard}").format(heard=heard))
    for d in x.decisions:
        out += _decision_lines(d)
    if x.referral:
        r = x.referral
        out.append(
            _("  referred {on} to {organ} (移送司法机关): {reason}").format(
                on=r.on, organ=r.organ, reason=r.reason
            )
        )
    return out


def _decision_lines(d: Decision) -> list[str]:
    measures = measures_text(d.measures)
    if d.sanction:
        measures = bracketed(measures, d.sanction)
    if d.severity_label:
        measures = d.severity_label + pgettext("separator", ": ") + measures
    out = [
        _("  《责任追究决定书》 {number} of {decided_on} [{status_label}]: {measures}").format(
            number=d.number, decided_on=d.decided_on, status_label=d.status_label, measures=measures
        ),
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
        out.append(
            _("    in force now: {measures}").format(measures=measures_text(d.measures_in_force))
        )
    a = d.announcement
    if a is None:
        out.append(
            _("    announcement due by {announce_due} (Art. 11): not yet").format(
                announce_due=d.announce_due
            )
        )
    else:
        late = _(" — LATE, due {due}").format(due=a.due) if a.overdue else ""
        out.append(_("    announced {on} to {to}{late}").format(on=a.on, to=a.to, late=late))
    if d.file_entry:
        f = d.file_entry
        out.append(
            _("    personnel file (人事档案): {on}, {file_ref}, kept by {custodian}").format(
                on=f.on, file_ref=f.file_ref, custodian=f.custodian
            )
        )
    if d.received_on:
        out.append(
            _("    received {received_on}; appeal possible until {appeal_due} (Art. 12)").format(
                received_on=d.received_on, appeal_due=d.appeal_due
            )
        )
    if d.appeal:
        ap = d.appeal
        out.append(
            _("    appeal filed {filed_on}: {text}").format(filed_on=ap.filed_on, text=ap.text)
        )
        if ap.outcome is None:
            out.append(
                _("    appeal decision due by {decision_due} (Art. 12): pending").format(
                    decision_due=ap.decision_due
                )
            )
        else:
            late = (
                _(" — LATE, due {decision_due}").format(decision_due=ap.decision_due)
                if ap.overdue
                else ""
            )
            new = (
                _("; now {measures}").format(measures=measures_text(ap.new_measures))
                if ap.new_measures
                else ""
            )
            out.append(
                _("    appeal decided {decided_on}: {outcome_label}{new}{late} — {reason}").format(
                    decided_on=ap.decided_on,
                    outcome_label=ap.outcome_label,
                    new=new,
                    late=late,
                    reason=ap.reason,
                )
            )
    return out


#: The timeline's rows as csv, tsv and markdown carry them (``--format``).
TIMELINE_COLUMNS = (
    Column("position", _("position")),
    Column("business_date", _("date")),
    Column("event_label", _("event")),
    Column("party_code", _("party")),
    Column("key_holder", _("signed by")),
    Column("key_id", _("key")),
    Column("key_status_then", _("key status"), lambda v: KEY_STATUS_LABELS.get(v, v)),
    Column("key_status_now", _("key status now"), lambda v: KEY_STATUS_LABELS.get(v, v)),
    Column("recorded_at", pgettext("timestamp", "recorded"), lambda t: t.isoformat()),
    Column("recorded_on", _("recorded on")),
    Column("days_recorded_late", _("days recorded late")),
    Column("days_overdue_on_record", _("days overdue on record")),
    Column("clock_behind", _("clock behind")),
    Column("summary", _("what changed")),
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
    return _("{then}, now {get}").format(
        then=then, get=KEY_STATUS_LABELS.get(e.key_status_now, e.key_status_now)
    )


def _attention(e: TimelineEntry) -> str | None:
    """A line signed by a key revoked since is shown in the revoked colour."""
    return "revoked" if e.key_status_now == "revoked" else None


def _recorded(e: TimelineEntry) -> str:
    """The recorded date (Asia/Shanghai), with how many days after the business date when
    that is late (ledger.domain.recorded_time); never before an event earlier in the log."""
    late = e.days_recorded_late
    notes = [_("{days} days later").format(days=late)] if late is not None else []
    notes += [_("signed time earlier: clock set back")] if e.clock_behind else []
    return bracketed(str(e.recorded_on), listed(notes)) if notes else str(e.recorded_on)


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
        case_no=case_no, view=listed(views) if views else _("timeline")
    )
    rows = [
        (
            e.business_date,
            _recorded(e),
            e.event_label,
            bracketed(e.key_holder, e.key_id),
            _key_status(e),
            e.summary,
        )
        for e in entries
    ]
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
