"""Proofs that stand on their own: a person's (or a case's) events with RFC 9162 inclusion proofs.

An organisation department that holds a personnel file (人事档案, Art. 11) can check one entry
without the ledger: the proof document carries the events of every case the person is a party
to, the person's cadre record, the whole key registry (to judge each signer at its position),
each with its exact stored bytes and an inclusion proof (RFC 9162 §2.1.3) against one signed
checkpoint (C2SP tlog-checkpoint) and the checkpoint's cosignatures.

Format ``lifeledger-proof`` version 2, one JSON document (version 1 documents still verify).
What it proves: each included event is authentic, signed by a key valid and authorised at its
position, and sits at that position of the log the checkpoint commits to. A cadre proof (version
2) also carries ``completeness``: the person's path in the person index whose root the signed
checkpoint carries (:mod:`ledger.transparency.person_map`), with the committed count and chain
value. The verifier refolds the chain over the included events that name the person: an omitted,
added or reordered event, or an altered path, fails. A person no event names gets an absence
path: "no accountability on record as of checkpoint N".
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.audit.verify import (
    Check,
    EventRecord,
    VerificationResult,
    VerifyOptions,
    decode_payload,
    record_label,
)
from ledger.audit.verify.audit import Audit
from ledger.audit.verify.sources import with_labels
from ledger.domain import ids
from ledger.domain.limits import loads_bounded
from ledger.errors import InvalidInputError, NotFoundError, ProofError
from ledger.i18n import _
from ledger.signing.signatures import Envelope
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoint import Checkpoint, b64encode
from ledger.transparency.merkle import verify_inclusion
from ledger.transparency.person_index import CADRE, map_root_of, persons_named
from ledger.transparency.person_map import ChainState, MapProof, key_of, value_hash
from ledger.transparency.person_record import person_record
from ledger.transparency.stored_tree import StoredTree
from ledger.transparency.tables import (
    LedgerTables,
    StoredCheckpoint,
    StoredCosignature,
    utc_now,
)

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
PROOF_VERSION = 2
#: Versions this module reads: 1 (no completeness section) and 2.
READABLE_VERSIONS = (1, 2)
PAGE = 2_000


def _payload(state: bytes) -> dict[str, Any] | None:
    try:
        return decode_payload(Envelope.parse(state).payload)
    except Exception:  # a damaged row is simply not selected; verify reports it
        return None


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
        _(
            "the stored Merkle leaves do not reproduce checkpoint {size}; run "
            "`lifeledger verify` before exporting proofs"
        ).format(size=size),
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
                _(
                    "event {version} of {oid} (notification {nid}) has no Merkle leaf; run "
                    "`lifeledger verify` before exporting proofs"
                ).format(version=version, oid=oid, nid=nid),
                notification_id=nid,
            )
        if position >= size:
            later += oid != ids.REGISTRY_ID
            continue
        leaf = event_leaf_hash(position, oid, version, topic, state)
        proof = tree.inclusion_proof(position, size)
        try:
            if leaf != stored_leaf:
                raise ProofError(_("the leaf differs"))
            verify_inclusion(leaf, position, size, proof, checkpoint.root)
        except ProofError as e:
            raise ProofError(
                _(
                    "the event at position {position} does not match its Merkle leaf; run "
                    "`lifeledger verify` before exporting proofs"
                ).format(position=position),
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
                "state": b64encode(state),
                "inclusion_proof": [b64encode(p) for p in proof],
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
    """A person's whole accountability history (Art. 8, lifetime), provable on its own and
    provably complete: the cases are those of the events the person index lists, checked
    against the checkpoint (:func:`person_record`), and the document carries the person's
    path in the index (an absence path for a person no event names)."""
    record = person_record(app, personnel_no, tree_size)
    if record.complete_as_of is None or record.map_proof is None:
        raise NotFoundError(_("this ledger has no checkpoint yet; run `lifeledger checkpoint`"))
    size = record.complete_as_of
    covered = [e for e in record.events if e.position < size]
    registered = [e for e in covered if e.topic == CADRE + "Registered"]
    name = registered[0].payload.get("name") if registered else None
    subject = {"kind": "cadre", "personnel_no": personnel_no, "name": name}
    # Cases named after the checkpoint too: their later events are counted as not covered.
    cases = {e.originator_id for e in record.events if not e.topic.startswith(CADRE)}
    own = {ids.cadre_id(personnel_no)} if registered else set()
    doc = _build(app, subject, cases | own, size)
    committed = record.committed
    assert committed is not None
    doc["completeness"] = {
        "version": 1,
        "personnel_no": personnel_no,
        "count": committed.count,
        "chain": committed.chain.hex(),
        "map_proof": record.map_proof.to_dict(),
    }
    return doc


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
    #: What the completeness check proved (cadre proofs of version 2), None otherwise.
    completeness: str | None = None

    def __bool__(self) -> bool:
        return bool(self.result)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "records": list(self.records),
            "events_after_checkpoint": self.events_after_checkpoint,
            "completeness": self.completeness,
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

    InvalidInputError when it is not a proof document at all; every other problem is a failure in
    the report. Events are checked in position order exactly as ``verify`` checks the log
    (signature, key valid and authorised at that position, versions contiguous from 1), and
    each leaf, re-hashed from the stored bytes, must be included in the signed checkpoint.
    """
    if not root_fingerprint or not root_fingerprint.strip():
        raise InvalidInputError(_("a proof is verified against a pinned --root-fingerprint"))
    started = time.perf_counter()
    try:
        doc = loads_bounded(document, description)
    except ValueError as e:
        raise InvalidInputError(
            _("{description} is not JSON: {e}").format(description=description, e=e)
        ) from e
    if not isinstance(doc, dict) or doc.get("format") != PROOF_FORMAT:
        raise InvalidInputError(
            _("{description} is not a lifeledger proof document").format(description=description)
        )
    if doc.get("version") not in READABLE_VERSIONS:
        raise InvalidInputError(
            _(
                "{description} is proof format version {get}; this lifeledger reads versions {join}"
            ).format(
                description=description,
                get=doc.get("version"),
                join=", ".join(map(str, READABLE_VERSIONS)),
            )
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
        raise InvalidInputError(
            _("{description} is malformed: {e}").format(description=description, e=e)
        ) from e
    stored = StoredCheckpoint(size, b"", note)
    with suppress(ProofError):  # a malformed note is reported by check_note below
        stored = StoredCheckpoint(size, stored.parsed().root, note)
    events: list[_Event] = []
    leaves: list[tuple[int, _Event, bytes]] = []
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
            audit.fail(
                Check.FORMAT,
                _("a malformed event entry after position {last}: {e}").format(last=last, e=e),
            )
            continue
        if position <= last:
            audit.fail(
                Check.FORMAT,
                _(
                    "events are not in strictly increasing position order ({position} after {last})"
                ).format(position=position, last=last),
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
                _("not included at this position of the checkpointed log: {e}").format(e=e),
                position=position,
                aggregate_id=str(ev.originator_id),
                version=ev.originator_version,
                topic=ev.topic.split(":", 1)[-1],
                tree_size=size,
            )
        events.append(ev)
        leaves.append((position, ev, leaf))
    cp = audit.check_note(stored, size)
    subject: dict[str, Any] = doc["subject"] if isinstance(doc.get("subject"), dict) else {}
    completeness = None
    if doc["version"] >= 2 and subject.get("kind") == "cadre":
        completeness = _check_completeness(audit, doc.get("completeness"), subject, cp, leaves)
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
    later = doc.get("events_after_checkpoint", 0)
    return ProofReport(
        subject, records, later if isinstance(later, int) else 0, result, completeness
    )


def _check_completeness(
    audit: Audit,
    section: Any,
    subject: dict[str, Any],
    cp: Checkpoint | None,
    leaves: list[tuple[int, _Event, bytes]],
) -> str | None:
    """Refold the person's chain over the included events that name them and check it, with
    the map path, against the person-index root the signed checkpoint carries. Returns what
    was proven ("complete as of checkpoint N ..."), or None after recording the failure."""
    try:
        personnel_no = str(section["personnel_no"])
        count = int(section["count"])
        chain = bytes.fromhex(section["chain"])
        path = MapProof.from_dict(section["map_proof"])
    except (KeyError, TypeError, ValueError, ProofError) as e:
        audit.fail(
            Check.INDEX, _("the completeness section is missing or malformed: {e}").format(e=e)
        )
        return None
    if personnel_no != subject.get("personnel_no"):
        audit.fail(
            Check.INDEX,
            _("the completeness section is about {personnel_no}, not the subject {get}").format(
                personnel_no=personnel_no, get=subject.get("personnel_no")
            ),
        )
        return None
    if cp is None:
        return None  # the checkpoint itself failed: recorded by check_note
    size = cp.size
    try:
        root = map_root_of(cp)
    except ProofError as e:
        audit.fail(Check.INDEX, str(e), tree_size=size)
        return None
    if root is None:
        audit.fail(
            Check.INDEX,
            _("checkpoint {size} carries no person index").format(size=size),
            tree_size=size,
        )
        return None
    key = key_of(personnel_no)
    claimed = value_hash(personnel_no, count, chain) if count else None
    try:
        if path.root_for(key, claimed) != root:
            raise ProofError(_("it leads to another root"))
    except ProofError as e:
        audit.fail(
            Check.INDEX,
            _(
                "the person-index path of {personnel_no} does not lead to the root "
                "signed in checkpoint {size} ({e}): the map path or the committed count "
                "was altered"
            ).format(personnel_no=personnel_no, size=size, e=e),
            tree_size=size,
        )
        return None
    cadre = ids.cadre_id(personnel_no)
    state = ChainState(personnel_no)
    cases = 0
    for position, ev, leaf in leaves:
        named = persons_named(
            ev.topic, ev.originator_id, ev.state, lambda o: personnel_no if o == cadre else None
        )
        if personnel_no in named:
            state = state.then(position, leaf)
            cases += not ev.topic.startswith(CADRE)
    if (state.count, state.chain) != (count, chain):
        if state.count < count:
            what = f"{count - state.count} event(s) naming {personnel_no} were omitted"
        elif state.count > count:
            what = f"{state.count - count} event(s) naming {personnel_no} were added"
        else:
            what = "an event naming the person was replaced, moved or reordered"
        audit.fail(
            Check.INDEX,
            _(
                "the document holds {count} events naming {personnel_no}, the person "
                "index signed in checkpoint {size} commits {count2}: {what}"
            ).format(
                count=state.count, personnel_no=personnel_no, size=size, count2=count, what=what
            ),
            tree_size=size,
        )
        return None
    if cases == 0:
        return f"no accountability on record as of checkpoint {size}"
    return (
        f"complete as of checkpoint {size}: {state.count} events name {personnel_no} "
        f"({cases} in cases)"
    )


def _label(ev: _Event) -> str | None:
    if ev.originator_version != 1 or ev.originator_id == ids.REGISTRY_ID:
        return None
    payload = _payload(ev.state)
    return record_label(ev.topic, payload)[0] if payload else None
