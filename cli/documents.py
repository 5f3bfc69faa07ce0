"""Commands: ``document decision | file-entry | appeal-notice | verify | check``.

Documents render only from verified events (see :mod:`projections.documents`), as of a
signed checkpoint, and carry a verification code and its QR code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.click_types import INTEGER, PathType
from cli.common import LedgerGroup, check_not_gone_back, emit, info, settings
from cli.files import output_path
from cli.options import json_option
from ledger.i18n import _, enumerated

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from projections.documents.blocks import Document
    from projections.documents.checking import CodeReport, DocumentReport
    from projections.documents.code import VerificationCode
    from projections.documents.evidence import EvidenceSource

FORMATS = ("docx", "pdf")


@click.group("document", cls=LedgerGroup)
def document_group() -> None:
    """Documents to file and print (Art. 10, 11, 12), each bound to the ledger by a
    verification code (核验码) and its QR code; checked with `document verify`/`check`."""


def _source(bundle: str | None, root_fingerprint: str | None) -> EvidenceSource:
    from projections.documents.evidence import BundleEvidence, LedgerEvidence

    if bundle is not None:
        if not root_fingerprint:
            raise click.UsageError(_("--bundle needs --root-fingerprint: the root key you pinned"))
        return BundleEvidence(Path(bundle), root_fingerprint)
    return LedgerEvidence(settings().open(signed=False), root_fingerprint)


def document_path(out: str, force: bool, formats: tuple[str, ...] = FORMATS) -> tuple[Path, str]:
    """The file to write and its format (from the suffix); never the ledger or a key, and an
    existing file only with ``--force`` (:func:`cli.files.output_path`)."""
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in formats:
        raise click.UsageError(
            _("--out {out}: give a file ending in {suffixes}").format(
                out=out, suffixes=_(" or ").join(f".{f}" for f in formats)
            )
        )
    return output_path(path, force=force), fmt


def write(document: Document, path: Path, fmt: str, force: bool) -> None:
    """Write the document in its format (a temporary file, then renamed into place)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        if fmt == "pdf":
            from projections.documents.pdf import write_pdf

            write_pdf(document, tmp)
        elif fmt == "xlsx":
            from projections.documents.workbook import write_xlsx

            write_xlsx(document, tmp)
        else:
            from projections.documents.word import write_docx

            write_docx(document, tmp)
        output_path(path, force=force)  # made meanwhile by someone else?
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def events_phrase(code: VerificationCode) -> str:
    """Which events a document was rendered from, as the messages say it."""
    if code.positions:
        return _("the events at log positions {positions}").format(
            positions=enumerated(map(str, code.positions))
        )
    return _("{count} events (their log positions are listed in the document)").format(
        count=code.count
    )


def report_written(document: Document, path: Path) -> None:
    code = document.code
    data: dict[str, Any] = {
        "file": str(path),
        "kind": code.kind,
        "document": document.description,
        "code": str(code),
        "tree_size": code.tree_size,
        "positions": list(code.positions),
        "events": code.count,
        "events_after_checkpoint": document.later,
    }
    if document.later:
        info(
            _(
                "Note: {later} later events of these records are after checkpoint "
                "{tree_size} and not in this document; run `lifeledger checkpoint make` "
                "and render it again to include them."
            ).format(later=document.later, tree_size=code.tree_size)
        )
    emit(
        data,
        _(
            "Wrote {description} to {path}.\nRendered from {events_phrase}, verified "
            "at checkpoint {tree_size}.\n核验码 (verification code): {code}"
        ).format(
            description=document.description,
            path=path,
            events_phrase=events_phrase(code),
            tree_size=code.tree_size,
            code=code,
        ),
    )


def case_document(kind: str, help_text: str) -> click.Command:
    @click.command(help=help_text)
    @click.argument("case_no", metavar="CASE_NO")
    @click.option(
        "--party",
        metavar="CODE",
        help=_("The party: a personnel number or a unit code named in the case."),
    )
    @click.option("--person", metavar="PERSONNEL_NO", help=_("The party is this cadre."))
    @click.option("--unit", metavar="UNIT_CODE", help=_("The party is this unit."))
    @click.option(
        "--out",
        required=True,
        type=PathType(dir_okay=False),
        help=_("The file to write: .docx, or .pdf where a CJK font is installed."),
    )
    @click.option(
        "--size",
        type=INTEGER,
        default=None,
        help=_("Render at the checkpoint of this size (default: the latest)."),
    )
    @click.option("--force", is_flag=True, help=_("Replace an existing file."))
    @click.option(
        "--root-fingerprint",
        "root_fingerprint",
        metavar="FP",
        help=_("Render only if the events chain to this pinned root key."),
    )
    @json_option
    def command(
        case_no: str, party: str | None, person: str | None, unit: str | None, out: str,
        size: int | None, force: bool, root_fingerprint: str | None,
    ) -> None:  # fmt: skip
        from projections.documents.content import render_case_document
        from projections.documents.evidence import LedgerEvidence

        given = [(t, c) for t, c in ((None, party), ("person", person), ("unit", unit)) if c]
        if len(given) != 1:
            raise click.UsageError(_("name the party: --party CODE (or --person / --unit)"))
        path, fmt = document_path(out, force)
        source = LedgerEvidence(settings().open(signed=False), root_fingerprint)
        document = render_case_document(
            source, kind, case_no=case_no, party=given[0], tree_size=size
        )
        check_not_gone_back(source.app)  # after the document's own checks, before writing
        write(document, path, fmt, force)
        report_written(document, path)

    return command


decision = case_document(
    "D",
    _("""《责任追究决定书》 (Art. 10) for a party's latest decision, laid out to GB/T 9704-2012:
    facts, basis, measures, approving authority, effective date, appeal period and the
    authority that accepts appeals, as the signed decision records them."""),
)
file_entry = case_document(
    "F",
    _("""The accountability material for the party's personnel file (人事档案, Art. 11): the
    decision, its announcement, the file entry and the appeal and its outcome."""),
)
appeal_notice = case_document(
    "A",
    _("""The written notice of the appeal decision (书面告知, Art. 12) to the appellant and,
    for a person, their unit."""),
)
document_group.add_command(decision, "decision")
document_group.add_command(file_entry, "file-entry")
document_group.add_command(appeal_notice, "appeal-notice")

source_options: list[Callable[[Any], Any]] = [
    click.option("--bundle", type=PathType(dir_okay=False, exists=True),
                 help=_("Check against an auditor's bundle (lifeledger bundle export) instead.")),
    click.option("--root-fingerprint", "root_fingerprint", metavar="FP",
                 help=_("The ledger's root key fingerprint, as pinned (needed with --bundle).")),
]  # fmt: skip


def _with_source_options(f: Any) -> Any:
    for option in reversed(source_options):
        f = option(f)
    return f


def _code_data(report: CodeReport) -> dict[str, Any]:
    code = report.code
    return {
        "ok": bool(report),
        "code": str(code),
        "kind": code.kind,
        "document": report.description,
        "source": report.source,
        "tree_size": code.tree_size,
        "positions": list(code.positions),
        "events": code.count,
        "problems": list(report.problems),
        "newer": report.newer,
    }


def _problems_text(head: str, problems: tuple[str, ...]) -> str:
    return "\n".join([head, *(f"  - {p}" for p in problems)])


@document_group.command("verify")
@click.argument("file", type=PathType(dir_okay=False, exists=True))
@_with_source_options
@json_option
def document_verify(file: str, bundle: str | None, root_fingerprint: str | None) -> None:
    """Check a .docx or .xlsx document: its code against the ledger (or a bundle), then every
    paragraph against the document rendered again from the signed events."""
    from projections.documents.checking import verify_file

    source = _source(bundle, root_fingerprint)
    report: DocumentReport = verify_file(source, Path(file))
    code = report.code.code

    def text() -> str:
        if report:
            return _(
                "{file} matches {description}: {description2}, rendered from "
                "{events_phrase} of checkpoint {tree_size}."
            ).format(
                file=file,
                description=source.description,
                description2=report.code.description,
                events_phrase=events_phrase(code),
                tree_size=code.tree_size,
            ) + (_("\nNote: {newer}.").format(newer=report.code.newer) if report.code.newer else "")
        return _problems_text(
            _("{file} does NOT match {description}:").format(
                file=file, description=source.description
            ),
            report.problems,
        )

    emit({**_code_data(report.code), "file": file, "ok": bool(report),
          "problems": list(report.problems)}, text)  # fmt: skip
    if not report:
        raise click.exceptions.Exit(1)


@document_group.command("check", context_settings={"ignore_unknown_options": True})
@click.argument("code", nargs=-1, required=True, type=click.UNPROCESSED)
@_with_source_options
@json_option
def document_check(code: tuple[str, ...], bundle: str | None, root_fingerprint: str | None) -> None:
    """Check a verification code typed or scanned from paper (spaces and case do not matter)."""
    from projections.documents.checking import check_code
    from projections.documents.code import VerificationCode

    parsed = VerificationCode.parse(" ".join(code))
    source = _source(bundle, root_fingerprint)
    report, _unused = check_code(source, parsed)

    def text() -> str:
        if report:
            return _(
                "The code matches {description}: {description2}, rendered from "
                "{events_phrase} of checkpoint {tree_size}."
            ).format(
                description=source.description,
                description2=report.description,
                events_phrase=events_phrase(parsed),
                tree_size=parsed.tree_size,
            ) + (_("\nNote: {newer}.").format(newer=report.newer) if report.newer else "")
        return _problems_text(
            _("The code does NOT match {description}:").format(description=source.description),
            report.problems,
        )

    emit(_code_data(report), text)
    if not report:
        raise click.exceptions.Exit(1)


commands: list[click.Command] = [document_group]
