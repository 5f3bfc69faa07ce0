"""Stored topics are the ledger's fixed vocabulary: moving a module must not change them."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

from ledger.domain import topics
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.imports import ImportedLine
from ledger.domain.keys import KeyRegistry
from ledger.domain.unit import Unit

PINNED = {
    AccountabilityCase: "ledger.case:AccountabilityCase",
    Cadre: "ledger.cadre:Cadre",
    Unit: "ledger.unit:Unit",
    KeyRegistry: "ledger.keys:KeyRegistry",
    ImportedLine: "ledger.imports:ImportedLine",
}


def event_classes(aggregate: type[Aggregate]) -> list[type]:
    return [
        v
        for v in vars(aggregate).values()
        if isinstance(v, type) and issubclass(v, Aggregate.Event)
    ]


@pytest.mark.parametrize("aggregate", list(PINNED), ids=lambda a: a.__name__)
def test_every_event_class_is_stored_under_the_name_the_first_ledgers_used(
    aggregate: type[Aggregate],
) -> None:
    classes = event_classes(aggregate)
    assert classes, f"{aggregate.__name__} has no event classes"
    for cls in classes:
        stored = topics.stored_topic(cls)
        assert stored == f"{PINNED[aggregate]}.{cls.__name__}"
        assert resolve_topic(stored) is cls


def test_the_named_topic_constants_match_the_aggregate_classes() -> None:
    assert PINNED[AccountabilityCase] == topics.CASE
    assert PINNED[Cadre] == topics.CADRE
    assert PINNED[Unit] == topics.UNIT
    assert PINNED[KeyRegistry] == topics.REGISTRY
    assert topics.case_event("DecisionIssued") == "ledger.case:AccountabilityCase.DecisionIssued"


def test_a_misspelt_event_name_fails_instead_of_matching_nothing() -> None:
    with pytest.raises(AttributeError):
        topics.case_event("Decidd")
