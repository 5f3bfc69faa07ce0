"""`lifeledger demo` shows what issue 12 asked for ("Done when"): a reopened case, an objection
recorded at the Art. 9 hearing, and a regional annual report (Art. 14), each through the
commands its output suggests."""

from __future__ import annotations

import json

import pytest
from cli_support import invoke


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], str]:
    db = tmp_path_factory.mktemp("demo12") / "demo.db"
    made = invoke(["--db", str(db), "demo"], env={"LIFELEDGER_PASSPHRASE": None})
    assert made.exit_code == 0, made.output
    return ["--db", str(db)], made.output  # "Try: …" goes to stderr


def lines(args: list[str]) -> list[str]:
    result = invoke(args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_the_demo_shows_a_reopened_case(demo: tuple[list[str], str]) -> None:
    db, printed = demo
    assert "case timeline CS-2023-015" in printed
    shown = lines([*db, "case", "timeline", "CS-2023-015"])
    assert any(
        "重新办理（恢复立案）" in line
        and "case reopened (重新办理): 新的信访件反映同一推诿问题，需补充调查" in line
        for line in shown
    )


def test_the_demo_shows_an_objection_recorded_at_the_hearing(
    demo: tuple[list[str], str],
) -> None:
    db, printed = demo
    assert "case show CS-2021-007" in printed
    shown = lines([*db, "case", "timeline", "CS-2021-007"])
    assert any(
        line.startswith("2021-06-15")
        and "个人 P1003 explicitly objected and was overruled "
        "(明确提出反对意见), stated at the hearing (Art. 9)"
        in line
        for line in shown
    )
    state = json.loads(invoke([*db, "--json", "case", "show", "CS-2021-007"]).stdout)
    p1003 = next(p for p in state["parties"] if p["code"] == "P1003")
    assert p1003["responsibility"] == "none" and p1003["decisions"] == []


def test_the_demo_shows_a_regional_annual_report(demo: tuple[list[str], str]) -> None:
    db, printed = demo
    assert "report annual --year 2023 --region 430100" in printed
    shown = lines([*db, "report", "annual", "--year", "2023", "--region", "430100"])
    assert shown[0] == (
        "信访工作责任追究情况 2023年度 (Art. 14) — 本地区 长沙市 430100 and the divisions within it"
    )
    assert "Cases by division within the region (GB/T 2260):" in shown
