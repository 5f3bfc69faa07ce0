"""The verifier's fast path is the signing and leaf code, not a copy that could drift.

``check_rows`` (run in worker threads and processes over raw rows) re-implements, for speed, the
signature check of ``ledger.signing.signatures.check_signature`` and the leaf hash of
``ledger.storage.entries.event_leaf_hash``; ``signature_codes`` (the reads' checks) is its
signature check alone. These tests hold it to them on real signed rows and on
every kind of damage, byte for byte.
"""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.verify import check_rows, signature_codes
from ledger.audit.verify.workers import BAD_SIGNATURE, KEY_UNKNOWN, NOT_ENVELOPE, OK
from ledger.signing.signatures import Envelope, Signer, check_signature, public_key_from_raw
from ledger.storage.entries import event_leaf_hash

SIGNER = Signer.generate()
OTHER = Signer.generate()
KEYS = {SIGNER.key_id: SIGNER.public_raw}


Row = tuple[int, str, int, str, bytes]


def _row(oid: uuid.UUID, version: int, topic: str, state: bytes) -> Row:
    return (version, oid.hex, version, topic, state)


def _slow_code(oid: uuid.UUID, version: int, topic: str, state: bytes) -> int:
    """What the reference implementation says about one row."""
    try:
        envelope = Envelope.parse(state)
    except Exception:
        return NOT_ENVELOPE
    if envelope.key_id != SIGNER.key_id:
        return KEY_UNKNOWN
    public = public_key_from_raw(SIGNER.public_raw)
    return OK if check_signature(public, envelope, oid, version, topic) else BAD_SIGNATURE


damage = st.sampled_from(["none", "flip_payload", "flip_signature", "other_key", "unsigned",
                          "moved_version", "other_topic"])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    payload=st.binary(max_size=300),
    version=st.integers(min_value=1, max_value=2**40),
    topic=st.text(min_size=1, max_size=40),
    start=st.integers(min_value=0, max_value=2**32),
    how=damage,
)
def test_the_fast_path_agrees_with_check_signature_and_event_leaf_hash(
    payload: bytes, version: int, topic: str, start: int, how: str
) -> None:
    oid = uuid.uuid4()
    signer = OTHER if how == "other_key" else SIGNER
    state = signer.seal(oid, version, topic, payload)
    if how == "flip_payload":
        state = state[:-1] + bytes([state[-1] ^ 1]) if payload else state + b"x"
    elif how == "flip_signature":
        state = state[:20] + bytes([state[20] ^ 0x80]) + state[21:]
    elif how == "unsigned":
        state = payload
    stored_version = version + 1 if how == "moved_version" else version
    stored_topic = topic + "!" if how == "other_topic" else topic
    row = _row(oid, stored_version, stored_topic, state)
    _, codes, hashes, _ = check_rows(start, [row], KEYS)
    assert codes[0] == _slow_code(oid, stored_version, stored_topic, state)
    for stored_id in (row[1], oid):  # SQLite's hex text, PostgreSQL's UUID
        assert signature_codes([(*row[:1], stored_id, *row[2:])], KEYS) == codes
    assert hashes == event_leaf_hash(start, oid, stored_version, stored_topic, state)
    if how == "none":
        assert codes[0] == OK
    elif how in {"flip_payload", "flip_signature", "moved_version", "other_topic"}:
        assert codes[0] == BAD_SIGNATURE
