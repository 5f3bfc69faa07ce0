"""The library's extension point for signatures: a ``Mapper`` that seals every stored event
and refuses to return one whose signature fails.

The payload the base mapper produces (after any compression and encryption) is wrapped in a
signed envelope (see :mod:`ledger.signing.signatures`). On read, the envelope is checked over
the exact
stored bytes before anything is decoded: a tampered row raises, it is never returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.event_labels import event_label
from ledger.domain.ids import REGISTRY_ID
from ledger.domain.topics import stored_name
from ledger.errors import LedgerError, TamperedEventError
from ledger.i18n import _
from ledger.signing.signatures import Envelope, Signer, check_signature

KeyLookup = Callable[[bytes], Ed25519PublicKey | None]


class SigningMapper(Mapper[UUID]):
    """Signs on write with the current signer; verifies on read with the key registry."""

    signer: Signer | None = None
    key_lookup: KeyLookup | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        if self.signer is None:
            raise LedgerError(_("no signer key is loaded; every event must be signed"))
        assert isinstance(stored.originator_id, UUID)
        topic = stored_name(stored.topic)  # the name it is stored and signed under, for life
        sealed = self.signer.seal(
            stored.originator_id, stored.originator_version, topic, stored.state
        )
        return replace(stored, topic=topic, state=sealed)

    def open_envelope(self, stored: StoredEvent) -> Envelope:
        """Check the signature over the stored bytes; return the envelope if it holds."""
        envelope = Envelope.parse(stored.state)
        where: dict[str, Any] = {
            "originator_id": str(stored.originator_id),
            "version": stored.originator_version,
            "topic": stored.topic,
        }
        key = self.key_lookup(envelope.key_id) if self.key_lookup else None
        if key is None:
            raise TamperedEventError(
                _(
                    "event {topic} v{originator_version} of {originator_id} is signed by key "
                    "{hex}, which is not registered"
                ).format(
                    topic=event_label(stored.topic),
                    originator_version=stored.originator_version,
                    originator_id=stored.originator_id,
                    hex=envelope.key_id.hex(),
                ),
                **where,
            )
        originator_id = stored.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        if not check_signature(
            key, envelope, originator_id, stored.originator_version, stored.topic
        ):
            raise TamperedEventError(
                _(
                    "event {topic} v{originator_version} of {originator_id} fails its "
                    "signature: the stored record was altered or moved"
                ).format(
                    topic=event_label(stored.topic),
                    originator_version=stored.originator_version,
                    originator_id=stored.originator_id,
                ),
                **where,
            )
        return envelope

    def decode_payload(self, stored: StoredEvent, payload: bytes) -> DomainEventProtocol[UUID]:
        """Decode an envelope's payload with the library's own pipeline."""
        return super().to_domain_event(replace(stored, state=payload))

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        envelope = self.open_envelope(stored_event)
        return signed(self.decode_payload(stored_event, envelope.payload), envelope)


def signed(event: DomainEventProtocol[UUID], envelope: Envelope) -> DomainEventProtocol[UUID]:
    """A key-registry event read back knows which key signed it, so that the registry judges
    it by the rules of the command that made it (:class:`ledger.domain.keys.KeyRegistry`)."""
    if event.originator_id == REGISTRY_ID:
        object.__setattr__(event, "signed_by", envelope.key_id.hex())
    return event
