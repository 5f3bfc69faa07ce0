"""Art. 11 (issue 12 point 4): "向被追究责任的单位，或者被追究责任者本人及其所在单位宣布" — the
announcement names who was told; "按照干部管理权限和组织关系将责任追究材料归入个人人事档案" — the
personnel-file entry is listed as outstanding from the announcement until it is recorded, by
``deadlines`` and by the cadre's history."""

from __future__ import annotations

from scenarios import CASE, PERSON, UNIT, UNIT_CODE, D, decided_case, last_event, refused

from ledger.application import LedgerApplication
from ledger.errors import RuleViolationError
from projections.api import Projections

DECIDED = D(2024, 4, 15)
ANNOUNCED = D(2024, 4, 18)


def test_art_11_a_persons_announcement_must_reach_the_person_and_the_unit(
    app: LedgerApplication,
) -> None:
    decided_case(app)
    with refused(app, RuleViolationError, "Art. 11") as info:
        app.announce(CASE, PERSON, "P001", ANNOUNCED, "王局长本人", ["person"])
    assert str(info.value) == (
        "the announcement is made to 本人及其所在单位; the record does not say the unit was told "
        "(Art. 11: the announcement names who was told)"
    )
    app.announce(CASE, PERSON, "P001", ANNOUNCED, "王局长本人及长沙市某区信访局",
                 ["unit", "person"])  # fmt: skip
    assert last_event(app, "DecisionAnnounced").told == ["person", "unit"]


def test_art_11_a_units_announcement_names_the_unit(app: LedgerApplication) -> None:
    decided_case(app, party_type=UNIT, code=UNIT_CODE)
    app.announce(CASE, UNIT, UNIT_CODE, ANNOUNCED, "长沙市某区信访局")
    assert last_event(app, "DecisionAnnounced").told == ["unit"]


def test_art_11_the_file_entry_is_outstanding_from_the_announcement_until_recorded(
    app: LedgerApplication,
) -> None:
    decided_case(app)
    p = Projections(app)
    assert [d.kind for d in p.deadlines(ANNOUNCED)] == ["announcement"]
    app.announce(CASE, PERSON, "P001", ANNOUNCED, "王局长本人及长沙市某区信访局")
    owed = [(d.kind, d.start, d.due, d.status) for d in p.deadlines(D(2024, 6, 1))]
    assert owed == [("file_entry", ANNOUNCED, None, "outstanding")]
    (entry,) = p.cadre_history("P001", None).entries
    assert entry.file_entries_outstanding == ("长纪决〔2024〕7号",)
    app.enter_in_file(CASE, "P001", D(2024, 6, 3), "档案〔2024〕3号", "长沙市委组织部干部档案室")
    assert p.deadlines(D(2024, 6, 3)) == []
    (entry,) = p.cadre_history("P001", None).entries
    assert entry.file_entries_outstanding == ()
