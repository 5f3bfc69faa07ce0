"""Nothing left in English in the Chinese command line (issue 14 point 4): every command's help
and a broad set of runs on the demo ledger (lists, shows, reports, verify passing and failing,
refusals and bad usage), under ``LIFELEDGER_LANG=zh_CN``.

A run fails on an English word of the catalog's own English messages (a message or label that
missed translation) and on an enum code where its label belongs (``admonition_talk``,
``revoked``). What a user types or reads as a code stays: option names, metavars, command
lines (``lifeledger case show …``), file names and paths, key ids, roots, personnel numbers,
unit codes, pinyin, and in help texts the values an option takes (``--severity minor``).

Everything runs in one fresh process per batch: help texts given as ``help=_(…)`` are
translated when their module is imported, so a process that imported them in English first
would show English for a reason that no user meets.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import click
import pytest
from babel.messages.pofile import read_po
from cli_support import tamper_decision_number

from ledger.domain import regulation
from projections import labels

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "ledger/locale/zh_CN/LC_MESSAGES/lifeledger.po"
PASSPHRASE = "lifeledger-demo"

#: Runs each argument list through the command line in-process, in one new process.
RUNNER = """
import json, sys
from click.testing import CliRunner
from cli.main import cli
runs = []
for args in json.loads(sys.stdin.read()):
    r = CliRunner().invoke(cli, args, prog_name="lifeledger")
    runs.append({"args": args, "stdout": r.stdout, "stderr": r.stderr, "code": r.exit_code})
print(json.dumps(runs, ensure_ascii=False))
"""


def run_batch(runs: Sequence[Sequence[str]], cwd: Path) -> list[dict[str, Any]]:
    """Each argument list run under zh_CN, in ``cwd`` (the demo's folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFELEDGER_", "LC_"))}
    env.pop("LANGUAGE", None)
    env.pop("COLUMNS", None)
    env.update(
        LIFELEDGER_LANG="zh_CN",
        LANG="C.UTF-8",
        NO_COLOR="1",
        LIFELEDGER_DB=str(cwd / "lifeledger.db"),
        LIFELEDGER_KEY=str(cwd / "lifeledger.db.keys" / "discipline.pem"),
        LIFELEDGER_PASSPHRASE=PASSPHRASE,
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([list(r) for r in runs]),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    )
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ledger, made by ``lifeledger demo`` in a folder of its own."""
    folder = tmp_path_factory.mktemp("demo")
    (made,) = run_batch([["demo"]], folder)
    assert made["code"] == 0, made["stderr"]
    return folder


# what counts as English ----------------------------------------------------------------------
def _codes() -> set[str]:
    """Every enum code the ledger stores where the user should read a label."""
    found: set[str] = set()
    for value in vars(regulation).values():
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
            found.update(member.value for member in value)
    for table in (
        labels.CASE_STATUS_LABELS,
        labels.DECISION_STATUS_LABELS,
        labels.KEY_STATUS_LABELS,
        labels.PERIOD_STATUS_LABELS,
        labels.STEP_LABELS,
        labels.TOLD_LABELS,
    ):
        found.update(table)
    return {c for c in found if re.fullmatch(r"[a-z_]{3,}", c)}


CODES = _codes()
#: Words of the English messages that Chinese output may hold: names of formats, standards and
#: programs, and the words of the few codes the user types (``C2SP tlog-checkpoint``).
TECHNICAL = {
    "json", "jsonl", "csv", "tsv", "markdown", "table", "sqlite", "postgresql", "utf", "rfc",
    "docx", "xlsx", "pdf", "pkcs", "sha", "url", "libpq", "pgpass", "schema", "host", "port",
    "user", "dbname", "bash", "zsh", "fish", "eval", "source", "lifeledger", "ctrl", "sigterm",
    "lines", "tlog", "checkpoint", "ledger", "demo", "psql",
}  # fmt: skip


def _english_words() -> set[str]:
    """The words of the catalog's English messages (three letters or more)."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    words: set[str] = set()
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else [message.id]:
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", msgid))
    return words - TECHNICAL


#: Spans that are read or typed as they are, removed before words are looked at.
TYPED = [
    r"\((?:'[^']*'|None|-?\d+|, )*\)",  # a stored row, as verify quotes it
    r"\b[A-Z]\w+\.[A-Z]\w+(?: v\d+)?",  # an event's topic (AccountabilityCase.Opened v1)
    r"`[^`]*`",  # a command quoted in text
    r"lifeledger(?:[ \t]+[\x21-\x7e]+)*",  # a command line to run
    r"\b[0-9a-f]{16,64}\b",  # key ids, fingerprints, digests
    r"[A-Za-z0-9+/]{40,}={0,2}",  # Merkle roots, signatures
    r"[\x21-\x7e]*/[\x21-\x7e]*",  # paths, URLs, GB/T
    r"[\w.-]+\.(?:db|pem|pub|docx|xlsx|pdf|json|jsonl|csv|txt)\b",  # file names
    r"\w+=[^\s，。；）]*",  # key=value
    r'"\w+":',  # the fields of a JSON line (an import file)
    r"'[^']*'",  # a value quoted as given or as stored
    r"--?[A-Za-z][\w-]*",  # options
    r"\b[A-Z][A-Z0-9_]+\b",  # metavars (FILE, CASE_NO), unit codes (CS-XG-GOV)
    r"\bP\d+\b",  # personnel numbers
    r"C2SP tlog-checkpoint|JSON Lines|Ed25519|PKCS#8|LL1-<kind>[^\s）]*",
    r"hewei、he wei、hw",  # pinyin a search takes
]


def untranslated(
    text: str, words: set[str], typed_values: set[str], pinyin: Sequence[str] = ()
) -> list[str]:
    """The lines of ``text`` holding an English word of the catalog or a raw code, each with
    the words found; ``typed_values`` are codes the user types here (an option's values)."""
    found = []
    for line in text.splitlines():
        rest = line
        for syllables in pinyin:
            rest = rest.replace(syllables, " ")
        for pattern in TYPED:
            rest = re.sub(pattern, " ", rest)
        bad = [
            token
            for token in re.findall(r"[A-Za-z][A-Za-z_]*[A-Za-z]", rest)
            if token not in typed_values
            and (token in CODES or (token.lower() in words and token.lower() not in TECHNICAL))
        ]
        if bad:
            found.append(f"{line.strip()}  <- {', '.join(dict.fromkeys(bad))}")
    return found


def test_the_checker_finds_an_english_message_and_a_raw_code_but_not_what_users_type() -> None:
    words = _english_words()
    assert untranslated("错误：no case CS-1", words, set()) == ["错误：no case CS-1  <- case"]
    assert untranslated("措施：admonition_talk", words, set()) == [
        "措施：admonition_talk  <- admonition_talk"
    ]
    typed = (
        "下一步：lifeledger case show CS-2021-007\n"
        "  --severity SEVERITY  单位的情节：minor (情节较轻)\n"
        "已写入 lifeledger.db.keys/root.pem；根 2jjoaSjIj+iSL8L2sROJRJLuQtJdehn+scVjSuPO++8=\n"
        "密钥 6cb9d62f4e2911a4 · 人员 P1002 · 单位 CS-XG-GOV · 拼音 qian li xin"
    )
    assert untranslated(typed, words, {"minor"}, ["qian li xin"]) == []


# help ------------------------------------------------------------------------------------------
def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, (*path, name))


def _typed(command: click.Command) -> set[str]:
    """What the user types on this command line: command names, parameter names (also the
    fields of an import line) and every value an option takes (codes)."""
    values: set[str] = set()
    for param in command.params:
        values.update(re.findall(r"[a-z]+", param.name or ""))
        if isinstance(param.type, click.Choice):
            values.update(str(c) for c in param.type.choices)
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            values.update(name.split("-"))
            values |= _typed(sub)
    return values


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_every_help_page_is_in_chinese_and_fits_an_80_column_terminal(demo: Path) -> None:
    """(click's test runner wraps help at 80 columns.)"""
    from cli.main import cli

    commands = list(_commands(cli))
    runs = run_batch([[*path, "--help"] for path in commands], demo)
    words = _english_words()
    typed = _typed(cli) | CODES  # help names the codes and commands a user types
    problems, too_wide = [], []
    for run in runs:
        assert run["code"] == 0, run
        name = " ".join(run["args"])
        problems += [f"{name}: {p}" for p in untranslated(run["stdout"], words, typed)]
        too_wide += [
            f"{name}: {line}"
            for line in run["stdout"].splitlines()
            if _width(line) > 80 and len(line.split()) > 1  # one unbreakable word may not fit
        ]
    assert len(runs) == len(commands) > 60
    assert not problems, "English in Chinese help:\n" + "\n".join(problems)
    assert not too_wide, "help lines wider than 80 columns:\n" + "\n".join(too_wide)


# runs --------------------------------------------------------------------------------------------
CASES = ("CS-2021-007", "CS-2016-003", "CS-2023-015", "CS-2026-021")
READS: list[list[str]] = [
    ["case", "list"],
    ["case", "list", "--format", "markdown"],
    ["case", "list", "--format", "csv"],
    ["case", "list", "--status", "closed", "--format", "tsv"],
    *[["case", "show", c] for c in CASES],
    *[["case", "timeline", c] for c in CASES],
    ["case", "timeline", "CS-2023-015", "--format", "csv"],
    *[["cadre", "history", p] for p in ("P1001", "P1002", "P1003", "P2001", "P3001", "P4001")],
    ["cadre", "history", "P1002", "--format", "markdown"],
    ["cadre", "search", "qian"],
    ["cadre", "search", "长沙市某区信访局"],
    ["unit", "list"],
    ["unit", "history", "CS-XG-GOV"],
    ["unit", "rating", "CS-XG-GOV", "--year", "2021"],
    ["unit", "rating", "CS-XF", "--year", "2023"],
    ["deadlines"],
    ["deadlines", "--late"],
    ["deadlines", "--format", "csv"],
    ["report", "annual", "--year", "2021", "--region", "430100"],
    ["report", "annual", "--year", "2023", "--region", "430100"],
    ["report", "annual", "--year", "2023", "--region", "430100", "--format", "csv"],
    ["cadre", "search", "没有这个人"],
    ["key", "list"],
    ["key", "list", "--format", "csv"],
    ["checkpoint", "list"],
    ["verify"],
    ["projections", "rebuild"],
]  # fmt: skip
#: Refusals and bad usage: nothing is written.
REFUSALS: list[list[str]] = [
    ["case", "show", "NOPE"],
    ["cadre", "history", "NOPE"],
    ["cadre", "add", "P1002", "--name", "x", "--unit", "CS-XF", "--post", "x", "--since",
     "2020-01-01"],
    ["case", "close", "CS-2026-021", "--on", "2026-12-01", "--summary", "结案"],
    ["case", "hear", "CS-2026-021", "--person", "P9999", "--on", "2026-12-01", "--statement",
     "s"],
    ["case", "appeal", "CS-2023-015", "--person", "P2001", "--on", "2026-12-01", "--text", "t"],
    ["--key", "lifeledger.db.keys/petition.pem", "case", "reopen", "CS-2021-007", "--on",
     "2026-12-01", "--reason", "x"],
    ["--key", "lifeledger.db.keys/organisation.pem", "case", "reopen", "CS-2021-007", "--on",
     "2026-12-01", "--reason", "x"],
    ["checkpoint", "make"],
    ["case", "reopen", "CS-2021-007", "--on", "2026-12-01", "--reason", "理" * 20_001],
    ["case", "show"],
    ["case", "list", "--status", "bogus"],
    ["nosuch"],
    ["--db", "/nonexistent/folder/x.db", "case", "list"],
]  # fmt: skip


def without_column(text: str, header: str) -> str:
    """A CSV without one column: the annual figures keep each label's stable code beside it,
    for pivot tables over several years."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    i = rows[0].index(header)
    return "\n".join(",".join(r[:i] + r[i + 1 :]) for r in rows)


def problems_in(runs: list[dict[str, Any]], demo: Path) -> list[str]:
    """What :func:`untranslated` finds in each run's output and errors."""
    from cli.main import cli

    (search,) = run_batch([["cadre", "search", "P", "--json"]], demo)
    pinyin = [c["pinyin"] for c in json.loads(search["stdout"])["cadres"]]
    words = _english_words()
    problems = []
    for run in runs:
        assert "Traceback" not in run["stderr"], run
        name = " ".join(a if len(a) < 40 else a[:10] + "…" for a in run["args"])
        out = run["stdout"]
        if run["args"][:2] == ["report", "annual"] and "csv" in run["args"]:
            out = without_column(out, "代码")
        # a usage error names the values an option takes
        typed = _typed(cli) if run["code"] == 2 else set()
        for text in (out, run["stderr"]):
            problems += [f"{name}: {p}" for p in untranslated(text, words, typed, pinyin)]
    return problems


def test_commands_on_the_demo_ledger_speak_chinese_with_labels_for_codes(demo: Path) -> None:
    tampered = demo / "tampered.db"
    tampered.write_bytes((demo / "lifeledger.db").read_bytes())
    tamper_decision_number(tampered)
    db = ["--db", str(tampered)]
    on_tampered = [[*db, "verify"], [*db, "verify", "--format", "csv"]]
    runs = run_batch([*READS, *REFUSALS, *on_tampered], demo)
    problems = problems_in(runs, demo)
    assert not problems, "English in Chinese output:\n" + "\n".join(problems)
    assert [r["code"] for r in runs[: len(READS)]] == [0] * len(READS)
    assert all(r["code"] in (1, 2) for r in runs[len(READS) :])
    failed = runs[-2]
    assert failed["code"] == 1 and "[签名]" in failed["stdout"], failed
    refused = {" ".join(r["args"][:3]): r for r in runs if r["code"] == 1}
    assert refused["case reopen CS-2021-007"]["stderr"] == (
        "错误：理由长 20,001 个字符；最多允许 20,000 个\n"
    )


def test_an_auditors_commands_speak_chinese(demo: Path) -> None:
    """Proofs, bundles, documents and a migration, each written and then verified."""
    (keys,) = run_batch([["key", "list", "--json"]], demo)
    pin = ["--root-fingerprint", json.loads(keys["stdout"])["root_fingerprint"]]
    runs = run_batch(
        [
            ["proof", "cadre", "P1002", "--out", "proof-p1002.json"],
            ["proof", "verify", "proof-p1002.json", *pin],
            ["proof", "case", "CS-2023-015", "--out", "proof-case.json"],
            ["proof", "verify", "proof-case.json", *pin],
            ["bundle", "export", "audit.jsonl"],
            ["bundle", "verify", "audit.jsonl", *pin],
            ["document", "decision", "CS-2021-007", "--person", "P1002", "--out", "d.docx"],
            ["document", "verify", "d.docx"],
            ["document", "verify", "d.docx", "--bundle", "audit.jsonl", *pin],
            ["document", "file-entry", "CS-2021-007", "--person", "P1002", "--out", "f.docx"],
            ["document", "appeal-notice", "CS-2023-015", "--person", "P2001", "--out", "a.docx"],
            ["migrate", "--from", "lifeledger.db", "--to", "migrated.db"],
            ["verify", "--root-fingerprint", "00"],
        ],
        demo,
    )
    assert [r["code"] for r in runs] == [0] * 12 + [1], runs
    problems = problems_in(runs, demo)
    assert not problems, "English in Chinese output:\n" + "\n".join(problems)


def test_csv_for_excel_has_chinese_headers_and_labels_while_json_keeps_codes(demo: Path) -> None:
    csv_run, json_run = run_batch(
        [["case", "list", "--format", "csv"], ["case", "list", "--format", "jsonl"]], demo
    )
    lines = csv_run["stdout"].splitlines()
    assert lines[0] == (
        "\ufeff案件,立案日期,机关,状态,第四条,责任追究对象,下一期限,已逾期"
    )  # a byte-order mark: Excel reads UTF-8
    assert lines[1].startswith("CS-2021-007,2021-05-10,长沙市纪委监委,已结案,1,")
    first = json.loads(json_run["stdout"].splitlines()[0])
    assert (first["case_no"], first["status"], first["status_label"]) == (
        "CS-2021-007",
        "closed",
        "已结案",
    )
