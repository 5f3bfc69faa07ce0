"""A decision and what follows it: Art. 9 (heard before deciding), Art. 10 (the written
decision), Art. 7 and 6 (its measures and who may impose them), Art. 11 (announcement,
receipt, the personnel file)."""

from __future__ import annotations

from ledger.domain.authority import (
    Context,
    check_management_authority,
    check_sanction_by_discipline_organ,
)
from ledger.domain.case_rules.findings import check_objector_leadership
from ledger.domain.case_rules.parties import (
    Fields,
    check_told,
    decided_party,
    in_order,
    named_party,
)
from ledger.domain.case_state import CaseState, party_key
from ledger.domain.decision import DecisionDocument
from ledger.domain.regulation import PartyType, Responsibility
from ledger.errors import AlreadyExistsError, RuleViolationError
from ledger.i18n import N_, _


def rule_heard(case: CaseState, f: Fields, ctx: Context) -> None:
    p = named_party(case, f["party_type"], f["party_code"])
    in_order(case, f["on"], p.assigned_on, "the hearing", "the finding")


def rule_decided(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 5, 9, 10, 7, 12 and 6 for a decision."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = named_party(case, ptype.value, code)
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
            check_objector_leadership(case, code, p.responsibility)
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
    in_order(case, doc.decided_on, last_heard, "the decision", "the hearing")
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


def rule_announced(case: CaseState, f: Fields, ctx: Context) -> None:
    """Art. 11: the decision in force is announced once, to the unit, or the person and unit."""
    _unused, decision = decided_party(case, f["party_type"], f["party_code"], in_force=True)
    in_order(case, f["on"], decision.decided_on, "the announcement", "the decision")
    if decision.announcement is not None:
        raise AlreadyExistsError(
            _("the decision was already announced on {on}").format(on=decision.announcement.on)
        )
    check_told(f["party_type"], f.get("told"), "Art. 11", N_("the announcement"))


def rule_filed(case: CaseState, f: Fields, ctx: Context) -> None:
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
    in_order(case, f["on"], decision.decided_on, "the file entry", "the decision")


def rule_received(case: CaseState, f: Fields, ctx: Context) -> None:
    _unused, decision = decided_party(case, f["party_type"], f["party_code"])
    in_order(case, f["on"], decision.decided_on, "receipt", "the decision")
    if decision.received_on is not None:
        raise AlreadyExistsError(
            _("receipt was already recorded on {received_on}").format(
                received_on=decision.received_on
            )
        )
