"""A deterministic generator of realistic ledgers, for the projection tests and benchmarks.

It drives the aggregates' own commands (every rule of the Measures is checked as it would be
through the application) and saves many aggregates per ``app.save`` so that a ledger of
thousands of events takes seconds, not minutes. Cases advance one step per round, so the
events of different cases interleave in the log as they would in a real store. The same
seed always gives the same events (only the recorded-at timestamps differ).

The app must be initialised, with a signer of a discipline organ or organisation department.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

from eventsourcing.domain import Aggregate

from ledger.application import LedgerApplication
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.case_rules import TeamMember, outstanding
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import (
    GROUNDS,
    AdminLevel,
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    Severity,
    TeamRole,
    UnitKind,
)
from ledger.domain.unit import Unit
from ledger.signing.signatures import Signer

D = dt.date
PERSON = PartyType.PERSON
UNIT = PartyType.UNIT
#: Every generated business date lies before this day (future dates are refused by design).
LAST_DAY = D(2025, 10, 31)
PERSON_MEASURES = [
    m for m in Measure if m.party_type is PERSON and m is not Measure.OTHER_ORGANISATIONAL
]
UNIT_MEASURE = {
    Severity.MINOR: Measure.WRITTEN_SELF_CRITICISM,
    Severity.SERIOUS: Measure.CIRCULATED_CRITICISM,
    Severity.GRAVE: Measure.TEAM_ADJUSTMENT,
}
POSTS = ("局长", "副局长", "党组成员", "科长", "副科长", "主任", "副主任")


@dataclass
class Population:
    """What was generated: natural keys, and how many events the ledger now holds."""

    units: list[str] = field(default_factory=list)
    cadres: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    events: int = 0


class LedgerFactory:
    """Generates units, cadres (moved and retired over time) and cases through every step."""

    def __init__(self, app: LedgerApplication, seed: int = 2016, prefix: str = "G") -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.authority = app.signer_record().authority
        self.units: list[str] = []
        self.cadres: dict[str, Cadre] = {}
        self.cadre_day: dict[str, dt.date] = {}
        self.cases: list[str] = []

    # registry -------------------------------------------------------------------------------
    def add_units(self, count: int) -> list[str]:
        new = []
        for i in range(count):
            code = f"{self.prefix}U{len(self.units) + i + 1:03d}"
            kind = self.rng.choice(list(UnitKind))
            level = self.rng.choice(list(AdminLevel))
            new.append(
                Unit(code=code, name=f"某{kind.label}{code}", kind=kind.value, level=level.value)
            )
        self.app.save(*new)
        codes = [u.code for u in new]
        self.units += codes
        return codes

    def add_cadres(self, count: int) -> list[str]:
        new = []
        for _ in range(count):
            no = f"{self.prefix}P{len(self.cadres) + 1:05d}"
            since = D(2010, 1, 4) + dt.timedelta(days=self.rng.randrange(0, 2000))
            cadre = Cadre(
                personnel_no=no,
                name=f"干部{no}",
                unit_code=self.rng.choice(self.units),
                post=self.rng.choice(POSTS),
                since=since,
            )
            self.cadres[no] = cadre
            self.cadre_day[no] = since
            new.append(cadre)
        self.app.save(*new)
        return [c.personnel_no for c in new]

    def churn(self, moves: int) -> list[Aggregate]:
        """Transfers and retirements (Art. 8: the person stays accountable afterwards)."""
        changed: dict[str, Aggregate] = {}
        for _ in range(moves):
            no = self.rng.choice(list(self.cadres))
            cadre = self.cadres[no]
            if cadre.retired_on is not None:
                continue
            on = self.cadre_day[no] + dt.timedelta(days=self.rng.randrange(90, 900))
            if on >= LAST_DAY:
                continue
            if self.rng.random() < 0.1:
                cadre.retire(on)
            else:
                cadre.move(self.rng.choice(self.units), self.rng.choice(POSTS), on)
            self.cadre_day[no] = on
            changed[no] = cadre
        return list(changed.values())

    # cases ----------------------------------------------------------------------------------
    def generate(
        self,
        cases: int,
        *,
        active: int = 40,
        churn_every: int = 5,
        rotate_to: Signer | None = None,
    ) -> Population:
        """Run ``cases`` cases, ``active`` at a time, each one step per round (one save)."""
        if not self.units:
            self.add_units(8)
        if not self.cadres:
            self.add_cadres(60)
        first = len(self.cases)
        numbers = [f"{self.prefix}案〔{1000 + first + i}〕号" for i in range(cases)]
        self.cases += numbers
        pending = list(reversed(numbers))
        running: list[Iterator[list[Aggregate]]] = []
        rounds = 0
        started = 0
        while pending or running:
            while pending and len(running) < active:
                running.append(self._case(pending.pop()))
                started += 1
            if rotate_to is not None and started >= cases // 2:
                old = self.app.signer
                assert old is not None
                self.app.rotate_key(old.key_id.hex(), rotate_to.public_raw)
                self.app.signer = rotate_to
                rotate_to = None
            touched: dict[int, Aggregate] = {}
            still = []
            for script in running:
                try:
                    for agg in next(script):
                        touched[id(agg)] = agg
                    still.append(script)
                except StopIteration:
                    pass
            running = still
            rounds += 1
            if churn_every and rounds % churn_every == 0:
                for agg in self.churn(2):
                    touched[id(agg)] = agg
            if touched:
                self.app.save(*touched.values())
        return Population(
            units=list(self.units),
            cadres=list(self.cadres),
            cases=list(self.cases),
            events=self.app.recorder.max_notification_id() or 0,
        )

    def _day(self, after: dt.date, low: int, high: int) -> dt.date:
        return min(after + dt.timedelta(days=self.rng.randint(low, high)), LAST_DAY)

    def _grounds(self) -> tuple[list[int], dict[int, list[ResultElement]], str]:
        """Grounds with, for each, one element of every choice its item names (Art. 4)."""
        grounds = sorted(self.rng.sample(range(1, 17), self.rng.choice((1, 1, 2, 3))))
        results = {
            g: [self.rng.choice(sorted(choice)) for choice in GROUNDS[g].results] for g in grounds
        }
        other = "《信访条例》第四十条" if 16 in grounds else ""
        return grounds, results, other

    def _measures(self, party_type: PartyType) -> Measures:
        if party_type is UNIT:
            severity = self.rng.choice(list(Severity))
            return Measures((UNIT_MEASURE[severity],), severity=severity)
        chosen = tuple(self.rng.sample(PERSON_MEASURES, self.rng.choice((1, 1, 2))))
        sanction = "党内警告" if Measure.DISCIPLINARY_SANCTION in chosen else ""
        return Measures(chosen, sanction=sanction)

    def _document(self, case_no: str, decided_on: dt.date, measures: Measures) -> DecisionDocument:
        return DecisionDocument(
            number=f"决〔{decided_on.year}〕{self.rng.randrange(1, 999)}号",
            decided_on=decided_on,
            facts=f"{case_no}：信访事项逾期未办结，造成不良影响。",
            basis="《湖南省信访工作责任追究办法》第四条、第七条",
            measures=measures,
            approving_authority="纪委常委会",
            effective_date=decided_on,
            appeal_authority=self.authority,
        )

    def _case(self, case_no: str) -> Iterator[list[Aggregate]]:
        """One case's life, a step per ``yield`` (the aggregates it changed)."""
        rng = self.rng
        incident = D(2016, 1, 4) + dt.timedelta(days=rng.randrange(0, 3200))
        opened_on = self._day(incident, 5, 60)
        grounds, results, other = self._grounds()
        case = AccountabilityCase.open(
            case_no=case_no,
            incident_date=incident,
            grounds=grounds,
            facts=f"{case_no} 的事实",
            opening_authority=self.authority,
            opened_on=opened_on,
            results=results,
            other_regulation=other,
        )
        yield [case]
        day = self._day(opened_on, 1, 10)
        parties: list[tuple[PartyType, str]] = []
        if rng.random() < 0.25:
            unit = rng.choice(self.units)
            members = rng.sample(list(self.cadres), 3)
            objector = members[2] if rng.random() < 0.4 else None
            if objector:
                case.record_objection(objector, day, "明确提出反对意见，未被采纳")
                yield [case]
            roles = (TeamRole.PRINCIPAL_HEAD, TeamRole.LEADER_IN_CHARGE, TeamRole.MEMBER)
            team = [TeamMember(no, role) for no, role in zip(members, roles, strict=True)]
            case.assign_team(unit, team, day)
            yield [case]
            parties.append((UNIT, unit))
            parties += [(PERSON, no) for no in members if no != objector]
        else:
            for no in rng.sample(list(self.cadres), rng.choice((1, 1, 2))):
                kind = rng.choice(
                    (
                        Responsibility.DIRECT,
                        Responsibility.PRIMARY_LEADERSHIP,
                        Responsibility.IMPORTANT_LEADERSHIP,
                    )
                )
                case.assign(PERSON, no, kind, day)
                parties.append((PERSON, no))
                yield [case]
        last = day
        for party_type, code in parties:
            heard = self._day(day, 2, 15)
            case.hear(party_type, code, heard, "当事人作了说明和申辩。")
            yield [case]
            last = max(last, self._decide(case, party_type, code, heard))
            yield [case]
            last = max(last, (yield from self._after_decision(case, party_type, code)))
        if rng.random() < 0.05:
            party_type, code = parties[0]
            case.refer(party_type, code, self._day(day, 5, 30), "某区人民检察院", "涉嫌玩忽职守罪")
            yield [case]
        closing = self._day(last, 1, 20)
        if rng.random() < 0.85 and not outstanding(case, closing):  # Art. 11/12 all done
            case.close(closing, "已依规处理完毕")
            yield [case]

    def _decide(
        self, case: AccountabilityCase, party_type: PartyType, code: str, after: dt.date
    ) -> dt.date:
        decided_on = self._day(after, 1, 20)
        doc = self._document(case.case_no, decided_on, self._measures(party_type))
        case.decide(party_type, code, doc, self.authority)
        return decided_on

    def _after_decision(
        self, case: AccountabilityCase, party_type: PartyType, code: str
    ) -> Generator[list[Aggregate], None, dt.date]:
        """Announce (sometimes late), file, receive, maybe appeal; returns the last date."""
        rng = self.rng
        p = case.party(party_type, code)
        decided_on: dt.date = p.decision.decided_on
        announced = self._day(decided_on, 1, 45 if rng.random() < 0.15 else 25)
        case.announce(party_type, code, announced, "本人及所在单位")
        yield [case]
        last = announced
        if party_type is PERSON:
            case.enter_in_file(
                code, self._day(decided_on, 1, 30), "档案〔2024〕1号", "组织部干部档案室"
            )
            yield [case]
        if rng.random() < 0.8:
            received = self._day(decided_on, 0, 5)
            case.receive(party_type, code, received)
            yield [case]
            last = max(last, case.party(party_type, code).decision.appeal_due)
            if rng.random() < 0.25:
                due: dt.date = case.party(party_type, code).decision.appeal_due
                appealed = min(self._day(received, 1, 15), due)
                case.appeal(party_type, code, appealed, "对认定事实有异议，提出书面申诉")
                yield [case]
                outcome = rng.choice(
                    (
                        AppealOutcome.UPHELD,
                        AppealOutcome.UPHELD,
                        AppealOutcome.MODIFIED,
                        AppealOutcome.REVOKED,
                    )
                )
                decided = self._day(appealed, 5, 40 if rng.random() < 0.2 else 28)
                measures = self._measures(party_type) if outcome is AppealOutcome.MODIFIED else None
                if measures is not None:  # Art. 9: heard again before the measures may grow
                    case.hear(party_type, code, appealed, "申诉复查中再次听取说明和申辩。")
                    yield [case]
                case.decide_appeal(
                    party_type, code, decided, outcome, "经复查", self.authority, measures
                )
                yield [case]
                last = max(last, decided)
                if rng.random() < 0.9:  # Art. 12: the appeal decision told in writing
                    told = self._day(decided, 0, 5)
                    case.notify_appeal_decision(party_type, code, told, "申诉人及其所在单位")
                    yield [case]
                    last = max(last, told)
                if outcome is AppealOutcome.REVOKED and rng.random() < 0.3:
                    case.hear(party_type, code, decided, "重新决定前再次听取说明和申辩。")
                    yield [case]
                    redecided = self._decide(case, party_type, code, decided)
                    yield [case]
                    announced = self._day(redecided, 1, 20)
                    case.announce(party_type, code, announced, "本人及所在单位")
                    yield [case]
                    last = max(last, announced)
        return last


# hand-built ledgers -------------------------------------------------------------------------
#: The authority of the discipline-organ key the ``app`` fixture signs with.
DISCIPLINE = "长沙市纪委监委"


def person_measures(*measures: Measure, sanction: str = "") -> Measures:
    """Art. 7 para. 2: measures for a person (诫勉谈话 unless others are named)."""
    chosen = measures or (Measure.ADMONITION_TALK,)
    if Measure.DISCIPLINARY_SANCTION in chosen and not sanction:
        sanction = "党内警告"
    return Measures(chosen, sanction=sanction)


def unit_measures(severity: Severity = Severity.MINOR) -> Measures:
    """Art. 7 para. 1: the one measure the circumstances call for."""
    return Measures((UNIT_MEASURE[severity],), severity=severity)


def document(
    number: str, decided_on: dt.date, measures: Measures, authority: str = DISCIPLINE
) -> DecisionDocument:
    """A complete 《责任追究决定书》 (Art. 10)."""
    return DecisionDocument(
        number=number,
        decided_on=decided_on,
        facts="对群众反映的信访事项逾期未办结，造成不良影响。",
        basis="《湖南省信访工作责任追究办法》第四条、第七条",
        measures=measures,
        approving_authority="纪委常委会",
        effective_date=decided_on,
        appeal_authority=authority,
    )


def decide(
    app: LedgerApplication,
    case_no: str,
    party_type: PartyType,
    code: str,
    responsibility: Responsibility,
    assigned: dt.date,
    decided: dt.date,
    measures: Measures,
    number: str,
) -> None:
    """Name a party's responsibility (Art. 5), hear it (Art. 9) and decide (Art. 10)."""
    app.assign(case_no, party_type, code, responsibility, assigned)
    app.hear(case_no, party_type, code, assigned, "当事人作了说明和申辩。")
    authority = app.signer_record().authority  # Art. 12: the 受理机关 is the deciding authority
    app.decide(case_no, party_type, code, document(number, decided, measures, authority))
