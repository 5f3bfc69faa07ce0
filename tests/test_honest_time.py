"""Honest time (issue 13 point 3), on SQLite and PostgreSQL.

Every event has a business date (the day of the act, given by the official) and a recorded
time (the signed timestamp from the recording workstation's clock). The ledger here is made
through the one write path with real keys, on a real store, with the recording clock set by
the test (:mod:`clock_support`), then read through the CLI with no key:

* ``verify`` warns (exit 0: the log itself holds) where a recorded time runs backwards along
  the log by more than 5 minutes, naming the positions and by how much, in text and JSON;
* ``case timeline`` shows both dates, how many days late a step was recorded, and how long a
  step recorded after its due date stood overdue;
* ``deadlines --late`` lists the steps done late, overdue until recorded, or recorded late;
  a backdated announcement recorded years later stays listed as overdue until recorded;
* ``case timeline --as-of D`` is what was on record at the end of D, by recorded time (a
  prefix of the log); ``--business-as-of D`` filters by business date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from cli_support import invoke
from click.testing import Result
from clock_support import Clock, clock
from conftest import new_ledger
from scenarios import CASE, PERSON, document, open_case
from verify_support import row_at, sqlite

from ledger.application import LedgerApplication
from ledger.domain.regulation import Responsibility
from ledger.signing.signatures import Signer

__all__ = ["clock"]
D = dt.date
CASE2 = "长纪案〔2024〕2号"


def run(url: str, *args: str) -> Result:
    """``lifeledger --db URL ARGS`` with no key: every read here is a reader's."""
    result = invoke(["--db", url, *args], env={"LIFELEDGER_PASSPHRASE": None})
    assert "Traceback" not in result.output
    return result


def shown(url: str, *args: str) -> str:
    result = run(url, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(url: str, *args: str) -> Any:
    return json.loads(shown(url, "--json", *args))


def backfilled(
    url: str, clock: Clock, root: Signer, recorder: Signer, *, announce: bool = True
) -> LedgerApplication:
    """Case 1: opened 2024-04-01, decided 2024-04-15 (announcement due Wed 2024-05-15, Art.
    11), announced "on 2024-05-10" but recorded on 2026-11-20. Case 2: decided 2024-04-15,
    announced 2024-06-03 and recorded that day (done late)."""
    clock.set("2024-04-01 09:00")
    app = new_ledger(url, root, recorder)
    open_case(app)
    clock.set("2024-04-15 10:00")
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, D(2024, 4, 2))
    app.hear(CASE, PERSON, "P001", D(2024, 4, 10), "当事人作了说明和申辩。")
    app.decide(CASE, PERSON, "P001", document(D(2024, 4, 15)))
    open_case(app, CASE2, opened_on=D(2024, 4, 12))
    app.assign(CASE2, PERSON, "P002", Responsibility.DIRECT, D(2024, 4, 12))
    app.hear(CASE2, PERSON, "P002", D(2024, 4, 13), "当事人作了说明和申辩。")
    app.decide(CASE2, PERSON, "P002", document(D(2024, 4, 15), number="长纪决〔2024〕8号"))
    clock.set("2024-06-03 10:00")
    app.announce(CASE2, PERSON, "P002", D(2024, 6, 3), "李副局长本人及长沙市某区信访局")
    if announce:
        announce_backdated(app, clock)
    return app


def announce_backdated(app: LedgerApplication, clock: Clock) -> None:
    """`case announce --on 2024-05-10`, recorded on 2026-11-20 (log position 15)."""
    clock.set("2026-11-20 10:00")
    app.announce(CASE, PERSON, "P001", D(2024, 5, 10), "王局长本人及长沙市某区信访局")


def set_back(app: LedgerApplication, clock: Clock) -> None:
    """A workstation clock set back to 2024-05-21 records the personnel-file entry, after
    the announcement recorded on 2026-11-20 (log position 15)."""
    clock.set("2024-05-21 10:00")
    app.enter_in_file(CASE, "P001", D(2024, 5, 20), "档-1", "长沙市委组织部")


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def key_of(signer: Signer) -> str:
    return signer.key_id.hex()


# verify ------------------------------------------------------------------------------------
def test_verify_warns_of_an_event_recorded_before_an_earlier_one_and_still_passes(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    app = backfilled(store_url, clock, root_signer, discipline_signer)
    set_back(app, clock)
    result = run(store_url, "verify")
    assert result.exit_code == 0, result.output
    text = lines(result.stdout)
    assert text[0].endswith(": OK, 1 warning(s)")
    warnings = text[text.index("Warnings (the log holds; for the auditor to judge):") + 1 :]
    assert warnings[0] == (
        f"  [clock] position 16, case {CASE}, AccountabilityCase.PersonnelFileEntered v6: "
        "recorded at 2024-05-21 02:00:00Z by its signed time, 913 days before the event at "
        "position 15 (2026-11-20 02:00:00Z) that precedes it in the log: the recording clock "
        "ran backwards (tolerance 5 min). Views by recorded time (case timeline --as-of, "
        "deadlines --late) rely on that clock here"
    )
    data = as_json(store_url, "verify")
    assert (data["ok"], data["failure_count"], data["warning_count"]) == (True, 0, 1)
    (warning,) = data["warnings"]
    assert {k: v for k, v in warning.items() if k not in ("message", "aggregate_id")} == {
        "check": "clock",
        "position": 16,
        "record": f"case {CASE}",
        "topic": "AccountabilityCase.PersonnelFileEntered",
        "version": 6,
        "last_position": 16,
        "behind_position": 15,
        "seconds_behind": 913 * 86_400,
    }
    assert warning["message"] == warnings[0].split(": ", 1)[1]
    rows = list(csv.reader(io.StringIO(shown(store_url, "verify", "--format", "csv"))))
    assert rows == [
        ["check", "position", "record", "topic", "version", "tree_size", "message"],
        ["clock", "16", f"case {CASE}", "AccountabilityCase.PersonnelFileEntered", "6", "",
         warning["message"]],
    ]  # fmt: skip


def test_verify_names_a_run_of_events_behind_once_with_its_positions_and_largest_gap(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    app = backfilled(store_url, clock, root_signer, discipline_signer)
    clock.set("2026-11-20 08:00")  # two hours back, left there for three events
    app.enter_in_file(CASE, "P001", D(2024, 5, 20), "档-1", "长沙市委组织部")
    app.receive(CASE, PERSON, "P001", D(2024, 5, 10))
    app.receive(CASE2, PERSON, "P002", D(2024, 6, 3))
    data = as_json(store_url, "verify")
    assert data["ok"] is True
    assert [(w["position"], w["last_position"], w["behind_position"], w["seconds_behind"])
            for w in data["warnings"]] == [(16, 18, 15, 7200)]  # fmt: skip
    assert data["warnings"][0]["message"].startswith(
        "the 3 events at positions 16..18 were recorded (by their signed times, from "
        "2026-11-20 00:00:00Z) up to 2 h before the event at position 15 (2026-11-20 "
        "02:00:00Z) that precedes them in the log: the recording clock ran backwards"
    )


def test_verify_does_not_warn_within_the_five_minute_tolerance(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    app = backfilled(store_url, clock, root_signer, discipline_signer)
    clock.set("2026-11-20 09:56")  # 4 minutes behind the announcement: two workstations
    app.enter_in_file(CASE, "P001", D(2024, 5, 20), "档-1", "长沙市委组织部")
    data = as_json(store_url, "verify")
    assert (data["ok"], data["warning_count"], data["warnings"]) == (True, 0, [])
    assert ": OK\n" in shown(store_url, "verify")


# the timeline shows both dates ---------------------------------------------------------------
def test_the_timeline_shows_the_business_date_and_the_recorded_date_of_every_step(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    backfilled(store_url, clock, root_signer, discipline_signer)
    signer = f"纪检干部甲 ({key_of(discipline_signer)})"
    assert lines(shown(store_url, "case", "timeline", CASE)) == TIMELINE_HEAD + [
        row.format(signer=signer) for row in TIMELINE_ROWS
    ]
    events = as_json(store_url, "case", "timeline", CASE)["events"]
    assert [
        (e["business_date"], e["recorded_at"], e["recorded_on"], e["days_recorded_late"],
         e["days_overdue_on_record"], e["clock_behind"])
        for e in events
    ] == [
        ("2024-04-01", "2024-04-01T01:06:00+00:00", "2024-04-01", None, None, False),
        ("2024-04-02", "2024-04-15T02:00:00+00:00", "2024-04-15", 13, None, False),
        ("2024-04-10", "2024-04-15T02:01:00+00:00", "2024-04-15", None, None, False),
        ("2024-04-15", "2024-04-15T02:02:00+00:00", "2024-04-15", None, None, False),
        ("2024-05-10", "2026-11-20T02:00:00+00:00", "2026-11-20", 924, 919, False),
    ]  # fmt: skip


TIMELINE_HEAD = [
    f"Case {CASE}: timeline",
    "date        recorded                     event             signed by                    "
    "  key status  what changed",
    "----------  ---------------------------  ----------------  -----------------------------"
    "  ----------  " + "-" * 161,
]
TIMELINE_ROWS = [
    "2024-04-01  2024-04-01                   立案              {signer}  有效        case "
    f"{CASE} opened by 长沙市纪委监委 on Art. 4 grounds （十二）, 不良影响",
    "2024-04-02  2024-04-15 (13 days later)   认定责任          {signer}  有效        个人 P001 "
    "bears 直接责任 (direct)",
    "2024-04-10  2024-04-15                   听取说明和申辩    {signer}  有效        statement "
    "and defence (说明和申辩) of 个人 P001 heard",
    "2024-04-15  2024-04-15                   作出责任追究决定  {signer}  有效        decision "
    "长纪决〔2024〕7号 for 个人 P001: 诫勉谈话; announce by 2024-05-15 (Art. 11)",
    "2024-05-10  2026-11-20 (924 days later)  宣布责任追究决定  {signer}  有效        decision "
    "for 个人 P001 announced to 王局长本人及长沙市某区信访局 (told: 本人、所在单位) — overdue 919 "
    "days until recorded on 2026-11-20 (due 2024-05-15, Art. 11)",
]


def test_a_timeline_marks_a_step_recorded_with_its_clock_set_back_and_counts_the_log_order(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    """The file entry's signed time says 2024-05-21, but it follows an event recorded on
    2026-11-20 in the log: it cannot have been recorded before that day."""
    app = backfilled(store_url, clock, root_signer, discipline_signer)
    set_back(app, clock)
    last = lines(shown(store_url, "case", "timeline", CASE))[-1]
    assert last.startswith(
        "2024-05-20  2026-11-20 (914 days later, signed time earlier: clock set back)  "
        "归入个人人事档案"
    )
    entry = as_json(store_url, "case", "timeline", CASE)["events"][-1]
    assert (entry["recorded_at"], entry["recorded_on"], entry["days_recorded_late"],
            entry["clock_behind"]) == (
        "2024-05-21T02:00:00+00:00", "2026-11-20", 914, True,
    )  # fmt: skip


# deadlines --late ---------------------------------------------------------------------------
LATE_HEAD = [
    "Steps done or recorded late:",
    "case               party      step              art.     date        due         recorded"
    "    done late (days)  overdue until recorded (days)  recorded late (days)  status",
    "-----------------  ---------  ----------------  -------  ----------  ----------  ----------"
    "  ----------------  -----------------------------  --------------------  "
    "---------------------------------",
]
ASSIGNED_LATE = (
    "长纪案〔2024〕1号  个人 P001  认定责任          —        2024-04-02  —           2024-04-15"
    "  —                 —                              13                    延迟录入 "
    "recorded late"
)
BACKDATED = (
    "长纪案〔2024〕1号  个人 P001  宣布责任追究决定  Art. 11  2024-05-10  2024-05-15  2026-11-20"
    "  —                 919                            924                   逾期后补录 overdue "
    "until recorded"
)
DONE_LATE = (
    "长纪案〔2024〕2号  个人 P002  宣布责任追究决定  Art. 11  2024-06-03  2024-05-15  2024-06-03"
    "  19                19                             —                     逾期完成 done late"
)
LATE_TAIL = [
    "done late: the business date is after the legal due date (Art. 11, 12); overdue until "
    "recorded: recorded after the due date, so the ledger showed it overdue until then; "
    "recorded late: recorded more than 7 days after its business date. Recorded dates are "
    "Asia/Shanghai days of the signed recorded time.",
    f"Next: lifeledger case timeline {CASE}",
]


def late_rows(url: str, *args: str) -> list[tuple[Any, ...]]:
    return [
        (s["case_no"], s["event"], s["decision_number"], s["business_date"], s["due"],
         s["recorded_on"], s["days_done_late"], s["days_overdue_on_record"],
         s["days_recorded_late"], s["status"], s["clock_behind"])
        for s in as_json(url, "deadlines", "--late", *args)["late"]
    ]  # fmt: skip


def test_a_backdated_announcement_recorded_years_later_stays_overdue_until_recorded(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    """Issue 13: `case announce --on` a day within the period, recorded 919 days after the
    due date, no longer clears the overdue status: --late lists it with the days."""
    app = backfilled(store_url, clock, root_signer, discipline_signer, announce=False)
    before = as_json(store_url, "deadlines", "--as-of", "2026-11-19")["deadlines"]
    assert [(d["case_no"], d["kind"], d["status"], d["days_left"]) for d in before] == [
        (CASE, "announcement", "overdue", -918),
        (CASE2, "file_entry", "outstanding", None),
    ]
    announce_backdated(app, clock)
    after = as_json(store_url, "deadlines", "--as-of", "2026-11-20")["deadlines"]
    assert [(d["case_no"], d["kind"]) for d in after] == [  # no period runs any more ...
        (CASE, "file_entry"), (CASE2, "file_entry"),
    ]  # fmt: skip
    # ... and --late keeps the 919 days the announcement stood overdue until recorded
    assert lines(shown(store_url, "deadlines", "--late")) == [
        *LATE_HEAD, ASSIGNED_LATE, BACKDATED, DONE_LATE, *LATE_TAIL,
    ]  # fmt: skip
    assert late_rows(store_url) == [
        (CASE, "ResponsibilityAssigned", None, "2024-04-02", None, "2024-04-15", None, None, 13,
         "recorded_late", False),
        (CASE, "DecisionAnnounced", "长纪决〔2024〕7号", "2024-05-10", "2024-05-15",
         "2026-11-20", None, 919, 924, "overdue_until_recorded", False),
        (CASE2, "DecisionAnnounced", "长纪决〔2024〕8号", "2024-06-03", "2024-05-15",
         "2024-06-03", 19, 19, None, "done_late", False),
    ]  # fmt: skip


def test_late_steps_as_of_a_day_are_those_on_record_at_its_end(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    backfilled(store_url, clock, root_signer, discipline_signer)
    assert lines(shown(store_url, "deadlines", "--late", "--as-of", "2024-12-31")) == [
        "Steps done or recorded late (on record at the end of 2024-12-31):",
        LATE_HEAD[1],
        LATE_HEAD[2][: -len("---------------------------------")] + "-" * 22,
        ASSIGNED_LATE,
        DONE_LATE,
        *LATE_TAIL,
    ]
    data = as_json(store_url, "deadlines", "--late", "--as-of", "2024-03-31")
    assert (data["as_of"], data["late"]) == ("2024-03-31", [])


def test_a_step_recorded_with_the_clock_set_back_is_still_listed_as_recorded_late(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    app = backfilled(store_url, clock, root_signer, discipline_signer)
    set_back(app, clock)
    assert late_rows(store_url)[2] == (
        CASE, "PersonnelFileEntered", "长纪决〔2024〕7号", "2024-05-20", None, "2026-11-20",
        None, None, 914, "recorded_late", True,
    )  # fmt: skip


def test_no_late_step_is_said_in_words_and_in_every_format(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    clock.set("2024-04-01 09:00")
    app = new_ledger(store_url, root_signer, discipline_signer)
    open_case(app)
    assert shown(store_url, "deadlines", "--late") == "No step was done or recorded late.\n"
    assert shown(store_url, "deadlines", "--late", "--format", "csv") == (
        "case_no,party_code,event_label,article,business_date,due,recorded_on,days_done_late,"
        "days_overdue_on_record,days_recorded_late,status_label\n"
    )


# timeline --as-of: by recorded time; --business-as-of: by business date -----------------------
def test_the_timeline_as_of_a_day_is_what_was_on_record_then_by_recorded_time(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    """The announcement dated 2024-05-10 was recorded in 2026: not on record in 2024. The
    file entry's clock says 2024-05-21, but it follows the 2026 event in the log."""
    app = backfilled(store_url, clock, root_signer, discipline_signer)
    set_back(app, clock)
    as_of = as_json(store_url, "case", "timeline", CASE, "--as-of", "2024-05-31")
    assert (as_of["as_of"], as_of["business_as_of"]) == ("2024-05-31", None)
    assert [e["event"] for e in as_of["events"]] == [
        "Opened", "ResponsibilityAssigned", "DefenceHeard", "DecisionIssued",
    ]  # fmt: skip
    text = lines(shown(store_url, "case", "timeline", CASE, "--as-of", "2024-05-31"))
    assert text[0] == f"Case {CASE}: what was on record at the end of 2024-05-31"
    assert [line.split("  纪检干部甲")[0].rstrip() for line in text[3:]] == [
        "2024-04-01  2024-04-01                  立案",
        "2024-04-02  2024-04-15 (13 days later)  认定责任",
        "2024-04-10  2024-04-15                  听取说明和申辩",
        "2024-04-15  2024-04-15                  作出责任追究决定",
    ]
    assert [e["event"] for e in as_json(store_url, "case", "timeline", CASE, "--as-of",
                                        "2024-04-14")["events"]] == ["Opened"]  # fmt: skip
    dated = as_json(store_url, "case", "timeline", CASE, "--business-as-of", "2024-05-31")
    assert (dated["as_of"], dated["business_as_of"]) == (None, "2024-05-31")
    assert [e["event"] for e in dated["events"]] == [
        "Opened", "ResponsibilityAssigned", "DefenceHeard", "DecisionIssued",
        "DecisionAnnounced", "PersonnelFileEntered",
    ]  # fmt: skip
    both = shown(store_url, "case", "timeline", CASE, "--as-of", "2026-11-20",
                 "--business-as-of", "2024-04-30")  # fmt: skip
    assert both.startswith(
        f"Case {CASE}: what was on record at the end of 2026-11-20, events dated on or before "
        "2024-04-30\n"
    )


def test_the_timeline_help_says_which_option_goes_by_which_date() -> None:
    text = invoke(["case", "timeline", "--help"]).stdout
    assert "--as-of DATE" in text and "--business-as-of DATE" in text
    flat = " ".join(text.split())
    assert "What was on record at the end of this day (Asia/Shanghai), by the time each event " \
        "was recorded" in flat  # fmt: skip
    assert "Only the events whose business date (the date of the act) is on or before this " \
        "day, whenever they were recorded." in flat  # fmt: skip


def test_deadlines_help_defines_late() -> None:
    flat = " ".join(invoke(["deadlines", "--help"]).stdout.split())
    assert (
        "--late Instead: the steps done late (business date after the due date), overdue until "
        "recorded (recorded after the due date), or recorded late (more than 7 days after their "
        "business date), with the days." in flat
    )


def test_both_dates_and_the_days_late_are_columns_in_csv(
    store_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    app = backfilled(store_url, clock, root_signer, discipline_signer)
    set_back(app, clock)
    rows = list(csv.DictReader(io.StringIO(
        shown(store_url, "case", "timeline", CASE, "--format", "csv")
    )))  # fmt: skip
    assert [
        (r["business_date"], r["recorded_at"], r["recorded_on"], r["days_recorded_late"],
         r["days_overdue_on_record"], r["clock_behind"])
        for r in rows[-2:]
    ] == [
        ("2024-05-10", "2026-11-20T02:00:00+00:00", "2026-11-20", "924", "919", "no"),
        ("2024-05-20", "2024-05-21T02:00:00+00:00", "2026-11-20", "914", "", "yes"),
    ]  # fmt: skip
    late = shown(store_url, "deadlines", "--late", "--format", "tsv").splitlines()
    assert late[0].split("\t") == [
        "case_no", "party_code", "event_label", "article", "business_date", "due", "recorded_on",
        "days_done_late", "days_overdue_on_record", "days_recorded_late", "status_label",
    ]  # fmt: skip
    assert late[2].split("\t") == [
        CASE, "个人 P001", "宣布责任追究决定", "Art. 11", "2024-05-10", "2024-05-15",
        "2026-11-20", "", "919", "924", "逾期后补录 overdue until recorded",
    ]  # fmt: skip


def test_an_altered_recorded_time_is_a_signature_failure_and_makes_no_later_event_look_early(
    sqlite_url: str, clock: Clock, root_signer: Signer, discipline_signer: Signer
) -> None:
    """An insider moves the announcement's stored time to 2030 in the SQLite file (no key):
    its signature fails there, and the events after it are not reported as recorded before
    it: a time the signature does not cover is never the yardstick."""
    app = backfilled(sqlite_url, clock, root_signer, discipline_signer)
    app.receive(CASE2, PERSON, "P002", D(2024, 6, 3))  # 2026-11-20 10:01, after position 15
    with sqlite(app) as conn:
        rowid, _, _, _, state = row_at(conn, 15)
        altered = state.replace(b"2026-11-20T02:00:00", b"2030-11-20T02:00:00")
        assert altered != state
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (altered, rowid))
    result = run(sqlite_url, "--json", "verify")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(f["check"], f.get("position")) for f in report["failures"]] == [
        ("leaf", 15), ("signature", 15), ("index", None),  # the index follows from the edit
    ]  # fmt: skip
    assert (report["warning_count"], report["warnings"]) == (0, [])
