"""Art. 9: 信访工作责任追究决定作出前，应当听取责任追究对象的说明和申辩."""

from __future__ import annotations

from scenarios import (
    ASSIGNED,
    CASE,
    DECIDED,
    HEARD,
    PERSON,
    UNIT,
    UNIT_CODE,
    document,
    open_case,
    refused,
    unit_measures,
)

from ledger.application import LedgerApplication
from ledger.domain.regulation import Responsibility
from ledger.errors import InvalidInputError, RuleViolationError


def test_a_decision_is_refused_before_the_person_is_heard(app: LedgerApplication) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    with refused(app, RuleViolationError, "Art. 9") as info:
        app.decide(CASE, PERSON, "P001", document())
    assert "说明和申辩" in str(info.value)
    assert app.case(CASE).party(PERSON, "P001").decision is None


def test_a_decision_is_refused_before_the_unit_is_heard(app: LedgerApplication) -> None:
    open_case(app)
    app.assign(CASE, UNIT, UNIT_CODE, Responsibility.COLLECTIVE, ASSIGNED)
    with refused(app, RuleViolationError, "Art. 9"):
        app.decide(CASE, UNIT, UNIT_CODE, document(measures=unit_measures()))


def test_hearing_another_party_does_not_open_the_way_to_a_decision(
    app: LedgerApplication,
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    app.assign(CASE, PERSON, "P002", Responsibility.PRIMARY_LEADERSHIP, ASSIGNED)
    app.hear(CASE, PERSON, "P002", HEARD, "李副局长作了说明。")
    with refused(app, RuleViolationError, "Art. 9"):
        app.decide(CASE, PERSON, "P001", document())


def test_a_decision_is_allowed_once_the_party_was_heard(app: LedgerApplication) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    app.hear(CASE, PERSON, "P001", HEARD, "王局长说明了办理经过并提出申辩。")
    app.decide(CASE, PERSON, "P001", document())
    decision = app.case(CASE).party(PERSON, "P001").decision
    assert decision.decided_on == DECIDED
    assert decision.deciding_authority == "长沙市纪委监委"


def test_a_decision_dated_before_the_hearing_is_refused(app: LedgerApplication) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    app.hear(CASE, PERSON, "P001", HEARD, "王局长作了说明。")
    with refused(app, InvalidInputError, None):
        app.decide(CASE, PERSON, "P001", document(decided_on=ASSIGNED))


def test_a_hearing_needs_a_summary_of_what_was_said(app: LedgerApplication) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    with refused(app, InvalidInputError, None):
        app.hear(CASE, PERSON, "P001", HEARD, "  ")
