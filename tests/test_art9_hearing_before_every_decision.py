"""Art. 9 "责任追究决定作出前，应当听取责任追究对象的说明和申辩" before every decision (issue 12
point 6): a new decision after a revocation on appeal, and an appeal outcome that adds to the
measures, each need a hearing recorded after the event that makes it necessary."""

from __future__ import annotations

from scenarios import (
    CASE,
    PERSON,
    D,
    document,
    last_event,
    person_measures,
    received_case,
    refused,
)

from ledger.application import LedgerApplication
from ledger.domain.regulation import AppealOutcome, Measure
from ledger.errors import RuleViolationError

RECEIVED = D(2025, 3, 3)


def appealed(app: LedgerApplication) -> None:
    received_case(app, RECEIVED)  # decided with 诫勉谈话
    app.appeal(CASE, PERSON, "P001", D(2025, 3, 10), "不服。")


def test_art_9_a_new_decision_after_a_revocation_needs_a_new_hearing(
    app: LedgerApplication,
) -> None:
    appealed(app)
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.REVOKED, "程序违法。")
    new = document(D(2025, 4, 1), person_measures(Measure.TRANSFER))
    with refused(app, RuleViolationError, "Art. 9") as info:
        app.decide(CASE, PERSON, "P001", new)
    assert str(info.value) == (
        "the earlier decision for 个人 P001 was revoked on appeal; a new decision needs a new "
        "statement and defence (说明和申辩) heard after the revocation (Art. 9: hearing before "
        "every decision) Record it with `case hear` first."
    )
    app.hear(CASE, PERSON, "P001", D(2025, 3, 25), "重新决定前再次陈述。")
    app.decide(CASE, PERSON, "P001", new)
    assert last_event(app, "DecisionIssued").document["measures"] == ["transfer"]


def test_art_9_an_appeal_outcome_adding_measures_needs_a_hearing_after_the_appeal(
    app: LedgerApplication,
) -> None:
    appealed(app)
    graver = person_measures(
        Measure.ADMONITION_TALK, Measure.DISCIPLINARY_SANCTION, sanction="党内警告"
    )
    with refused(app, RuleViolationError, "Art. 9") as info:
        app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.MODIFIED, "加重。",
                          graver)  # fmt: skip
    assert str(info.value) == (
        "the appeal outcome adds to the measures on 个人 P001; hear the party's statement and "
        "defence (说明和申辩) after the appeal first (Art. 9: hearing before every decision) "
        "Record it with `case hear` first."
    )
    app.hear(CASE, PERSON, "P001", D(2025, 3, 15), "复查中再次陈述。")
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.MODIFIED, "加重。",
                      graver)  # fmt: skip
    assert app.case(CASE).party(PERSON, "P001").decision.measures_in_force == (
        "admonition_talk", "disciplinary_sanction"
    )  # fmt: skip


def test_art_9_an_appeal_outcome_that_lightens_the_measures_needs_no_new_hearing(
    app: LedgerApplication,
) -> None:
    received_case(app, RECEIVED)
    app.appeal(CASE, PERSON, "P001", D(2025, 3, 10), "不服。")
    lighter = person_measures(Measure.ADMONITION_TALK)
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.MODIFIED, "维持诫勉。",
                      lighter)  # fmt: skip
    assert last_event(app, "AppealDecided").outcome == "modified"
