"""Findings of responsibility: Art. 5 (the kinds of responsibility, an overruled objector,
individual and collective responsibility) and Art. 6 (management authority)."""

from __future__ import annotations

from ledger.domain.authority import Context, check_management_authority
from ledger.domain.case_rules.parties import Fields, in_order, named_party
from ledger.domain.case_state import CaseState, party_key
from ledger.domain.regulation import PartyType, Responsibility
from ledger.errors import AlreadyExistsError, InvalidInputError, RuleViolationError
from ledger.i18n import _, enumerated


def check_objector_leadership(case: CaseState, code: str, responsibility: str) -> None:
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
            ).format(case_no=case.case_no, join=enumerated(derived)),
        )


def rule_assigned(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5 (kinds of responsibility), Art. 6 (management authority)."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    responsibility = Responsibility(f["responsibility"])
    in_order(case, f["on"], case.opened_on, "the finding", "the opening of the case")
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
        check_objector_leadership(case, code, responsibility.value)
    if f["individual_decision"]:
        _individual_or_collective(case, team=False)
    if party_key(ptype.value, code) in case.parties:
        raise AlreadyExistsError(
            _("{label} {code} already has a responsibility finding in case {case_no}").format(
                label=ptype.label, code=code, case_no=case.case_no
            )
        )
    check_management_authority(ctx, ptype.value, code, f["on"])


def rule_objection(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5: an objection may be recorded at any time while the case is open."""
    if f["personnel_no"] in case.objections:
        raise AlreadyExistsError(
            _("an objection by {personnel_no} is already recorded").format(
                personnel_no=f["personnel_no"]
            )
        )


def rule_corrected(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5: a person's finding is corrected (e.g. to none, for an overruled objector)
    while no decision on it is in force; a decision in force changes only on appeal."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = named_party(case, ptype.value, code)
    in_order(case, f["on"], p.assigned_on, "the correction", "the finding")
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
    check_objector_leadership(case, code, responsibility.value)
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


def rule_team(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5 para. 2–3 and Art. 6, for the unit and each member."""
    in_order(case, f["on"], case.opened_on, "the finding", "the opening of the case")
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
        check_objector_leadership(case, m["personnel_no"], m["responsibility"])
    _individual_or_collective(case, team=True)
    check_management_authority(ctx, PartyType.UNIT.value, f["unit_code"], f["on"])
    for m in f["members"]:
        check_management_authority(ctx, PartyType.PERSON.value, m["personnel_no"], f["on"])
