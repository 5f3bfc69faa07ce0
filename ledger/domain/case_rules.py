"""The Measures' rules for an accountability case, each written once as a predicate over the
case's state (:class:`ledger.domain.case_state.CaseState`) before an event and that event's
fields: the write path runs them before it records (ledger.domain.case), the semantic audit
(ledger.audit.semantic) over every stored event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.domain.authority import (
    Context,
    check_management_authority,
    check_sanction_by_discipline_organ,
)
from ledger.domain.case_state import CLOSED, CaseState, Decision, Party, party_key
from ledger.domain.decision import DecisionDocument
from ledger.domain.ground_rules import check_consequence, check_grounds, check_results
from ledger.domain.regulation import (
    APPEAL_WITHIN_DAYS,
    Consequence,
    PartyType,
    Responsibility,
    TeamRole,
)
from ledger.errors import (
    AlreadyExistsError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)
from ledger.i18n import N_, NP_, _, pgettext

#: Art. 11/12: who is told of a decision or of an appeal decision. For a unit, the unit; for a
#: person, "被追究责任者本人及其所在单位" / "申诉人及其所在单位": both.
TOLD_PERSON = "person"


TOLD_UNIT = "unit"


def required_told(party_type: PartyType) -> tuple[str, ...]:
    return (TOLD_UNIT,) if party_type is PartyType.UNIT else (TOLD_PERSON, TOLD_UNIT)


@dataclass(frozen=True)
class TeamMember:
    """A member of the leadership team named in a collective-responsibility finding (Art. 5)."""

    personnel_no: str
    role: TeamRole
    participated: bool = True


Fields = Mapping[str, Any]


Rule = Callable[[CaseState, Fields, Context], None]


# the rules: one predicate per event, over the state before it ------------------------------
def check_opening(f: Fields) -> None:
    """The rules of an ``Opened`` event (no state before it)."""
    if f["opened_on"] < f["incident_date"]:
        raise InvalidInputError(
            _(
                "the case cannot be opened ({opened_on}) before the incident ({incident_date})"
            ).format(opened_on=f["opened_on"], incident_date=f["incident_date"])
        )
    check_grounds(f["grounds"], f["other_regulation"])
    if f.get("results") is not None:
        check_results(f["grounds"], f["results"])
    else:  # recorded before results were kept per ground
        check_consequence(f["grounds"], Consequence(f.get("consequence", Consequence.NONE)))


def check_event(case: CaseState, name: str, f: Fields, ctx: Context) -> None:
    """Every rule of the Measures for recording event ``name`` with fields ``f`` on ``case``
    as it stands; raises the typed error of the first rule broken."""
    if name != "Reopened" and case.status == CLOSED:
        raise closed_case_error(case)
    RULES[name](case, f, ctx)


def closed_case_error(case: CaseState) -> RuleViolationError:
    return RuleViolationError(
        "",
        _("closed case"),
        _("case {case_no} is closed (已结案); it takes no further events").format(
            case_no=case.case_no
        ),
        _("Reopen it with `case reopen --reason …` if there are new facts."),
    )


def _when(case: CaseState, on: dt.date, after: dt.date, what: str, after_what: str) -> None:
    if on < after:
        raise InvalidInputError(
            _("{what} on {on} cannot precede {after_what} on {after}").format(
                what=what, on=on, after_what=after_what, after=after
            )
        )


def existing_party(case: CaseState, party_type: PartyType, code: str) -> Party:
    """A party to the case (Art. 5: found responsible first)."""
    try:
        return case.parties[party_key(party_type.value, code)]
    except KeyError:
        raise NotFoundError(
            _(
                "{label} {code} is not a party to case {case_no}; assign responsibility first"
            ).format(label=party_type.label, code=code, case_no=case.case_no)
        ) from None


def _existing(case: CaseState, party_type: str, code: str) -> Party:
    return existing_party(case, PartyType(party_type), code)


def decided_party(
    case: CaseState, party_type: str, code: str, in_force: bool = False
) -> tuple[Party, Decision]:
    """The party and its latest decision (Art. 10: one must have been issued)."""
    p = _existing(case, party_type, code)
    label = PartyType(party_type).label
    if p.decision is None:
        raise RuleViolationError(
            "Art. 10",
            _("decision first"),
            _("no 《责任追究决定书》 has been issued to {label} {code} in case {case_no}").format(
                label=label, code=code, case_no=case.case_no
            ),
        )
    if in_force and p.decision.revoked:
        raise RuleViolationError(
            "Art. 12",
            _("revoked decision"),
            _(
                "the decision for {label} {code} in case {case_no} was revoked on "
                "appeal; it is neither announced nor entered in a personnel file"
            ).format(label=label, code=code, case_no=case.case_no),
        )
    return p, p.decision


def _check_told(party_type: str, told: Sequence[str] | None, article: str, what: str) -> None:
    """Art. 11/12: a unit is told; a person is told together with their unit."""
    if told is None:  # recorded before the recipients were recorded
        return
    missing = [t for t in required_told(PartyType(party_type)) if t not in told]
    N_("person"), N_("unit")  # the values of ``told``, shown translated
    if missing:
        whom = "本人及其所在单位" if party_type == PartyType.PERSON.value else "被追究责任的单位"
        raise RuleViolationError(
            article,
            _("{what} names who was told").format(what=_(what)),
            _("{what} is made to {whom}; the record does not say the {missing} was told").format(
                what=_(what), whom=whom, missing=_(" and the ").join(_(m) for m in missing)
            ),
        )


def _objector_leadership(case: CaseState, code: str, responsibility: str) -> None:
    """Art. 5 para. 3: an overruled objector bears no leadership responsibility."""
    if Responsibility(responsibility).is_leadership and code in case.objections:
        raise RuleViolationError(
            "Art. 5",
            _("overruled objection bears no leadership responsibility"),
            _(
                "cadre {code} explicitly objected to the wrong decision on {on} and was "
                "overruled; they bear no leadership responsibility (不承担领导责任)"
            ).format(code=code, on=case.objections[code].on),
        )


def _individual_or_collective(case: CaseState, team: bool) -> None:
    """Art. 5 para. 3: a wrong decision one member took or approved alone is that member's
    individual responsibility; it is not also derived collectively over the same matter."""
    alone = [p.code for p in case.parties.values() if p.individual_decision]
    derived = [p.code for p in case.parties.values() if p.team_role is not None]
    if team and alone:
        raise RuleViolationError(
            "Art. 5",
            _("individual decision excludes collective derivation"),
            _(
                "cadre {value} decided or approved alone (个人决定或者批准) in case {case_no}; "
                "that member bears the responsibility individually, not the team"
            ).format(value=alone[0], case_no=case.case_no),
        )
    if not team and derived:
        raise RuleViolationError(
            "Art. 5",
            _("individual decision excludes collective derivation"),
            _(
                "case {case_no} already derives collective responsibility of a team "
                "({join}); a decision taken alone is not also derived collectively"
            ).format(case_no=case.case_no, join=", ".join(derived)),
        )


def _rule_assigned(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5 (kinds of responsibility), Art. 6 (management authority)."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    responsibility = Responsibility(f["responsibility"])
    _when(case, f["on"], case.opened_on, "the finding", "the opening of the case")
    if ptype is PartyType.UNIT and responsibility is not Responsibility.COLLECTIVE:
        raise RuleViolationError(
            "Art. 5",
            _("units bear collective responsibility"),
            _("a unit bears collective responsibility (集体责任), not {label}").format(
                label=responsibility.label
            ),
        )
    if ptype is PartyType.UNIT and f["individual_decision"]:
        raise RuleViolationError(
            "Art. 5",
            _("individual decisions are taken by persons"),
            _(
                "a decision taken or approved by one team member alone (个人决定或者批准) is "
                "that member's responsibility, not a unit's"
            ),
        )
    if ptype is PartyType.PERSON and responsibility in (
        Responsibility.COLLECTIVE,
        Responsibility.NONE,
    ):
        raise RuleViolationError(
            "Art. 5",
            _("persons bear direct or leadership responsibility"),
            _("a person bears 直接责任, 主要领导责任 or 重要领导责任, not {label}").format(
                label=responsibility.label
            ),
        )
    if ptype is PartyType.PERSON:
        _objector_leadership(case, code, responsibility.value)
    if f["individual_decision"]:
        _individual_or_collective(case, team=False)
    if party_key(ptype.value, code) in case.parties:
        raise AlreadyExistsError(
            _("{label} {code} already has a responsibility finding in case {case_no}").format(
                label=ptype.label, code=code, case_no=case.case_no
            )
        )
    check_management_authority(ctx, ptype.value, code, f["on"])


def _rule_objection(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5: an objection may be recorded at any time while the case is open."""
    if f["personnel_no"] in case.objections:
        raise AlreadyExistsError(
            _("an objection by {personnel_no} is already recorded").format(
                personnel_no=f["personnel_no"]
            )
        )


def _rule_corrected(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5: a person's finding is corrected (e.g. to none, for an overruled objector)
    while no decision on it is in force; a decision in force changes only on appeal."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = _existing(case, ptype.value, code)
    _when(case, f["on"], p.assigned_on, "the correction", "the finding")
    responsibility = Responsibility(f["responsibility"])
    if ptype is PartyType.UNIT:
        raise RuleViolationError(
            "Art. 5",
            _("units bear collective responsibility"),
            _("a unit's finding is collective responsibility (集体责任); it is not corrected"),
        )
    if responsibility is Responsibility.COLLECTIVE:
        raise RuleViolationError(
            "Art. 5",
            _("persons bear direct or leadership responsibility"),
            _("a person bears 直接责任, 主要领导责任, 重要领导责任 or none, not 集体责任"),
        )
    _objector_leadership(case, code, responsibility.value)
    if p.decision is not None and not p.decision.revoked:
        raise RuleViolationError(
            "Art. 12",
            _("a decision in force changes on appeal"),
            _(
                "a decision for cadre {code} in case {case_no} is in force; its finding "
                "changes only through the appeal (申诉) to the deciding authority"
            ).format(code=code, case_no=case.case_no),
        )
    if responsibility.value == p.responsibility:
        raise InvalidInputError(
            _("cadre {code} already bears {label}").format(code=code, label=responsibility.label)
        )


def _rule_team(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5 para. 2–3 and Art. 6, for the unit and each member."""
    _when(case, f["on"], case.opened_on, "the finding", "the opening of the case")
    if party_key(PartyType.UNIT.value, f["unit_code"]) in case.parties:
        raise AlreadyExistsError(
            _("unit {unit_code} already has a finding in case {case_no}").format(
                unit_code=f["unit_code"], case_no=case.case_no
            )
        )
    for m in f["members"]:
        if party_key(PartyType.PERSON.value, m["personnel_no"]) in case.parties:
            raise AlreadyExistsError(
                _("cadre {personnel_no} already has a finding in case {case_no}").format(
                    personnel_no=m["personnel_no"], case_no=case.case_no
                )
            )
        _objector_leadership(case, m["personnel_no"], m["responsibility"])
    _individual_or_collective(case, team=True)
    check_management_authority(ctx, PartyType.UNIT.value, f["unit_code"], f["on"])
    for m in f["members"]:
        check_management_authority(ctx, PartyType.PERSON.value, m["personnel_no"], f["on"])


def _rule_heard(case: CaseState, f: Fields, ctx: Context) -> None:
    p = _existing(case, f["party_type"], f["party_code"])
    _when(case, f["on"], p.assigned_on, "the hearing", "the finding")


def _rule_decided(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5, 9, 10, 7, 12 and 6 for a decision."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = _existing(case, ptype.value, code)
    doc = DecisionDocument.from_dict(f["document"])
    if p.responsibility == Responsibility.NONE.value:
        raise RuleViolationError(
            "Art. 5",
            _("no responsibility, no decision"),
            _(
                "cadre {code} bears no leadership responsibility in case {case_no} "
                "(overruled objection or no part in the decision)"
            ).format(code=code, case_no=case.case_no),
        )
    if ptype is PartyType.PERSON:
        try:
            _objector_leadership(case, code, p.responsibility)
        except RuleViolationError as e:
            raise RuleViolationError(
                e.article,
                e.rule,
                e.message,
                _("Correct the finding first (`case correct-finding`)."),
            ) from None
    if not p.hearings:
        raise RuleViolationError(
            "Art. 9",
            _("hearing before decision"),
            _(
                "no statement and defence (说明和申辩) of {label} {code} is on record in case "
                "{case_no}"
            ).format(label=ptype.label, code=code, case_no=case.case_no),
            _("Record it with `case hear` first."),
        )
    if p.decision is not None and not p.decision.revoked:
        raise AlreadyExistsError(
            _(
                "a decision was already issued to {label} {code} in case {case_no}; a "
                "change goes through appeal (Art. 12)"
            ).format(label=ptype.label, code=code, case_no=case.case_no)
        )
    if p.hearing_needed:
        raise RuleViolationError(
            "Art. 9",
            _("hearing before every decision"),
            _(
                "the earlier decision for {label} {code} was revoked on appeal; a new "
                "decision needs a new statement and defence (说明和申辩) heard after the "
                "revocation"
            ).format(label=ptype.label, code=code),
            _("Record it with `case hear` first."),
        )
    doc.check(ptype)
    last_heard = max(p.hearings)
    _when(case, doc.decided_on, last_heard, "the decision", "the hearing")
    if doc.appeal_authority.strip() != f["deciding_authority"].strip():
        raise RuleViolationError(
            "Art. 12",
            _("受理机关 is the deciding authority"),
            _(
                "the document names {appeal_authority} as 受理机关, but appeals go to the "
                "authority that decides ({deciding_authority}): 向作出责任追究决定的机关提出"
            ).format(
                appeal_authority=doc.appeal_authority, deciding_authority=f["deciding_authority"]
            ),
        )
    check_sanction_by_discipline_organ(ctx, f["document"]["measures"])
    check_management_authority(ctx, ptype.value, code, doc.decided_on)


def _rule_announced(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 11: the decision in force is announced once, to the unit, or the person and unit."""
    _unused, decision = decided_party(case, f["party_type"], f["party_code"], in_force=True)
    _when(case, f["on"], decision.decided_on, "the announcement", "the decision")
    if decision.announcement is not None:
        raise AlreadyExistsError(
            _("the decision was already announced on {on}").format(on=decision.announcement.on)
        )
    _check_told(f["party_type"], f.get("told"), "Art. 11", N_("the announcement"))


def _rule_filed(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 11: for persons, the materials go into the personnel file (人事档案)."""
    no = f["personnel_no"]
    if party_key(PartyType.PERSON.value, no) not in case.parties and (
        party_key(PartyType.UNIT.value, no) in case.parties
    ):
        raise RuleViolationError(
            "Art. 11",
            _("personnel files are for persons"),
            _("{no} is a unit; only persons have a personnel file (人事档案)").format(no=no),
        )
    _unused, decision = decided_party(case, PartyType.PERSON.value, no, in_force=True)
    _when(case, f["on"], decision.decided_on, "the file entry", "the decision")


def _rule_received(case: CaseState, f: Fields, ctx: Context) -> None:
    _unused, decision = decided_party(case, f["party_type"], f["party_code"])
    _when(case, f["on"], decision.decided_on, "receipt", "the decision")
    if decision.received_on is not None:
        raise AlreadyExistsError(
            _("receipt was already recorded on {received_on}").format(
                received_on=decision.received_on
            )
        )


def _rule_appealed(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 12: a written appeal within 15 days of receipt."""
    _unused, decision = decided_party(case, f["party_type"], f["party_code"])
    if decision.received_on is None or decision.appeal_due is None:
        raise RuleViolationError(
            "Art. 12",
            _("receipt first"),
            _(
                "the appeal period runs from receipt of the decision; record the receipt date "
                "first (`case receive`)"
            ),
        )
    if decision.appeal is not None:
        raise AlreadyExistsError(
            _("an appeal was already filed on {filed_on}").format(filed_on=decision.appeal.filed_on)
        )
    _when(case, f["on"], decision.received_on, "the appeal", "receipt of the decision")
    due = decision.appeal_due
    if f["on"] > due:
        raise RuleViolationError(
            "Art. 12",
            _("appeal within {APPEAL_WITHIN_DAYS} days").format(
                APPEAL_WITHIN_DAYS=APPEAL_WITHIN_DAYS
            ),
            _(
                "the appeal of {on} is outside the {APPEAL_WITHIN_DAYS}-day period that "
                "began with receipt on {received_on} and ended on {due}"
            ).format(
                on=f["on"],
                APPEAL_WITHIN_DAYS=APPEAL_WITHIN_DAYS,
                received_on=decision.received_on,
                due=due,
            ),
        )


#: Art. 7 lists a person's organisational measures as 诫勉谈话、调离岗位、引咎辞职、责令辞职、免职、
#: 降职; reading that order as rising gravity is this ledger's convention, not the text's.
GRAVITY = [
    "admonition_talk",
    "transfer",
    "resignation_for_fault",
    "ordered_resignation",
    "dismissal",
    "demotion",
]


def _adds_measures(decision: Decision, measures: Mapping[str, Any]) -> bool:
    """Whether an appeal outcome adds to the measures (Art. 9 then asks for a new hearing): a
    graver circumstance for a unit; for a person a 纪律处分 or another named measure not there
    before, or an organisational measure graver than any before (see :data:`GRAVITY`)."""
    order = ["minor", "serious", "grave"]
    if decision.severity and measures.get("severity"):
        return order.index(measures["severity"]) > order.index(decision.severity)
    old, new = set(decision.measures), set(measures["measures"])
    if {"disciplinary_sanction", "other_organisational"} & (new - old):
        return True
    rank = [GRAVITY.index(m) for m in old if m in GRAVITY] or [-1]
    return any(GRAVITY.index(m) > max(rank) for m in new if m in GRAVITY)


def _rule_appeal_decided(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 12 (the deciding authority decides), Art. 9 (heard again before more measures),
    Art. 6 (management authority, 纪律处分)."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    _unused, decision = decided_party(case, ptype.value, code)
    appeal = decision.appeal
    if appeal is None:
        raise RuleViolationError(
            "Art. 12",
            _("appeal first"),
            _("no appeal by {label} {code} is on record in case {case_no}").format(
                label=ptype.label, code=code, case_no=case.case_no
            ),
        )
    if appeal.outcome is not None:
        raise AlreadyExistsError(
            _("the appeal was already decided on {decided_on}").format(decided_on=appeal.decided_on)
        )
    authority = f.get("authority")
    if authority is not None and authority != decision.deciding_authority:
        raise RuleViolationError(
            "Art. 12",
            _("appeal decided by the deciding authority"),
            _(
                "the appeal goes to the authority that decided ({deciding_authority}), "
                "not {authority}"
            ).format(deciding_authority=decision.deciding_authority, authority=authority),
        )
    _when(case, f["on"], appeal.filed_on, "the appeal decision", "the appeal")
    measures = f.get("measures")
    if measures is not None:
        if _adds_measures(decision, measures) and not appeal.heard:
            raise RuleViolationError(
                "Art. 9",
                _("hearing before every decision"),
                _(
                    "the appeal outcome adds to the measures on {label} {code}; hear the "
                    "party's statement and defence (说明和申辩) after the appeal first"
                ).format(label=ptype.label, code=code),
                _("Record it with `case hear` first."),
            )
        check_sanction_by_discipline_organ(ctx, measures["measures"])
    check_management_authority(ctx, ptype.value, code, f["on"])


def _rule_appeal_notified(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 12: the appeal decision, once made, is told in writing, once."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    _unused, decision = decided_party(case, ptype.value, code)
    appeal = decision.appeal
    if appeal is None or appeal.outcome is None or appeal.decided_on is None:
        raise RuleViolationError(
            "Art. 12",
            _("appeal decision first"),
            _("no appeal decision for {label} {code} in case {case_no} is on record").format(
                label=ptype.label, code=code, case_no=case.case_no
            ),
        )
    if appeal.notice is not None:
        raise AlreadyExistsError(
            _("the appeal decision was already told on {on}").format(on=appeal.notice.on)
        )
    _when(case, f["on"], appeal.decided_on, "the written notice", "the appeal decision")
    _check_told(ptype.value, f["told"], "Art. 12", N_("the written notice"))


def _rule_referred(case: CaseState, f: Fields, ctx: Context) -> None:
    p = _existing(case, f["party_type"], f["party_code"])
    _when(case, f["on"], p.assigned_on, "the referral", "the finding")


PARTY_WORDS = (NP_("party", "person"), NP_("party", "unit"))


def party_named(key: str) -> str:
    """A party key as a refusal names it: ``person:P001`` in English, 个人 P001 in Chinese."""
    party_type, _sep, code = key.partition(":")
    return pgettext("party", "{party}:{code}").format(
        party=pgettext("party", party_type), code=code
    )


def outstanding(case: CaseState, on: dt.date) -> list[RuleViolationError]:
    """What keeps a case from closing on ``on``: every Art. 11 and Art. 12 step still owed or
    still open to the party (a closed case must not cut off an appeal)."""
    found = []
    for party, p in case.parties.items():
        decision = p.decision
        if decision is None:
            continue
        key = party_named(party)
        appeal = decision.appeal
        if not decision.revoked:
            if decision.announcement is None:
                found.append(
                    RuleViolationError(
                        "Art. 11",
                        _("announce before closing"),
                        _("the decision for {key} has not been announced").format(key=key),
                    )
                )
            if p.party_type == PartyType.PERSON.value and decision.file_entry is None:
                found.append(
                    RuleViolationError(
                        "Art. 11",
                        _("file entry before closing"),
                        _(
                            "the decision for {key} is not yet entered in the personnel file "
                            "(人事档案)"
                        ).format(key=key),
                    )
                )
            if decision.received_on is None or decision.appeal_due is None:
                found.append(
                    RuleViolationError(
                        "Art. 12",
                        _("receipt before closing"),
                        _(
                            "receipt of the decision by {key} is not recorded; its "
                            "{APPEAL_WITHIN_DAYS}-day appeal period has not started"
                        ).format(key=key, APPEAL_WITHIN_DAYS=APPEAL_WITHIN_DAYS),
                    )
                )
            elif appeal is None and on <= decision.appeal_due:
                found.append(
                    RuleViolationError(
                        "Art. 12",
                        _("appeal period running"),
                        _("{key} may appeal until {appeal_due}; close after that day").format(
                            key=key, appeal_due=decision.appeal_due
                        ),
                    )
                )
        if appeal is not None and appeal.outcome is None:
            found.append(
                RuleViolationError(
                    "Art. 12",
                    _("decide appeals before closing"),
                    _("the appeal of {key} filed on {filed_on} awaits its decision").format(
                        key=key, filed_on=appeal.filed_on
                    ),
                )
            )
        elif appeal is not None and appeal.notice is None:
            found.append(
                RuleViolationError(
                    "Art. 12",
                    _("notify the appeal decision before closing"),
                    _("the appeal decision for {key} has not been told in writing").format(key=key),
                )
            )
    return found


def rule_closed(case: CaseState, f: Fields, ctx: Context) -> None:
    """Closing never cuts off Art. 11 or Art. 12: refused while a decision is unannounced or
    not in the personnel file, its receipt unrecorded, its appeal period running, an appeal
    undecided or its decision not told in writing."""
    _when(case, f["on"], case.opened_on, "closing", "the opening of the case")
    found = outstanding(case, f["on"])
    if found:
        raise found[0]


def _rule_reopened(case: CaseState, f: Fields, ctx: Context) -> None:
    if case.status != CLOSED or case.closed_on is None:
        raise RuleViolationError(
            "",
            _("reopen a closed case"),
            _("case {case_no} is open; only a closed case reopens").format(case_no=case.case_no),
        )
    _when(case, f["on"], case.closed_on, "reopening", "the closing")


RULES: dict[str, Rule] = {
    "ResponsibilityAssigned": _rule_assigned,
    "ObjectionRecorded": _rule_objection,
    "FindingCorrected": _rule_corrected,
    "TeamResponsibilityAssigned": _rule_team,
    "DefenceHeard": _rule_heard,
    "DecisionIssued": _rule_decided,
    "DecisionAnnounced": _rule_announced,
    "PersonnelFileEntered": _rule_filed,
    "DecisionReceived": _rule_received,
    "AppealFiled": _rule_appealed,
    "AppealDecided": _rule_appeal_decided,
    "AppealDecisionNotified": _rule_appeal_notified,
    "ReferredToJudicialOrgan": _rule_referred,
    "Closed": rule_closed,
    "Reopened": _rule_reopened,
}
