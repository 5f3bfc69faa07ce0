"""click's own texts in Chinese (issue 14 point 4): every kind of usage error, the usage line
and the bracket after an option's help read in Chinese with Chinese punctuation, and English
stays click's own, byte for byte (``cli.click_text``, ``cli.click_types``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from cli.help_format import wrap_text

ROOT = Path(__file__).resolve().parent.parent

RUNNER = """
import json, sys
from click.testing import CliRunner
from cli.main import cli
runs = []
for args in json.loads(sys.stdin.read()):
    r = CliRunner().invoke(cli, args, prog_name="lifeledger")
    runs.append({"stdout": r.stdout, "stderr": r.stderr, "code": r.exit_code})
print(json.dumps(runs, ensure_ascii=False))
"""


def run_all(runs: list[list[str]], cwd: Path, lang: str) -> list[dict[str, Any]]:
    """Each argument list through the command line, in one new process in ``lang``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFELEDGER_", "LC_"))}
    env.pop("LANGUAGE", None)
    env.update(LIFELEDGER_LANG=lang, LANG="C.UTF-8", NO_COLOR="1", PYTHONPATH=str(ROOT))
    env["LIFELEDGER_DB"] = str(cwd / "none.db")
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(runs),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    )
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


#: Each kind of usage error click raises: the arguments, then the last line in Chinese and
#: in English.
USAGE_ERRORS = [
    (["nosuch"], "错误：没有命令 'nosuch'。", "Error: No such command 'nosuch'."),
    (["case", "show"], "错误：缺少参数 'CASE_NO'。", "Error: Missing argument 'CASE_NO'."),
    (["case", "close", "CS-1"], "错误：缺少选项 '--on'。", "Error: Missing option '--on'."),
    (
        ["case", "list", "--status", "bogus"],
        "错误：'--status' 的值无效：'bogus' 不是可选的值之一：'open'、'closed'。",
        "Error: Invalid value for '--status': 'bogus' is not one of 'open', 'closed'.",
    ),
    (["case", "list", "--bogus"], "错误：没有选项 '--bogus'。", "Error: No such option '--bogus'."),
    (
        ["key", "list", "--formt", "csv"],
        "错误：没有选项 '--formt'。您是否要找 '--format'？",
        "Error: No such option '--formt'. Did you mean '--format'?",
    ),
    (
        ["proof", "verify", "nofile.json"],
        "错误：'FILE' 的值无效：文件 'nofile.json' 不存在。",
        "Error: Invalid value for 'FILE': File 'nofile.json' does not exist.",
    ),
    (
        ["proof", "verify", "."],
        "错误：'FILE' 的值无效：文件 '.' 是目录。",
        "Error: Invalid value for 'FILE': File '.' is a directory.",
    ),
    (
        ["unit", "rating", "CS-XF", "--year", "abc"],
        "错误：'--year' 的值无效：'abc' 不是有效的整数。",
        "Error: Invalid value for '--year': 'abc' is not a valid integer range.",
    ),
    (
        ["checkpoint", "list", "--size", "x"],
        "错误：没有选项 '--size'。",
        "Error: No such option '--size'.",
    ),
    (
        ["proof", "cadre", "P1", "--out", "p.json", "--size", "x"],
        "错误：'--size' 的值无效：'x' 不是有效的整数。",
        "Error: Invalid value for '--size': 'x' is not a valid integer.",
    ),
    (
        ["unit", "rating", "CS-XF", "--year", "1800"],
        "错误：'--year' 的值无效：1800 不在范围 1949<=x<=9999 内。",
        "Error: Invalid value for '--year': 1800 is not in the range 1949<=x<=9999.",
    ),
    (
        ["case", "show", "A", "B"],
        "错误：多余的参数（B）。",
        "Error: Got unexpected extra argument (B)",
    ),
    (
        ["case", "list", "--format"],
        "错误：选项 '--format' 需要一个参数值。",
        "Error: Option '--format' requires an argument.",
    ),
    (
        ["unit", "add", "X", "--name", "n", "--level", "city"],
        "错误：缺少选项 '--kind'。可选值：\n\tparty（党的机关）\n\tpeoples_congress（人大机关）\n"
        "\tadministrative（行政机关）\n\tcppcc（政协机关）\n\tjudicial（审判机关）\n"
        "\tprocuratorial（检察机关）\n\tpeoples_organisation（人民团体）\n"
        "\tpublic_institution（事业单位）\n\tstate_owned_enterprise（国有或者国有控股企业）",
        "Error: Missing option '--kind'. Choose from:\n\tparty,\n\tpeoples_congress,\n"
        "\tadministrative,\n\tcppcc,\n\tjudicial,\n\tprocuratorial,\n\tpeoples_organisation,\n"
        "\tpublic_institution,\n\tstate_owned_enterprise",
    ),
]

#: What a user types or reads as a code: quoted values, options, metavars, command lines.
CODES = [
    r"lifeledger(?: [a-z][\w-]*)*",
    r"'[^']*'",
    r"--?[\w-]+",
    r"\[?\b[A-Z][A-Z_]+\b\]?(?:\.\.\.)?",
    r"\b[a-z]+(?:_[a-z]+)+\b",  # a code the user types (peoples_congress)
    r"^\t[a-z]+(?=（|$)",  # a choice, one a line (with its label)
    r"[0-9<=x]+",
]


def english_words(text: str) -> list[str]:
    """The ASCII words left in ``text`` once what is typed or quoted is taken out."""
    rest = text
    for pattern in CODES:
        rest = re.sub(pattern, " ", rest, flags=re.MULTILINE)
    return re.findall(r"[A-Za-z]{2,}", rest)


def test_the_english_word_finder_finds_click_english_but_not_what_users_type() -> None:
    assert english_words("错误：'FILE' 的值无效：File 'x' 不存在。") == ["File"]
    assert english_words("错误：'abc' 不是有效的 integer range。") == ["integer", "range"]
    assert english_words("用法：lifeledger case show [OPTIONS] CASE_NO") == []


def test_every_kind_of_usage_error_reads_in_chinese_with_chinese_punctuation(
    tmp_path: Path,
) -> None:
    runs = run_all([args for args, _zh, _en in USAGE_ERRORS], tmp_path, "zh_CN")
    for (args, last, _en), run in zip(USAGE_ERRORS, runs, strict=True):
        command = "lifeledger " + " ".join(a for a in args[:2] if a.isalpha() and a.islower())
        assert run["code"] == 2, (args, run)
        assert run["stderr"].endswith(last + "\n"), (args, run["stderr"])
        assert not english_words(run["stderr"]), (args, run["stderr"])
        if "需要一个参数值" not in last:  # click reports these before it has a context
            usage, hint = run["stderr"].splitlines()[:2]
            assert usage.startswith(f"用法：{command.split(' ')[0]}"), usage
            assert "[选项]" in usage and "OPTIONS" not in usage and "COMMAND" not in usage
            assert hint.startswith("可运行“lifeledger") and hint.endswith("--help”查看帮助。")
        assert not re.search(r"[\u4e00-\u9fff。][.,;:]|[.,;:][\u4e00-\u9fff]", run["stderr"])


def test_every_kind_of_usage_error_stays_clicks_own_in_english(tmp_path: Path) -> None:
    runs = run_all([args for args, _zh, _en in USAGE_ERRORS], tmp_path, "en")
    for (args, _zh, last), run in zip(USAGE_ERRORS, runs, strict=True):
        assert run["code"] == 2, (args, run)
        assert run["stderr"].endswith(last + "\n"), (args, run["stderr"])
    assert runs[1]["stderr"] == (
        "Usage: lifeledger case show [OPTIONS] CASE_NO\n"
        "Try 'lifeledger case show --help' for help.\n\n"
        "Error: Missing argument 'CASE_NO'.\n"
    )


def test_a_usage_error_under_json_has_the_chinese_message(tmp_path: Path) -> None:
    (run,) = run_all([["--json", "key", "list", "--formt", "x"]], tmp_path, "zh_CN")
    doc = json.loads(run["stderr"])
    assert doc["error"] == "没有选项 '--formt'。您是否要找 '--format'？"
    assert doc["usage"] == "用法：lifeledger key list [选项]"


def test_an_options_defaults_and_bounds_read_in_brackets_of_chinese(tmp_path: Path) -> None:
    zh, en = (
        run_all([["import", "--help"]], tmp_path, lang)[0]["stdout"] for lang in ("zh_CN", "en")
    )
    assert "x>=1" in zh
    assert "（默认值：1000；x>=1）" in zh.replace("\n", "").replace(" ", "")
    assert "[" not in zh.split("选项：")[1]
    assert "[default: 1000; x>=1]" in en


def _params() -> list[tuple[str, click.Parameter]]:
    from cli.main import cli

    found = []

    def walk(command: click.Command, path: str) -> None:
        found.extend((path, p) for p in command.params)
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, f"{path} {name}")

    walk(cli, "lifeledger")
    return found


def test_every_parameter_names_its_type_in_the_users_language() -> None:
    """click's own ``Path``, ``Choice``, ``INT`` and ``IntRange`` name themselves in English
    (``File 'x' does not exist``): the command line uses ``cli.click_types`` instead. Text,
    flags and raw arguments never name their type."""
    from cli import click_types

    ours = (click_types.PathType, click_types.Choice, click_types.Integer)
    never_named = (click.types.StringParamType, click.types.UnprocessedParamType)
    wrong = [
        f"{path} {p.name}: {type(p.type).__name__}"
        for path, p in _params()
        if not isinstance(p.type, (*ours, *never_named))
        and not (isinstance(p, click.Option) and p.is_flag)
        and type(p.type).__module__.startswith("click")
    ]
    assert not wrong, "use cli.click_types:\n" + "\n".join(wrong)
    assert len(_params()) > 200


@pytest.mark.parametrize(
    ("kind", "chinese", "english"),
    [
        (click_kind, zh, en)
        for click_kind, zh, en in [
            ({"dir_okay": False}, "文件", "file"),
            ({"file_okay": False}, "目录", "directory"),
            ({}, "路径", "path"),
        ]
    ],
)
def test_a_path_names_itself_in_the_language_of_the_message_and_keeps_its_metavar(
    kind: dict[str, bool], chinese: str, english: str
) -> None:
    from cli.click_types import PathType
    from ledger.i18n import language, set_language

    before = language()
    try:
        path = PathType(**kind)  # made in English, shown in Chinese
        set_language("en")
        assert path.name == english
        set_language("zh_CN")
        assert path.name == chinese
        option = click.Option(["--out"], type=path)
        assert option.make_metavar(click.Context(click.Command("x"))) == english.upper()
    finally:
        set_language(before)


# help wrapping (cli.help_format) ---------------------------------------------------------------
MEASURES = (
    "可重复以合并使用（第七条）：written_self_criticism（责令作出书面检查）、"
    "circulated_criticism（通报批评）、team_adjustment（对领导班子进行调整处理）、"
    "admonition_talk（诫勉谈话）、transfer（调离岗位）、resignation_for_fault（引咎辞职）、"
    "dismissal（免职）、demotion（降职）。"
)


def test_help_wrapping_keeps_a_code_and_its_bracketed_label_on_one_line_at_80_columns() -> None:
    lines = wrap_text(MEASURES, 80 - 32, "", "").splitlines()
    assert lines == [
        "可重复以合并使用（第七条）：",
        "written_self_criticism（责令作出书面检查）、",
        "circulated_criticism（通报批评）、",
        "team_adjustment（对领导班子进行调整处理）、",
        "admonition_talk（诫勉谈话）、",
        "transfer（调离岗位）、",
        "resignation_for_fault（引咎辞职）、",
        "dismissal（免职）、demotion（降职）。",
    ]


def test_help_wrapping_still_breaks_a_long_bracketed_clause_and_an_overlong_label() -> None:
    clause = "未听取说明和申辩的（第七条：单位按情节，个人可一种或多种，均须写明理由）予以拒绝。"
    assert wrap_text(clause, 40) == (
        "未听取说明和申辩的（第七条：单位按情节，\n个人可一种或多种，均须写明理由）予以拒\n绝。"
    )
    assert wrap_text("x（" + "甲" * 30 + "）", 20).count("\n") >= 3


def test_chinese_help_keeps_a_short_command_in_backticks_on_one_line() -> None:
    from ledger.i18n import language, set_language

    text = (
        "恢复密钥由根密钥登记，只在根密钥遗失或被盗时签署根密钥的替换（`key recover`），"
        "不签署其他任何内容。"
    )
    before = language()
    try:
        set_language("zh_CN")
        chinese = wrap_text(text, 76)
        set_language("en")
        english = wrap_text(text, 76)
    finally:
        set_language(before)
    assert chinese.splitlines()[1].startswith("（`key recover`），")
    assert english.splitlines()[0].endswith("（`key")  # English wraps as click does
