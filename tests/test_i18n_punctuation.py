"""Chinese typesetting of the catalog and of the labels the ledger shows (issue 14 point 4):
fullwidth punctuation next to Chinese text, and every event named by its label."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ledger.domain import event_labels, topics
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.imports import ImportedLine
from ledger.domain.keys import KeyRegistry
from ledger.domain.report import RegionalReport
from ledger.domain.unit import Unit
from ledger.i18n import bracketed, language, listed, set_language

PO = Path(__file__).resolve().parent.parent / "ledger/locale/zh_CN/LC_MESSAGES/lifeledger.po"

#: Chinese characters and fullwidth punctuation.
CJK = r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff60]"
#: ASCII punctuation that has a fullwidth form in Chinese text: , : ; ( ).
ASCII = r"[,:;()]"
NEXT_TO_CHINESE = re.compile(rf"{CJK} ?{ASCII}|{ASCII} ?{CJK}")
#: What keeps its ASCII punctuation: placeholders, code spans, command lines, paths and URLs,
#: quoted values, calls in code (atomic()).
TYPED = [
    r"\{[^{}]*\}",
    r"`[^`]*`",
    r"lifeledger(?: [\x21-\x7e]+)*",
    r"https?://\S+",
    r"[\x21-\x7e]*/[\x21-\x7e]*",
    r"'[^']*'",
    r"\b\w+\(\)",
]


def ascii_punctuation_by_chinese(text: str) -> list[str]:
    """The ASCII , : ; ( ) next to Chinese text in ``text`` (a space between allowed),
    outside what is typed or quoted as it is."""
    rest = text
    for pattern in TYPED:
        rest = re.sub(pattern, " ", rest)
    return NEXT_TO_CHINESE.findall(rest)


def test_the_finder_finds_ascii_punctuation_by_chinese_but_not_in_what_is_typed() -> None:
    assert ascii_punctuation_by_chinese("主要领导责任 (分管负责人)") == ["任 (", "人)"]
    assert ascii_punctuation_by_chinese("局长, 长沙市") == ["长,"]
    assert ascii_punctuation_by_chinese("运行 `lifeledger key add --role admin(x)`：") == []
    assert ascii_punctuation_by_chinese("{describe}（{holder}，{when}）：见 a/b(1).json") == []
    assert ascii_punctuation_by_chinese("批次不能在 atomic() 中提交") == []


def test_no_chinese_message_has_ascii_punctuation_next_to_chinese_text() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f)
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        for text in strings:
            hits = ascii_punctuation_by_chinese(text)
            if hits:
                found.append(f"{text!r}: {hits}")
    assert not found, "use fullwidth （），：； in Chinese:\n" + "\n".join(found)


AGGREGATES = (AccountabilityCase, Cadre, Unit, KeyRegistry, ImportedLine, RegionalReport)


def _events() -> list[str]:
    """Every event class the ledger stores, as ``Aggregate.Event``."""
    found = []
    for aggregate in AGGREGATES:
        for name, cls in vars(aggregate).items():
            if (
                inspect.isclass(cls)
                and issubclass(cls, aggregate.Event)
                and cls is not aggregate.Event
                and (name != "Created" or aggregate is KeyRegistry)
            ):
                found.append(topics.stored_topic(cls).split(":", 1)[1])
    return found


@pytest.fixture
def chinese() -> object:
    before = language()
    set_language("zh_CN")
    yield
    set_language(before)


@pytest.mark.usefixtures("chinese")
def test_every_event_of_the_ledger_has_a_chinese_label() -> None:
    events = _events()
    assert len(events) > 25
    assert [e for e in events if e not in event_labels.EVENT_LABELS] == []
    assert event_labels.event_label("ledger.case:AccountabilityCase.DecisionIssued") == (
        "作出责任追究决定"
    )
    assert event_labels.event_at("AccountabilityCase.DecisionIssued", 4) == (
        "作出责任追究决定（本记录第 4 个事件）"
    )
    assert event_labels.event_label("Other.Thing") == "Other.Thing"


@pytest.mark.usefixtures("chinese")
def test_brackets_and_lists_are_fullwidth_in_chinese() -> None:
    assert bracketed("长沙市某区信访局", "CS-XF") == "长沙市某区信访局（CS-XF）"
    assert listed(["局长", "长沙市某区信访局"]) == "局长，长沙市某区信访局"


def test_brackets_lists_and_events_stay_as_written_in_english() -> None:
    before = language()
    set_language("en")
    try:
        assert bracketed("Unit", "CS-XF") == "Unit (CS-XF)"
        assert listed(["a", "b"]) == "a, b"
        assert event_labels.event_at("AccountabilityCase.DecisionIssued", 4) == (
            "AccountabilityCase.DecisionIssued v4"
        )
    finally:
        set_language(before)
