"""The README is a newcomer's document (issue 14, point 7): every command of its walkthrough and
of its auditor's workflow runs as written, in order, in an empty folder, and prints what the
README shows (``...`` stands for what differs between runs: key ids, roots, timings)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("## Walkthrough", "## An auditor's workflow")
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


@dataclass(frozen=True)
class Step:
    """One ``sh`` block of the README and the ``text`` block right after it, if any."""

    commands: str
    shown: str | None


def _section(readme: str, heading: str) -> str:
    start = readme.index(f"\n{heading}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else len(readme)]


def steps(readme: str) -> list[Step]:
    found: list[Step] = []
    for heading in SECTIONS:
        text = _section(readme, heading)
        blocks = list(FENCE.finditer(text))
        for i, block in enumerate(blocks):
            if block.group(1) != "sh":
                continue
            after = blocks[i + 1] if i + 1 < len(blocks) else None
            adjacent = after is not None and text[block.end() : after.start()].strip() == ""
            shown = after.group(2) if adjacent and after.group(1) == "text" else None
            found.append(Step(block.group(2), shown))
    return found


def matches(shown: str, printed: str) -> bool:
    """``printed`` is ``shown``, where each ``...`` stands for any text."""
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, printed, re.S) is not None


def test_the_readme_names_its_steps_and_shows_their_output() -> None:
    found = steps((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(found) >= 10
    assert sum(s.shown is not None for s in found) >= 10
    assert [s.commands for s in found[:2]] == [
        "mkdir walkthrough && cd walkthrough\n",
        "lifeledger demo\n",
    ]


def test_the_ellipsis_stands_for_any_text_and_nothing_else() -> None:
    assert matches("root ...\nOK\n", "root 0bd7ee73\nOK\n")
    assert not matches("root ...\nOK\n", "root 0bd7ee73\nFAILED\n")
    assert not matches("a (b) [c]\n", "a b c\n")


def test_every_command_of_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    """One shell runs the steps in order (exports and variables carry over, as for a reader
    typing them); each step's stdout and stderr, in the order printed, are compared with the
    README's."""
    if shutil.which("bash") is None:
        pytest.skip("the README's commands are for a POSIX shell")
    exe = shutil.which("lifeledger", path=str(Path(sys.executable).parent)) or shutil.which(
        "lifeledger"
    )
    assert exe is not None, "lifeledger is not installed (pip install -e .)"
    found = steps((ROOT / "README.md").read_text(encoding="utf-8"))
    marker = "@@ README step done @@"
    script = "".join(f"{s.commands}\necho '{marker}'\n" for s in found)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LIFELEDGER_", "COLUMNS", "NO_COLOR"))}  # fmt: skip
    env["PATH"] = f"{Path(exe).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr in the order printed
    run = subprocess.run(["bash", "-c", f"exec 2>&1\n{script}"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    outputs = run.stdout.split(f"{marker}\n")
    assert len(outputs) == len(found) + 1, run.stdout[-3000:]
    for step, printed in zip(found, outputs, strict=False):
        assert "Traceback" not in printed, printed
        if step.shown is None:
            assert "Error:" not in printed, f"{step.commands}\n{printed}"
        else:
            assert matches(step.shown, printed), (
                f"README step:\n{step.commands}\nshows:\n{step.shown}\nprinted:\n{printed}"
            )


def test_the_chinese_readme_shows_the_same_commands_and_output_in_the_same_order() -> None:
    """README.zh-CN.md is the README in Simplified Chinese: its prose is translated, every
    command and every output block is the README's own, in the same order (so the walkthrough
    test above covers both)."""
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    chinese = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    blocks = [m.group(0) for m in FENCE.finditer(english)]
    assert [m.group(0) for m in FENCE.finditer(chinese)] == blocks
    for heading in ("## 上手演练", "## 审计人员的工作流程", "## 故障排除"):
        assert f"\n{heading}\n" in chinese


def test_the_chinese_operators_notes_give_the_same_commands_in_the_same_order() -> None:
    """docs/operators.zh-CN.md translates the prose only: an operator copying a command from it
    types exactly what the English notes give."""
    english = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    chinese = (ROOT / "docs" / "operators.zh-CN.md").read_text(encoding="utf-8")
    blocks = [m.group(0) for m in FENCE.finditer(english)]
    assert blocks
    assert [m.group(0) for m in FENCE.finditer(chinese)] == blocks
    assert "(operators.zh-CN.md)" in english and "(operators.md)" in chinese
