"""Commands for auditors: ``verify`` and ``bundle``.

``verify`` exits 1 when anything is wrong and names every failure; ``--json`` gives the same
as data. Bundles are checked offline against a pinned root fingerprint. Checkpoints are in
:mod:`cli.checkpoints`, proofs in :mod:`cli.proofs`.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from cli.click_types import PathType
from cli.common import emit, info, settings
from cli.files import output_path
from cli.output import chosen, report_format_option, show_report
from cli.rollback import checkpoint_files_in, rollback_note
from cli.verification import (
    FAILURE_COLUMNS,
    failure_rows,
    failures_format_option,
    finish,
    force_option,
    labelled_keys,
    parallel_option,
    progress_bar,
    read_notes,
    root_fingerprint_option,
    witness_option,
    workers_option,
)
from ledger.i18n import _

#: How many connect timeouts verify's read-model audit waits for a server that went away (the
#: library tries each step of the log scan ten times).
STORE_ATTEMPTS = 10


@click.command("verify")
@root_fingerprint_option
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=PathType(dir_okay=False, exists=True),
    help=_("A signed checkpoint you kept earlier; the log must still contain it (repeatable)."),
)
@click.option(
    "--checkpoint-dir",
    type=PathType(file_okay=False, exists=True),
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
    from ledger.audit.semantic import STORE_GONE, with_measures
    from ledger.audit.verify import StoreSource, Verifier, VerifyOptions
    from ledger.audit.verify.run import stopped_answering
    from ledger.errors import LedgerError, went_away
    from ledger.transparency.tables import LedgerTables

    app = settings().open(signed=False)
    options = VerifyOptions(
        root_fingerprint=root_fingerprint,
        trusted_checkpoints=read_notes(checkpoint_files + checkpoint_files_in(checkpoint_dir)),
        witnesses=witnesses,
        workers=max(1, workers),
        parallel=parallel,
    )
    source = StoreSource(app)
    with progress_bar(source.event_count(), _("Verifying")) as update:
        result = with_measures(app, Verifier(options).run(source, update))
    # The read models, recomputed from the events that passed, row by row.
    from projections.audit import audit_read_models  # the read side, only when verifying

    # Events that failed are left out; a root that is not the pinned one is not an event's
    # failure (the report says everything is relative to that root, and so are the views).
    failing = {
        f.notification_id
        for f in result.failures
        if f.notification_id is not None and not f.untrusted_root
    }
    # A server that went away is waited for about as long as the library waits at each step
    # of the log scan (ten times the connection's connect_timeout): a restart is ridden out
    # here too, and a server that stays down stops verify, concluding nothing.
    give_up_at: float | None = None
    while True:
        try:
            views = audit_read_models(app, failing)
            stored = LedgerTables(app).checkpoints()
            break
        except (LedgerError, *STORE_GONE) as e:
            if not (isinstance(e, STORE_GONE) or went_away(e)):
                raise
            wait = app.store.connect_timeout
            give_up_at = give_up_at or time.monotonic() + STORE_ATTEMPTS * wait
            if time.monotonic() >= give_up_at:
                raise stopped_answering(app.store.describe(), result.events, e) from e
            time.sleep(wait)
    # Said once the whole verification ran (a run cut short concludes nothing).
    if root_fingerprint is None and result.root_fingerprint and chosen(fmt) == "table":
        info(
            _(
                "Note: no --root-fingerprint given; the root key was not compared with a pinned "
                "fingerprint."
            )
        )
    rollback = rollback_note(
        len(options.trusted_checkpoints), max((c.tree_size for c in stored), default=None)
    )
    if not rollback["excluded"] and chosen(fmt) == "table":
        info(rollback["note"])
    data = labelled_keys(result.to_dict())
    show_report(
        fmt,
        {**data, "ok": result.ok and bool(views), "read_models": views.to_dict(),
         "rollback": rollback},
        lambda: f"{result.summary()}\n{views.summary()}",
        failure_rows(data["failures"] + data["warnings"]),
        FAILURE_COLUMNS,
    )  # fmt: skip
    if not result or not views:
        raise click.exceptions.Exit(1)


# --- bundles ------------------------------------------------------------------------------------


@click.group("bundle")
def bundle_group() -> None:
    """Self-contained audit bundles, verified offline."""


@bundle_group.command("export")
@click.argument("file", type=PathType(dir_okay=False))
@force_option
def bundle_export(file: str, force: bool) -> None:
    """Write every event (exact stored bytes), the key registry, leaves, checkpoints,
    cosignatures and consistency proofs to FILE (JSON lines, format version 1)."""
    from ledger.audit.bundle import export_bundle
    from ledger.transparency.tables import LedgerTables

    output_path(file, force=force)
    app = settings().open(signed=False)
    source_count = LedgerTables(app).leaf_count()
    with progress_bar(source_count, _("Exporting")) as update:
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
@click.argument("file", type=PathType(dir_okay=False, exists=True))
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

    with progress_bar(None, _("Verifying")) as update:
        result = verify_bundle(
            Path(file), root_fingerprint, witnesses=witnesses, workers=max(1, workers),
            parallel=parallel, progress=update,
        )  # fmt: skip
    finish(result, fmt)


commands: list[click.Command] = [verify_command, bundle_group]
