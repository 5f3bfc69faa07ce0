"""`--json` on every command, before or after it, refusals and bad usage under it as one JSON
object of one shape on stderr, and `--format` on every list and report (issue 14, point 3)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from cli_support import OPEN, CliLedger, decided, invoke, ledger, subcommands, template

from cli.main import cli

__all__ = ["ledger", "template"]

#: The keys every refusal under --json carries (``hint``, ``usage`` and ``where`` if known).
SHAPE = {"error", "kind", "article", "rule"}


def _walk(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in subcommands(group).items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _walk(command, f"{prefix}{name} ")


ALL = dict(_walk(cli))


@pytest.mark.parametrize("path", sorted(ALL))
def test_every_command_and_group_takes_json_after_its_name(path: str) -> None:
    names = {opt for p in ALL[path].params for opt in getattr(p, "opts", [])}
    assert "--json" in names


def _refusal(stderr: str) -> dict[str, object]:
    doc = json.loads(stderr)
    assert isinstance(doc, dict) and set(doc) >= SHAPE, doc
    return doc


def _stable(text: str) -> object:
    """A JSON document without its timings (they differ from one run to the next)."""
    doc = json.loads(text)
    for key in ("seconds", "events_per_second"):
        doc.pop(key, None)
    doc.get("read_models", {}).pop("seconds", None)
    return doc


def test_json_before_or_after_the_command_gives_the_same_document(ledger: CliLedger) -> None:
    decided(ledger)
    ledger.ok("checkpoint", key=ledger.root)
    for args in (["verify"], ["checkpoint", "list"], ["key", "list"], ["case", "timeline", "C1"],
                 ["cadre", "history", "P001"], ["report", "annual", "--year", "2023"]):  # fmt: skip
        before = ledger.ok("--json", *args, key=None).stdout
        after = ledger.ok(*args, "--json", key=None).stdout
        assert _stable(before) == _stable(after), args


def test_checkpoint_make_bundle_and_proof_answer_in_json_after_the_command(
    ledger: CliLedger, tmp_path: Path
) -> None:
    decided(ledger)
    made = json.loads(ledger.ok("checkpoint", "--json", key=ledger.root).stdout)
    assert made["new"] is True and made["tree_size"] > 0
    bundle = tmp_path / "audit.bundle"
    exported = json.loads(ledger.ok("bundle", "export", str(bundle), "--json", key=None).stdout)
    fingerprint = exported["root_fingerprint"]
    checked = ledger.ok("bundle", "verify", str(bundle), "--root-fingerprint", fingerprint,
                        "--json", key=None)  # fmt: skip
    assert json.loads(checked.stdout)["ok"] is True
    proof = tmp_path / "p001.proof"
    ledger.ok("proof", "cadre", "P001", "--out", str(proof), "--json", key=None)
    verified = invoke(["proof", "verify", str(proof), "--root-fingerprint", fingerprint, "--json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["ok"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "open", "C9", "--json"], "Missing option '--incident-date'."),
        (["--json", "case", "open"], "Missing argument 'CASE_NO'."),
        (["case", "show", "C1", "--no-such-option", "--json"], "No such option: --no-such-option"),
        (["--json", "deadlines", "--as-of", "yesterday"], "Invalid value for '--as-of'"),
        (["--json", "no-such-command"], "No such command 'no-such-command'."),
    ],
)
def test_bad_usage_under_json_is_one_json_object_on_stderr_with_exit_2(
    ledger: CliLedger, args: list[str], message: str
) -> None:
    result = ledger.run(*args, key=None)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    doc = _refusal(result.stderr)
    assert doc["kind"] == "UsageError"
    assert str(doc["error"]).startswith(message.split(":")[0].rstrip("."))
    assert doc["article"] is None and doc["rule"] is None
    assert str(doc["hint"]).startswith("Try 'lifeledger")


def test_bad_usage_without_json_stays_clicks_text(ledger: CliLedger) -> None:
    result = ledger.run("case", "open", "C9", key=None)
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: lifeledger case open [OPTIONS] CASE_NO\n")
    assert result.stderr.endswith("Error: Missing option '--incident-date'.\n")


def test_a_refusal_by_a_rule_and_a_file_that_is_not_a_key_share_the_json_shape(
    ledger: CliLedger, tmp_path: Path
) -> None:
    decided(ledger)
    rule = ledger.run("case", "close", "C1", "--on", "2023-05-09", "--summary", "结案", "--json")
    assert rule.exit_code == 1
    doc = _refusal(rule.stderr)
    assert doc["kind"] == "RuleViolationError" and doc["article"] == "Art. 11"
    not_a_key = tmp_path / "notes.pem"
    not_a_key.write_text("会议记录\n", encoding="utf-8")
    result = ledger.run("case", "open", "C7", *OPEN, "--json", key=not_a_key)
    assert result.exit_code == 1
    assert _refusal(result.stderr)["kind"] == "KeyFileError"


# --format on every list and report ----------------------------------------------------------
def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_timeline_history_rating_and_annual_report_come_as_csv_tsv_jsonl_and_markdown(
    ledger: CliLedger,
) -> None:
    decided(ledger)
    timeline = _csv(ledger.ok("case", "timeline", "C1", "--format", "csv", key=None).stdout)
    assert [r["event_label"] for r in timeline] == ["立案", "认定责任", "听取说明和申辩",
                                                     "作出责任追究决定"]  # fmt: skip
    assert timeline[0]["key_status_then"] == "有效"
    history = _csv(ledger.ok("cadre", "history", "P001", "--format", "csv", key=None).stdout)
    assert [(r["case_no"], r["measures_in_force"], r["case_status"]) for r in history] == [
        ("C1", "调离岗位", "办理中")
    ]
    rating = ledger.ok("unit", "rating", "CS-XF", "--year", "2023", "--format", "tsv", key=None)
    assert rating.stdout == (  # a decision on a person does not count against the unit
        "case_no\tdecision_number\tdecided_on\tstatus_label\tmeasures_in_force\tcounted\n"
    )
    annual = ledger.ok("report", "annual", "--year", "2023", "--format", "jsonl", key=None)
    figures = [json.loads(line) for line in annual.stdout.splitlines()]
    assert {"section": "cases", "item": "opened", "code": "", "count": 1} in figures
    assert {"section": "measures (Art. 7)", "item": "调离岗位", "code": "transfer",
            "count": 1} in figures  # fmt: skip
    markdown = ledger.ok("case", "timeline", "C1", "--format", "markdown", key=None).stdout
    assert markdown.splitlines()[0].startswith("| position | business_date | event_label |")


def test_table_is_the_default_and_text_still_names_the_annual_report_table(
    ledger: CliLedger,
) -> None:
    decided(ledger)
    reports = (
        ["case", "timeline", "C1"],
        ["report", "annual", "--year", "2023"],
        ["cadre", "history", "P001"],
        ["unit", "rating", "CS-XF", "--year", "2023"],
    )
    for args in reports:
        plain = ledger.ok(*args, key=None).stdout
        assert ledger.ok(*args, "--format", "table", key=None).stdout == plain
    annual = ["report", "annual", "--year", "2023"]
    assert (
        ledger.ok(*annual, "--format", "text", key=None).stdout
        == ledger.ok(*annual, key=None).stdout
    )
    assert json.loads(ledger.ok(*annual, "--format", "json", key=None).stdout) == json.loads(
        ledger.ok(*annual, "--json", key=None).stdout
    )


def test_verify_lists_its_failures_as_csv_and_exits_1_on_a_tampered_ledger(
    ledger: CliLedger,
) -> None:
    import sqlite3

    decided(ledger)
    clean = ledger.run("verify", "--format", "csv", key=None)
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == "check,position,record,topic,version,tree_size,message\n"
    with sqlite3.connect(ledger.db) as conn:  # the facts edited in the stored bytes
        old, new = "推诿扯皮".encode(), "工作疏忽".encode()
        rows = conn.execute("SELECT rowid, state FROM stored_events").fetchall()
        edited = [(bytes(state).replace(old, new), rowid) for rowid, state in rows
                  if old in bytes(state)]  # fmt: skip
        assert edited
        conn.executemany("UPDATE stored_events SET state = ? WHERE rowid = ?", edited)
    tampered = ledger.run("verify", "--format", "csv", key=None)
    assert tampered.exit_code == 1
    rows = _csv(tampered.stdout)
    assert rows and all(r["check"] and r["message"] for r in rows)
    assert any(r["record"] == "case C1" for r in rows)


def test_checkpoint_list_comes_as_csv(ledger: CliLedger) -> None:
    decided(ledger)
    ledger.ok("checkpoint", key=ledger.root)
    rows = _csv(ledger.ok("checkpoint", "list", "--format", "csv", key=None).stdout)
    assert [(r["tree_size"], r["cosigned_by"]) for r in rows] == [(rows[0]["tree_size"], "")]
    assert int(rows[0]["tree_size"]) > 0


def test_positions_and_key_labels_read_the_same_in_key_list_verify_and_the_timeline(
    ledger: CliLedger,
) -> None:
    """One numbering (log positions from 0, the Merkle leaf index) and one set of words."""
    decided(ledger)
    listed = {k["key_id"]: k for k in ledger.json("key", "list", key=None)["keys"]}
    verified = {k["key_id"]: k for k in ledger.json("verify", key=None)["keys"]}
    assert listed.keys() == verified.keys()
    for key_id, k in listed.items():
        for field in ("registered_at", "ended_at", "status", "status_label", "role_label",
                      "authority_kind_label"):  # fmt: skip
            assert verified[key_id][field] == k[field], (key_id, field)
    assert min(k["registered_at"] for k in listed.values()) == 0  # the root: the first event
    timeline = [e["position"] for e in ledger.json("case", "timeline", "C1", key=None)["events"]]
    ledger.ok("checkpoint", key=ledger.root)
    proof = ledger.dir / "c1.proof"
    ledger.ok("proof", "case", "C1", "--out", str(proof), key=None)
    proven = json.loads(proof.read_text(encoding="utf-8"))["events"]
    case_id = proven[-1]["originator_id"]
    assert [e["position"] for e in proven if e["originator_id"] == case_id] == timeline
