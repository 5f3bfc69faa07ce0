"""Shared set-up for the CLI tests: a small ledger made once per module through the CLI
itself, copied for each test (copying one SQLite file is much faster than re-initialising).

Key files are made once per module and shared read-only; their passphrase is PASS.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from cli.main import cli

PASS = "correct horse battery staple"
NEW_PASS = "another passphrase"


def invoke(
    args: Sequence[str],
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    color: bool = False,
) -> Result:
    """Run ``lifeledger ARGS`` in-process; passphrases from the environment, never a prompt."""
    base: dict[str, str | None] = {
        "LIFELEDGER_PASSPHRASE": PASS,
        "LIFELEDGER_NEW_PASSPHRASE": NEW_PASS,
        "LIFELEDGER_DB": None,
        "LIFELEDGER_KEY": None,
        "COLUMNS": None,  # tables take whole lines unless a test sets a width
        "NO_COLOR": None,
    }
    base.update(env or {})
    return CliRunner().invoke(
        cli, list(args), env=base, input=input, catch_exceptions=False, prog_name="lifeledger",
        color=color,
    )  # fmt: skip


@dataclass(frozen=True)
class CliLedger:
    """A ledger file and the key files of its officials."""

    dir: Path
    db: Path
    root: Path  # organisation department, admin (the root key)
    recorder: Path  # discipline organ, recorder
    petition: Path  # petition agency, recorder (may not record accountability: Art. 6)

    def run(self, *args: str, key: Path | str | None = "recorder", **kw: Any) -> Result:
        """``lifeledger --db DB [--key KEY] ARGS``; key "recorder" by default, None for none."""
        chosen = self.recorder if key == "recorder" else key
        head = ["--db", str(self.db)] + (["--key", str(chosen)] if chosen else [])
        return invoke([*head, *args], **kw)

    def ok(self, *args: str, **kw: Any) -> Result:
        result = self.run(*args, **kw)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, **kw: Any) -> Any:
        result = self.ok("--json", *args, **kw)
        return json.loads(result.stdout)

    def refused(self, *args: str, **kw: Any) -> str:
        """Run a command that must be refused (exit 1); returns its stderr."""
        result = self.run(*args, **kw)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert result.stdout == ""
        return result.stderr

    def event_count(self) -> int:
        """Every stored event, the import lines' idempotency records included."""
        import sqlite3

        with sqlite3.connect(self.db) as conn:
            return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])

    def command_event_count(self) -> int:
        """The commands' events: all but the import lines' idempotency records."""
        import sqlite3

        with sqlite3.connect(self.db) as conn:
            return int(
                conn.execute(
                    "SELECT count(*) FROM stored_events WHERE topic NOT LIKE 'ledger.imports:%'"
                ).fetchone()[0]
            )


def build_template(directory: Path) -> CliLedger:
    """An initialised ledger: root key, a discipline recorder, a petition-agency key,
    units CS-XF and CS-GOV, cadres P001–P003 (CS-XF) and P004 (CS-GOV)."""
    ledger = CliLedger(
        directory,
        directory / "ledger.db",
        directory / "root.pem",
        directory / "discipline.pem",
        directory / "petition.pem",
    )
    ledger.ok(
        "init", "--holder", "省委组织部管理员", "--authority", "湖南省委组织部",
        "--key-out", str(ledger.root), key=None,
    )  # fmt: skip
    for path, holder, authority, kind in (
        (ledger.recorder, "纪检干部甲", "长沙市纪委监委", "discipline"),
        (ledger.petition, "信访干部乙", "长沙市信访局", "petition"),
    ):
        ledger.ok(
            "key", "add", "--holder", holder, "--authority", authority,
            "--authority-kind", kind, "--generate-for-holder", "--key-out", str(path),
            key=ledger.root,
            env={"LIFELEDGER_NEW_PASSPHRASE": PASS},
        )  # fmt: skip
    for code, name, level in (
        ("CS-XF", "长沙市某区信访局", "county"),
        ("CS-GOV", "长沙市某县人民政府", "county"),
    ):
        ledger.ok("unit", "add", code, "--name", name, "--kind", "administrative",
                  "--level", level)  # fmt: skip
    for no, name, unit, post in (
        ("P001", "王局长", "CS-XF", "局长"),
        ("P002", "李副局长", "CS-XF", "副局长"),
        ("P003", "张委员", "CS-XF", "党组成员"),
        ("P004", "赵县长", "CS-GOV", "县长"),
    ):
        ledger.ok("cadre", "add", no, "--name", name, "--unit", unit, "--post", post,
                  "--since", "2015-01-05")  # fmt: skip
    return ledger


def copy_of(template: CliLedger, directory: Path) -> CliLedger:
    """The template's database in a new directory; the key files are shared."""
    db = directory / "ledger.db"
    shutil.copyfile(template.db, db)
    return CliLedger(directory, db, template.root, template.recorder, template.petition)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> CliLedger:
    return build_template(tmp_path_factory.mktemp("cli-template"))


@pytest.fixture
def ledger(template: CliLedger, tmp_path: Path) -> Iterator[CliLedger]:
    yield copy_of(template, tmp_path)


# case scenarios ---------------------------------------------------------------------------
OPEN = (
    "--incident-date", "2023-03-14", "--opened-on", "2023-04-03", "--ground", "11",
    "--result", "conflict_intensified", "--result", "adverse_impact",
    "--facts", "推诿扯皮，导致矛盾激化",
)  # fmt: skip

DECISION = (
    "--number", "长纪责〔2023〕15号", "--date", "2023-05-08", "--facts", "推诿扯皮，造成不良影响",
    "--basis", "《湖南省信访工作责任追究办法》第四条第（十一）项",
    "--approving-authority", "中共长沙市委", "--effective-date", "2023-05-08",
    "--appeal-authority", "长沙市纪委监委",
)  # fmt: skip


def opened(ledger: CliLedger, case_no: str = "C1") -> str:
    ledger.ok("case", "open", case_no, *OPEN)
    return case_no


def heard(ledger: CliLedger, case_no: str = "C1", person: str = "P001") -> str:
    opened(ledger, case_no)
    ledger.ok("case", "assign", case_no, "--person", person, "--responsibility", "direct",
              "--on", "2023-04-10")  # fmt: skip
    ledger.ok("case", "hear", case_no, "--person", person, "--on", "2023-04-20",
              "--statement", "称已多次协调")  # fmt: skip
    return case_no


def decided(ledger: CliLedger, case_no: str = "C1", person: str = "P001") -> str:
    heard(ledger, case_no, person)
    ledger.ok("case", "decide", case_no, "--person", person, *DECISION,
              "--measure", "transfer")  # fmt: skip
    return case_no


def received(ledger: CliLedger, case_no: str = "C1", person: str = "P001") -> str:
    decided(ledger, case_no, person)
    ledger.ok("case", "receive", case_no, "--person", person, "--on", "2023-05-10")
    return case_no


def tamper_decision_number(db: Path) -> None:
    """The stored decision's number edited in the database file: 长纪责 becomes 长纪委."""
    with sqlite3.connect(db) as conn:
        rowid, state = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE '%.DecisionIssued'"
        ).fetchone()
        edited = state.replace("长纪责".encode(), "长纪委".encode())
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (edited, rowid))


def subcommands(group: click.Group) -> dict[str, click.Command]:
    """A group's commands by name, loading lazily listed ones (``cli.main.LazyGroup``)."""
    ctx = click.Context(group)
    found = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}
