"""Art. 4: the sixteen situations (情形). A case cites items by number; (十六) names the other
regulation relied on; each cited item records the results its text names — 引发…群体性事件,
导致矛盾激化, 造成不良影响或者严重后果 — per ground, and an item is refused without them."""

from __future__ import annotations

import pytest
from scenarios import CASE, OPENED, D, open_case, refused

from ledger.application import LedgerApplication
from ledger.domain.case_rules import check_consequence, check_results
from ledger.domain.regulation import GROUNDS, Consequence, ResultElement, ground_label
from ledger.errors import InvalidInputError, RuleViolationError

R = ResultElement
NONE = Consequence.NONE
ADVERSE = Consequence.ADVERSE_IMPACT
SERIOUS = Consequence.SERIOUS
HARM = {R.ADVERSE_IMPACT, R.SERIOUS}
INCIDENTS = {R.PROMINENT_PROBLEM, R.VICIOUS_INCIDENT, R.MASS_INCIDENT}

#: The results each item names, read from the Chinese text of Art. 4: every set is a choice
#: ("A、B或者C": one of them), and every choice must be met.
RESULTS_NAMED_BY_THE_TEXT: dict[int, list[set[ResultElement]]] = {
    1: [INCIDENTS],  # 引发信访突出问题、恶性事件或者群体性事件
    2: [{R.PETITION_ARISEN}, HARM],  # 导致信访事项发生，造成不良影响或者严重后果
    3: [{R.PETITION_ARISEN}, HARM],
    4: [{R.CONFLICT_INTENSIFIED}, HARM],  # 导致矛盾激化，造成不良影响或者严重后果
    5: [{R.SERIOUS}],  # 造成严重后果
    6: [],
    7: [INCIDENTS],
    8: [{R.CONFLICT_INTENSIFIED, R.ESCALATED, R.REPEATED_MASS_PETITION}],
    9: [HARM], 10: [HARM],
    11: [{R.CONFLICT_INTENSIFIED}, HARM],
    12: [HARM], 13: [HARM],
    14: [],
    15: [{R.NEGATIVE_OPINION}, HARM],  # 引发负面舆情，造成不良影响 (严重后果 is the greater harm)
    16: [],
}  # fmt: skip
OTHER = "《中国共产党问责条例》第七条"


def test_the_sixteen_items_name_the_results_the_text_names() -> None:
    assert {n: [set(c) for c in g.results] for n, g in GROUNDS.items()} == (
        RESULTS_NAMED_BY_THE_TEXT
    )


def test_an_item_is_shown_with_its_chinese_number_and_words() -> None:
    assert ground_label(11).startswith("（十一）在处理信访事项过程中")
    assert ground_label(16) == "（十六）依照有关规定应当追究责任的其他情形"


def test_art_4_each_ground_is_shown_in_its_full_wording_with_its_consequence() -> None:
    assert ground_label(5) == (
        "（五）对疑难复杂的信访问题，未按照有关规定落实领导专办责任，久拖不决，造成严重后果"
    )
    assert ground_label(15) == "（十五）因信访问题处理不当，引发负面舆情，造成不良影响"
    assert ground_label(2).endswith("导致信访事项发生，造成不良影响或者严重后果")
    assert ground_label(8).endswith("导致矛盾激化、事态扩大或者引发重复越级集体上访")


@pytest.mark.parametrize("number", sorted(GROUNDS))
def test_art_4_each_item_is_accepted_with_its_results_and_refused_without_any_one(
    number: int,
) -> None:
    choices = RESULTS_NAMED_BY_THE_TEXT[number]
    for pick in range(3):  # each alternative of a choice satisfies it
        chosen = [sorted(c)[pick % len(c)].value for c in choices]
        check_results([number], {str(number): chosen})
    for missing in range(len(choices)):
        partial = [sorted(c)[0].value for i, c in enumerate(choices) if i != missing]
        label = GROUNDS[number].label
        with pytest.raises(RuleViolationError, match=rf"\(Art\. 4: item {label} result element"):
            check_results([number], {str(number): partial})


@pytest.mark.parametrize("number", [6, 12, 14])
def test_art_4_a_result_the_item_does_not_name_is_refused(number: int) -> None:
    with pytest.raises(RuleViolationError, match=r"does not name the result 引发群体性事件"):
        check_results([number], {str(number): [R.MASS_INCIDENT.value, *HARM]})


def test_art_4_results_are_kept_per_ground(app: LedgerApplication) -> None:
    open_case(app, grounds=(11, 12), results={
        11: [R.CONFLICT_INTENSIFIED, R.SERIOUS], 12: [R.ADVERSE_IMPACT]})  # fmt: skip
    assert app.case(CASE).results == {
        "11": ["conflict_intensified", "serious"], "12": ["adverse_impact"]}  # fmt: skip


def test_art_4_a_plain_list_of_results_goes_to_each_ground_that_names_them(
    app: LedgerApplication,
) -> None:
    open_case(app, grounds=(1, 11, 14),
              results=[R.MASS_INCIDENT, R.CONFLICT_INTENSIFIED, R.ADVERSE_IMPACT])  # fmt: skip
    assert app.case(CASE).results == {
        "1": ["mass_incident"],
        "11": ["conflict_intensified", "adverse_impact"],
        "14": [],
    }


def test_art_4_item_eleven_without_conflict_intensified_is_refused_and_nothing_written(
    app: LedgerApplication,
) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(11,), results=[R.ADVERSE_IMPACT])
    assert str(info.value) == (
        "ground （十一）在处理信访事项过程中，工作作风简单粗暴、敷衍塞责、推诿扯皮，导致矛盾激化，"
        "造成不良影响或者严重后果 applies only where the situation 导致矛盾激化; no such result is "
        "recorded for it (Art. 4: item （十一） result element required) Record it with --result "
        "11:conflict_intensified."
    )


def test_art_4_item_one_without_an_incident_is_refused_and_nothing_written(
    app: LedgerApplication,
) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(1, 12), results=[R.ADVERSE_IMPACT])
    assert str(info.value) == (
        "ground （一）违反法律法规和政策规定作出决策，引发信访突出问题、恶性事件或者群体性事件 "
        "applies only where the situation 引发信访突出问题或者引发恶性事件或者引发群体性事件; no "
        "such result is recorded for it (Art. 4: item （一） result element required) Record it "
        "with --result 1:prominent_problem or 1:vicious_incident or 1:mass_incident."
    )


def test_art_4_a_result_no_cited_ground_names_is_refused_and_nothing_written(
    app: LedgerApplication,
) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(12,), results=[R.ADVERSE_IMPACT, R.NEGATIVE_OPINION])
    assert str(info.value) == (
        "no cited ground （十二） names the result 引发负面舆情 (negative_opinion) "
        "(Art. 4: result named by a cited ground)"
    )


def test_results_for_a_ground_not_cited_are_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None) as info:
        open_case(app, grounds=(12,), results={12: [R.ADVERSE_IMPACT], 4: [R.SERIOUS]})
    assert str(info.value) == "results are given for ground 4, which the case does not cite"


def test_a_case_of_an_older_ledger_is_judged_by_its_one_consequence() -> None:
    """Cases recorded one consequence for the whole case before results were kept per ground:
    their events are still audited by the rule they were recorded under."""
    check_consequence([11, 12], ADVERSE)
    check_consequence([5], SERIOUS)
    with pytest.raises(RuleViolationError, match=r"\(Art\. 4: consequence required\)"):
        check_consequence([5], ADVERSE)
    with pytest.raises(RuleViolationError, match=r"\(Art\. 4: consequence required\)"):
        check_consequence([12], NONE)


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
        open_case(app, grounds=(16,), results=(), other_regulation="  ")
    assert "(十六)" in str(info.value)


def test_item_sixteen_with_the_other_regulation_is_recorded(app: LedgerApplication) -> None:
    open_case(app, grounds=(16,), results=(), other_regulation=OTHER)
    case = app.case(CASE)
    assert case.grounds == (16,)
    assert case.state.other_regulation == OTHER


@pytest.mark.parametrize("number", [2, 4, 9, 12, 15])
def test_a_ground_that_needs_harm_is_refused_without_it(
    app: LedgerApplication, number: int
) -> None:
    others = [sorted(c)[0] for c in GROUNDS[number].results if not c & HARM]
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(number,), results=others)
    assert "造成不良影响或者造成严重后果" in str(info.value)


def test_item_five_is_refused_with_adverse_impact_only(app: LedgerApplication) -> None:
    with refused(app, RuleViolationError, "Art. 4") as info:
        open_case(app, grounds=(5,), results={5: [R.ADVERSE_IMPACT]})
    assert str(info.value) == (
        "ground （五） does not name the result 造成不良影响 (adverse_impact): （五）对疑难复杂的"
        "信访问题，未按照有关规定落实领导专办责任，久拖不决，造成严重后果 (Art. 4: item （五） "
        "result element)"
    )


def test_item_five_is_accepted_with_serious_consequences(app: LedgerApplication) -> None:
    open_case(app, grounds=(5,), results=[R.SERIOUS])
    assert app.case(CASE).results == {"5": ["serious"]}


def test_grounds_that_need_no_result_are_accepted_without_one(app: LedgerApplication) -> None:
    open_case(app, grounds=(14, 6), results=())
    case = app.case(CASE)
    assert case.grounds == (6, 14)
    assert case.results == {"6": [], "14": []}


def test_a_case_opened_before_the_incident_is_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None):
        open_case(app, incident=D(2024, 4, 2), opened_on=OPENED)  # opened 04-01
