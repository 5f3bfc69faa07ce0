"""Bounded input (issue 13, point 1): every text and event has a documented limit, long texts
come from files, deep JSON and misspelt fields are refused by name; nothing is written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from cli_support import CliLedger, ledger, opened, template
from scenarios import CASE, FACTS, bring_to_hearing, document, open_case, refused

from ledger.application import LedgerApplication
from ledger.commands import execute
from ledger.domain.limits import LONG_TEXT, MAX_EVENT_BYTES, SHORT_TEXT, check_json_depth
from ledger.domain.regulation import PartyType, ResultElement
from ledger.errors import InputTooLargeError, InvalidInputError

__all__ = ["ledger", "template"]

IMPACT = [ResultElement.ADVERSE_IMPACT]
EXT_B = "\U00020000"  # 𠀀, a CJK Extension B character: four bytes in UTF-8


def test_facts_at_the_limit_are_recorded_and_read_back_exactly(app: LedgerApplication) -> None:
    facts = "事" * LONG_TEXT
    app.open_case(CASE, dt.date(2024, 3, 1), (12,), facts, dt.date(2024, 4, 1), IMPACT)
    assert app.case(CASE).facts == facts


def test_facts_over_the_limit_are_refused_naming_field_limit_and_size(
    app: LedgerApplication,
) -> None:
    with refused(app, InputTooLargeError, None) as info:
        app.open_case(
            CASE, dt.date(2024, 3, 1), (12,), "事" * (LONG_TEXT + 1), dt.date(2024, 4, 1), IMPACT
        )
    assert str(info.value) == (
        "the facts field is 20,001 characters long; at most 20,000 are allowed"
    )
    error = info.value
    assert isinstance(error, InputTooLargeError)
    assert (error.field, error.limit, error.size) == ("facts", LONG_TEXT, LONG_TEXT + 1)


def test_a_short_text_over_its_limit_is_refused(app: LedgerApplication) -> None:
    open_case(app)
    bring_to_hearing(app)
    with refused(app, InputTooLargeError, None) as info:
        app.decide(CASE, PartyType.PERSON, "P001", document(number="号" * (SHORT_TEXT + 1)))
    assert str(info.value) == "the number field is 501 characters long; at most 500 are allowed"


def test_an_event_over_the_event_limit_is_refused_naming_the_event(
    app: LedgerApplication,
) -> None:
    open_case(app)
    bring_to_hearing(app)
    big = EXT_B * LONG_TEXT  # within the field limit, 80,000 bytes
    doc = dataclasses.replace(document(), facts=big, basis=big)
    with refused(app, InputTooLargeError, None) as info:
        app.decide(CASE, PartyType.PERSON, "P001", doc)
    assert str(info.value).startswith("the AccountabilityCase.DecisionIssued event holds 16")
    assert str(info.value).endswith(
        f"bytes of text; at most {MAX_EVENT_BYTES:,} are allowed in one event"
    )


def test_a_misspelt_required_field_is_named_with_the_field_meant(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None) as info:
        execute(app, "cadre add", {"personnel_no": "P009", "name": "某", "unit": "CS-XF",
                                   "post": "科员", "snice": "2020-01-01"})  # fmt: skip
    assert str(info.value) == (
        "cadre add: unknown field(s) snice (did you mean since?); see `lifeledger cadre add --help`"
    )


def test_json_nested_deeper_than_the_limit_is_refused_unread() -> None:
    check_json_depth('{"a": [[[["]]]]]]]]"]]]]}', "x")  # brackets inside strings do not count
    with pytest.raises(InvalidInputError) as info:
        check_json_depth("[" * 100_000 + "]" * 100_000, "the line")
    assert str(info.value) == "the line nests JSON deeper than 16 levels; refused unread"


# through the command line -----------------------------------------------------------------
OPEN_ARGS = ("--incident-date", "2023-03-14", "--opened-on", "2023-04-03", "--ground", "11",
             "--result", "conflict_intensified", "--result", "adverse_impact")  # fmt: skip


def test_facts_come_from_a_file(ledger: CliLedger, tmp_path: Path) -> None:
    text = "第一段事实。\n第二段事实，另起一行。"
    path = tmp_path / "facts.txt"
    path.write_text(text + "\n", encoding="utf-8")
    ledger.ok("case", "open", "C1", *OPEN_ARGS, "--facts-file", str(path))
    assert ledger.json("case", "show", "C1")["facts"] == text


def test_facts_come_from_standard_input(ledger: CliLedger) -> None:
    ledger.ok("case", "open", "C1", *OPEN_ARGS, "--facts-file", "-", input=FACTS)
    assert ledger.json("case", "show", "C1")["facts"] == FACTS


def test_a_statement_file_over_the_limit_is_refused_and_nothing_is_written(
    ledger: CliLedger,
    tmp_path: Path,
) -> None:
    opened(ledger)
    ledger.ok("case", "assign", "C1", "--person", "P001", "--responsibility", "direct",
              "--on", "2023-04-10")  # fmt: skip
    path = tmp_path / "statement.txt"
    path.write_text("说" * (LONG_TEXT + 1), encoding="utf-8")
    before = ledger.event_count()
    err = ledger.refused("case", "hear", "C1", "--person", "P001", "--on", "2023-04-20",
                         "--statement-file", str(path))  # fmt: skip
    assert (
        err == "Error: the statement field is 20,001 characters long; at most 20,000 are allowed\n"
    )
    assert ledger.event_count() == before


def test_a_text_and_its_file_together_are_bad_usage(ledger: CliLedger, tmp_path: Path) -> None:
    path = tmp_path / "facts.txt"
    path.write_text("x", encoding="utf-8")
    before = ledger.event_count()
    result = ledger.run("case", "open", "C1", *OPEN_ARGS, "--facts", "y", "--facts-file", str(path))
    assert result.exit_code == 2
    assert "Error: give --facts or --facts-file, not both" in result.stderr
    result = ledger.run("case", "open", "C1", *OPEN_ARGS)
    assert result.exit_code == 2
    assert (
        "Error: Missing option '--facts' (or '--facts-file PATH', '-' for stdin)." in result.stderr
    )
    assert ledger.event_count() == before


def test_import_refuses_an_oversized_line_a_deep_line_and_a_long_text_and_goes_on(
    ledger: CliLedger,
    tmp_path: Path,
) -> None:
    good = {"command": "case open", "case_no": "C9", "incident_date": "2023-03-14",
            "opened_on": "2023-04-03", "ground": [11],
            "result": ["conflict_intensified", "adverse_impact"], "facts": "f"}  # fmt: skip
    lines = [
        json.dumps({**good, "case_no": "C1", "facts": "x" * (1 << 20)}),
        '{"command": "case open", "facts": ' + "[" * 50_000 + "]" * 50_000 + "}",
        json.dumps({**good, "case_no": "C2", "facts": "事" * 30_000}, ensure_ascii=False),
        json.dumps(good),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = ledger.event_count()
    result = ledger.run("--json", "import", str(path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert report["applied"] == 1
    assert report["refused"] == [
        {"line": 1, "command": "",
         "error": f"the line is {len(lines[0]):,} bytes long; at most 524,288 are allowed"},
        {"line": 2, "command": "",
         "error": "the line nests JSON deeper than 16 levels; refused unread"},
        {"line": 3, "command": "case open",
         "error": "the facts field is 30,000 characters long; at most 20,000 are allowed"},
    ]  # fmt: skip
    assert ledger.event_count() == before + 2  # the applied line and its idempotency record
    assert ledger.json("case", "show", "C9")["case_no"] == "C9"


def test_proof_verify_refuses_a_deep_document_without_a_traceback(
    ledger: CliLedger,
    tmp_path: Path,
) -> None:
    path = tmp_path / "proof.json"
    path.write_text('{"format": ' + "[" * 100_000 + "]" * 100_000 + "}")
    err = ledger.refused("proof", "verify", str(path), "--root-fingerprint", "00", key=None)
    assert err == f"Error: proof {path} nests JSON deeper than 16 levels; refused unread\n"


def test_bundle_verify_reports_a_deep_line_without_a_traceback(
    ledger: CliLedger,
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "ledger.audit.bundle"
    ledger.ok("bundle", "export", str(bundle), key=None)
    fingerprint = ledger.json("verify", key=None)["root_fingerprint"]
    lines = bundle.read_bytes().splitlines(keepends=True)
    lines.insert(2, b'{"kind":"event",' + b"[" * 100_000 + b"]" * 100_000 + b"}\n")
    bundle.write_bytes(b"".join(lines))
    result = ledger.run("bundle", "verify", str(bundle), "--root-fingerprint", fingerprint,
                        key=None)  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "the line nests JSON deeper than 16 levels; refused unread" in result.output
