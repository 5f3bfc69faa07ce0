"""Art. 4: the sixteen situations (情形). A case cites items by number; (十六) names the other
regulation relied on; items that say 造成不良影响(或者严重后果) apply only where the situation
caused that harm, and (五) only where it caused 严重后果."""

from __future__ import annotations

import pytest
from scenarios import CASE, OPENED, D, open_case, refused

from ledger.application import LedgerApplication
from ledger.domain.case_rules import check_grounds
from ledger.domain.regulation import GROUNDS, Consequence, ground_label
from ledger.errors import InvalidInputError, RuleViolationError

NONE = Consequence.NONE
ADVERSE = Consequence.ADVERSE_IMPACT
SERIOUS = Consequence.SERIOUS

#: The least harm each item names, read from the Chinese text of Art. 4.
HARM_NAMED_BY_THE_TEXT = {
    1: NONE, 2: ADVERSE, 3: ADVERSE, 4: ADVERSE, 5: SERIOUS, 6: NONE, 7: NONE, 8: NONE,
    9: ADVERSE, 10: ADVERSE, 11: ADVERSE, 12: ADVERSE, 13: ADVERSE, 14: NONE, 15: ADVERSE,
    16: NONE,
}  # fmt: skip
HARM_ORDER = [NONE, ADVERSE, SERIOUS]
OTHER = "《中国共产党问责条例》第七条"


def test_the_sixteen_items_name_the_harm_the_text_names() -> None:
    assert {n: g.requires for n, g in GROUNDS.items()} == HARM_NAMED_BY_THE_TEXT


def test_an_item_is_shown_with_its_chinese_number_and_words() -> None:
    assert ground_label(11).startswith("（十一）在处理信访事项过程中")
    assert ground_label(16) == "（十六）依照有关规定应当追究责任的其他情形"


def test_art_4_each_ground_is_shown_in_its_full_wording_with_its_consequence() -> None:
    assert ground_label(5) == (
        "（五）对疑难复杂的信访问题，未按照有关规定落实领导专办责任，久拖不决，造成严重后果"
    )
    assert ground_label(15) == "（十五）因信访问题处理不当，引发负面舆情，造成不良影响"
    assert ground_label(2).endswith("导致信访事项发生，造成不良影响或者严重后果")


@pytest.mark.parametrize("number", sorted(GROUNDS))
def test_each_item_is_accepted_with_the_harm_it_names_and_refused_with_less(number: int) -> None:
    needed = HARM_NAMED_BY_THE_TEXT[number]
    other = OTHER if number == 16 else ""
    check_grounds([number], other, needed)
    check_grounds([number], other, SERIOUS)
    for less in HARM_ORDER[: HARM_ORDER.index(needed)]:
        with pytest.raises(RuleViolationError, match=r"\(Art\. 4: consequence required\)"):
            check_grounds([number], other, less)


@pytest.mark.parametrize("number", [0, 17, -1])
def test_an_unknown_ground_is_refused(app: LedgerApplication, number: int) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(12, number))
    assert "unknown ground" in str(info.value)


def test_a_case_without_any_ground_is_refused(app: LedgerApplication) -> None:
    with refused(app, RuleViolationError, "Art. 4"):
        open_case(app, grounds=())


def test_a_ground_cited_twice_is_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None):
        open_case(app, grounds=(12, 12))


def test_item_sixteen_without_the_other_regulation_is_refused(app: LedgerApplication) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(16,), other_regulation="  ")
    assert "(十六)" in str(info.value)


def test_item_sixteen_with_the_other_regulation_is_recorded(app: LedgerApplication) -> None:
    open_case(app, grounds=(16,), consequence=NONE, other_regulation=OTHER)
    case = app.case(CASE)
    assert case.grounds == (16,)
    assert case.state.other_regulation == OTHER


@pytest.mark.parametrize("number", [2, 4, 9, 12, 15])
def test_a_ground_that_needs_adverse_impact_is_refused_without_it(
    app: LedgerApplication, number: int
) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(number,), consequence=NONE)
    assert "不良影响" in str(info.value)


def test_one_ground_that_needs_harm_refuses_the_whole_citation(app: LedgerApplication) -> None:
    with refused(app, RuleViolationError, "Art. 4"):
        open_case(app, grounds=(1, 6, 11), consequence=NONE)


def test_item_five_is_refused_with_adverse_impact_only(app: LedgerApplication) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(5,), consequence=ADVERSE)
    assert "严重后果" in str(info.value)


def test_item_five_is_accepted_with_serious_consequences(app: LedgerApplication) -> None:
    open_case(app, grounds=(5,), consequence=SERIOUS)
    assert app.case(CASE).consequence is SERIOUS


def test_grounds_that_need_no_harm_are_accepted_without_it(app: LedgerApplication) -> None:
    open_case(app, grounds=(14, 6, 1), consequence=NONE)
    case = app.case(CASE)
    assert case.grounds == (1, 6, 14)
    assert case.consequence is NONE


def test_a_case_opened_before_the_incident_is_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None):
        open_case(app, incident=D(2024, 4, 2), opened_on=OPENED)  # opened 04-01
