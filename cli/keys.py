"""Commands: ``key add | rotate | revoke | list`` — the signer-key registry.

Every key change is itself a signed event: an admin key registers and revokes keys; a key's
holder (or an admin) rotates it. New private keys are saved encrypted (PKCS#8); their
passphrase comes from LIFELEDGER_NEW_PASSPHRASE or a hidden prompt, never from the signer's
own LIFELEDGER_PASSPHRASE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.click_types import Choice, PathType
from cli.common import LedgerGroup, emit, info, new_passphrase, open_projections, settings
from cli.files import output_path
from cli.options import FILE_OUT, choice_of, describe_choices, json_option
from cli.output import Column, format_option, show_list
from cli.texts import long_text_option
from ledger.domain.regulation import AuthorityKind, KeyRole
from ledger.i18n import _, enumerated

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.application import LedgerApplication
    from ledger.domain.keys import KeyRecord
    from ledger.signing.signatures import Signer


KEY_OUT_HELP = _("Where to save the new private key (encrypted PKCS#8; must not exist yet).")


@click.group(cls=LedgerGroup)
def key() -> None:
    """Signer keys: every event is signed by the key of the official who recorded it."""


def _check_free(path: Path) -> None:
    from ledger.errors import KeyFileError

    if path.exists():
        raise KeyFileError(
            _("key file {path} already exists; refusing to overwrite it").format(path=path)
        )


def resolve_key_id(app: LedgerApplication, given: str) -> str:
    """A key id, or an unambiguous prefix of one (at least 4 hex digits)."""
    from ledger.errors import NotFoundError

    ids = list(app.registry().keys)
    text = given.strip().lower()
    if text in ids:
        return text
    matches = [k for k in ids if len(text) >= 4 and k.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise NotFoundError(
            _("key id {given} is ambiguous: {join}").format(given=given, join=enumerated(matches))
        )
    raise NotFoundError(
        _("no signer key {given} is registered in this ledger; see `lifeledger key list`").format(
            given=given
        )
    )


def _signer_id(app: LedgerApplication) -> str:
    assert app.signer is not None
    return app.signer.key_id.hex()


@key.command("generate")
@click.option("--key-out", type=FILE_OUT, required=True, help=KEY_OUT_HELP)
@click.option(
    "--public-out",
    type=FILE_OUT,
    help=_("Where to write the public key for the key administrator (default: KEY_OUT.pub)."),
)
@json_option
def key_generate(key_out: Path, public_out: Path | None) -> None:
    """Make your own key pair, on your own machine; give only the public key to the key
    administrator, who registers it with `key add --public-key FILE`.

    The private key never leaves this machine: it is saved to --key-out, encrypted with
    LIFELEDGER_NEW_PASSPHRASE or a passphrase asked twice. No ledger is needed.
    """
    from cryptography.hazmat.primitives import serialization

    from ledger.signing.signatures import Signer, public_key_from_raw

    public_out = public_out or key_out.with_name(key_out.name + ".pub")
    _check_free(key_out)
    output_path(public_out, force=False)
    secret = new_passphrase(_("Passphrase for the new key {key_out}").format(key_out=key_out))
    new = Signer.generate()
    new.save(key_out, secret)
    public = public_key_from_raw(new.public_raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_out.write_bytes(public)
    emit(
        {
            "key_id": new.key_id.hex(),
            "fingerprint": new.fingerprint,
            "key_file": str(key_out),
            "public_key_file": str(public_out),
        },
        _(
            "Key {hex} made; private key saved to {key_out}, public key to "
            "{public_out}.\nGive {public_out} (never {key_out}) to the key "
            "administrator, and check with them that the fingerprint is "
            "{fingerprint}."
        ).format(
            hex=new.key_id.hex(),
            key_out=key_out,
            public_out=public_out,
            fingerprint=new.fingerprint,
        ),
    )


def _read_public_key(path: Path) -> bytes:
    """The raw Ed25519 public key from a PEM file made by `key generate`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from ledger.errors import KeyFileError

    try:
        loaded = serialization.load_pem_public_key(path.read_bytes())
    except OSError as e:
        raise KeyFileError(
            _("public key file {path} cannot be read: {strerror}").format(
                path=path, strerror=e.strerror
            )
        ) from e
    except ValueError:
        raise KeyFileError(
            _("{path} is not a PEM public key; make one with `lifeledger key generate`").format(
                path=path
            )
        ) from None
    if not isinstance(loaded, Ed25519PublicKey):
        raise KeyFileError(_("{path} is not an Ed25519 public key").format(path=path))
    return loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@key.command("add")
@click.option("--holder", required=True, help=_("Who holds the key (name and post)."))
@click.option(
    "--authority", required=True, help=_("The authority they act for, e.g. 长沙市纪委监委.")
)
@click.option(
    "--authority-kind",
    metavar="AUTHORITY_KIND",
    type=choice_of(AuthorityKind),
    required=True,
    help=_(
        "{describe_choices}. Only discipline and organisation keys may record "
        "accountability (Art. 6)."
    ).format(describe_choices=describe_choices(AuthorityKind)),
)
@click.option(
    "--role",
    metavar="ROLE",
    type=Choice([KeyRole.RECORDER.value, KeyRole.ADMIN.value], case_sensitive=False),
    default=KeyRole.RECORDER.value,
    show_default=True,
    help=_("recorder: records actions; admin: also manages keys."),
)
@click.option(
    "--public-key",
    type=PathType(dir_okay=False, exists=True, path_type=Path),
    help=_("The holder's public key file, made by them with `key generate`."),
)
@click.option(
    "--generate-for-holder",
    is_flag=True,
    help=_(
        "Make the holder's key pair here instead (you then hold a copy of their private "
        "key: avoid); with --key-out."
    ),
)
@click.option("--key-out", type=FILE_OUT, help=KEY_OUT_HELP)
@json_option
def key_add(
    holder: str,
    authority: str,
    authority_kind: str,
    role: str,
    public_key: Path | None,
    generate_for_holder: bool,
    key_out: Path | None,
) -> None:
    """Register a signer's public key (signed by an admin --key).

    The holder makes their key pair on their own machine (`key generate`) and gives you the
    public key file: --public-key FILE. Making the pair here for someone else
    (--generate-for-holder --key-out FILE) means you held their private key; it is possible,
    with a warning.
    """
    from ledger.signing.signatures import Signer, fingerprint

    if (public_key is None) == (not generate_for_holder):
        raise click.UsageError(
            _(
                "give the holder's --public-key FILE (made with `key generate`), or "
                "--generate-for-holder --key-out FILE"
            )
        )
    if generate_for_holder and key_out is None:
        raise click.UsageError(_("--generate-for-holder needs --key-out FILE"))
    if key_out is not None and not generate_for_holder:
        raise click.UsageError(
            _("--key-out makes a key for someone else: add --generate-for-holder")
        )
    app = settings().open()
    app.registry().check_admin(_signer_id(app))
    if public_key is not None:
        raw = _read_public_key(public_key)
        key_id = app.add_key(raw, holder, authority, AuthorityKind(authority_kind), KeyRole(role))
        _registered(
            app,
            key_id,
            fingerprint(raw),
            None,
            _(
                "Key {key_id} registered for {holder} ({authority}, {label}, {value}); "
                "fingerprint {fingerprint}."
            ),
        )
        return
    assert key_out is not None
    _check_free(key_out)
    info(
        _(
            "Warning: this makes the holder's private key on your machine, so you have held a "
            "copy of it; the holder should make their own with `lifeledger key generate`"
        )
    )
    secret = new_passphrase(_("Passphrase for the new key {key_out}").format(key_out=key_out))
    new = Signer.generate()
    new.save(key_out, secret)
    try:
        key_id = app.add_key(
            new.public_raw, holder, authority, AuthorityKind(authority_kind), KeyRole(role)
        )
    except BaseException:
        key_out.unlink(missing_ok=True)
        raise
    _registered(
        app,
        key_id,
        new.fingerprint,
        key_out,
        _(
            "Key {key_id} registered for {holder} ({authority}, {label}, {value}); "
            "private key saved to {key_out}."
        ),
    )


def _registered(
    app: LedgerApplication, key_id: str, fingerprint: str, key_out: Path | None, message: str
) -> None:
    """Say what ``key add`` registered, as the registry now records it; ``message`` may name
    any of the key's fields, its ``fingerprint`` and the ``key_out`` file."""
    rec = app.registry().record(key_id)
    emit(
        {
            "key_id": key_id,
            "fingerprint": fingerprint,
            "key_file": None if key_out is None else str(key_out),
            **_record_json(rec),
        },
        message.format(
            key_id=key_id,
            holder=rec.holder,
            authority=rec.authority,
            label=rec.authority_kind.label,
            value=rec.role.value,
            fingerprint=fingerprint,
            key_out=key_out,
        ),
    )


@key.command("rotate")
@click.option(
    "--key-id",
    "old",
    metavar="KEY_ID",
    help=_(
        "The key to replace (default: the signer's own --key). An admin may rotate any key "
        "but the root and the recovery key."
    ),
)
@click.option("--key-out", type=FILE_OUT, required=True, help=KEY_OUT_HELP)
@json_option
def key_rotate(old: str | None, key_out: Path) -> None:
    """Replace a key with a new one for the same holder, authority and role.

    The old key may sign nothing more; what it signed before stays valid. The new private
    key is saved to --key-out (passphrase: LIFELEDGER_NEW_PASSPHRASE or asked twice).
    The root key is rotated by itself (or, lost, by the recovery key: `key recover`); the
    recovery key by itself only.
    """
    _check_free(key_out)
    app = settings().open()
    signer = _signer_id(app)
    old_id = resolve_key_id(app, old) if old else signer
    app.registry().check_rotation(signer, old_id)
    new = _new_key(key_out, lambda raw: app.rotate_key(old_id, raw))
    key_id = new.key_id.hex()
    rec = app.registry().record(key_id)
    if old_id == signer:
        info(
            _("Sign with the new key from now on: export LIFELEDGER_KEY={key_out}").format(
                key_out=key_out
            )
        )
    emit(
        {
            "old_key_id": old_id,
            "key_id": key_id,
            "fingerprint": new.fingerprint,
            "key_file": str(key_out),
            **_record_json(rec),
        },
        _(
            "Key {old_id} rotated: {key_id} replaces it for {holder}; new private "
            "key saved to {key_out}. Earlier signatures by {old_id} stay valid."
        ).format(old_id=old_id, key_id=key_id, holder=rec.holder, key_out=key_out),
    )


def _key_out_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--key-out", type=FILE_OUT, required=True,
        help=help_text,
    )  # fmt: skip


@key.command("recover")
@_key_out_option(
    _("Where to save the new root private key (encrypted PKCS#8; must not exist yet).")
)
@json_option
def key_recover(key_out: Path) -> None:
    """Replace a lost or stolen root key, signed with the recovery key (--key RECOVERY_FILE).

    The new root key signs key changes and checkpoints from now on; the old root key may sign
    nothing more (what it signed before stays valid), and the ledger's fingerprint, which
    auditors pinned, is unchanged. Passphrase: LIFELEDGER_NEW_PASSPHRASE or asked twice.
    """
    _check_free(key_out)
    app = settings().open()
    registry = app.registry()
    old_root = registry.root
    registry.check_rotation(_signer_id(app), old_root)
    new = _new_key(key_out, app.replace_root)
    info(
        _(
            "Sign with the new root key from now on: export LIFELEDGER_KEY={path}; put the "
            "recovery key back offline"
        ).format(path=key_out)
    )
    emit(
        {"old_key_id": old_root, "key_id": new.key_id.hex(), "fingerprint": new.fingerprint,
         "key_file": str(key_out), "root_fingerprint": app.root_fingerprint()},
        _(
            "Root key {old} replaced by {new}, signed by the recovery key; new root private key "
            "saved to {path}. The old root key may sign nothing more. The ledger's fingerprint "
            "is unchanged: {fingerprint}"
        ).format(old=old_root, new=new.key_id.hex(), path=key_out,
                 fingerprint=app.root_fingerprint()),
    )  # fmt: skip


@key.command("add-recovery")
@_key_out_option(
    _("Where to save the recovery private key, to be moved offline (must not exist yet).")
)
@json_option
def key_add_recovery(key_out: Path) -> None:
    """Give a ledger made before recovery keys its recovery key (signed by the root --key).

    Only the root registers it, and only while the ledger has none. Passphrase:
    LIFELEDGER_NEW_PASSPHRASE or asked twice. Move the file offline afterwards.
    """
    from ledger.domain.keys import check_may_register

    _check_free(key_out)
    app = settings().open()
    registry = app.registry()
    check_may_register(
        registry.standing(_signer_id(app)), KeyRole.RECOVERY.value, registry.root, registry.recovery
    )
    new = _new_key(key_out, app.add_recovery_key)
    info(
        _(
            "Move {path} offline now and delete it here: it alone can replace a lost root key"
        ).format(path=key_out)
    )
    emit(
        {"key_id": new.key_id.hex(), "fingerprint": new.fingerprint, "key_file": str(key_out)},
        _("Recovery key {key_id} registered by the root; private key saved to {path}.").format(
            key_id=new.key_id.hex(), path=key_out
        ),
    )


def _new_key(key_out: Path, register: Callable[[bytes], object]) -> Signer:
    """A new key pair saved to ``key_out`` and registered; the file is removed if the ledger
    refuses it."""
    from ledger.signing.signatures import Signer

    secret = new_passphrase(_("Passphrase for the new key {key_out}").format(key_out=key_out))
    new = Signer.generate()
    new.save(key_out, secret)
    try:
        register(new.public_raw)
    except BaseException:
        key_out.unlink(missing_ok=True)
        raise
    return new


@key.command("revoke")
@click.argument("key_id")
@long_text_option("reason", _("Why the key is revoked (lost, holder left, ...)."))
@json_option
def key_revoke(key_id: str, reason: str) -> None:
    """Revoke KEY_ID (signed by another admin --key): it may sign nothing more.

    Events it signed before the revocation stay valid; any later event under it is refused
    on write and fails `verify`.
    """
    app = settings().open()
    target = resolve_key_id(app, key_id)
    app.revoke_key(target, reason)
    rec = app.registry().record(target)
    emit(
        {"key_id": target, "reason": reason, **_record_json(rec)},
        _("Key {target} of {holder} revoked: {reason}").format(
            target=target, holder=rec.holder, reason=reason
        ),
    )


def _holder_label(holder: str) -> str:
    from ledger.signing.keyring import holder_label

    return holder_label(holder)


@key.command("list")
@format_option
@json_option
def key_list(fmt: str | None) -> None:
    """Every signer key ever registered: holder, authority, role, status, and the log
    positions where it was registered and where it stopped signing."""
    app = settings().open(signed=False)
    root = app.root_fingerprint()
    keys = open_projections(app).keys()
    show_list(
        fmt,
        "keys",
        [asdict(k) for k in keys],
        (
            Column("key_id", _("key id")),
            Column("holder", _("holder"), _holder_label),
            Column("authority", _("authority")),
            Column("authority_kind_label", _("kind")),
            Column("role_label", _("role")),
            Column("status_label", _("status")),
            Column("registered_at", _("from")),
            Column("ended_at", _("until")),
            Column(
                "reason", _("replaced by / reason"), whole=lambda k: k["replaced_by"] or k["reason"]
            ),
        ),
        title=_("Root fingerprint: {root}").format(root=root),
        empty=_("Root fingerprint: {root}\nNo key is registered.").format(root=root),
        next_command="lifeledger verify",
        attention=lambda k: "revoked" if k["status"] == "revoked" else None,
        extra={"root_fingerprint": root},
        drop=("kind", "authority"),
    )


def _record_json(rec: KeyRecord) -> dict[str, object]:
    return {
        "holder": rec.holder,
        "authority": rec.authority,
        "authority_kind": rec.authority_kind.value,
        "role": rec.role.value,
        "status": rec.status,
        "replaced_by": rec.replaced_by,
        "public_key": rec.public_key,
    }


commands: list[click.Command] = [key]
