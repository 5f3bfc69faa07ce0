"""Art. 2 (who the Measures apply to) and Art. 5 (collective or individual, leadership or direct,
primary or important leadership responsibility; an overruled objector bears none)."""

from __future__ import annotations

import pytest
from scenarios import (
    ASSIGNED,
    CASE,
    DECIDED,
    HEARD,
    PERSON,
    UNIT,
    UNIT_CODE,
    D,
    bring_to_decision,
    document,
    last_event,
    open_case,
    refused,
    unit_measures,
)

from ledger.application import LedgerApplication
from ledger.domain.case_rules import TeamMember
from ledger.domain.regulation import AdminLevel, Responsibility, TeamRole, UnitKind
from ledger.errors import AlreadyExistsError, RuleViolationError

HEAD = TeamMember("P001", TeamRole.PRINCIPAL_HEAD)
IN_CHARGE = TeamMember("P002", TeamRole.LEADER_IN_CHARGE)
MEMBER = TeamMember("P003", TeamRole.MEMBER)
OBJECTION_ON = D(2024, 2, 20)  # at the meeting that took the wrong decision


def add_absent_member(app: LedgerApplication) -> TeamMember:
    app.add_cadre("P004", "赵委员", UNIT_CODE, "党组成员", D(2015, 1, 5))
    return TeamMember("P004", TeamRole.MEMBER, participated=False)


def responsibility_of(app: LedgerApplication, personnel_no: str) -> Responsibility:
    return Responsibility(app.case(CASE).party(PERSON, personnel_no).responsibility)


# --- Art. 2: units of nine kinds ------------------------------------------------------------


def test_the_measures_name_nine_kinds_of_unit_with_their_own_words() -> None:
    assert [k.label for k in UnitKind] == [
        "党的机关", "人大机关", "行政机关", "政协机关", "审判机关", "检察机关",
        "人民团体", "事业单位", "国有或者国有控股企业",
    ]  # fmt: skip


def test_a_unit_of_every_kind_can_be_held_collectively_accountable(
    app: LedgerApplication,
) -> None:
    open_case(app)
    for n, kind in enumerate(UnitKind):
        code = f"U{n}"
        app.add_unit(code, f"{kind.label}甲", kind, AdminLevel.CITY)
        app.assign(CASE, UNIT, code, Responsibility.COLLECTIVE, ASSIGNED)
        assert app.unit(code).kind is kind
    parties = app.case(CASE).parties
    assert {p.code for p in parties.values()} == {f"U{n}" for n in range(9)}


# --- Art. 5: collective responsibility of units, personal responsibility of persons ----------


def test_a_unit_bears_collective_responsibility_only(app: LedgerApplication) -> None:
    open_case(app)
    with refused(app, RuleViolationError, "Art. 5"):
        app.assign(CASE, UNIT, UNIT_CODE, Responsibility.DIRECT, ASSIGNED)
    app.assign(CASE, UNIT, UNIT_CODE, Responsibility.COLLECTIVE, ASSIGNED)
    assert app.case(CASE).party(UNIT, UNIT_CODE).responsibility == "collective"


@pytest.mark.parametrize("responsibility", [Responsibility.COLLECTIVE, Responsibility.NONE])
def test_a_person_bears_direct_or_leadership_responsibility(
    app: LedgerApplication, responsibility: Responsibility
) -> None:
    open_case(app)
    with refused(app, RuleViolationError, "Art. 5"):
        app.assign(CASE, PERSON, "P001", responsibility, ASSIGNED)


def test_direct_primary_and_important_responsibility_are_recorded_per_person(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED)
    app.assign(CASE, PERSON, "P002", Responsibility.IMPORTANT_LEADERSHIP, ASSIGNED)
    app.assign(CASE, PERSON, "P003", Responsibility.DIRECT, ASSIGNED)
    assert [responsibility_of(app, no).label for no in ("P001", "P002", "P003")] == [
        "主要领导责任", "重要领导责任", "直接责任",
    ]  # fmt: skip


def test_a_second_finding_for_the_same_party_is_refused(app: LedgerApplication) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    with refused(app, AlreadyExistsError, None):
        app.assign(CASE, PERSON, "P001", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED)


# --- Art. 5 para. 2: a team's collective responsibility, member by member -------------------


def test_the_head_and_the_leader_in_charge_bear_primary_and_other_participants_important(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    case = app.case(CASE)
    assert case.party(UNIT, UNIT_CODE).responsibility == "collective"
    assert responsibility_of(app, "P001") is Responsibility.PRIMARY_LEADERSHIP
    assert responsibility_of(app, "P002") is Responsibility.PRIMARY_LEADERSHIP
    assert responsibility_of(app, "P003") is Responsibility.IMPORTANT_LEADERSHIP
    assert case.party(PERSON, "P002").team_role == "leader_in_charge"


def test_a_member_who_took_no_part_in_the_decision_bears_none(app: LedgerApplication) -> None:
    open_case(app)
    absent = add_absent_member(app)
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER, absent], ASSIGNED)
    assert responsibility_of(app, "P004") is Responsibility.NONE
    assert responsibility_of(app, "P003") is Responsibility.IMPORTANT_LEADERSHIP


def test_an_overruled_objector_bears_no_leadership_responsibility(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.record_objection(CASE, "P003", OBJECTION_ON, "会上明确反对该决策，未被采纳。")
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    assert responsibility_of(app, "P003") is Responsibility.NONE
    assert responsibility_of(app, "P001") is Responsibility.PRIMARY_LEADERSHIP


def test_an_overruled_objection_frees_even_the_leader_in_charge(app: LedgerApplication) -> None:
    open_case(app)
    app.record_objection(CASE, "P002", OBJECTION_ON, "书面提出反对意见，未被采纳。")
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    assert responsibility_of(app, "P002") is Responsibility.NONE


def test_no_decision_is_issued_to_a_member_who_bears_no_responsibility(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.record_objection(CASE, "P003", OBJECTION_ON, "明确反对，未被采纳。")
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    app.hear(CASE, PERSON, "P003", HEARD, "张委员说明了当时的反对意见。")
    with refused(app, RuleViolationError, "Art. 5"):
        app.decide(CASE, PERSON, "P003", document())


def test_the_team_members_are_decided_one_by_one_with_their_own_measures(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    app.hear(CASE, UNIT, UNIT_CODE, HEARD, "单位作了说明。")
    app.decide(CASE, UNIT, UNIT_CODE, document(measures=unit_measures()))
    for no in ("P001", "P002", "P003"):
        app.hear(CASE, PERSON, no, HEARD, "作了说明和申辩。")
        app.decide(CASE, PERSON, no, document())
    assert all(p.decision for p in app.case(CASE).parties.values())


def test_a_member_already_found_responsible_cannot_be_named_again_in_a_team(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P003", Responsibility.DIRECT, ASSIGNED)
    with refused(app, AlreadyExistsError, None):
        app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)


# --- Art. 5 para. 3: objection and individual decision --------------------------------------


def test_leadership_responsibility_for_an_overruled_objector_is_refused(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.record_objection(CASE, "P002", OBJECTION_ON, "明确反对，未被采纳。")
    for responsibility in (Responsibility.PRIMARY_LEADERSHIP, Responsibility.IMPORTANT_LEADERSHIP):
        with refused(app, RuleViolationError, "Art. 5") as info:
            app.assign(CASE, PERSON, "P002", responsibility, ASSIGNED)
        assert "不承担领导责任" in str(info.value)


def test_an_overruled_objector_is_not_made_the_sole_decision_maker(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.record_objection(CASE, "P002", OBJECTION_ON, "明确反对，未被采纳。")
    with refused(app, RuleViolationError, "Art. 5"):
        app.assign(
            CASE, PERSON, "P002", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED,
            individual_decision=True,
        )  # fmt: skip


def test_a_wrong_decision_taken_by_one_member_alone_is_that_members_responsibility(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED,
               individual_decision=True)  # fmt: skip
    app.hear(CASE, PERSON, "P001", HEARD, "王局长承认系其个人批准。")
    app.decide(CASE, PERSON, "P001", document())
    case = app.case(CASE)
    assert case.party(PERSON, "P001").individual_decision is True
    assert case.party(PERSON, "P001").decision.decided_on == DECIDED
    assert [k for k in case.parties] == ["person:P001"]  # no one else is drawn in
    assigned = last_event(app, "ResponsibilityAssigned")
    assert assigned.individual_decision is True
    assert assigned.responsibility == "primary_leadership"


def test_an_individual_decision_sits_beside_the_direct_responsibility_of_who_carried_it_out(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED,
               individual_decision=True)  # fmt: skip
    bring_to_decision(app, CASE, PERSON, "P003", Responsibility.DIRECT)
    case = app.case(CASE)
    assert case.party(PERSON, "P001").individual_decision is True
    assert case.party(PERSON, "P003").individual_decision is False
    assert case.party(PERSON, "P003").decision is not None


def test_a_unit_cannot_be_recorded_as_an_individual_decision_maker(
    app: LedgerApplication,
) -> None:
    open_case(app)
    with refused(app, RuleViolationError, "Art. 5"):
        app.assign(CASE, UNIT, UNIT_CODE, Responsibility.COLLECTIVE, ASSIGNED,
                   individual_decision=True)  # fmt: skip
