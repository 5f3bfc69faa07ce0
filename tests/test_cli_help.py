"""The command line as a whole: help everywhere, completion, no traceback for expected
failures, and the README's quick start run from a fresh directory."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from cli_support import OPEN, CliLedger, invoke, ledger, subcommands, template

from cli.main import COMMANDS, cli

__all__ = ["ledger", "template"]

#: The commands the issue names (the contract); `verify` and the other audit commands come
#: from cli/audit.py and are checked for help like the rest.
CONTRACT = {
    "init", "demo", "key add", "key rotate", "key revoke", "key list", "unit add",
    "unit rating", "cadre add", "cadre move", "cadre retire", "cadre history", "case open",
    "case assign", "case assign-team", "case objection", "case hear", "case decide",
    "case announce", "case file", "case receive", "case appeal", "case appeal-decide",
    "case refer", "case close", "case show", "case timeline", "deadlines", "report annual",
    "projections rebuild", "import",
}  # fmt: skip


def _walk(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in subcommands(group).items():
        path = f"{prefix}{name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _walk(command, path + " ")


ALL = dict(_walk(cli))


def test_every_command_of_the_contract_exists() -> None:
    assert set(ALL) >= CONTRACT, CONTRACT - set(ALL)


@pytest.mark.parametrize("path", sorted(ALL))
def test_every_command_and_group_has_help_text(path: str) -> None:
    command = ALL[path]
    assert command.help and command.help.strip(), f"`lifeledger {path}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"`lifeledger {path}` option {param.opts[0]} has no help text"
    result = invoke([*path.split(), "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: lifeledger {path}")


def test_the_top_level_help_shows_first_lines_whole() -> None:
    out = invoke(["--help"]).stdout
    assert "report       Reports for the Party committee and government (Art. 14)." in out
    assert "_LIFELEDGER_COMPLETE=bash_source lifeledger" in out


@pytest.mark.parametrize("path", sorted(p for p in CONTRACT if p not in ("init", "demo")))
def test_every_recording_and_reading_command_takes_json_after_it(path: str) -> None:
    names = {opt for p in ALL[path].params for opt in getattr(p, "opts", [])}
    assert "--json" in names


def test_bash_completion_script_is_generated() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()"],
        env={**os.environ, "_LIFELEDGER_COMPLETE": "bash_source"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0
    assert "_lifeledger_completion" in result.stdout


def _complete(args: list[str], incomplete: str) -> list[str]:
    from click.shell_completion import ShellComplete

    completer = ShellComplete(cli, {}, "lifeledger", "_LIFELEDGER_COMPLETE")
    return [c.value for c in completer.get_completions(args, incomplete)]


def test_completion_offers_commands_grounds_and_case_numbers(ledger: CliLedger) -> None:
    assert "assign-team" in _complete(["case"], "as")
    assert _complete(["case", "open", "C9", "--ground"], "1") == [
        "1", "10", "11", "12", "13", "14", "15", "16",
    ]  # fmt: skip
    ledger.ok("case", "open", "C-2023-1", *OPEN)
    assert _complete(["--db", str(ledger.db), "case", "show"], "C-") == ["C-2023-1"]
    assert _complete(["--db", "/nonexistent/x.db", "case", "show"], "") == []


# expected failures: never a traceback -----------------------------------------------------------
def test_a_missing_database_says_how_to_make_one(tmp_path: Path) -> None:
    result = invoke(["--db", str(tmp_path / "none.db"), "case", "show", "C1"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no ledger at {tmp_path / 'none.db'}; create one with `lifeledger init` or "
        "give --db\n"
    )


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    result = invoke(["--db", str(db), "deadlines"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {db} is an SQLite database of another program, not a ledger\n"
    )


def test_an_unsupported_url_is_refused() -> None:
    result = invoke(["--db", "mysql://x/y", "deadlines"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: unsupported database URL 'mysql://x/y': give a file path (SQLite), a "
        "postgresql:// URL or a libpq connection string (host=... dbname=...)\n"
    )


def test_a_missing_key_file(ledger: CliLedger, tmp_path: Path) -> None:
    err = ledger.refused("case", "open", "C1", *OPEN, key=tmp_path / "nope.pem")
    assert err == f"Error: key file {tmp_path / 'nope.pem'} does not exist\n"


def test_a_file_that_is_not_a_key(ledger: CliLedger) -> None:
    err = ledger.refused("case", "open", "C1", *OPEN, key=ledger.db)
    assert (
        err == f"Error: cannot open key file {ledger.db}: wrong passphrase or not a private key\n"
    )


def test_unknown_commands_and_options_are_bad_usage() -> None:
    assert invoke(["case", "reopen"]).exit_code == 2
    assert invoke(["case", "open", "--colour", "red"]).exit_code == 2


# the README quick start, in a fresh directory -----------------------------------------------------
def test_the_quick_start_runs_in_a_fresh_directory(tmp_path: Path) -> None:
    """`lifeledger demo && lifeledger verify`, then reading and recording as the README's
    walk-through does, in a new process and a new directory, as a new user would (the package
    is installed; the README's `pip install -e .` is what .ci/run does)."""
    exe = shutil.which("lifeledger")
    command = [exe] if exe else [sys.executable, "-c", "from cli.main import main; main()"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFELEDGER_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*command, *args], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120, check=False)  # fmt: skip
        assert result.returncode == 0, f"lifeledger {' '.join(args)}:\n{result.stderr}"
        assert "Traceback" not in result.stderr
        return result

    run("demo")
    assert (tmp_path / "lifeledger.db").exists()
    assert (tmp_path / "lifeledger.db.keys" / "discipline.pem").exists()
    assert run("verify").stdout.startswith("Verification of SQLite file lifeledger.db: OK")
    printed = "lifeledger-decision-CS-2023-015-P2001.docx"
    assert run("document", "verify", printed).stdout.startswith(f"{printed} matches the ledger")
    assert run("document", "verify", "lifeledger-annual-2023.xlsx").returncode == 0
    case = json.loads(run("--json", "case", "show", "CS-2023-015").stdout)
    assert case["status"] == "closed"
    history = run("cadre", "history", "P1002").stdout
    assert "CS-2021-007" in history
    assert run("deadlines").stdout.startswith("Deadlines on ")
    env.update({"LIFELEDGER_KEY": "lifeledger.db.keys/discipline.pem",
                "LIFELEDGER_PASSPHRASE": "lifeledger-demo"})  # fmt: skip
    run(
        "case",
        "open",
        "CS-2024-001",
        "--incident-date",
        "2024-03-14",
        "--opened-on",
        "2024-04-03",
        "--ground",
        "11",
        "--result",
        "conflict_intensified",
        "--result",
        "adverse_impact",
        "--facts",
        "f",
    )


def test_the_lazy_command_table_matches_every_top_level_command_and_its_help() -> None:
    from cli.common import _first_paragraph, translate_help
    from cli.main import COMMANDS

    for name, (module, attribute, listed) in COMMANDS.items():
        # in English, whatever language a test before this one loaded the command in
        command = translate_help(getattr(__import__(module, fromlist=[attribute]), attribute))
        assert command.name == name
        assert listed == (command.short_help or _first_paragraph(command.help or "")), name
    every = {c.name for m in {m for m, _, _ in COMMANDS.values()} for c in _module_commands(m)}
    assert every == set(COMMANDS)
    import cli

    modules = {f"cli.{m.name}" for m in pkgutil.iter_modules(cli.__path__)}
    with_commands = {m for m in modules if hasattr(importlib.import_module(m), "commands")}
    assert with_commands == {m for m, _, _ in COMMANDS.values()}


def _module_commands(module: str) -> list[click.Command]:
    return list(__import__(module, fromlist=["commands"]).commands)


HEAVY = ("eventsourcing", "psycopg", "holidays", "cryptography", "docx", "openpyxl", "fpdf")


@pytest.mark.parametrize(
    "argv", [["--help"]] + [[name, "--help"] for name in sorted(COMMANDS)], ids=" ".join
)
def test_help_loads_neither_the_store_nor_the_crypto_libraries(argv: list[str]) -> None:
    probe = (
        "import sys; from click.testing import CliRunner; from cli.main import cli; "
        f"r = CliRunner().invoke(cli, {argv!r}); assert r.exit_code == 0, r.output; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("words", "expected"), [
    ("lifeledger ca", ["plain,cadre", "plain,case"]),
    ("lifeledger case app", ["plain,appeal", "plain,appeal-decide"]),
])  # fmt: skip
def test_completing_command_names_lists_them_without_loading_the_ledger(
    words: str, expected: list[str]
) -> None:
    env = {**os.environ, "_LIFELEDGER_COMPLETE": "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}  # fmt: skip
    probe = (
        "import sys, runpy; sys.argv = ['lifeledger']\n"
        "try:\n    runpy.run_module('lifeledger', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    lines = done.stdout.split()
    assert lines[: len(expected)] == expected
    assert done.stdout.strip().endswith("LOADED []")


def test_python_dash_m_lifeledger_is_the_same_command_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lifeledger", "--help"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("Usage: lifeledger [OPTIONS] COMMAND [ARGS]...")
