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
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.authority import (
    NO_CONTEXT,
    Context,
    check_management_authority,
    check_sanction_by_discipline_organ,
)
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.ids import case_id
from ledger.domain.periods import period_end
from ledger.domain.regulation import (
    ANNOUNCE_WITHIN_DAYS,
    APPEAL_DECISION_WITHIN_DAYS,
    APPEAL_WITHIN_DAYS,
    GROUNDS,
    IN_FORCE_FROM,
    OTHER_REGULATION_GROUND,
    AppealOutcome,
    Consequence,
    PartyType,
    Responsibility,
    TeamRole,
)
from ledger.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation

OPEN = "open"
CLOSED = "closed"
#: Art. 11/12: who is told of a decision or of an appeal decision. For a unit, the unit; for a
#: person, "被追究责任者本人及其所在单位" / "申诉人及其所在单位": both.
TOLD_PERSON = "person"
TOLD_UNIT = "unit"


def required_told(party_type: PartyType) -> tuple[str, ...]:
    return (TOLD_UNIT,) if party_type is PartyType.UNIT else (TOLD_PERSON, TOLD_UNIT)


def party_key(party_type: PartyType, code: str) -> str:
    return f"{party_type.value}:{code}"


@dataclass(frozen=True)
class TeamMember:
    """A member of the leadership team named in a collective-responsibility finding (Art. 5)."""

    personnel_no: str
    role: TeamRole
    participated: bool = True


def check_grounds(grounds: Sequence[int], other_regulation: str, consequence: Consequence) -> None:
    """Art. 4: grounds are items (一)…(十六); (十六) names its regulation; some need harm."""
    if not grounds:
        raise RuleViolation("Art. 4", "ground required", "a case must cite at least one ground")
    for number in grounds:
        if number not in GROUNDS:
            raise RuleViolation(
                "Art. 4",
                "unknown ground",
                f"ground {number} is not one of Art. 4 items (一)…(十六) (1–16)",
            )
    if len(set(grounds)) != len(grounds):
        raise InvalidInput("a ground is cited twice")
    if OTHER_REGULATION_GROUND in grounds and not other_regulation.strip():
        raise RuleViolation(
            "Art. 4",
            "(十六) names its regulation",
            "ground (十六) 依照有关规定应当追究责任的其他情形 must name the other regulation "
            "relied on",
        )
    order = [Consequence.NONE, Consequence.ADVERSE_IMPACT, Consequence.SERIOUS]
    for number in grounds:
        ground = GROUNDS[number]
        if order.index(consequence) < order.index(ground.requires):
            serious = ground.requires is Consequence.SERIOUS
            needed = "严重后果" if serious else "不良影响或者严重后果"
            raise RuleViolation(
                "Art. 4",
                "consequence required",
                f"ground {ground.label} applies only where the situation caused {needed}; "
                f"the case records {consequence.label}",
            )


Fields = Mapping[str, Any]
Rule = Callable[["AccountabilityCase", Fields, Context], None]


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
        consequence: Consequence = Consequence.NONE,
        other_regulation: str = "",
        ctx: Context = NO_CONTEXT,
    ) -> AccountabilityCase:
        if not case_no.strip():
            raise InvalidInput("a case number is required")
        if not facts.strip():
            raise InvalidInput("the facts of the case are required")
        fields: dict[str, Any] = dict(
            case_no=case_no,
            incident_date=incident_date,
            grounds=sorted(grounds),
            other_regulation=other_regulation.strip(),
            facts=facts,
            consequence=consequence.value,
            opening_authority=opening_authority,
            opened_on=opened_on,
            # Art. 8: lifetime accountability for situations after the Measures took effect.
            lifetime=incident_date >= IN_FORCE_FROM,
        )
        if len(set(grounds)) != len(grounds):
            raise InvalidInput("a ground is cited twice")
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
        consequence: str,
        opening_authority: str,
        opened_on: dt.date,
        lifetime: bool,
    ) -> None:
        self.case_no = case_no
        self.incident_date = incident_date
        self.grounds = list(grounds)
        self.other_regulation = other_regulation
        self.facts = facts
        self.consequence = Consequence(consequence)
        self.opening_authority = opening_authority
        self.opened_on = opened_on
        self.lifetime = lifetime
        self.status = OPEN
        self.parties: dict[str, dict[str, Any]] = {}
        self.objections: dict[str, dt.date] = {}

    # reading ------------------------------------------------------------------------------
    def party(self, party_type: PartyType, code: str) -> dict[str, Any]:
        try:
            return self.parties[party_key(party_type, code)]
        except KeyError:
            raise NotFound(
                f"{party_type.label} {code} is not a party to case {self.case_no}; "
                "assign responsibility first"
            ) from None

    def _check_open(self) -> None:
        if self.status == CLOSED:
            raise _closed_case(self)

    def _record(self, name: str, trigger: Callable[..., None], ctx: Context, **fields: Any) -> None:
        """Check the event against the rules (the same ones the audit replays), then record."""
        check_event(self, name, fields, ctx)
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
            raise InvalidInput("the objection's content is required")
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
            raise InvalidInput("a corrected finding states its reason")
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
            raise InvalidInput("a team finding names the members of the leadership team")
        seen = [m.personnel_no for m in members]
        if len(set(seen)) != len(seen):
            raise InvalidInput("a team member is named twice")
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
        if member.personnel_no in self.objections:
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
            raise InvalidInput("the statement and defence heard must be summarised")
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
            raise InvalidInput("say to whom the decision was announced (Art. 11)")
        self._check_open()
        p = _decided(self, party_type.value, code)
        due = p["decision"]["announce_due"]
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
            raise InvalidInput("the file entry needs its reference and the custodian of the file")
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
        check_event(self, "AppealFiled", {"party_type": party_type.value, "party_code": code,
                                          "on": on, "text": text}, ctx)  # fmt: skip
        if not text.strip():
            raise InvalidInput("a written appeal (书面申诉) states its grounds")
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
        p = _decided(self, party_type.value, code)
        if p["appeal"] is None:
            check_event(self, "AppealDecided", {"party_type": party_type.value,
                                                "party_code": code}, ctx)  # fmt: skip
        if not reason.strip():
            raise InvalidInput("the appeal decision states its reasons")
        if outcome is AppealOutcome.MODIFIED:
            if measures is None:
                raise InvalidInput("a modified decision names the measures that now apply")
            measures.check(party_type)
        elif measures is not None:
            raise InvalidInput(f"an appeal {outcome.value} takes no new measures")
        due = p["appeal"]["decision_due"]
        self._record(
            "AppealDecided", self._appeal_decided, ctx,
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
            raise InvalidInput("say to whom the appeal decision was told in writing (Art. 12)")
        self._check_open()
        p = _decided(self, party_type.value, code)
        appeal = p["appeal"] or {}
        due = appeal.get("decision_due") or on
        self._record(
            "AppealDecisionNotified", self._appeal_notified, ctx,
            party_type=party_type.value, party_code=code, on=on, to=to,
            told=sorted(told if told is not None else required_told(party_type)),
            due=due, overdue=on > due,
        )  # fmt: skip

    def refer(
        self, party_type: PartyType, code: str, on: dt.date, organ: str, reason: str,
        ctx: Context = NO_CONTEXT,
    ) -> None:  # fmt: skip
        """Art. 7: a suspected crime is referred to the judicial organs (移送司法机关)."""
        if not organ.strip() or not reason.strip():
            raise InvalidInput("a referral names the judicial organ and the suspected offence")
        self._record(
            "ReferredToJudicialOrgan", self._referred, ctx,
            party_type=party_type.value, party_code=code, on=on, organ=organ, reason=reason,
        )  # fmt: skip

    def close(self, on: dt.date, summary: str, ctx: Context = NO_CONTEXT) -> None:
        """Closing never cuts off Art. 11 or Art. 12 (see :func:`_rule_closed`)."""
        check_event(self, "Closed", {"on": on, "summary": summary}, ctx)
        if not summary.strip():
            raise InvalidInput("closing states a summary (结案意见)")
        self._record("Closed", self._closed, ctx, on=on, summary=summary)

    def reopen(self, on: dt.date, reason: str, ctx: Context = NO_CONTEXT) -> None:
        """A closed case is reopened only by a signed event stating why (new facts, a late
        referral to the judicial organs); the reopening shows in the timeline."""
        if not reason.strip():
            raise InvalidInput("reopening a case states its reason (new facts, a late referral…)")
        self._record("Reopened", self._reopened, ctx, on=on, reason=reason)

    # events -------------------------------------------------------------------------------
    def _new_party(
        self,
        party_type: str,
        code: str,
        responsibility: str,
        on: dt.date,
        team_role: str | None,
        individual_decision: bool,
    ) -> None:
        self.parties[f"{party_type}:{code}"] = {
            "party_type": party_type,
            "code": code,
            "responsibility": responsibility,
            "team_role": team_role,
            "individual_decision": individual_decision,
            "assigned_on": on,
            "hearings": [],
            "decision": None,
            "announced_on": None,
            "filed_on": None,
            "received_on": None,
            "appeal_due": None,
            "appeal": None,
            "referral": None,
            "hearing_needed": False,
        }

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
        self._new_party(party_type, party_code, responsibility, on, team_role, individual_decision)

    @event("ObjectionRecorded")
    def _objection_recorded(
        self, personnel_no: str, on: dt.date, text: str, at_hearing: bool = False
    ) -> None:
        self.objections[personnel_no] = on

    @event("FindingCorrected")
    def _finding_corrected(
        self, party_type: str, party_code: str, responsibility: str, on: dt.date, reason: str
    ) -> None:
        self.parties[f"{party_type}:{party_code}"]["responsibility"] = responsibility

    @event("TeamResponsibilityAssigned")
    def _team_assigned(self, unit_code: str, members: list[dict[str, Any]], on: dt.date) -> None:
        self._new_party("unit", unit_code, Responsibility.COLLECTIVE.value, on, None, False)
        for m in members:
            self._new_party(
                "person", m["personnel_no"], m["responsibility"], on, m["team_role"], False
            )

    @event("DefenceHeard")
    def _defence_heard(self, party_type: str, party_code: str, on: dt.date, statement: str) -> None:
        p = self.parties[f"{party_type}:{party_code}"]
        p["hearings"].append({"on": on})
        p["hearing_needed"] = False
        if p["appeal"] is not None and p["appeal"]["outcome"] is None:
            p["appeal"]["heard"] = True

    @event("DecisionIssued")
    def _decision_issued(
        self,
        party_type: str,
        party_code: str,
        document: dict[str, Any],
        deciding_authority: str,
        announce_due: dt.date,
    ) -> None:
        p = self.parties[f"{party_type}:{party_code}"]
        p["decision"] = {
            **document,
            "deciding_authority": deciding_authority,
            "announce_due": announce_due,
            "revoked": False,
        }
        p["announced_on"] = p["received_on"] = p["appeal_due"] = p["appeal"] = None
        p["filed_on"] = None

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
        self.parties[f"{party_type}:{party_code}"]["announced_on"] = on

    @event("PersonnelFileEntered")
    def _filed(self, personnel_no: str, on: dt.date, file_ref: str, custodian: str) -> None:
        self.parties[f"person:{personnel_no}"]["filed_on"] = on

    @event("DecisionReceived")
    def _received(self, party_type: str, party_code: str, on: dt.date, appeal_due: dt.date) -> None:
        p = self.parties[f"{party_type}:{party_code}"]
        p["received_on"] = on
        p["appeal_due"] = appeal_due

    @event("AppealFiled")
    def _appeal_filed(
        self, party_type: str, party_code: str, on: dt.date, text: str, decision_due: dt.date
    ) -> None:
        self.parties[f"{party_type}:{party_code}"]["appeal"] = {
            "on": on,
            "decision_due": decision_due,
            "outcome": None,
            "decided_on": None,
            "heard": False,
            "notified_on": None,
        }

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
        p = self.parties[f"{party_type}:{party_code}"]
        p["appeal"]["outcome"] = outcome
        p["appeal"]["decided_on"] = on
        if outcome == AppealOutcome.REVOKED.value:
            p["decision"]["revoked"] = True
            p["hearing_needed"] = True  # Art. 9: a new decision needs a new hearing
        elif measures is not None:
            p["decision"].update(measures)

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
        self.parties[f"{party_type}:{party_code}"]["appeal"]["notified_on"] = on

    @event("ReferredToJudicialOrgan")
    def _referred(
        self, party_type: str, party_code: str, on: dt.date, organ: str, reason: str
    ) -> None:
        self.parties[f"{party_type}:{party_code}"]["referral"] = {"on": on, "organ": organ}

    @event("Closed")
    def _closed(self, on: dt.date, summary: str) -> None:
        self.status = CLOSED
        self.closed_on = on

    @event("Reopened")
    def _reopened(self, on: dt.date, reason: str) -> None:
        self.status = OPEN
        self.reopened_on = on


# the rules: one predicate per event, over the state before it ------------------------------
def check_opening(f: Fields) -> None:
    """The rules of an ``Opened`` event (no state before it)."""
    if f["opened_on"] < f["incident_date"]:
        raise InvalidInput(
            f"the case cannot be opened ({f['opened_on']}) before the incident "
            f"({f['incident_date']})"
        )
    check_grounds(f["grounds"], f["other_regulation"], Consequence(f["consequence"]))


def check_event(case: AccountabilityCase, name: str, f: Fields, ctx: Context) -> None:
    """Every rule of the Measures for recording event ``name`` with fields ``f`` on ``case``
    as it stands; raises the typed error of the first rule broken."""
    if name != "Reopened" and case.status == CLOSED:
        raise _closed_case(case)
    RULES[name](case, f, ctx)


def _closed_case(case: AccountabilityCase) -> RuleViolation:
    return RuleViolation(
        "",
        "closed case",
        f"case {case.case_no} is closed (已结案); it takes no further events",
        "Reopen it with `case reopen --reason …` if there are new facts.",
    )


def _when(case: AccountabilityCase, on: dt.date, after: dt.date, what: str,
          after_what: str) -> None:
    if on < after:
        raise InvalidInput(f"{what} on {on} cannot precede {after_what} on {after}")


def _existing(case: AccountabilityCase, party_type: str, code: str) -> dict[str, Any]:
    return case.party(PartyType(party_type), code)


def _decided(
    case: AccountabilityCase, party_type: str, code: str, in_force: bool = False
) -> dict[str, Any]:
    p = _existing(case, party_type, code)
    label = PartyType(party_type).label
    if p["decision"] is None:
        raise RuleViolation(
            "Art. 10",
            "decision first",
            f"no 《责任追究决定书》 has been issued to {label} {code} in case {case.case_no}",
        )
    if in_force and p["decision"]["revoked"]:
        raise RuleViolation(
            "Art. 12",
            "revoked decision",
            f"the decision for {label} {code} in case {case.case_no} was revoked on appeal; it "
            "is neither announced nor entered in a personnel file",
        )
    return p


def _check_told(party_type: str, told: Sequence[str] | None, article: str, what: str) -> None:
    """Art. 11/12: a unit is told; a person is told together with their unit."""
    if told is None:  # recorded before the recipients were recorded
        return
    missing = [t for t in required_told(PartyType(party_type)) if t not in told]
    if missing:
        whom = "本人及其所在单位" if party_type == PartyType.PERSON.value else "被追究责任的单位"
        raise RuleViolation(
            article,
            f"{what} names who was told",
            f"{what} is made to {whom}; the record does not say the "
            + " and the ".join(missing)
            + " was told",
        )


def _objector_leadership(case: AccountabilityCase, code: str, responsibility: str) -> None:
    """Art. 5 para. 3: an overruled objector bears no leadership responsibility."""
    if Responsibility(responsibility).is_leadership and code in case.objections:
        raise RuleViolation(
            "Art. 5",
            "overruled objection bears no leadership responsibility",
            f"cadre {code} explicitly objected to the wrong decision on "
            f"{case.objections[code]} and was overruled; they bear no leadership "
            "responsibility (不承担领导责任)",
        )


def _individual_or_collective(case: AccountabilityCase, team: bool) -> None:
    """Art. 5 para. 3: a wrong decision one member took or approved alone is that member's
    individual responsibility; it is not also derived collectively over the same matter."""
    alone = [p["code"] for p in case.parties.values() if p["individual_decision"]]
    derived = [p["code"] for p in case.parties.values() if p["team_role"] is not None]
    if team and alone:
        raise RuleViolation(
            "Art. 5",
            "individual decision excludes collective derivation",
            f"cadre {alone[0]} decided or approved alone (个人决定或者批准) in case "
            f"{case.case_no}; that member bears the responsibility individually, not the team",
        )
    if not team and derived:
        raise RuleViolation(
            "Art. 5",
            "individual decision excludes collective derivation",
            f"case {case.case_no} already derives collective responsibility of a team "
            f"({', '.join(derived)}); a decision taken alone is not also derived collectively",
        )


def _rule_assigned(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 5 (kinds of responsibility), Art. 6 (management authority)."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    responsibility = Responsibility(f["responsibility"])
    _when(case, f["on"], case.opened_on, "the finding", "the opening of the case")
    if ptype is PartyType.UNIT and responsibility is not Responsibility.COLLECTIVE:
        raise RuleViolation(
            "Art. 5",
            "units bear collective responsibility",
            f"a unit bears collective responsibility (集体责任), not {responsibility.label}",
        )
    if ptype is PartyType.UNIT and f["individual_decision"]:
        raise RuleViolation(
            "Art. 5",
            "individual decisions are taken by persons",
            "a decision taken or approved by one team member alone (个人决定或者批准) is "
            "that member's responsibility, not a unit's",
        )
    if ptype is PartyType.PERSON and responsibility in (
        Responsibility.COLLECTIVE,
        Responsibility.NONE,
    ):
        raise RuleViolation(
            "Art. 5",
            "persons bear direct or leadership responsibility",
            "a person bears 直接责任, 主要领导责任 or 重要领导责任, "
            f"not {responsibility.label}",
        )
    if ptype is PartyType.PERSON:
        _objector_leadership(case, code, responsibility.value)
    if f["individual_decision"]:
        _individual_or_collective(case, team=False)
    if party_key(ptype, code) in case.parties:
        raise AlreadyExists(
            f"{ptype.label} {code} already has a responsibility finding in case {case.case_no}"
        )
    check_management_authority(ctx, ptype.value, code, f["on"])


def _rule_objection(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 5: an objection may be recorded at any time while the case is open."""
    if f["personnel_no"] in case.objections:
        raise AlreadyExists(f"an objection by {f['personnel_no']} is already recorded")


def _rule_corrected(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 5: a person's finding is corrected (e.g. to none, for an overruled objector)
    while no decision on it is in force; a decision in force changes only on appeal."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = _existing(case, ptype.value, code)
    _when(case, f["on"], p["assigned_on"], "the correction", "the finding")
    responsibility = Responsibility(f["responsibility"])
    if ptype is PartyType.UNIT:
        raise RuleViolation(
            "Art. 5",
            "units bear collective responsibility",
            "a unit's finding is collective responsibility (集体责任); it is not corrected",
        )
    if responsibility is Responsibility.COLLECTIVE:
        raise RuleViolation(
            "Art. 5",
            "persons bear direct or leadership responsibility",
            "a person bears 直接责任, 主要领导责任, 重要领导责任 or none, not 集体责任",
        )
    _objector_leadership(case, code, responsibility.value)
    if p["decision"] is not None and not p["decision"]["revoked"]:
        raise RuleViolation(
            "Art. 12",
            "a decision in force changes on appeal",
            f"a decision for cadre {code} in case {case.case_no} is in force; its finding "
            "changes only through the appeal (申诉) to the deciding authority",
        )
    if responsibility.value == p["responsibility"]:
        raise InvalidInput(f"cadre {code} already bears {responsibility.label}")


def _rule_team(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 5 para. 2–3 and Art. 6, for the unit and each member."""
    _when(case, f["on"], case.opened_on, "the finding", "the opening of the case")
    if party_key(PartyType.UNIT, f["unit_code"]) in case.parties:
        raise AlreadyExists(f"unit {f['unit_code']} already has a finding in case {case.case_no}")
    for m in f["members"]:
        if party_key(PartyType.PERSON, m["personnel_no"]) in case.parties:
            raise AlreadyExists(
                f"cadre {m['personnel_no']} already has a finding in case {case.case_no}"
            )
        _objector_leadership(case, m["personnel_no"], m["responsibility"])
    _individual_or_collective(case, team=True)
    check_management_authority(ctx, PartyType.UNIT.value, f["unit_code"], f["on"])
    for m in f["members"]:
        check_management_authority(ctx, PartyType.PERSON.value, m["personnel_no"], f["on"])


def _rule_heard(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    p = _existing(case, f["party_type"], f["party_code"])
    _when(case, f["on"], p["assigned_on"], "the hearing", "the finding")


def _rule_decided(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 5, 9, 10, 7, 12 and 6 for a decision."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = _existing(case, ptype.value, code)
    doc = DecisionDocument.from_dict(f["document"])
    if p["responsibility"] == Responsibility.NONE.value:
        raise RuleViolation(
            "Art. 5",
            "no responsibility, no decision",
            f"cadre {code} bears no leadership responsibility in case {case.case_no} "
            "(overruled objection or no part in the decision)",
        )
    if ptype is PartyType.PERSON:
        try:
            _objector_leadership(case, code, p["responsibility"])
        except RuleViolation as e:
            raise RuleViolation(e.article, e.rule, e.message, "Correct the finding first "
                                "(`case correct-finding`).") from None  # fmt: skip
    if not p["hearings"]:
        raise RuleViolation(
            "Art. 9",
            "hearing before decision",
            f"no statement and defence (说明和申辩) of {ptype.label} {code} is on record in "
            f"case {case.case_no}",
            "Record it with `case hear` first.",
        )
    if p["decision"] is not None and not p["decision"].get("revoked"):
        raise AlreadyExists(
            f"a decision was already issued to {ptype.label} {code} in case {case.case_no}; a "
            "change goes through appeal (Art. 12)"
        )
    if p.get("hearing_needed"):
        raise RuleViolation(
            "Art. 9",
            "hearing before every decision",
            f"the earlier decision for {ptype.label} {code} was revoked on appeal; a new "
            "decision needs a new statement and defence (说明和申辩) heard after the revocation",
            "Record it with `case hear` first.",
        )
    doc.check(ptype)
    last_heard = max(h["on"] for h in p["hearings"])
    _when(case, doc.decided_on, last_heard, "the decision", "the hearing")
    if doc.appeal_authority.strip() != f["deciding_authority"].strip():
        raise RuleViolation(
            "Art. 12",
            "受理机关 is the deciding authority",
            f"the document names {doc.appeal_authority} as 受理机关, but appeals go to the "
            f"authority that decides ({f['deciding_authority']}): 向作出责任追究决定的机关提出",
        )
    check_sanction_by_discipline_organ(ctx, f["document"]["measures"])
    check_management_authority(ctx, ptype.value, code, doc.decided_on)


def _rule_announced(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 11: the decision in force is announced once, to the unit, or the person and unit."""
    p = _decided(case, f["party_type"], f["party_code"], in_force=True)
    _when(case, f["on"], p["decision"]["decided_on"], "the announcement", "the decision")
    if p["announced_on"] is not None:
        raise AlreadyExists(f"the decision was already announced on {p['announced_on']}")
    _check_told(f["party_type"], f.get("told"), "Art. 11", "the announcement")


def _rule_filed(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 11: for persons, the materials go into the personnel file (人事档案)."""
    no = f["personnel_no"]
    if party_key(PartyType.PERSON, no) not in case.parties and (
        party_key(PartyType.UNIT, no) in case.parties
    ):
        raise RuleViolation(
            "Art. 11",
            "personnel files are for persons",
            f"{no} is a unit; only persons have a personnel file (人事档案)",
        )
    p = _decided(case, PartyType.PERSON.value, no, in_force=True)
    _when(case, f["on"], p["decision"]["decided_on"], "the file entry", "the decision")


def _rule_received(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    p = _decided(case, f["party_type"], f["party_code"])
    _when(case, f["on"], p["decision"]["decided_on"], "receipt", "the decision")
    if p["received_on"] is not None:
        raise AlreadyExists(f"receipt was already recorded on {p['received_on']}")


def _rule_appealed(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 12: a written appeal within 15 days of receipt."""
    p = _decided(case, f["party_type"], f["party_code"])
    if p["received_on"] is None:
        raise RuleViolation(
            "Art. 12",
            "receipt first",
            "the appeal period runs from receipt of the decision; record the receipt date "
            "first (`case receive`)",
        )
    if p["appeal"] is not None:
        raise AlreadyExists(f"an appeal was already filed on {p['appeal']['on']}")
    _when(case, f["on"], p["received_on"], "the appeal", "receipt of the decision")
    due = p["appeal_due"]
    if f["on"] > due:
        raise RuleViolation(
            "Art. 12",
            "appeal within 15 days",
            f"the appeal of {f['on']} is outside the 15-day period that began with receipt on "
            f"{p['received_on']} and ended on {due}",
        )


#: Art. 7 lists a person's organisational measures as 诫勉谈话、调离岗位、引咎辞职、责令辞职、免职、
#: 降职; reading that order as rising gravity is this ledger's convention, not the text's.
GRAVITY = [
    "admonition_talk", "transfer", "resignation_for_fault", "ordered_resignation", "dismissal",
    "demotion",
]  # fmt: skip


def _adds_measures(decision: Mapping[str, Any], measures: Mapping[str, Any]) -> bool:
    """Whether an appeal outcome adds to the measures (Art. 9 then asks for a new hearing): a
    graver circumstance for a unit; for a person a 纪律处分 or another named measure not there
    before, or an organisational measure graver than any before (see :data:`GRAVITY`)."""
    order = ["minor", "serious", "grave"]
    if decision.get("severity") and measures.get("severity"):
        return order.index(measures["severity"]) > order.index(decision["severity"])
    old, new = set(decision["measures"]), set(measures["measures"])
    if {"disciplinary_sanction", "other_organisational"} & (new - old):
        return True
    rank = [GRAVITY.index(m) for m in old if m in GRAVITY] or [-1]
    return any(GRAVITY.index(m) > max(rank) for m in new if m in GRAVITY)


def _rule_appeal_decided(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 12 (the deciding authority decides), Art. 9 (heard again before more measures),
    Art. 6 (management authority, 纪律处分)."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = _decided(case, ptype.value, code)
    if p["appeal"] is None:
        raise RuleViolation(
            "Art. 12",
            "appeal first",
            f"no appeal by {ptype.label} {code} is on record in case {case.case_no}",
        )
    if p["appeal"]["outcome"] is not None:
        raise AlreadyExists(f"the appeal was already decided on {p['appeal']['decided_on']}")
    authority = f.get("authority")
    if authority is not None and authority != p["decision"]["deciding_authority"]:
        raise RuleViolation(
            "Art. 12",
            "appeal decided by the deciding authority",
            "the appeal goes to the authority that decided "
            f"({p['decision']['deciding_authority']}), not {authority}",
        )
    _when(case, f["on"], p["appeal"]["on"], "the appeal decision", "the appeal")
    measures = f.get("measures")
    if measures is not None:
        if _adds_measures(p["decision"], measures) and not p["appeal"].get("heard"):
            raise RuleViolation(
                "Art. 9",
                "hearing before every decision",
                f"the appeal outcome adds to the measures on {ptype.label} {code}; hear the "
                "party's statement and defence (说明和申辩) after the appeal first",
                "Record it with `case hear` first.",
            )
        check_sanction_by_discipline_organ(ctx, measures["measures"])
    check_management_authority(ctx, ptype.value, code, f["on"])


def _rule_appeal_notified(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Art. 12: the appeal decision, once made, is told in writing, once."""
    ptype, code = PartyType(f["party_type"]), f["party_code"]
    p = _decided(case, ptype.value, code)
    appeal = p["appeal"]
    if appeal is None or appeal["outcome"] is None:
        raise RuleViolation(
            "Art. 12",
            "appeal decision first",
            f"no appeal decision for {ptype.label} {code} in case {case.case_no} is on record",
        )
    if appeal.get("notified_on") is not None:
        raise AlreadyExists(f"the appeal decision was already told on {appeal['notified_on']}")
    _when(case, f["on"], appeal["decided_on"], "the written notice", "the appeal decision")
    _check_told(ptype.value, f["told"], "Art. 12", "the written notice")


def _rule_referred(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    p = _existing(case, f["party_type"], f["party_code"])
    _when(case, f["on"], p["assigned_on"], "the referral", "the finding")


def outstanding(case: AccountabilityCase, on: dt.date) -> list[RuleViolation]:
    """What keeps a case from closing on ``on``: every Art. 11 and Art. 12 step still owed or
    still open to the party (a closed case must not cut off an appeal)."""
    found = []
    for key, p in case.parties.items():
        decision = p["decision"]
        if decision is None:
            continue
        appeal = p["appeal"]
        if not decision["revoked"]:
            if p["announced_on"] is None:
                found.append(RuleViolation(
                    "Art. 11", "announce before closing",
                    f"the decision for {key} has not been announced",
                ))  # fmt: skip
            if p["party_type"] == PartyType.PERSON.value and p["filed_on"] is None:
                found.append(RuleViolation(
                    "Art. 11", "file entry before closing",
                    f"the decision for {key} is not yet entered in the personnel file (人事档案)",
                ))  # fmt: skip
            if p["received_on"] is None:
                found.append(RuleViolation(
                    "Art. 12", "receipt before closing",
                    f"receipt of the decision by {key} is not recorded; its 15-day appeal "
                    "period has not started",
                ))  # fmt: skip
            elif appeal is None and on <= p["appeal_due"]:
                found.append(RuleViolation(
                    "Art. 12", "appeal period running",
                    f"{key} may appeal until {p['appeal_due']}; close after that day",
                ))  # fmt: skip
        if appeal is not None and appeal["outcome"] is None:
            found.append(RuleViolation(
                "Art. 12", "decide appeals before closing",
                f"the appeal of {key} filed on {appeal['on']} awaits its decision",
            ))  # fmt: skip
        elif appeal is not None and "notified_on" in appeal and appeal["notified_on"] is None:
            found.append(RuleViolation(
                "Art. 12", "notify the appeal decision before closing",
                f"the appeal decision for {key} has not been told in writing",
            ))  # fmt: skip
    return found


def _rule_closed(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    """Closing never cuts off Art. 11 or Art. 12: refused while a decision is unannounced or
    not in the personnel file, its receipt unrecorded, its appeal period running, an appeal
    undecided or its decision not told in writing."""
    _when(case, f["on"], case.opened_on, "closing", "the opening of the case")
    found = outstanding(case, f["on"])
    if found:
        raise found[0]


def _rule_reopened(case: AccountabilityCase, f: Fields, ctx: Context) -> None:
    if case.status != CLOSED:
        raise RuleViolation(
            "", "reopen a closed case", f"case {case.case_no} is open; only a closed case reopens"
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
    "Closed": _rule_closed,
    "Reopened": _rule_reopened,
}
