"""Checking a printed document, or its code, against the ledger or an auditor's bundle.

``document check CODE``: the code must name this ledger's root key, one of its signed
checkpoints (size and root), and events whose exact stored bytes give the code's digest when
the document is rendered again at that checkpoint. ``document verify FILE``: the same for
the code the file carries, and then every paragraph must read as the ledger renders it.
Nothing raises for a finding: the reports list every difference, named.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import InvalidInputError, LedgerError
from ledger.i18n import N_, _, enumerated
from projections.documents.blocks import Document
from projections.documents.code import VerificationCode
from projections.documents.content import render_case_document
from projections.documents.evidence import EvidenceSource

__all__ = ["CodeReport", "DocumentReport", "check_code", "render_again", "verify_file"]

CODE_PREFIX = "核验码："


@dataclass(frozen=True)
class CodeReport:
    """What a code names, and every way it does not match the source (empty when it does)."""

    code: VerificationCode
    source: str
    description: str | None
    problems: tuple[str, ...]
    #: When the code matches: what the ledger recorded about the document's subject since
    #: its checkpoint (a paper copy stays true of its checkpoint, but may be out of date).
    newer: str | None = None

    def __bool__(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class DocumentReport:
    """A document file checked: its code, and each paragraph that differs."""

    path: Path
    code: CodeReport
    differences: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.code) and not self.differences

    @property
    def problems(self) -> tuple[str, ...]:
        return self.code.problems + self.differences


def render_again(source: EvidenceSource, code: VerificationCode) -> Document:
    """The document a code was made for, rendered again at the code's checkpoint."""
    if code.kind in ("D", "F", "A"):
        return render_case_document(
            source, code.kind, anchor=int(code.subject), tree_size=code.tree_size
        )
    from projections.documents.report import render_report_again

    return render_report_again(source, code)


def _hex(raw: bytes) -> str:
    return raw.hex()[:16]


def check_code(
    source: EvidenceSource, code: VerificationCode
) -> tuple[CodeReport, Document | None]:
    """Check a code against the source; the document rendered again when it could be."""
    where = source.description
    ours = bytes.fromhex(source.root_fingerprint)[:16]
    if code.root_prefix != ours:
        problem = _(
            "the code is from another ledger: it names root key {hex}…, {where} is "
            "rooted at {hex2}…"
        ).format(hex=_hex(code.root_prefix), where=where, hex2=_hex(ours))
        return CodeReport(code, where, None, (problem,)), None
    if code.tree_size not in source.checkpoint_sizes():
        problem = _(
            "{where} has no signed checkpoint of size {tree_size}, which the code names"
        ).format(where=where, tree_size=code.tree_size)
        return CodeReport(code, where, None, (problem,)), None
    try:
        again = render_again(source, code)
    except LedgerError as e:
        return CodeReport(
            code, where, None, (_("the document cannot be rendered again: {e}").format(e=e),)
        ), None
    problems = []
    if again.code.tree_prefix != code.tree_prefix:
        problems.append(
            _(
                "checkpoint {tree_size} of {where} has root {hex}…, the code names root {hex2}…"
            ).format(
                tree_size=code.tree_size,
                where=where,
                hex=_hex(again.code.tree_prefix),
                hex2=_hex(code.tree_prefix),
            )
        )
    if again.code.positions != code.positions or again.code.count != code.count:
        said = enumerated(map(str, code.positions)) or _("{count} events").format(count=code.count)
        now = enumerated(map(str, again.code.positions)) or _("{count} events").format(
            count=again.code.count
        )
        problems.append(
            _(
                "the code names the events at log positions {said}; at checkpoint "
                "{tree_size} the document renders from {now}"
            ).format(said=said, tree_size=code.tree_size, now=now)
        )
    elif again.code.digest != code.digest:
        problems.append(
            _(
                "the stored bytes of the events at log positions {value} are not those "
                "the document was rendered from (digest {hex} in the code, {hex2} in "
                "{where})"
            ).format(
                value=enumerated(map(str, code.positions))
                or _("({count} events)").format(count=code.count),
                hex=code.digest.hex(),
                hex2=again.code.digest.hex(),
                where=where,
            )
        )
    newer = None if problems else _newer(source, code)
    return CodeReport(code, where, again.description, tuple(problems), newer), again


def _newer(source: EvidenceSource, code: VerificationCode) -> str | None:
    """How the document would read at the latest checkpoint, if that differs."""
    latest = max(source.checkpoint_sizes())
    if latest == code.tree_size:
        return None
    if code.kind in ("D", "F", "A"):
        now = render_case_document(
            source, code.kind, anchor=int(code.subject), tree_size=latest
        ).code
    else:
        return None  # a report is of its day: counted again, it is a new report
    if now.positions == code.positions and now.digest == code.digest:
        return None
    added = sorted(set(now.positions) - set(code.positions))
    return (
        _(
            "the ledger has recorded more about this since: at checkpoint {latest} "
            "the document renders from {len} events"
        ).format(latest=latest, len=len(now.positions))
        + (
            _(" (new: log positions {join})").format(join=enumerated(map(str, added)))
            if added
            else ""
        )
        + _("; print it again for the current record")
    )


def _excerpt(a: str, b: str) -> tuple[str, str]:
    """The parts of two texts around their first difference (whole when short)."""
    if len(a) <= 40 and len(b) <= 40:
        return a, b
    start = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    lo = max(0, start - 10)
    cut_a, cut_b = a[lo : start + 20], b[lo : start + 20]
    pre = "…" if lo else ""
    return (
        pre + cut_a + ("…" if start + 20 < len(a) else ""),
        pre + cut_b + ("…" if start + 20 < len(b) else ""),
    )


#: What a printed document is compared by, shown in the user's language.
TEXT_UNITS = (N_("paragraph"), N_("cell"))


def compare_texts(printed: list[str], expected: list[str], what: str = "paragraph") -> list[str]:
    """Each difference between the printed paragraphs and the ledger's, by position."""
    found = []
    matcher = difflib.SequenceMatcher(a=printed, b=expected, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            got, want = _excerpt(printed[i1 + k], expected[j1 + k])
            found.append(
                _("{what} {value} reads «{got}»; the ledger's reads «{want}»").format(
                    what=_(what), value=i1 + k + 1, got=got, want=want
                )
            )
        for i in range(i1 + pairs, i2):
            found.append(
                _("{what} {value} «{value2}» is not in the ledger's").format(
                    what=_(what), value=i + 1, value2=_excerpt(printed[i], "")[0]
                )
            )
        for j in range(j1 + pairs, j2):
            found.append(
                _(
                    "the ledger's {what} {value} «{value2}» is missing (after {what} {value3})"
                ).format(
                    what=_(what),
                    value=j + 1,
                    value2=_excerpt(expected[j], "")[0],
                    value3=i1 + pairs,
                )
            )
    return found


def printed_code(texts: list[str], stored: str | None, path: Path) -> VerificationCode:
    """The code printed on the document (the file's properties when no paragraph has one)."""
    for text in texts:
        if text.startswith(CODE_PREFIX):
            try:
                return VerificationCode.parse(text[len(CODE_PREFIX) :])
            except InvalidInputError as e:
                raise InvalidInputError(
                    _("the verification code printed in {path} does not read: {e}").format(
                        path=path, e=e
                    )
                ) from e
    if stored:
        return VerificationCode.parse(stored)
    raise InvalidInputError(
        _("{path} carries no lifeledger verification code ({CODE_PREFIX}…)").format(
            path=path, CODE_PREFIX=CODE_PREFIX
        )
    )


def verify_file(source: EvidenceSource, path: Path) -> DocumentReport:
    """Check a .docx or .xlsx made by lifeledger: its code, then its every paragraph/cell."""
    if path.suffix.lower() == ".xlsx":
        from projections.documents.workbook import read_xlsx

        texts, stored = read_xlsx(path)
        what = "cell"
    elif path.suffix.lower() == ".docx":
        from projections.documents.word import read_docx

        texts, tables, stored = read_docx(path)
        texts = texts + [c for t in tables for row in t for c in row]
        what = "paragraph"
    else:
        raise InvalidInputError(
            _("{path}: document verify reads .docx and .xlsx files").format(path=path)
        )
    code = printed_code(texts, stored, path)
    report, again = check_code(source, code)
    if again is None:
        return DocumentReport(path, report, ())
    if what == "cell":
        from projections.documents.workbook import workbook_texts

        expected = workbook_texts(again)
    else:
        expected = again.texts + [c for _, rows in again.tables for row in rows for c in row]
    return DocumentReport(path, report, tuple(compare_texts(texts, expected, what)))
