"""Command: ``checkpoint``: C2SP signed notes of the Merkle log's size and root, signed with an
admin key (``--key``) and cosigned by auditors' own keys after they verify the log."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import click

from cli.click_types import INTEGER
from cli.common import emit, info, settings
from cli.output import Column, report_format_option, show_report
from cli.terminal import table
from cli.verification import (
    progress_bar,
    root_fingerprint_option,
)
from ledger.i18n import _, enumerated

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.transparency.tables import StoredCheckpoint


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
    Column("cosigned_by", _("cosigned by"), lambda names: enumerated(names)),
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
                        enumerated(d["cosigned_by"]) or None,
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
@click.argument("size", type=INTEGER, required=False)
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
@click.argument("size", type=INTEGER, required=False)
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
    with progress_bar(source.event_count(), _("Verifying before cosigning")) as update:
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


def _seen_data(seen: Any, state: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"state_file": str(state.path), "remembered": None}
    if seen is not None:
        doc["remembered"] = {
            "checkpoint": seen.checkpoint_size,
            "log": seen.log_size,
            "seen_at": seen.seen_at,
            "checkpoint_file": str(state.note_path) if seen.checkpoint_size is not None else None,
        }
    return doc


@checkpoint_group.command("seen")
def checkpoint_seen() -> None:
    """What this workstation remembers of the ledger: the latest checkpoint it verified and
    the log it read; a read refuses a ledger that has gone back from them."""
    from ledger.transparency.seen import state_for

    app = settings().open(signed=False)
    state = state_for(app)
    seen = state.load()
    doc = _seen_data(seen, state)

    def text() -> str:
        if seen is None:
            return _("Nothing remembered of this ledger yet ({path}).").format(path=state.path)
        lines = [
            _("On {when} this workstation read {what} ({path}).").format(
                when=seen.seen_at, what=seen.described(), path=state.path
            )
        ]
        if seen.checkpoint_size is not None:
            lines.append(
                _(
                    "The checkpoint it verified, for `lifeledger verify --checkpoint`: {file}"
                ).format(file=state.note_path)
            )
        return "\n".join(lines)

    emit(doc, text)


@checkpoint_group.command("forget")
def checkpoint_forget() -> None:
    """Forget what this workstation remembered of the ledger (a ledger knowingly restored
    from a backup): its state is set aside, not deleted, and the next read remembers the
    ledger as it is then. Run `lifeledger verify --checkpoint` with the kept note first."""
    from ledger.transparency.seen import state_for

    app = settings().open(signed=False)
    state = state_for(app)
    seen, kept = state.forget()
    doc = {**_seen_data(seen, state), "set_aside": [str(p) for p in kept]}

    def text() -> str:
        if seen is None and not kept:
            return _("Nothing was remembered of this ledger ({path}).").format(path=state.path)
        what = seen.described() if seen is not None else _("an unreadable state")
        return _(
            "Forgot {what}, read on {when}; set aside as {files}. The next read remembers the "
            "ledger as it is then."
        ).format(
            what=what,
            when=seen.seen_at if seen is not None else "?",
            files=enumerated(str(p) for p in kept),
        )

    emit(doc, text)


commands: list[click.Command] = [checkpoint_group]
