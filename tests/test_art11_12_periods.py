"""Art. 11 (announce within 30 days; a person's materials go into the personnel file) and
Art. 12 (written appeal within 15 days of receipt, to the deciding authority, which decides
within 30 days; the appeal does not suspend the measures). Closing a case.

Every due date below was computed with ``ledger.domain.periods.period_end`` and checked against the
``holidays`` calendar (0.109); see also ``scenarios``' module docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from scenarios import (
    ANNOUNCE_DUE,
    CASE,
    DECIDED,
    PERSON,
    UNIT,
    UNIT_CODE,
    D,
    bring_to_hearing,
    decided_case,
    document,
    last_event,
    open_case,
    person_measures,
    received_case,
    refused,
    unit_measures,
)

from ledger.application import LedgerApplication
from ledger.domain.case_rules import TeamMember
from ledger.domain.decision import Measures
from ledger.domain.periods import period_end
from ledger.domain.regulation import AppealOutcome, Measure, Responsibility, Severity, TeamRole
from ledger.errors import AlreadyExistsError, InvalidInputError, NotFoundError, RuleViolationError
from ledger.signing.signatures import Signer

TO = "王局长本人及长沙市某区信访局"
FILE = ("档案〔2024〕3号", "长沙市委组织部干部档案室")
RECEIVED = D(2025, 3, 3)  # Mon; +15 = Tue 2025-03-18, a working day
APPEAL_DUE = D(2025, 3, 18)
APPEALED = D(2025, 3, 18)  # the last day; +30 = Thu 2025-04-17, a working day
APPEAL_DECISION_DUE = D(2025, 4, 17)
ONE_DAY = dt.timedelta(days=1)


def appealed(app: LedgerApplication) -> None:
    """P001's decision received on RECEIVED and appealed on APPEALED."""
    received_case(app, RECEIVED)
    app.appeal(CASE, PERSON, "P001", APPEALED, "认为认定事实不清，申请撤销。")


# --- Art. 11: announcement ------------------------------------------------------------------


def test_the_announcement_period_is_thirty_days_from_the_decision() -> None:
    assert period_end(DECIDED, 30) == ANNOUNCE_DUE == D(2024, 5, 15)


def test_an_announcement_on_the_thirtieth_day_is_in_time(app: LedgerApplication) -> None:
    decided_case(app)
    app.announce(CASE, PERSON, "P001", ANNOUNCE_DUE, TO)
    event = last_event(app, "DecisionAnnounced")
    assert (event.on, event.due, event.overdue) == (ANNOUNCE_DUE, ANNOUNCE_DUE, False)
    assert app.case(CASE).party(PERSON, "P001").decision.announcement.on == ANNOUNCE_DUE


def test_a_late_announcement_is_recorded_and_flagged_overdue(app: LedgerApplication) -> None:
    decided_case(app)
    app.announce(CASE, PERSON, "P001", D(2024, 5, 16), TO)
    event = last_event(app, "DecisionAnnounced")
    assert (event.due, event.overdue) == (ANNOUNCE_DUE, True)
    assert app.case(CASE).party(PERSON, "P001").decision.announcement.on == D(2024, 5, 16)


def test_an_announcement_period_ending_on_a_holiday_runs_to_the_next_working_day(
    app: LedgerApplication,
) -> None:
    # Decided Fri 2024-05-10; +30 = Sun 06-09, then Mon 06-10 is the Dragon Boat Festival.
    decided_case(app, decided_on=D(2024, 5, 10))
    app.announce(CASE, PERSON, "P001", D(2024, 6, 11), TO)
    event = last_event(app, "DecisionAnnounced")
    assert (event.due, event.overdue) == (D(2024, 6, 11), False)


def test_a_unit_is_announced_to(app: LedgerApplication) -> None:
    decided_case(app, party_type=UNIT, code=UNIT_CODE)
    app.announce(CASE, UNIT, UNIT_CODE, D(2024, 4, 20), "长沙市某区信访局")
    assert last_event(app, "DecisionAnnounced").to == "长沙市某区信访局"


def test_an_announcement_before_a_decision_is_refused(app: LedgerApplication) -> None:
    open_case(app)
    bring_to_hearing(app)
    with refused(app, RuleViolationError, "Art. 10"):
        app.announce(CASE, PERSON, "P001", DECIDED, TO)


def test_an_announcement_dated_before_the_decision_or_twice_is_refused(
    app: LedgerApplication,
) -> None:
    decided_case(app)
    with refused(app, InvalidInputError, None):
        app.announce(CASE, PERSON, "P001", D(2024, 4, 14), TO)
    app.announce(CASE, PERSON, "P001", DECIDED, TO)
    with refused(app, AlreadyExistsError, None):
        app.announce(CASE, PERSON, "P001", D(2024, 4, 16), TO)


# --- Art. 11: personnel file ----------------------------------------------------------------


def test_a_persons_decision_goes_into_the_personnel_file(app: LedgerApplication) -> None:
    decided_case(app)
    app.enter_in_file(CASE, "P001", D(2024, 4, 25), *FILE)
    assert app.case(CASE).party(PERSON, "P001").decision.file_entry.on == D(2024, 4, 25)
    assert last_event(app, "PersonnelFileEntered").custodian == FILE[1]


def test_a_personnel_file_entry_for_a_unit_is_refused(app: LedgerApplication) -> None:
    decided_case(app, party_type=UNIT, code=UNIT_CODE)
    with refused(app, RuleViolationError, "Art. 11") as info:
        app.enter_in_file(CASE, UNIT_CODE, D(2024, 4, 25), *FILE)
    assert "人事档案" in str(info.value)


def test_a_personnel_file_entry_before_a_decision_is_refused(app: LedgerApplication) -> None:
    open_case(app)
    bring_to_hearing(app)
    with refused(app, RuleViolationError, "Art. 10"):
        app.enter_in_file(CASE, "P001", D(2024, 4, 25), *FILE)
    with refused(app, NotFoundError, None):
        app.enter_in_file(CASE, "P002", D(2024, 4, 25), *FILE)


# --- Art. 12: the appeal period -------------------------------------------------------------


def test_an_appeal_needs_the_receipt_date_first(app: LedgerApplication) -> None:
    decided_case(app)
    with refused(app, RuleViolationError, "Art. 12"):
        app.appeal(CASE, PERSON, "P001", D(2024, 4, 20), "不服。")


def test_the_appeal_period_runs_fifteen_days_from_receipt(app: LedgerApplication) -> None:
    received_case(app, RECEIVED)
    assert app.case(CASE).party(PERSON, "P001").decision.appeal_due == APPEAL_DUE
    assert last_event(app, "DecisionReceived").appeal_due == APPEAL_DUE


def test_an_appeal_on_the_fifteenth_day_after_receipt_is_accepted(
    app: LedgerApplication,
) -> None:
    appealed(app)
    appeal = app.case(CASE).party(PERSON, "P001").decision.appeal
    assert (appeal.filed_on, appeal.decision_due) == (APPEALED, APPEAL_DECISION_DUE)


def test_an_appeal_on_the_sixteenth_day_is_refused(app: LedgerApplication) -> None:
    received_case(app, RECEIVED)
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.appeal(CASE, PERSON, "P001", D(2025, 3, 19), "不服。")
    assert "2025-03-18" in str(info.value)


@pytest.mark.parametrize(
    ("received", "last_day"),
    [
        (D(2025, 3, 7), D(2025, 3, 24)),  # +15 = Sat 03-22 → Mon 03-24
        (D(2025, 1, 14), D(2025, 2, 5)),  # +15 = Wed 01-29, Spring Festival → Wed 02-05
    ],
    ids=["weekend", "spring-festival"],
)
def test_an_appeal_window_ending_on_a_rest_day_runs_to_the_next_working_day(
    app: LedgerApplication, received: dt.date, last_day: dt.date
) -> None:
    received_case(app, received)
    with refused(app, RuleViolationError, "Art. 12"):
        app.appeal(CASE, PERSON, "P001", last_day + ONE_DAY, "不服。")
    app.appeal(CASE, PERSON, "P001", last_day, "不服，申请复查。")
    assert app.case(CASE).party(PERSON, "P001").decision.appeal.filed_on == last_day


def test_a_second_appeal_or_a_second_receipt_is_refused(app: LedgerApplication) -> None:
    appealed(app)
    with refused(app, AlreadyExistsError, None):
        app.appeal(CASE, PERSON, "P001", APPEALED, "再次申诉。")
    with refused(app, AlreadyExistsError, None):
        app.receive(CASE, PERSON, "P001", RECEIVED)


def test_an_appeal_does_not_suspend_the_measures(app: LedgerApplication) -> None:
    received_case(app, RECEIVED, decided_on=D(2025, 2, 28))
    app.appeal(CASE, PERSON, "P001", D(2025, 3, 5), "不服。")
    app.enter_in_file(CASE, "P001", D(2025, 3, 6), *FILE)
    party = app.case(CASE).party(PERSON, "P001")
    assert party.decision.file_entry.on == D(2025, 3, 6)
    assert party.decision.revoked is False


# --- Art. 12: the appeal decision -----------------------------------------------------------


def test_an_appeal_decision_before_any_appeal_is_refused(app: LedgerApplication) -> None:
    received_case(app, RECEIVED)
    with refused(app, RuleViolationError, "Art. 12"):
        app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.UPHELD, "维持。")


def test_an_appeal_decided_by_another_authority_is_refused(
    app: LedgerApplication, root_signer: Signer
) -> None:
    appealed(app)
    app.signer = root_signer  # 湖南省委组织部 did not decide the case
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.UPHELD, "维持。")
    assert "长沙市纪委监委" in str(info.value)


def test_an_appeal_decided_on_the_thirtieth_day_is_in_time(app: LedgerApplication) -> None:
    appealed(app)
    app.decide_appeal(CASE, PERSON, "P001", APPEAL_DECISION_DUE, AppealOutcome.UPHELD, "事实清楚。")
    event = last_event(app, "AppealDecided")
    assert (event.due, event.overdue, event.outcome) == (APPEAL_DECISION_DUE, False, "upheld")


def test_a_late_appeal_decision_is_recorded_and_flagged_overdue(app: LedgerApplication) -> None:
    appealed(app)
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 4, 18), AppealOutcome.UPHELD, "事实清楚。")
    event = last_event(app, "AppealDecided")
    assert (event.due, event.overdue) == (APPEAL_DECISION_DUE, True)
    assert app.case(CASE).party(PERSON, "P001").decision.appeal.decided_on == D(2025, 4, 18)


def test_an_appeal_decision_before_the_appeal_date_or_twice_is_refused(
    app: LedgerApplication,
) -> None:
    appealed(app)
    with refused(app, InvalidInputError, None):
        app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 17), AppealOutcome.UPHELD, "维持。")
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.UPHELD, "维持。")
    with refused(app, AlreadyExistsError, None):
        app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 21), AppealOutcome.REVOKED, "撤销。")


def test_a_revoked_decision_is_marked_and_a_new_one_may_follow(app: LedgerApplication) -> None:
    appealed(app)
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 25), AppealOutcome.REVOKED, "证据不足。")
    assert app.case(CASE).party(PERSON, "P001").decision.revoked is True
    app.hear(CASE, PERSON, "P001", D(2025, 3, 28), "重新作出决定前再次听取说明和申辩。")  # Art. 9
    app.decide(CASE, PERSON, "P001", document(D(2025, 4, 1), person_measures(Measure.TRANSFER)))
    party = app.case(CASE).party(PERSON, "P001")
    assert (party.decision.revoked, party.decision.measures_in_force) == (False, ("transfer",))
    assert party.decision.appeal is None and party.decision.announcement is None


def test_a_revoked_decision_is_neither_announced_nor_filed(app: LedgerApplication) -> None:
    decided_case(app, decided_on=RECEIVED)
    app.receive(CASE, PERSON, "P001", RECEIVED)
    app.appeal(CASE, PERSON, "P001", D(2025, 3, 5), "不服。")
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 12), AppealOutcome.REVOKED, "撤销。")
    with refused(app, RuleViolationError, "Art. 12"):
        app.announce(CASE, PERSON, "P001", D(2025, 3, 13), TO)
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.enter_in_file(CASE, "P001", D(2025, 3, 13), *FILE)
    assert "revoked" in str(info.value)


def test_a_modified_decision_carries_the_new_measures(app: LedgerApplication) -> None:
    appealed(app)
    app.decide_appeal(
        CASE, PERSON, "P001", D(2025, 3, 25), AppealOutcome.MODIFIED, "处理偏重，予以变更。",
        person_measures(Measure.ADMONITION_TALK),
    )  # fmt: skip
    decision = app.case(CASE).party(PERSON, "P001").decision
    assert decision.measures_in_force == ("admonition_talk",)
    assert decision.revoked is False
    assert last_event(app, "AppealDecided").measures["measures"] == ["admonition_talk"]


def test_a_modification_must_name_fitting_measures(app: LedgerApplication) -> None:
    appealed(app)
    on = D(2025, 3, 25)
    with refused(app, InvalidInputError, None):
        app.decide_appeal(CASE, PERSON, "P001", on, AppealOutcome.MODIFIED, "变更。")
    with refused(app, RuleViolationError, "Art. 7"):
        app.decide_appeal(
            CASE, PERSON, "P001", on, AppealOutcome.MODIFIED, "变更。",
            Measures((Measure.CIRCULATED_CRITICISM,), Severity.SERIOUS),
        )  # fmt: skip
    with refused(app, InvalidInputError, None):
        app.decide_appeal(
            CASE, PERSON, "P001", on, AppealOutcome.UPHELD, "维持。", person_measures()
        )


def test_a_units_modified_measure_follows_its_new_circumstances(app: LedgerApplication) -> None:
    decided_case(app, party_type=UNIT, code=UNIT_CODE, decided_on=RECEIVED)
    app.receive(CASE, UNIT, UNIT_CODE, RECEIVED)
    app.appeal(CASE, UNIT, UNIT_CODE, D(2025, 3, 10), "情节认定过重。")
    app.decide_appeal(
        CASE, UNIT, UNIT_CODE, D(2025, 3, 25), AppealOutcome.MODIFIED, "改为情节较轻。",
        unit_measures(Severity.MINOR),
    )  # fmt: skip
    decision = app.case(CASE).party(UNIT, UNIT_CODE).decision
    assert (decision.severity_in_force, decision.measures_in_force) == (
        "minor",
        ("written_self_criticism",),
    )


# --- closing --------------------------------------------------------------------------------


def test_closing_with_an_unannounced_decision_is_refused(app: LedgerApplication) -> None:
    decided_case(app)
    with refused(app, RuleViolationError, "Art. 11"):
        app.close_case(CASE, D(2024, 6, 1), "结案。")


def test_closing_with_an_undecided_appeal_is_refused(app: LedgerApplication) -> None:
    appealed(app)
    app.enter_in_file(CASE, "P001", D(2025, 3, 19), *FILE)
    with refused(app, RuleViolationError, "Art. 12"):
        app.close_case(CASE, D(2025, 3, 20), "结案。")


def test_a_case_closes_once_every_decision_is_announced_and_every_appeal_decided(
    app: LedgerApplication,
) -> None:
    appealed(app)
    app.enter_in_file(CASE, "P001", D(2025, 3, 19), *FILE)
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 25), AppealOutcome.UPHELD, "维持。")
    app.notify_appeal_decision(CASE, PERSON, "P001", D(2025, 3, 26), TO)
    app.close_case(CASE, D(2025, 3, 26), "决定已宣布，申诉已处理，结案。")
    case = app.case(CASE)
    assert (case.status, case.closed_on) == ("closed", D(2025, 3, 26))


def test_a_decision_revoked_before_it_was_announced_does_not_hold_up_closing(
    app: LedgerApplication,
) -> None:
    decided_case(app, decided_on=RECEIVED)
    app.receive(CASE, PERSON, "P001", RECEIVED)  # served, but never announced
    app.appeal(CASE, PERSON, "P001", D(2025, 3, 5), "不服。")
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 12), AppealOutcome.REVOKED, "撤销。")
    app.notify_appeal_decision(CASE, PERSON, "P001", D(2025, 3, 13), TO)
    app.close_case(CASE, D(2025, 3, 13), "原决定已撤销，结案。")
    assert app.case(CASE).status == "closed"


#: Every command of the case lifecycle, as it would be given after the case was closed.
AFTER_CLOSING: dict[str, Callable[[LedgerApplication], None]] = {
    "assign": lambda a: a.assign(CASE, PERSON, "P002", Responsibility.DIRECT, D(2025, 3, 5)),
    "record_objection": lambda a: a.record_objection(CASE, "P002", D(2025, 3, 5), "反对。"),
    "assign_team": lambda a: a.assign_team(
        CASE, UNIT_CODE, [TeamMember("P002", TeamRole.PRINCIPAL_HEAD)], D(2025, 3, 5)
    ),
    "hear": lambda a: a.hear(CASE, PERSON, "P001", D(2025, 3, 5), "补充申辩。"),
    "decide": lambda a: a.decide(CASE, PERSON, "P001", document(D(2025, 3, 5))),
    "announce": lambda a: a.announce(CASE, PERSON, "P001", D(2025, 3, 5), TO),
    "enter_in_file": lambda a: a.enter_in_file(CASE, "P001", D(2025, 3, 5), *FILE),
    "receive": lambda a: a.receive(CASE, PERSON, "P001", D(2025, 3, 5)),
    "appeal": lambda a: a.appeal(CASE, PERSON, "P001", D(2025, 3, 5), "不服。"),
    "decide_appeal": lambda a: a.decide_appeal(
        CASE, PERSON, "P001", D(2025, 3, 5), AppealOutcome.UPHELD, "维持。"
    ),
    "refer": lambda a: a.refer(CASE, PERSON, "P001", D(2025, 3, 5), "检察院", "涉嫌犯罪"),
    "close": lambda a: a.close_case(CASE, D(2025, 3, 5), "再次结案。"),
    "correct_finding": lambda a: a.correct_finding(
        CASE, PERSON, "P001", Responsibility.IMPORTANT_LEADERSHIP, D(2025, 3, 5), "更正。"
    ),
    "notify_appeal_decision": lambda a: a.notify_appeal_decision(
        CASE, PERSON, "P001", D(2025, 3, 5), TO
    ),
}


@pytest.mark.parametrize("step", list(AFTER_CLOSING))
def test_every_step_on_a_closed_case_is_refused(app: LedgerApplication, step: str) -> None:
    received_case(app, RECEIVED)
    app.enter_in_file(CASE, "P001", RECEIVED, *FILE)
    app.close_case(CASE, APPEAL_DUE + ONE_DAY, "决定已宣布、归档，申诉期满，结案。")
    with refused(app, RuleViolationError, None) as info:
        AFTER_CLOSING[step](app)
    assert "(closed case)" in str(info.value)
    assert app.case(CASE).status == "closed"
