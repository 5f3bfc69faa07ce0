"""Case state and timeline, as organisation departments and discipline organs read them.

Art. 12: an appeal does not suspend the measures; a revoked decision is shown as revoked,
never hidden; a modified one shows the new measures. Art. 11: a late announcement is
flagged. The timeline replays the case's own events, as of a business date if asked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_factory import DISCIPLINE, decide, document, person_measures, unit_measures

from ledger.application import LedgerApplication
from ledger.domain import ids
from ledger.domain.decision import DecisionDocument
from ledger.domain.regulation import (
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
)
from ledger.errors import InvalidInputError, NotFoundError
from ledger.signing.signatures import Signer
from projections import Projections, replay

D = dt.date
PERSON, UNIT = PartyType.PERSON, PartyType.UNIT
CASE = "长纪案〔2024〕1号"
DECIDED = D(2024, 4, 15)
# Art. 11, 30 days from 2024-04-15 (that day not counted): Wednesday 2024-05-15, a working
# day under the 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号):
# the Labour Day rest days are 05-01..05-05, with 05-11 worked.
ANNOUNCE_DUE = D(2024, 5, 15)


def case_under_appeal(app: LedgerApplication) -> None:
    """P001 (direct) and unit CS-XF (collective) decided; P001 appeals; the unit's decision
    is not announced yet; P001's was announced late."""
    app.open_case(
        CASE, D(2024, 3, 1), [12], "逾期未办结。", D(2024, 4, 1), [ResultElement.ADVERSE_IMPACT]
    )
    decide(
        app,
        CASE,
        PERSON,
        "P001",
        Responsibility.DIRECT,
        D(2024, 4, 2),
        DECIDED,
        person_measures(Measure.ADMONITION_TALK, Measure.TRANSFER),
        "长纪决〔2024〕7号",
    )
    decide(
        app,
        CASE,
        UNIT,
        "CS-XF",
        Responsibility.COLLECTIVE,
        D(2024, 4, 2),
        DECIDED,
        unit_measures(),
        "长纪决〔2024〕8号",
    )
    app.enter_in_file(CASE, "P001", D(2024, 4, 20), "档案〔2024〕3号", "区委组织部档案室")
    app.receive(CASE, PERSON, "P001", D(2024, 4, 16))
    app.appeal(CASE, PERSON, "P001", D(2024, 4, 25), "对认定事实有异议。")
    app.announce(CASE, PERSON, "P001", ANNOUNCE_DUE + dt.timedelta(days=5), "王局长及其所在单位")


def test_measures_stay_in_force_while_an_appeal_is_pending(app: LedgerApplication) -> None:
    case_under_appeal(app)
    state = Projections(app).case_state(CASE)
    p001 = next(p for p in state.parties if p.code == "P001")
    assert p001.responsibility_label == "直接责任"
    assert p001.name == "王局长"
    assert p001.hearings == (D(2024, 4, 2),)
    decision = p001.decision
    assert decision is not None and decision.number == "长纪决〔2024〕7号"
    assert decision.status == "in_force"
    assert decision.appeal is not None and decision.appeal.pending
    assert [m.code for m in decision.measures_in_force] == ["admonition_talk", "transfer"]
    assert [m.label for m in p001.measures_in_force] == ["诫勉谈话", "调离岗位"]
    assert decision.file_entry is not None and decision.file_entry.custodian == "区委组织部档案室"
    assert decision.approving_authority == "纪委常委会"
    assert decision.appeal_period_days == 15
    assert state.grounds[0].number == 12 and state.grounds[0].label.startswith("（十二）")
    assert state.lifetime and state.status == "open" and state.opening_authority == DISCIPLINE


def test_a_late_announcement_is_flagged_and_the_next_due_date_is_the_oldest_open_one(
    app: LedgerApplication,
) -> None:
    case_under_appeal(app)
    state = Projections(app).case_state(CASE)
    p001 = next(p for p in state.parties if p.code == "P001")
    assert p001.decision is not None and p001.decision.announcement is not None
    assert p001.decision.announcement.overdue
    assert p001.decision.announcement.due == ANNOUNCE_DUE
    # the unit's decision is still unannounced: that duty is the case's next (overdue) date
    assert state.next_due == ANNOUNCE_DUE
    assert state.next_due_step == "announcement"


def test_a_revoked_decision_is_shown_as_revoked_never_hidden(app: LedgerApplication) -> None:
    case_under_appeal(app)
    app.receive(CASE, UNIT, "CS-XF", D(2024, 4, 16))
    app.appeal(CASE, UNIT, "CS-XF", D(2024, 4, 22), "集体决策程序合规。")
    app.decide_appeal(CASE, UNIT, "CS-XF", D(2024, 5, 6), AppealOutcome.REVOKED, "经复查撤销。")
    app.notify_appeal_decision(CASE, UNIT, "CS-XF", D(2024, 5, 7), "长沙市某区信访局")  # Art. 12
    state = Projections(app).case_state(CASE)
    unit = next(p for p in state.parties if p.code == "CS-XF")
    assert len(unit.decisions) == 1
    revoked = unit.decisions[0]
    assert revoked.status == "revoked" and revoked.status_label == "已撤销"
    assert revoked.measures_in_force == ()
    assert [m.code for m in revoked.measures] == ["written_self_criticism"]
    assert revoked.appeal is not None and revoked.appeal.outcome_label == "撤销"
    # the revoked decision's announcement is moot: the case now waits on P001's appeal only
    # Art. 12, 30 days from the appeal of 2024-04-25: Saturday 2024-05-25, a rest day (the
    # 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号)
    # makes no weekend of May a working day but 05-11), so the period ends on Monday 05-27.
    assert state.next_due == D(2024, 5, 27)
    assert state.next_due_step == "appeal_decision"


def test_a_modified_decision_shows_the_new_measures(app: LedgerApplication) -> None:
    case_under_appeal(app)
    app.decide_appeal(
        CASE,
        PERSON,
        "P001",
        D(2024, 5, 10),
        AppealOutcome.MODIFIED,
        "调离岗位不当。",
        person_measures(Measure.ADMONITION_TALK),
    )
    decision = next(p for p in Projections(app).case_state(CASE).parties if p.code == "P001")
    assert decision.decision is not None
    assert decision.decision.status == "modified"
    assert [m.code for m in decision.decision.measures] == ["admonition_talk", "transfer"]
    assert [m.code for m in decision.measures_in_force] == ["admonition_talk"]


def test_a_new_decision_after_revocation_keeps_the_revoked_one(app: LedgerApplication) -> None:
    case_under_appeal(app)
    app.decide_appeal(CASE, PERSON, "P001", D(2024, 5, 10), AppealOutcome.REVOKED, "程序瑕疵。")
    app.hear(CASE, PERSON, "P001", D(2024, 5, 15), "重新决定前再次申辩。")  # Art. 9
    app.decide(CASE, PERSON, "P001", _document("长纪决〔2024〕9号", D(2024, 5, 20)))
    party = next(p for p in Projections(app).case_state(CASE).parties if p.code == "P001")
    assert [(d.number, d.status) for d in party.decisions] == [
        ("长纪决〔2024〕7号", "revoked"),
        ("长纪决〔2024〕9号", "in_force"),
    ]
    assert party.decision is party.decisions[-1]
    assert [m.code for m in party.measures_in_force] == ["admonition_talk"]


def _document(number: str, on: dt.date) -> DecisionDocument:
    return document(number, on, person_measures())


def test_cases_are_listed_with_status_and_next_due_date(app: LedgerApplication) -> None:
    case_under_appeal(app)
    app.open_case("长纪案〔2024〕2号", D(2015, 3, 1), [6], "拒不办理交办事项。", D(2024, 5, 1))
    p = Projections(app)
    listed = p.cases()
    assert [c.case_no for c in listed] == [CASE, "长纪案〔2024〕2号"]
    assert listed[0].parties == 2 and listed[0].next_due == ANNOUNCE_DUE
    assert listed[1].lifetime is False  # before 2016-06-23: outside Art. 8
    assert listed[1].next_due is None
    assert [c.case_no for c in p.cases("open")] == [CASE, "长纪案〔2024〕2号"]
    assert p.cases("closed") == []
    with pytest.raises(InvalidInputError):
        p.cases("pending")


def test_an_unknown_case_is_not_found(app: LedgerApplication) -> None:
    p = Projections(app)
    with pytest.raises(NotFoundError, match="no case"):
        p.case_state("长纪案〔1999〕1号")
    with pytest.raises(NotFoundError, match="no case"):
        p.timeline("长纪案〔1999〕1号")


def test_the_timeline_replays_the_case_with_business_dates_and_recorded_times(
    app: LedgerApplication,
) -> None:
    case_under_appeal(app)
    entries = Projections(app).timeline(CASE)
    assert [e.event for e in entries][:3] == ["Opened", "ResponsibilityAssigned", "DefenceHeard"]
    assert entries[0].event_label == "立案"
    assert entries[0].business_date == D(2024, 4, 1)
    assert all(e.recorded_at.tzinfo is not None for e in entries)
    assert [e.position for e in entries] == sorted(e.position for e in entries)
    decided = next(e for e in entries if e.event == "DecisionIssued")
    assert decided.business_date == DECIDED
    assert "诫勉谈话" in decided.summary and decided.party_code == "P001"
    late = next(e for e in entries if e.event == "DecisionAnnounced")
    assert "LATE" in late.summary
    assert {e.key_holder for e in entries} == {"纪检干部甲"}


def test_the_timeline_as_of_a_business_date_keeps_the_events_dated_up_to_it(
    app: LedgerApplication,
) -> None:
    case_under_appeal(app)
    p = Projections(app)
    then = p.timeline(CASE, business_as_of=D(2024, 4, 10))
    assert {e.event for e in then} == {"Opened", "ResponsibilityAssigned", "DefenceHeard"}
    assert all(e.business_date <= D(2024, 4, 10) for e in then)
    assert p.timeline(CASE, business_as_of=D(2024, 3, 31)) == []
    assert len(p.timeline(CASE, business_as_of=D(2030, 1, 1))) == len(p.timeline(CASE))


def test_the_timeline_as_of_a_day_keeps_the_events_recorded_by_its_end(
    app: LedgerApplication,
) -> None:
    """Issue 13: ``as_of`` goes by the recorded time (these events are recorded today)."""
    case_under_appeal(app)
    p = Projections(app)
    recorded = p.timeline(CASE)[0].recorded_on
    assert p.timeline(CASE, as_of=recorded - dt.timedelta(days=1)) == []
    assert p.timeline(CASE, as_of=recorded + dt.timedelta(days=1)) == p.timeline(CASE)


def test_the_timeline_shows_the_signer_key_status_then_and_now(
    app: LedgerApplication, discipline_signer: Signer
) -> None:
    app.open_case(
        CASE, D(2024, 3, 1), [12], "逾期未办结。", D(2024, 4, 1), [ResultElement.ADVERSE_IMPACT]
    )
    successor = Signer.generate()
    app.rotate_key(discipline_signer.key_id.hex(), successor.public_raw)
    app.signer = successor
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, D(2024, 4, 2))
    opened, assigned = Projections(app).timeline(CASE)
    assert opened.key_id == discipline_signer.key_id.hex()
    assert (opened.key_status_then, opened.key_status_now) == ("active", "rotated")
    assert assigned.key_id == successor.key_id.hex()
    assert (assigned.key_status_then, assigned.key_status_now) == ("active", "active")
    listed = Projections(app).keys()
    keys = {k.key_id: k for k in listed}
    old = keys[discipline_signer.key_id.hex()]
    assert old.status == "rotated" and old.replaced_by == successor.key_id.hex()
    assert old.ended_at is not None and old.registered_at < old.ended_at
    assert keys[successor.key_id.hex()].registered_at == old.ended_at


def test_the_read_side_folds_a_case_to_the_state_the_write_side_holds(
    app: LedgerApplication,
) -> None:
    """One fold (ledger.domain.case_state): the stored events replayed by the read side give
    the aggregate's own typed state, field for field (log positions apart)."""
    case_under_appeal(app)
    app.decide_appeal(CASE, PERSON, "P001", D(2024, 5, 10), AppealOutcome.UPHELD, "维持。")
    stored = app.recorder.select_events(ids.case_id(CASE))
    events = [replay.decode([(0, e.topic, e.state)], None)[0] for e in stored]
    for e in events:
        e.position = None  # the write side applies events before they have a log position
    read = replay.state(events)
    assert read == app.case(CASE).state
    assert read is not None and read.parties["person:P001"].decision is not None
    assert read.parties["person:P001"].decision.appeal.outcome == "upheld"
