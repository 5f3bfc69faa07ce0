"""Appeals (申诉): Art. 12 (within 15 days of receipt, decided by the deciding authority, told in
writing), Art. 9 (heard again before an outcome adds measures), Art. 6 (management authority)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.domain.authority import (
    Context,
    check_management_authority,
    check_sanction_by_discipline_organ,
)
from ledger.domain.case_rules.parties import Fields, check_told, decided_party, in_order
from ledger.domain.case_state import CaseState, Decision
from ledger.domain.regulation import APPEAL_WITHIN_DAYS, PartyType
from ledger.errors import AlreadyExistsError, RuleViolationError
from ledger.i18n import N_, _


def rule_appealed(case: CaseState, f: Fields, ctx: Context) -> None:
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
    in_order(case, f["on"], decision.received_on, "the appeal", "receipt of the decision")
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


def rule_appeal_decided(case: CaseState, f: Fields, ctx: Context) -> None:
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
    in_order(case, f["on"], appeal.filed_on, "the appeal decision", "the appeal")
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


def rule_appeal_notified(case: CaseState, f: Fields, ctx: Context) -> None:
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
    in_order(case, f["on"], appeal.decided_on, "the written notice", "the appeal decision")
    check_told(ptype.value, f["told"], "Art. 12", N_("the written notice"))
