"""Auditor verification of a whole ledger, over any source of its log (a store or a bundle).

One pass over the notification log, in order, holding no events. For every event:

1. the envelope is parsed over the exact stored bytes, never re-encoded (DESIGN, "Signatures");
2. the signer key is looked up in the key registry *as it stood at that position of the log*:
   registered at an earlier position, not rotated or revoked before this one (the registry's
   own events are replayed as they appear, from the self-signed root key, optionally pinned);
3. the key must be authorised: case, cadre and unit events need a key of a discipline organ or
   an organisation department (Art. 6); registry events need an admin key (a rotation may also
   be signed by the key it replaces);
4. the Ed25519 signature is checked over batches by two worker threads (``cryptography``
   releases the GIL while it verifies from version 50 on; the main thread waits for each
   page's batches so that it does not hold the GIL the workers need back), or by two worker
   processes, which the CLI's ``--parallel auto`` picks for large logs (see _parallel_mode);
5. versions must run 1, 2, 3... per aggregate (a gap or repeat is a deleted or moved row);
6. the RFC 9162 leaf (:mod:`ledger.entries`) is re-hashed from the stored bytes and compared with
   the stored leaf table, which must hold exactly one leaf per event, in log order.

Then the Merkle root recomputed from the re-hashed leaves (RFC 9162 §2.1.1) must match every
signed checkpoint (C2SP tlog-checkpoint, signed by an admin key valid at that size), successive
checkpoints must be consistent (RFC 9162 §2.1.4), no checkpoint may be larger than the log
(rollback), and cosignatures (C2SP tlog-cosignature) must verify.

:func:`Verifier.run` never raises: it returns a :class:`VerificationResult` that is truthy when
clean and lists every failure with its position. ``position`` is an event's 0-based place in the
log, which is also its Merkle leaf index. Memory: the leaf hashes (about 64 bytes an event), one
version number per aggregate, and the keys.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import pairwise
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

from ledger.checkpoint import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    open_note,
    parse_vkey,
    verify_cosignature,
    verify_note,
)
from ledger.checkpoints import (
    LedgerTables,
    StoredCheckpoint,
    StoredCosignature,
    StoredLeaf,
    origin_for,
)
from ledger.entries import event_leaf_hash
from ledger.errors import LedgerError, ProofError, TamperedEventError, VerificationError
from ledger.ids import REGISTRY_ID
from ledger.merkle import MerkleTree, verify_consistency
from ledger.regulation import AuthorityKind, KeyRole
from ledger.signing import Envelope, fingerprint, key_id_of, signed_message
from ledger.transcodings import DateAsISO

__all__ = [
    "Check",
    "ConsistencyProof",
    "EventRecord",
    "EventSource",
    "Failure",
    "KeyInfo",
    "StoreSource",
    "VerificationResult",
    "Verifier",
    "VerifyOptions",
    "decode_payload",
    "record_label",
    "verify_store",
]

REGISTRY_TOPIC = "ledger.keys:KeyRegistry"
#: Aggregate classes by topic prefix, and the kind of record each is.
KINDS = {
    REGISTRY_TOPIC: "registry",
    "ledger.case:AccountabilityCase": "case",
    "ledger.cadre:Cadre": "cadre",
    "ledger.unit:Unit": "unit",
}
#: Art. 6: who may record accountability (and the cadres and units it concerns).
MAY_RECORD = frozenset(k.value for k in AuthorityKind if k.may_hold_accountable)
ADMIN = KeyRole.ADMIN.value
STORE_PAGE = 2_000
#: Below this many events, starting worker processes costs more than it saves.
PROCESS_THRESHOLD = 30_000
CLOCK_SKEW = 300


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
    STORE = "store"  # the source could not be read to the end


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

    def pages(self) -> Iterator[Sequence[EventRecord]]:
        """The events in log order, a page at a time."""

    def leaves(self) -> Iterator[StoredLeaf] | None:
        """The stored leaf table in leaf order, or None where there is none."""

    def checkpoints(self) -> Sequence[StoredCheckpoint]: ...

    def cosignatures(self) -> Sequence[StoredCosignature]: ...

    def consistency_proofs(self) -> Sequence[ConsistencyProof]:
        """Proofs between checkpoints carried by the source (a bundle), checked as given."""

    def problems(self) -> Sequence[Failure]:
        """What the source itself found malformed while it was read (after the pages)."""

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


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


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


_SigTask = tuple[_Key, bytes, bytes, int, int, UUID, int, str]


def _verify_batch(batch: list[_SigTask]) -> list[int]:
    """Indexes of the tasks whose signature fails; runs in a worker thread."""
    bad: list[int] = []
    for i, task in enumerate(batch):
        try:
            task[0].public.verify(task[1], task[2])
        except InvalidSignature:
            bad.append(i)
    return bad


_PROCESS_KEYS: dict[bytes, Ed25519PublicKey] = {}


def _verify_raw(keys: tuple[bytes, ...], tasks: list[tuple[int, bytes, bytes]]) -> list[int]:
    """Indexes of the failing (key index, signature, message) tasks; runs in a worker process,
    where keys arrive as raw bytes and are cached."""
    public = []
    for raw in keys:
        key = _PROCESS_KEYS.get(raw)
        if key is None:
            key = _PROCESS_KEYS[raw] = Ed25519PublicKey.from_public_bytes(raw)
        public.append(key)
    bad: list[int] = []
    for i, (k, signature, message) in enumerate(tasks):
        try:
            public[k].verify(signature, message)
        except InvalidSignature:
            bad.append(i)
    return bad


def _warm_up() -> None:
    """Run once per worker process, so that its start is not counted against a batch."""


def _raw_batch(batch: list[_SigTask]) -> tuple[tuple[bytes, ...], list[tuple[int, bytes, bytes]]]:
    """A batch as plain bytes for a worker process: the keys once, then index-tagged tasks."""
    index: dict[bytes, int] = {}
    tasks: list[tuple[int, bytes, bytes]] = []
    for key, signature, message, *_ in batch:
        k = index.setdefault(key.public_raw, len(index))
        tasks.append((k, signature, message))
    return tuple(index), tasks


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify. ``root_fingerprint`` pins the root key (SHA-256 of it, hex)."""

    root_fingerprint: str | None = None
    trusted_checkpoints: tuple[bytes, ...] = ()  # signed notes an auditor kept earlier
    witnesses: tuple[str, ...] = ()  # cosigner vkeys that must have cosigned a checkpoint
    workers: int = 2
    # "threads", "processes" (spawned: the calling program needs an ``if __name__ ==
    # "__main__":`` guard, as the console script has), or "auto" (see _parallel_mode).
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
    """The checks every event gets, in log order (steps 1-5 of the module docstring).

    Shared by the whole-log :class:`Verifier` and the proof verifier of :mod:`ledger.proofs`.
    """

    def __init__(self, options: VerifyOptions, pool: Executor | None) -> None:
        self.options = options
        self.pinned = _normalise_fingerprint(options.root_fingerprint)
        self.pool = pool
        self._processes = isinstance(pool, ProcessPoolExecutor)
        self.failures: list[Failure] = []
        self.failure_count = 0
        self.keys: dict[bytes, _Key] = {}
        self.root: _Key | None = None
        self.versions: dict[UUID, int] = {}
        self.signatures = 0
        self._batch: list[_SigTask] = []
        self._inflight: deque[tuple[Future[list[int]], list[_SigTask]]] = deque()
        self._kinds: dict[str, str | None] = {}

    # failures ---------------------------------------------------------------------------
    def fail(self, check: Check, message: str, **where: Any) -> None:
        self.failure_count += 1
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
            return kind

    def event(
        self, position: int, nid: int | None, oid: UUID, version: int, topic: str, state: bytes
    ) -> None:
        """Steps 1-5 for one event; the signature of a non-registry event is queued."""
        # 5. Versions contiguous per aggregate: a gap is a deleted or moved row, a repeat an
        #    inserted or copied one.
        last = self.versions.get(oid, 0)
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
            self.versions[oid] = version
        # 1. The envelope, over the exact stored bytes.
        try:
            envelope = Envelope.parse(state)
        except TamperedEventError as e:
            self._fail_event(Check.FORMAT, str(e), position, nid, oid, version, topic)
            return
        kind = self.kind_of(topic)
        if kind == "registry" or oid == REGISTRY_ID:
            self._registry_event(position, nid, oid, version, topic, envelope)
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
        elif key.authority_kind not in MAY_RECORD:
            self._fail_event(
                Check.AUTHORISATION,
                f"signed by key {key.describe()} of a {key.authority_kind} authority, which may "
                f"not record {kind} events (Art. 6: only 纪检监察机关 and 组织人事部门)",
                position, nid, oid, version, topic, envelope.key_id,
            )  # fmt: skip
        # 4. The signature, in a worker thread.
        message = signed_message(oid, version, topic, hashlib.sha256(envelope.payload).digest())
        task = (key, envelope.signature, message, position, nid or 0, oid, version, topic)
        self._batch.append(task)
        if len(self._batch) >= self.options.batch_size:
            self.flush()

    def _check_now(self, public: Ed25519PublicKey, envelope: Envelope, oid: UUID, version: int,
                   topic: str) -> bool:  # fmt: skip
        self.signatures += 1
        digest = hashlib.sha256(envelope.payload).digest()
        try:
            public.verify(envelope.signature, signed_message(oid, version, topic, digest))
        except InvalidSignature:
            return False
        return True

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

    # signatures in worker threads ---------------------------------------------------------
    def flush(self) -> None:
        """Hand the queued signatures to a worker (or check them here without a pool)."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        self.signatures += len(batch)
        if self.pool is None:
            self._report(batch, _verify_batch(batch))
            return
        if self._processes:
            future = self.pool.submit(_verify_raw, *_raw_batch(batch))
        else:
            future = self.pool.submit(_verify_batch, batch)
        self._inflight.append((future, batch))
        # Bounded: at most two batches per worker in flight, so memory does not grow.
        while len(self._inflight) > 2 * max(1, self.options.workers):
            self._collect()

    def _collect(self) -> None:
        future, batch = self._inflight.popleft()
        try:
            bad = future.result()
        except BrokenExecutor:  # a worker died: check its batch, and the rest, here
            self.pool = None
            bad = _verify_batch(batch)
        self._report(batch, bad)

    def drain(self) -> None:
        self.flush()
        while self._inflight:
            self._collect()

    def _report(self, batch: list[_SigTask], bad: list[int]) -> None:
        for i in bad:
            key, _, _, position, nid, oid, version, topic = batch[i]
            self._fail_event(
                Check.SIGNATURE,
                f"the signature by {key.describe()} does not cover the stored bytes: the event "
                "was altered, or moved from another row",
                position, nid or None, oid, version, topic, key.key_id,
            )  # fmt: skip

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
                f"the stored size/root ({stored.tree_size}, {_b64(stored.root)}) differ from "
                f"the signed note ({cp.size}, {_b64(cp.root)}): the row was edited",
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
        mode = _parallel_mode(self.options, expected)
        pool = _executor(self.options, mode)
        run = _Run(self.options, source, Audit(self.options, pool), threads=mode == "threads")
        try:
            run.scan(progress)
        except (LedgerError, PersistenceError, OSError, ValueError) as e:
            run.audit.fail(
                Check.STORE,
                f"reading {source.description} failed after {run.count} events: {e}",
                position=run.count,
            )
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return run.result(time.perf_counter() - started)


def _parallel_mode(options: VerifyOptions, expected_events: int | None) -> str:
    """``auto``: processes for large logs, threads for small ones (starting processes costs
    about half a second). Measured at 100k events on 2 cores (bench/verify_bench.py): with
    ``cryptography`` 48 threads keep one core busy (verification holds the GIL) and processes
    1.7; with 50 threads reach 1.2 cores (each verify call must win the GIL back), processes
    at least as much."""
    if options.parallel != "auto":
        return options.parallel
    return "processes" if (expected_events or 0) >= PROCESS_THRESHOLD else "threads"


def _executor(options: VerifyOptions, mode: str) -> Executor | None:
    if options.workers <= 1:
        return None
    if mode == "processes":
        pool = ProcessPoolExecutor(options.workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            for future in [pool.submit(_warm_up) for _ in range(options.workers)]:
                future.result()
            return pool
        except (BrokenExecutor, RuntimeError, OSError):
            # e.g. a program without an ``if __name__ == "__main__":`` guard: use threads.
            pool.shutdown(wait=False, cancel_futures=True)
    return ThreadPoolExecutor(options.workers)


class _Run:
    """One verification: the streamed scan, then the checks over the whole tree."""

    def __init__(
        self, options: VerifyOptions, source: EventSource, audit: Audit, *, threads: bool
    ) -> None:
        self.options = options
        self.threads = threads and audit.pool is not None
        self.source = source
        self.audit = audit
        self.tree = MerkleTree()
        self.count = 0
        self.checkpoints_ok = 0
        self.checkpoints_kept = 0
        self.latest: int | None = None
        self.cosignatures_ok = 0
        self.witnessed: list[str] = []
        self._leaves: Iterator[StoredLeaf] | None = None
        self._leaf: StoredLeaf | None = None
        self._next_leaf_index = 0
        self._last_leaf_nid = 0

    # the stream -------------------------------------------------------------------------
    def scan(self, progress: Callable[[int], None] | None) -> None:
        source, audit = self.source, self.audit
        self._leaves = source.leaves()
        self._advance_leaf()
        checkpoints = list(source.checkpoints())
        cosignatures = list(source.cosignatures())
        leaf_of = event_leaf_hash
        threads = self.threads
        for page in source.pages():
            hashes: list[bytes] = []
            position = self.count
            for ev in page:
                oid = _as_uuid(ev.originator_id)
                version, topic, state, nid = ev.originator_version, ev.topic, ev.state, ev.id
                # 6. Re-hash the leaf from the stored bytes; never trust the leaf table.
                leaf = leaf_of(position, oid, version, topic, state)
                hashes.append(leaf)
                if self._leaves is not None:
                    self._match_leaf(position, nid, oid, version, topic, state, leaf)
                audit.event(position, nid, oid, version, topic, state)
                position += 1
            self.tree.extend(hashes)
            self.count = position
            if threads:  # let the workers run without the main thread holding the GIL
                audit.drain()
            if progress is not None:
                progress(len(page))
        audit.drain()
        while self._leaf is not None:
            self._orphan(self._leaf)
            self._advance_leaf()
        for problem in source.problems():
            audit.fail(problem.check, problem.message, **_where_of(problem))
        self._check_checkpoints(checkpoints, cosignatures, source.consistency_proofs())

    # the leaf table, merged with the events by notification id ----------------------------
    def _advance_leaf(self) -> None:
        leaves = self._leaves
        self._leaf = next(leaves, None) if leaves is not None else None
        leaf = self._leaf
        if leaf is None:
            return
        if leaf.leaf_index != self._next_leaf_index:
            first, last = self._next_leaf_index, leaf.leaf_index - 1
            self.audit.fail(
                Check.LEAF,
                (
                    f"Merkle leaves {first}..{last} are missing from the leaf table"
                    if last > first
                    else f"Merkle leaf {first} is missing from the leaf table"
                )
                if last >= first
                else f"Merkle leaf {leaf.leaf_index} is out of order in the leaf table",
                position=first,
            )
        self._next_leaf_index = leaf.leaf_index + 1
        if leaf.notification_id <= self._last_leaf_nid:
            self.audit.fail(
                Check.LEAF,
                f"Merkle leaf {leaf.leaf_index} records notification {leaf.notification_id}, "
                "out of log order",
                position=leaf.leaf_index,
                notification_id=leaf.notification_id,
            )
        self._last_leaf_nid = max(self._last_leaf_nid, leaf.notification_id)

    def _orphan(self, leaf: StoredLeaf) -> None:
        self.audit.fail(
            Check.LEAF,
            f"Merkle leaf {leaf.leaf_index} records notification {leaf.notification_id}, "
            "which is no longer in the log: an event was deleted",
            position=leaf.leaf_index,
            notification_id=leaf.notification_id,
        )

    def _match_leaf(
        self, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes,
        leaf_hash: bytes,
    ) -> None:  # fmt: skip
        while self._leaf is not None and self._leaf.notification_id < nid:
            self._orphan(self._leaf)
            self._advance_leaf()
        leaf = self._leaf
        if leaf is None or leaf.notification_id > nid:
            self.audit.fail(
                Check.LEAF,
                "the event has no Merkle leaf: it was inserted outside the ledger",
                **_event_where(position, nid, oid, version, topic),
            )
            return
        self._advance_leaf()
        expected = (
            leaf_hash
            if leaf.leaf_index == position
            else event_leaf_hash(leaf.leaf_index, oid, version, topic, state)
        )
        if leaf.leaf_hash != expected:
            self.audit.fail(
                Check.LEAF,
                f"the stored event no longer matches its Merkle leaf {leaf.leaf_index}: its "
                "stored bytes, row identity or place in the log were changed (altered, moved "
                "or swapped)",
                **_event_where(position, nid, oid, version, topic),
            )

    # the tree against the checkpoints -------------------------------------------------------
    def _check_checkpoints(
        self,
        stored: Sequence[StoredCheckpoint],
        cosignatures: Sequence[StoredCosignature],
        proofs: Sequence[ConsistencyProof],
    ) -> None:
        audit, n = self.audit, self.count
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
                audit.fail(
                    Check.ROLLBACK,
                    f"checkpoint {cp.size} was signed, but the log holds only {n} events: "
                    f"{cp.size - n} were removed since (truncated, rolled back or deleted)",
                    tree_size=cp.size,
                )
                continue
            root = self.tree.root(cp.size)
            if root != cp.root:
                audit.fail(
                    Check.CHECKPOINT,
                    f"the log's first {cp.size} events hash to root {_b64(root)}, but the "
                    f"checkpoint signed {_b64(cp.root)}: events in that range were altered, "
                    "removed, inserted or reordered",
                    tree_size=cp.size,
                )
                continue
            good[cp.size] = cp
        # RFC 9162 §2.1.4: every checkpoint extends the one before it.
        sizes = sorted(good)
        for a, b in pairwise(sizes):
            try:
                verify_consistency(
                    a, b, good[a].root, good[b].root, self.tree.consistency_proof(a, b)
                )
            except ProofError as e:
                audit.fail(Check.CONSISTENCY, f"checkpoints {a} and {b}: {e}", tree_size=b)
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
            tree_size=len(self.tree),
            root=self.tree.root(),
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

    def pages(self) -> Iterator[Sequence[EventRecord]]:
        start = 0
        recorder = self.app.recorder
        while start < self.bound:
            page = recorder.select_notifications(
                start, self.page_size, stop=self.bound, inclusive_of_start=False
            )
            if not page:
                return
            yield page
            start = page[-1].id

    def leaves(self) -> Iterator[StoredLeaf] | None:
        return self.tables.iter_leaves(self.bound)

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        return self._checkpoints

    def cosignatures(self) -> Sequence[StoredCosignature]:
        return self._cosignatures

    def consistency_proofs(self) -> Sequence[ConsistencyProof]:
        return ()

    def problems(self) -> Sequence[Failure]:
        return ()

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
            str(app.store.describe()), 0, 0, 0, None, None, 0, MerkleTree().root(), 0, None,
            0, (), (fail,), 1, 0.0,
        )  # fmt: skip
    return Verifier(options).run(source, progress)
