"""The commands on an accountability case (Art. 5-12): verbs that check what the rules cannot
(a reason given, a member named once), build the event's fields and its due dates (Art. 11/12
periods) and hand them to the aggregate (:class:`ledger.domain.case.AccountabilityCase`), which
runs the rules (:mod:`ledger.domain.case_rules`) and records the event in the past tense."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger.domain.authority import NO_CONTEXT, Context
from ledger.domain.case_rules import (
    TeamMember,
    check_event,
    closed_case_error,
    decided_party,
    existing_party,
    required_told,
)
from ledger.domain.case_state import CLOSED, CaseState
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.periods import period_end
from ledger.domain.regulation import (
    ANNOUNCE_WITHIN_DAYS,
    APPEAL_DECISION_WITHIN_DAYS,
    APPEAL_WITHIN_DAYS,
    AppealOutcome,
    PartyType,
    Responsibility,
    TeamRole,
)
from ledger.errors import InvalidInputError
from ledger.i18n import _


class CaseCommands:
    """The verbs of :class:`ledger.domain.case.AccountabilityCase`, apart from its events."""

    if TYPE_CHECKING:  # provided by the aggregate
        state: CaseState

        def _record(self, name: str, ctx: Context, **fields: Any) -> None: ...

    def _check_open(self) -> None:
        if self.state.status == CLOSED:
            raise closed_case_error(self.state)

    def assign(
        self,
        party_type: PartyType,
        code: str,
        responsibility: Responsibility,
        on: dt.date,
        individual_decision: bool = False,
        ctx: Context = NO_CONTEXT,
    ) -> None:
        """Art. 5: units bear collective responsibility, persons direct or leadership."""
        self._record(
            "ResponsibilityAssigned", ctx,
            party_type=party_type.value, party_code=code, responsibility=responsibility.value,
            on=on, individual_decision=individual_decision, team_role=None,
        )  # fmt: skip

    def record_objection(
        self, personnel_no: str, on: dt.date, text: str, at_hearing: bool = False,
        ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 5: a member who explicitly objected and was overruled bears no leadership
        responsibility, whenever the objection comes to light (often at the Art. 9 hearing)."""
        if not text.strip():
            raise InvalidInputError(_("the objection's content is required"))
        self._record(
            "ObjectionRecorded", ctx,
            personnel_no=personnel_no, on=on, text=text, at_hearing=at_hearing,
        )  # fmt: skip

    def correct_finding(
        self,
        party_type: PartyType,
        code: str,
        responsibility: Responsibility,
        on: dt.date,
        reason: str,
        ctx: Context = NO_CONTEXT,
    ) -> None:
        """Art. 5: a finding is corrected by a new signed event that names its reason."""
        if not reason.strip():
            raise InvalidInputError(_("a corrected finding states its reason"))
        self._record(
            "FindingCorrected", ctx,
            party_type=party_type.value, party_code=code, responsibility=responsibility.value,
            on=on, reason=reason,
        )  # fmt: skip

    def assign_team(
        self, unit_code: str, members: Sequence[TeamMember], on: dt.date,
        ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 5 para. 2–3: collective responsibility of a team, derived member by member."""
        if not members:
            raise InvalidInputError(_("a team finding names the members of the leadership team"))
        seen = [m.personnel_no for m in members]
        if len(set(seen)) != len(seen):
            raise InvalidInputError(_("a team member is named twice"))
        derived = [
            {
                "personnel_no": m.personnel_no,
                "team_role": m.role.value,
                "participated": m.participated,
                "responsibility": self.derive(m).value,
            }
            for m in members
        ]
        self._record(
            "TeamResponsibilityAssigned", ctx,
            unit_code=unit_code, members=derived, on=on,
        )  # fmt: skip

    def derive(self, member: TeamMember) -> Responsibility:
        """Art. 5: head and leader in charge → primary; other participants → important;
        an overruled objector, or a member who took no part in the decision → none."""
        if member.personnel_no in self.state.objections:
            return Responsibility.NONE
        if member.role in (TeamRole.PRINCIPAL_HEAD, TeamRole.LEADER_IN_CHARGE):
            return Responsibility.PRIMARY_LEADERSHIP
        if member.participated:
            return Responsibility.IMPORTANT_LEADERSHIP
        return Responsibility.NONE

    def hear(
        self, party_type: PartyType, code: str, on: dt.date, statement: str,
        ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 9: the party's statement and defence (说明和申辩) is heard before a decision."""
        if not statement.strip():
            raise InvalidInputError(_("the statement and defence heard must be summarised"))
        self._record(
            "DefenceHeard", ctx,
            party_type=party_type.value, party_code=code, on=on, statement=statement,
        )  # fmt: skip

    def decide(
        self,
        party_type: PartyType,
        code: str,
        document: DecisionDocument,
        deciding_authority: str,
        ctx: Context = NO_CONTEXT,
    ) -> None:
        """Art. 9, 10, 7, 12: heard first, a complete document, measures fit for the party."""
        self._check_open()
        existing_party(self.state, party_type, code)
        self._record(
            "DecisionIssued", ctx,
            party_type=party_type.value, party_code=code, document=document.to_dict(),
            deciding_authority=deciding_authority,
            announce_due=period_end(document.decided_on, ANNOUNCE_WITHIN_DAYS),
        )  # fmt: skip

    def announce(
        self, party_type: PartyType, code: str, on: dt.date, to: str,
        told: Sequence[str] | None = None, ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 11: announce within 30 days to the unit, or to the person and their unit; a
        late announcement is recorded, flagged."""
        if not to.strip():
            raise InvalidInputError(_("say to whom the decision was announced (Art. 11)"))
        self._check_open()
        _unused, decision = decided_party(self.state, party_type.value, code)
        due = decision.announce_due
        self._record(
            "DecisionAnnounced", ctx,
            party_type=party_type.value, party_code=code, on=on, to=to, due=due,
            overdue=on > due, told=sorted(told if told is not None else required_told(party_type)),
        )  # fmt: skip

    def enter_in_file(
        self, personnel_no: str, on: dt.date, file_ref: str, custodian: str,
        ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 11: for persons, the materials go into the personnel file (人事档案)."""
        if not file_ref.strip() or not custodian.strip():
            raise InvalidInputError(
                _("the file entry needs its reference and the custodian of the file")
            )
        self._record(
            "PersonnelFileEntered", ctx,
            personnel_no=personnel_no, on=on, file_ref=file_ref, custodian=custodian,
        )  # fmt: skip

    def receive(
        self, party_type: PartyType, code: str, on: dt.date, ctx: Context = NO_CONTEXT
    ) -> None:
        """Art. 12: the appeal period runs from receipt of the decision document."""
        self._record(
            "DecisionReceived", ctx,
            party_type=party_type.value, party_code=code, on=on,
            appeal_due=period_end(on, APPEAL_WITHIN_DAYS),
        )  # fmt: skip

    def appeal(
        self, party_type: PartyType, code: str, on: dt.date, text: str,
        ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 12: a written appeal within 15 days of receipt, to the deciding authority."""
        check_event(self.state, "AppealFiled", {"party_type": party_type.value, "party_code": code,
                                          "on": on, "text": text}, ctx)  # fmt: skip
        if not text.strip():
            raise InvalidInputError(_("a written appeal (书面申诉) states its grounds"))
        self._record(
            "AppealFiled", ctx,
            party_type=party_type.value, party_code=code, on=on, text=text,
            decision_due=period_end(on, APPEAL_DECISION_WITHIN_DAYS),
        )  # fmt: skip

    def decide_appeal(
        self,
        party_type: PartyType,
        code: str,
        on: dt.date,
        outcome: AppealOutcome,
        reason: str,
        authority: str,
        measures: Measures | None = None,
        ctx: Context = NO_CONTEXT,
    ) -> None:
        """Art. 12: the deciding authority decides within 30 days; the measures stay in force
        meanwhile. A late decision is recorded, flagged overdue."""
        self._check_open()
        _unused, decision = decided_party(self.state, party_type.value, code)
        if decision.appeal is None:
            check_event(self.state, "AppealDecided", {"party_type": party_type.value,
                                                "party_code": code}, ctx)  # fmt: skip
        if not reason.strip():
            raise InvalidInputError(_("the appeal decision states its reasons"))
        if outcome is AppealOutcome.MODIFIED:
            if measures is None:
                raise InvalidInputError(_("a modified decision names the measures that now apply"))
            measures.check(party_type)
        elif measures is not None:
            raise InvalidInputError(
                _("an appeal {value} takes no new measures").format(value=outcome.value)
            )
        assert decision.appeal is not None  # the rules refuse an undecided appeal first
        due = decision.appeal.decision_due
        self._record(
            "AppealDecided", ctx,
            party_type=party_type.value, party_code=code, on=on, outcome=outcome.value,
            reason=reason, measures=measures.to_dict() if measures else None, due=due,
            overdue=on > due, authority=authority,
        )  # fmt: skip

    def notify_appeal_decision(
        self, party_type: PartyType, code: str, on: dt.date, to: str,
        told: Sequence[str] | None = None, ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 12: the appeal decision is told in writing (书面形式告知) to the appellant unit,
        or to the appellant and their unit, within the 30 days of the appeal decision duty."""
        if not to.strip():
            raise InvalidInputError(
                _("say to whom the appeal decision was told in writing (Art. 12)")
            )
        self._check_open()
        _unused, decision = decided_party(self.state, party_type.value, code)
        due = decision.appeal.decision_due if decision.appeal else on
        self._record(
            "AppealDecisionNotified", ctx,
            party_type=party_type.value, party_code=code, on=on, to=to,
            told=sorted(told if told is not None else required_told(party_type)), due=due,
            overdue=on > due,
        )  # fmt: skip

    def refer(
        self, party_type: PartyType, code: str, on: dt.date, organ: str, reason: str,
        ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 7: a suspected crime is referred to the judicial organs (移送司法机关)."""
        if not organ.strip() or not reason.strip():
            raise InvalidInputError(
                _("a referral names the judicial organ and the suspected offence")
            )
        self._record(
            "ReferredToJudicialOrgan", ctx,
            party_type=party_type.value, party_code=code, on=on, organ=organ, reason=reason,
        )  # fmt: skip

    def close(self, on: dt.date, summary: str, ctx: Context = NO_CONTEXT) -> None:
        """Closing never cuts off Art. 11 or Art. 12 (see :func:`rule_closed`)."""
        check_event(self.state, "Closed", {"on": on, "summary": summary}, ctx)
        if not summary.strip():
            raise InvalidInputError(_("closing states a summary (结案意见)"))
        self._record("Closed", ctx, on=on, summary=summary)

    def reopen(self, on: dt.date, reason: str, ctx: Context = NO_CONTEXT) -> None:
        """A closed case is reopened only by a signed event stating why (new facts, a late
        referral to the judicial organs); the reopening shows in the timeline."""
        if not reason.strip():
            raise InvalidInputError(
                _("reopening a case states its reason (new facts, a late referral…)")
            )
        self._record("Reopened", ctx, on=on, reason=reason)
