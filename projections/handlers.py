"""What each event writes to the views: one small function per topic.

This is the hot path of a rebuild, so it does as little as it can per event. Events are
decoded WITHOUT checking their signatures (that is the auditor's separate ``verify``): the
envelope header (``ledger.signing``: magic ‖ key id ‖ signature) is sliced off and the JSON
payload the library's ``JSONTranscoder`` wrote is parsed directly; business dates are the
ISO text inside its ``{"_type_": "date_iso", "_data_": "YYYY-MM-DD"}`` markers. Topics no
view uses — and case events no index needs — are skipped before anything is parsed: a
case's state is replayed from its own events when asked (:mod:`projections.replay`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from ledger.cadre import Cadre
from ledger.case import AccountabilityCase
from ledger.errors import TamperedEventError
from ledger.keys import KeyRegistry
from ledger.regulation import AppealOutcome
from ledger.signing import HEADER_SIZE, KEY_ID_SIZE, MAGIC
from ledger.unit import Unit
from projections.batch import Batch, Row
from projections.codec import Unwrap, loads

Payload = dict[str, Any]
#: (batch, log position, aggregate id, stored envelope, decoded payload)
Handler = Callable[[Batch, int, UUID, bytes, Payload], None]
#: (batch, log position, the case's key, decoded payload)
CaseHandler = Callable[[Batch, int, int, Payload], None]

REVOKED = AppealOutcome.REVOKED.value
_MAGIC_SIZE = len(MAGIC)


def signer_of(envelope: bytes) -> str:
    """The hex key id stored beside the signature."""
    return envelope[_MAGIC_SIZE : _MAGIC_SIZE + KEY_ID_SIZE].hex()


def _not_an_envelope(n: Notification) -> TamperedEventError:
    return TamperedEventError(
        f"the event at position {n.id} is not a signed lifeledger envelope",
        position=n.id,
        topic=n.topic,
    )


def apply_page(batch: Batch, page: Sequence[Notification], unwrap: Unwrap | None) -> None:
    """Apply every notification of a page to the batch, in log order (the hot loop of a
    rebuild: kept flat on purpose)."""
    case_handlers, handlers, case_keys = CASE_HANDLERS, HANDLERS, batch.memory.case_keys
    for n in page:
        topic, state = n.topic, n.state
        if not state.startswith(MAGIC) or len(state) < HEADER_SIZE:
            raise _not_an_envelope(n)
        payload = state[HEADER_SIZE:]
        d = loads(unwrap(payload) if unwrap else payload)
        oid: UUID = n.originator_id  # type: ignore[assignment]  # the recorder makes UUIDs
        case_handler = case_handlers.get(topic)
        if case_handler is not None:
            case = case_keys.get(oid.int)
            if case is None:
                case = batch.case_key(oid, n.id)
            case_handler(batch, n.id, case, d)
        else:
            handler = handlers.get(topic)
            if handler is not None:
                handler(batch, n.id, oid, state, d)


# cases --------------------------------------------------------------------------------------
def opened(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    opened_on = d["opened_on"]["_data_"]
    batch.memory.case_keys[oid.int] = pos
    batch.cases[pos] = [
        pos,
        oid.hex,
        d["case_no"],
        d["incident_date"]["_data_"],
        ",".join(map(str, d["grounds"])),
        int(bool(d["lifetime"])),
        opened_on,
        d["opening_authority"],
        "open",  # status and closed_on: a Closed event of the same page changes them here
        None,
        0,  # parties: the findings of the same page count here
    ]
    batch.year(pos, opened_on)


def _name(batch: Batch, case: int, party_type: str, code: str, party: bool = True) -> None:
    batch.named.append((code, party_type, case))
    if party:
        batch.add_parties(case, 1)


def assigned(batch: Batch, pos: int, case: int, d: Payload) -> None:
    _name(batch, case, d["party_type"], d["party_code"])
    batch.year(case, d["on"]["_data_"])


def objection_recorded(batch: Batch, pos: int, case: int, d: Payload) -> None:
    _name(batch, case, "person", d["personnel_no"], party=False)


def team_assigned(batch: Batch, pos: int, case: int, d: Payload) -> None:
    _name(batch, case, "unit", d["unit_code"])
    for m in d["members"]:
        _name(batch, case, "person", m["personnel_no"])
    batch.year(case, d["on"]["_data_"])


def decision_issued(batch: Batch, pos: int, case: int, d: Payload) -> None:
    ptype, code, document = d["party_type"], d["party_code"], d["document"]
    decided_on, due = document["decided_on"]["_data_"], d["announce_due"]["_data_"]
    batch.new_decision(
        {
            "opened_at": case,
            "party_type": ptype,
            "code": code,
            "position": pos,
            "number": document["number"],
            "decided_on": decided_on,
            "announce_due": due,
            "announced_on": None,
            "revoked_on": None,
            "received_on": None,
            "appeal_due": None,
            "appeal_on": None,
            "decision_due": None,
            "appeal_decided_on": None,
        }
    )
    batch.year(case, decided_on)
    batch.year(case, due)  # Art. 14: a duty is reported in the year it falls due


def _decision(batch: Batch, pos: int, case: int, d: Payload) -> Row:
    return batch.decision(case, d["party_type"], d["party_code"], pos)


def announced(batch: Batch, pos: int, case: int, d: Payload) -> None:
    _decision(batch, pos, case, d)["announced_on"] = d["on"]["_data_"]


def received(batch: Batch, pos: int, case: int, d: Payload) -> None:
    decision = _decision(batch, pos, case, d)
    decision["received_on"] = d["on"]["_data_"]
    decision["appeal_due"] = d["appeal_due"]["_data_"]


def appeal_filed(batch: Batch, pos: int, case: int, d: Payload) -> None:
    decision = _decision(batch, pos, case, d)
    on, due = d["on"]["_data_"], d["decision_due"]["_data_"]
    decision["appeal_on"] = on
    decision["decision_due"] = due
    batch.year(case, on)
    batch.year(case, due)


def appeal_decided(batch: Batch, pos: int, case: int, d: Payload) -> None:
    decision = _decision(batch, pos, case, d)
    on = d["on"]["_data_"]
    decision["appeal_decided_on"] = on
    if d["outcome"] == REVOKED:
        decision["revoked_on"] = on
    batch.year(case, on)


def referred(batch: Batch, pos: int, case: int, d: Payload) -> None:
    batch.year(case, d["on"]["_data_"])


def closed(batch: Batch, pos: int, case: int, d: Payload) -> None:
    on = d["on"]["_data_"]
    batch.close(case, on)
    batch.year(case, on)


# units and cadres ---------------------------------------------------------------------------
def unit_registered(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    batch.units.append((d["code"], d["name"], d["kind"], d["level"], pos))


def cadre_registered(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    no = d["personnel_no"]
    row = {
        "personnel_no": no,
        "cadre_id": oid.hex,
        "name": d["name"],
        "retired_on": None,
        "registered_at": pos,
    }
    post = {
        "personnel_no": no,
        "seq": 1,
        "unit_code": d["unit_code"],
        "title": d["post"],
        "start": d["since"]["_data_"],
        "until": None,
    }
    batch.new_cadre(oid.hex, row, post)


def cadre_moved(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    row, posts = batch.cadre(oid.hex, pos)
    on = d["on"]["_data_"]
    posts[-1]["until"] = on
    posts.append(
        {
            "personnel_no": row["personnel_no"],
            "seq": len(posts) + 1,
            "unit_code": d["unit_code"],
            "title": d["post"],
            "start": on,
            "until": None,
        }
    )


def cadre_retired(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    row, posts = batch.cadre(oid.hex, pos)
    on = d["on"]["_data_"]
    posts[-1]["until"] = on
    row["retired_on"] = on


# signer keys --------------------------------------------------------------------------------
def _key_row(
    pos: int, envelope: bytes, d: Payload, holder: str, authority: str, kind: str, role: str
) -> Row:
    return {
        "key_id": d["key_id"],
        "holder": holder,
        "authority": authority,
        "authority_kind": kind,
        "role": role,
        "status": "active",
        "replaced_by": None,
        "reason": None,
        "registered_at": pos,
        "ended_at": None,
        "registered_by": signer_of(envelope),
    }


def registry_created(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    batch.put_key(
        _key_row(pos, envelope, d, d["holder"], d["authority"], d["authority_kind"], "admin")
    )


def key_registered(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    batch.put_key(
        _key_row(pos, envelope, d, d["holder"], d["authority"], d["authority_kind"], d["role"])
    )


def key_rotated(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    old = batch.key(d["old_key_id"], pos)
    old["status"] = "rotated"
    old["replaced_by"] = d["key_id"]
    old["ended_at"] = pos
    batch.put_key(
        _key_row(
            pos, envelope, d, old["holder"], old["authority"], old["authority_kind"], old["role"]
        )
    )


def key_revoked(batch: Batch, pos: int, oid: UUID, envelope: bytes, d: Payload) -> None:
    row = batch.key(d["key_id"], pos)
    row["status"] = "revoked"
    row["reason"] = d["reason"]
    row["ended_at"] = pos


def _topic(cls: type, event: str) -> str:
    return f"{get_topic(cls)}.{event}"


#: The events of an opened case that an index needs (the others are not even parsed: the
#: case's state is replayed from its events when asked).
CASE_HANDLERS: dict[str, CaseHandler] = {
    _topic(AccountabilityCase, event): handler
    for event, handler in (
        ("ResponsibilityAssigned", assigned),
        ("ObjectionRecorded", objection_recorded),
        ("TeamResponsibilityAssigned", team_assigned),
        ("DecisionIssued", decision_issued),
        ("DecisionAnnounced", announced),
        ("DecisionReceived", received),
        ("AppealFiled", appeal_filed),
        ("AppealDecided", appeal_decided),
        ("ReferredToJudicialOrgan", referred),
        ("Closed", closed),
    )
}
#: Every other event a view uses.
HANDLERS: dict[str, Handler] = {
    _topic(cls, event): handler
    for cls, event, handler in (
        (AccountabilityCase, "Opened", opened),
        (Unit, "Registered", unit_registered),
        (Cadre, "Registered", cadre_registered),
        (Cadre, "Moved", cadre_moved),
        (Cadre, "Retired", cadre_retired),
        (KeyRegistry, "Created", registry_created),
        (KeyRegistry, "KeyRegistered", key_registered),
        (KeyRegistry, "KeyRotated", key_rotated),
        (KeyRegistry, "KeyRevoked", key_revoked),
    )
}

#: Every topic a view uses: the log is read filtered to these.
TOPICS = sorted([*CASE_HANDLERS, *HANDLERS])
