"""Output a user notices (issue 14): tables that fit the terminal, overdue and revoked items in
colour on a terminal and never under NO_COLOR, and refusals under --json as a JSON object on
stderr naming the article and the rule."""

from __future__ import annotations

import json

from cli_support import CliLedger, decided, invoke, ledger, opened, template
from clock_support import Clock, clock

__all__ = ["clock", "ledger", "template"]
RED, YELLOW, RESET = "\x1b[31m", "\x1b[33m", "\x1b[0m"


def _width(line: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


# fitting the terminal ---------------------------------------------------------------------------
def test_a_timeline_fits_80_columns_by_wrapping_and_keeps_both_dates(
    ledger: CliLedger, clock: Clock
) -> None:
    """Issue 13: the recorded date stays on a narrow terminal (it used to be left out first);
    Art. 4: the ground in its full wording with its results, wrapped."""
    clock.set("2026-11-20 10:00")
    decided(ledger)
    wide = ledger.ok("case", "timeline", "C1", key=None).stdout
    assert max(_width(line) for line in wide.splitlines()) > 80
    text = ledger.ok("case", "timeline", "C1", key=None, env={"COLUMNS": "80"}).stdout
    key = wide.splitlines()[3].split("纪检干部甲 (")[1].split(")")[0]
    assert max(_width(line) for line in text.splitlines()) <= 80
    assert text == (
        "Case C1: timeline\n"
        "date        recorded      event         signed by      key status  what changed\n"
        "----------  ------------  ------------  -------------  ----------  -------------\n"
        "2023-04-03  2026-11-20    立案          纪检干部甲     有效        case C1\n"
        f"            (1327 days                  ({key[:12]}              opened by\n"
        f"            later)                      {key[12:]})                      长沙市纪委监\n"
        "                                                                   委 on Art. 4\n"
        "                                                                   grounds\n"
        "                                                                   （十一）在处\n"
        "                                                                   理信访事项过\n"
        "                                                                   程中，工作作\n"
        "                                                                   风简单粗暴、\n"
        "                                                                   敷衍塞责、\n"
        "                                                                   推诿扯皮，导\n"
        "                                                                   致矛盾激化，\n"
        "                                                                   造成不良影响\n"
        "                                                                   或者严重后果\n"
        "                                                                   （导致矛盾激\n"
        "                                                                   化、\n"
        "                                                                   造成不良影响\n"
        "                                                                   ）\n"
        "2023-04-10  2026-11-20    认定责任      纪检干部甲     有效        个人 P001\n"
        f"            (1320 days                  ({key[:12]}              bears\n"
        f"            later)                      {key[12:]})                      直接责任\n"
        "                                                                   (direct)\n"
        "2023-04-20  2026-11-20    听取说明和申  纪检干部甲     有效        statement and\n"
        f"            (1310 days    辩            ({key[:12]}              defence\n"
        f"            later)                      {key[12:]})                      (说明和申辩)\n"
        "                                                                   of 个人 P001\n"
        "                                                                   heard\n"
        "2023-05-08  2026-11-20    作出责任追究  纪检干部甲     有效        decision\n"
        f"            (1292 days    决定          ({key[:12]}              长纪责〔2023\n"
        f"            later)                      {key[12:]})                      〕15号 for\n"
        "                                                                   个人 P001:\n"
        "                                                                   调离岗位;\n"
        "                                                                   announce by\n"
        "                                                                   2023-06-07\n"
        "                                                                   (Art. 11)\n"
    )


def test_a_case_list_on_a_narrow_terminal_leaves_out_columns_and_says_which(
    ledger: CliLedger,
) -> None:
    decided(ledger)
    text = ledger.ok("case", "list", key=None, env={"COLUMNS": "60"}).stdout
    assert text == (
        "1 case:\n"
        "case  opened      status  parties  next due    overdue\n"
        "----  ----------  ------  -------  ----------  -------------\n"
        "C1    2023-04-03  办理中  P001     2023-06-07  宣布决定（30\n"
        "                                               日内）\n"
        "(not shown: authority, Art. 4; see --format csv)\n"
        "Case set: not provable, no checkpoint yet.\n"
        "Next: lifeledger case show C1\n"
    )
    assert max(_width(line) for line in text.splitlines()) <= 60


# colour -------------------------------------------------------------------------------------------
def test_overdue_and_revoked_items_are_in_colour_on_a_terminal_and_not_under_no_color(
    ledger: CliLedger,
) -> None:
    decided(ledger)
    opened(ledger, "C2")
    db = ["--db", str(ledger.db)]
    coloured = invoke([*db, "case", "list"], color=True).stdout.splitlines()
    assert coloured[3].startswith(f"{RED}C1 ") and coloured[3].endswith(RESET)
    assert coloured[4].startswith("C2 ")
    plain = invoke([*db, "case", "list"], color=True, env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in plain
    assert "\x1b[" not in invoke([*db, "case", "list"]).stdout  # not a terminal
    keys = ledger.json("key", "list", key=None)["keys"]  # (the root's recovery key is second)
    recorder = next(k["key_id"] for k in keys if k["holder"] == "纪检干部甲")
    ledger.ok("key", "revoke", recorder, "--reason", "key lost", key=ledger.root)
    timeline = invoke([*db, "case", "timeline", "C1"], color=True).stdout.splitlines()
    assert all(line.startswith(YELLOW) for line in timeline[3:])
    assert "\x1b[" not in invoke([*db, "case", "timeline", "C1"], color=True,
                                 env={"NO_COLOR": "1"}).stdout  # fmt: skip


# errors under --json ------------------------------------------------------------------------------
def test_a_refusal_under_json_is_one_json_object_on_stderr_with_article_and_rule(
    ledger: CliLedger,
) -> None:
    before = ledger.event_count()
    err = ledger.refused("--json", "case", "open", "C9", "--incident-date", "2023-03-15",
                         "--opened-on", "2023-04-01", "--ground", "11", "--result",
                         "adverse_impact", "--facts", "x", key=ledger.petition)  # fmt: skip
    assert json.loads(err) == {
        "error": "信访干部乙 (长沙市信访局, 信访工作机构) may not open accountability cases; "
        "accountability is carried out by 纪检监察机关 and 组织人事部门 (Art. 6: only "
        "discipline organs and organisation departments)",
        "kind": "NotAuthorisedError",
        "article": "Art. 6",
        "rule": "only discipline organs and organisation departments",
    }
    assert ledger.event_count() == before
    assert json.loads(ledger.refused("case", "show", "C9", "--json", key=None)) == {
        "error": "no case C9", "kind": "NotFoundError", "article": None, "rule": None,
    }  # fmt: skip
    assert ledger.refused("case", "show", "C9", key=None) == "Error: no case C9\n"


# deadlines in every format ------------------------------------------------------------------------
def test_deadlines_go_out_as_csv_and_their_overdue_rows_in_colour(ledger: CliLedger) -> None:
    decided(ledger)
    csv = ledger.ok("deadlines", "--as-of", "2023-07-01", "--format", "csv", key=None).stdout
    assert csv == (
        "case_no,party_code,decision_number,kind_label,article,start,due,days_left,status_label\n"
        "C1,个人 P001,长纪责〔2023〕15号,宣布决定（30日内）,Art. 11,2023-05-08,2023-06-07,-24,"
        "已逾期\n"
    )
    db = ["--db", str(ledger.db)]
    lines = invoke([*db, "deadlines", "--as-of", "2023-07-01"], color=True).stdout.splitlines()
    assert lines[0] == "Deadlines on 2023-07-01:"
    assert lines[3].startswith(f"{RED}C1 ") and lines[3].endswith(RESET)
    assert lines[-1] == "Next: lifeledger case show C1"
    doc = json.loads(ledger.ok("deadlines", "--as-of", "2023-07-01", "--json", key=None).stdout)
    assert (doc["as_of"], doc["next"]) == ("2023-07-01", "lifeledger case show C1")
    assert [d["status"] for d in doc["deadlines"]] == ["overdue"]
