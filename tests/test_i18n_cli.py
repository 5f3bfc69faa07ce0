# ruff: noqa: E501 (exact output: tables and reports run wide)
"""The command line in English and in Simplified Chinese (issue 14 point 4), output quoted
exactly: a refusal under Art. 12, the same refusal under --json, a command's help, the
deadlines table, and verify passing and failing on a tampered database.

Messages are translated when they are made, so most runs are in-process with the language
switched (``ledger.i18n.set_language``); help texts are translated when the commands load,
so ``--help`` runs in a new process with ``LIFELEDGER_LANG``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import (  # noqa: F401
    CliLedger,
    copy_of,
    decided,
    ledger,
    tamper_decision_number,
    template,
)

from ledger import i18n

LANGUAGES = ("en", "zh_CN")


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test once per language; English again afterwards, whatever happened."""
    monkeypatch.setenv("LANGUAGE", "")  # set_language() passes the choice on to click here
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language("en")


def appeal_running(ledger: CliLedger) -> CliLedger:  # noqa: F811
    """Case C1: decided, announced, filed and received on 2023-06-25 (appeal until 07-10)."""
    decided(ledger)
    ledger.ok("case", "announce", "C1", "--person", "P001", "--on", "2023-05-12", "--to", "本人")
    ledger.ok("case", "file", "C1", "--person", "P001", "--on", "2023-05-15", "--file-ref", "R",
              "--custodian", "长沙市委组织部干部档案室")  # fmt: skip
    ledger.ok("case", "receive", "C1", "--person", "P001", "--on", "2023-06-25")
    return ledger


CLOSING_REFUSED = {
    "en": "Error: person:P001 may appeal until 2023-07-10; close after that day "
    "(Art. 12: appeal period running)\n",
    "zh_CN": "错误：个人 P001 可在 2023-07-10 前申诉；请在该日之后结案（第十二条：申诉期未满）\n",
}


def test_closing_while_the_appeal_period_runs_is_refused_in_the_users_language(
    ledger: CliLedger,  # noqa: F811
    lang: str,
) -> None:
    appeal_running(ledger)
    err = ledger.refused("case", "close", "C1", "--on", "2023-07-10", "--summary", "结案")
    assert err == CLOSING_REFUSED[lang]


JSON_REFUSED = {
    "en": {
        "error": "person:P001 may appeal until 2023-07-10; close after that day "
        "(Art. 12: appeal period running)",
        "kind": "RuleViolationError",
        "article": "Art. 12",
        "rule": "appeal period running",
    },
    "zh_CN": {
        "error": "个人 P001 可在 2023-07-10 前申诉；请在该日之后结案（第十二条：申诉期未满）",
        "kind": "RuleViolationError",
        "article": "Art. 12",
        "rule": "申诉期未满",
    },
}


def test_a_json_refusal_keeps_its_keys_and_article_and_translates_its_text(
    ledger: CliLedger,  # noqa: F811
    lang: str,
) -> None:
    appeal_running(ledger)
    err = ledger.refused("--json", "case", "close", "C1", "--on", "2023-07-10", "--summary", "结案")
    assert json.loads(err) == JSON_REFUSED[lang]


DEADLINES = {
    "en": (
        "Deadlines on 2023-07-01:\n"
        "case  party      decision            step                              art.     from        due         days left  status\n"
        "----  ---------  ------------------  --------------------------------  -------  ----------  ----------  ---------  ------\n"
        "C1    个人 P001  长纪责〔2023〕15号  申诉期（收到决定书之日起15日内）  Art. 12  2023-06-25  2023-07-10  9          未到期\n"
        "Due dates: a rest day extends it: 民法典 art. 203 practice, not the Measures.\n"
        "Case set: not provable, no checkpoint yet.\n"
        "Next: lifeledger case show C1\n"
    ),
    "zh_CN": (
        "2023-07-01 的期限：\n"
        "案件  对象       决定                事项                              条款      起          期限        剩余天数  状态\n"
        "----  ---------  ------------------  --------------------------------  --------  ----------  ----------  --------  ------\n"
        "C1    个人 P001  长纪责〔2023〕15号  申诉期（收到决定书之日起15日内）  第十二条  2023-06-25  2023-07-10  9         未到期\n"
        "期限：休息日顺延：参照民法典第二百零三条的做法，非本办法规定。\n"
        "案件集合：尚无检查点，无法证明完整。\n"
        "下一步：lifeledger case show C1\n"
    ),
}


def test_the_deadlines_table_reads_in_the_users_language(
    ledger: CliLedger,  # noqa: F811
    lang: str,
) -> None:
    appeal_running(ledger)
    result = ledger.ok("deadlines", "--as-of", "2023-07-01", key=None)
    assert result.stdout == DEADLINES[lang]


def _stable(text: str) -> str:
    """Verify's report without what differs between runs: keys, roots, timings."""
    text = re.sub(r"\b[0-9a-f]{64}\b", "<fingerprint>", text)
    text = re.sub(r"\b[0-9a-f]{16}\b", "<key id>", text)
    text = re.sub(r"[A-Za-z0-9+/]{43}=", "<root>", text)
    text = re.sub(r"\d+\.\d\d (s|秒).*", r"<time>", text)
    return re.sub(r"(SQLite file|SQLite 文件) [^\s：:]+", r"\1 <db>", text)


VERIFY_OK = {
    "en": (
        "Verification of SQLite file <db>: OK\n"
        "  events            17 in 8 records, 17 signatures verified\n"
        "  keys              4 registered; root <fingerprint>\n"
        "  Merkle tree       size 17, root <root>\n"
        "  checkpoints       none kept (run `lifeledger checkpoint`)\n"
        "  cosignatures      0 verified\n"
        "  time              <time>\n"
        "Read models: none built yet; nothing to audit\n"
    ),
    "zh_CN": (
        "核验 SQLite 文件 <db>：通过\n"
        "  事件              17 个，属 8 条记录，已核验 17 个签名\n"
        "  密钥              已登记 4 个；根密钥 <fingerprint>\n"
        "  默克尔树          大小 17，根 <root>\n"
        "  检查点            无（请运行 `lifeledger checkpoint`）\n"
        "  联署签名          已核验 0 个\n"
        "  用时              <time>\n"
        "读取模型：尚未建立；无可审计的内容\n"
    ),
}


def test_verify_reports_a_sound_ledger_in_the_users_language(
    ledger: CliLedger,  # noqa: F811
    lang: str,
) -> None:
    appeal_running(ledger)
    result = ledger.ok("verify", key=None)
    assert _stable(result.stdout) == VERIFY_OK[lang]


VERIFY_TAMPERED = {
    "en": (
        "Verification of SQLite file <db>: FAILED: 3 failure(s)\n"
        "  events            17 in 8 records, 17 signatures verified\n"
        "  keys              4 registered; root <fingerprint>\n"
        "  Merkle tree       size 17, root <root>\n"
        "  checkpoints       none kept (run `lifeledger checkpoint`)\n"
        "  cosignatures      0 verified\n"
        "  time              <time>\n"
        "Failures:\n"
        "  [leaf] position 13, case C1, AccountabilityCase.DecisionIssued v4: the stored event no longer matches its Merkle leaf 13: its stored bytes, row identity or place in the log were changed (altered, moved or swapped)\n"
        "  [signature] position 13, case C1, AccountabilityCase.DecisionIssued v4: the signature by <key id> (纪检干部甲, 长沙市纪委监委) does not cover the stored bytes: the event was altered, or moved from another row\n"
        "  [index] the person index differs from the log for 1 person(s) (P001): this follows from the log's own failures from position 13 on (the index was written with the events as first recorded), not from an edit of the index\n"
        "Read models: none built yet; nothing to audit\n"
    ),
    "zh_CN": (
        "核验 SQLite 文件 <db>：不通过：3 处\n"
        "  事件              17 个，属 8 条记录，已核验 17 个签名\n"
        "  密钥              已登记 4 个；根密钥 <fingerprint>\n"
        "  默克尔树          大小 17，根 <root>\n"
        "  检查点            无（请运行 `lifeledger checkpoint`）\n"
        "  联署签名          已核验 0 个\n"
        "  用时              <time>\n"
        "不通过项：\n"
        "  [叶节点] 位置 13，案件 C1，作出责任追究决定（本记录第 4 个事件）：存储的事件与其默克尔叶节点 13 不再相符：其存储的字节、行标识或在日志中的位置被改变（篡改、移动或调换）\n"
        "  [签名] 位置 13，案件 C1，作出责任追究决定（本记录第 4 个事件）：<key id>（纪检干部甲，长沙市纪委监委）的签名未覆盖存储的字节：事件被篡改，或从另一行移来\n"
        "  [人员索引] 人员索引与日志在 1 人（P001）上不同：这是日志自身从位置 13 起的不通过所致（索引按事件最初记录时写入），而不是索引被编辑\n"
        "读取模型：尚未建立；无可审计的内容\n"
    ),
}


def test_verify_reports_a_tampered_event_in_the_users_language(
    ledger: CliLedger,  # noqa: F811
    lang: str,
) -> None:
    appeal_running(ledger)
    tamper_decision_number(ledger.db)
    result = ledger.run("verify", key=None)
    assert result.exit_code == 1
    assert _stable(result.stdout) == VERIFY_TAMPERED[lang]


# help texts: translated when the commands load, so in a new process ----------------------
def run_cli(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFELEDGER_", "LC_"))}
    env.update(LIFELEDGER_LANG=lang, NO_COLOR="1", LANG="C.UTF-8")
    env.pop("LANGUAGE", None)
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "lifeledger", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=Path(__file__).parent,
    )


CLOSE_HELP = {
    "en": (
        "Usage: lifeledger case close [OPTIONS] CASE_NO\n"
        "\n"
        "  Close the case. Refused while a decision is unannounced or not in the\n"
        "  personnel file (Art. 11), its receipt unrecorded, its appeal period running,\n"
        "  an appeal undecided or its decision not told in writing (Art. 12): closing\n"
        "  never cuts off an appeal.\n"
        "\n"
        "Options:\n"
        "  --on DATE            Date of closing.  [required]\n"
        "  --summary TEXT       The closing summary (结案意见). At most 20,000\n"
        "                       characters. Required, or --summary-file.\n"
        "  --summary-file PATH  Read --summary from a UTF-8 file ('-': standard input).\n"
        "  --json               Print one JSON document on stdout (errors: one JSON\n"
        "                       object on stderr).\n"
        "  -h, --help           Show this message and exit.\n"
    ),
    "zh_CN": (
        "用法：lifeledger case close [选项] CASE_NO\n"
        "\n"
        "  结案。决定尚未宣布或尚未归入个人人事档案（第十一条），尚未记录收到决定书、申\n"
        "  诉期未满、申诉尚未处理或申诉处理决定尚未书面告知（第十二条）的，不得结案：结\n"
        "  案绝不剥夺申诉权利。\n"
        "\n"
        "选项：\n"
        "  --on DATE            结案日期。（必需）\n"
        "  --summary TEXT       结案意见。最多 20,000 个字符。必须给出，或使用\n"
        "                       --summary-file。\n"
        "  --summary-file PATH  从 UTF-8 文件读取 --summary（“-”：标准输入）。\n"
        "  --json               在标准输出打印一个 JSON 文档（错误：在标准错误输出打印\n"
        "                       一个 JSON 对象）。\n"
        "  -h, --help           显示本帮助信息并退出。\n"
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_commands_help_reads_in_the_users_language(language: str) -> None:
    result = run_cli("case", "close", "--help", lang=language)
    assert result.returncode == 0, result.stderr
    assert result.stdout == CLOSE_HELP[language]


REVOKED_SIGNER = {
    "en": "Error: signer key {key} (纪检干部甲) was revoked and may not sign (key management: "
    "revoked key) Use the key that replaced it or ask for a new one.\n",
    "zh_CN": "错误：签名密钥 {key}（纪检干部甲）已吊销，不得签名（密钥管理：已吊销的密钥）"
    "请使用替换它的密钥，或申请新密钥。\n",
}


def test_a_revoked_signer_is_refused_with_the_status_in_the_users_language(
    ledger: CliLedger,  # noqa: F811
    lang: str,
) -> None:
    keys = ledger.json("key", "list", key=None)["keys"]
    recorder = next(k["key_id"] for k in keys if k["authority_kind"] == "discipline")
    ledger.ok("key", "revoke", recorder, "--reason", "key lost", key=ledger.root)
    err = ledger.refused("case", "hear", "C1", "--person", "P001", "--on", "2023-05-01",
                         "--statement", "x")  # fmt: skip
    assert err == REVOKED_SIGNER[lang].format(key=recorder)
