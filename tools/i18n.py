"""The Chinese catalog: extract the marked messages, merge them into the .po, compile the .mo.

    python tools/i18n.py update     # new messages into the .po (empty), then compile the .mo
    python tools/i18n.py compile    # the .mo from the .po only
    python tools/i18n.py missing    # the messages still untranslated, numbered
    python tools/i18n.py fill FILE  # translations as 'N<TAB>"json string"' lines (N: `missing`)

Messages are the arguments of ``_()``, ``N_()``, ``NP_()``, ``pgettext()`` and ``ngettext()``
in ``ledger/``, ``projections/`` and ``cli/`` (Babel's Python extractor), the docstrings of
click commands (their help, translated when the command is shown) and click's own messages (it calls
gettext in the global domain, which ``ledger.i18n`` points at this catalog). Needs Babel (the
test extra); the runtime reads the compiled .mo with the standard library.
"""

from __future__ import annotations

import ast
import datetime
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ledger", "projections", "cli")
PO = ROOT / "ledger/locale/zh_CN/LC_MESSAGES/lifeledger.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NP_": ((1, "c"), 2),
}
FIXED_DATE = datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC)
HEADER = "lifeledger messages in Simplified Chinese (湖南省信访工作责任追究办法的用语)."


def _click_dir() -> Path:
    import click

    return Path(click.__file__).parent


def _is_click_command(node: ast.FunctionDef) -> bool:
    for dec in node.decorator_list:
        func = dec.func if isinstance(dec, ast.Call) else dec
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("command", "group"):
            return True
    return False


def command_docstrings(path: Path) -> Iterator[tuple[int, str]]:
    """The help of each click command in ``path``: its docstring as click shows it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and _is_click_command(node):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.lineno, doc


def extract() -> Catalog:
    """Every message to translate, with where it comes from."""
    template = Catalog(project="lifeledger", fuzzy=False)
    for package in PACKAGES:
        for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            template.add(message, locations=[(f"{package}/{filename}", lineno)], context=context)
        for path in sorted((ROOT / package).rglob("*.py")):
            for lineno, doc in command_docstrings(path):
                template.add(doc, locations=[(str(path.relative_to(ROOT)), lineno)])
    click_dir = _click_dir()
    for filename, lineno, message, _comments, _context in extract_from_dir(
        click_dir, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        template.add(message, locations=[(f"click/{filename}", lineno)])
    return template


def read_catalog() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN", domain="lifeledger")


def compiled(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def write_catalog(catalog: Catalog) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, omit_header=False, ignore_obsolete=True, sort_output=False)
    PO.write_bytes(buf.getvalue())
    MO.write_bytes(compiled(catalog))


def update() -> Catalog:
    """The .po with every extracted message (new ones empty; gone ones dropped), compiled."""
    template = extract()
    if PO.exists():
        catalog = read_catalog()
        catalog.update(template, no_fuzzy_matching=True)
    else:
        catalog = Catalog(locale="zh_CN", domain="lifeledger", project="lifeledger")
        catalog.update(template, no_fuzzy_matching=True)
    _fixed_header(catalog)
    write_catalog(catalog)
    return catalog


def _msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _done(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return all(strings) and not message.fuzzy


def _fixed_header(catalog: Catalog) -> None:
    """No dates or versions that change on every update: merges stay clean."""
    catalog.header_comment = f"# {HEADER}"
    catalog.fuzzy = False
    catalog.project = "lifeledger"
    catalog.version = "1"
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    catalog.last_translator = "lifeledger"
    catalog.language_team = "lifeledger"
    catalog.msgid_bugs_address = ""


def missing(catalog: Catalog) -> list[str]:
    """The msgids without a translation (or with a fuzzy one), in the catalog's order."""
    return [_msgid(m) for m in catalog if m.id and not _done(m)]


def fill(catalog: Catalog, lines: list[str]) -> None:
    """Translations of the ``missing`` messages by their number, each a JSON string."""
    todo = [m for m in catalog if m.id and not _done(m)]
    for line in lines:
        if not line.strip():
            continue
        number, _tab, text = line.rstrip("\n").partition("\t")
        message = todo[int(number)]
        text = json.loads(text)
        message.string = (text,) if isinstance(message.id, tuple | list) else text
        message.flags.discard("fuzzy")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "update"
    if command == "update":
        catalog = update()
        print(f"{PO.relative_to(ROOT)}: {len(catalog) - 1} messages, {len(missing(catalog))} to do")
    elif command == "compile":
        MO.write_bytes(compiled(read_catalog()))
    elif command == "missing":
        for i, m in enumerate(missing(read_catalog())):
            print(f"{i}\t{json.dumps(m, ensure_ascii=False)}")
    elif command == "fill":
        catalog = read_catalog()
        fill(catalog, Path(argv[2]).read_text(encoding="utf-8").splitlines())
        _fixed_header(catalog)
        write_catalog(catalog)
        print(f"{len(missing(catalog))} to do")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
