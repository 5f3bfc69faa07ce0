"""Issue 12 point 9: rules that do not come from the Measures are named as conventions where a
user meets them — the README and `--help` (the messages that state a due date:
test_cli_cases.test_a_decision_text_names_the_measures_and_the_announcement_deadline)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def help_text(*command: str) -> str:
    result = CliRunner().invoke(cli, [*command, "--help"], env={"LIFELEDGER_LANG": "en"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_the_rest_day_convention_is_named_in_the_help_of_the_commands_with_due_dates() -> None:
    assert "an imported convention (民法典 art. 203 practice), not the Measures' text" in help_text(
        "deadlines"
    )
    assert (
        "The due date moves off rest days (民法典 art. 203 practice, a convention the Measures "
        "do not state)" in help_text("case", "announce")
    )


def test_the_readme_lists_the_rules_that_do_not_come_from_the_text() -> None:
    text = README.read_text("utf-8")
    section = text.split("#### Rules that do not come from the Measures' text", 1)[1]
    section = " ".join(section.split("\n#", 1)[0].split())
    assert "this is the practice of 民法典 art. 203, imported as a convention" in section
    assert "**Gravity of organisational measures.**" in section
