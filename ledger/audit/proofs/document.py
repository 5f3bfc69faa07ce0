"""The proof document: its format name and the versions read, the events it carries, and
the payload of a stored event as the proof reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.audit.verify import (
    decode_payload,
    record_label,
)
from ledger.domain import ids
from ledger.signing.signatures import Envelope

PROOF_FORMAT = "lifeledger-proof"


PROOF_VERSION = 2


#: Versions this module reads: 1 (no completeness section) and 2.
READABLE_VERSIONS = (1, 2)


PAGE = 2_000


def payload_of(state: bytes) -> dict[str, Any] | None:
    """The payload of a stored event, or None for a row that does not parse."""
    try:
        return decode_payload(Envelope.parse(state).payload)
    except Exception:  # a damaged row is simply not selected; verify reports it
        return None


@dataclass(frozen=True, slots=True)
class ProvenEvent:
    """An event a proof document carries, as the verifier reads it."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def event_label(ev: ProvenEvent) -> str | None:
    """The record a first event creates (a case number, a personnel number...), for messages."""
    if ev.originator_version != 1 or ev.originator_id == ids.REGISTRY_ID:
        return None
    payload = payload_of(ev.state)
    return record_label(ev.topic, payload)[0] if payload else None
