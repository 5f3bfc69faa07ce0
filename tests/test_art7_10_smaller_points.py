"""Smaller readings of the text (issue 12 point 8): Art. 7 "…降职等组织处理" is an open list
(another organisational measure is named in words); Art. 2 "国有或者国有控股企业"; the rest-day
extension of periods is labelled as a convention imported from 民法典 art. 203 practice
(point 9)."""

from __future__ import annotations

from scenarios import (
    CASE,
    PERSON,
    UNIT,
    UNIT_CODE,
    D,
    bring_to_hearing,
    document,
    open_case,
    person_measures,
    refused,
    unit_measures,
)

from ledger.application import LedgerApplication
from ledger.domain.decision import Measures
from ledger.domain.periods import REST_DAY_NOTE
from ledger.domain.regulation import Measure, UnitKind
from ledger.errors import RuleViolationError
from projections.api import Projections


def test_art_7_another_organisational_measure_is_named_in_words(app: LedgerApplication) -> None:
    open_case(app)
    bring_to_hearing(app)
    with refused(app, RuleViolationError, "Art. 7") as info:
        app.decide(CASE, PERSON, "P001", document(measures=person_measures(
            Measure.OTHER_ORGANISATIONAL)))  # fmt: skip
    assert str(info.value) == (
        "another organisational measure (…降职等组织处理) is recorded as other_organisational "
        "together with its name in words (e.g. 停职检查) (Art. 7: other organisational measure "
        "named in words)"
    )
    named = Measures((Measure.OTHER_ORGANISATIONAL,), other="停职检查")
    app.decide(CASE, PERSON, "P001", document(measures=named))
    (party,) = Projections(app).case_state(CASE).parties
    assert party.decision is not None
    assert [m.label for m in party.decision.measures] == ["其他组织处理：停职检查"]


def test_art_2_the_unit_kind_reads_as_the_text_has_it() -> None:
    assert UnitKind.STATE_OWNED_ENTERPRISE.label == "国有或者国有控股企业"


def test_the_rest_day_extension_is_labelled_an_imported_convention() -> None:
    assert REST_DAY_NOTE == "a rest day extends it: 民法典 art. 203 practice, not the Measures"


def test_art_10_measures_take_effect_at_the_documents_stated_time_for_art_13(
    app: LedgerApplication,
) -> None:
    """Decided on 2024-12-20, in force from 2025-01-02: the unit is held accountable in 2025."""
    open_case(app)
    bring_to_hearing(app, CASE, UNIT, UNIT_CODE)
    app.decide(CASE, UNIT, UNIT_CODE, document(
        D(2024, 12, 20), unit_measures(), effective_date=D(2025, 1, 2)))  # fmt: skip
    p = Projections(app)
    assert p.unit_rating(UNIT_CODE, 2024).may_be_rated_advanced is True
    assert p.unit_rating(UNIT_CODE, 2025).may_be_rated_advanced is False
