"""What the Merkle log commits to for each event (RFC 9162 leaf entries).

Each entry holds the event's position in the log, its row identity (aggregate id, version,
topic), the SHA-256 of its exact stored state, and the signer's key id and signature, so that
a checkpoint over the leaves pins every stored byte and the order of the log.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

from ledger.signing.signatures import Envelope
from ledger.transparency.merkle import leaf_hash

LEAF_DOMAIN = b"lifeledger/leaf/v1\n"


def leaf_entry(index: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The entry committed for the event stored at leaf ``index``."""
    topic_bytes = topic.encode()
    try:
        envelope = Envelope.parse(state)
        key_id, signature = envelope.key_id, envelope.signature
    except Exception:  # an unsigned or damaged row still gets a leaf: verify reports it
        key_id, signature = b"\0" * 8, b"\0" * 64
    return b"".join(
        (
            LEAF_DOMAIN,
            struct.pack(">Q", index),
            originator_id.bytes,
            struct.pack(">QI", version, len(topic_bytes)),
            topic_bytes,
            hashlib.sha256(state).digest(),
            key_id,
            signature,
        )
    )


def event_leaf_hash(
    index: int, originator_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    return leaf_hash(leaf_entry(index, originator_id, version, topic, state))
