"""Auditor verification of a whole ledger, over any source of its log (a store or a bundle).

One pass over the notification log, in order, holding no events. For every event:

1. the envelope is parsed over the exact stored bytes, never re-encoded (DESIGN, "Signatures");
2. the signer key is looked up in the key registry *as it stood at that position of the log*:
   registered at an earlier position, not rotated or revoked before this one (the registry's
   own events are replayed as they appear, from the self-signed root key, optionally pinned);
3. the key must be authorised: case, cadre and unit events need a key of a discipline organ or
   an organisation department (Art. 6); registry events need an admin key (a rotation may also
   be signed by the key it replaces);
4. the Ed25519 signature is checked;
5. versions must run 1, 2, 3... per aggregate (a gap or repeat is a deleted or moved row);
6. the RFC 9162 leaf (:mod:`ledger.storage.entries`) is re-hashed from the stored bytes and
   compared with
   the stored leaf table, which must hold exactly one leaf per event, in log order.

The work that does not depend on the order of the log — parsing each envelope, the SHA-256 of
its payload and of its state, the signature (4), the leaf (6) and the Merkle subtrees over a
batch's leaves — runs in workers, a batch of events at a time (:func:`check_rows`), each batch
coming back as a few byte strings (a status byte, the 16-byte aggregate id and the leaf hash of
each event). The main thread keeps what depends on the order: the keys as of each position
(2, 3), the versions (5), the leaf table compared batch by batch (6), and the Merkle roots.
Workers are threads (libsodium, :mod:`ledger.signing.ed25519`, verifies without the GIL) or
processes (see :func:`_parallel_mode`).

The roots at every checkpoint size are taken from a compact range (RFC 9162 §2.1.1; the O(log n)
perfect-subtree roots of the log read so far) as the stream passes each size. Each must match its
signed checkpoint (C2SP tlog-checkpoint, signed by an admin key valid at that size); checkpoints
recomputed from the same leaves are consistent with one another by construction (RFC 9162
§2.1.4), consistency proofs a source carries are checked as given; no checkpoint may be larger
than the log (rollback), and cosignatures (C2SP tlog-cosignature) must verify.

:func:`Verifier.run` never raises: it returns a :class:`VerificationResult` that is truthy when
clean and lists every failure with its position. ``position`` is an event's 0-based place in the
log, which is also its Merkle leaf index. Memory does not grow with the log, except for the last
version of each aggregate (a 16-byte id and a number: about 100 bytes per case, cadre or unit)
and the keys; events and leaves are held a few batches at a time."""

from __future__ import annotations

from ledger.audit.verify.options import VerifyOptions
from ledger.audit.verify.result import Check, ConsistencyProof, Failure, KeyInfo, VerificationResult
from ledger.audit.verify.run import Verifier, verify_store
from ledger.audit.verify.sources import (
    EventRecord,
    EventSource,
    StoreSource,
    decode_payload,
    record_label,
)
from ledger.audit.verify.workers import check_rows, signature_codes
from ledger.transparency.tables import EventRow

__all__ = [
    "Check",
    "ConsistencyProof",
    "EventRecord",
    "EventRow",
    "EventSource",
    "Failure",
    "KeyInfo",
    "StoreSource",
    "VerificationResult",
    "Verifier",
    "VerifyOptions",
    "check_rows",
    "decode_payload",
    "record_label",
    "signature_codes",
    "verify_store",
]
