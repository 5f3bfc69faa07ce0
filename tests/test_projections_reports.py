"""Deadlines (Art. 11, 12), the unit rating (Art. 13) and the annual report (Art. 14),
asserted figure by figure against a hand-built ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_factory import DISCIPLINE, decide, person_measures, unit_measures

from ledger.application import LedgerApplication
from ledger.domain.regulation import (
    AdminLevel,
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    Severity,
    UnitKind,
)
from ledger.errors import NotFoundError
from ledger.signing.signatures import Signer
from projections import Projections

D = dt.date
PERSON, UNIT = PartyType.PERSON, PartyType.UNIT
ORGANISATION = "湖南省委组织部"


def year_2024(app: LedgerApplication, root_signer: Signer) -> None:
    """Four cases: three opened in 2024 (two by the discipline organ, one by the
    organisation department), one opened and decided in 2023."""
    app.add_unit("CS-GT", "长沙市某区国土局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    # C3: 2023, decided 2023, announced in 2024 within the 30 days
    app.open_case(
        "C3",
        D(2023, 10, 9),
        [11],
        "推诿扯皮。",
        D(2023, 11, 1),
        [ResultElement.CONFLICT_INTENSIFIED, ResultElement.ADVERSE_IMPACT],
    )
    decide(
        app,
        "C3",
        PERSON,
        "P003",
        Responsibility.DIRECT,
        D(2023, 11, 2),
        D(2023, 12, 20),
        person_measures(Measure.TRANSFER),
        "决〔2023〕3号",
    )
    app.announce("C3", PERSON, "P003", D(2024, 1, 10), "张委员及其所在单位")
    # C1: the unit CS-XF and P001 held accountable; P001 referred; closed in 2024
    app.open_case(
        "C1",
        D(2024, 1, 8),
        [4, 12],
        "主要领导不及时处理，导致矛盾激化。",
        D(2024, 2, 1),
        [ResultElement.CONFLICT_INTENSIFIED, ResultElement.ADVERSE_IMPACT],
    )
    decide(
        app,
        "C1",
        UNIT,
        "CS-XF",
        Responsibility.COLLECTIVE,
        D(2024, 2, 5),
        D(2024, 3, 15),
        unit_measures(Severity.SERIOUS),
        "决〔2024〕1号",
    )
    decide(
        app,
        "C1",
        PERSON,
        "P001",
        Responsibility.DIRECT,
        D(2024, 2, 5),
        D(2024, 3, 15),
        person_measures(Measure.ADMONITION_TALK, Measure.DISCIPLINARY_SANCTION),
        "决〔2024〕2号",
    )
    app.refer("C1", PERSON, "P001", D(2024, 3, 20), "某区人民检察院", "涉嫌玩忽职守罪")
    for party_type, code in ((UNIT, "CS-XF"), (PERSON, "P001")):
        app.announce("C1", party_type, code, D(2024, 3, 18), "本人及所在单位")
        app.receive("C1", party_type, code, D(2024, 3, 18))  # Art. 12: closing waits for
    app.enter_in_file("C1", "P001", D(2024, 3, 25), "档〔2024〕1号", "区委组织部")  # Art. 11
    app.close_case("C1", D(2024, 4, 30), "已依规处理。")
    # C2: CS-GT's decision revoked on appeal; P002 announced late
    app.open_case(
        "C2", D(2024, 4, 2), [12], "逾期未办结。", D(2024, 5, 6), [ResultElement.ADVERSE_IMPACT]
    )
    decide(
        app,
        "C2",
        UNIT,
        "CS-GT",
        Responsibility.COLLECTIVE,
        D(2024, 5, 8),
        D(2024, 6, 3),
        unit_measures(),
        "决〔2024〕5号",
    )
    decide(
        app,
        "C2",
        PERSON,
        "P002",
        Responsibility.IMPORTANT_LEADERSHIP,
        D(2024, 5, 8),
        D(2024, 6, 3),
        person_measures(Measure.DEMOTION),
        "决〔2024〕6号",
    )
    app.receive("C2", UNIT, "CS-GT", D(2024, 6, 4))
    app.appeal("C2", UNIT, "CS-GT", D(2024, 6, 10), "集体决策程序合规。")
    app.decide_appeal("C2", UNIT, "CS-GT", D(2024, 6, 20), AppealOutcome.REVOKED, "撤销。")
    app.announce(
        "C2",
        PERSON,
        "P002",
        D(2024, 7, 6),  # three days after the announcement was due (2024-07-03, see below)
        "李副局长及其所在单位",
    )
    # C4: opened by the organisation department
    previous = app.signer
    app.signer = root_signer
    app.open_case("C4", D(2024, 6, 3), [6], "拒不办理交办事项。", D(2024, 7, 1))
    decide(
        app,
        "C4",
        PERSON,
        "P003",
        Responsibility.DIRECT,
        D(2024, 7, 2),
        D(2024, 8, 1),
        person_measures(),
        "组决〔2024〕1号",
    )
    app.announce("C4", PERSON, "P003", D(2024, 8, 5), "张委员及其所在单位")
    app.signer = previous


def counts(items: tuple[object, ...]) -> dict[str, int]:
    return {c.code: c.count for c in items}  # type: ignore[attr-defined]


def test_a_unit_held_accountable_that_year_may_not_be_rated_advanced(
    app: LedgerApplication, root_signer: Signer
) -> None:
    year_2024(app, root_signer)
    p = Projections(app)
    rating = p.unit_rating("CS-XF", 2024)
    assert rating.may_be_rated_advanced is False
    assert [(r.case_no, r.decision_number, r.decided_on) for r in rating.reasons] == [
        ("C1", "决〔2024〕1号", D(2024, 3, 15))
    ]
    assert [m.label for m in rating.reasons[0].measures_in_force] == ["通报批评"]
    assert "Art. 13" in rating.rule and "生效时间" in rating.rule
    assert p.unit_rating("CS-XF", 2023).may_be_rated_advanced is True
    assert p.unit_rating("CS-XF", 2025).may_be_rated_advanced is True


def test_a_decision_revoked_on_appeal_does_not_bar_the_rating_but_is_listed(
    app: LedgerApplication, root_signer: Signer
) -> None:
    year_2024(app, root_signer)
    rating = Projections(app).unit_rating("CS-GT", 2024)
    assert rating.may_be_rated_advanced is True
    assert rating.reasons == ()
    assert [(r.case_no, r.status) for r in rating.not_counted] == [("C2", "revoked")]
    with pytest.raises(NotFoundError):
        Projections(app).unit_rating("XX-00", 2024)


def test_the_annual_report_gives_the_years_figures(
    app: LedgerApplication, root_signer: Signer
) -> None:
    year_2024(app, root_signer)
    r = Projections(app).annual_report(2024)
    assert (r.year, r.authority) == (2024, None)
    assert r.position == app.recorder.max_notification_id()
    assert (r.cases_opened, r.cases_closed, r.lifetime_cases) == (3, 1, 3)
    assert counts(r.grounds) == {"4": 1, "12": 2, "6": 1}
    assert [g.code for g in r.grounds] == ["4", "6", "12"]
    assert r.grounds[0].label.startswith("（四）")
    assert counts(r.parties_by_kind) == {"unit": 2, "person": 3}
    assert counts(r.responsibility_kinds) == {
        "collective": 2,
        "direct": 2,
        "important_leadership": 1,
    }
    assert (r.decisions_issued, r.decisions_revoked) == (5, 1)
    assert counts(r.measures_by_kind) == {
        "circulated_criticism": 1,
        "admonition_talk": 2,
        "demotion": 1,
        "disciplinary_sanction": 1,
    }
    assert r.appeals_filed == 1
    assert counts(r.appeal_outcomes) == {"revoked": 1}
    assert r.referrals == 1
    assert counts(r.overdue_steps) == {"announcement": 1, "appeal_decision": 0}
    (late,) = r.overdue
    assert (late.case_no, late.party_code, late.kind) == ("C2", "P002", "announcement")
    # Art. 11, 30 days from the decision of 2024-06-03: Wednesday 2024-07-03, a working day
    # under the 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号)
    # (the Dragon Boat rest days are 06-08..06-10; no holiday in July).
    assert late.due == D(2024, 7, 3)


def test_the_annual_report_for_one_authority_counts_its_cases_only(
    app: LedgerApplication, root_signer: Signer
) -> None:
    year_2024(app, root_signer)
    p = Projections(app)
    mine = p.annual_report(2024, DISCIPLINE)
    assert (mine.cases_opened, mine.decisions_issued) == (2, 4)
    assert counts(mine.parties_by_kind) == {"unit": 2, "person": 2}
    theirs = p.annual_report(2024, ORGANISATION)
    assert (theirs.cases_opened, theirs.decisions_issued) == (1, 1)
    assert counts(theirs.measures_by_kind) == {"admonition_talk": 1}
    earlier = p.annual_report(2023)
    assert (earlier.cases_opened, earlier.decisions_issued) == (1, 1)
    assert counts(earlier.measures_by_kind) == {"transfer": 1}
    assert earlier.overdue == ()


def test_deadlines_are_open_due_soon_or_overdue_as_of_a_date(app: LedgerApplication) -> None:
    decided = D(2024, 4, 15)
    app.open_case(
        "C9", D(2024, 3, 1), [12], "逾期未办结。", D(2024, 4, 1), [ResultElement.ADVERSE_IMPACT]
    )
    decide(
        app,
        "C9",
        PERSON,
        "P001",
        Responsibility.DIRECT,
        D(2024, 4, 2),
        decided,
        person_measures(),
        "决〔2024〕9号",
    )
    p = Projections(app)
    # Art. 11, 30 days from 2024-04-15: Wednesday 2024-05-15, a working day under the
    # 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号)
    # (Labour Day rest days 05-01..05-05).
    due = D(2024, 5, 15)

    def on(day: dt.date) -> list[tuple[str, str]]:
        return [(d.kind, d.status) for d in p.deadlines(day)]

    assert on(D(2024, 4, 14)) == []
    assert on(D(2024, 4, 20)) == [("announcement", "open")]
    assert on(due - dt.timedelta(days=3)) == [("announcement", "due_soon")]
    assert on(due + dt.timedelta(days=1)) == [("announcement", "overdue")]
    (d,) = p.deadlines(due + dt.timedelta(days=2))
    assert (d.case_no, d.party_code, d.decision_number, d.article) == (
        "C9",
        "P001",
        "决〔2024〕9号",
        "Art. 11",
    )
    assert d.due == due and d.days_left == -2 and d.status_label == "已逾期"
    announced = due + dt.timedelta(days=4)
    app.announce("C9", PERSON, "P001", announced, "王局长及其所在单位")
    # Art. 11: the personnel-file entry is owed from the announcement until it is recorded
    assert on(announced) == [("file_entry", "outstanding")]
    (owed,) = p.deadlines(announced)
    assert (owed.due, owed.days_left, owed.article, owed.status_label) == (
        None, None, "Art. 11", "待办（无期限）"
    )  # fmt: skip
    app.enter_in_file("C9", "P001", announced, "档〔2024〕9号", "区委组织部干部档案室")
    assert on(announced) == []  # done that day
    assert on(announced - dt.timedelta(days=1)) == [("announcement", "overdue")]  # was, then
    received = D(2024, 6, 3)
    app.receive("C9", PERSON, "P001", received)
    # Art. 12, 15 days from receipt on 2024-06-03: Tuesday 2024-06-18, a working day under
    # the 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号)
    # (the Dragon Boat rest days end on 06-10).
    window = D(2024, 6, 18)
    assert on(received + dt.timedelta(days=1)) == [("appeal_window", "open")]
    assert on(window + dt.timedelta(days=1)) == []  # an unused window lapses: nobody is late
    appealed = received + dt.timedelta(days=5)
    app.appeal("C9", PERSON, "P001", appealed, "申诉。")
    # Art. 12, 30 days from the appeal of 2024-06-08: Monday 2024-07-08, a working day under
    # the 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号).
    decision_due = D(2024, 7, 8)
    assert on(appealed) == [("appeal_decision", "open")]
    assert on(decision_due + dt.timedelta(days=1)) == [("appeal_decision", "overdue")]
    assert [d.due for d in p.deadlines(appealed)] == [decision_due]
    assert p.cases()[0].next_due == decision_due


def test_deadlines_of_many_cases_come_sorted_by_due_date(app: LedgerApplication) -> None:
    for no, decided in (("K1", D(2024, 5, 6)), ("K2", D(2024, 4, 8)), ("K3", D(2024, 4, 22))):
        app.open_case(
            no, D(2024, 3, 1), [12], "逾期未办结。", D(2024, 4, 1), [ResultElement.SERIOUS]
        )
        decide(
            app,
            no,
            PERSON,
            "P001",
            Responsibility.DIRECT,
            D(2024, 4, 2),
            decided,
            person_measures(),
            f"决〔2024〕{no}号",
        )
    listed = Projections(app).deadlines(D(2024, 5, 7), soon_days=20)
    assert [d.case_no for d in listed] == ["K2", "K3", "K1"]
    assert [d.status for d in listed] == ["due_soon", "due_soon", "open"]


def test_the_annual_report_does_not_count_an_overruled_objector_as_held_accountable(
    app: LedgerApplication,
) -> None:
    from ledger.domain.case_rules import TeamMember
    from ledger.domain.regulation import TeamRole

    app.open_case("T1", D(2024, 3, 1), [1], "违规决策引发群体性事件。", D(2024, 4, 1),
                  [ResultElement.MASS_INCIDENT])  # fmt: skip
    app.record_objection("T1", "P003", D(2024, 4, 2), "会上明确反对，未被采纳")
    members = [
        TeamMember("P001", TeamRole.PRINCIPAL_HEAD),
        TeamMember("P002", TeamRole.LEADER_IN_CHARGE),
        TeamMember("P003", TeamRole.MEMBER),
    ]
    app.assign_team("T1", "CS-XF", members, D(2024, 4, 3))
    r = Projections(app).annual_report(2024)
    assert counts(r.parties_by_kind) == {"unit": 1, "person": 2}
    assert counts(r.responsibility_kinds) == {
        "collective": 1,
        "primary_leadership": 2,
        "none": 1,
    }
