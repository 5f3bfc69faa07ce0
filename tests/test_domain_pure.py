"""The Measures in the domain alone: aggregates driven directly, with no store, no keys, no I/O.

These run in milliseconds (cosmicpython's "fast tests against the domain model"); the same rules
are exercised end to end on both stores by the per-article scenario modules.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.domain.case import AccountabilityCase
from ledger.domain.case_rules import TeamMember
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import (
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    TeamRole,
)
from ledger.errors import InvalidInputError, RuleViolationError

CASE = "湘纪追〔2024〕9号"
PERSON = PartyType.PERSON
AUTHORITY = "长沙市纪委监委"


def opened(incident: dt.date = dt.date(2023, 11, 2)) -> AccountabilityCase:
    return AccountabilityCase.open(
        CASE, incident, [11], "推诿敷衍信访事项，导致矛盾激化", AUTHORITY, dt.date(2024, 1, 8),
        [ResultElement.CONFLICT_INTENSIFIED, ResultElement.ADVERSE_IMPACT],
    )  # fmt: skip


def document(on: dt.date = dt.date(2024, 3, 4)) -> DecisionDocument:
    return DecisionDocument(
        number="长纪决〔2024〕1号",
        decided_on=on,
        facts="对群众来信推诿不办，造成越级上访",
        basis="《湖南省信访工作责任追究办法》第四条第（十一）项、第七条",
        measures=Measures((Measure.ADMONITION_TALK,)),
        approving_authority=AUTHORITY,
        effective_date=on,
        appeal_authority=AUTHORITY,
    )


def heard(case: AccountabilityCase, code: str = "P001") -> AccountabilityCase:
    case.assign(PERSON, code, Responsibility.DIRECT, dt.date(2024, 1, 15))
    case.hear(PERSON, code, dt.date(2024, 2, 1), "本人陈述：工作量大")
    return case


def test_art_8_an_incident_after_2016_06_23_is_accountable_for_life() -> None:
    assert opened(dt.date(2016, 6, 23)).lifetime is True
    assert opened(dt.date(2016, 6, 22)).lifetime is False


def test_art_4_an_unknown_ground_is_refused_before_any_event_exists() -> None:
    with pytest.raises(RuleViolationError) as e:
        AccountabilityCase.open(CASE, dt.date(2023, 11, 2), [17], "事实", AUTHORITY,
                                dt.date(2024, 1, 8))  # fmt: skip
    assert e.value.article == "Art. 4"


def test_art_9_no_decision_before_the_party_is_heard() -> None:
    case = opened()
    case.assign(PERSON, "P001", Responsibility.DIRECT, dt.date(2024, 1, 15))
    pending = len(case.collect_events())
    with pytest.raises(RuleViolationError) as e:
        case.decide(PERSON, "P001", document(), AUTHORITY)
    assert e.value.article == "Art. 9"
    assert case.collect_events() == []  # nothing more was recorded
    assert pending == 2


def test_art_9_then_10_a_heard_party_can_be_decided_and_the_decision_is_recorded() -> None:
    case = heard(opened())
    case.decide(PERSON, "P001", document(), AUTHORITY)
    assert case.party(PERSON, "P001").decision.number == "长纪决〔2024〕1号"


def test_art_12_a_case_cannot_close_while_the_appeal_period_runs() -> None:
    case = heard(opened())
    case.decide(PERSON, "P001", document(), AUTHORITY)
    case.announce(PERSON, "P001", dt.date(2024, 3, 11), "本人及所在单位", told=["person", "unit"])
    case.enter_in_file("P001", dt.date(2024, 3, 12), "档-1", "市委组织部")
    case.receive(PERSON, "P001", dt.date(2024, 3, 11))
    with pytest.raises(RuleViolationError) as e:
        case.close(dt.date(2024, 3, 15), "责任追究完毕")
    assert e.value.article == "Art. 12"


def test_art_12_an_appeal_decided_with_no_change_keeps_the_decision_in_force() -> None:
    case = heard(opened())
    case.decide(PERSON, "P001", document(), AUTHORITY)
    case.receive(PERSON, "P001", dt.date(2024, 3, 11))
    case.appeal(PERSON, "P001", dt.date(2024, 3, 20), "申诉：情节轻微")
    case.decide_appeal(PERSON, "P001", dt.date(2024, 4, 10), AppealOutcome.UPHELD, "事实清楚",
                       AUTHORITY)  # fmt: skip
    assert case.party(PERSON, "P001").decision.revoked is False


def test_art_5_a_team_decision_makes_the_head_and_the_leader_in_charge_primarily_responsible() -> (
    None
):
    case = opened()
    members = [
        TeamMember("P010", TeamRole.PRINCIPAL_HEAD),
        TeamMember("P011", TeamRole.LEADER_IN_CHARGE),
        TeamMember("P012", TeamRole.MEMBER),
        TeamMember("P013", TeamRole.MEMBER, False),
    ]
    assert [case.derive(m) for m in members] == [
        Responsibility.PRIMARY_LEADERSHIP,
        Responsibility.PRIMARY_LEADERSHIP,
        Responsibility.IMPORTANT_LEADERSHIP,
        Responsibility.NONE,
    ]


def test_bad_input_is_refused_as_input_not_as_a_rule() -> None:
    case = opened()
    case.assign(PERSON, "P001", Responsibility.DIRECT, dt.date(2024, 1, 15))
    with pytest.raises(InvalidInputError):
        case.hear(PERSON, "P001", dt.date(2024, 2, 1), "   ")
