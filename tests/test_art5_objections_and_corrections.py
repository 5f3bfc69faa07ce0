"""Art. 5 para. 3 (issue 12 point 3): "对错误决策提出明确反对意见但没有被采纳的，不承担领导责任。
错误决策由领导班子成员个人决定或者批准的，追究该领导班子成员个人的责任。"

An objection is not bound to a time: it is recorded when it comes to light, also at the Art. 9
hearing; a finding is corrected by a signed event naming its reason; a decision imposing
leadership responsibility on a recorded overruled objector is refused; a decision one member
took alone refuses a collective derivation over the same matter."""

from __future__ import annotations

from scenarios import (
    ASSIGNED,
    CASE,
    HEARD,
    PERSON,
    UNIT_CODE,
    D,
    document,
    last_event,
    open_case,
    refused,
)

from ledger.application import LedgerApplication
from ledger.domain.case_rules import TeamMember
from ledger.domain.regulation import Responsibility, TeamRole
from ledger.errors import InvalidInputError, RuleViolationError

HEAD = TeamMember("P001", TeamRole.PRINCIPAL_HEAD)
IN_CHARGE = TeamMember("P002", TeamRole.LEADER_IN_CHARGE)
MEMBER = TeamMember("P003", TeamRole.MEMBER)


def test_art_5_an_objection_stated_at_the_hearing_is_recorded_after_the_finding(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    app.hear(CASE, PERSON, "P003", HEARD, "称曾在会上明确反对。")
    app.record_objection(CASE, "P003", HEARD, "会议记录第3页载明其反对意见", at_hearing=True)
    objection = last_event(app, "ObjectionRecorded")
    assert (objection.personnel_no, objection.on, objection.at_hearing) == ("P003", HEARD, True)


def test_art_5_a_decision_imposing_leadership_responsibility_on_an_objector_is_refused(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    app.hear(CASE, PERSON, "P003", HEARD, "称曾在会上明确反对。")
    app.record_objection(CASE, "P003", HEARD, "会议记录载明其反对意见", at_hearing=True)
    with refused(app, RuleViolationError, "Art. 5") as info:
        app.decide(CASE, PERSON, "P003", document())
    assert str(info.value) == (
        f"cadre P003 explicitly objected to the wrong decision on {HEARD} and was overruled; "
        "they bear no leadership responsibility (不承担领导责任) (Art. 5: overruled objection "
        "bears no leadership responsibility) Correct the finding first (`case correct-finding`)."
    )


def test_art_5_a_finding_is_corrected_by_a_signed_event_naming_its_reason(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE, MEMBER], ASSIGNED)
    app.record_objection(CASE, "P003", HEARD, "会议记录载明其反对意见", at_hearing=True)
    with refused(app, InvalidInputError, None) as info:
        app.correct_finding(CASE, PERSON, "P003", Responsibility.NONE, HEARD, " ")
    assert str(info.value) == "a corrected finding states its reason"
    with refused(app, RuleViolationError, "Art. 5") as info:
        app.correct_finding(
            CASE, PERSON, "P003", Responsibility.PRIMARY_LEADERSHIP, HEARD, "改为主要领导责任"
        )
    assert str(info.value) == (
        f"cadre P003 explicitly objected to the wrong decision on {HEARD} and was overruled; "
        "they bear no leadership responsibility (不承担领导责任) (Art. 5: overruled objection "
        "bears no leadership responsibility)"
    )
    app.correct_finding(CASE, PERSON, "P003", Responsibility.NONE, HEARD, "经核查会议记录属实")
    corrected = last_event(app, "FindingCorrected")
    assert (corrected.responsibility, corrected.reason) == ("none", "经核查会议记录属实")
    assert app.case(CASE).party(PERSON, "P003").responsibility == "none"


def test_art_5_a_finding_under_a_decision_in_force_changes_only_on_appeal(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    app.hear(CASE, PERSON, "P001", HEARD, "陈述。")
    app.decide(CASE, PERSON, "P001", document())
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.correct_finding(CASE, PERSON, "P001", Responsibility.IMPORTANT_LEADERSHIP,
                            D(2024, 4, 20), "更正。")  # fmt: skip
    assert str(info.value) == (
        f"a decision for cadre P001 in case {CASE} is in force; its finding changes only "
        "through the appeal (申诉) to the deciding authority (Art. 12: a decision in force "
        "changes on appeal)"
    )


def test_art_5_a_decision_taken_alone_refuses_a_collective_derivation_of_the_same_matter(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED,
               individual_decision=True)  # fmt: skip
    with refused(app, RuleViolationError, "Art. 5") as info:
        app.assign_team(CASE, UNIT_CODE, [IN_CHARGE, MEMBER], ASSIGNED)
    assert str(info.value) == (
        f"cadre P001 decided or approved alone (个人决定或者批准) in case {CASE}; that member "
        "bears the responsibility individually, not the team (Art. 5: individual decision "
        "excludes collective derivation)"
    )


def test_art_5_a_collective_derivation_refuses_a_later_individual_decision_finding(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign_team(CASE, UNIT_CODE, [HEAD, IN_CHARGE], ASSIGNED)
    with refused(app, RuleViolationError, "Art. 5") as info:
        app.assign(CASE, PERSON, "P003", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED,
                   individual_decision=True)  # fmt: skip
    assert str(info.value) == (
        f"case {CASE} already derives collective responsibility of a team (P001, P002); a "
        "decision taken alone is not also derived collectively (Art. 5: individual decision "
        "excludes collective derivation)"
    )
