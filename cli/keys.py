"""Commands: ``key add | rotate | revoke | list`` — the signer-key registry.

Every key change is itself a signed event: an admin key registers and revokes keys; a key's
holder (or an admin) rotates it. New private keys are saved encrypted (PKCS#8); their
passphrase comes from LIFELEDGER_NEW_PASSPHRASE or a hidden prompt, never from the signer's
own LIFELEDGER_PASSPHRASE.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from cli.common import (
    LedgerGroup,
    choice_of,
    describe_choices,
    emit,
    info,
    json_option,
    new_passphrase,
    open_projections,
    settings,
    table,
)
from ledger.application import LedgerApplication
from ledger.domain.authority import Jurisdiction
from ledger.domain.keys import KeyRecord
from ledger.domain.regulation import AdminLevel, AuthorityKind, KeyRole
from ledger.errors import KeyFileError, NotFound
from ledger.signing.signatures import Signer

KEY_OUT_HELP = "Where to save the new private key (encrypted PKCS#8; must not exist yet)."


@click.group(cls=LedgerGroup)
def key() -> None:
    """Signer keys: every event is signed by the key of the official who recorded it."""


def _check_free(path: Path) -> None:
    if path.exists():
        raise KeyFileError(f"key file {path} already exists; refusing to overwrite it")


def resolve_key_id(app: LedgerApplication, given: str) -> str:
    """A key id, or an unambiguous prefix of one (at least 4 hex digits)."""
    ids = list(app.registry().keys)
    text = given.strip().lower()
    if text in ids:
        return text
    matches = [k for k in ids if len(text) >= 4 and k.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise NotFound(f"key id {given} is ambiguous: {', '.join(matches)}")
    raise NotFound(f"no signer key {given} is registered in this ledger; see `lifeledger key list`")


def _signer_id(app: LedgerApplication) -> str:
    assert app.signer is not None
    return app.signer.key_id.hex()


@key.command("add")
@click.option("--holder", required=True, help="Who will hold the key (name and post).")
@click.option("--authority", required=True, help="The authority they act for, e.g. 长沙市纪委监委.")
@click.option(
    "--authority-kind",
    metavar="AUTHORITY_KIND",
    type=choice_of(AuthorityKind),
    required=True,
    help=f"{describe_choices(AuthorityKind)}. Only discipline and organisation keys may "
    "record accountability (Art. 6).",
)
@click.option(
    "--role",
    metavar="ROLE",
    type=choice_of(KeyRole),
    default=KeyRole.RECORDER.value,
    show_default=True,
    help="recorder: records actions; admin: also manages keys.",
)
@click.option(
    "--level",
    metavar="LEVEL",
    type=choice_of(AdminLevel),
    help=f"Art. 6: the authority's level ({describe_choices(AdminLevel)}); with --region.",
)
@click.option(
    "--region",
    metavar="CODE",
    help="Art. 6: the GB/T 2260 code of the authority's region (e.g. 430100 长沙市). With "
    "--level, cases it records must concern cadres and units its level and region cover.",
)
@click.option(
    "--key-out", type=click.Path(dir_okay=False, path_type=Path), required=True, help=KEY_OUT_HELP
)
@json_option
def key_add(
    holder: str,
    authority: str,
    authority_kind: str,
    role: str,
    level: str | None,
    region: str | None,
    key_out: Path,
) -> None:
    """Make a key pair for a new signer and register its public key (signed by an admin --key).

    The private key is saved to --key-out, encrypted with LIFELEDGER_NEW_PASSPHRASE or a
    passphrase asked twice; hand it to its holder.
    """
    if (level is None) != (region is None):
        raise click.UsageError("give --level and --region together (Art. 6), or neither")
    jurisdiction = Jurisdiction(AdminLevel(level), region) if level and region else None
    _check_free(key_out)
    app = settings().open()
    app.registry().check_admin(_signer_id(app))
    secret = new_passphrase(f"Passphrase for the new key {key_out}")
    new = Signer.generate()
    new.save(key_out, secret)
    try:
        key_id = app.add_key(
            new.public_raw, holder, authority, AuthorityKind(authority_kind), KeyRole(role),
            jurisdiction,
        )  # fmt: skip
    except BaseException:
        key_out.unlink(missing_ok=True)
        raise
    rec = app.registry().record(key_id)
    emit(
        {"key_id": key_id, "fingerprint": new.fingerprint, "key_file": str(key_out),
         **_record_json(rec)},
        f"Key {key_id} registered for {holder} ({authority}, {rec.authority_kind.label}, "
        f"{rec.role.value}); private key saved to {key_out}.",
    )  # fmt: skip


@key.command("rotate")
@click.option(
    "--key-id",
    "old",
    metavar="KEY_ID",
    help="The key to replace (default: the signer's own --key). An admin may rotate any key.",
)
@click.option(
    "--key-out", type=click.Path(dir_okay=False, path_type=Path), required=True, help=KEY_OUT_HELP
)
@json_option
def key_rotate(old: str | None, key_out: Path) -> None:
    """Replace a key with a new one for the same holder, authority and role.

    The old key may sign nothing more; what it signed before stays valid. The new private
    key is saved to --key-out (passphrase: LIFELEDGER_NEW_PASSPHRASE or asked twice).
    """
    _check_free(key_out)
    app = settings().open()
    signer = _signer_id(app)
    old_id = resolve_key_id(app, old) if old else signer
    registry = app.registry()
    registry.check_active(old_id)
    if old_id != signer:
        registry.check_admin(signer)
    secret = new_passphrase(f"Passphrase for the new key {key_out}")
    new = Signer.generate()
    new.save(key_out, secret)
    try:
        key_id = app.rotate_key(old_id, new.public_raw)
    except BaseException:
        key_out.unlink(missing_ok=True)
        raise
    rec = app.registry().record(key_id)
    if old_id == signer:
        info(f"Sign with the new key from now on: export LIFELEDGER_KEY={key_out}")
    emit(
        {"old_key_id": old_id, "key_id": key_id, "fingerprint": new.fingerprint,
         "key_file": str(key_out), **_record_json(rec)},
        f"Key {old_id} rotated: {key_id} replaces it for {rec.holder}; "
        f"new private key saved to {key_out}. Earlier signatures by {old_id} stay valid.",
    )  # fmt: skip


@key.command("revoke")
@click.argument("key_id")
@click.option("--reason", required=True, help="Why the key is revoked (lost, holder left, ...).")
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
        f"Key {target} of {rec.holder} revoked: {reason}",
    )


@key.command("list")
@json_option
def key_list() -> None:
    """Every signer key ever registered: holder, authority, role, status, and the log
    positions where it was registered and where it stopped signing."""
    app = settings().open(signed=False)
    root = app.root_fingerprint()
    keys = open_projections(app).keys()
    emit(
        {"root_fingerprint": root, "keys": [asdict(k) for k in keys]},
        lambda: f"Root fingerprint: {root}\n" + table(
            ["key id", "holder", "authority", "kind", "role", "status", "from", "until",
             "replaced by / reason"],
            [(k.key_id, k.holder, k.authority, k.authority_kind_label, k.role_label,
              k.status_label, k.registered_at, k.ended_at, k.replaced_by or k.reason)
             for k in keys],
        ),
    )  # fmt: skip


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
