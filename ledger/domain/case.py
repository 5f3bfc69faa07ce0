"""An accountability case (信访工作责任追究案件): every step one immutable event.

Commands are verbs (:mod:`ledger.domain.case_commands`) that build the event's fields and check
the Measures' rules first, raising a typed error naming the article; only then do they trigger the
event (past tense), through the event methods here. Each rule is written once, as a predicate
over the case's state before an event and that event's fields (:data:`RULES`, run by
:func:`check_event`): the write path calls it before it records, and the semantic audit
(:mod:`ledger.audit.semantic`) calls the same predicate for every stored event, so an event the
Measures would have refused is named even when its signature is valid. Event handlers never
validate: they only apply what was already decided, so replay always works.
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
from ledger.domain.case_commands import CaseCommands
from ledger.domain.case_rules import (
    check_event,
    check_opening,
    existing_party,
)
from ledger.domain.case_state import Party, apply
from ledger.domain.ground_rules import check_grounds, results_by_ground
from ledger.domain.ids import case_id
from ledger.domain.regulation import (
    IN_FORCE_FROM,
    PartyType,
    ResultElement,
)
from ledger.errors import InvalidInputError
from ledger.i18n import _


class AccountabilityCase(CaseCommands, Aggregate):
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

    def _record(self, name: str, ctx: Context, **fields: Any) -> None:
        """Check the event against the rules (the same ones the audit replays), then record it
        through its event method below."""
        check_event(self.state, name, fields, ctx)
        self._event_methods()[name](**fields)

    def _event_methods(self) -> dict[str, Callable[..., None]]:
        return {
            "ResponsibilityAssigned": self._assigned,
            "ObjectionRecorded": self._objection_recorded,
            "FindingCorrected": self._finding_corrected,
            "TeamResponsibilityAssigned": self._team_assigned,
            "DefenceHeard": self._defence_heard,
            "DecisionIssued": self._decision_issued,
            "DecisionAnnounced": self._announced,
            "PersonnelFileEntered": self._filed,
            "DecisionReceived": self._received,
            "AppealFiled": self._appeal_filed,
            "AppealDecided": self._appeal_decided,
            "AppealDecisionNotified": self._appeal_notified,
            "ReferredToJudicialOrgan": self._referred,
            "Closed": self._closed,
            "Reopened": self._reopened,
        }

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
