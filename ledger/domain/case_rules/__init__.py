"""The Measures' rules for an accountability case, each written once as a predicate over the
case's state (:class:`ledger.domain.case_state.CaseState`) before an event and that event's
fields: the write path runs them before it records (ledger.domain.case), the semantic audit
(ledger.audit.semantic) over every stored event.

Find a rule by its article: findings.py (Art. 5, 6), decisions.py (Art. 9, 10, 11),
appeals.py (Art. 12), closing.py (closing and reopening, Art. 11/12 owed), parties.py (the
parties, their decisions, who is told); the grounds (Art. 4) are in ledger.domain.ground_rules."""

from __future__ import annotations

from ledger.domain.authority import Context
from ledger.domain.case_rules.appeals import (
    GRAVITY,
    rule_appeal_decided,
    rule_appeal_notified,
    rule_appealed,
)
from ledger.domain.case_rules.closing import (
    closed_case_error,
    outstanding,
    rule_closed,
    rule_referred,
    rule_reopened,
)
from ledger.domain.case_rules.decisions import (
    rule_announced,
    rule_decided,
    rule_filed,
    rule_heard,
    rule_received,
)
from ledger.domain.case_rules.findings import (
    rule_assigned,
    rule_corrected,
    rule_objection,
    rule_team,
)
from ledger.domain.case_rules.parties import (
    TOLD_PERSON,
    TOLD_UNIT,
    Fields,
    Rule,
    TeamMember,
    decided_party,
    existing_party,
    required_told,
)
from ledger.domain.case_state import CLOSED, CaseState
from ledger.domain.ground_rules import check_consequence, check_grounds, check_results
from ledger.domain.regulation import Consequence
from ledger.errors import InvalidInputError
from ledger.i18n import _

__all__ = [
    "GRAVITY",
    "RULES",
    "TOLD_PERSON",
    "TOLD_UNIT",
    "Fields",
    "Rule",
    "TeamMember",
    "check_event",
    "check_opening",
    "closed_case_error",
    "decided_party",
    "existing_party",
    "outstanding",
    "required_told",
    "rule_closed",
]


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


RULES: dict[str, Rule] = {
    "ResponsibilityAssigned": rule_assigned,
    "ObjectionRecorded": rule_objection,
    "FindingCorrected": rule_corrected,
    "TeamResponsibilityAssigned": rule_team,
    "DefenceHeard": rule_heard,
    "DecisionIssued": rule_decided,
    "DecisionAnnounced": rule_announced,
    "PersonnelFileEntered": rule_filed,
    "DecisionReceived": rule_received,
    "AppealFiled": rule_appealed,
    "AppealDecided": rule_appeal_decided,
    "AppealDecisionNotified": rule_appeal_notified,
    "ReferredToJudicialOrgan": rule_referred,
    "Closed": rule_closed,
    "Reopened": rule_reopened,
}
