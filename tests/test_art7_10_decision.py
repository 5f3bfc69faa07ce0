"""Art. 7 (measures for units by the circumstances, for persons alone or combined, 纪律处分 where
discipline was violated, referral of suspected crimes) and Art. 10 (what the 《责任追究决定书》
must state)."""

from __future__ import annotations

from typing import Any

import pytest
from scenarios import (
    CASE,
    PERSON,
    UNIT,
    UNIT_CODE,
    D,
    bring_to_hearing,
    document,
    last_event,
    open_case,
    person_measures,
    refused,
)

from ledger.application import LedgerApplication
from ledger.domain.case_state import Referral
from ledger.domain.decision import Measures
from ledger.domain.regulation import Measure, Severity
from ledger.errors import AlreadyExistsError, InvalidInputError, RuleViolationError


@pytest.fixture
def heard(app: LedgerApplication) -> LedgerApplication:
    """A case where P001 (direct responsibility) and the unit CS-XF have both been heard."""
    open_case(app)
    bring_to_hearing(app, CASE, PERSON, "P001")
    bring_to_hearing(app, CASE, UNIT, UNIT_CODE)
    return app


# --- Art. 10: the decision document ---------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"facts": " "}, "事实"),
        ({"basis": ""}, "依据"),
        ({"approving_authority": ""}, "批准机关"),
        ({"effective_date": None}, "生效时间"),
        ({"appeal_period_days": 0}, "申诉期限"),
        ({"appeal_authority": "  "}, "受理机关"),
    ],
)
def test_a_decision_document_missing_a_required_statement_is_refused(
    heard: LedgerApplication, change: dict[str, Any], label: str
) -> None:
    with refused(heard, RuleViolationError, "Art. 10") as info:
        heard.decide(CASE, PERSON, "P001", document(**change))
    assert f"does not state {label}" in str(info.value)


def test_a_decision_without_its_number_is_refused_without_citing_art_10(
    heard: LedgerApplication,
) -> None:
    """文号 is required to identify the document, but it is not one of Art. 10's items."""
    with refused(heard, InvalidInputError, None) as info:
        heard.decide(CASE, PERSON, "P001", document(number=""))
    assert str(info.value) == "the document number (文号) of the 《责任追究决定书》 is required"


def test_a_decision_document_naming_no_measure_is_refused(heard: LedgerApplication) -> None:
    with refused(heard, RuleViolationError, "Art. 10") as info:
        heard.decide(CASE, PERSON, "P001", document(measures=Measures(())))
    assert "方式" in str(info.value)


def test_a_complete_document_is_recorded_with_every_statement(heard: LedgerApplication) -> None:
    doc = document()
    heard.decide(CASE, PERSON, "P001", doc)
    issued = last_event(heard, "DecisionIssued")
    assert issued.document == doc.to_dict()
    assert issued.deciding_authority == "长沙市纪委监委"
    decision = heard.case(CASE).party(PERSON, "P001").decision
    assert decision.appeal_period_days == 15
    assert decision.appeal_authority == doc.appeal_authority


@pytest.mark.parametrize("days", [10, 14, 16, 30])
def test_an_appeal_period_other_than_fifteen_days_is_refused(
    heard: LedgerApplication, days: int
) -> None:
    with refused(heard, RuleViolationError, "Art. 12") as info:
        heard.decide(CASE, PERSON, "P001", document(appeal_period_days=days))
    assert f"{days} days" in str(info.value)


def test_an_effective_date_before_the_decision_is_refused(heard: LedgerApplication) -> None:
    with refused(heard, InvalidInputError, None):
        heard.decide(CASE, PERSON, "P001", document(effective_date=D(2024, 4, 14)))


# --- Art. 7 para. 1: units ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "measure"),
    [
        (Severity.MINOR, Measure.WRITTEN_SELF_CRITICISM),
        (Severity.SERIOUS, Measure.CIRCULATED_CRITICISM),
        (Severity.GRAVE, Measure.TEAM_ADJUSTMENT),
    ],
)
def test_a_units_circumstances_decide_its_measure(
    heard: LedgerApplication, severity: Severity, measure: Measure
) -> None:
    others = [m for m in (Measure.WRITTEN_SELF_CRITICISM, Measure.CIRCULATED_CRITICISM,
                          Measure.TEAM_ADJUSTMENT) if m is not measure]  # fmt: skip
    for wrong in others:
        with refused(heard, RuleViolationError, "Art. 7") as info:
            heard.decide(CASE, UNIT, UNIT_CODE, document(measures=Measures((wrong,), severity)))
        assert severity.label in str(info.value)
    heard.decide(CASE, UNIT, UNIT_CODE, document(measures=Measures((measure,), severity)))
    decision = heard.case(CASE).party(UNIT, UNIT_CODE).decision
    assert (decision.measures, decision.severity) == ((measure.value,), severity.value)


def test_a_units_decision_must_state_the_circumstances(heard: LedgerApplication) -> None:
    with refused(heard, RuleViolationError, "Art. 7"):
        heard.decide(
            CASE, UNIT, UNIT_CODE, document(measures=Measures((Measure.CIRCULATED_CRITICISM,)))
        )


def test_a_unit_gets_one_measure_not_a_combination(heard: LedgerApplication) -> None:
    combined = Measures((Measure.CIRCULATED_CRITICISM, Measure.WRITTEN_SELF_CRITICISM),
                        Severity.SERIOUS)  # fmt: skip
    with refused(heard, RuleViolationError, "Art. 7"):
        heard.decide(CASE, UNIT, UNIT_CODE, document(measures=combined))


def test_a_persons_measure_on_a_unit_is_refused(heard: LedgerApplication) -> None:
    with refused(heard, RuleViolationError, "Art. 7") as info:
        heard.decide(
            CASE, UNIT, UNIT_CODE,
            document(measures=Measures((Measure.DISMISSAL,), Severity.GRAVE)),
        )  # fmt: skip
    assert "免职" in str(info.value)


# --- Art. 7 para. 2: persons ----------------------------------------------------------------


@pytest.mark.parametrize(
    "measure",
    [Measure.WRITTEN_SELF_CRITICISM, Measure.CIRCULATED_CRITICISM, Measure.TEAM_ADJUSTMENT],
)
def test_a_units_measure_on_a_person_is_refused(heard: LedgerApplication, measure: Measure) -> None:
    with refused(heard, RuleViolationError, "Art. 7") as info:
        heard.decide(CASE, PERSON, "P001", document(measures=person_measures(measure)))
    assert measure.label in str(info.value)


@pytest.mark.parametrize(
    "measure",
    [Measure.ADMONITION_TALK, Measure.TRANSFER, Measure.RESIGNATION_FOR_FAULT,
     Measure.ORDERED_RESIGNATION, Measure.DISMISSAL, Measure.DEMOTION],
)  # fmt: skip
def test_each_organisational_measure_may_be_used_alone(
    heard: LedgerApplication, measure: Measure
) -> None:
    heard.decide(CASE, PERSON, "P001", document(measures=person_measures(measure)))
    assert heard.case(CASE).party(PERSON, "P001").decision.measures_in_force == (measure.value,)


def test_measures_may_be_combined_for_a_person(heard: LedgerApplication) -> None:
    combined = person_measures(
        Measure.ADMONITION_TALK, Measure.TRANSFER, Measure.DISCIPLINARY_SANCTION,
        sanction="党内警告",
    )  # fmt: skip
    heard.decide(CASE, PERSON, "P001", document(measures=combined))
    decision = heard.case(CASE).party(PERSON, "P001").decision
    assert decision.measures == ("admonition_talk", "transfer", "disciplinary_sanction")
    assert decision.sanction == "党内警告"


def test_a_disciplinary_sanction_must_name_the_sanction(heard: LedgerApplication) -> None:
    with refused(heard, RuleViolationError, "Art. 7") as info:
        heard.decide(
            CASE, PERSON, "P001",
            document(measures=person_measures(Measure.DISCIPLINARY_SANCTION, sanction=" ")),
        )  # fmt: skip
    assert "纪律处分" in str(info.value)


def test_a_measure_named_twice_is_refused(heard: LedgerApplication) -> None:
    twice = person_measures(Measure.TRANSFER, Measure.TRANSFER)
    with refused(heard, InvalidInputError, None):
        heard.decide(CASE, PERSON, "P001", document(measures=twice))


def test_a_second_decision_for_the_same_party_is_refused(heard: LedgerApplication) -> None:
    heard.decide(CASE, PERSON, "P001", document())
    with refused(heard, AlreadyExistsError, None) as info:
        heard.decide(CASE, PERSON, "P001", document(decided_on=D(2024, 4, 16)))
    assert "Art. 12" in str(info.value)


# --- Art. 7 para. 3: suspected crimes -------------------------------------------------------


def test_a_suspected_crime_is_referred_to_the_judicial_organs(heard: LedgerApplication) -> None:
    heard.decide(CASE, PERSON, "P001", document())
    heard.refer(CASE, PERSON, "P001", D(2024, 4, 20), "长沙市人民检察院", "涉嫌玩忽职守罪")
    assert heard.case(CASE).party(PERSON, "P001").referral == Referral(
        D(2024, 4, 20), "长沙市人民检察院", "涉嫌玩忽职守罪"
    )
    assert last_event(heard, "ReferredToJudicialOrgan").reason == "涉嫌玩忽职守罪"


def test_a_referral_names_the_organ_and_the_offence(heard: LedgerApplication) -> None:
    with refused(heard, InvalidInputError, None):
        heard.refer(CASE, PERSON, "P001", D(2024, 4, 20), "长沙市人民检察院", "")
