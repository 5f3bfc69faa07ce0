"""Verifying a proof document offline, against a pinned root fingerprint: each event's
signature and key at its position, its inclusion in the signed checkpoint, the checkpoint's
signature and cosignatures, and for a person the completeness of their record."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.audit.proofs.completeness import check_completeness
from ledger.audit.proofs.document import (
    PROOF_FORMAT,
    READABLE_VERSIONS,
    ProvenEvent,
    event_label,
)
from ledger.audit.verify import (
    Check,
    EventRecord,
    VerificationResult,
    VerifyOptions,
)
from ledger.audit.verify.audit import Audit
from ledger.audit.verify.sources import with_labels
from ledger.domain.limits import loads_bounded
from ledger.errors import InvalidInputError, ProofError
from ledger.i18n import _, enumerated
from ledger.transparency.merkle import verify_inclusion
from ledger.transparency.tables import (
    StoredCheckpoint,
    StoredCosignature,
)


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
                join=enumerated(map(str, READABLE_VERSIONS)),
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
    events: list[ProvenEvent] = []
    leaves: list[tuple[int, ProvenEvent, bytes]] = []
    last = -1
    for item in raw_events:
        try:
            position = int(item["position"])
            ev = ProvenEvent(
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
        completeness = check_completeness(audit, doc.get("completeness"), subject, cp, leaves)
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
    records = tuple(sorted({label for e in events if (label := event_label(e)) is not None}))
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
