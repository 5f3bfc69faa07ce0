"""Command: ``proof``: one person's or one case's events with inclusion proofs (RFC 9162),
checked offline against a pinned root fingerprint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.click_types import INTEGER, PathType
from cli.common import emit, settings, to_json
from cli.files import output_path
from cli.output import show_report
from cli.verification import (
    FAILURE_COLUMNS,
    failure_rows,
    failures_format_option,
    force_option,
    labelled_keys,
    record_label,
    witness_option,
)
from ledger.i18n import _, pgettext

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.audit.proofs import ProofReport


@click.group("proof")
def proof_group() -> None:
    """Proofs of one person's or one case's events, checkable on their own (RFC 9162)."""


def _write_proof(doc: dict[str, Any], out: str, what: str) -> None:
    Path(out).write_text(to_json(doc) + "\n", encoding="utf-8")
    n = len(doc["events"])
    later = doc["events_after_checkpoint"]
    emit(
        {
            "file": out,
            "events": n,
            "tree_size": doc["checkpoint"]["tree_size"],
            "records": sorted(doc["records"].values()),
            "events_after_checkpoint": later,
        },
        _(
            "Wrote the proof of {what}: {n} events (with the key registry) included "
            "in checkpoint {tree_size}, to {out}."
        ).format(what=what, n=n, tree_size=doc["checkpoint"]["tree_size"], out=out)
        + (
            _(
                "\n{later} later events are not covered yet; run `lifeledger checkpoint` first."
            ).format(later=later)
            if later
            else ""
        ),
    )


size_option = click.option(
    "--size", type=INTEGER, default=None, help=_("Prove against the checkpoint of this size.")
)


@proof_group.command("cadre")
@click.argument("personnel_no")
@click.option("--out", required=True, type=PathType(dir_okay=False), help=_("Proof file."))
@force_option
@size_option
def proof_cadre(personnel_no: str, out: str, force: bool, size: int | None) -> None:
    """A cadre's whole accountability history (Art. 8, 11) with inclusion proofs."""
    from ledger.audit.proofs import export_cadre_proof

    output_path(out, force=force)
    app = settings().open(signed=False)
    doc = export_cadre_proof(app, personnel_no, size)
    _write_proof(doc, out, _("cadre {personnel_no}'s history").format(personnel_no=personnel_no))


@proof_group.command("case")
@click.argument("case_no")
@click.option("--out", required=True, type=PathType(dir_okay=False), help=_("Proof file."))
@force_option
@size_option
def proof_case(case_no: str, out: str, force: bool, size: int | None) -> None:
    """One case's events with inclusion proofs."""
    from ledger.audit.proofs import export_case_proof

    output_path(out, force=force)
    app = settings().open(signed=False)
    doc = export_case_proof(app, case_no, size)
    _write_proof(doc, out, _("case {case_no}").format(case_no=case_no))


@proof_group.command("verify")
@click.argument("file", type=PathType(dir_okay=False, exists=True))
@click.option(
    "--root-fingerprint",
    "root_fingerprint",
    required=True,
    metavar="FP",
    help=_("SHA-256 fingerprint (hex) of the ledger's root key, as pinned."),
)
@witness_option
@failures_format_option
def proof_verify(
    file: str, root_fingerprint: str, witnesses: tuple[str, ...], fmt: str | None
) -> None:
    """Verify a proof file offline: signatures, keys at their positions, inclusion in the
    signed checkpoint."""
    from ledger.audit.proofs import verify_proof

    report: ProofReport = verify_proof(
        Path(file).read_bytes(), root_fingerprint, witnesses=witnesses,
        description=_("proof {file}").format(file=file),
    )  # fmt: skip

    def text() -> str:
        lines = [report.result.summary()]
        if report.completeness:
            lines.append(
                _("Cadre {get}: {completeness}.").format(
                    get=report.subject.get("personnel_no"), completeness=report.completeness
                )
            )
        if report.records:
            lines.append(
                _("Records proven: ")
                + pgettext("separator", ", ").join(record_label(r) for r in report.records)
            )
        if report.events_after_checkpoint:
            lines.append(
                _(
                    "Note: {events_after_checkpoint} later events of these records were not "
                    "covered by the checkpoint."
                ).format(events_after_checkpoint=report.events_after_checkpoint)
            )
        return "\n".join(lines)

    rows = failure_rows([f.to_dict() for f in report.result.failures])
    show_report(fmt, labelled_keys(report.to_dict()), text, rows, FAILURE_COLUMNS)
    if not report:
        raise click.exceptions.Exit(1)


commands: list[click.Command] = [proof_group]
