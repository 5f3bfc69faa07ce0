"""Where events come from (a store, a bundle) and how their payloads are read for labels."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    PersistenceError,
    UUIDAsHex,
)

from ledger.audit.verify.keys import KINDS
from ledger.audit.verify.result import ConsistencyProof, Failure
from ledger.domain.ids import REGISTRY_ID
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.signing.signatures import (
    Envelope,
    key_id_of,
)
from ledger.storage.transcodings import DateAsISO
from ledger.transparency.person_index import CADRE, CASE
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.tables import (
    EventRow,
    LeafRow,
    LedgerTables,
    StoredCheckpoint,
    StoredCosignature,
)

#: Topics of the events that can name a person (the person index, Art. 8).
INDEXED_TOPICS = (CADRE, CASE)


STORE_PAGE = 2_000


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


def transcoder() -> JSONTranscoder:
    """The library's JSON transcoder with the transcodings the ledger stores with."""
    found = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        found.register(transcoding)
    return found


_TRANSCODER = transcoder()


def decode_payload(payload: bytes) -> dict[str, Any]:
    """An envelope's payload as the library's JSON transcoder reads it (no class is built)."""
    data = _TRANSCODER.decode(payload)
    if not isinstance(data, dict):
        raise ValueError(_("the payload is not a JSON object"))
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
            raise LedgerError(
                _("cannot read {description}: {e}").format(description=self.description, e=e)
            ) from e

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
