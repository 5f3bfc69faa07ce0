"""What each event writes to the views: one small function per topic.

This is the hot path of a rebuild, so it does as little as it can per event. Events are
decoded WITHOUT checking their signatures (that is the auditor's separate ``verify``): the
envelope header (``ledger.signing.signatures``: magic ‖ key id ‖ signature) is sliced off and
the JSON
payload the library's ``JSONTranscoder`` wrote is parsed directly; business dates are the
ISO text inside its ``{"_type_": "date_iso", "_data_": "YYYY-MM-DD"}`` markers. Topics no
view uses — and case events no index needs — are skipped before anything is parsed: a
case's state is replayed from its own events when asked (:mod:`projections.replay`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledger.domain import topics
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.keys import KeyRegistry
from ledger.domain.regulation import AppealOutcome
from ledger.domain.report import RegionalReport
from ledger.domain.unit import Unit
from ledger.errors import LedgerError, TamperedEventError
from ledger.i18n import _
from ledger.signing.signatures import HEADER_SIZE, KEY_ID_SIZE, MAGIC
from projections.batch import (
    ANNOUNCED_ON,
    APPEAL_DECIDED_ON,
    APPEAL_DUE,
    APPEAL_NOTIFIED_ON,
    APPEAL_ON,
    DECISION_DUE,
    FILE_FROM,
    FILED_ON,
    RECEIVED_ON,
    REVOKED_ON,
    Batch,
    CaseMemo,
    Decision,
    Row,
)
from projections.codec import Unwrap, loads
from projections.log import Record

Payload = dict[str, Any]
#: (batch, log position, aggregate id as hex, stored envelope, decoded payload)
Handler = Callable[[Batch, int, str, bytes, Payload], None]
#: (batch, log position, the case, decoded payload)
CaseHandler = Callable[[Batch, int, CaseMemo, Payload], None]

REVOKED = AppealOutcome.REVOKED.value
_MAGIC_SIZE = len(MAGIC)


def signer_of(envelope: bytes) -> str:
    """The hex key id stored beside the signature."""
    return envelope[_MAGIC_SIZE : _MAGIC_SIZE + KEY_ID_SIZE].hex()


def _not_an_envelope(position: int, topic: str) -> TamperedEventError:
    return TamperedEventError(
        _("the event at position {position} is not a signed lifeledger envelope").format(
            position=position
        ),
        position=position,
        topic=topic,
    )


def apply_page(batch: Batch, page: Sequence[Record], unwrap: Unwrap | None) -> None:
    """Apply every notification of a page to the batch, in log order.

    First the cases the page's events belong to that neither memory holds nor the page
    itself opens are read, in one query per chunk of ids (``Batch.fetch``); then every event
    is decoded and applied (the hot loop of a rebuild: kept flat on purpose).
    """
    case_handlers, handlers, case_memos = CASE_HANDLERS, HANDLERS, batch.case_memos
    missing: dict[str, int] = {}
    opened: set[str] = set()
    want_case = batch.want_case
    for position, oid, topic, _unused in page:
        if topic == OPENED:
            opened.add(oid)
        elif (
            topic in case_handlers
            and oid not in case_memos
            and oid not in opened
            and oid not in missing
            and not want_case(oid)
        ):
            missing[oid] = position
    if missing:
        batch.fetch(missing, OPENED)
    for position, oid, topic, state in page:
        # An event that cannot be read (a malformed or damaged row) is left out of the index
        # instead of stopping every read: the reads that need its record check its events
        # and refuse it by position, the census names a record it leaves unindexed, and
        # ``verify`` names the row (projections.trusted).
        try:
            if not state.startswith(MAGIC) or len(state) < HEADER_SIZE:
                raise _not_an_envelope(position, topic)
            payload = state[HEADER_SIZE:]
            case_handler = case_handlers.get(topic)
            if case_handler is not None:
                case = case_memos.get(oid)
                if case is None:  # its opening comes later in the page, or was unreadable
                    raise batch.never_opened(oid, position)
                case_handler(batch, position, case, loads(unwrap(payload) if unwrap else payload))
            else:
                handler = handlers.get(topic)
                if handler is not None:
                    handler(
                        batch, position, oid, state, loads(unwrap(payload) if unwrap else payload)
                    )
        except (LedgerError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            continue


# cases --------------------------------------------------------------------------------------
def opened(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    opened_on = d["opened_on"]["_data_"]
    case = batch.case_memos[oid] = CaseMemo(pos)
    batch.cases[pos] = [
        pos,
        oid,
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
    batch.year(case, opened_on)


def _name(batch: Batch, case: int, party_type: str, code: str, party: bool = True) -> None:
    batch.named.append((code, party_type, case))
    if party:
        batch.add_parties(case, 1)


def assigned(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    _name(batch, case.key, d["party_type"], d["party_code"])
    batch.year(case, d["on"]["_data_"])


def objection_recorded(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    _name(batch, case.key, "person", d["personnel_no"], party=False)


def team_assigned(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    key = case.key
    _name(batch, key, "unit", d["unit_code"])
    for m in d["members"]:
        _name(batch, key, "person", m["personnel_no"])
    batch.year(case, d["on"]["_data_"])


def decision_issued(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    document = d["document"]
    decided_on, due = document["decided_on"]["_data_"], d["announce_due"]["_data_"]
    row: Decision = [pos, document["number"], decided_on, due, None, None, None, None, None]
    row += [None, None, None, None, None]
    batch.new_decision(case, d["party_type"], d["party_code"], row)
    batch.year(case, decided_on)
    batch.year(case, due)  # Art. 14: a duty is reported in the year it falls due


def _decision(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> Decision:
    return batch.decision(case, d["party_type"], d["party_code"], pos)


def announced(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    decision = _decision(batch, pos, case, d)
    decision[ANNOUNCED_ON] = d["on"]["_data_"]
    if d["party_type"] == "person":  # Art. 11: the personnel-file entry is owed from now on
        decision[FILE_FROM] = d["on"]["_data_"]


def file_entered(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    decision = batch.decision(case, "person", d["personnel_no"], pos)
    decision[FILED_ON] = d["on"]["_data_"]


def appeal_notified(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    _decision(batch, pos, case, d)[APPEAL_NOTIFIED_ON] = d["on"]["_data_"]


def reopened(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    on = d["on"]["_data_"]
    batch.reopen(case)
    batch.year(case, on)


def received(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    decision = _decision(batch, pos, case, d)
    decision[RECEIVED_ON] = d["on"]["_data_"]
    decision[APPEAL_DUE] = d["appeal_due"]["_data_"]


def appeal_filed(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    decision = _decision(batch, pos, case, d)
    on, due = d["on"]["_data_"], d["decision_due"]["_data_"]
    decision[APPEAL_ON] = on
    decision[DECISION_DUE] = due
    batch.year(case, on)
    batch.year(case, due)


def appeal_decided(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    decision = _decision(batch, pos, case, d)
    on = d["on"]["_data_"]
    decision[APPEAL_DECIDED_ON] = on
    if d["outcome"] == REVOKED:
        decision[REVOKED_ON] = on
    batch.year(case, on)


def referred(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    batch.year(case, d["on"]["_data_"])


def closed(batch: Batch, pos: int, case: CaseMemo, d: Payload) -> None:
    on = d["on"]["_data_"]
    batch.close(case, on)
    batch.year(case, on)


# units and cadres ---------------------------------------------------------------------------
def unit_registered(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    batch.units.append((d["code"], d["name"], d["kind"], d["level"], pos))


def report_made(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    """Art. 14: a regional annual report was made (its figures come from the views)."""
    batch.reports.append((pos, d["region"], d["year"], d["agency"], d["on"]["_data_"]))


def cadre_registered(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    """Transfers and retirements are replayed from the cadre's events when asked."""
    batch.cadres.append((d["personnel_no"], oid, d["name"], pos))


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


def registry_created(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    batch.put_key(
        _key_row(pos, envelope, d, d["holder"], d["authority"], d["authority_kind"], "admin")
    )


def key_registered(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    batch.put_key(
        _key_row(pos, envelope, d, d["holder"], d["authority"], d["authority_kind"], d["role"])
    )


def key_rotated(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    old = batch.key(d["old_key_id"], pos)
    old["status"] = "rotated"
    old["replaced_by"] = d["key_id"]
    old["ended_at"] = pos
    batch.put_key(
        _key_row(
            pos, envelope, d, old["holder"], old["authority"], old["authority_kind"], old["role"]
        )
    )


def key_revoked(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    row = batch.key(d["key_id"], pos)
    row["status"] = "revoked"
    row["reason"] = d["reason"]
    row["ended_at"] = pos


def _topic(cls: type, event: str) -> str:
    return topics.event_topic(cls, event)


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
        ("PersonnelFileEntered", file_entered),
        ("AppealDecisionNotified", appeal_notified),
        ("Reopened", reopened),
    )
}
#: Every other event a view uses. A cadre's transfers and retirement are not among them:
#: its career is replayed from its own events when asked (:func:`projections.replay.career`).
HANDLERS: dict[str, Handler] = {
    _topic(cls, event): handler
    for cls, event, handler in (
        (AccountabilityCase, "Opened", opened),
        (Unit, "Registered", unit_registered),
        (Cadre, "Registered", cadre_registered),
        (RegionalReport, "Reported", report_made),
        (KeyRegistry, "Created", registry_created),
        (KeyRegistry, "KeyRegistered", key_registered),
        (KeyRegistry, "KeyRotated", key_rotated),
        (KeyRegistry, "KeyRevoked", key_revoked),
    )
}

#: Every topic a view uses: the log is read filtered to these.
TOPICS = sorted([*CASE_HANDLERS, *HANDLERS])
#: The event whose log position keys a case in the views.
OPENED = _topic(AccountabilityCase, "Opened")
