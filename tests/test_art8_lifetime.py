"""Art. 8: 对本办法施行后发生的应当追究信访工作责任的情形，实行终身责任追究. The Measures took
effect on issue, 2016-06-23 (Art. 15): later situations are accountable for life, whatever post
the person holds later or after retirement; earlier ones are recorded but marked outside Art. 8."""

from __future__ import annotations

from scenarios import (
    CASE,
    DECIDED,
    PERSON,
    UNIT_CODE,
    D,
    bring_to_decision,
    document,
    last_event,
    open_case,
    refused,
)

from ledger.application import LedgerApplication
from ledger.domain.regulation import IN_FORCE_FROM, AdminLevel, Responsibility, UnitKind
from ledger.errors import InvalidInputError, RuleViolationError


def test_the_measures_took_effect_on_the_day_of_issue() -> None:
    assert D(2016, 6, 23) == IN_FORCE_FROM


def test_an_incident_before_the_measures_is_recorded_but_outside_art_8(
    app: LedgerApplication,
) -> None:
    open_case(app, incident=D(2016, 6, 22), opened_on=D(2016, 9, 1))
    case = app.case(CASE)
    assert case.lifetime is False
    assert case.incident_date == D(2016, 6, 22)
    assert last_event(app, "Opened").lifetime is False


def test_an_incident_on_the_day_the_measures_took_effect_is_accountable_for_life(
    app: LedgerApplication,
) -> None:
    open_case(app, incident=D(2016, 6, 23), opened_on=D(2016, 9, 1))
    assert app.case(CASE).lifetime is True


def test_an_incident_after_the_measures_is_accountable_for_life(app: LedgerApplication) -> None:
    open_case(app)
    assert app.case(CASE).lifetime is True
    assert last_event(app, "Opened").lifetime is True


def test_an_old_incident_outside_art_8_can_still_be_decided(app: LedgerApplication) -> None:
    open_case(app, incident=D(2015, 11, 3), opened_on=D(2016, 3, 1))
    bring_to_decision(app, CASE, PERSON, "P001")
    case = app.case(CASE)
    assert case.lifetime is False
    assert case.party(PERSON, "P001").decision.decided_on == DECIDED


def test_a_retired_cadre_can_still_be_held_accountable(app: LedgerApplication) -> None:
    app.retire_cadre("P002", D(2020, 7, 1))
    open_case(app, incident=D(2019, 5, 10), opened_on=D(2024, 4, 1))
    bring_to_decision(app, CASE, PERSON, "P002", Responsibility.PRIMARY_LEADERSHIP)
    cadre = app.cadre("P002")
    assert cadre.retired_on == D(2020, 7, 1)
    assert cadre.current_post is None
    assert cadre.post_on(D(2019, 5, 10)).unit_code == UNIT_CODE  # type: ignore[union-attr]
    assert app.case(CASE).party(PERSON, "P002").decision is not None


def test_a_cadre_moved_to_another_unit_is_held_accountable_for_the_old_post(
    app: LedgerApplication,
) -> None:
    app.add_unit("YY-ZF", "岳阳市某县人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    app.move_cadre("P001", "YY-ZF", "副县长", D(2022, 3, 1))
    open_case(app, incident=D(2021, 8, 16), opened_on=D(2024, 4, 1))
    bring_to_decision(app, CASE, PERSON, "P001", Responsibility.PRIMARY_LEADERSHIP)
    cadre = app.cadre("P001")
    assert cadre.post_on(D(2021, 8, 16)).title == "局长"  # type: ignore[union-attr]
    assert cadre.current_post.unit_code == "YY-ZF"  # type: ignore[union-attr]
    assert app.case(CASE).party(PERSON, "P001").decision is not None


def test_a_moved_cadre_can_also_be_announced_and_filed_later(app: LedgerApplication) -> None:
    app.add_unit("YY-ZF", "岳阳市某县人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    open_case(app, incident=D(2021, 8, 16), opened_on=D(2024, 4, 1))
    bring_to_decision(app, CASE, PERSON, "P001")
    app.move_cadre("P001", "YY-ZF", "副县长", D(2024, 4, 20))
    app.announce(CASE, PERSON, "P001", D(2024, 4, 22), "王某本人及岳阳市某县人民政府")
    app.enter_in_file(CASE, "P001", D(2024, 4, 25), "档案〔2024〕12号", "岳阳市委组织部")
    assert app.case(CASE).party(PERSON, "P001").decision.file_entry.on == D(2024, 4, 25)


def test_a_retired_cadre_takes_no_new_post(app: LedgerApplication) -> None:
    app.retire_cadre("P003", D(2020, 7, 1))
    with refused(app, RuleViolationError, None) as info:
        app.move_cadre("P003", UNIT_CODE, "顾问", D(2021, 1, 1))
    assert "(retired)" in str(info.value)


def test_a_future_incident_is_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None):
        open_case(app, incident=D(2999, 1, 1), opened_on=D(2999, 1, 2))
    with refused(app, InvalidInputError, None):
        app.decide(CASE, PERSON, "P001", document(decided_on=D(2999, 1, 3)))
