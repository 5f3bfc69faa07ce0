"""`lifeledger init`, `demo` and `import`: making ledgers and loading historical records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from cli_support import PASS, CliLedger, invoke, ledger, template
from conftest import drop_schema, require_postgres

__all__ = ["ledger", "template"]


# init -----------------------------------------------------------------------------------------
def test_init_creates_the_ledger_and_prints_the_root_fingerprint(tmp_path: Path) -> None:
    db, key = tmp_path / "l.db", tmp_path / "root.pem"
    result = invoke(["--db", str(db), "init", "--holder", "刘敏", "--authority", "湖南省委组织部",
                     "--key-out", str(key)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert key.exists() and (key.stat().st_mode & 0o777) == 0o600
    lines = result.stdout.splitlines()
    assert lines[0] == f"Ledger created in SQLite file {db}."
    assert lines[2] == "Root fingerprint (pin this for auditors):"
    assert len(lines[3].strip()) == 64
    assert "Keep" in result.stderr


def test_init_as_json(tmp_path: Path) -> None:
    db, key = tmp_path / "l.db", tmp_path / "root.pem"
    result = invoke(["--db", str(db), "--json", "init", "--holder", "刘敏", "--authority", "组织部",
                     "--key-out", str(key)])  # fmt: skip
    data = json.loads(result.stdout)
    assert sorted(data) == [
        "db", "key_file", "recovery_key_file", "recovery_key_id", "root_fingerprint",
        "root_key_id",
    ]  # fmt: skip
    assert data["recovery_key_file"] == str(tmp_path / "root.recovery.pem")
    assert data["root_fingerprint"].startswith(data["root_key_id"])


def test_init_refuses_a_ledger_that_exists_and_leaves_no_key_behind(
    ledger: CliLedger, tmp_path: Path
) -> None:
    key = tmp_path / "second.pem"
    err = ledger.refused("init", "--holder", "x", "--authority", "y", "--key-out", str(key),
                         key=None)  # fmt: skip
    assert err == (
        f"Error: SQLite file {ledger.db} already holds a ledger; give another --db to make a "
        "new one\n"
    )
    assert not key.exists()


def test_init_refuses_to_overwrite_a_key_file(tmp_path: Path) -> None:
    key = tmp_path / "root.pem"
    key.write_text("precious")
    result = invoke(["--db", str(tmp_path / "l.db"), "init", "--holder", "x", "--authority", "y",
                     "--key-out", str(key)])  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == f"Error: key file {key} already exists; refusing to overwrite it\n"
    assert key.read_text() == "precious"
    assert not (tmp_path / "l.db").exists()


def test_init_without_a_passphrase_and_no_terminal_is_refused(tmp_path: Path) -> None:
    result = invoke(["--db", str(tmp_path / "l.db"), "init", "--holder", "x", "--authority", "y",
                     "--key-out", str(tmp_path / "k.pem")],
                    env={"LIFELEDGER_PASSPHRASE": None})  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no passphrase: set LIFELEDGER_PASSPHRASE or run on a terminal\n"
    )


def test_init_refuses_a_foreign_file(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("shopping list")
    result = invoke(["--db", str(db), "init", "--holder", "x", "--authority", "y",
                     "--key-out", str(tmp_path / "k.pem")])  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == f"Error: {db} is not a lifeledger database (not an SQLite file)\n"


@pytest.mark.postgres
def test_init_on_postgresql(tmp_path: Path) -> None:
    require_postgres()
    from conftest import PG_URL

    url = f"{PG_URL}?schema=t_cli_init_{tmp_path.name[-8:].lower()}"
    try:
        result = invoke(["--db", url, "--json", "init", "--holder", "x", "--authority", "y",
                         "--key-out", str(tmp_path / "k.pem")])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["db"].startswith("PostgreSQL ")
    finally:
        drop_schema(url)


@pytest.mark.postgres
def test_demo_import_and_reads_on_postgresql(tmp_path: Path) -> None:
    require_postgres()
    from conftest import PG_URL

    url = f"{PG_URL}?schema=t_cli_demo_{tmp_path.name[-8:].lower()}"
    try:
        made = invoke(["--db", url, "--json", "demo", "--keys-dir", str(tmp_path / "keys")])
        assert made.exit_code == 0, made.output
        data = json.loads(made.stdout)
        schema = url.rsplit("=", 1)[1]
        assert data["documents"] == [
            str(tmp_path / f"lifeledger-demo-{schema}-decision-CS-2023-015-P2001.docx"),
            str(tmp_path / f"lifeledger-demo-{schema}-annual-2023.xlsx"),
        ]
        verified = invoke(["--db", url, "document", "verify", data["documents"][0]])
        assert verified.exit_code == 0, verified.output
        key = ["--db", url, "--key", data["recorder_key"]]
        lines = tmp_path / "in.jsonl"
        lines.write_text(_lines({**OPEN_LINE, "case_no": "PG-1"}))
        imported = invoke([*key, "import", str(lines)])
        assert imported.exit_code == 0, imported.output
        shown = json.loads(invoke(["--db", url, "--json", "case", "show", "PG-1"]).stdout)
        assert shown["grounds"][0]["number"] == 11
        history = invoke(["--db", url, "cadre", "history", "P1002"])
        assert "CS-2021-007" in history.stdout
    finally:
        drop_schema(url)


def test_an_unreachable_postgresql_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = invoke(["--db", "postgresql://nobody@127.0.0.1:1/none", "key", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot connect to PostgreSQL nobody@127.0.0.1:1/none schema lifeledger:"
    )
    assert "Traceback" not in result.output


# demo -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    result = invoke(["--db", str(db), "--json", "demo"], env={"LIFELEDGER_PASSPHRASE": None})
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout)


def test_demo_json_lists_what_it_made(demo_db: tuple[Path, dict[str, object]]) -> None:
    db, data = demo_db
    assert sorted(data) == [
        "as_of", "cadres", "cases", "db", "documents", "keys", "keys_dir", "recorder_key",
        "root_fingerprint", "units",
    ]  # fmt: skip
    assert data["documents"] == [
        str(db.with_name("demo-decision-CS-2023-015-P2001.docx")),
        str(db.with_name("demo-annual-2023.xlsx")),
    ]
    assert data["cases"][:3] == ["CS-2021-007", "CS-2016-003", "CS-2023-015"]  # type: ignore[index]
    assert data["units"] == ["CS-XG-GOV", "CS-XF", "CS-YY-HOSP", "CS-HT-TOWN"]
    assert data["keys_dir"] == f"{db}.keys"
    statuses = {Path(str(k["file"])).name: k["status"] for k in data["keys"]}  # type: ignore[attr-defined]
    assert statuses == {
        "root.pem": "active", "organisation.pem": "revoked", "discipline-old.pem": "rotated",
        "discipline.pem": "active", "petition.pem": "active",
    }  # fmt: skip


def test_demo_keys_open_with_the_documented_passphrase(
    demo_db: tuple[Path, dict[str, object]],
) -> None:
    db, data = demo_db
    result = invoke(["--db", str(db), "--key", str(data["recorder_key"]), "--json", "case", "hear",
                     "CS-2023-015", "--person", "P2001", "--on", "2023-06-10",
                     "--statement", "s"],
                    env={"LIFELEDGER_PASSPHRASE": "lifeledger-demo"})  # fmt: skip
    # the case is closed: the key opened and signed, and the rule refused the event
    assert result.exit_code == 1
    error = json.loads(result.stderr)  # under --json, the refusal is a JSON object
    assert error["error"].startswith("case CS-2023-015 is closed (已结案)")
    assert error["rule"] == "closed case"


def test_demo_refuses_a_ledger_that_is_not_empty(ledger: CliLedger) -> None:
    err = ledger.refused("demo", key=None)
    assert err == (
        f"Error: SQLite file {ledger.db} already holds a ledger; the demo needs an empty one "
        "(give another --db)\n"
    )


def test_demo_refuses_to_overwrite_keys_of_an_earlier_demo(tmp_path: Path) -> None:
    keys = tmp_path / "d.db.keys"
    keys.mkdir()
    (keys / "root.pem").write_text("old")
    result = invoke(["--db", str(tmp_path / "d.db"), "demo"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {keys / 'root.pem'} already exists; remove {keys} (keys of an earlier demo) "
        "or give another --db\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.db.keys"]  # no ledger file made


def test_demo_prints_the_default_passphrase_to_stderr(tmp_path: Path) -> None:
    result = invoke(["--db", str(tmp_path / "d.db"), "demo"], env={"LIFELEDGER_PASSPHRASE": None})
    assert result.exit_code == 0, result.output
    assert 'demo passphrase "lifeledger-demo"' in result.stderr
    assert result.stdout.startswith(f"Demo ledger built in SQLite file {tmp_path / 'd.db'}.")
    assert "CS-2021-007" in result.stdout


# import ---------------------------------------------------------------------------------------
def _lines(*records: Mapping[str, object] | str) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                     for r in records) + "\n"  # fmt: skip


OPEN_LINE: dict[str, object] = {
    "command": "case open", "case_no": "H1", "incident_date": "2019-03-02",
    "opened_on": "2019-05-10", "ground": [11], "result": ["conflict_intensified", "adverse_impact"],
    "facts": "推诿扯皮",
}  # fmt: skip
HISTORY: list[dict[str, object]] = [
    OPEN_LINE,
    {"command": "case assign", "case_no": "H1", "person": "P001",
     "responsibility": "direct", "on": "2019-05-12"},
    {"command": "case hear", "case_no": "H1", "person": "P001", "on": "2019-05-20",
     "statement": "承认"},
    {"command": "case decide", "case_no": "H1", "person": "P001", "number": "长纪责〔2019〕4号",
     "date": "2019-06-03", "facts": "f", "basis": "b", "measure": ["admonition_talk"],
     "approving_authority": "中共长沙市委", "effective_date": "2019-06-03",
     "appeal_authority": "长沙市纪委监委"},
    {"command": "case announce", "case_no": "H1", "person": "P001", "on": "2019-06-05",
     "to": "本人"},
]  # fmt: skip


def test_import_applies_every_line_and_summarises(ledger: CliLedger, tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text(_lines(*HISTORY[:3], "", *HISTORY[3:]), encoding="utf-8")
    before, commands = ledger.event_count(), ledger.command_event_count()
    result = ledger.ok("import", str(path))
    assert result.stdout == "Imported: 5 line(s) applied, 0 already applied, 0 refused, 1 blank.\n"
    assert ledger.command_event_count() == commands + 5
    assert ledger.event_count() == before + 5 + 5  # and each line's idempotency record
    state = ledger.json("case", "show", "H1", key=None)
    assert state["parties"][0]["decision"]["announcement"]["on"] == "2019-06-05"


UNKNOWN_GROUND = "ground 17 is not one of Art. 4 items (一)…(十六) (1–16) (Art. 4: unknown ground)"


def test_import_reports_refused_lines_by_number_and_goes_on(
    ledger: CliLedger, tmp_path: Path
) -> None:
    bad_ground = {**OPEN_LINE, "case_no": "H2", "ground": [17]}
    typo = {**OPEN_LINE, "case_no": "H3", "fatcs": "x"}
    path = tmp_path / "history.jsonl"
    path.write_text(_lines(HISTORY[0], bad_ground, "{not json", typo, HISTORY[1]))
    result = ledger.run("--json", "import", str(path))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["applied"] == 2
    assert data["ok"] is False
    assert data["not_attempted"] is None
    assert data["refused"] == [
        {"line": 2, "command": "case open", "error": UNKNOWN_GROUND},
        {"line": 3, "command": "", "error": "not valid JSON: Expecting property name enclosed in "
                                            "double quotes at column 2"},
        {"line": 4, "command": "case open",
         "error": "case open: unknown field(s) fatcs (did you mean facts?); see "
                  "`lifeledger case open --help`"},
    ]  # fmt: skip
    assert "Refused: line 2 (case open): ground 17" in result.stderr


def test_import_stops_at_the_first_refusal_when_asked_and_resumes(
    ledger: CliLedger, tmp_path: Path
) -> None:
    path = tmp_path / "history.jsonl"
    lines = [HISTORY[0], HISTORY[2], *HISTORY[1:]]  # hearing before the finding: refused
    path.write_text(_lines(*lines))
    result = ledger.run("import", "--stop-on-error", str(path))
    assert result.exit_code == 1
    assert result.stdout == (
        "Imported: 1 line(s) applied, 0 already applied, 1 refused, 0 blank.\n"
        "Refused lines: 2\n"
        "Not attempted: lines 3–6; resume from line 3: run the same file again (lines already "
        "applied are skipped)\n"
    )
    assert result.stderr == (
        "Refused: line 2 (case hear): 个人 P001 is not a party to case H1; assign "
        "responsibility first\n"
    )
    resumed = ledger.ok("import", "--from-line", "3", str(path))
    assert resumed.stdout == "Imported: 4 line(s) applied, 0 already applied, 0 refused, 0 blank.\n"


def test_import_writes_refused_lines_to_a_rejects_file(ledger: CliLedger, tmp_path: Path) -> None:
    path, rejects = tmp_path / "in.jsonl", tmp_path / "rejects.jsonl"
    bad = _lines({**OPEN_LINE, "case_no": "H9", "opened_on": "2019-01-01"}).strip()
    path.write_text(_lines(HISTORY[0], bad))
    result = ledger.run("import", "--rejects", str(rejects), str(path))
    assert result.exit_code == 1
    assert rejects.read_text() == bad + "\n"
    assert f"Refused lines written to {rejects}" in result.stdout


def test_import_warns_of_late_records_but_applies_them(ledger: CliLedger, tmp_path: Path) -> None:
    late = {**HISTORY[4], "on": "2019-08-01"}
    path = tmp_path / "in.jsonl"
    path.write_text(_lines(*HISTORY[:4], late))
    result = ledger.run("import", str(path))
    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: line 5 (case announce): announced on 2019-08-01, after the 30-day period of "
        "Art. 11 ended on 2019-07-03 (a rest day extends it: 民法典 art. 203 practice, not the "
        "Measures): recorded and flagged overdue\n"
    )


def test_import_reads_stdin(ledger: CliLedger) -> None:
    result = ledger.run("import", "-", input=_lines(HISTORY[0]))
    assert result.exit_code == 0, result.output
    assert result.stdout == "Imported: 1 line(s) applied, 0 already applied, 0 refused, 0 blank.\n"


def test_import_refuses_unknown_commands_and_key_management(
    ledger: CliLedger, tmp_path: Path
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_lines({"command": "key revoke", "key_id": "x"}, {"no": "command"}))
    data = json.loads(ledger.run("--json", "import", str(path)).stdout)
    assert [r["error"][:30] for r in data["refused"]] == [
        "unknown command 'key revoke'; ",
        'the line names no "command" (e',
    ]


def test_import_of_a_missing_file_is_bad_usage(ledger: CliLedger, tmp_path: Path) -> None:
    result = ledger.run("import", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_import_signs_with_the_given_key_and_checks_its_authority(
    ledger: CliLedger, tmp_path: Path
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_lines(HISTORY[0]))
    result = ledger.run("import", str(path), key=ledger.petition)
    assert result.exit_code == 1
    assert "(Art. 6: only discipline organs and organisation departments)" in result.stderr


def test_import_needs_a_passphrase(ledger: CliLedger, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_lines(HISTORY[0]))
    err = ledger.refused("import", str(path), env={"LIFELEDGER_PASSPHRASE": PASS + "x"})
    assert err == (
        f"Error: cannot open key file {ledger.recorder}: wrong passphrase or not a private key\n"
    )
