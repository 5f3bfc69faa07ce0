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
Workers are threads (``cryptography`` releases the GIL while it verifies, from version 50) or
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
and the keys; events and leaves are held a few batches at a time.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import struct
import sys
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from contextlib import suppress
from dataclasses import dataclass, field, replace
from enum import StrEnum
from operator import lt
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    PersistenceError,
    UUIDAsHex,
)

from ledger.domain import topics
from ledger.domain.ids import REGISTRY_ID, as_uuid
from ledger.domain.regulation import AuthorityKind, KeyRole
from ledger.errors import LedgerError, ProofError, TamperedEventError, VerificationError
from ledger.signing.signatures import (
    EVENT_DOMAIN,
    HEADER_SIZE,
    KEY_ID_SIZE,
    MAGIC,
    Envelope,
    check_signature,
    fingerprint,
    key_id_of,
)
from ledger.storage.entries import LEAF_DOMAIN, event_leaf_hash
from ledger.storage.transcodings import DateAsISO
from ledger.transparency.checkpoint import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    b64encode,
    open_note,
    parse_vkey,
    verify_cosignature,
    verify_note,
)
from ledger.transparency.checkpoints import (
    CompactRange,
    EventRow,
    LeafRow,
    LedgerTables,
    StoredCheckpoint,
    StoredCosignature,
    origin_for,
    subtree_hashes,
)
from ledger.transparency.merkle import EMPTY_ROOT, verify_consistency
from ledger.transparency.person_index import (
    CADRE,
    CASE,
    PERSON_NODES_TABLE,
    IndexAudit,
    PersonTables,
    audit_stored_rows,
    map_root_of,
)
from ledger.transparency.person_map import Node

#: Topics of the events that can name a person (the person index, Art. 8).
INDEXED_TOPICS = (CADRE, CASE)

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
    "verify_store",
]

REGISTRY_TOPIC = topics.REGISTRY
#: Aggregate classes by topic prefix, and the kind of record each is.
KINDS = {
    REGISTRY_TOPIC: "registry",
    topics.CASE: "case",
    topics.CADRE: "cadre",
    topics.UNIT: "unit",
    topics.IMPORTED_LINE: "import",  # an import line's idempotency record (ledger.domain.imports)
    topics.REPORT: "report",
}
#: Art. 6: who may record accountability (and the cadres and units it concerns).
MAY_RECORD = frozenset(k.value for k in AuthorityKind if k.may_hold_accountable)
#: Art. 14: the petition work agency reports and circulates the regional annual report.
MAY_REPORT = frozenset({AuthorityKind.PETITION.value})
ADMIN = KeyRole.ADMIN.value
STORE_PAGE = 2_000
#: Below this many events, starting worker processes costs more than it saves.
PROCESS_THRESHOLD = 30_000
CLOCK_SKEW = 300
#: The GIL switch interval while worker threads verify (seconds).
THREAD_SWITCH_INTERVAL = 0.001
_REGISTRY = REGISTRY_ID.int


class Check(StrEnum):
    """What a failure is about."""

    FORMAT = "format"  # not a signed envelope, undecodable, a malformed bundle line
    SIGNATURE = "signature"  # the Ed25519 signature does not cover these stored bytes
    KEY = "key"  # unregistered, rotated or revoked signer key; root key not the pinned one
    AUTHORISATION = "authorisation"  # a valid key not allowed to record this (Art. 6)
    VERSION = "version"  # versions of an aggregate not 1, 2, 3...: deleted, moved, inserted
    LEAF = "leaf"  # the stored Merkle leaf table disagrees with the events
    CHECKPOINT = "checkpoint"  # a signed checkpoint that does not hold
    ROLLBACK = "rollback"  # the log is shorter than a signed checkpoint
    CONSISTENCY = "consistency"  # two checkpoints that are not one history
    COSIGNATURE = "cosignature"  # a cosignature that does not verify, a witness missing
    INDEX = "index"  # the person index (chains, map, checkpoint root) disagrees with the log
    STORE = "store"  # the source could not be read to the end
    MEASURES = "measures"  # a valid event the Measures would have refused (ledger.audit.semantic)


@dataclass(frozen=True)
class Failure:
    """One thing found wrong, with where it is."""

    check: Check
    message: str
    position: int | None = None
    notification_id: int | None = None
    aggregate_id: str | None = None
    version: int | None = None
    topic: str | None = None
    record: str | None = None  # "case 湘纪〔2024〕1号", "cadre P001", "unit CS-XF", "key registry"
    case_no: str | None = None
    key_id: str | None = None
    tree_size: int | None = None

    def describe(self) -> str:
        """One line naming where and what."""
        where: list[str] = []
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.record:
            where.append(self.record)
        elif self.aggregate_id:
            where.append(f"aggregate {self.aggregate_id}")
        if self.topic:
            where.append(f"{self.topic} v{self.version}" if self.version else self.topic)
        if self.tree_size is not None and self.position is None:
            where.append(f"checkpoint {self.tree_size}")
        head = ", ".join(where)
        return (
            f"[{self.check.value}] {head}: {self.message}"
            if head
            else (f"[{self.check.value}] {self.message}")
        )

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["check"] = self.check.value
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class KeyInfo:
    """A signer key as the log registered it, with the positions of its life."""

    key_id: str
    fingerprint: str
    holder: str
    authority: str
    authority_kind: str
    role: str
    registered_at: int
    ended_at: int | None
    status: str


@dataclass(frozen=True)
class ConsistencyProof:
    """An RFC 9162 §2.1.4 proof that the tree of ``new_size`` extends that of ``old_size``."""

    old_size: int
    new_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class VerificationResult:
    """What a verification found: truthy when nothing is wrong (python-tuf style)."""

    source: str
    events: int
    aggregates: int
    signatures: int
    root_fingerprint: str | None
    origin: str | None
    tree_size: int
    root: bytes
    checkpoints: int
    latest_checkpoint: int | None
    cosignatures: int
    keys: tuple[KeyInfo, ...]
    failures: tuple[Failure, ...]
    failure_count: int
    seconds: float
    witnessed: tuple[str, ...] = ()
    checkpoints_kept: int = 0

    def __bool__(self) -> bool:
        return self.failure_count == 0

    @property
    def ok(self) -> bool:
        return self.failure_count == 0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, int]:
        """Listed failures by kind of check."""
        out: dict[str, int] = {}
        for f in self.failures:
            out[f.check.value] = out.get(f.check.value, 0) + 1
        return out

    def raise_for_failures(self) -> None:
        """The raising variant: VerificationError naming the first failure and the count."""
        if self.ok:
            return
        first = self.failures[0] if self.failures else None
        text = first.describe() if first else "verification failed"
        more = self.failure_count - 1
        where = {k: v for k, v in (first.to_dict() if first else {}).items() if k != "message"}
        raise VerificationError(
            f"{text}" + (f" (and {more} more failures)" if more else ""), **where
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "events": self.events,
            "aggregates": self.aggregates,
            "signatures_verified": self.signatures,
            "root_fingerprint": self.root_fingerprint,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root": base64.b64encode(self.root).decode(),
            "checkpoints_kept": self.checkpoints_kept,
            "checkpoints_verified": self.checkpoints,
            "latest_checkpoint": self.latest_checkpoint,
            "cosignatures_verified": self.cosignatures,
            "witnessed": list(self.witnessed),
            "keys": [k.__dict__ for k in self.keys],
            "failure_count": self.failure_count,
            "failures_by_check": self.counts(),
            "failures": [f.to_dict() for f in self.failures],
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second),
        }

    def _checkpoint_line(self) -> str:
        if not self.checkpoints_kept:
            return "none kept (run `lifeledger checkpoint`)"
        text = f"{self.checkpoints_kept} kept, {self.checkpoints} verified"
        if self.latest_checkpoint is not None:
            text += f", latest verified at size {self.latest_checkpoint}"
            if self.latest_checkpoint < self.tree_size:
                text += f" ({self.tree_size - self.latest_checkpoint} events since)"
        return text

    def summary(self) -> str:
        """The human report: a summary, then every listed failure."""
        status = "OK" if self.ok else f"FAILED: {self.failure_count} failure(s)"
        lines = [
            f"Verification of {self.source}: {status}",
            f"  events            {self.events} in {self.aggregates} records, "
            f"{self.signatures} signatures verified",
            f"  keys              {len(self.keys)} registered; root {self.root_fingerprint or '?'}",
            f"  Merkle tree       size {self.tree_size}, root "
            f"{base64.b64encode(self.root).decode()}",
            f"  checkpoints       {self._checkpoint_line()}",
            f"  cosignatures      {self.cosignatures} verified"
            + (f" (witnesses: {', '.join(self.witnessed)})" if self.witnessed else ""),
            f"  time              {self.seconds:.2f} s ({self.events_per_second:,.0f} events/s)",
        ]
        if self.failures:
            lines.append("Failures:")
            lines += [f"  {f.describe()}" for f in self.failures]
            hidden = self.failure_count - len(self.failures)
            if hidden:
                lines.append(f"  ... and {hidden} more not listed")
        return "\n".join(lines)


class EventRecord(Protocol):
    """A stored event as a source yields it (``eventsourcing``'s Notification is one)."""

    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> UUID | str: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


class EventSource(Protocol):
    """Where a log is read from: the store, or an exported bundle. One verifier for both."""

    @property
    def description(self) -> str: ...

    def event_count(self) -> int | None:
        """How many events to expect (for progress), if known."""

    def pages(self) -> Iterator[Sequence[EventRow]]:
        """The events in log order, a page at a time, as (notification id, aggregate id — a
        UUID or its hex text —, version, topic, exact stored state) tuples."""

    def leaf_pages(self) -> Iterator[Sequence[LeafRow]] | None:
        """The stored leaf table in leaf order as (index, notification id, hash) tuples, a page
        at a time, or None where there is none."""

    def checkpoints(self) -> Sequence[StoredCheckpoint]: ...

    def cosignatures(self) -> Sequence[StoredCosignature]: ...

    def consistency_proofs(self) -> Sequence[ConsistencyProof]:
        """Proofs between checkpoints carried by the source (a bundle), checked as given."""

    def problems(self) -> Sequence[Failure]:
        """What the source itself found malformed while it was read (after the pages)."""

    def key_hints(self) -> Mapping[bytes, bytes]:
        """Public keys the log's key registry names (id → raw key), read ahead and judged by
        nothing: they only let workers check signatures before the registry is replayed.
        {} where that cannot be done cheaply."""

    def first_events(self, ids: Collection[UUID]) -> Mapping[UUID, EventRecord]:
        """The version-1 events of these aggregates, to name records in failures."""


# --- payload decoding ---------------------------------------------------------------------------


def _transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return transcoder


_TRANSCODER = _transcoder()


def decode_payload(payload: bytes) -> dict[str, Any]:
    """An envelope's payload as the library's JSON transcoder reads it (no class is built)."""
    data = _TRANSCODER.decode(payload)
    if not isinstance(data, dict):
        raise ValueError("the payload is not a JSON object")
    return data


def record_label(topic: str, payload: dict[str, Any]) -> tuple[str | None, str | None]:
    """(label, case number) of the record a version-1 event created."""
    kind = KINDS.get(topic.rsplit(".", 1)[0])
    if kind == "case" and isinstance(payload.get("case_no"), str):
        return f"case {payload['case_no']}", payload["case_no"]
    if kind == "cadre" and isinstance(payload.get("personnel_no"), str):
        return f"cadre {payload['personnel_no']}", None
    if kind == "unit" and isinstance(payload.get("code"), str):
        return f"unit {payload['code']}", None
    return None, None


def short_topic(topic: str) -> str:
    return topic.split(":", 1)[-1]




# --- the key registry, replayed -----------------------------------------------------------------


@dataclass(eq=False)
class _Key:
    key_id: bytes
    public: Ed25519PublicKey
    public_raw: bytes
    holder: str
    authority: str
    authority_kind: str
    role: str
    registered_at: int
    ended_at: int | None = None
    status: str = "active"

    def valid_for_size(self, size: int) -> bool:
        """Registered inside the first ``size`` events and not rotated or revoked in them."""
        return self.registered_at < size and (self.ended_at is None or self.ended_at >= size)

    def describe(self) -> str:
        return f"{self.key_id.hex()} ({self.holder}, {self.authority})"

    def info(self) -> KeyInfo:
        return KeyInfo(
            key_id=self.key_id.hex(),
            fingerprint=fingerprint(self.public_raw),
            holder=self.holder,
            authority=self.authority,
            authority_kind=self.authority_kind,
            role=self.role,
            registered_at=self.registered_at,
            ended_at=self.ended_at,
            status=self.status,
        )


# --- the order-free work, a batch at a time, in a worker -----------------------------------------

#: What :func:`check_rows` says of each event, one byte each.
OK = 0  # the signature by the key of that id verifies
BAD_SIGNATURE = 1  # it does not
KEY_UNKNOWN = 2  # the key id was not among the keys handed over: not checked here
NOT_ENVELOPE = 3  # not a signed envelope (the leaf commits to zero key id and signature)
ROW_ERROR = 4  # the row could not be read (a malformed aggregate id, ...): redone in order

#: (aggregate ids as 128-bit integers, status bytes, leaf hashes, Merkle subtrees over the
#: leaves).
BatchResult = tuple[list[int], bytes, bytes, list[tuple[int, bytes]]]

_PUBLIC: dict[bytes, Ed25519PublicKey] = {}
_PACK_Q = struct.Struct(">Q").pack
_PACK_QI = struct.Struct(">QI").pack
_LEAF_HEAD = b"\x00" + LEAF_DOMAIN  # RFC 9162 §2.1.1 leaf prefix, then the entry's domain
_NO_KEY = b"\0" * KEY_ID_SIZE
_NO_SIGNATURE = b"\0" * (HEADER_SIZE - len(MAGIC) - KEY_ID_SIZE)
_KEY_AT = slice(len(MAGIC), len(MAGIC) + KEY_ID_SIZE)
_SIGNATURE_AT = slice(len(MAGIC) + KEY_ID_SIZE, HEADER_SIZE)


def _public(raw: bytes) -> Ed25519PublicKey:
    key = _PUBLIC.get(raw)
    if key is None:
        key = _PUBLIC[raw] = Ed25519PublicKey.from_public_bytes(raw)
    return key


def _id_bytes(value: Any) -> bytes:
    """The 16 bytes of an aggregate id as a source holds it (SQLite: 32 hex digits)."""
    if isinstance(value, UUID):
        return value.bytes
    if isinstance(value, str) and len(value) == 32:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = b""
        if len(raw) == 16:
            return raw
    return as_uuid(value).bytes


def check_rows(
    start: int, rows: Sequence[EventRow], keys: Mapping[bytes, bytes], cuts: Sequence[int] = ()
) -> BatchResult:
    """Steps 1, 4 and 6 of the module docstring for events at positions ``start, start+1, ...``:
    parse each envelope, verify its signature with the key of its key id among ``keys`` (key id
    → raw public key), hash its leaf (:func:`ledger.storage.entries.leaf_entry`, from the parts
    already
    parsed), and the leaves into Merkle subtrees ending at each of ``cuts``
    (:func:`ledger.transparency.checkpoints.subtree_hashes`). Pure: runs in a worker thread or
    process.

    Whether a key may sign at a position is for the caller to judge, in order.
    """
    sha256 = hashlib.sha256
    fromhex = bytes.fromhex
    public = {key_id: _public(raw) for key_id, raw in keys.items()}
    topics: dict[str, bytes] = {}
    codes = bytearray(len(rows))
    ids: list[int] = []
    to_int = int.from_bytes
    leaves: list[bytes] = []
    position = start
    for i, (_, oid, version, topic, state) in enumerate(rows):
        try:
            if oid.__class__ is str and len(oid) == 32:  # SQLite's hex text, the common case
                raw_id = fromhex(oid)
                if len(raw_id) != 16:
                    raw_id = _id_bytes(oid)
            else:
                raw_id = _id_bytes(oid)
            topic_bytes = topics.get(topic)
            if topic_bytes is None:
                topic_bytes = topics[topic] = topic.encode()
            row = raw_id + _PACK_QI(version, len(topic_bytes)) + topic_bytes
            if len(state) >= HEADER_SIZE and state[:4] == MAGIC:
                key_id, signature = state[_KEY_AT], state[_SIGNATURE_AT]
                key = public.get(key_id)
                if key is None:
                    code = KEY_UNKNOWN
                else:
                    digest = sha256(state[HEADER_SIZE:]).digest()
                    try:
                        key.verify(signature, EVENT_DOMAIN + row + digest)
                        code = OK
                    except InvalidSignature:
                        code = BAD_SIGNATURE
            else:
                key_id, signature, code = _NO_KEY, _NO_SIGNATURE, NOT_ENVELOPE
            leaf = sha256(
                _LEAF_HEAD + _PACK_Q(position) + row + sha256(state).digest() + key_id + signature
            ).digest()
        except Exception:  # whatever it is, the main thread redoes the row in order
            raw_id, leaf, code = bytes(16), bytes(32), ROW_ERROR
        codes[i] = code
        ids.append(to_int(raw_id))
        leaves.append(leaf)
        position += 1
    hashes = b"".join(leaves)
    return ids, bytes(codes), hashes, subtree_hashes(start, hashes, cuts)


def _warm_up() -> None:
    """Run once per worker process, so that its start is not counted against a batch."""


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify. ``root_fingerprint`` pins the root key (SHA-256 of it, hex)."""

    root_fingerprint: str | None = None
    trusted_checkpoints: tuple[bytes, ...] = ()  # signed notes an auditor kept earlier
    witnesses: tuple[str, ...] = ()  # cosigner vkeys that must have cosigned a checkpoint
    workers: int = 2
    # "threads", "processes" (forked on Linux; spawned elsewhere, where the calling program
    # needs an ``if __name__ == "__main__":`` guard, as the console script has), or "auto"
    # (see _parallel_mode).
    parallel: str = "threads"
    batch_size: int = 256
    max_failures: int = 10_000

    def __post_init__(self) -> None:
        if self.parallel not in ("auto", "threads", "processes"):
            raise ValueError(
                f"parallel must be 'auto', 'threads' or 'processes', not {self.parallel!r}"
            )
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")


class Audit:
    """The checks that depend on the order of the log (steps 2, 3, 5 of the module docstring),
    given each event's envelope, signature and leaf from :func:`check_rows`.

    Shared by the whole-log :class:`Verifier` and the proof verifier of :mod:`ledger.audit.proofs`.
    """

    def __init__(self, options: VerifyOptions) -> None:
        self.options = options
        self.pinned = _normalise_fingerprint(options.root_fingerprint)
        self.failures: list[Failure] = []
        self.failure_count = 0
        #: The first position at which the log itself fails (any check but the index's and
        #: the Measures'): what the person index computed from the log then follows from.
        self.broken_from: int | None = None
        self.keys: dict[bytes, _Key] = {}
        self.root: _Key | None = None
        #: The last version of each aggregate, by its id as an integer: the one thing kept per
        #: record (about 100 bytes each).
        self.versions: dict[int, int] = {}
        self.signatures = 0
        self._kinds: dict[str, str | None] = {}
        #: Topics of case, cadre and unit events; keys that may sign them at this position.
        self._record_topics: set[str] = set()
        self._recorders: dict[bytes, bytes] = {}
        self._changes = 0
        #: Public keys for the workers (id → raw key): those the registry names, read ahead
        #: unjudged (``hints``), then those registered so far. Whether a key was valid at a
        #: position is judged here, in order.
        self._hints: dict[bytes, bytes] = {}
        self.key_snapshot: dict[bytes, bytes] = {}

    # failures ---------------------------------------------------------------------------
    def fail(self, check: Check, message: str, **where: Any) -> None:
        self.failure_count += 1
        position = where.get("position")
        if position is not None and check not in (Check.INDEX, Check.MEASURES):
            self.broken_from = (
                position if self.broken_from is None else min(self.broken_from, position)
            )
        if len(self.failures) < self.options.max_failures:
            self.failures.append(Failure(check, message, **where))

    def _fail_event(
        self,
        check: Check,
        message: str,
        position: int,
        nid: int | None,
        oid: UUID,
        version: int,
        topic: str,
        key_id: bytes | None = None,
    ) -> None:
        self.fail(
            check,
            message,
            position=position,
            notification_id=nid,
            aggregate_id=str(oid),
            version=version,
            topic=short_topic(topic),
            record="key registry" if oid == REGISTRY_ID else None,
            key_id=key_id.hex() if key_id is not None else None,
        )

    # the per-event checks ---------------------------------------------------------------
    def kind_of(self, topic: str) -> str | None:
        try:
            return self._kinds[topic]
        except KeyError:
            kind = self._kinds[topic] = KINDS.get(topic.rsplit(".", 1)[0])
            if kind in ("case", "cadre", "unit"):
                self._record_topics.add(topic)
            return kind

    def hint_keys(self, hints: Mapping[bytes, bytes]) -> None:
        """Keys the registry will name, so that workers check signatures from the start."""
        self._hints = dict(hints)
        self._keys_changed()

    def _keys_changed(self) -> None:
        self._changes += 1
        self._recorders = {
            key_id: key.public_raw
            for key_id, key in self.keys.items()
            if key.ended_at is None and key.authority_kind in MAY_RECORD
        }
        self.key_snapshot = {
            **self._hints,
            **{key_id: key.public_raw for key_id, key in self.keys.items()},
        }

    def event(
        self, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes
    ) -> bytes:
        """Every check of one event at once; returns its leaf hash at ``position``."""
        row: EventRow = (nid, oid, version, topic, state)
        keys = self.key_snapshot
        ids, codes, leaves, _ = check_rows(position, [row], keys)
        if codes[0] == ROW_ERROR:
            leaves = self.redo_row(position, row)
        self.apply(position, [row], ids, codes, keys)
        return leaves[:32]

    @staticmethod
    def redo_row(position: int, row: EventRow) -> bytes:
        """A row the worker could not read, read again here so that what went wrong is raised
        where it is in the log; returns its leaf hash if it reads after all."""
        oid = as_uuid(row[1])
        return event_leaf_hash(position, oid, row[2], row[3], row[4])

    def apply(
        self,
        start: int,
        rows: Sequence[EventRow],
        ids: list[int],
        codes: bytes,
        keys: Mapping[bytes, bytes],
    ) -> None:
        """Steps 2, 3 and 5 for a batch checked by :func:`check_rows` with ``keys``, in log order.

        The common case — the next version of its record, a good signature by a key that may
        record at this position (and is the key the worker checked it with), a case, cadre or
        unit event — costs a few dictionary look-ups; anything else takes :meth:`_event`, which
        names what is wrong.
        """
        versions, topics = self.versions, self._record_topics
        last_of = versions.get
        key_at = _KEY_AT
        signers = self._signers(keys)
        good = 0
        for i, row in enumerate(rows):
            oid = ids[i]
            version = row[2]
            if (
                codes[i] == OK
                and version == last_of(oid, 0) + 1
                and row[3] in topics
                and row[4][key_at] in signers
                and oid != _REGISTRY
            ):
                versions[oid] = version
                good += 1
                continue
            changes = self._changes
            self._event(start + i, row[0], oid, row, codes[i], keys)
            if self._changes != changes:  # a key was registered, rotated or revoked here
                signers = self._signers(keys)
        self.signatures += good

    def _signers(self, keys: Mapping[bytes, bytes]) -> set[bytes]:
        """Ids of the keys that may record at this position and that a worker holding ``keys``
        checked signatures with."""
        return {key_id for key_id, raw in self._recorders.items() if keys.get(key_id) == raw}

    def _event(
        self,
        position: int,
        nid: int,
        raw_id: int,
        row: EventRow,
        code: int,
        keys: Mapping[bytes, bytes],
    ) -> None:
        """Steps 1-5 for one event, naming every failure."""
        _, stored_id, version, topic, state = row
        oid = UUID(int=raw_id) if code != ROW_ERROR else as_uuid(stored_id)
        # 5. Versions contiguous per aggregate: a gap is a deleted or moved row, a repeat an
        #    inserted or copied one.
        last = self.versions.get(oid.int, 0)
        if version != last + 1:
            if version <= last:
                what = (
                    f"version {version} comes after version {last} of the same record: "
                    "a duplicated, inserted or reordered event"
                )
            elif version == last + 2:
                what = f"version {last + 1} is missing before it: an event was deleted or moved"
            else:
                what = (
                    f"versions {last + 1}..{version - 1} are missing before it: events were "
                    "deleted or moved"
                )
            self._fail_event(Check.VERSION, what, position, nid, oid, version, topic)
        if version > last:
            self.versions[oid.int] = version
        # 1. The envelope, over the exact stored bytes.
        try:
            envelope = Envelope.parse(state)
        except TamperedEventError as e:
            self._fail_event(Check.FORMAT, str(e), position, nid, oid, version, topic)
            return
        kind = self.kind_of(topic)
        if kind == "registry" or oid == REGISTRY_ID:
            self._registry_event(position, nid, oid, version, topic, envelope)
            self._keys_changed()
            return
        # 2. The key as the registry stood at this position.
        key = self.keys.get(envelope.key_id)
        if key is None:
            self._fail_event(
                Check.KEY,
                f"signed by key {envelope.key_id.hex()}, which the key registry had not "
                "registered at this position: a forged or foreign event",
                position, nid, oid, version, topic, envelope.key_id,
            )  # fmt: skip
            return
        if key.ended_at is not None:
            self._fail_event(
                Check.KEY,
                f"signed by key {key.describe()} after it was {key.status} at position "
                f"{key.ended_at}",
                position, nid, oid, version, topic, envelope.key_id,
            )  # fmt: skip
        # 3. Art. 6: only discipline organs and organisation departments record.
        if kind is None:
            self._fail_event(
                Check.FORMAT,
                f"unknown event type {topic}: not an event of this ledger",
                position, nid, oid, version, topic, envelope.key_id,
            )  # fmt: skip
        elif kind == "report":
            if key.authority_kind not in MAY_REPORT:
                self._fail_event(
                    Check.AUTHORISATION,
                    f"signed by key {key.describe()} of a {key.authority_kind} authority, which "
                    "may not record report events (Art. 14: the 信访工作机构 reports)",
                    position, nid, oid, version, topic, envelope.key_id,
                )  # fmt: skip
        elif key.authority_kind not in MAY_RECORD:
            self._fail_event(
                Check.AUTHORISATION,
                f"signed by key {key.describe()} of a {key.authority_kind} authority, which may "
                f"not record {kind} events (Art. 6: only 纪检监察机关 and 组织人事部门)",
                position, nid, oid, version, topic, envelope.key_id,
            )  # fmt: skip
        # 4. The signature: as the worker found it with this very key, else checked here.
        self.signatures += 1
        if keys.get(key.key_id) != key.public_raw:
            code = KEY_UNKNOWN
        if code == OK:
            return
        if code == BAD_SIGNATURE or not check_signature(key.public, envelope, oid, version, topic):
            self._fail_event(
                Check.SIGNATURE,
                f"the signature by {key.describe()} does not cover the stored bytes: the event "
                "was altered, or moved from another row",
                position, nid or None, oid, version, topic, key.key_id,
            )  # fmt: skip

    def _check_now(self, public: Ed25519PublicKey, envelope: Envelope, oid: UUID, version: int,
                   topic: str) -> bool:  # fmt: skip
        self.signatures += 1
        return check_signature(public, envelope, oid, version, topic)

    def _registry_event(
        self, position: int, nid: int | None, oid: UUID, version: int, topic: str,
        envelope: Envelope,
    ) -> None:  # fmt: skip
        """Registry events are checked at once, so later events see the keys they change."""

        def fail(check: Check, message: str) -> None:
            self._fail_event(check, message, position, nid, oid, version, topic, envelope.key_id)

        if oid != REGISTRY_ID or self.kind_of(topic) != "registry":
            fail(Check.FORMAT, "a key-registry event outside the ledger's key registry")
            return
        try:
            payload = decode_payload(envelope.payload)
        except Exception as e:  # any decoding failure of tampered bytes
            fail(Check.FORMAT, f"the registry event cannot be decoded: {e}")
            return
        name = topic.rsplit(".", 1)[1]
        if name == "Created":
            self._created(position, oid, version, topic, envelope, payload, fail)
            return
        signer = self.keys.get(envelope.key_id)
        if signer is None:
            fail(Check.KEY, f"signed by key {envelope.key_id.hex()}, which is not registered")
            return
        if not self._check_now(signer.public, envelope, oid, version, topic):
            fail(
                Check.SIGNATURE,
                f"the signature by {signer.describe()} does not cover the stored bytes: the "
                "event was altered or moved; its key change is ignored",
            )
            return
        if signer.ended_at is not None:
            fail(
                Check.KEY,
                f"signed by key {signer.describe()} after it was {signer.status} at position "
                f"{signer.ended_at}; its key change is ignored",
            )
            return
        try:
            if name == "KeyRegistered":
                self._registered(position, signer, payload, fail)
            elif name == "KeyRotated":
                self._rotated(position, signer, payload, fail)
            elif name == "KeyRevoked":
                self._revoked(position, signer, payload, fail)
            else:
                fail(Check.FORMAT, f"unknown key-registry event {name}")
        except (KeyError, ValueError, TypeError) as e:
            fail(Check.FORMAT, f"malformed key-registry event ({type(e).__name__}: {e})")

    def _created(
        self, position: int, oid: UUID, version: int, topic: str, envelope: Envelope,
        payload: dict[str, Any], fail: Callable[[Check, str], None],
    ) -> None:  # fmt: skip
        if self.root is not None:
            fail(Check.KEY, "the key registry is created a second time; ignored")
            return
        try:
            raw = bytes.fromhex(payload["public_key"])
            public = Ed25519PublicKey.from_public_bytes(raw)
        except (KeyError, ValueError, TypeError) as e:
            fail(Check.FORMAT, f"the root key in the registry's first event is malformed: {e}")
            return
        if key_id_of(raw) != envelope.key_id or payload.get("key_id") != key_id_of(raw).hex():
            fail(Check.KEY, "the registry's first event is not signed by the root key it names")
            return
        if not self._check_now(public, envelope, oid, version, topic):
            fail(Check.SIGNATURE, "the root key's signature on the registry's first event fails")
            return
        root_fp = fingerprint(raw)
        if self.pinned is not None and root_fp != self.pinned:
            fail(
                Check.KEY,
                f"the root key's fingerprint is {root_fp}, not the pinned {self.pinned}: this "
                "is not the ledger you trust (everything below is relative to that other root)",
            )
        self.root = self.keys[envelope.key_id] = _Key(
            envelope.key_id, public, raw, str(payload.get("holder", "")),
            str(payload.get("authority", "")), str(payload.get("authority_kind", "")), ADMIN,
            position,
        )  # fmt: skip

    def _new_key(self, payload: dict[str, Any], fail: Callable[[Check, str], None]) -> _Key | None:
        raw = bytes.fromhex(payload["public_key"])
        public = Ed25519PublicKey.from_public_bytes(raw)
        key_id = key_id_of(raw)
        if payload["key_id"] != key_id.hex():
            fail(Check.KEY, "the registered key id does not match the registered key; ignored")
            return None
        if key_id in self.keys:
            fail(Check.KEY, f"key {key_id.hex()} is registered a second time; ignored")
            return None
        return _Key(key_id, public, raw, "", "", "", "", 0)

    def _registered(self, position: int, signer: _Key, payload: dict[str, Any],
                    fail: Callable[[Check, str], None]) -> None:  # fmt: skip
        if signer.role != ADMIN:
            fail(
                Check.AUTHORISATION,
                f"key {signer.describe()} is not an admin key and may not register keys; the "
                "registration is ignored",
            )
            return
        key = self._new_key(payload, fail)
        if key is None:
            return
        key.holder = str(payload["holder"])
        key.authority = str(payload["authority"])
        key.authority_kind = str(payload["authority_kind"])
        key.role = str(payload["role"])
        key.registered_at = position
        self.keys[key.key_id] = key

    def _rotated(self, position: int, signer: _Key, payload: dict[str, Any],
                 fail: Callable[[Check, str], None]) -> None:  # fmt: skip
        old = self.keys.get(bytes.fromhex(payload["old_key_id"]))
        if old is None or old.ended_at is not None:
            fail(Check.KEY, f"rotation of key {payload['old_key_id']}, which is not active")
            return
        if signer is not old and signer.role != ADMIN:
            fail(
                Check.AUTHORISATION,
                f"key {signer.describe()} may not rotate another holder's key (only the key "
                "itself or an admin key); ignored",
            )
            return
        key = self._new_key(payload, fail)
        if key is None:
            return
        key.holder, key.authority = old.holder, old.authority
        key.authority_kind, key.role = old.authority_kind, old.role
        key.registered_at = position
        self.keys[key.key_id] = key
        old.ended_at, old.status = position, "rotated"

    def _revoked(self, position: int, signer: _Key, payload: dict[str, Any],
                 fail: Callable[[Check, str], None]) -> None:  # fmt: skip
        if signer.role != ADMIN:
            fail(Check.AUTHORISATION, f"key {signer.describe()} may not revoke keys; ignored")
            return
        target = self.keys.get(bytes.fromhex(payload["key_id"]))
        if target is None:
            fail(Check.KEY, f"revocation of key {payload['key_id']}, which is not registered")
            return
        if target is signer:
            fail(Check.AUTHORISATION, "a key may not revoke itself; ignored")
            return
        if target.ended_at is None:
            target.ended_at = position
        target.status = "revoked"

    # checkpoints ------------------------------------------------------------------------
    @property
    def root_fingerprint(self) -> str | None:
        return fingerprint(self.root.public_raw) if self.root else None

    @property
    def origin(self) -> str | None:
        fp = self.root_fingerprint
        return origin_for(fp) if fp else None

    def admin_keys_for(self, size: int) -> list[Ed25519PublicKey]:
        """Admin keys valid for a checkpoint of ``size``: registered within it, not ended."""
        return [k.public for k in self.keys.values() if k.role == ADMIN and k.valid_for_size(size)]

    def check_note(self, stored: StoredCheckpoint, log_size: int) -> Checkpoint | None:
        """The checkpoint a stored note states, if well formed and signed by an admin key that
        was valid at its size (C2SP signed-note); failures are recorded."""
        where: dict[str, Any] = {"tree_size": stored.tree_size}
        try:
            body = open_note(stored.note)[0]
            cp = Checkpoint.parse(body)
        except ProofError as e:
            self.fail(Check.CHECKPOINT, f"malformed checkpoint note: {e}", **where)
            return None
        if cp.size != stored.tree_size or cp.root != stored.root:
            self.fail(
                Check.CHECKPOINT,
                f"the stored size/root ({stored.tree_size}, {b64encode(stored.root)}) differ from "
                f"the signed note ({cp.size}, {b64encode(cp.root)}): the row was edited",
                **where,
            )
        origin = self.origin
        if origin is None:
            self.fail(Check.CHECKPOINT, "no root key is known to check the signature", **where)
            return None
        if cp.origin != origin:
            self.fail(
                Check.CHECKPOINT,
                f"the checkpoint's origin {cp.origin!r} is not this ledger's {origin!r}",
                tree_size=cp.size,
            )
            return None
        if cp.size <= log_size:
            keys = self.admin_keys_for(cp.size)
        else:  # rolled back: the log no longer says which keys were valid; any admin key
            keys = [k.public for k in self.keys.values() if k.role == ADMIN]
        try:
            verify_note(stored.note, {origin: keys})
        except ProofError as e:
            self.fail(
                Check.CHECKPOINT,
                f"the checkpoint is not signed by an admin key valid at size {cp.size}: {e}",
                tree_size=cp.size,
            )
            return None
        return cp

    def check_cosignatures(
        self,
        cosignatures: Sequence[StoredCosignature],
        bodies: Mapping[int, bytes],
        good_sizes: Collection[int],
    ) -> tuple[int, list[str]]:
        """Verify every cosignature (C2SP tlog-cosignature); return the count of valid ones and
        the names of required witnesses that cosigned a good checkpoint."""
        valid = 0
        cosigned: dict[tuple[str, bytes], set[int]] = {}
        not_after = int(time.time()) + CLOCK_SKEW
        for cs in cosignatures:
            where = {"tree_size": cs.tree_size}
            body = bodies.get(cs.tree_size)
            if body is None:
                self.fail(
                    Check.COSIGNATURE,
                    f"cosignature by {cs.name} of a checkpoint that is not kept",
                    **where,
                )
                continue
            try:
                key = parse_vkey(cs.vkey)
                if key.signature_type != SIG_COSIGNATURE_V1:
                    raise ProofError("the cosigner key is not a cosignature/v1 key")
                signature = cs.signature()
                if signature.name != key.name:
                    raise ProofError("the cosignature line names another key")
                verify_cosignature(body, signature, key.public_key(), not_after=not_after)
            except ProofError as e:
                self.fail(Check.COSIGNATURE, f"cosignature by {cs.name} fails: {e}", **where)
                continue
            valid += 1
            cosigned.setdefault((key.name, key.public_key_raw), set()).add(cs.tree_size)
        witnessed: list[str] = []
        for text in self.options.witnesses:
            try:
                w = parse_vkey(text)
            except ProofError as e:
                self.fail(Check.COSIGNATURE, f"witness key {text!r} is malformed: {e}")
                continue
            sizes = cosigned.get((w.name, w.public_key_raw), set()) & set(good_sizes)
            if sizes:
                witnessed.append(f"{w.name}@{max(sizes)}")
            else:
                self.fail(
                    Check.COSIGNATURE,
                    f"witness {w.name} has cosigned no checkpoint that matches this log",
                )
        return valid, witnessed

    def key_infos(self) -> tuple[KeyInfo, ...]:
        return tuple(k.info() for k in sorted(self.keys.values(), key=lambda k: k.registered_at))


def _normalise_fingerprint(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.strip().lower().replace(":", "").replace(" ", "")
    return cleaned or None


class Verifier:
    """Verifies a whole log from an :class:`EventSource`; :meth:`run` never raises."""

    def __init__(self, options: VerifyOptions | None = None) -> None:
        self.options = options or VerifyOptions()

    def run(
        self, source: EventSource, progress: Callable[[int], None] | None = None
    ) -> VerificationResult:
        started = time.perf_counter()
        try:
            expected = source.event_count()
        except (LedgerError, PersistenceError, OSError):
            expected = None
        pool = _executor(self.options, _parallel_mode(self.options, expected))
        run = _Run(self.options, source, Audit(self.options), pool)
        interval = sys.getswitchinterval()
        if isinstance(pool, ThreadPoolExecutor):
            # A worker back from an Ed25519 call waits for the GIL until the thread holding it
            # lets go: up to the switch interval (5 ms by default), which on a busy machine
            # cost a tenth of the throughput (bench/verify_bench.py).
            sys.setswitchinterval(min(interval, THREAD_SWITCH_INTERVAL))
        try:
            run.scan(progress)
        except (LedgerError, PersistenceError, OSError, ValueError) as e:
            run.audit.fail(
                Check.STORE,
                f"reading {source.description} failed after {run.count} events: {e}",
                position=run.count,
            )
        finally:
            sys.setswitchinterval(interval)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return run.result(time.perf_counter() - started)


def _parallel_mode(options: VerifyOptions, expected_events: int | None) -> str:
    """``auto``: processes for large logs, threads for small ones (starting processes costs
    more than it saves below :data:`PROCESS_THRESHOLD` events).

    Measured at 100k events on 2 cores with ``cryptography`` 50 (bench/verify_bench.py, and
    figure 3 of bench/run.py), against raw Ed25519 on both cores: threads 0.89-0.90 and
    processes 0.88-0.91 on a quiet machine. Processes spend about 4% more CPU (the batches
    are pickled) but never wait for the GIL, which keeps them steadier on a busy machine;
    threads start nothing and stay the library's default."""
    if options.parallel != "auto":
        return options.parallel
    return "processes" if (expected_events or 0) >= PROCESS_THRESHOLD else "threads"


def _executor(options: VerifyOptions, mode: str) -> Executor | None:
    if options.workers <= 1:
        return None
    if mode == "processes":
        # fork starts in milliseconds and runs nothing of the calling program again (the
        # workers only hash and verify); spawn, the safe choice elsewhere (macOS), imports the
        # calling program's main module again and needs its ``if __name__ == "__main__":``.
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        pool = ProcessPoolExecutor(options.workers, multiprocessing.get_context(method))
        try:
            for future in [pool.submit(_warm_up) for _ in range(options.workers)]:
                future.result()
            return pool
        except (BrokenExecutor, RuntimeError, OSError):
            pool.shutdown(wait=False, cancel_futures=True)  # then threads
    return ThreadPoolExecutor(options.workers)


class _LeafStream:
    """The stored leaf table, read a page at a time, looked ahead into batch by batch."""

    def __init__(self, pages: Iterator[Sequence[LeafRow]]) -> None:
        self._pages = pages
        self._buffer: list[LeafRow] = []
        self._at = 0

    def _fill(self, n: int) -> None:
        while len(self._buffer) - self._at < n:
            page = next(self._pages, None)
            if page is None:
                return
            if self._at:
                del self._buffer[: self._at]
                self._at = 0
            self._buffer.extend(page)

    def peek(self, n: int) -> list[LeafRow]:
        self._fill(n)
        return self._buffer[self._at : self._at + n]

    def skip(self, n: int) -> None:
        self._at += n

    def next(self) -> LeafRow | None:
        self._fill(1)
        if self._at < len(self._buffer):
            self._at += 1
            return self._buffer[self._at - 1]
        return None


#: (first position, rows, the worker's result, cut sizes, end of the source page, the keys the
#: worker was handed).
_Job = tuple[
    int,
    Sequence[EventRow],
    "Future[BatchResult] | BatchResult",
    tuple[int, ...],
    int,
    Mapping[bytes, bytes],
]


class _Run:
    """One verification: the streamed scan, then the checks of the checkpoints."""

    def __init__(
        self, options: VerifyOptions, source: EventSource, audit: Audit, pool: Executor | None
    ) -> None:
        self.options = options
        self.pool = pool
        self.source = source
        self.audit = audit
        self.range = CompactRange()
        #: Events applied, counted by whole pages of the source (what "failed after" says).
        self.count = 0
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}
        self._sizes: list[int] = []
        self._wanted: set[int] = set()
        self._jobs: deque[_Job] = deque()
        self.checkpoints_ok = 0
        self.checkpoints_kept = 0
        self.latest: int | None = None
        self.cosignatures_ok = 0
        self.witnessed: list[str] = []
        self._leaves: _LeafStream | None = None
        self._leaf: LeafRow | None = None
        self._next_leaf_index = 0
        self._last_leaf_nid = 0
        #: The person index recomputed from the log, and its map root at each checkpoint size.
        self.index = IndexAudit()
        self.index_roots: dict[int, bytes] = {}
        self.index_nodes: dict[str, Node] | None = None
        #: A signed checkpoint is larger than the log: events are gone from its end.
        self.rolled_back = False

    # the stream -------------------------------------------------------------------------
    def scan(self, progress: Callable[[int], None] | None) -> None:
        source = self.source
        leaf_pages = source.leaf_pages()
        self._leaves = _LeafStream(iter(leaf_pages)) if leaf_pages is not None else None
        self._advance_leaf()
        checkpoints = list(source.checkpoints())
        cosignatures = list(source.cosignatures())
        self._want_roots(checkpoints)
        self.audit.hint_keys(source.key_hints())
        batch = self.options.batch_size
        depth = 2 * max(1, self.options.workers) + 1 if self.pool is not None else 0
        position = 0
        pages = iter(source.pages())
        while True:
            try:
                page = next(pages, None)
            except (LedgerError, PersistenceError, OSError, ValueError):
                while self._jobs:  # what was read is checked before the failure is reported
                    self._finish(progress)
                raise
            if page is None:
                break
            end = position + len(page)
            for first in range(0, len(page), batch):
                rows = page[first : first + batch]
                self._submit(position, rows, end)
                position += len(rows)
                while len(self._jobs) > depth:
                    self._finish(progress)
        while self._jobs:
            self._finish(progress)
        while self._leaf is not None:
            self._orphan(self._leaf)
            self._advance_leaf()
        for problem in source.problems():
            self.audit.fail(problem.check, problem.message, **_where_of(problem))
        self._check_checkpoints(checkpoints, cosignatures, source.consistency_proofs())

    def _want_roots(self, stored: Sequence[StoredCheckpoint]) -> None:
        """Every size a checkpoint states (row or note), to take the root there on the way."""
        sizes: set[int] = set()
        for sc in [*stored, *(_trusted(n) for n in self.options.trusted_checkpoints)]:
            sizes.add(sc.tree_size)
            with suppress(ProofError):
                sizes.add(sc.parsed().size)
        self._sizes = sorted(s for s in sizes if s > 0)
        self._wanted = set(self._sizes)

    def _submit(self, start: int, rows: Sequence[EventRow], page_end: int) -> None:
        sizes = self._sizes
        cuts = tuple(sizes[bisect_right(sizes, start) : bisect_right(sizes, start + len(rows))])
        keys = self.audit.key_snapshot
        job: Future[BatchResult] | BatchResult
        if self.pool is None:
            job = check_rows(start, rows, keys, cuts)
        else:
            job = self.pool.submit(check_rows, start, rows, keys, cuts)
        self._jobs.append((start, rows, job, cuts, page_end, keys))

    def _finish(self, progress: Callable[[int], None] | None) -> None:
        start, rows, job, cuts, page_end, keys = self._jobs.popleft()
        if isinstance(job, Future):
            try:
                result = job.result()
            except BrokenExecutor:  # a worker died: check its batch, and the rest, here
                self.pool = None
                result = check_rows(start, rows, keys, cuts)
        else:
            result = job
        ids, codes, leaves, nodes = result
        stream = self._leaves
        if ROW_ERROR not in codes and (stream is None or self._leaves_match(start, rows, leaves)):
            self.audit.apply(start, rows, ids, codes, keys)
        else:
            redone = self._one_by_one(start, rows, ids, codes, leaves, keys)
            if redone != leaves:
                nodes = subtree_hashes(start, redone, cuts)
            leaves = redone
        self._feed_index(start, rows, ids, leaves)
        compact, wanted = self.range, self._wanted
        for height, digest in nodes:
            compact.push(height, digest)
            if compact.size in wanted:
                self.roots[compact.size] = compact.root()
        if start + len(rows) == page_end:
            self.count = page_end
        if progress is not None:
            progress(len(rows))

    def _feed_index(
        self, start: int, rows: Sequence[EventRow], ids: list[int], leaves: bytes
    ) -> None:
        """Refold the person chains over these events (log order), taking the map root at
        every checkpoint size on the way."""
        index, wanted = self.index, self._wanted
        for i, row in enumerate(rows):
            position = start + i
            if position in wanted:
                self._index_snapshot(position)
            topic = row[3]
            if topic.startswith(INDEXED_TOPICS):
                try:
                    oid = UUID(int=ids[i])
                except (ValueError, TypeError, IndexError):
                    continue  # an unreadable row: reported by the event checks
                index.feed(position, oid, topic, row[4], leaves[32 * i : 32 * i + 32])

    def _index_snapshot(self, size: int) -> None:
        if size not in self.index_roots:
            self.index_roots[size] = self.index.root()
            if self._sizes and size == self._sizes[-1]:
                self.index_nodes = dict(self.index.map.table)

    def _check_index(self, cp: Checkpoint) -> None:
        """The person-index root a good checkpoint signed must be the one the log gives."""
        try:
            signed = map_root_of(cp)
        except ProofError as e:
            self.audit.fail(Check.INDEX, str(e), tree_size=cp.size)
            return
        expected = self.index_roots.get(cp.size)
        if signed is None:
            self.audit.fail(
                Check.INDEX,
                f"checkpoint {cp.size} carries no person-index root: nothing proves a "
                "person's history complete at it",
                tree_size=cp.size,
            )
        elif expected is not None and signed != expected:
            self.audit.fail(
                Check.INDEX,
                f"checkpoint {cp.size} signed person-index root {b64encode(signed)}, but the "
                f"log's events give {b64encode(expected)}: the index was built from rows that "
                "differ from the log",
                tree_size=cp.size,
            )

    def _check_index_tables(self) -> None:
        """The stored chain rows and map nodes against the recomputed ones (a store only).

        The index is written with each event, so where the log itself fails (an event altered,
        deleted, moved or inserted, the log cut short of a checkpoint) the index still holds
        the log as it was recorded, and differs from the chains refolded from the log as it is
        now. Those differences follow from the log's failures, already listed: they are named
        once, in one failure that says so. A person whose rows differ although every position
        they touch lies before the first failure of the log, and map nodes that differ while
        every chain agrees, are edits of the index itself, each listed in full.
        """
        tables = getattr(self.source, "person_tables", None)
        if tables is None or self.audit.failure_count:
            # Derived tables are compared with a log that verified clean: where the log itself
            # was altered, that is what is reported, not every index row it now disagrees with.
            return
        n = self.range.size
        broken = self.audit.broken_from
        if self.rolled_back:
            broken = n if broken is None else min(broken, n)
        problems = audit_stored_rows(self.index, self._indexed_rows(tables, n), n)
        follows = [p for p in problems if broken is not None and p.reach >= broken]
        for problem in problems:
            if broken is None or problem.reach < broken:
                self.audit.fail(Check.INDEX, problem.message)
        nodes = ""
        if self.index_nodes is not None and self._sizes:
            latest = self._sizes[-1]
            stored = tables.latest_nodes(latest)
            mine = self.index_nodes
            wrong = sorted(p for p in set(stored) | set(mine) if stored.get(p) != mine.get(p))
            if wrong and follows and broken is not None and broken < latest:
                nodes = f", and {len(wrong)} map nodes as of checkpoint {latest}"
            elif wrong:
                self.audit.fail(
                    Check.INDEX,
                    f"person index table {PERSON_NODES_TABLE}: {len(wrong)} map nodes as of "
                    f"checkpoint {latest} differ from the map of the log's chains (first at "
                    f"path {wrong[0] or 'root'!r})",
                    tree_size=latest,
                )
        if follows:
            names = ", ".join(p.personnel_no for p in follows[:5])
            if len(follows) > 5:
                names += f" and {len(follows) - 5} more"
            self.audit.fail(
                Check.INDEX,
                f"the person index differs from the log for {len(follows)} person(s) ({names})"
                f"{nodes}: this follows from the log's own failures from position {broken} on "
                "(the index was written with the events as first recorded), not from an edit "
                "of the index",
            )

    @staticmethod
    def _indexed_rows(tables: PersonTables, log_size: int) -> Iterator[tuple[str, int, int, bytes]]:
        """The stored index rows, without those of events appended since this verification
        read the log (their positions now hold an event); rows pointing past the end of the
        log at nothing are kept."""
        later: list[tuple[str, int, int, bytes]] = []
        for row in tables.all_rows():
            if row[2] < log_size:
                yield row
            else:
                later.append(row)
        if later:
            present = tables.events_at([row[2] for row in later])
            yield from (row for row in later if row[2] not in present)

    def _leaves_match(self, start: int, rows: Sequence[EventRow], leaves: bytes) -> bool:
        """The common case, a batch at a time: the next stored leaves are numbered ``start``
        onwards, record these events' notification ids in order, and hold exactly the leaf
        hashes re-computed from the events. Consumes them if so."""
        leaf, stream = self._leaf, self._leaves
        n = len(rows)
        if leaf is None or stream is None or leaf[0] != start or leaf[1] != self._last_leaf_nid:
            return False
        rest = stream.peek(n - 1)
        if len(rest) != n - 1:
            return False
        indexes, nids, hashes = zip(leaf, *rest, strict=True)
        if (
            nids != next(zip(*rows, strict=True))
            or indexes != tuple(range(start, start + n))
            or b"".join(hashes) != leaves
            or not all(map(lt, nids, nids[1:]))
        ):
            return False
        stream.skip(n - 1)
        self._next_leaf_index = start + n
        self._last_leaf_nid = nids[-1]
        self._advance_leaf()
        return True

    def _one_by_one(
        self,
        start: int,
        rows: Sequence[EventRow],
        ids: list[int],
        codes: bytes,
        leaves: bytes,
        keys: Mapping[bytes, bytes],
    ) -> bytes:
        """Each event of a batch on its own, in the order of the original checks: its leaf
        against the leaf table, then the audit; returns the batch's leaves (re-hashed here for
        rows the worker could not read)."""
        out = bytearray(leaves)
        for i, row in enumerate(rows):
            position, code = start + i, codes[i]
            raw_id = ids[i]
            if code == ROW_ERROR:
                out[32 * i : 32 * i + 32] = Audit.redo_row(position, row)  # raises as it did
                oid = as_uuid(row[1])
            else:
                oid = UUID(int=raw_id)
            if self._leaves is not None:
                self._match_leaf(position, row[0], oid, row[2], row[3], row[4],
                                 bytes(out[32 * i : 32 * i + 32]))  # fmt: skip
            self.audit.apply(position, [row], [raw_id], codes[i : i + 1], keys)
        return bytes(out)

    # the leaf table, merged with the events by notification id ----------------------------
    def _advance_leaf(self) -> None:
        leaves = self._leaves
        self._leaf = leaves.next() if leaves is not None else None
        leaf = self._leaf
        if leaf is None:
            return
        index, nid = leaf[0], leaf[1]
        if index != self._next_leaf_index:
            first, last = self._next_leaf_index, index - 1
            self.audit.fail(
                Check.LEAF,
                (
                    f"Merkle leaves {first}..{last} are missing from the leaf table"
                    if last > first
                    else f"Merkle leaf {first} is missing from the leaf table"
                )
                if last >= first
                else f"Merkle leaf {index} is out of order in the leaf table",
                position=first,
            )
        self._next_leaf_index = index + 1
        if nid <= self._last_leaf_nid:
            self.audit.fail(
                Check.LEAF,
                f"Merkle leaf {index} records notification {nid}, out of log order",
                position=index,
                notification_id=nid,
            )
        self._last_leaf_nid = max(self._last_leaf_nid, nid)

    def _orphan(self, leaf: LeafRow) -> None:
        self.audit.fail(
            Check.LEAF,
            f"Merkle leaf {leaf[0]} records notification {leaf[1]}, "
            "which is no longer in the log: an event was deleted",
            position=leaf[0],
            notification_id=leaf[1],
        )

    def _match_leaf(
        self, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes,
        leaf_hash: bytes,
    ) -> None:  # fmt: skip
        while self._leaf is not None and self._leaf[1] < nid:
            self._orphan(self._leaf)
            self._advance_leaf()
        leaf = self._leaf
        if leaf is None or leaf[1] > nid:
            self.audit.fail(
                Check.LEAF,
                "the event has no Merkle leaf: it was inserted outside the ledger",
                **_event_where(position, nid, oid, version, topic),
            )
            return
        self._advance_leaf()
        expected = (
            leaf_hash
            if leaf[0] == position
            else event_leaf_hash(leaf[0], oid, version, topic, state)
        )
        if leaf[2] != expected:
            self.audit.fail(
                Check.LEAF,
                f"the stored event no longer matches its Merkle leaf {leaf[0]}: its "
                "stored bytes, row identity or place in the log were changed (altered, moved "
                "or swapped)",
                **_event_where(position, nid, oid, version, topic),
            )

    # the roots against the checkpoints --------------------------------------------------------
    def _check_checkpoints(
        self,
        stored: Sequence[StoredCheckpoint],
        cosignatures: Sequence[StoredCosignature],
        proofs: Sequence[ConsistencyProof],
    ) -> None:
        audit, n = self.audit, self.range.size
        if n in self._wanted:
            self._index_snapshot(n)
        candidates = list(stored) + [_trusted(note) for note in self.options.trusted_checkpoints]
        good: dict[int, Checkpoint] = {}
        signed: dict[int, Checkpoint] = {}
        for sc in sorted(candidates, key=lambda c: c.tree_size):
            cp = audit.check_note(sc, n)
            if cp is None:
                continue
            other = signed.get(cp.size)
            if other is not None and other.root != cp.root:
                audit.fail(
                    Check.CONSISTENCY,
                    f"two signed checkpoints of size {cp.size} with different roots: the log "
                    "showed two histories (split view)",
                    tree_size=cp.size,
                )
            signed.setdefault(cp.size, cp)
            if cp.size > n:
                self.rolled_back = True
                audit.fail(
                    Check.ROLLBACK,
                    f"checkpoint {cp.size} was signed, but the log holds only {n} events: "
                    f"{cp.size - n} were removed since (truncated, rolled back or deleted)",
                    tree_size=cp.size,
                )
                continue
            root = self.roots[cp.size]
            if root != cp.root:
                audit.fail(
                    Check.CHECKPOINT,
                    f"the log's first {cp.size} events hash to root {b64encode(root)}, but the "
                    f"checkpoint signed {b64encode(cp.root)}: events in that range were altered, "
                    "removed, inserted or reordered",
                    tree_size=cp.size,
                )
                continue
            good[cp.size] = cp
            self._check_index(cp)
        self._check_index_tables()
        # RFC 9162 §2.1.4: the good checkpoints' roots were all recomputed from one stream of
        # leaves, so each extends the one before it (a proof between them would always hold).
        for p in proofs:
            old, new = signed.get(p.old_size), signed.get(p.new_size)
            if old is None or new is None:
                audit.fail(
                    Check.CONSISTENCY,
                    f"a consistency proof {p.old_size}→{p.new_size} between checkpoints that "
                    "are not both signed",
                    tree_size=p.new_size,
                )
                continue
            try:
                verify_consistency(p.old_size, p.new_size, old.root, new.root, p.proof)
            except ProofError as e:
                audit.fail(
                    Check.CONSISTENCY,
                    f"the signed checkpoints {p.old_size} and {p.new_size} are not one "
                    f"history: {e}",
                    tree_size=p.new_size,
                )
        sizes = sorted(good)
        self.checkpoints_ok = len(good)
        self.checkpoints_kept = len(candidates)
        self.latest = sizes[-1] if sizes else None
        bodies = {sc.tree_size: sc.body() for sc in stored if _parses(sc)}
        self.cosignatures_ok, self.witnessed = audit.check_cosignatures(cosignatures, bodies, good)

    # the result -------------------------------------------------------------------------
    def result(self, seconds: float) -> VerificationResult:
        audit = self.audit
        failures = with_labels(audit.failures, self.source.first_events)
        failures.sort(key=lambda f: (f.position is None, f.position or 0, f.check.value))
        return VerificationResult(
            source=self.source.description,
            events=self.count,
            aggregates=len(audit.versions),
            signatures=audit.signatures,
            root_fingerprint=audit.root_fingerprint,
            origin=audit.origin,
            tree_size=self.range.size,
            root=self.range.root(),
            checkpoints=self.checkpoints_ok,
            latest_checkpoint=self.latest,
            cosignatures=self.cosignatures_ok,
            keys=audit.key_infos(),
            failures=tuple(failures),
            failure_count=audit.failure_count,
            seconds=seconds,
            witnessed=tuple(self.witnessed),
            checkpoints_kept=self.checkpoints_kept,
        )


def _event_where(position: int, nid: int, oid: UUID, version: int, topic: str) -> dict[str, Any]:
    return {
        "position": position,
        "notification_id": nid,
        "aggregate_id": str(oid),
        "version": version,
        "topic": short_topic(topic),
    }


def _parses(sc: StoredCheckpoint) -> bool:
    try:
        sc.body()
    except ProofError:
        return False
    return True


def _trusted(note: bytes) -> StoredCheckpoint:
    """A checkpoint an auditor kept; its stated size and root become the 'row'."""
    try:
        cp = Checkpoint.parse(open_note(note)[0])
        return StoredCheckpoint(cp.size, cp.root, note, "trusted")
    except ProofError:
        return StoredCheckpoint(-1, b"", note, "trusted")


def _where_of(failure: Failure) -> dict[str, Any]:
    return {
        k: getattr(failure, k)
        for k in failure.__dataclass_fields__
        if k not in ("check", "message")
    }


def with_labels(
    failures: Sequence[Failure],
    first_events: Callable[[Collection[UUID]], Mapping[UUID, EventRecord]],
    limit: int = 500,
) -> list[Failure]:
    """Name the record (case number, personnel number, unit code) of each failure."""
    ids: set[UUID] = set()
    for f in failures:
        if f.aggregate_id and f.record is None and len(ids) < limit:
            ids.add(UUID(f.aggregate_id))
    labels: dict[str, tuple[str | None, str | None]] = {}
    if ids:
        try:
            firsts = first_events(ids)
        except (LedgerError, PersistenceError, OSError, ValueError):
            firsts = {}
        for oid, ev in firsts.items():
            try:
                payload = decode_payload(Envelope.parse(ev.state).payload)
            except Exception:  # a tampered first event: the record stays unnamed
                continue
            labels[str(oid)] = record_label(ev.topic, payload)
    out: list[Failure] = []
    for f in failures:
        label, case_no = labels.get(f.aggregate_id or "", (None, None))
        out.append(replace(f, record=label, case_no=case_no) if label else f)
    return out


def registry_keys(states: Iterable[bytes]) -> dict[bytes, bytes]:
    """The public keys named by key-registry events (their stored states), by key id, unjudged;
    an id that two different keys claim is left out (its events are then checked in order)."""
    seen: dict[bytes, set[bytes]] = {}
    for state in states:
        try:
            raw = bytes.fromhex(decode_payload(Envelope.parse(state).payload)["public_key"])
            Ed25519PublicKey.from_public_bytes(raw)
        except Exception:
            continue
        seen.setdefault(key_id_of(raw), set()).add(raw)
    return {key_id: next(iter(raws)) for key_id, raws in seen.items() if len(raws) == 1}


# --- the store as a source ------------------------------------------------------------------


@dataclass
class StoreSource:
    """A ledger store (SQLite or PostgreSQL) as an event source, bounded to the events that
    were committed when it was opened."""

    app: Any  # LedgerApplication (kept loose to avoid an import cycle with the CLI)
    page_size: int = STORE_PAGE
    bound: int = field(init=False)
    tables: LedgerTables = field(init=False)

    _checkpoints: list[StoredCheckpoint] = field(init=False)
    _cosignatures: list[StoredCosignature] = field(init=False)

    @property
    def person_tables(self) -> PersonTables:
        return PersonTables(self.app)

    def __post_init__(self) -> None:
        self.tables = LedgerTables(self.app)
        # Checkpoints first, then the bound: every checkpoint read is within the events read.
        self._checkpoints = self.tables.checkpoints()
        self._cosignatures = self.tables.cosignatures()
        try:
            self.bound = int(self.app.recorder.max_notification_id() or 0)
        except PersistenceError as e:
            raise LedgerError(f"cannot read {self.description}: {e}") from e

    @property
    def description(self) -> str:
        return str(self.app.store.describe())

    def event_count(self) -> int | None:
        return self.tables.leaf_count(self.bound)

    def pages(self) -> Iterator[Sequence[EventRow]]:
        after = 0
        while after < self.bound:
            page = self.tables.event_rows(after, self.page_size, self.bound)
            if not page:
                return
            yield page
            after = page[-1][0]

    def leaf_pages(self) -> Iterator[Sequence[LeafRow]] | None:
        return self.tables.leaf_pages(self.bound, self.page_size)

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        return self._checkpoints

    def cosignatures(self) -> Sequence[StoredCosignature]:
        return self._cosignatures

    def consistency_proofs(self) -> Sequence[ConsistencyProof]:
        return ()

    def problems(self) -> Sequence[Failure]:
        return ()

    def key_hints(self) -> Mapping[bytes, bytes]:
        registry = self.tables.events_of([REGISTRY_ID])
        return registry_keys(row[4] for row in registry if row[0] <= self.bound)

    def first_events(self, ids: Collection[UUID]) -> Mapping[UUID, EventRecord]:
        out: dict[UUID, EventRecord] = {}
        for oid in ids:
            events = self.app.recorder.select_events(oid, lte=1)
            if events:
                s = events[0]
                out[oid] = _Row(0, s.originator_id, s.originator_version, s.topic, s.state)
        return out


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes


def verify_store(
    app: Any,
    options: VerifyOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerificationResult:
    """Verify the ledger in an application's store; never raises for what it finds."""
    try:
        source = StoreSource(app)
    except LedgerError as e:
        fail = Failure(Check.STORE, str(e))
        return VerificationResult(
            str(app.store.describe()), 0, 0, 0, None, None, 0, EMPTY_ROOT, 0, None,
            0, (), (fail,), 1, 0.0,
        )  # fmt: skip
    from ledger.audit.semantic import with_measures

    return with_measures(app, Verifier(options).run(source, progress))
