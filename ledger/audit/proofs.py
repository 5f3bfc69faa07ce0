"""Proofs that stand on their own: a person's (or a case's) events with RFC 9162 inclusion proofs.

An organisation department that holds a personnel file (人事档案, Art. 11) can check one entry
without the ledger: the proof document carries the events of every case the person is a party
to, the person's cadre record, the whole key registry (to judge each signer at its position),
each with its exact stored bytes and an inclusion proof (RFC 9162 §2.1.3) against one signed
checkpoint (C2SP tlog-checkpoint) and the checkpoint's cosignatures.

Format ``lifeledger-proof`` version 1, one JSON document. What it proves: each included event
is authentic, signed by a key valid and authorised at its position, and sits at that position
of the log the checkpoint commits to. What it cannot prove alone: that no later event of these
records was left out (versions are checked contiguous from 1, so nothing is missing *between*
included events); the whole-log ``lifeledger verify`` or a bundle proves completeness.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ledger.application import LedgerApplication
from ledger.audit.verify import (
    Audit,
    Check,
    EventRecord,
    VerificationResult,
    VerifyOptions,
    decode_payload,
    record_label,
    with_labels,
)
from ledger.domain import ids, topics
from ledger.errors import InvalidInput, LedgerError, ProofError
from ledger.signing.signatures import Envelope
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoints import (
    LedgerTables,
    StoredCheckpoint,
    StoredCosignature,
    StoredTree,
    utc_now,
)
from ledger.transparency.merkle import verify_inclusion

__all__ = [
    "PROOF_FORMAT",
    "PROOF_VERSION",
    "ProofReport",
    "export_cadre_proof",
    "export_case_proof",
    "export_records_proof",
    "verify_proof",
]

PROOF_FORMAT = "lifeledger-proof"
PROOF_VERSION = 1
PAGE = 2_000
#: The case events that name a person as a party or objector.
PARTY_TOPICS = [
    topics.case_event("ResponsibilityAssigned"),
    topics.case_event("TeamResponsibilityAssigned"),
    topics.case_event("ObjectionRecorded"),
    topics.case_event("PersonnelFileEntered"),
]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _payload(state: bytes) -> dict[str, Any] | None:
    try:
        return decode_payload(Envelope.parse(state).payload)
    except Exception:  # a damaged row is simply not selected; verify reports it
        return None


def _names_person(topic: str, payload: dict[str, Any], personnel_no: str) -> bool:
    if topic.endswith(".TeamResponsibilityAssigned"):
        members = payload.get("members") or []
        return any(isinstance(m, dict) and m.get("personnel_no") == personnel_no for m in members)
    if topic.endswith(".ResponsibilityAssigned"):
        return payload.get("party_type") == "person" and payload.get("party_code") == personnel_no
    return payload.get("personnel_no") == personnel_no


def _notifications(
    app: LedgerApplication, bound: int, topics: list[str] | None = None
) -> Iterator[EventRecord]:
    start = 0
    while start < bound:
        page = app.recorder.select_notifications(
            start, PAGE, stop=bound, topics=topics or (), inclusive_of_start=False
        )
        if not page:
            return
        yield from page
        start = page[-1].id


def cases_of_person(app: LedgerApplication, personnel_no: str, bound: int) -> set[UUID]:
    """Aggregate ids of every case that names this person as a party or objector.

    From the projections' index of who is named in which case when the views have been built
    (they are caught up to the log first: an index look-up, whatever the size of the ledger);
    otherwise by reading the log's party events, as the views would — filtered in the database
    to those whose stored JSON holds the personnel number where payloads are stored plain.
    """
    found = _cases_from_views(app, personnel_no)
    if found is not None:
        return found
    mapper = app.mapper
    if getattr(mapper, "cipher", None) is None and getattr(mapper, "compressor", None) is None:
        needle = mapper.transcoder.encode(personnel_no)  # the string as every payload holds it
        rows: Iterable[tuple[UUID | str, str, bytes]] = LedgerTables(app).events_with(
            PARTY_TOPICS, needle, bound
        )
    else:
        rows = (
            (n.originator_id, n.topic, n.state) for n in _notifications(app, bound, PARTY_TOPICS)
        )
    found = set()
    for oid, topic, state in rows:
        payload = _payload(state)
        if payload is not None and _names_person(topic, payload, personnel_no):
            found.add(oid if isinstance(oid, UUID) else UUID(str(oid)))
    return found


def _cases_from_views(app: LedgerApplication, personnel_no: str) -> set[UUID] | None:
    """The person's cases as the projections know them, or None where they were never built
    (a first build reads the whole log: the scan is cheaper) or cannot be used."""
    from projections.api import Projections  # the read side depends on the ledger, not back

    views = Projections(app)
    try:
        if views.position() == 0:
            return None
        history = views.cadre_history(personnel_no)
    except (LedgerError, PersistenceError):  # NotFound too: the scan will say what there is
        return None
    finally:
        views.close()
    return {ids.case_id(entry.case_no) for entry in history.entries}


def _build(
    app: LedgerApplication,
    subject: dict[str, Any],
    aggregates: set[UUID],
    tree_size: int | None,
) -> dict[str, Any]:
    """The proof document for every event of ``aggregates`` and of the key registry.

    Reads those aggregates' events with their leaves (by primary key and the leaf table's
    notification-id index) and builds each inclusion proof from the stored subtrees
    (:class:`ledger.transparency.checkpoints.StoredTree`): the work grows with the events proven
    and the
    logarithm of the log, not with the log. Every proof is checked against the checkpoint's
    signed root before it is written (RFC 9162 §2.1.3.2).
    """
    tables = LedgerTables(app)
    checkpoint = tables.checkpoint(tree_size)
    cosignatures = [c for c in tables.cosignatures() if c.tree_size == checkpoint.tree_size]
    size = checkpoint.tree_size
    tree = StoredTree(tables)
    stale = ProofError(
        f"the stored Merkle leaves do not reproduce checkpoint {size}; run "
        "`lifeledger verify` before exporting proofs",
        tree_size=size,
    )
    try:
        if tree.root(size) != checkpoint.root:
            raise stale
    except ProofError as e:
        raise stale from e
    rows = tables.events_of(aggregates | {ids.REGISTRY_ID})
    tree.plan((r[5] for r in rows if r[5] is not None and r[5] < size), size)
    events: list[dict[str, Any]] = []
    labels: dict[str, str] = {}
    later = 0
    for nid, oid, version, topic, state, position, stored_leaf in rows:
        if position is None:
            raise ProofError(
                f"event {version} of {oid} (notification {nid}) has no Merkle leaf; run "
                "`lifeledger verify` before exporting proofs",
                notification_id=nid,
            )
        if position >= size:
            later += oid != ids.REGISTRY_ID
            continue
        leaf = event_leaf_hash(position, oid, version, topic, state)
        proof = tree.inclusion_proof(position, size)
        try:
            if leaf != stored_leaf:
                raise ProofError("the leaf differs")
            verify_inclusion(leaf, position, size, proof, checkpoint.root)
        except ProofError as e:
            raise ProofError(
                f"the event at position {position} does not match its Merkle leaf; run "
                "`lifeledger verify` before exporting proofs",
                position=position,
            ) from e
        if version == 1 and oid != ids.REGISTRY_ID:
            payload = _payload(state)
            label = record_label(topic, payload)[0] if payload else None
            if label:
                labels[str(oid)] = label
        events.append(
            {
                "position": position,
                "notification_id": nid,
                "originator_id": str(oid),
                "version": version,
                "topic": topic,
                "state": _b64(state),
                "inclusion_proof": [_b64(p) for p in proof],
            }
        )
    tree.save()
    return {
        "format": PROOF_FORMAT,
        "version": PROOF_VERSION,
        "exported_at": utc_now(),
        "root_fingerprint": app.root_fingerprint(),
        "subject": subject,
        "records": labels,
        "checkpoint": {
            "tree_size": size,
            "note": checkpoint.note.decode("utf-8", errors="replace"),
            "cosignatures": [{"vkey": c.vkey, "line": c.line.decode()} for c in cosignatures],
        },
        "events": events,
        "events_after_checkpoint": later,
    }


def export_cadre_proof(
    app: LedgerApplication, personnel_no: str, tree_size: int | None = None
) -> dict[str, Any]:
    """A person's whole accountability history (Art. 8, lifetime), provable on its own."""
    cadre = app.cadre(personnel_no)
    bound = int(app.recorder.max_notification_id() or 0)
    cases = cases_of_person(app, personnel_no, bound)
    subject = {"kind": "cadre", "personnel_no": personnel_no, "name": cadre.name}
    return _build(app, subject, cases | {ids.cadre_id(personnel_no)}, tree_size)


def export_case_proof(
    app: LedgerApplication, case_no: str, tree_size: int | None = None
) -> dict[str, Any]:
    """One case's events, provable on their own."""
    app.case(case_no)
    return _build(app, {"kind": "case", "case_no": case_no}, {ids.case_id(case_no)}, tree_size)


def export_records_proof(
    app: LedgerApplication,
    subject: dict[str, Any],
    aggregates: Collection[UUID],
    tree_size: int | None = None,
) -> dict[str, Any]:
    """The events of any records (cases, cadres, units), provable on their own: what a
    printed document renders from (Art. 10, 11, 12, 14)."""
    return _build(app, subject, set(aggregates), tree_size)


@dataclass(frozen=True)
class ProofReport:
    """A verified proof document: its subject, the records it covers, and the verification."""

    subject: dict[str, Any]
    records: tuple[str, ...]
    events_after_checkpoint: int
    result: VerificationResult

    def __bool__(self) -> bool:
        return bool(self.result)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "records": list(self.records),
            "events_after_checkpoint": self.events_after_checkpoint,
            **self.result.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class _Event:
    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def verify_proof(
    document: bytes,
    root_fingerprint: str,
    *,
    witnesses: Collection[str] = (),
    description: str = "proof document",
) -> ProofReport:
    """Verify a proof document offline against a pinned root fingerprint.

    InvalidInput when it is not a proof document at all; every other problem is a failure in
    the report. Events are checked in position order exactly as ``verify`` checks the log
    (signature, key valid and authorised at that position, versions contiguous from 1), and
    each leaf, re-hashed from the stored bytes, must be included in the signed checkpoint.
    """
    if not root_fingerprint or not root_fingerprint.strip():
        raise InvalidInput("a proof is verified against a pinned --root-fingerprint")
    started = time.perf_counter()
    try:
        doc = json.loads(document)
    except ValueError as e:
        raise InvalidInput(f"{description} is not JSON: {e}") from e
    if not isinstance(doc, dict) or doc.get("format") != PROOF_FORMAT:
        raise InvalidInput(f"{description} is not a lifeledger proof document")
    if doc.get("version") != PROOF_VERSION:
        raise InvalidInput(
            f"{description} is proof format version {doc.get('version')}; this lifeledger "
            f"reads version {PROOF_VERSION}"
        )
    options = VerifyOptions(
        root_fingerprint=root_fingerprint, witnesses=tuple(witnesses), workers=1
    )
    audit = Audit(options)
    try:
        cp_doc = doc["checkpoint"]
        size = int(cp_doc["tree_size"])
        note = str(cp_doc["note"]).encode()
        cosignatures = [
            StoredCosignature(size, str(c["vkey"]), str(c["line"]).encode())
            for c in cp_doc.get("cosignatures", [])
        ]
        raw_events = list(doc["events"])
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidInput(f"{description} is malformed: {e}") from e
    stored = StoredCheckpoint(size, b"", note)
    with suppress(ProofError):  # a malformed note is reported by check_note below
        stored = StoredCheckpoint(size, stored.parsed().root, note)
    events: list[_Event] = []
    last = -1
    for item in raw_events:
        try:
            position = int(item["position"])
            ev = _Event(
                int(item.get("notification_id", 0)),
                UUID(str(item["originator_id"])),
                int(item["version"]),
                str(item["topic"]),
                base64.b64decode(item["state"], validate=True),
            )
            proof = [base64.b64decode(p, validate=True) for p in item["inclusion_proof"]]
        except (KeyError, TypeError, ValueError, binascii.Error) as e:
            audit.fail(Check.FORMAT, f"a malformed event entry after position {last}: {e}")
            continue
        if position <= last:
            audit.fail(
                Check.FORMAT,
                f"events are not in strictly increasing position order ({position} after {last})",
                position=position,
            )
            continue
        last = position
        leaf = audit.event(
            position, ev.id, ev.originator_id, ev.originator_version, ev.topic, ev.state
        )
        try:
            verify_inclusion(leaf, position, size, proof, stored.root)
        except ProofError as e:
            audit.fail(
                Check.CHECKPOINT,
                f"not included at this position of the checkpointed log: {e}",
                position=position,
                aggregate_id=str(ev.originator_id),
                version=ev.originator_version,
                topic=ev.topic.split(":", 1)[-1],
                tree_size=size,
            )
        events.append(ev)
    cp = audit.check_note(stored, size)
    good = [size] if cp is not None else []
    try:
        body = stored.body()
    except ProofError:
        body = b""
    cosigned, witnessed = audit.check_cosignatures(cosignatures, {size: body} if body else {}, good)
    firsts: Mapping[UUID, EventRecord] = {
        e.originator_id: e for e in events if e.originator_version == 1
    }
    failures = with_labels(
        audit.failures, lambda wanted: {k: firsts[k] for k in wanted if k in firsts}
    )
    failures.sort(key=lambda f: (f.position is None, f.position or 0, f.check.value))
    records = tuple(sorted({label for e in events if (label := _label(e)) is not None}))
    result = VerificationResult(
        source=description,
        events=len(events),
        aggregates=len(audit.versions),
        signatures=audit.signatures,
        root_fingerprint=audit.root_fingerprint,
        origin=audit.origin,
        tree_size=size,
        root=stored.root,
        checkpoints=len(good),
        latest_checkpoint=size if good else None,
        cosignatures=cosigned,
        keys=audit.key_infos(),
        failures=tuple(failures),
        failure_count=audit.failure_count,
        seconds=time.perf_counter() - started,
        witnessed=tuple(witnessed),
        checkpoints_kept=1,
    )
    subject: dict[str, Any] = doc["subject"] if isinstance(doc.get("subject"), dict) else {}
    later = doc.get("events_after_checkpoint", 0)
    return ProofReport(subject, records, later if isinstance(later, int) else 0, result)


def _label(ev: _Event) -> str | None:
    if ev.originator_version != 1 or ev.originator_id == ids.REGISTRY_ID:
        return None
    payload = _payload(ev.state)
    return record_label(ev.topic, payload)[0] if payload else None
