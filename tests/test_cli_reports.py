"""`lifeledger deadlines`, `report annual` and `projections rebuild`."""

from __future__ import annotations

from cli_support import CliLedger, decided, ledger, received, template

__all__ = ["ledger", "template"]


def test_deadlines_lists_the_running_periods(ledger: CliLedger) -> None:
    received(ledger)
    data = ledger.json("deadlines", "--as-of", "2023-05-12", key=None)
    assert data["as_of"] == "2023-05-12"
    steps = {(d["kind"], d["due"], d["status"]) for d in data["deadlines"]}
    assert steps == {
        ("announcement", "2023-06-07", "open"),
        ("appeal_window", "2023-05-25", "open"),
    }
    first = data["deadlines"][0]
    assert sorted(first) == [
        "article", "case_no", "days_left", "decision_number", "due", "kind", "kind_label",
        "party_code", "party_type", "provisional", "start", "status", "status_label",
    ]  # fmt: skip
    text = ledger.ok("deadlines", "--as-of", "2023-05-12", key=None).stdout
    assert text.startswith("Deadlines on 2023-05-12:\n")
    assert "宣布决定（30日内）" in text and "个人 P001" in text


def test_a_missed_announcement_shows_as_overdue(ledger: CliLedger) -> None:
    decided(ledger)
    data = ledger.json("deadlines", "--as-of", "2023-06-20", key=None)
    (late,) = [d for d in data["deadlines"] if d["kind"] == "announcement"]
    assert late["status"] == "overdue"
    assert "已逾期" in ledger.ok("deadlines", "--as-of", "2023-06-20", key=None).stdout


def test_no_deadlines(ledger: CliLedger) -> None:
    result = ledger.ok("deadlines", "--as-of", "2023-05-12", key=None)
    assert result.stdout == (
        "No legal period is running or missed on 2023-05-12.\n"
        "Case set: not provable, no checkpoint yet.\n"
    )
    assert ledger.json("deadlines", "--as-of", "2023-05-12", key=None)["deadlines"] == []


def test_deadlines_with_a_malformed_date_is_bad_usage(ledger: CliLedger) -> None:
    result = ledger.run("deadlines", "--as-of", "12/05/2023", key=None)
    assert result.exit_code == 2
    assert "'12/05/2023' is not a date; use YYYY-MM-DD" in result.stderr


def test_the_annual_report_counts_the_years_accountability(ledger: CliLedger) -> None:
    decided(ledger)
    data = ledger.json("report", "annual", "--year", "2023", key=None)
    assert data["year"] == 2023
    assert data["cases_opened"] == 1
    assert data["decisions_issued"] == 1
    assert [(c["code"], c["count"]) for c in data["measures_by_kind"]] == [("transfer", 1)]
    text = ledger.ok("report", "annual", "--year", "2023", key=None).stdout
    assert text.startswith("信访工作责任追究情况 2023年度 (Art. 14)\n")
    assert "调离岗位" in text
    empty = ledger.json("report", "annual", "--year", "2022", key=None)
    assert empty["cases_opened"] == 0


def test_the_annual_report_for_one_authority(ledger: CliLedger) -> None:
    decided(ledger)
    mine = ledger.json("report", "annual", "--year", "2023", "--authority", "长沙市纪委监委",
                       key=None)  # fmt: skip
    other = ledger.json("report", "annual", "--year", "2023", "--authority", "别处", key=None)
    assert (mine["cases_opened"], other["cases_opened"]) == (1, 0)


def test_the_read_models_rebuild_to_the_same_answers(ledger: CliLedger) -> None:
    decided(ledger)
    before = ledger.json("case", "show", "C1", key=None)
    data = ledger.json("projections", "rebuild", key=None)
    assert data["rebuilt"] is True
    assert data["events"] == ledger.event_count()
    assert ledger.json("case", "show", "C1", key=None) == before
    text = ledger.ok("projections", "rebuild", key=None).stdout
    assert text == f"Read models rebuilt from {ledger.event_count()} event(s) of the log.\n"
