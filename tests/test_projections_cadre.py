"""A cadre's lifetime history (Art. 8, 11, 13): every case, across every unit and post,
after transfer and after retirement, with the post held at the incident date and now."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from ledger_factory import decide, person_measures

from ledger.application import LedgerApplication
from ledger.domain.case_rules import TeamMember
from ledger.domain.regulation import (
    AdminLevel,
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    TeamRole,
    UnitKind,
)
from ledger.errors import NotFoundError
from projections import Projections

D = dt.date
PERSON = PartyType.PERSON


def career(app: LedgerApplication) -> None:
    """P001: 局长 of CS-XF from 2015; moved to CS-GT, CS-RS and CS-ZF; retired 2024-06-30.
    Three cases, one in each of three units, the last decided after the person left."""
    for code, name in (
        ("CS-GT", "长沙市某区国土局"),
        ("CS-RS", "长沙市某区人社局"),
        ("CS-ZF", "长沙市某区人民政府"),
    ):
        app.add_unit(code, name, UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    app.open_case(
        "A-2017", D(2017, 3, 1), [12], "逾期未办结。", D(2017, 4, 1), [ResultElement.ADVERSE_IMPACT]
    )
    decide(
        app,
        "A-2017",
        PERSON,
        "P001",
        Responsibility.DIRECT,
        D(2017, 4, 5),
        D(2017, 5, 8),
        person_measures(),
        "决〔2017〕1号",
    )
    app.move_cadre("P001", "CS-GT", "副局长", D(2018, 1, 10))
    app.open_case(
        "B-2019",
        D(2019, 6, 3),
        [11],
        "推诿扯皮。",
        D(2019, 7, 1),
        [ResultElement.CONFLICT_INTENSIFIED, ResultElement.ADVERSE_IMPACT],
    )
    decide(
        app,
        "B-2019",
        PERSON,
        "P001",
        Responsibility.PRIMARY_LEADERSHIP,
        D(2019, 7, 2),
        D(2019, 8, 1),
        person_measures(Measure.DEMOTION),
        "决〔2019〕5号",
    )
    app.receive("B-2019", PERSON, "P001", D(2019, 8, 2))
    app.appeal("B-2019", PERSON, "P001", D(2019, 8, 9), "申诉。")
    app.decide_appeal("B-2019", PERSON, "P001", D(2019, 9, 2), AppealOutcome.UPHELD, "维持。")
    app.move_cadre("P001", "CS-RS", "局长", D(2020, 7, 1))
    app.move_cadre("P001", "CS-ZF", "副区长", D(2022, 2, 1))
    app.open_case(
        "C-2023",
        D(2023, 5, 4),
        [13],
        "未到现场处置。",
        D(2024, 3, 1),
        [ResultElement.ADVERSE_IMPACT],
    )
    app.retire_cadre("P001", D(2024, 6, 30))
    decide(
        app,
        "C-2023",
        PERSON,
        "P001",
        Responsibility.DIRECT,
        D(2024, 7, 1),
        D(2024, 8, 1),
        person_measures(Measure.DISCIPLINARY_SANCTION),
        "决〔2024〕2号",
    )
    app.enter_in_file("C-2023", "P001", D(2024, 8, 5), "档案〔2024〕9号", "区委组织部档案室")


def test_a_cadre_moved_across_three_units_and_retired_keeps_the_full_history(
    app: LedgerApplication,
) -> None:
    career(app)
    h = Projections(app).cadre_history("P001")
    assert h.name == "王局长"
    assert [(p.unit_code, p.title, p.start, p.end) for p in h.posts] == [
        ("CS-XF", "局长", D(2015, 1, 5), D(2018, 1, 10)),
        ("CS-GT", "副局长", D(2018, 1, 10), D(2020, 7, 1)),
        ("CS-RS", "局长", D(2020, 7, 1), D(2022, 2, 1)),
        ("CS-ZF", "副区长", D(2022, 2, 1), D(2024, 6, 30)),
    ]
    assert h.posts[-1].ended_by_retirement and h.retired_on == D(2024, 6, 30)
    assert h.current_post is None
    assert [e.case_no for e in h.entries] == ["A-2017", "B-2019", "C-2023"]
    at_incident = [
        (e.post_at_incident.unit_code, e.post_at_incident.title)
        for e in h.entries
        if e.post_at_incident
    ]
    assert at_incident == [("CS-XF", "局长"), ("CS-GT", "副局长"), ("CS-ZF", "副区长")]
    assert h.entries[0].post_at_incident is not None
    assert h.entries[0].post_at_incident.unit_name == "长沙市某区信访局"
    assert all(e.post_now is None for e in h.entries)  # retired: no post now
    b = h.entries[1]
    assert b.responsibility_label == "主要领导责任"
    assert b.decisions[0].appeal is not None and b.decisions[0].appeal.outcome == "upheld"
    assert [m.label for m in b.measures_in_force] == ["降职"]
    c = h.entries[2]
    assert c.decisions[0].file_entry is not None
    assert c.decisions[0].file_entry.file_ref == "档案〔2024〕9号"
    assert [m.code for m in c.measures_in_force] == ["disciplinary_sanction"]


def test_the_post_now_is_the_current_one_for_a_serving_cadre(app: LedgerApplication) -> None:
    app.open_case(
        "A-2017", D(2017, 3, 1), [12], "逾期未办结。", D(2017, 4, 1), [ResultElement.ADVERSE_IMPACT]
    )
    decide(
        app,
        "A-2017",
        PERSON,
        "P002",
        Responsibility.DIRECT,
        D(2017, 4, 5),
        D(2017, 5, 8),
        person_measures(),
        "决〔2017〕1号",
    )
    app.move_cadre("P002", "CS-XF", "局长", D(2020, 1, 6))
    (entry,) = Projections(app).cadre_history("P002").entries
    assert entry.post_at_incident is not None and entry.post_at_incident.title == "副局长"
    assert entry.post_now is not None and entry.post_now.title == "局长"


def test_the_per_year_view_lists_the_entries_with_an_event_in_that_year(
    app: LedgerApplication,
) -> None:
    career(app)
    p = Projections(app)
    y2019 = p.cadre_history("P001", year=2019)
    assert [e.case_no for e in y2019.entries] == ["B-2019"]
    assert y2019.accountable_in_year is True
    assert y2019.year == 2019
    assert p.cadre_history("P001", year=2021).entries == ()
    assert p.cadre_history("P001", year=2021).accountable_in_year is False
    # the 2023 incident was decided in 2024: it belongs to the 2024 review
    assert [e.case_no for e in p.cadre_history("P001", year=2024).entries] == ["C-2023"]
    assert p.cadre_history("P001").accountable_in_year is None


def test_an_overruled_objector_is_listed_without_leadership_responsibility(
    app: LedgerApplication,
) -> None:
    app.open_case("T-2024", D(2024, 1, 3), [1], "错误决策引发群体性事件。", D(2024, 2, 1),
                  [ResultElement.MASS_INCIDENT])  # fmt: skip
    app.record_objection("T-2024", "P003", D(2024, 2, 2), "会上明确反对。")
    app.assign_team(
        "T-2024",
        "CS-XF",
        [
            TeamMember("P001", TeamRole.PRINCIPAL_HEAD),
            TeamMember("P002", TeamRole.LEADER_IN_CHARGE),
            TeamMember("P003", TeamRole.MEMBER),
        ],
        D(2024, 2, 5),
    )
    (entry,) = Projections(app).cadre_history("P003").entries
    assert entry.responsibility == "none"
    assert entry.responsibility_label == "不承担领导责任"
    assert entry.objected_on == D(2024, 2, 2)
    assert entry.team_unit == "CS-XF" and entry.team_role == "member"
    assert entry.decisions == ()


def test_an_unknown_cadre_is_not_found(app: LedgerApplication) -> None:
    with pytest.raises(NotFoundError, match="P999"):
        Projections(app).cadre_history("P999")


def test_a_cadre_history_is_found_by_index_not_by_a_scan(app: LedgerApplication) -> None:
    """SQLite's plan for the look-ups a history makes: searches on keys, no table scan."""
    if app.store.kind != "sqlite":
        pytest.skip("query plans are checked on SQLite")
    career(app)
    p = Projections(app)
    p.cadre_history("P001")
    conn = sqlite3.connect(str(app.store.path))
    for statement, params in (
        (
            "SELECT opened_at FROM proj_case_parties WHERE code = ? AND party_type = ?",
            ("P001", "person"),
        ),
        ("SELECT * FROM proj_cadres WHERE personnel_no = ?", ("P001",)),
        ("SELECT opened_at, case_id FROM proj_cases WHERE opened_at IN (?, ?)", (1, 2)),
        (
            "SELECT originator_id, rowid, topic, state FROM stored_events "
            "WHERE originator_id IN (?, ?) AND rowid <= ? "
            "ORDER BY originator_id, originator_version",
            ("00", "01", 9),
        ),
    ):
        plan = " ".join(r[-1] for r in conn.execute(f"EXPLAIN QUERY PLAN {statement}", params))
        assert "SCAN" not in plan, (statement, plan)
    conn.close()
    p.close()
