"""Art. 12 and closing (issue 12 points 1 and 5): closing never cuts off an appeal; a closed case
reopens only by a signed event that states why; the written notice of an appeal decision is its
own event within the 30-day duty; the decision document's 受理机关 is the deciding authority.

Dates (checked against the holidays calendar, 0.109): receipt Mon 2025-03-03 → appeal until Tue
2025-03-18; appeal Tue 2025-03-18 → decision and notice due Thu 2025-04-17.
"""

from __future__ import annotations

import datetime as dt

from scenarios import (
    CASE,
    DISCIPLINE_AUTHORITY,
    PERSON,
    D,
    bring_to_hearing,
    decided_case,
    document,
    last_event,
    open_case,
    received_case,
    refused,
)

from ledger.application import LedgerApplication
from ledger.domain.regulation import AppealOutcome, Responsibility
from ledger.errors import InvalidInputError, RuleViolationError

TO = "王局长本人及长沙市某区信访局"
FILE = ("档案〔2025〕3号", "长沙市委组织部干部档案室")
RECEIVED = D(2025, 3, 3)
APPEAL_DUE = D(2025, 3, 18)
DECISION_DUE = D(2025, 4, 17)


def filed_and_received(app: LedgerApplication) -> None:
    """P001's decision announced, filed and received on RECEIVED: only Art. 12 is left."""
    received_case(app, RECEIVED)
    app.enter_in_file(CASE, "P001", RECEIVED, *FILE)


def test_art_12_closing_while_the_appeal_period_runs_is_refused_and_the_appeal_stays_open(
    app: LedgerApplication,
) -> None:
    filed_and_received(app)
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.close_case(CASE, D(2025, 3, 4), "结案。")
    assert str(info.value) == (
        "person:P001 may appeal until 2025-03-18; close after that day "
        "(Art. 12: appeal period running)"
    )
    app.appeal(CASE, PERSON, "P001", APPEAL_DUE, "不服，提出书面申诉。")  # still within 15 days
    assert last_event(app, "AppealFiled").on == APPEAL_DUE


def test_art_12_closing_before_the_receipt_is_recorded_is_refused(app: LedgerApplication) -> None:
    decided_case(app, decided_on=RECEIVED)
    app.announce(CASE, PERSON, "P001", RECEIVED, TO)
    app.enter_in_file(CASE, "P001", RECEIVED, *FILE)
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.close_case(CASE, D(2025, 6, 1), "结案。")
    assert str(info.value) == (
        "receipt of the decision by person:P001 is not recorded; its 15-day appeal period has "
        "not started (Art. 12: receipt before closing)"
    )


def test_art_12_closing_before_the_appeal_decision_is_told_in_writing_is_refused(
    app: LedgerApplication,
) -> None:
    filed_and_received(app)
    app.appeal(CASE, PERSON, "P001", APPEAL_DUE, "不服。")
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 4, 1), AppealOutcome.UPHELD, "维持。")
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.close_case(CASE, D(2025, 4, 2), "结案。")
    assert str(info.value) == (
        "the appeal decision for person:P001 has not been told in writing "
        "(Art. 12: notify the appeal decision before closing)"
    )
    app.notify_appeal_decision(CASE, PERSON, "P001", D(2025, 4, 2), TO)
    app.close_case(CASE, D(2025, 4, 2), "申诉已处理并书面告知，结案。")
    assert app.case(CASE).status == "closed"


def test_art_12_a_closed_case_reopens_only_by_a_signed_event_stating_why(
    app: LedgerApplication,
) -> None:
    filed_and_received(app)
    with refused(app, RuleViolationError, None) as info:
        app.reopen_case(CASE, D(2025, 3, 20), "新情况。")
    assert str(info.value) == (
        f"case {CASE} is open; only a closed case reopens (reopen a closed case)"
    )
    app.close_case(CASE, D(2025, 3, 19), "申诉期满，结案。")
    with refused(app, InvalidInputError, None) as info:
        app.reopen_case(CASE, D(2025, 3, 20), "  ")
    assert str(info.value) == "reopening a case states its reason (new facts, a late referral…)"
    with refused(app, InvalidInputError, None) as info:
        app.reopen_case(CASE, D(2025, 3, 18), "新情况。")
    assert str(info.value) == "reopening on 2025-03-18 cannot precede the closing on 2025-03-19"
    app.reopen_case(CASE, D(2025, 3, 20), "发现新的事实，需移送司法机关")
    reopened = last_event(app, "Reopened")
    assert (reopened.on, reopened.reason) == (D(2025, 3, 20), "发现新的事实，需移送司法机关")
    app.refer(CASE, PERSON, "P001", D(2025, 3, 21), "某区人民检察院", "涉嫌玩忽职守罪")
    assert app.case(CASE).status == "open"


def test_art_12_the_written_notice_is_its_own_event_and_late_notice_is_flagged(
    app: LedgerApplication,
) -> None:
    filed_and_received(app)
    app.appeal(CASE, PERSON, "P001", APPEAL_DUE, "不服。")
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.notify_appeal_decision(CASE, PERSON, "P001", D(2025, 4, 1), TO)
    assert str(info.value) == (
        f"no appeal decision for 个人 P001 in case {CASE} is on record "
        "(Art. 12: appeal decision first)"
    )
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 4, 10), AppealOutcome.UPHELD, "维持。")
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.notify_appeal_decision(CASE, PERSON, "P001", D(2025, 4, 11), "王局长", ["person"])
    assert str(info.value) == (
        "the written notice is made to 本人及其所在单位; the record does not say the unit was "
        "told (Art. 12: the written notice names who was told)"
    )
    late = DECISION_DUE + dt.timedelta(days=1)
    app.notify_appeal_decision(CASE, PERSON, "P001", late, TO)
    notice = last_event(app, "AppealDecisionNotified")
    assert (notice.on, notice.due, notice.overdue, notice.told) == (
        late,
        DECISION_DUE,
        True,
        ["person", "unit"],
    )


def test_art_12_the_receiving_authority_is_the_deciding_authority(app: LedgerApplication) -> None:
    decided = document(appeal_authority="长沙市人民政府")
    open_case(app)
    bring_to_hearing(app, CASE, PERSON, "P001", Responsibility.DIRECT)
    with refused(app, RuleViolationError, "Art. 12") as info:
        app.decide(CASE, PERSON, "P001", decided)
    assert str(info.value) == (
        "the document names 长沙市人民政府 as 受理机关, but appeals go to the authority that "
        f"decides ({DISCIPLINE_AUTHORITY}): 向作出责任追究决定的机关提出 "
        "(Art. 12: 受理机关 is the deciding authority)"
    )
