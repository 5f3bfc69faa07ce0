"""Art. 4 in ledgers recorded before results were kept per ground: their ``Opened`` events carry
one ``consequence`` for the whole case. The stored bytes never change, so such a case must still
replay, take further steps, verify (signatures and the semantic audit, by the rule it was
recorded under) and show its grounds in full with its one consequence.

The old record is made as it was stored then: the ``Opened`` event with ``consequence`` and no
``results``, signed by a valid key."""

from __future__ import annotations

from scenarios import CASE, FACTS, D, bring_to_decision

from ledger.application import LedgerApplication
from ledger.audit.verify import Check, verify_store
from ledger.domain.case import AccountabilityCase
from ledger.domain.regulation import ground_label
from projections.api import Projections


def open_as_older_ledgers_did(app: LedgerApplication, grounds: list[int], consequence: str) -> None:
    """Record the ``Opened`` event in the shape older ledgers stored: one ``consequence``."""
    case = _opened(grounds)
    (event,) = case.pending_events
    del vars(event)["results"]
    vars(event)["consequence"] = consequence
    app.save(case)


def _opened(grounds: list[int]) -> AccountabilityCase:
    """A case opened on ``grounds`` whose event is then given the old shape."""
    from ledger.domain.regulation import GROUNDS

    results = {g: [sorted(c)[0] for c in GROUNDS[g].results] for g in grounds}
    return AccountabilityCase.open(
        CASE, D(2024, 3, 1), grounds, FACTS, "长沙市纪委监委", D(2024, 4, 1), results
    )


def test_art_4_an_older_case_with_one_consequence_replays_continues_and_verifies(
    app: LedgerApplication,
) -> None:
    open_as_older_ledgers_did(app, [11], "adverse_impact")
    assert app.case(CASE).results is None  # the older record: no results per ground
    bring_to_decision(app)
    result = verify_store(app)
    assert result.ok, result.failures
    state = Projections(app).case_state(CASE)
    assert [g.label for g in state.grounds] == [ground_label(11)]
    assert state.grounds[0].results == ()
    assert state.consequence_label == "不良影响"


def test_art_4_an_older_case_is_shown_with_its_one_consequence_in_the_timeline(
    app: LedgerApplication,
) -> None:
    open_as_older_ledgers_did(app, [11], "adverse_impact")
    (opened, *_) = Projections(app).timeline(CASE)
    assert opened.summary.endswith(f"on Art. 4 grounds {ground_label(11)}；不良影响")


def test_art_4_an_older_case_without_the_harm_its_ground_needs_is_a_semantic_finding(
    app: LedgerApplication,
) -> None:
    open_as_older_ledgers_did(app, [11], "none")
    findings = [f.message for f in verify_store(app).failures if f.check is Check.MEASURES]
    assert findings == [
        "the Measures would have refused it (Art. 4: consequence required): ground （十一） "
        "applies only where the situation caused 不良影响或者严重后果; the case records 无"
    ]
