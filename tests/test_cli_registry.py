"""`lifeledger unit ...` and `cadre ...`: units, cadres, lifetime history, annual rating."""

from __future__ import annotations

from cli_support import DECISION, CliLedger, decided, ledger, template

from ledger.domain import identifiers

__all__ = ["ledger", "template"]


def test_a_unit_is_registered_with_its_kind_and_level(ledger: CliLedger) -> None:
    result = ledger.ok("unit", "add", "CS-PROC", "--name", "长沙市某区人民检察院",
                       "--kind", "procuratorial", "--level", "county")  # fmt: skip
    assert result.stdout == "Unit CS-PROC registered: 长沙市某区人民检察院 (检察机关, 县市区级)\n"


def test_a_unit_code_is_registered_once(ledger: CliLedger) -> None:
    err = ledger.refused("unit", "add", "CS-XF", "--name", "x", "--kind", "party",
                         "--level", "city")  # fmt: skip
    assert err == "Error: unit CS-XF is already registered\n"


def test_a_unit_kind_outside_art_2_is_bad_usage(ledger: CliLedger) -> None:
    result = ledger.run("unit", "add", "X", "--name", "x", "--kind", "club", "--level", "city")
    assert result.exit_code == 2
    assert "Invalid value for '--kind'" in result.stderr


def test_a_cadre_is_registered_moved_and_retired(ledger: CliLedger) -> None:
    data = ledger.json("cadre", "add", "P100", "--name", "钱立新", "--unit", "CS-GOV",
                       "--post", "常务副县长", "--since", "2017-03-06")  # fmt: skip
    assert data == {
        "command": "cadre add", "personnel_no": "P100", "name": "钱立新", "unit": "CS-GOV",
        "post": "常务副县长", "since": "2017-03-06", "warnings": [],
    }  # fmt: skip
    moved = ledger.ok("cadre", "move", "P100", "--unit", "CS-XF", "--post", "局长",
                      "--on", "2021-03-01")  # fmt: skip
    assert moved.stdout == (
        "Cadre P100 moved on 2021-03-01 to 局长 of CS-XF; earlier posts stay accountable (Art. 8)\n"
    )
    ledger.ok("cadre", "retire", "P100", "--on", "2024-12-31")
    history = ledger.json("cadre", "history", "P100", key=None)
    assert [(p["unit_code"], p["start"], p["end"]) for p in history["posts"]] == [
        ("CS-GOV", "2017-03-06", "2021-03-01"),
        ("CS-XF", "2021-03-01", "2024-12-31"),
    ]
    assert history["retired_on"] == "2024-12-31"


def test_a_cadre_in_an_unknown_unit_is_refused(ledger: CliLedger) -> None:
    err = ledger.refused("cadre", "add", "P100", "--name", "x", "--unit", "NOPE", "--post", "p",
                         "--since", "2017-03-06")  # fmt: skip
    assert err == "Error: no unit with code NOPE\n"


def test_a_retired_cadre_cannot_move(ledger: CliLedger) -> None:
    ledger.ok("cadre", "retire", "P001", "--on", "2020-01-01")
    err = ledger.refused("cadre", "move", "P001", "--unit", "CS-GOV", "--post", "p",
                         "--on", "2021-01-01")  # fmt: skip
    assert err == "Error: cadre P001 retired on 2020-01-01 (retired)\n"


def test_cadre_history_follows_the_person_after_a_move(ledger: CliLedger) -> None:
    decided(ledger)
    ledger.ok("cadre", "move", "P001", "--unit", "CS-GOV", "--post", "副县长", "--on", "2024-01-02")
    data = ledger.json("cadre", "history", "P001", key=None)
    assert sorted(data) == [
        "accountable_in_year", "appended_after", "checked_after", "complete_as_of",
        "current_post", "entries", "indexed_since", "name", "personnel_no", "posts",
        "retired_on", "unindexed_checkpoints", "year",
    ]  # fmt: skip
    # A ledger made with the person index: no checkpoint signed before it.
    assert (data["unindexed_checkpoints"], data["indexed_since"]) == (0, None)
    # No checkpoint yet: the whole log was read, and the events naming P001 (registered,
    # found responsible, heard, decided, moved) were each checked directly.
    log_size = ledger.json("verify", key=None)["tree_size"]
    assert (data["complete_as_of"], data["checked_after"], data["appended_after"]) == (
        None, 5, log_size,
    )  # fmt: skip
    (entry,) = data["entries"]
    assert entry["case_no"] == "C1"
    assert entry["post_at_incident"]["unit_code"] == "CS-XF"
    assert entry["post_now"]["unit_code"] == "CS-GOV"
    text = ledger.ok("cadre", "history", "P001", key=None).stdout
    assert text.startswith("Cadre P001 王局长 — now 副县长, 长沙市某县人民政府 (CS-GOV)\n")
    assert "局长, 长沙市某区信访局 (CS-XF)" in text
    assert "调离岗位" in text


def test_cadre_history_for_a_year_says_whether_they_were_held_accountable(
    ledger: CliLedger,
) -> None:
    decided(ledger)
    assert (
        ledger.json("cadre", "history", "P001", "--year", "2023", key=None)["accountable_in_year"]
        is True
    )
    data = ledger.json("cadre", "history", "P001", "--year", "2022", key=None)
    assert data["entries"] == [] and data["accountable_in_year"] is False
    text = ledger.ok("cadre", "history", "P001", "--year", "2022", key=None).stdout
    assert "No accountability on record in 2022." in text


def test_the_history_of_an_unknown_cadre(ledger: CliLedger) -> None:
    err = ledger.refused("cadre", "history", "P999", key=None)
    assert err == (
        "Error: no cadre with personnel number P999: none of the 10 events of the log names "
        "this number\n"
    )


def test_a_unit_held_accountable_may_not_be_rated_advanced_that_year(ledger: CliLedger) -> None:
    ledger.ok(
        "case",
        "open",
        "U1",
        "--incident-date",
        "2023-03-14",
        "--opened-on",
        "2023-04-03",
        "--ground",
        "13",
        "--result",
        "adverse_impact",
        "--facts",
        "未到现场处置",
    )
    ledger.ok("case", "assign", "U1", "--unit", "CS-GOV", "--on", "2023-04-10")
    ledger.ok("case", "hear", "U1", "--unit", "CS-GOV", "--on", "2023-04-20", "--statement", "s")
    ledger.ok("case", "decide", "U1", "--unit", "CS-GOV", *DECISION, "--severity", "minor")
    data = ledger.json("unit", "rating", "CS-GOV", "--year", "2023", key=None)
    assert data["may_be_rated_advanced"] is False
    assert [r["case_no"] for r in data["reasons"]] == ["U1"]
    text = ledger.ok("unit", "rating", "CS-GOV", "--year", "2023", key=None).stdout
    assert text.startswith(
        "Unit CS-GOV 长沙市某县人民政府, 2023: may NOT be rated an advanced unit for petition "
        "work (先进单位) (Art. 13)\n"
    )
    assert (
        ledger.json("unit", "rating", "CS-GOV", "--year", "2024", key=None)["may_be_rated_advanced"]
        is True
    )


def test_the_rating_of_an_unknown_unit(ledger: CliLedger) -> None:
    err = ledger.refused("unit", "rating", "NOPE", "--year", "2023", key=None)
    assert err == "Error: no unit with code NOPE\n"


def test_a_lookalike_unit_code_is_read_by_the_cli_as_the_domain_records_it(
    ledger: CliLedger,
) -> None:
    """One rule for an identifier's written form (ledger.domain.identifiers): fullwidth letters
    and hyphen, and an ideographic space around them, name the unit CS-XF in a lookup as in a
    command."""
    lookalike = "\u3000ＣＳ－ＸＦ\u3000"
    assert identifiers.normalise("unit code", lookalike) == "CS-XF"
    assert identifiers.written_form(lookalike) == "CS-XF"
    assert ledger.ok("unit", "history", lookalike, key=None).stdout == (
        ledger.ok("unit", "history", "CS-XF", key=None).stdout
    )
    refused = ledger.refused("unit", "add", lookalike, "--name", "x", "--kind", "party",
                             "--level", "city")  # fmt: skip
    assert refused == "Error: unit CS-XF is already registered\n"
    assert ledger.refused("unit", "history", "ＣＳ－ＸＸ", key=None) == (
        "Error: no unit with code CS-XX\n"
    )
