"""What the Merkle log commits to for each event (RFC 9162 leaf entries).

Each entry holds the event's position in the log, its row identity (aggregate id, version,
topic), the SHA-256 of its exact stored state, and the signer's key id and signature, so that
a checkpoint over the leaves pins every stored byte and the order of the log.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

from ledger.signing.signatures import HEADER_SIZE, KEY_ID_SIZE, MAGIC
from ledger.transparency.merkle import leaf_hash

LEAF_DOMAIN = b"lifeledger/leaf/v1\n"
_MAGIC_SIZE = len(MAGIC)


def leaf_entry(index: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The entry committed for the event stored at leaf ``index``."""
    topic_bytes = topic.encode()
    # The envelope's key id and signature, sliced as Envelope.parse would read them (without
    # copying the payload: the reads hash every indexed event's leaf again).
    if len(state) >= HEADER_SIZE and state[:_MAGIC_SIZE] == MAGIC:
        key_id = bytes(state[_MAGIC_SIZE : _MAGIC_SIZE + KEY_ID_SIZE])
        signature = bytes(state[_MAGIC_SIZE + KEY_ID_SIZE : HEADER_SIZE])
    else:  # an unsigned or damaged row still gets a leaf: verify reports it
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
