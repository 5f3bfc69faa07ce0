"""Commands for auditors: verify, checkpoint, bundle, proof.

``verify`` exits 1 when anything is wrong and names every failure; ``--json`` gives the same
as data. Checkpoints are C2SP signed notes signed with an admin key (``--key``) and cosigned by
auditors' own keys; bundles and proofs are checked offline against a pinned root fingerprint.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import emit, info, settings, to_json
from cli.files import output_path
from cli.output import Column, chosen, report_format_option, show_report
from cli.rollback import checkpoint_files_in, rollback_note
from cli.terminal import progress, table
from ledger.i18n import _, pgettext

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.audit.proofs import ProofReport
    from ledger.audit.verify import VerificationResult
    from ledger.transparency.tables import StoredCheckpoint

force_option = click.option(
    "--force",
    is_flag=True,
    help=_("Overwrite the file if it exists (never the ledger's database or a key file)."),
)


@contextmanager
def _progress(length: int | None, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a bar on a terminal only (stderr)."""
    with progress([], length, label) as bar:
        yield getattr(bar, "update", None)


def _read_notes(paths: tuple[str, ...]) -> tuple[bytes, ...]:
    from ledger.errors import InvalidInputError

    notes: list[bytes] = []
    for p in paths:
        try:
            # A kept note may have gained trailing blank lines; its text ends with one newline.
            notes.append(Path(p).read_bytes().rstrip(b"\r\n") + b"\n")
        except OSError as e:
            raise InvalidInputError(
                _("cannot read checkpoint file {p}: {strerror}").format(p=p, strerror=e.strerror)
            ) from e
    return tuple(notes)


def _check_label(code: str) -> str:
    from ledger.audit.verify.result import check_label  # loaded when shown: instant --help

    return check_label(code)


def _record_label(record: str) -> str:
    from ledger.audit.verify.result import record_label

    return record_label(record)


#: A verification's failures as rows (``--format csv``...): where, then what.
FAILURE_COLUMNS = (
    Column("check", _("check"), _check_label),
    Column("position", _("position")),
    Column("record", _("record"), _record_label),
    Column("topic", _("event")),
    Column("version", _("version")),
    Column("tree_size", _("checkpoint")),
    Column("message", _("what is wrong")),
)
failures_format_option = report_format_option(_("failures"))


def _failure_rows(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every failure with every column's key (a failure leaves out the fields it lacks)."""
    return [{c.key: None for c in FAILURE_COLUMNS} | f for f in failures]


def _labelled(data: dict[str, Any]) -> dict[str, Any]:
    """The report with each key's kind, role and status labelled as `key list` labels them
    (the same words everywhere)."""
    from projections.labels import KEY_STATUS_LABELS, authority_kind_label, role_label

    data["keys"] = [
        {**k, "authority_kind_label": authority_kind_label(k["authority_kind"]),
         "role_label": role_label(k["role"]),
         "status_label": KEY_STATUS_LABELS.get(k["status"], k["status"])}
        for k in data.get("keys", [])
    ]  # fmt: skip
    return data


def _finish(result: VerificationResult, fmt: str | None) -> None:
    """Print the report (text, JSON, or its failures as rows); exit 1 on any failure."""
    data = _labelled(result.to_dict())
    show_report(fmt, data, result.summary, _failure_rows(data["failures"]), FAILURE_COLUMNS)
    if not result:
        raise click.exceptions.Exit(1)


root_fingerprint_option = click.option(
    "--root-fingerprint",
    "root_fingerprint",
    metavar="FP",
    help=_("SHA-256 fingerprint (hex) of the root key you pinned at `init`."),
)
witness_option = click.option(
    "--witness",
    "witnesses",
    multiple=True,
    metavar="VKEY",
    help=_("A cosigner's verifier key that must have cosigned a checkpoint (repeatable)."),
)

workers_option = click.option(
    "--workers",
    default=2,
    show_default=True,
    help=_("Workers that parse, hash and verify the events (1: none)."),
)
parallel_option = click.option(
    "--parallel",
    type=click.Choice(["auto", "threads", "processes"]),
    default="auto",
    show_default=True,
    help=_(
        "Signature workers as threads or processes; auto: processes for logs of 30,000 "
        "events or more, threads below."
    ),
)


@click.command("verify")
@root_fingerprint_option
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help=_("A signed checkpoint you kept earlier; the log must still contain it (repeatable)."),
)
@click.option(
    "--checkpoint-dir",
    type=click.Path(file_okay=False, exists=True),
    help=_(
        "A folder of signed (cosigned) checkpoints kept outside the ledger; each counts as "
        "--checkpoint."
    ),
)
@witness_option
@workers_option
@parallel_option
@report_format_option(_("failures, then its warnings (check clock),"))
def verify_command(
    root_fingerprint: str | None,
    checkpoint_files: tuple[str, ...],
    checkpoint_dir: str | None,
    witnesses: tuple[str, ...],
    workers: int,
    parallel: str,
    fmt: str | None,
) -> None:
    """Verify the whole ledger: every signature, each key valid and authorised at its position
    (Art. 6), versions contiguous, the Merkle tree against every checkpoint (RFC 9162), and
    every event replayed through the Measures' rules (an act they forbid is named)."""
    from ledger.audit.semantic import with_measures
    from ledger.audit.verify import StoreSource, Verifier, VerifyOptions
    from ledger.transparency.tables import LedgerTables

    app = settings().open(signed=False)
    options = VerifyOptions(
        root_fingerprint=root_fingerprint,
        trusted_checkpoints=_read_notes(checkpoint_files + checkpoint_files_in(checkpoint_dir)),
        witnesses=witnesses,
        workers=max(1, workers),
        parallel=parallel,
    )
    source = StoreSource(app)
    with _progress(source.event_count(), _("Verifying")) as update:
        result = with_measures(app, Verifier(options).run(source, update))
    if root_fingerprint is None and result.root_fingerprint and chosen(fmt) == "table":
        info(
            _(
                "Note: no --root-fingerprint given; the root key was not compared with a pinned "
                "fingerprint."
            )
        )
    # The read models, recomputed from the events that passed, row by row.
    from projections.audit import audit_read_models  # the read side, only when verifying

    # Events that failed are left out; a root that is not the pinned one is not an event's
    # failure (the report says everything is relative to that root, and so are the views).
    failing = {
        f.notification_id
        for f in result.failures
        if f.notification_id is not None and not f.untrusted_root
    }
    views = audit_read_models(app, failing)
    stored = LedgerTables(app).checkpoints()
    rollback = rollback_note(
        len(options.trusted_checkpoints), max((c.tree_size for c in stored), default=None)
    )
    if not rollback["excluded"] and chosen(fmt) == "table":
        info(rollback["note"])
    data = _labelled(result.to_dict())
    show_report(
        fmt,
        {**data, "ok": result.ok and bool(views), "read_models": views.to_dict(),
         "rollback": rollback},
        lambda: f"{result.summary()}\n{views.summary()}",
        _failure_rows(data["failures"] + data["warnings"]),
        FAILURE_COLUMNS,
    )  # fmt: skip
    if not result or not views:
        raise click.exceptions.Exit(1)


# --- checkpoints -------------------------------------------------------------------------------


def _checkpoint_data(cp: StoredCheckpoint) -> dict[str, Any]:
    return {
        "tree_size": cp.tree_size,
        "root": base64.b64encode(cp.root).decode(),
        "created_at": cp.created_at,
        "note": cp.note.decode("utf-8", errors="replace"),
    }


@click.group("checkpoint", invoke_without_command=True)
@click.pass_context
def checkpoint_group(ctx: click.Context) -> None:
    """Signed checkpoints of the Merkle log (C2SP tlog-checkpoint); alone: make one."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(checkpoint_make)


@checkpoint_group.command("make")
def checkpoint_make() -> None:
    """Sign and store a checkpoint of the current log with an admin key (--key)."""
    from ledger.transparency.checkpoints import make_checkpoint, note_vkey, origin_for

    app = settings().open(signed=True)
    assert app.signer is not None
    cp, new = make_checkpoint(app, app.signer)
    origin = origin_for(app.root_fingerprint())
    data = {
        **_checkpoint_data(cp),
        "new": new,
        "origin": origin,
        "vkey": note_vkey(origin, app.signer.public_raw),
    }

    def text() -> str:
        head = (
            _("Checkpoint of size {tree_size} signed and stored.").format(tree_size=cp.tree_size)
            if new
            else _("No new events since checkpoint {tree_size}; nothing signed.").format(
                tree_size=cp.tree_size
            )
        )
        return f"{head}\n\n{cp.note.decode()}"

    emit(data, text)


CHECKPOINT_COLUMNS = (
    Column("tree_size", _("size")),
    Column("root", _("root")),
    Column("created_at", _("created (UTC)")),
    Column("cosigned_by", _("cosigned by"), lambda names: ", ".join(names)),
)


@checkpoint_group.command("list")
@report_format_option(_("checkpoints"))
def checkpoint_list(fmt: str | None) -> None:
    """List the stored checkpoints and their cosignatures."""
    from ledger.transparency.tables import LedgerTables

    app = settings().open(signed=False)
    tables = LedgerTables(app)
    checkpoints = tables.checkpoints()
    cosigs = tables.cosignatures()
    by_size: dict[int, list[str]] = {}
    for c in cosigs:
        by_size.setdefault(c.tree_size, []).append(c.name)
    data = [
        {**_checkpoint_data(cp), "cosigned_by": by_size.get(cp.tree_size, [])} for cp in checkpoints
    ]
    latest = data[-1]["tree_size"] if data else None
    show_report(
        fmt,
        {
            "checkpoints": data,
            "next": f"lifeledger checkpoint show {latest}" if latest is not None else None,
        },
        lambda: (
            table(
                [_("size"), _("root"), _("created (UTC)"), _("cosigned by")],
                [
                    (
                        d["tree_size"],
                        d["root"],
                        d["created_at"],
                        ", ".join(d["cosigned_by"]) or None,
                    )
                    for d in data
                ],
            )
            if data
            else _("No checkpoints yet; run `lifeledger checkpoint`.")
        ),
        data,
        CHECKPOINT_COLUMNS,
    )


@checkpoint_group.command("show")
@click.argument("size", type=int, required=False)
def checkpoint_show(size: int | None) -> None:
    """Print a checkpoint's signed note with its cosignatures (default: the latest), to keep."""
    from ledger.transparency.tables import LedgerTables

    app = settings().open(signed=False)
    tables = LedgerTables(app)
    cp = tables.checkpoint(size)
    lines = [c.line for c in tables.cosignatures() if c.tree_size == cp.tree_size]
    note = cp.note + b"".join(lines)
    emit({**_checkpoint_data(cp), "note": note.decode()}, lambda: note.decode().rstrip("\n"))


@checkpoint_group.command("cosign")
@click.option("--name", required=True, help=_("The cosigner's key name, e.g. audit.example/w1."))
@click.argument("size", type=int, required=False)
@root_fingerprint_option
def checkpoint_cosign(name: str, size: int | None, root_fingerprint: str | None) -> None:
    """Verify the whole ledger, then cosign a checkpoint (default: the latest) with your own
    auditor key (--key; C2SP cosignature/v1). Refused if verification fails."""
    from ledger.audit.verify import StoreSource, Verifier, VerifyOptions
    from ledger.errors import InvalidInputError
    from ledger.transparency.checkpoints import cosign_checkpoint, cosigner_vkey

    s = settings()
    app = s.open(signed=False)
    auditor = s.signer()
    source = StoreSource(app)
    with _progress(source.event_count(), _("Verifying before cosigning")) as update:
        result = Verifier(VerifyOptions(root_fingerprint=root_fingerprint)).run(source, update)
    if not result:
        info(result.summary())
        raise InvalidInputError(_("the ledger does not verify; refusing to cosign"))
    target = size if size is not None else result.latest_checkpoint
    if target is None:
        raise InvalidInputError(
            _("there is no verified checkpoint to cosign; run `lifeledger checkpoint`")
        )
    cosignature = cosign_checkpoint(app, auditor, name, target)
    data = {
        "tree_size": cosignature.tree_size,
        "name": name,
        "vkey": cosigner_vkey(name, auditor.public_raw),
        "line": cosignature.line.decode(),
    }
    emit(
        data,
        _(
            "Checkpoint {tree_size} cosigned by {name}.\nYour verifier key (give it "
            "to others as --witness): {vkey}"
        ).format(tree_size=cosignature.tree_size, name=name, vkey=data["vkey"]),
    )


# --- bundles ------------------------------------------------------------------------------------


@click.group("bundle")
def bundle_group() -> None:
    """Self-contained audit bundles, verified offline."""


@bundle_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@force_option
def bundle_export(file: str, force: bool) -> None:
    """Write every event (exact stored bytes), the key registry, leaves, checkpoints,
    cosignatures and consistency proofs to FILE (JSON lines, format version 1)."""
    from ledger.audit.bundle import export_bundle
    from ledger.transparency.tables import LedgerTables

    output_path(file, force=force)
    app = settings().open(signed=False)
    source_count = LedgerTables(app).leaf_count()
    with _progress(source_count, _("Exporting")) as update:
        summary = export_bundle(app, Path(file), overwrite=force, progress=update)
    emit(
        summary,
        _(
            "Wrote {events} events, {checkpoints} checkpoints, {cosignatures} "
            "cosignatures to {path} ({bytes:,} bytes).\nVerify it with: lifeledger "
            "bundle verify {path} --root-fingerprint {root_fingerprint}"
        ).format(
            events=summary.events,
            checkpoints=summary.checkpoints,
            cosignatures=summary.cosignatures,
            path=summary.path,
            bytes=summary.bytes,
            root_fingerprint=summary.root_fingerprint,
        ),
    )


@bundle_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--root-fingerprint", "root_fingerprint", required=True, metavar="FP",
              help=_("SHA-256 fingerprint (hex) of the ledger's root key, as pinned."))  # fmt: skip
@witness_option
@workers_option
@parallel_option
@failures_format_option
def bundle_verify(
    file: str,
    root_fingerprint: str,
    witnesses: tuple[str, ...],
    workers: int,
    parallel: str,
    fmt: str | None,
) -> None:
    """Verify a bundle with no database and no network (the same checks as `verify`)."""
    from ledger.audit.bundle import verify_bundle

    with _progress(None, _("Verifying")) as update:
        result = verify_bundle(
            Path(file), root_fingerprint, witnesses=witnesses, workers=max(1, workers),
            parallel=parallel, progress=update,
        )  # fmt: skip
    _finish(result, fmt)


# --- proofs -------------------------------------------------------------------------------------


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
    "--size", type=int, default=None, help=_("Prove against the checkpoint of this size.")
)


@proof_group.command("cadre")
@click.argument("personnel_no")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help=_("Proof file."))
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
@click.option("--out", required=True, type=click.Path(dir_okay=False), help=_("Proof file."))
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
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
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
                + pgettext("separator", ", ").join(_record_label(r) for r in report.records)
            )
        if report.events_after_checkpoint:
            lines.append(
                _(
                    "Note: {events_after_checkpoint} later events of these records were not "
                    "covered by the checkpoint."
                ).format(events_after_checkpoint=report.events_after_checkpoint)
            )
        return "\n".join(lines)

    rows = _failure_rows([f.to_dict() for f in report.result.failures])
    show_report(fmt, _labelled(report.to_dict()), text, rows, FAILURE_COLUMNS)
    if not report:
        raise click.exceptions.Exit(1)


commands: list[click.Command] = [verify_command, checkpoint_group, bundle_group, proof_group]
