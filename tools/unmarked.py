"""User-facing string literals not marked for translation, and a rewrite that marks them.

    python tools/unmarked.py [FILE...]          # list them (default: ledger/, projections/, cli/)
    python tools/unmarked.py --fix FILE...      # mark them: _("...") / _("... {x}").format(x=...)

A literal is user-facing when it is a text argument of an error (a call whose name ends in
``Error`` or ``Exception``, click's ``UsageError``/``BadParameter``/``fail``), a click text
(``help=``, ``short_help=``, ``prompt=``, ``epilog=``, ``label=``), a message printed
(``click.echo``, ``click.secho``, ``info``, ``click.prompt``, ``click.confirm``), or a table's
headers (the first argument of ``table``). The article (``"Art. 12"``, first argument of a
rule's error) is not a message: :func:`ledger.i18n.article_label` shows it. ``tests/test_i18n.py``
fails on any such literal left unmarked.
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ledger", "projections", "cli")
MARKERS = {"_", "N_", "ngettext", "pgettext"}
TEXT_KEYWORDS = {
    "help",
    "short_help",
    "prompt",
    "epilog",
    "label",
    "message",
    "hint",
    "rule",
    "title",
    "empty",
}
PRINTERS = {
    "echo",
    "secho",
    "info",
    "prompt",
    "confirm",
    "UsageError",
    "BadParameter",
    "fail",
    "passphrase",
    "new_passphrase",
    "progress",
    "progress_callback",
}
#: The CLI's own option makers, by the position of their help text.
HELP_AT = {
    "on_option": 0,
    "long_text_option": 1,
    "case_document": 1,
    "Outcome": 1,
    # failures found by verification and by the read side's checks: their message
    "add_problem": 0,
    "_damaged": 0,
    "_fail_event": 1,
    "_check_hash": 1,
    "_get": 2,
    "refuse_row": 2,
    "check_index_rows": 2,
    "case_checked": 2,
    "refuse": 1,
    "_failures": 1,
}
ARTICLE_FIRST = {"RuleViolationError", "NotAuthorisedError"}
#: Modules of the command line and of the read side whose every text is for people.
LETTERS = re.compile(r"[A-Za-z]{2}")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_text(node: ast.expr) -> bool:
    """A literal worth translating: it has words (not a code, a separator or a format)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(LETTERS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(v, ast.Constant) and LETTERS.search(str(v.value)) for v in node.values
        )
    return False


def _texts(node: ast.expr) -> Iterator[ast.expr]:
    """The literals in an argument: itself, the branches of ``a if c else b``, the parts of
    ``a + b``."""
    if _is_text(node):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _texts(node.left)
        yield from _texts(node.right)


def user_texts(tree: ast.AST) -> Iterator[ast.expr]:
    """Every user-facing literal in ``tree``, marked or not."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in MARKERS:
            continue
        args: list[ast.expr] = []
        if name.endswith(("Error", "Exception")) or name in PRINTERS:
            args = list(node.args[1:] if name in ARTICLE_FIRST else node.args)
            args += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        elif name == "table" and node.args:
            first = node.args[0]
            args = list(first.elts) if isinstance(first, ast.List | ast.Tuple) else []
        elif name == "Column":  # Column(key, header): the header
            args = node.args[1:2] + [k.value for k in node.keywords if k.arg == "header"]
        elif name in HELP_AT:  # the CLI's option makers: their help text
            position = HELP_AT[name]
            args = node.args[position : position + 1]
            args += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        else:
            args = [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        for arg in args:
            yield from _texts(arg)


@dataclass(frozen=True)
class Unmarked:
    path: str
    line: int
    text: str


def unmarked(path: Path) -> list[Unmarked]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    return [
        Unmarked(rel, n.lineno, ast.get_source_segment(source, n) or "") for n in user_texts(tree)
    ]


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


# the rewrite ----------------------------------------------------------------------------
def _placeholder(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        name = expr.id
    elif isinstance(expr, ast.Attribute):
        name = expr.attr
    elif isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
        name = str(expr.slice.value)
    elif isinstance(expr, ast.Call):
        name = _name(expr.func)
    else:
        name = "value"
    name = name.strip("_") or "value"
    if not name.isidentifier() or keyword.iskeyword(name):
        name = "value"
    return name


def _chunks(text: str, width: int = 72) -> list[str]:
    words = re.split(r"(?<= )", text)
    out: list[str] = [""]
    for w in words:
        if out[-1] and len(out[-1]) + len(w) > width:
            out.append("")
        out[-1] += w
    return out


def _literal(text: str) -> str:
    parts = _chunks(text)
    if len(parts) == 1:
        return _quote(text)
    return " ".join(_quote(p) for p in parts)  # inside the call's parentheses


def _quote(text: str) -> str:
    body = repr(text)
    if body.startswith("'") and '"' not in text:
        body = '"' + body[1:-1].replace("\\'", "'") + '"'
    return body


def rewrite(node: ast.expr, source: str) -> str | None:
    """The marked form of one literal, or None where it needs a person (nested formats)."""
    if isinstance(node, ast.Constant):
        segment = ast.get_source_segment(source, node) or _quote(str(node.value))
        return f"_({segment})"
    assert isinstance(node, ast.JoinedStr)
    template, names = "", dict[str, str]()  # placeholder -> expression source
    for value in node.values:
        if isinstance(value, ast.Constant):
            template += str(value.value).replace("{", "{{").replace("}", "}}")
            continue
        assert isinstance(value, ast.FormattedValue)
        code = ast.unparse(value.value)
        name = _placeholder(value.value)
        base, n = name, 2
        while name in names and names[name] != code:
            name, n = f"{base}{n}", n + 1
        names[name] = code
        field = name
        if value.conversion != -1:
            field += "!" + chr(value.conversion)
        if value.format_spec is not None:
            spec = value.format_spec
            if not isinstance(spec, ast.JoinedStr) or not all(
                isinstance(v, ast.Constant) for v in spec.values
            ):
                return None
            field += ":" + "".join(str(v.value) for v in spec.values)  # type: ignore[attr-defined]
        template += "{" + field + "}"
    arguments = ", ".join(f"{k}={v}" for k, v in names.items())
    return f"_({_literal(template)}).format({arguments})"


def fix(path: Path) -> list[Unmarked]:
    """Mark every user-facing literal in ``path``; returns those left for a person."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    data = source.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    found = sorted(user_texts(tree), key=lambda n: (n.lineno, n.col_offset))
    edits: list[tuple[int, int, str]] = []
    left: list[Unmarked] = []
    for node in found:
        assert node.end_lineno is not None and node.end_col_offset is not None
        start = starts[node.lineno - 1] + node.col_offset
        end = starts[node.end_lineno - 1] + node.end_col_offset
        if edits and start < edits[-1][1]:
            continue  # inside a literal already rewritten
        new = rewrite(node, source)
        if new is None:
            left.append(
                Unmarked(str(path), node.lineno, ast.get_source_segment(source, node) or "")
            )
            continue
        edits.append((start, end, new))
    if not edits:
        return left
    for start, end, new in reversed(edits):
        data = data[:start] + new.encode("utf-8") + data[end:]
    text = data.decode("utf-8")
    if not re.search(r"^from ledger\.i18n import .*\b_\b", text, re.M):
        text = _add_import(text)
    path.write_text(unshadow(text), encoding="utf-8")
    return left


def unshadow(text: str) -> str:
    """``_`` bound in a function (``a, _ = f()``) would hide the imported ``_()``: such a
    binding becomes ``_unused`` (comprehensions have their own scope and keep theirs)."""
    tree = ast.parse(text)
    own_scope = {
        id(n)
        for c in ast.walk(tree)
        if isinstance(c, ast.comprehension)
        for n in ast.walk(c.target)
    }
    names = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Name)
        and n.id == "_"
        and isinstance(n.ctx, ast.Store)
        and id(n) not in own_scope
    ]
    if not names:
        return text
    data = text.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for n in sorted(names, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        start = starts[n.lineno - 1] + n.col_offset
        data = data[:start] + b"_unused" + data[start + 1 :]
    return data.decode("utf-8")


def _add_import(text: str) -> str:
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    last = 0
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) and node.col_offset == 0:
            last = node.end_lineno or node.lineno
        elif last:
            break
    lines.insert(last, "from ledger.i18n import _\n")
    return "".join(lines)


def main(argv: list[str]) -> int:
    fixing = "--fix" in argv
    paths = [Path(a).resolve() for a in argv[1:] if a != "--fix"] or sources()
    count = 0
    for path in paths:
        for u in fix(path) if fixing else unmarked(path):
            if fixing or not _marked_already(u):
                print(f"{u.path}:{u.line}: {u.text}")
                count += 1
    return 1 if count and not fixing else 0


def _marked_already(u: Unmarked) -> bool:
    return False


if __name__ == "__main__":
    sys.exit(main(sys.argv))
