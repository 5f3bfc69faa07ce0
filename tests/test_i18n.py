"""Every message in Simplified Chinese (issue 14 point 4): the catalog is complete, nothing
user-facing is left unmarked, and the command line speaks both languages.

The catalog is ledger/locale/zh_CN/LC_MESSAGES/lifeledger.po; `python tools/i18n.py update`
adds new messages to it and compiles the .mo (README, "Chinese").
"""

from __future__ import annotations

import importlib.util
import os
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from ledger import i18n

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


catalog_tool = _tool("i18n")
unmarked_tool = _tool("unmarked")


def _fields(text: str) -> list[str]:
    """The ``{placeholders}`` of a message (with conversion and spec), or its raw braces when
    it is not a format string."""
    try:
        return sorted(
            f"{name}!{conv}:{spec}"
            for _lit, name, spec, conv in string.Formatter().parse(text)
            if name is not None
        )
    except ValueError:
        return sorted(c for c in text if c in "{}")


def _problems() -> Iterator[str]:
    template = catalog_tool.extract()
    catalog = catalog_tool.read_catalog()
    for message in template:
        if not message.id:
            continue
        msgid = catalog_tool._msgid(message)
        found = catalog.get(message.id, context=message.context)
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        if found is None:
            yield f"not in the catalog: {msgid!r} ({where})"
        elif not catalog_tool._done(found):
            yield f"untranslated or fuzzy: {msgid!r} ({where})"
        else:
            strings = found.string if isinstance(found.string, tuple | list) else [found.string]
            for text in strings:
                if _fields(text) != _fields(msgid):
                    yield f"placeholders differ: {msgid!r} -> {text!r}"


def test_every_marked_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    problems = list(_problems())
    assert not problems, (
        f"{len(problems)} messages to translate (python tools/i18n.py update, then fill the "
        "empty msgstr in ledger/locale/zh_CN/LC_MESSAGES/lifeledger.po):\n" + "\n".join(problems)
    )


def test_the_shipped_mo_file_is_the_po_file_compiled() -> None:
    fresh = catalog_tool.compiled(catalog_tool.read_catalog())
    assert catalog_tool.MO.read_bytes() == fresh, "run: python tools/i18n.py compile"


#: Packages whose every user-facing literal is marked (all of them when the work is done).
MARKED = (
    "cli/main.py", "cli/common.py", "cli/options.py", "cli/terminal.py", "ledger/errors.py",
    "ledger/i18n.py",
)  # fmt: skip


def test_no_user_facing_literal_is_left_unmarked() -> None:
    left = [
        f"{u.path}:{u.line}: {u.text}"
        for path in unmarked_tool.sources()
        if str(path.relative_to(ROOT)).startswith(MARKED)
        for u in unmarked_tool.unmarked(path)
    ]
    assert not left, "mark with _() (python tools/unmarked.py --fix FILE):\n" + "\n".join(left)


@pytest.mark.parametrize(
    ("article", "english", "chinese"),
    [
        ("Art. 12", "Art. 12", "第十二条"),
        ("Art. 4", "Art. 4", "第四条"),
        ("Art. 7 para. 3", "Art. 7 para. 3", "第七条第三款"),
        ("Art. 20", "Art. 20", "第二十条"),
    ],
)
def test_an_article_reads_as_the_regulation_numbers_it(
    article: str, english: str, chinese: str
) -> None:
    try:
        assert i18n.set_language("en") == "en"
        assert i18n.article_label(article) == english
        assert i18n.set_language("zh_CN") == "zh_CN"
        assert i18n.article_label(article) == chinese
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"LIFELEDGER_LANG": "zh_CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LIFELEDGER_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "C.UTF-8"}, "zh_CN"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_comes_from_lifeledger_lang_then_the_locale(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("LIFELEDGER_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    try:
        assert i18n.set_language() == expected
    finally:
        i18n.set_language("en")


# the command line in both languages --------------------------------------------------------
def run(*args: str, lang: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFELEDGER_", "LC_"))}
    env.update(LIFELEDGER_LANG=lang, NO_COLOR="1", LANG="C.UTF-8")
    env.pop("LANGUAGE", None)
    env.pop("COLUMNS", None)
    if db is not None:
        env["LIFELEDGER_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "lifeledger", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_usage_error_reads_in_the_chosen_language() -> None:
    english = run("case", "close", lang="en")
    chinese = run("case", "close", lang="zh_CN")
    assert english.returncode == chinese.returncode == 2
    assert english.stderr == (
        "Usage: lifeledger case close [OPTIONS] CASE_NO\n"
        "Try 'lifeledger case close --help' for help.\n\n"
        "Error: Missing argument 'CASE_NO'.\n"
    )
    assert chinese.stderr == (
        "用法：lifeledger case close [选项] CASE_NO\n"
        "可运行“lifeledger case close --help”查看帮助。\n\n"
        "错误：缺少参数 'CASE_NO'。\n"
    )


def test_the_command_list_reads_in_chinese() -> None:
    out = run("--help", lang="zh_CN").stdout
    assert out.startswith("用法：lifeledger [选项] 命令 [参数]...\n")
    assert "  verify       核验整个台账：每个签名，" in out
    assert "  -h, --help     显示本帮助信息并退出。\n" in out
    assert "  --key FILE     签名人加密的私钥（PKCS#8）；记录任何内容都需要。\n" in out
    assert "LIFELEDGER_LANG        界面语言：zh_CN 或 en（默认按系统区域设置）" in out
