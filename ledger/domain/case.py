"""An accountability case (信访工作责任追究案件): every step one immutable event.

Commands are verbs that build the event's fields and check the Measures' rules first, raising a
typed error naming the article; only then do they trigger the event (past tense). Each rule is
written once, as a predicate over the case's state before an event and that event's fields
(:data:`RULES`, run by :func:`check_event`): the write path calls it before it records, and the
semantic audit (:mod:`ledger.audit.semantic`) calls the same predicate for every stored event,
so an event the Measures would have refused is named even when its signature is valid. Event
handlers never validate: they only apply what was already decided, so replay always works.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.authority import (
    NO_CONTEXT,
    Context,
)
from ledger.domain.case_rules import (
    TeamMember,
    check_event,
    check_opening,
    closed_case_error,
    decided_party,
    existing_party,
    required_told,
)
from ledger.domain.case_state import CLOSED, Party, apply
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.ground_rules import check_grounds, results_by_ground
from ledger.domain.ids import case_id
from ledger.domain.periods import period_end
from ledger.domain.regulation import (
    ANNOUNCE_WITHIN_DAYS,
    APPEAL_DECISION_WITHIN_DAYS,
    APPEAL_WITHIN_DAYS,
    IN_FORCE_FROM,
    AppealOutcome,
    PartyType,
    Responsibility,
    ResultElement,
    TeamRole,
)
from ledger.errors import InvalidInputError
from ledger.i18n import _


class AccountabilityCase(Aggregate):
    """One case, opened by a discipline organ or organisation department (Art. 6)."""

    @staticmethod
    def create_id(case_no: str, **_: Any) -> Any:
        return case_id(case_no)

    @classmethod
    def open(
        cls,
        case_no: str,
        incident_date: dt.date,
        grounds: Sequence[int],
        facts: str,
        opening_authority: str,
        opened_on: dt.date,
        results: Mapping[int, Sequence[ResultElement]] | Sequence[ResultElement] = (),
        other_regulation: str = "",
        ctx: Context = NO_CONTEXT,
    ) -> AccountabilityCase:
        """Art. 4: the grounds cited, each with the results its item names (e.g. (十一)
        导致矛盾激化 and 造成不良影响); see :func:`results_by_ground`."""
        if not case_no.strip():
            raise InvalidInputError(_("a case number is required"))
        if not facts.strip():
            raise InvalidInputError(_("the facts of the case are required"))
        if len(set(grounds)) != len(grounds):
            raise InvalidInputError(_("a ground is cited twice"))
        check_grounds(grounds, other_regulation)
        fields: dict[str, Any] = dict(
            case_no=case_no,
            incident_date=incident_date,
            grounds=sorted(grounds),
            other_regulation=other_regulation.strip(),
            facts=facts,
            results=results_by_ground(sorted(grounds), results),
            opening_authority=opening_authority,
            opened_on=opened_on,
            # Art. 8: lifetime accountability for situations after the Measures took effect.
            lifetime=incident_date >= IN_FORCE_FROM,
        )
        check_opening(fields)
        return cls(**fields)

    @event("Opened")
    def __init__(
        self,
        case_no: str,
        incident_date: dt.date,
        grounds: list[int],
        other_regulation: str,
        facts: str,
        opening_authority: str,
        opened_on: dt.date,
        lifetime: bool,
        results: dict[str, list[str]] | None = None,
    ) -> None:
        # A case opened before results were kept per ground stored one ``consequence`` and no
        # ``results``. The library passes only this method's parameters, so the aggregate sees
        # ``results`` None; the read side folds the stored event, which keeps ``consequence``.
        self.state = apply(None, "Opened", dict(
            case_no=case_no, incident_date=incident_date, grounds=grounds,
            other_regulation=other_regulation, facts=facts, results=results,
            opening_authority=opening_authority, opened_on=opened_on, lifetime=lifetime,
        ))  # fmt: skip

    # reading: the typed state (ledger.domain.case_state) --------------------------------
    @property
    def case_no(self) -> str:
        return self.state.case_no

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def opened_on(self) -> dt.date:
        return self.state.opened_on

    @property
    def incident_date(self) -> dt.date:
        return self.state.incident_date

    @property
    def lifetime(self) -> bool:
        """Art. 8: lifetime accountability for situations after the Measures took effect."""
        return self.state.lifetime

    @property
    def closed_on(self) -> dt.date | None:
        return self.state.closed_on

    @property
    def opening_authority(self) -> str:
        return self.state.opening_authority

    @property
    def facts(self) -> str:
        return self.state.facts

    @property
    def grounds(self) -> tuple[int, ...]:
        return self.state.grounds

    @property
    def results(self) -> dict[str, list[str]] | None:
        """Art. 4: the results recorded per cited ground (None for a case of an older ledger,
        which recorded one consequence for the whole case)."""
        return self.state.results

    @property
    def parties(self) -> dict[str, Party]:
        return self.state.parties

    def party(self, party_type: PartyType, code: str) -> Party:
        return existing_party(self.state, party_type, code)

    def _check_open(self) -> None:
        if self.state.status == CLOSED:
            raise closed_case_error(self.state)

    def _record(self, name: str, trigger: Callable[..., None], ctx: Context, **fields: Any) -> None:
        """Check the event against the rules (the same ones the audit replays), then record."""
        check_event(self.state, name, fields, ctx)
        trigger(**fields)

    # commands -----------------------------------------------------------------------------
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
            "ResponsibilityAssigned", self._assigned, ctx,
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
            "ObjectionRecorded", self._objection_recorded, ctx,
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
            "FindingCorrected", self._finding_corrected, ctx,
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
            "TeamResponsibilityAssigned", self._team_assigned, ctx,
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
            "DefenceHeard", self._defence_heard, ctx,
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
        self.party(party_type, code)
        self._record(
            "DecisionIssued", self._decision_issued, ctx,
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
            "DecisionAnnounced", self._announced, ctx,
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
            "PersonnelFileEntered", self._filed, ctx,
            personnel_no=personnel_no, on=on, file_ref=file_ref, custodian=custodian,
        )  # fmt: skip

    def receive(
        self, party_type: PartyType, code: str, on: dt.date, ctx: Context = NO_CONTEXT
    ) -> None:
        """Art. 12: the appeal period runs from receipt of the decision document."""
        self._record(
            "DecisionReceived", self._received, ctx,
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
            "AppealFiled", self._appeal_filed, ctx,
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
            "AppealDecided",
            self._appeal_decided,
            ctx,
            party_type=party_type.value,
            party_code=code,
            on=on,
            outcome=outcome.value,
            reason=reason,
            measures=measures.to_dict() if measures else None,
            due=due,
            overdue=on > due,
            authority=authority,
        )

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
            "AppealDecisionNotified",
            self._appeal_notified,
            ctx,
            party_type=party_type.value,
            party_code=code,
            on=on,
            to=to,
            told=sorted(told if told is not None else required_told(party_type)),
            due=due,
            overdue=on > due,
        )

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
            "ReferredToJudicialOrgan",
            self._referred,
            ctx,
            party_type=party_type.value,
            party_code=code,
            on=on,
            organ=organ,
            reason=reason,
        )

    def close(self, on: dt.date, summary: str, ctx: Context = NO_CONTEXT) -> None:
        """Closing never cuts off Art. 11 or Art. 12 (see :func:`rule_closed`)."""
        check_event(self.state, "Closed", {"on": on, "summary": summary}, ctx)
        if not summary.strip():
            raise InvalidInputError(_("closing states a summary (结案意见)"))
        self._record("Closed", self._closed, ctx, on=on, summary=summary)

    def reopen(self, on: dt.date, reason: str, ctx: Context = NO_CONTEXT) -> None:
        """A closed case is reopened only by a signed event stating why (new facts, a late
        referral to the judicial organs); the reopening shows in the timeline."""
        if not reason.strip():
            raise InvalidInputError(
                _("reopening a case states its reason (new facts, a late referral…)")
            )
        self._record("Reopened", self._reopened, ctx, on=on, reason=reason)

    # events: each applied by the one fold (ledger.domain.case_state) ----------------------
    def _apply(self, name: str, fields: dict[str, Any]) -> None:
        self.state = apply(self.state, name, fields)

    @event("ResponsibilityAssigned")
    def _assigned(
        self,
        party_type: str,
        party_code: str,
        responsibility: str,
        on: dt.date,
        individual_decision: bool,
        team_role: str | None,
    ) -> None:
        self._apply("ResponsibilityAssigned", dict(
            party_type=party_type, party_code=party_code, responsibility=responsibility, on=on,
            individual_decision=individual_decision, team_role=team_role,
        ))  # fmt: skip

    @event("ObjectionRecorded")
    def _objection_recorded(
        self, personnel_no: str, on: dt.date, text: str, at_hearing: bool = False
    ) -> None:
        self._apply("ObjectionRecorded", dict(
            personnel_no=personnel_no, on=on, text=text, at_hearing=at_hearing,
        ))  # fmt: skip

    @event("FindingCorrected")
    def _finding_corrected(
        self, party_type: str, party_code: str, responsibility: str, on: dt.date, reason: str
    ) -> None:
        self._apply("FindingCorrected", dict(
            party_type=party_type, party_code=party_code, responsibility=responsibility, on=on,
            reason=reason,
        ))  # fmt: skip

    @event("TeamResponsibilityAssigned")
    def _team_assigned(self, unit_code: str, members: list[dict[str, Any]], on: dt.date) -> None:
        self._apply("TeamResponsibilityAssigned", dict(unit_code=unit_code, members=members, on=on))

    @event("DefenceHeard")
    def _defence_heard(self, party_type: str, party_code: str, on: dt.date, statement: str) -> None:
        self._apply("DefenceHeard", dict(
            party_type=party_type, party_code=party_code, on=on, statement=statement,
        ))  # fmt: skip

    @event("DecisionIssued")
    def _decision_issued(
        self,
        party_type: str,
        party_code: str,
        document: dict[str, Any],
        deciding_authority: str,
        announce_due: dt.date,
    ) -> None:
        self._apply("DecisionIssued", dict(
            party_type=party_type, party_code=party_code, document=document,
            deciding_authority=deciding_authority, announce_due=announce_due,
        ))  # fmt: skip

    @event("DecisionAnnounced")
    def _announced(
        self,
        party_type: str,
        party_code: str,
        on: dt.date,
        to: str,
        due: dt.date,
        overdue: bool,
        told: list[str] | None = None,
    ) -> None:
        self._apply("DecisionAnnounced", dict(
            party_type=party_type, party_code=party_code, on=on, to=to, due=due,
            overdue=overdue, told=told,
        ))  # fmt: skip

    @event("PersonnelFileEntered")
    def _filed(self, personnel_no: str, on: dt.date, file_ref: str, custodian: str) -> None:
        self._apply("PersonnelFileEntered", dict(
            personnel_no=personnel_no, on=on, file_ref=file_ref, custodian=custodian,
        ))  # fmt: skip

    @event("DecisionReceived")
    def _received(self, party_type: str, party_code: str, on: dt.date, appeal_due: dt.date) -> None:
        self._apply("DecisionReceived", dict(
            party_type=party_type, party_code=party_code, on=on, appeal_due=appeal_due,
        ))  # fmt: skip

    @event("AppealFiled")
    def _appeal_filed(
        self, party_type: str, party_code: str, on: dt.date, text: str, decision_due: dt.date
    ) -> None:
        self._apply("AppealFiled", dict(
            party_type=party_type, party_code=party_code, on=on, text=text,
            decision_due=decision_due,
        ))  # fmt: skip

    @event("AppealDecided")
    def _appeal_decided(
        self,
        party_type: str,
        party_code: str,
        on: dt.date,
        outcome: str,
        reason: str,
        measures: dict[str, Any] | None,
        due: dt.date,
        overdue: bool,
        authority: str | None = None,
    ) -> None:
        self._apply("AppealDecided", dict(
            party_type=party_type, party_code=party_code, on=on, outcome=outcome, reason=reason,
            measures=measures, due=due, overdue=overdue, authority=authority,
        ))  # fmt: skip

    @event("AppealDecisionNotified")
    def _appeal_notified(
        self,
        party_type: str,
        party_code: str,
        on: dt.date,
        to: str,
        told: list[str],
        due: dt.date,
        overdue: bool,
    ) -> None:
        self._apply("AppealDecisionNotified", dict(
            party_type=party_type, party_code=party_code, on=on, to=to, told=told, due=due,
            overdue=overdue,
        ))  # fmt: skip

    @event("ReferredToJudicialOrgan")
    def _referred(
        self, party_type: str, party_code: str, on: dt.date, organ: str, reason: str
    ) -> None:
        self._apply("ReferredToJudicialOrgan", dict(
            party_type=party_type, party_code=party_code, on=on, organ=organ, reason=reason,
        ))  # fmt: skip

    @event("Closed")
    def _closed(self, on: dt.date, summary: str) -> None:
        self._apply("Closed", dict(on=on, summary=summary))

    @event("Reopened")
    def _reopened(self, on: dt.date, reason: str) -> None:
        self._apply("Reopened", dict(on=on, reason=reason))
