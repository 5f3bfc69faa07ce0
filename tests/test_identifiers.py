"""Identifiers (issue 13, point 7): one written form per case, cadre and unit (NFKC), no
invisible or whitespace characters, no new id that differs from a recorded one only by case
or width; on both stores, nothing written on a refusal."""

from __future__ import annotations

import datetime as dt

from scenarios import refused

from ledger.application import LedgerApplication
from ledger.commands import execute
from ledger.domain.regulation import AdminLevel, UnitKind
from ledger.errors import AlreadyExistsError, InvalidInputError
from ledger.storage.store import StoreConfig

SINCE = dt.date(2016, 1, 4)


def _open(app: LedgerApplication, case_no: str) -> None:
    """``case open`` through the command table (as the CLI and import run it)."""
    execute(app, "case open", {"case_no": case_no, "incident_date": "2024-03-01",
                               "opened_on": "2024-04-01", "ground": [12],
                               "consequence": "adverse_impact", "facts": "f"})  # fmt: skip


def test_a_fullwidth_personnel_number_is_the_same_person(app: LedgerApplication) -> None:
    app.add_cadre("ＩＭ-１", "王某", "CS-XF", "科员", SINCE)
    assert app.cadre("IM-1").personnel_no == "IM-1"
    assert app.cadre("ＩＭ-1").personnel_no == "IM-1"
    with refused(app, AlreadyExistsError, None) as info:
        app.add_cadre("IM-1", "王某", "CS-XF", "科员", SINCE)
    assert str(info.value) == "cadre IM-1 is already registered"


def test_a_personnel_number_differing_only_by_case_is_refused_naming_the_recorded_one(
    app: LedgerApplication,
) -> None:
    app.add_cadre("IM-1", "王某", "CS-XF", "科员", SINCE)
    with refused(app, AlreadyExistsError, None) as info:
        app.add_cadre("im-1", "王某", "CS-XF", "科员", SINCE)
    assert str(info.value) == (
        "the personnel number im-1 differs from the recorded personnel number IM-1 only by "
        "letter case or width; use IM-1, or choose a distinct personnel number"
    )
    fresh = LedgerApplication(StoreConfig.parse(app.store.url), app.signer)  # reads the log
    try:
        with refused(fresh, AlreadyExistsError, None) as info:
            fresh.add_cadre("Im-1", "王某", "CS-XF", "科员", SINCE)
        assert "the recorded personnel number IM-1" in str(info.value)
    finally:
        fresh.close()


def test_a_unit_code_and_a_case_number_differing_only_by_case_are_refused(
    app: LedgerApplication,
) -> None:
    with refused(app, AlreadyExistsError, None) as info:
        app.add_unit("cs-xf", "另一个单位", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    assert str(info.value) == (
        "the unit code cs-xf differs from the recorded unit code CS-XF only by letter case or "
        "width; use CS-XF, or choose a distinct unit code"
    )
    _open(app, "CS-2024-1")
    with refused(app, AlreadyExistsError, None) as info:
        _open(app, "ｃｓ-2024-1")
    assert str(info.value) == (
        "the case number cs-2024-1 differs from the recorded case number CS-2024-1 only by "
        "letter case or width; use CS-2024-1, or choose a distinct case number"
    )


def test_a_bidi_control_in_an_identifier_is_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None) as info:
        app.add_cadre("IM-\u202e1", "王某", "CS-XF", "科员", SINCE)
    assert str(info.value) == (
        "the personnel number 'IM-\\u202e1' contains the invisible character U+202E "
        "(RIGHT-TO-LEFT OVERRIDE); identifiers may not hold one"
    )


def test_whitespace_inside_an_identifier_is_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None) as info:
        app.add_cadre("IM 1", "王某", "CS-XF", "科员", SINCE)
    assert str(info.value) == (
        "the personnel number 'IM 1' contains whitespace; an identifier is one word"
    )


def test_references_in_commands_are_normalised_too(app: LedgerApplication) -> None:
    _open(app, "CS-2024-2")
    execute(app, "case assign", {"case_no": "ＣＳ-2024-2", "person": "Ｐ００１",
                                 "responsibility": "direct", "on": "2024-04-02"})  # fmt: skip
    assert list(app.case("CS-2024-2").parties) == ["person:P001"]
