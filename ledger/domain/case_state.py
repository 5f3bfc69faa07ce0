"""An accountability case's state, and the one fold that changes it.

Every event of a case changes the state here and nowhere else (:func:`apply`): the aggregate
applies its own events with it (the write path, and the semantic audit's replay), and the read
side folds the stored events with it (``projections.replay`` for a case as asked,
``projections.batch`` for the views). The state keeps the whole history a reader is shown:
every decision a party received (a revoked one stays, Art. 12), its announcement and file
entry (Art. 11), receipt, appeal and the written notice of the appeal decision (Art. 12).

Recorded facts are frozen values; the case, its parties, decisions and appeals are typed
state objects changed in place by :func:`apply`, as the library changes an aggregate, so
that replaying a million-event ledger builds no copies. Positions are log positions, known
only once an event is read back from the log (None while the write path applies it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.domain.regulation import AppealOutcome, Responsibility
from ledger.i18n import _

OPEN = "open"
CLOSED = "closed"
#: a decision's status: in force as issued, revoked or modified on appeal (Art. 12)
IN_FORCE = "in_force"
REVOKED = "revoked"
MODIFIED = "modified"

Fields = Mapping[str, Any]


def party_key(party_type: str, code: str) -> str:
    """How a party is keyed in :attr:`CaseState.parties` (``person:P001``, ``unit:U1``)."""
    return f"{party_type}:{code}"


@dataclass(frozen=True, slots=True)
class Objection:
    """Art. 5: a member's explicit objection to the wrong decision, overruled."""

    on: dt.date
    text: str
    at_hearing: bool


@dataclass(frozen=True, slots=True)
class Correction:
    """Art. 5: a finding corrected by a signed event naming its reason."""

    on: dt.date
    previous: str
    reason: str


@dataclass(frozen=True, slots=True)
class Notice:
    """Who was told of a decision (Art. 11) or of an appeal decision (Art. 12), and when."""

    on: dt.date
    to: str
    told: tuple[str, ...] | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class FileEntry:
    """Art. 11: the decision's materials entered in the personnel file (人事档案)."""

    on: dt.date
    file_ref: str
    custodian: str


@dataclass(frozen=True, slots=True)
class Referral:
    """Art. 7: the referral to the judicial organs (移送司法机关)."""

    on: dt.date
    organ: str
    reason: str


@dataclass(frozen=True, slots=True)
class Reopening:
    """A closed case reopened, with why and the closing it undid."""

    on: dt.date
    reason: str
    closed_on: dt.date | None


@dataclass(slots=True)
class Appeal:
    """Art. 12: a written appeal, its decision and the written notice of that decision."""

    filed_on: dt.date
    text: str
    decision_due: dt.date
    outcome: str | None = None
    decided_on: dt.date | None = None
    reason: str | None = None
    overdue: bool | None = None
    #: the measures that apply instead, when the outcome modified the decision
    measures: tuple[str, ...] | None = None
    severity: str | None = None
    sanction: str | None = None
    other: str | None = None
    #: Art. 9: the party was heard again while the appeal was pending
    heard: bool = False
    notice: Notice | None = None


@dataclass(slots=True)
class Decision:
    """A 《责任追究决定书》 as issued (Art. 10) and what followed it (Art. 11, 12)."""

    seq: int
    position: int | None
    person: bool
    number: str
    decided_on: dt.date
    facts: str
    basis: str
    measures: tuple[str, ...]
    severity: str | None
    sanction: str
    other: str
    approving_authority: str
    effective_date: dt.date | None
    appeal_period_days: int
    appeal_authority: str
    deciding_authority: str
    announce_due: dt.date
    status: str = IN_FORCE
    announcement: Notice | None = None
    file_entry: FileEntry | None = None
    received_on: dt.date | None = None
    appeal_due: dt.date | None = None
    appeal: Appeal | None = None

    @property
    def revoked(self) -> bool:
        return self.status == REVOKED

    @property
    def measures_in_force(self) -> tuple[str, ...]:
        """Art. 12: the measures that apply, as modified on appeal or as issued."""
        if self.status == MODIFIED and self.appeal and self.appeal.measures is not None:
            return self.appeal.measures
        return self.measures

    @property
    def severity_in_force(self) -> str | None:
        """Art. 7: a unit's circumstances, as modified on appeal or as issued."""
        if self.status == MODIFIED and self.appeal and self.appeal.measures is not None:
            return self.appeal.severity
        return self.severity


@dataclass(slots=True)
class Party:
    """A unit or person found responsible in the case (Art. 5), and every decision since."""

    party_type: str
    code: str
    responsibility: str
    team_role: str | None
    team_unit: str | None
    individual_decision: bool
    assigned_on: dt.date
    assigned_at: int | None
    hearings: list[dt.date] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    referral: Referral | None = None
    corrections: list[Correction] = field(default_factory=list)
    #: Art. 9: the decision was revoked on appeal; a new one needs a new hearing first
    hearing_needed: bool = False

    @property
    def decision(self) -> Decision | None:
        """The latest decision, if one was issued."""
        return self.decisions[-1] if self.decisions else None


@dataclass(slots=True)
class CaseState:
    """The case as its events leave it."""

    case_no: str
    incident_date: dt.date
    grounds: tuple[int, ...]
    other_regulation: str
    facts: str
    #: Art. 4: the results recorded per cited ground ({"11": ["conflict_intensified", …]});
    #: None for a case of an older ledger, which recorded one ``consequence`` for the case
    results: dict[str, list[str]] | None
    consequence: str | None
    lifetime: bool
    opening_authority: str
    opened_on: dt.date
    opened_at: int | None
    status: str = OPEN
    closed_on: dt.date | None = None
    close_summary: str | None = None
    parties: dict[str, Party] = field(default_factory=dict)
    objections: dict[str, Objection] = field(default_factory=dict)
    reopenings: list[Reopening] = field(default_factory=list)

    def party_of(self, f: Fields) -> Party:
        return self.parties[party_key(f["party_type"], f["party_code"])]


# the fold: one function per event -----------------------------------------------------------
def opened(f: Fields, position: int | None = None) -> CaseState:
    """The state an ``Opened`` event starts."""
    return CaseState(
        case_no=f["case_no"],
        incident_date=f["incident_date"],
        grounds=tuple(f["grounds"]),
        other_regulation=f["other_regulation"],
        facts=f["facts"],
        results=f.get("results"),
        consequence=f.get("consequence"),
        lifetime=bool(f["lifetime"]),
        opening_authority=f["opening_authority"],
        opened_on=f["opened_on"],
        opened_at=position,
    )


def _new_party(
    case: CaseState, party_type: str, code: str, responsibility: str, on: dt.date,
    position: int | None, team_role: str | None, team_unit: str | None, individual: bool,
) -> None:  # fmt: skip
    case.parties[party_key(party_type, code)] = Party(
        party_type, code, responsibility, team_role, team_unit, individual, on, position
    )


def _assigned(case: CaseState, f: Fields, position: int | None) -> None:
    _new_party(
        case, f["party_type"], f["party_code"], f["responsibility"], f["on"], position,
        f.get("team_role"), None, bool(f.get("individual_decision")),
    )  # fmt: skip


def _objection_recorded(case: CaseState, f: Fields, position: int | None) -> None:
    case.objections[f["personnel_no"]] = Objection(f["on"], f["text"], bool(f.get("at_hearing")))


def _finding_corrected(case: CaseState, f: Fields, position: int | None) -> None:
    party = case.party_of(f)
    party.corrections.append(Correction(f["on"], party.responsibility, f["reason"]))
    party.responsibility = f["responsibility"]


def _team_assigned(case: CaseState, f: Fields, position: int | None) -> None:
    unit, on = f["unit_code"], f["on"]
    collective = Responsibility.COLLECTIVE.value
    _new_party(case, "unit", unit, collective, on, position, None, None, False)
    for m in f["members"]:
        _new_party(
            case, "person", m["personnel_no"], m["responsibility"], on, position,
            m["team_role"], unit, False,
        )  # fmt: skip


def _defence_heard(case: CaseState, f: Fields, position: int | None) -> None:
    party = case.party_of(f)
    party.hearings.append(f["on"])
    party.hearing_needed = False
    decision = party.decision
    if decision is not None and decision.appeal is not None and decision.appeal.outcome is None:
        decision.appeal.heard = True


def _decision_issued(case: CaseState, f: Fields, position: int | None) -> None:
    party = case.party_of(f)
    document = f["document"]
    party.decisions.append(
        Decision(
            seq=len(party.decisions) + 1,
            position=position,
            person=f["party_type"] == "person",
            number=document["number"],
            decided_on=document["decided_on"],
            facts=document["facts"],
            basis=document["basis"],
            measures=tuple(document["measures"]),
            severity=document.get("severity"),
            sanction=document.get("sanction") or "",
            other=document.get("other") or "",
            approving_authority=document["approving_authority"],
            effective_date=document.get("effective_date") or None,
            appeal_period_days=document["appeal_period_days"],
            appeal_authority=document["appeal_authority"],
            deciding_authority=f["deciding_authority"],
            announce_due=f["announce_due"],
        )
    )


def _latest(party: Party) -> Decision:
    decisions = party.decisions
    if not decisions:
        raise LookupError(
            _("no decision was issued to {party_type} {code}").format(
                party_type=party.party_type, code=party.code
            )
        )
    return decisions[-1]


def _appeal(decision: Decision) -> Appeal:
    if decision.appeal is None:
        raise LookupError(
            _("no appeal of decision {number} was filed").format(number=decision.number)
        )
    return decision.appeal


def _told(f: Fields) -> tuple[str, ...] | None:
    told = f.get("told")
    return None if told is None else tuple(told)


def _announced(case: CaseState, f: Fields, position: int | None) -> None:
    notice = Notice(f["on"], f["to"], _told(f), bool(f["overdue"]))
    _latest(case.party_of(f)).announcement = notice


def _file_entered(case: CaseState, f: Fields, position: int | None) -> None:
    decision = _latest(case.parties[party_key("person", f["personnel_no"])])
    decision.file_entry = FileEntry(f["on"], f["file_ref"], f["custodian"])


def _received(case: CaseState, f: Fields, position: int | None) -> None:
    decision = _latest(case.party_of(f))
    decision.received_on = f["on"]
    decision.appeal_due = f["appeal_due"]


def _appeal_filed(case: CaseState, f: Fields, position: int | None) -> None:
    _latest(case.party_of(f)).appeal = Appeal(f["on"], f["text"], f["decision_due"])


def _appeal_decided(case: CaseState, f: Fields, position: int | None) -> None:
    party = case.party_of(f)
    decision = _latest(party)
    appeal = _appeal(decision)
    appeal.outcome = outcome = f["outcome"]
    appeal.decided_on = f["on"]
    appeal.reason = f["reason"]
    appeal.overdue = bool(f["overdue"])
    measures = f.get("measures")
    if outcome == AppealOutcome.REVOKED.value:
        decision.status = REVOKED
        party.hearing_needed = True  # Art. 9: a new decision needs a new hearing
    elif measures is not None:
        decision.status = MODIFIED
        appeal.measures = tuple(measures["measures"])
        appeal.severity = measures.get("severity")
        appeal.sanction = measures.get("sanction") or ""
        appeal.other = measures.get("other") or ""


def _appeal_notified(case: CaseState, f: Fields, position: int | None) -> None:
    appeal = _appeal(_latest(case.party_of(f)))
    appeal.notice = Notice(f["on"], f["to"], tuple(f["told"]), bool(f["overdue"]))


def _referred(case: CaseState, f: Fields, position: int | None) -> None:
    case.party_of(f).referral = Referral(f["on"], f["organ"], f["reason"])


def _closed(case: CaseState, f: Fields, position: int | None) -> None:
    case.status, case.closed_on, case.close_summary = CLOSED, f["on"], f["summary"]


def _reopened(case: CaseState, f: Fields, position: int | None) -> None:
    case.reopenings.append(Reopening(f["on"], f["reason"], case.closed_on))
    case.status, case.closed_on, case.close_summary = OPEN, None, None


Step = Callable[[CaseState, Fields, "int | None"], None]

#: What each event after the opening does to the case.
STEPS: dict[str, Step] = {
    "ResponsibilityAssigned": _assigned,
    "ObjectionRecorded": _objection_recorded,
    "FindingCorrected": _finding_corrected,
    "TeamResponsibilityAssigned": _team_assigned,
    "DefenceHeard": _defence_heard,
    "DecisionIssued": _decision_issued,
    "DecisionAnnounced": _announced,
    "PersonnelFileEntered": _file_entered,
    "DecisionReceived": _received,
    "AppealFiled": _appeal_filed,
    "AppealDecided": _appeal_decided,
    "AppealDecisionNotified": _appeal_notified,
    "ReferredToJudicialOrgan": _referred,
    "Closed": _closed,
    "Reopened": _reopened,
}
#: Every event name of a case, the opening first.
EVENTS = ("Opened", *STEPS)


def apply(case: CaseState | None, name: str, f: Fields, position: int | None = None) -> CaseState:
    """The case after event ``name`` with fields ``f`` (the state is changed in place; an
    ``Opened`` event starts a new one). Never validates: the rules were checked before the
    event was recorded (:mod:`ledger.domain.case_rules`), so replay always works. Raises
    ``KeyError``/``LookupError`` for an event that does not fit the state (a damaged log)."""
    if name == "Opened":
        return opened(f, position)
    if case is None:
        raise LookupError(_("a {name} event before the case was opened").format(name=name))
    STEPS[name](case, f, position)
    return case
