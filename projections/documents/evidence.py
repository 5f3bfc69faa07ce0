"""The signed events a printed document renders from, each one checked first.

A document never reads the view tables' columns: it renders from the exact stored bytes of
the events, after they were verified (signature by a key valid and authorised at that
position, RFC 9162 inclusion in a signed checkpoint). From the ledger, through a proof
document (:func:`ledger.proofs.export_records_proof`, checked with
:func:`ledger.proofs.verify_proof`); from an auditor's bundle, after the whole bundle
verified (:func:`ledger.bundle.verify_bundle`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.audit.bundle import BundleSource, verify_bundle
from ledger.audit.proofs import export_records_proof, verify_proof
from ledger.audit.verify import VerificationResult
from ledger.domain import ids
from ledger.errors import InvalidInputError, NotFoundError, VerificationError
from ledger.i18n import _, enumerated
from ledger.signing.signatures import Envelope
from projections.codec import Unwrap, loads, unwrapper

__all__ = ["BundleEvidence", "Evidence", "EvidenceSource", "LedgerEvidence", "VerifiedEvent"]


@dataclass(frozen=True)
class VerifiedEvent:
    """One event whose stored bytes verified: its Merkle leaf index (log position), record,
    version, topic, exact stored state, and decoded payload."""

    position: int
    aggregate_id: UUID
    version: int
    topic: str
    state: bytes
    payload: dict[str, Any]

    @property
    def name(self) -> str:
        """The event's name: ``DecisionIssued``, ``Registered``…"""
        return self.topic.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Evidence:
    """Verified events of some records, as of one signed checkpoint (size and root)."""

    root_fingerprint: str
    tree_size: int
    root: bytes
    events: tuple[VerifiedEvent, ...]
    later: int  # events of these records recorded after the checkpoint

    def of(self, aggregate_id: UUID) -> list[VerifiedEvent]:
        return [e for e in self.events if e.aggregate_id == aggregate_id]

    def at(self, position: int) -> VerifiedEvent | None:
        for e in self.events:
            if e.position == position:
                return e
        return None


def _failures(result: VerificationResult, what: str) -> VerificationError:
    shown = "; ".join(f.message for f in result.failures[:3])
    more = result.failure_count - min(3, len(result.failures))
    tail = _(" (and {more} more)").format(more=more) if more > 0 else ""
    return VerificationError(
        _("{what} did not verify: {shown}{tail}").format(what=what, shown=shown, tail=tail)
    )


def _decode(state: bytes, unwrap: Unwrap | None) -> dict[str, Any]:
    payload = Envelope.parse(state).payload
    data = loads(payload if unwrap is None else unwrap(payload))
    if not isinstance(data, dict):
        raise VerificationError(_("a verified event's payload is not a JSON object"))
    return data


class EvidenceSource:
    """Where verified events come from: the ledger, or an auditor's bundle."""

    description = "the ledger"
    root_fingerprint = ""

    def checkpoint_sizes(self) -> list[int]:  # pragma: no cover - interface
        raise NotImplementedError

    def evidence(self, aggregates: Collection[UUID], tree_size: int | None) -> Evidence:
        raise NotImplementedError  # pragma: no cover - interface

    def aggregate_at(self, position: int, tree_size: int) -> UUID | None:
        """The record whose event sits at this log position (None when there is none)."""
        raise NotImplementedError  # pragma: no cover - interface

    def cases(self, year: int, authority: str | None) -> list[str]:  # pragma: no cover
        """The numbers of the cases that may count in the year's report (a superset is
        harmless: the report counts each figure by its own date)."""
        raise NotImplementedError


class LedgerEvidence(EvidenceSource):
    """Events read from the ledger through a proof document, checked before use."""

    def __init__(self, app: LedgerApplication, root_fingerprint: str | None = None) -> None:
        self.app = app
        self.description = _("the ledger")
        #: The root key every signature chains to: pinned by the caller, else the ledger's.
        self.root_fingerprint = (root_fingerprint or app.root_fingerprint()).lower()
        self._unwrap = unwrapper(app.mapper.cipher, app.mapper.compressor)

    def checkpoint_sizes(self) -> list[int]:
        from ledger.transparency.tables import LedgerTables

        return [c.tree_size for c in LedgerTables(self.app).checkpoints()]

    def evidence(self, aggregates: Collection[UUID], tree_size: int | None) -> Evidence:
        proof = export_records_proof(self.app, {"kind": "document"}, aggregates, tree_size)
        report = verify_proof(
            json.dumps(proof).encode(), self.root_fingerprint, description="the ledger's records"
        )
        if not report:
            raise _failures(report.result, _("the ledger's records"))
        wanted = set(aggregates)
        events = []
        for item in proof["events"]:
            oid = UUID(item["originator_id"])
            if oid not in wanted:
                continue  # the key registry: checked by verify_proof, not rendered
            state = _b64decode(item["state"])
            events.append(
                VerifiedEvent(
                    int(item["position"]),
                    oid,
                    int(item["version"]),
                    str(item["topic"]),
                    state,
                    _decode(state, self._unwrap),
                )
            )
        result = report.result
        return Evidence(
            result.root_fingerprint or self.root_fingerprint,
            int(proof["checkpoint"]["tree_size"]),
            result.root or b"",
            tuple(events),
            int(proof["events_after_checkpoint"]),
        )

    def aggregate_at(self, position: int, tree_size: int) -> UUID | None:
        from ledger.transparency.tables import LedgerTables

        if not 0 <= position < tree_size:
            return None
        rows = LedgerTables(self.app).leaf_rows(position - 1, 1)
        if not rows or rows[0][0] != position:
            return None
        nid = rows[0][1]
        for n in self.app.recorder.select_notifications(nid, 1, stop=nid):
            oid = n.originator_id
            return oid if isinstance(oid, UUID) else UUID(str(oid))
        return None

    def cases(self, year: int, authority: str | None) -> list[str]:
        from projections.api import Projections

        with Projections(self.app, reading=True) as views:
            return views.cases_in_year(year, authority)


def _b64decode(text: str) -> bytes:
    import base64

    return base64.b64decode(text, validate=True)


class BundleEvidence(EvidenceSource):
    """Events read from an auditor's bundle, after the whole bundle verified against the
    pinned root fingerprint."""

    def __init__(self, path: Path, root_fingerprint: str) -> None:
        result = verify_bundle(path, root_fingerprint, workers=1)
        if not result:
            raise _failures(result, _("bundle {path}").format(path=path))
        self.path = path
        self.description = _("bundle {path}").format(path=path)
        self.root_fingerprint = root_fingerprint.strip().lower().replace(":", "")
        self._source = BundleSource(path)
        self._roots = {c.tree_size: c.root for c in self._source.checkpoints()}

    def checkpoint_sizes(self) -> list[int]:
        return sorted(self._roots)

    def _scan(self, keep: Callable[[int, UUID], bool], tree_size: int) -> Iterable[VerifiedEvent]:
        position = 0
        for page in self._source.pages():
            for _nid, oid, version, topic, state in page:
                if position >= tree_size:
                    return
                if keep(position, oid):
                    yield VerifiedEvent(position, oid, version, topic, state, _decode(state, None))
                position += 1

    def evidence(self, aggregates: Collection[UUID], tree_size: int | None) -> Evidence:
        if not self._roots:
            raise NotFoundError(
                _("{description} holds no checkpoint").format(description=self.description)
            )
        size = max(self._roots) if tree_size is None else tree_size
        if size not in self._roots:
            sizes = enumerated(map(str, sorted(self._roots)))
            raise NotFoundError(
                _("{description} has no checkpoint of size {size} (sizes: {sizes})").format(
                    description=self.description, size=size, sizes=sizes
                )
            )
        wanted = set(aggregates)
        events = tuple(self._scan(lambda _p, oid: oid in wanted, size))
        later = sum(1 for _ in self._scan(lambda _p, oid: oid in wanted, 1 << 62)) - len(events)
        return Evidence(self.root_fingerprint, size, self._roots[size], events, later)

    def aggregate_at(self, position: int, tree_size: int) -> UUID | None:
        for e in self._scan(lambda p, _oid: p == position, tree_size):
            return e.aggregate_id
        return None

    def cases(self, year: int, authority: str | None) -> list[str]:
        found = []
        for e in self._scan(lambda _p, _oid: True, 1 << 62):
            if (
                e.version == 1
                and e.name == "Opened"
                and isinstance(e.payload.get("case_no"), str)
                and authority in (None, e.payload.get("opening_authority"))
            ):
                found.append(str(e.payload["case_no"]))
        return found


def case_records(case_no: str) -> UUID:
    """The case's record id (the same for every copy of the ledger)."""
    if not case_no.strip():
        raise InvalidInputError(_("a case number is required"))
    return ids.case_id(case_no)
