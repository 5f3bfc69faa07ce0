"""Commands: ``init`` and ``projections rebuild``.

``init`` makes the ledger, its root key and the root's recovery key; auditors pin the
fingerprint it prints. ``projections rebuild`` rebuilds the read models from the event log.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cli.common import LedgerGroup, emit, info, passphrase, passphrase_prompt, settings
from cli.options import FILE_OUT, choice_of, describe_choices, json_option
from cli.terminal import progress_callback
from ledger.domain.regulation import AuthorityKind
from ledger.i18n import _


@click.command()
@click.option("--holder", required=True, help=_("Who holds the root key (name and post)."))
@click.option(
    "--authority", required=True, help=_("The authority the holder acts for, e.g. 湖南省委组织部.")
)
@click.option(
    "--authority-kind",
    metavar="AUTHORITY_KIND",
    type=choice_of(AuthorityKind),
    default=AuthorityKind.ORGANISATION.value,
    show_default=True,
    help=_("Kind of authority: {describe_choices}.").format(
        describe_choices=describe_choices(AuthorityKind)
    ),
)
@click.option(
    "--key-out",
    type=FILE_OUT,
    required=True,
    help=_("Where to save the root private key (encrypted PKCS#8; must not exist yet)."),
)
@click.option(
    "--recovery-key-out",
    type=FILE_OUT,
    help=_(
        "Where to save the recovery private key, to be moved offline (default: KEY_OUT with "
        "'.recovery' before its suffix; must not exist yet)."
    ),
)
@json_option
def init(
    holder: str, authority: str, authority_kind: str, key_out: Path, recovery_key_out: Path | None
) -> None:
    """Create a new, empty ledger in --db, its root key and its recovery key.

    The root key is the key administrator: it registers, rotates and revokes every other
    signer key. Its fingerprint is printed: auditors pin it, and `verify` checks the whole
    ledger back to it. The passphrase comes from LIFELEDGER_PASSPHRASE or a hidden prompt
    (asked twice).

    The recovery key, registered by the root, signs nothing but a replacement of the root key
    (`key recover`) when the root key is lost or stolen: move its file offline. Its
    passphrase comes from LIFELEDGER_RECOVERY_PASSPHRASE or a hidden prompt; without either,
    the root key's passphrase protects it too (with a warning).
    """
    from ledger.errors import InvalidInputError, KeyFileError
    from ledger.signing.signatures import Signer

    recovery_out = recovery_key_out or default_recovery_path(key_out)
    for path in (key_out, recovery_out):
        if path.exists():
            raise KeyFileError(
                _("key file {path} already exists; refusing to overwrite it").format(path=path)
            )
    if recovery_out.resolve() == key_out.resolve():
        raise click.UsageError(_("--recovery-key-out must differ from --key-out"))
    app = settings().open(signed=False, must_exist=False)
    if app.is_initialised():
        raise InvalidInputError(
            _("{describe} already holds a ledger; give another --db to make a new one").format(
                describe=app.store.describe()
            )
        )
    secret = passphrase(
        _("Passphrase for the new root key {key_out}").format(key_out=key_out), confirm=True
    )
    recovery_secret = recovery_passphrase(recovery_out, secret)
    root, recovery = Signer.generate(), Signer.generate()
    root.save(key_out, secret)
    try:
        recovery.save(recovery_out, recovery_secret)
        fingerprint = app.initialise(
            root, holder, authority, AuthorityKind(authority_kind), recovery.public_raw
        )
    except BaseException:
        # no ledger holds them: do not leave stray keys behind
        key_out.unlink(missing_ok=True)
        recovery_out.unlink(missing_ok=True)
        raise
    info(_("Keep {key_out} safe: it signs every key registration.").format(key_out=key_out))
    info(
        _(
            "Move {path} offline now (removable media in a safe) and delete it here: it alone "
            "can replace a lost or stolen root key (`lifeledger key recover`)."
        ).format(path=recovery_out)
    )
    emit(
        {
            "db": app.store.describe(),
            "root_fingerprint": fingerprint,
            "root_key_id": root.key_id.hex(),
            "key_file": str(key_out),
            "recovery_key_id": recovery.key_id.hex(),
            "recovery_key_file": str(recovery_out),
        },
        _(
            "Ledger created in {describe}.\nRoot key {hex} saved to {key_out}.\nRoot "
            "fingerprint (pin this for auditors):\n  {fingerprint}\n"
        ).format(
            describe=app.store.describe(),
            hex=root.key_id.hex(),
            key_out=key_out,
            fingerprint=fingerprint,
        )
        + _(
            "Recovery key {key_id} saved to {path}: keep it offline; it only replaces a lost "
            "root key."
        ).format(key_id=recovery.key_id.hex(), path=recovery_out),
    )


def default_recovery_path(key_out: Path) -> Path:
    """``root.pem`` → ``root.recovery.pem``."""
    return key_out.with_name(f"{key_out.stem}.recovery{key_out.suffix}")


def recovery_passphrase(path: Path, root_secret: str) -> str:
    """LIFELEDGER_RECOVERY_PASSPHRASE, else a hidden prompt on a terminal, else (scripts)
    the root key's passphrase, said out loud."""
    value = os.environ.get("LIFELEDGER_RECOVERY_PASSPHRASE")
    if value:
        return value
    if sys.stdin.isatty():
        return passphrase_prompt(_("Passphrase for the recovery key {path}").format(path=path))
    info(
        _(
            "Warning: LIFELEDGER_RECOVERY_PASSPHRASE is not set; the recovery key is protected "
            "by the root key's passphrase"
        )
    )
    return root_secret


@click.group(cls=LedgerGroup)
def projections() -> None:
    """The read models (case states, cadre histories, deadlines, ratings, reports)."""


@projections.command()
@json_option
def rebuild() -> None:
    """Drop the read models and rebuild them from the signed event log.

    Reads are always caught up first, so this is only needed after an upgrade or to check
    that the read models follow from the log alone.
    """
    from ledger.transparency.tables import LedgerTables

    app = settings().open(signed=False)
    from projections.api import Projections

    p = Projections(app)
    click.get_current_context().call_on_close(p.close)
    with progress_callback(_("Rebuilding read models")) as on_progress:
        p.rebuild(on_progress)
    # Events, not log positions: PostgreSQL numbers notifications from a sequence with gaps.
    position = p.position()
    count = LedgerTables(app).leaf_count(position)
    emit(
        {"rebuilt": True, "events": count, "position": position},
        _("Read models rebuilt from {count} event(s) of the log.").format(count=count),
    )


commands: list[click.Command] = [init, projections]
