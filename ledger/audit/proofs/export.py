"""Writing a proof document: a person's, a case's or any records' events with their inclusion
proofs (RFC 9162 §2.1.3) against one signed checkpoint, and for a person the completeness path
(Art. 8, 11)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.audit.proofs.document import PROOF_FORMAT, PROOF_VERSION, payload_of
from ledger.audit.verify import (
    record_label,
)
from ledger.domain import ids
from ledger.errors import NotFoundError, ProofError
from ledger.i18n import _
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoint import b64encode
from ledger.transparency.merkle import verify_inclusion
from ledger.transparency.person_index import CADRE
from ledger.transparency.person_record import person_record
from ledger.transparency.stored_tree import StoredTree
from ledger.transparency.tables import (
    LedgerTables,
    utc_now,
)


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
            payload = payload_of(state)
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
