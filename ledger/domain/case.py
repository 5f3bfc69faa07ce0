"""An accountability case (信访工作责任追究案件): every step one immutable event.

Commands are verbs that check the Measures' rules first and raise a typed error naming the
article; only then do they trigger an event (past tense). Event handlers never validate: they
only apply what was already decided, so replay is always possible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, event

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
    ) -> AccountabilityCase:
        if not case_no.strip():
            raise InvalidInput("a case number is required")
        if not facts.strip():
            raise InvalidInput("the facts of the case are required")
        if opened_on < incident_date:
            raise InvalidInput(
                f"the case cannot be opened ({opened_on}) before the incident ({incident_date})"
            )
        check_grounds(grounds, other_regulation, consequence)
        return cls(
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

    # guards -------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self.status == CLOSED:
            raise RuleViolation(
                "",
                "closed case",
                f"case {self.case_no} is closed (已结案); it takes no further events",
                "Record a correction by opening a new case that refers to it.",
            )

    def _check_date(self, on: dt.date, after: dt.date, what: str, after_what: str) -> None:
        if on < after:
            raise InvalidInput(f"{what} on {on} cannot precede {after_what} on {after}")

    def party(self, party_type: PartyType, code: str) -> dict[str, Any]:
        try:
            return self.parties[party_key(party_type, code)]
        except KeyError:
            raise NotFound(
                f"{party_type.label} {code} is not a party to case {self.case_no}; "
                "assign responsibility first"
            ) from None

    def _decided_party(
        self, party_type: PartyType, code: str, in_force: bool = False
    ) -> dict[str, Any]:
        p = self.party(party_type, code)
        if p["decision"] is None:
            raise RuleViolation(
                "Art. 10",
                "decision first",
                f"no 《责任追究决定书》 has been issued to {party_type.label} {code} "
                f"in case {self.case_no}",
            )
        if in_force and p["decision"]["revoked"]:
            raise RuleViolation(
                "Art. 12",
                "revoked decision",
                f"the decision for {party_type.label} {code} in case {self.case_no} was revoked "
                "on appeal; it is neither announced nor entered in a personnel file",
            )
        return p

    # commands -----------------------------------------------------------------------------
    def assign(
        self,
        party_type: PartyType,
        code: str,
        responsibility: Responsibility,
        on: dt.date,
        individual_decision: bool = False,
    ) -> None:
        """Art. 5: units bear collective responsibility, persons direct or leadership."""
        self._check_open()
        self._check_date(on, self.opened_on, "the finding", "the opening of the case")
        if party_type is PartyType.UNIT and responsibility is not Responsibility.COLLECTIVE:
            raise RuleViolation(
                "Art. 5",
                "units bear collective responsibility",
                f"a unit bears collective responsibility (集体责任), not {responsibility.label}",
            )
        if party_type is PartyType.UNIT and individual_decision:
            raise RuleViolation(
                "Art. 5",
                "individual decisions are taken by persons",
                "a decision taken or approved by one team member alone (个人决定或者批准) is "
                "that member's responsibility, not a unit's",
            )
        if party_type is PartyType.PERSON and responsibility in (
            Responsibility.COLLECTIVE,
            Responsibility.NONE,
        ):
            raise RuleViolation(
                "Art. 5",
                "persons bear direct or leadership responsibility",
                "a person bears 直接责任, 主要领导责任 or 重要领导责任, "
                f"not {responsibility.label}",
            )
        if (
            party_type is PartyType.PERSON
            and responsibility.is_leadership
            and code in self.objections
        ):  # Art. 5 para. 3: unconditional; an objector did not take the decision alone either
            raise RuleViolation(
                "Art. 5",
                "overruled objection bears no leadership responsibility",
                f"cadre {code} explicitly objected to the wrong decision on "
                f"{self.objections[code]} and was overruled; they bear no leadership "
                "responsibility (不承担领导责任)",
            )
        if party_key(party_type, code) in self.parties:
            raise AlreadyExists(
                f"{party_type.label} {code} already has a responsibility finding in case "
                f"{self.case_no}"
            )
        self._assigned(
            party_type=party_type.value,
            party_code=code,
            responsibility=responsibility.value,
            on=on,
            individual_decision=individual_decision,
            team_role=None,
        )

    def record_objection(self, personnel_no: str, on: dt.date, text: str) -> None:
        """Art. 5: a member who explicitly objected and was overruled bears no leadership
        responsibility; the objection must be on record before the finding."""
        self._check_open()
        if not text.strip():
            raise InvalidInput("the objection's content is required")
        if personnel_no in self.objections:
            raise AlreadyExists(f"an objection by {personnel_no} is already recorded")
        p = self.parties.get(party_key(PartyType.PERSON, personnel_no))
        if p is not None and Responsibility(p["responsibility"]).is_leadership:
            raise RuleViolation(
                "Art. 5",
                "objection before the finding",
                f"cadre {personnel_no} was already found to bear leadership responsibility; "
                "record the objection before the finding",
            )
        self._objection_recorded(personnel_no=personnel_no, on=on, text=text)

    def assign_team(self, unit_code: str, members: Sequence[TeamMember], on: dt.date) -> None:
        """Art. 5 para. 2–3: collective responsibility of a team, derived member by member."""
        self._check_open()
        self._check_date(on, self.opened_on, "the finding", "the opening of the case")
        if party_key(PartyType.UNIT, unit_code) in self.parties:
            raise AlreadyExists(f"unit {unit_code} already has a finding in case {self.case_no}")
        if not members:
            raise InvalidInput("a team finding names the members of the leadership team")
        seen = [m.personnel_no for m in members]
        if len(set(seen)) != len(seen):
            raise InvalidInput("a team member is named twice")
        derived = []
        for m in members:
            if party_key(PartyType.PERSON, m.personnel_no) in self.parties:
                raise AlreadyExists(
                    f"cadre {m.personnel_no} already has a finding in case {self.case_no}"
                )
            derived.append(
                {
                    "personnel_no": m.personnel_no,
                    "team_role": m.role.value,
                    "participated": m.participated,
                    "responsibility": self.derive(m).value,
                }
            )
        self._team_assigned(unit_code=unit_code, members=derived, on=on)

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

    def hear(self, party_type: PartyType, code: str, on: dt.date, statement: str) -> None:
        """Art. 9: the party's statement and defence (说明和申辩) is heard before a decision."""
        self._check_open()
        p = self.party(party_type, code)
        self._check_date(on, p["assigned_on"], "the hearing", "the finding")
        if not statement.strip():
            raise InvalidInput("the statement and defence heard must be summarised")
        self._defence_heard(
            party_type=party_type.value, party_code=code, on=on, statement=statement
        )

    def decide(
        self, party_type: PartyType, code: str, document: DecisionDocument, deciding_authority: str
    ) -> None:
        """Art. 9, 10, 7: heard first, a complete document, measures fit for the party."""
        self._check_open()
        p = self.party(party_type, code)
        if p["responsibility"] == Responsibility.NONE.value:
            raise RuleViolation(
                "Art. 5",
                "no responsibility, no decision",
                f"cadre {code} bears no leadership responsibility in case {self.case_no} "
                "(overruled objection or no part in the decision)",
            )
        if not p["hearings"]:
            raise RuleViolation(
                "Art. 9",
                "hearing before decision",
                f"no statement and defence (说明和申辩) of {party_type.label} {code} is on "
                f"record in case {self.case_no}",
                "Record it with `case hear` first.",
            )
        if p["decision"] is not None and not p["decision"].get("revoked"):
            raise AlreadyExists(
                f"a decision was already issued to {party_type.label} {code} in case "
                f"{self.case_no}; a change goes through appeal (Art. 12)"
            )
        document.check(party_type)
        last_heard = max(h["on"] for h in p["hearings"])
        self._check_date(document.decided_on, last_heard, "the decision", "the hearing")
        self._decision_issued(
            party_type=party_type.value,
            party_code=code,
            document=document.to_dict(),
            deciding_authority=deciding_authority,
            announce_due=period_end(document.decided_on, ANNOUNCE_WITHIN_DAYS),
        )

    def announce(self, party_type: PartyType, code: str, on: dt.date, to: str) -> None:
        """Art. 11: announce within 30 days; a late announcement is recorded, flagged."""
        self._check_open()
        p = self._decided_party(party_type, code, in_force=True)
        self._check_date(on, p["decision"]["decided_on"], "the announcement", "the decision")
        if p["announced_on"] is not None:
            raise AlreadyExists(f"the decision was already announced on {p['announced_on']}")
        if not to.strip():
            raise InvalidInput("say to whom the decision was announced (Art. 11)")
        due = p["decision"]["announce_due"]
        self._announced(
            party_type=party_type.value, party_code=code, on=on, to=to, due=due, overdue=on > due
        )

    def enter_in_file(self, personnel_no: str, on: dt.date, file_ref: str, custodian: str) -> None:
        """Art. 11: for persons, the materials go into the personnel file (人事档案)."""
        self._check_open()
        if party_key(PartyType.PERSON, personnel_no) not in self.parties and (
            party_key(PartyType.UNIT, personnel_no) in self.parties
        ):
            raise RuleViolation(
                "Art. 11",
                "personnel files are for persons",
                f"{personnel_no} is a unit; only persons have a personnel file (人事档案)",
            )
        p = self._decided_party(PartyType.PERSON, personnel_no, in_force=True)
        self._check_date(on, p["decision"]["decided_on"], "the file entry", "the decision")
        if not file_ref.strip() or not custodian.strip():
            raise InvalidInput("the file entry needs its reference and the custodian of the file")
        self._filed(personnel_no=personnel_no, on=on, file_ref=file_ref, custodian=custodian)

    def receive(self, party_type: PartyType, code: str, on: dt.date) -> None:
        """Art. 12: the appeal period runs from receipt of the decision document."""
        self._check_open()
        p = self._decided_party(party_type, code)
        self._check_date(on, p["decision"]["decided_on"], "receipt", "the decision")
        if p["received_on"] is not None:
            raise AlreadyExists(f"receipt was already recorded on {p['received_on']}")
        self._received(
            party_type=party_type.value,
            party_code=code,
            on=on,
            appeal_due=period_end(on, APPEAL_WITHIN_DAYS),
        )

    def appeal(self, party_type: PartyType, code: str, on: dt.date, text: str) -> None:
        """Art. 12: a written appeal within 15 days of receipt, to the deciding authority."""
        self._check_open()
        p = self._decided_party(party_type, code)
        if p["received_on"] is None:
            raise RuleViolation(
                "Art. 12",
                "receipt first",
                "the appeal period runs from receipt of the decision; record the receipt date "
                "first (`case receive`)",
            )
        if p["appeal"] is not None:
            raise AlreadyExists(f"an appeal was already filed on {p['appeal']['on']}")
        self._check_date(on, p["received_on"], "the appeal", "receipt of the decision")
        due = p["appeal_due"]
        if on > due:
            raise RuleViolation(
                "Art. 12",
                "appeal within 15 days",
                f"the appeal of {on} is outside the 15-day period that began with receipt on "
                f"{p['received_on']} and ended on {due}",
            )
        if not text.strip():
            raise InvalidInput("a written appeal (书面申诉) states its grounds")
        self._appeal_filed(
            party_type=party_type.value,
            party_code=code,
            on=on,
            text=text,
            decision_due=period_end(on, APPEAL_DECISION_WITHIN_DAYS),
        )

    def decide_appeal(
        self,
        party_type: PartyType,
        code: str,
        on: dt.date,
        outcome: AppealOutcome,
        reason: str,
        authority: str,
        measures: Measures | None = None,
    ) -> None:
        """Art. 12: the deciding authority decides within 30 days; the measures stay in force
        meanwhile. A late decision is recorded, flagged overdue."""
        self._check_open()
        p = self._decided_party(party_type, code)
        if p["appeal"] is None:
            raise RuleViolation(
                "Art. 12",
                "appeal first",
                f"no appeal by {party_type.label} {code} is on record in case {self.case_no}",
            )
        if p["appeal"]["outcome"] is not None:
            raise AlreadyExists(f"the appeal was already decided on {p['appeal']['decided_on']}")
        if authority != p["decision"]["deciding_authority"]:
            raise RuleViolation(
                "Art. 12",
                "appeal decided by the deciding authority",
                "the appeal goes to the authority that decided "
                f"({p['decision']['deciding_authority']}), not {authority}",
            )
        self._check_date(on, p["appeal"]["on"], "the appeal decision", "the appeal")
        if not reason.strip():
            raise InvalidInput("the appeal decision states its reasons")
        if outcome is AppealOutcome.MODIFIED:
            if measures is None:
                raise InvalidInput("a modified decision names the measures that now apply")
            measures.check(party_type)
        elif measures is not None:
            raise InvalidInput(f"an appeal {outcome.value} takes no new measures")
        due = p["appeal"]["decision_due"]
        self._appeal_decided(
            party_type=party_type.value,
            party_code=code,
            on=on,
            outcome=outcome.value,
            reason=reason,
            measures=measures.to_dict() if measures else None,
            due=due,
            overdue=on > due,
        )

    def refer(self, party_type: PartyType, code: str, on: dt.date, organ: str, reason: str) -> None:
        """Art. 7: a suspected crime is referred to the judicial organs (移送司法机关)."""
        self._check_open()
        p = self.party(party_type, code)
        self._check_date(on, p["assigned_on"], "the referral", "the finding")
        if not organ.strip() or not reason.strip():
            raise InvalidInput("a referral names the judicial organ and the suspected offence")
        self._referred(
            party_type=party_type.value, party_code=code, on=on, organ=organ, reason=reason
        )

    def close(self, on: dt.date, summary: str) -> None:
        """Closing needs every decision announced (Art. 11) and every appeal decided (Art. 12)."""
        self._check_open()
        self._check_date(on, self.opened_on, "closing", "the opening of the case")
        for key, p in self.parties.items():
            decision = p["decision"]
            if decision is not None and not decision["revoked"] and p["announced_on"] is None:
                raise RuleViolation(
                    "Art. 11",
                    "announce before closing",
                    f"the decision for {key} has not been announced",
                )
            if p["appeal"] is not None and p["appeal"]["outcome"] is None:
                raise RuleViolation(
                    "Art. 12",
                    "decide appeals before closing",
                    f"the appeal of {key} filed on {p['appeal']['on']} awaits its decision",
                )
        if not summary.strip():
            raise InvalidInput("closing states a summary (结案意见)")
        self._closed(on=on, summary=summary)

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
    def _objection_recorded(self, personnel_no: str, on: dt.date, text: str) -> None:
        self.objections[personnel_no] = on

    @event("TeamResponsibilityAssigned")
    def _team_assigned(self, unit_code: str, members: list[dict[str, Any]], on: dt.date) -> None:
        self._new_party("unit", unit_code, Responsibility.COLLECTIVE.value, on, None, False)
        for m in members:
            self._new_party(
                "person", m["personnel_no"], m["responsibility"], on, m["team_role"], False
            )

    @event("DefenceHeard")
    def _defence_heard(self, party_type: str, party_code: str, on: dt.date, statement: str) -> None:
        self.parties[f"{party_type}:{party_code}"]["hearings"].append({"on": on})

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

    @event("DecisionAnnounced")
    def _announced(
        self, party_type: str, party_code: str, on: dt.date, to: str, due: dt.date, overdue: bool
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
    ) -> None:
        p = self.parties[f"{party_type}:{party_code}"]
        p["appeal"]["outcome"] = outcome
        p["appeal"]["decided_on"] = on
        if outcome == AppealOutcome.REVOKED.value:
            p["decision"]["revoked"] = True
        elif measures is not None:
            p["decision"].update(measures)

    @event("ReferredToJudicialOrgan")
    def _referred(
        self, party_type: str, party_code: str, on: dt.date, organ: str, reason: str
    ) -> None:
        self.parties[f"{party_type}:{party_code}"]["referral"] = {"on": on, "organ": organ}

    @event("Closed")
    def _closed(self, on: dt.date, summary: str) -> None:
        self.status = CLOSED
        self.closed_on = on
