"""Handlers of the commands of an accountability case, one per step of the Measures (Art.
4-12), each calling the application and returning data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger.application import LedgerApplication
from ledger.commands.fields import Fields, Outcome, _late, _measure_labels, _measures, _party, _who
from ledger.domain.case_rules import TeamMember, decided_party, required_told
from ledger.domain.case_state import Appeal, Decision, party_key
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.periods import REST_DAY_NOTE
from ledger.domain.regulation import (
    APPEAL_WITHIN_DAYS,
    IN_FORCE_FROM,
    AppealOutcome,
    PartyType,
    Responsibility,
    ResultElement,
    TeamRole,
    ground_label,
)
from ledger.i18n import N_, _, listed


def _decision(app: LedgerApplication, case_no: str, party_type: PartyType, code: str) -> Decision:
    """The party's latest decision, as just recorded."""
    return decided_party(app.case(case_no).state, party_type.value, code)[1]


def _appeal(app: LedgerApplication, case_no: str, party_type: PartyType, code: str) -> Appeal:
    appeal = _decision(app, case_no, party_type, code).appeal
    assert appeal is not None  # recorded by the command that just ran
    return appeal


def _step(
    case_no: str, party_type: PartyType, code: str, on: dt.date, **more: Any
) -> dict[str, Any]:
    """What a step on a party reports as data: the case, the party and the date, then its own."""
    return {"case_no": case_no, "party": _party(party_type, code), "on": on, **more}


def _duty(on: dt.date, due: dt.date) -> dict[str, Any]:
    """A step with a period (Art. 11, 12): when it was due, and whether it was done late."""
    return {"due": due, "overdue": on > due}


def case_open(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    incident, opened = f.date("incident_date"), f.date("opened_on")
    grounds = f.grounds()
    results = f.results()
    facts = f.text("facts")
    other = f.text("other_regulation", required=False)
    f.done()
    app.open_case(case_no, incident, grounds, facts, opened, results, other)
    lifetime = incident >= IN_FORCE_FROM
    warnings: tuple[str, ...] = ()
    if not lifetime:
        warnings = (
            _(
                "the incident of {incident} precedes {IN_FORCE_FROM}: recorded, but "
                "outside Art. 8 lifetime accountability (终身责任追究)"
            ).format(incident=incident, IN_FORCE_FROM=IN_FORCE_FROM),
        )
    recorded = app.case(case_no).results or {}
    cited = [
        f"  {ground_label(g)}" + _results_text(recorded.get(str(g), [])) for g in sorted(grounds)
    ]
    return Outcome(
        "case open",
        "\n".join(
            [
                _(
                    "Case {case_no} opened on {opened}, incident {incident}; grounds (Art. 4):"
                ).format(case_no=case_no, opened=opened, incident=incident),
                *cited,
            ]
        ),
        {
            "case_no": case_no,
            "incident_date": incident,
            "opened_on": opened,
            "grounds": sorted(grounds),
            "results": recorded,
            "lifetime": lifetime,
        },
        warnings,
    )


def _results_text(results: list[str]) -> str:
    """The results recorded for a ground (Art. 4), in the text's words."""
    return f" — {'、'.join(ResultElement(r).label for r in results)}" if results else ""


def case_assign(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    default = Responsibility.COLLECTIVE if party_type is PartyType.UNIT else None
    responsibility = f.enum("responsibility", Responsibility, default)
    on = f.date("on")
    individual = f.flag("individual_decision")
    f.done()
    app.assign(case_no, party_type, code, responsibility, on, individual)
    return Outcome(
        "case assign",
        _("Case {case_no}: {who} bears {label} (Art. 5)").format(
            case_no=case_no, who=_who(party_type, code), label=responsibility.label
        ),
        {
            "case_no": case_no,
            "party": _party(party_type, code),
            "responsibility": responsibility.value,
            "on": on,
            "individual_decision": individual,
        },
    )


def case_objection(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    _unused, person = f.party(allow_unit=False)
    on, text, at_hearing = f.date("on"), f.text("text"), f.flag("at_hearing")
    f.done()
    app.record_objection(case_no, person, on, text, at_hearing)
    where = _(", stated at the hearing (Art. 9),") if at_hearing else ""
    return Outcome(
        "case objection",
        _(
            "Case {case_no}: objection of {person} of {on}{where} recorded; if "
            "overruled they bear no leadership responsibility (Art. 5)"
        ).format(case_no=case_no, person=person, on=on, where=where),
        {"case_no": case_no, "person": person, "on": on, "at_hearing": at_hearing},
    )


def case_correct_finding(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party(allow_unit=False)
    responsibility = f.enum("responsibility", Responsibility)
    on, reason = f.date("on"), f.text("reason")
    f.done()
    app.correct_finding(case_no, party_type, code, responsibility, on, reason)
    return Outcome(
        "case correct-finding",
        _(
            "Case {case_no}: finding for {who} corrected on {on} to {label} "
            "({value}): {reason} (Art. 5)"
        ).format(
            case_no=case_no,
            who=_who(party_type, code),
            on=on,
            label=responsibility.label,
            value=responsibility.value,
            reason=reason,
        ),
        _step(case_no, party_type, code, on, responsibility=responsibility.value, reason=reason),
    )


def case_assign_team(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    unit = f.text("unit")
    members = [TeamMember(p, TeamRole.PRINCIPAL_HEAD) for p in f.texts("head")]
    members += [TeamMember(p, TeamRole.LEADER_IN_CHARGE) for p in f.texts("in_charge")]
    members += [TeamMember(p, TeamRole.MEMBER) for p in f.texts("member")]
    members += [TeamMember(p, TeamRole.MEMBER, participated=False) for p in f.texts("absent")]
    on = f.date("on")
    f.done()
    app.assign_team(case_no, unit, members, on)
    case = app.case(case_no)
    derived: list[dict[str, Any]] = []
    for m in members:
        p = case.parties[party_key(PartyType.PERSON.value, m.personnel_no)]
        derived.append(
            {
                "personnel_no": m.personnel_no,
                "team_role": m.role.value,
                "participated": m.participated,
                "responsibility": p.responsibility,
            }
        )
    lines = listed(
        f"{d['personnel_no']} {Responsibility(d['responsibility']).label}" for d in derived
    )
    return Outcome(
        "case assign-team",
        _("Case {case_no}: unit {unit} bears 集体责任; {lines} (Art. 5)").format(
            case_no=case_no, unit=unit, lines=lines
        ),
        {"case_no": case_no, "unit": unit, "on": on, "members": derived},
    )


def case_hear(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, statement = f.date("on"), f.text("statement")
    f.done()
    app.hear(case_no, party_type, code, on, statement)
    return Outcome(
        "case hear",
        _(
            "Case {case_no}: statement and defence (说明和申辩) of {who} heard on {on} (Art. 9)"
        ).format(case_no=case_no, who=_who(party_type, code), on=on),
        _step(case_no, party_type, code, on),
    )


def case_decide(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    measures = _measures(f, party_type) or Measures(())
    document = DecisionDocument(
        number=f.text("number", required=False),
        decided_on=f.date("on", aliases=("date",)),
        facts=f.text("facts", required=False),
        basis=f.text("basis", required=False),
        measures=measures,
        approving_authority=f.text("approving_authority", required=False),
        effective_date=f.optional_date("effective_date"),
        appeal_authority=f.text("appeal_authority", required=False),
        appeal_period_days=f.integer("appeal_period_days", APPEAL_WITHIN_DAYS),
    )
    f.done()
    app.decide(case_no, party_type, code, document)
    due = _decision(app, case_no, party_type, code).announce_due
    return Outcome(
        "case decide",
        _(
            "Case {case_no}: 《责任追究决定书》 {number} for {who}: {measure_labels}; "
            "announce by {due} (Art. 11; {REST_DAY_NOTE})"
        ).format(
            case_no=case_no,
            number=document.number,
            who=_who(party_type, code),
            measure_labels=_measure_labels(measures),
            due=due,
            REST_DAY_NOTE=_(REST_DAY_NOTE),
        ),
        {
            "case_no": case_no,
            "party": _party(party_type, code),
            "number": document.number,
            "on": document.decided_on,
            "measures": [m.value for m in measures.measures],
            "severity": measures.severity.value if measures.severity else None,
            "sanction": measures.sanction,
            "announce_due": due,
        },
    )


def case_announce(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, to = f.date("on"), f.text("to")
    told = f.texts("told") or list(required_told(party_type))
    f.done()
    app.announce(case_no, party_type, code, on, to, told)
    due = _decision(app, case_no, party_type, code).announce_due
    warnings = _late(N_("announced"), on, "Art. 11", due)
    return Outcome(
        "case announce",
        _("Case {case_no}: decision for {who} announced on {on} to {to} (Art. 11)").format(
            case_no=case_no, who=_who(party_type, code), on=on, to=to
        ),
        _step(case_no, party_type, code, on, told=sorted(told), **_duty(on, due)),
        warnings,
    )


def case_file(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    _unused, person = f.party(allow_unit=False)
    on, ref, custodian = f.date("on"), f.text("file_ref"), f.text("custodian")
    f.done()
    app.enter_in_file(case_no, person, on, ref, custodian)
    return Outcome(
        "case file",
        _(
            "Case {case_no}: materials entered in the personnel file (人事档案) of "
            "{person} on {on}, ref {ref}, kept by {custodian} (Art. 11)"
        ).format(case_no=case_no, person=person, on=on, ref=ref, custodian=custodian),
        {"case_no": case_no, "person": person, "on": on, "file_ref": ref, "custodian": custodian},
    )


def case_receive(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on = f.date("on")
    f.done()
    app.receive(case_no, party_type, code, on)
    return _period_starts(
        "case receive",
        _(
            "Case {case_no}: {who} received the decision on {on}; a written appeal "
            "may be lodged until {due} (Art. 12; {REST_DAY_NOTE})"
        ),
        case_no,
        party_type,
        code,
        on,
        appeal_due=_decision(app, case_no, party_type, code).appeal_due,
    )


def case_appeal(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, text = f.date("on"), f.text("text")
    f.done()
    app.appeal(case_no, party_type, code, on, text)
    return _period_starts(
        "case appeal",
        _(
            "Case {case_no}: written appeal (书面申诉) of {who} filed on {on}; to be "
            "decided by {due} ({REST_DAY_NOTE}); the measures stay in force "
            "meanwhile (Art. 12)"
        ),
        case_no,
        party_type,
        code,
        on,
        decision_due=_appeal(app, case_no, party_type, code).decision_due,
    )


def _period_starts(
    command: str,
    message: str,
    case_no: str,
    party_type: PartyType,
    code: str,
    on: dt.date,
    **due: dt.date | None,
) -> Outcome:
    """A step on a party that starts an Art. 12 period: ``due`` is the period's last day,
    under its name in the data; ``message`` may name the case, the party (``who``), the day,
    that ``due`` day and how periods are counted (``REST_DAY_NOTE``)."""
    ((_name, last_day),) = due.items()
    return Outcome(
        command,
        message.format(
            case_no=case_no,
            who=_who(party_type, code),
            on=on,
            due=last_day,
            REST_DAY_NOTE=_(REST_DAY_NOTE),
        ),
        _step(case_no, party_type, code, on, **due),
    )


def case_appeal_decide(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on = f.date("on")
    outcome = f.enum("outcome", AppealOutcome)
    reason = f.text("reason")
    measures = _measures(f, party_type)
    f.done()
    app.decide_appeal(case_no, party_type, code, on, outcome, reason, measures)
    due = _appeal(app, case_no, party_type, code).decision_due
    warnings = _late(N_("appeal decided"), on, "Art. 12", due)
    now = (
        _(", now {measures}").format(measures=_measure_labels(measures))
        if measures is not None
        else ""
    )
    summary = _("Case {case_no}: appeal of {who} decided on {on}: {outcome}{now} (Art. 12)").format(
        case_no=case_no, who=_who(party_type, code), on=on, outcome=outcome.label, now=now
    )
    return Outcome(
        "case appeal-decide",
        summary,
        _step(
            case_no,
            party_type,
            code,
            on,
            outcome=outcome.value,
            measures=[m.value for m in measures.measures] if measures else None,
            **_duty(on, due),
        ),
        warnings,
    )


def case_refer(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, organ, reason = f.date("on"), f.text("organ"), f.text("reason")
    f.done()
    app.refer(case_no, party_type, code, on, organ, reason)
    return Outcome(
        "case refer",
        _("Case {case_no}: {who} referred to {organ} on {on} (移送司法机关, Art. 7)").format(
            case_no=case_no, who=_who(party_type, code), organ=organ, on=on
        ),
        _step(case_no, party_type, code, on, organ=organ),
    )


def case_notify_appeal(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, to = f.date("on"), f.text("to")
    told = f.texts("told") or list(required_told(party_type))
    f.done()
    app.notify_appeal_decision(case_no, party_type, code, on, to, told)
    due = _appeal(app, case_no, party_type, code).decision_due
    warnings = _late(N_("told"), on, "Art. 12", due)
    return Outcome(
        "case notify-appeal",
        _(
            "Case {case_no}: appeal decision for {who} told in writing on {on} to {to} (Art. 12)"
        ).format(case_no=case_no, who=_who(party_type, code), on=on, to=to),
        _step(case_no, party_type, code, on, told=sorted(told), **_duty(on, due)),
        warnings,
    )


def case_reopen(app: LedgerApplication, f: Fields) -> Outcome:
    case_no, on, reason = f.text("case_no"), f.date("on"), f.text("reason")
    f.done()
    app.reopen_case(case_no, on, reason)
    return Outcome(
        "case reopen",
        _("Case {case_no} reopened on {on}: {reason}").format(
            case_no=case_no, on=on, reason=reason
        ),
        {"case_no": case_no, "on": on, "reason": reason},
    )


def case_close(app: LedgerApplication, f: Fields) -> Outcome:
    case_no, on, summary = f.text("case_no"), f.date("on"), f.text("summary")
    f.done()
    app.close_case(case_no, on, summary)
    return Outcome(
        "case close",
        _(
            "Case {case_no} closed on {on} (已结案); it takes no further events unless reopened"
        ).format(case_no=case_no, on=on),
        {"case_no": case_no, "on": on},
    )
