"""The key registry as the application reads it: every key the registry ever held, replayed
from its stored events with each registration's signature checked from the self-signed root on,
and the recovery key's registration by the root."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import AggregateRecorder, PersistenceError, StoredEvent

from ledger.domain import ids
from ledger.domain.event_labels import event_label
from ledger.domain.keys import KeyRegistry
from ledger.domain.regulation import AuthorityKind, KeyRole
from ledger.errors import StoreError, TamperedEventError, first_line
from ledger.i18n import _, bracketed, language
from ledger.signing.ed25519 import check_public_key
from ledger.signing.mapper import SigningMapper
from ledger.signing.signatures import Envelope, check_signature, key_id_of, public_key_from_raw


def load_keyring(
    recorder: AggregateRecorder, mapper: SigningMapper
) -> dict[bytes, Ed25519PublicKey]:
    """Every key the registry ever held, each registration checked from the root on."""
    keyring: dict[bytes, Ed25519PublicKey] = {}
    try:
        stored_events = recorder.select_events(ids.REGISTRY_ID)
    except PersistenceError as e:
        raise StoreError(
            _("cannot read the key registry: {first_line}").format(first_line=first_line(e))
        ) from e
    for stored in stored_events:
        envelope = Envelope.parse(stored.state)
        try:
            event = mapper.decode_payload(stored, envelope.payload)
        except (PersistenceError, ValueError) as e:  # altered bytes that no longer decode
            raise _fails_signature(stored) from e
        if stored.originator_version == 1:
            root = bytes.fromhex(event.public_key)  # type: ignore[attr-defined]
            if key_id_of(root) != envelope.key_id:
                raise TamperedEventError(_("the registry's root event is not self-signed"))
            keyring[envelope.key_id] = public_key_from_raw(root)
        key = keyring.get(envelope.key_id)
        if key is None or not check_signature(
            key, envelope, ids.REGISTRY_ID, stored.originator_version, stored.topic
        ):
            raise _fails_signature(stored)
        new_key = getattr(event, "public_key", None)
        if new_key is not None and stored.originator_version > 1:
            raw = bytes.fromhex(new_key)
            if key_id_of(raw).hex() != event.key_id:  # type: ignore[attr-defined]
                raise TamperedEventError(_("a registered key id does not match its key"))
            keyring[key_id_of(raw)] = public_key_from_raw(raw)
    return keyring


#: After the holder's name in the recovery key's registration (signed, so fixed in English).
RECOVERY_SUFFIX = " (recovery key)"


def holder_label(holder: str) -> str:
    """A key's holder as registered, as the user reads it: the recovery key's
    ``张三 (recovery key)`` is ``张三（恢复密钥）`` in Chinese."""
    if holder.endswith(RECOVERY_SUFFIX) and language() != "en":
        return bracketed(holder.removesuffix(RECOVERY_SUFFIX), _("recovery key"))
    return holder


def register_recovery(
    registry: KeyRegistry,
    signer: str,
    public_raw: bytes,
    holder: str,
    authority: str,
    authority_kind: AuthorityKind,
) -> None:
    """The recovery key, registered by the root for the root's own holder and authority."""
    public_key_from_raw(public_raw)
    check_public_key(public_raw)
    registry.register(
        signer,
        key_id_of(public_raw).hex(),
        public_raw.hex(),
        holder + RECOVERY_SUFFIX,
        authority,
        authority_kind,
        KeyRole.RECOVERY,
    )


def _fails_signature(stored: StoredEvent) -> TamperedEventError:
    return TamperedEventError(
        _("key registry event v{originator_version} ({topic}) fails its signature").format(
            originator_version=stored.originator_version, topic=event_label(stored.topic)
        ),
        originator_id=str(ids.REGISTRY_ID),
        version=stored.originator_version,
    )
