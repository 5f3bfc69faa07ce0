"""What each event writes to the views: one small function per topic.

This is the hot path of a rebuild, so it does as little as it can per event. Events are
decoded WITHOUT checking their signatures (that is the auditor's separate ``verify``): the
envelope header (``ledger.signing.signatures``: magic ‖ key id ‖ signature) is sliced off and
the JSON
payload the library's ``JSONTranscoder`` wrote is parsed directly; business dates are the
ISO text inside its ``{"_type_": "date_iso", "_data_": "YYYY-MM-DD"}`` markers. Topics no
view uses are skipped before anything is parsed. A case's events change its state by the
domain's one fold (:mod:`ledger.domain.case_state`), and the handlers here index what
changed: who is named, which years the case touches, a decision's dates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ledger.domain import topics
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.case_state import STEPS, Fields, Step, apply
from ledger.domain.imports import ImportedLine
from ledger.domain.keys import KeyRegistry
from ledger.domain.report import RegionalReport
from ledger.domain.unit import Unit
from ledger.errors import LedgerError, TamperedEventError
from ledger.i18n import _
from ledger.signing.signatures import HEADER_SIZE, KEY_ID_SIZE, MAGIC
from projections.batch import Batch, CaseMemo, Row
from projections.codec import Unwrap, loads
from projections.event_dates import (
    CASE_DATES,
    convert_declared,
    dates_in_place,
    iso,
)
from projections.log import Record

Payload = dict[str, Any]
#: (batch, log position, aggregate id as hex, stored envelope, decoded payload)
Handler = Callable[[Batch, int, str, bytes, Payload], None]
#: (batch, log position, the case after the event, the event's typed fields)
CaseHandler = Callable[[Batch, int, CaseMemo, Fields], None]


class CaseStep(NamedTuple):
    """What a case event does in a rebuild: its dates converted, the domain's fold step, and
    what it adds to the indexes."""

    dates: tuple[str, ...]
    scanned: tuple[str, ...]
    nested: tuple[tuple[str, tuple[str, ...]], ...]
    step: Step
    indexer: CaseHandler


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
    itself opens are replayed from their earlier events, in one query per chunk of ids
    (``Batch.fetch``); then every event is decoded and applied (the hot loop of a rebuild:
    kept flat on purpose). A case event has its declared dates converted
    (:mod:`projections.event_dates`) and changes the case by the domain's one fold
    (:func:`ledger.domain.case_state.apply`); its handler here only indexes what changed.
    """
    case_handlers, handlers, case_memos = CASE_HANDLERS, HANDLERS, batch.case_memos
    convert = convert_declared
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
        batch.fetch(missing, page[0][0] - 1, unwrap)
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
                dates, scanned, nested, step, indexer = case_handler
                f = convert(loads(unwrap(payload) if unwrap else payload), dates, scanned, nested)
                step(case.state, f, position)
                indexer(batch, position, case, f)
            else:
                handler = handlers.get(topic)
                if handler is not None:
                    handler(
                        batch, position, oid, state, loads(unwrap(payload) if unwrap else payload)
                    )
        except (LedgerError, ValueError, LookupError, TypeError, AttributeError):
            continue


# cases: what each event adds to the indexes, after the fold changed the case ---------------
def opened(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    case = apply(None, "Opened", dates_in_place("Opened", d), pos)
    memo = batch.case_memos[oid] = CaseMemo(case)
    opened_on = iso(case.opened_on)
    batch.cases[pos] = [
        pos,
        oid,
        case.case_no,
        iso(case.incident_date),
        ",".join(map(str, case.grounds)),
        int(case.lifetime),
        opened_on,
        case.opening_authority,
        case.status,  # status and closed_on: a Closed event of the same page changes them here
        None,
        0,  # parties: the findings of the same page count here
    ]
    batch.year(memo, case.opened_on)


def _name(batch: Batch, case: int, party_type: str, code: str, party: bool = True) -> None:
    batch.named.append((code, party_type, case))
    if party:
        batch.add_parties(case, 1)


def assigned(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    _name(batch, case.key, f["party_type"], f["party_code"])
    batch.year(case, f["on"])


def objection_recorded(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    _name(batch, case.key, "person", f["personnel_no"], party=False)


def team_assigned(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    key = case.key
    _name(batch, key, "unit", f["unit_code"])
    for m in f["members"]:
        _name(batch, key, "person", m["personnel_no"])
    batch.year(case, f["on"])


def unindexed(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    """Hearings and corrected findings change the case, and no index."""


def decision_issued(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    decision = batch.decision(case, f["party_type"], f["party_code"], pos, new=True)
    batch.year(case, decision.decided_on)
    batch.year(case, decision.announce_due)  # Art. 14: a duty is reported in the year it falls due


def decision_changed(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    """An announcement, receipt, file entry or written notice: the decision's dates changed."""
    batch.decision(case, f["party_type"], f["party_code"], pos)


def file_entered(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    """Art. 11: a person's file entry (named by personnel number) changed the decision's dates."""
    batch.decision(case, "person", f["personnel_no"], pos)


def appeal_filed(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    batch.decision(case, f["party_type"], f["party_code"], pos)
    batch.year(case, f["on"])
    batch.year(case, f["decision_due"])


def dated(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    """A referral: the case is indexed under its year."""
    batch.year(case, f["on"])


def appeal_decided(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    batch.decision(case, f["party_type"], f["party_code"], pos)
    batch.year(case, f["on"])


def closed(batch: Batch, pos: int, case: CaseMemo, f: Fields) -> None:
    batch.status(case)
    batch.year(case, f["on"])


# units and cadres ---------------------------------------------------------------------------
def unit_registered(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    batch.units.append((d["code"], d["name"], d["kind"], d["level"], pos))


def report_made(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    """Art. 14: a regional annual report was made (its figures come from the views)."""
    batch.reports.append((pos, d["region"], d["year"], d["agency"], d["on"]["_data_"]))


def import_line_recorded(batch: Batch, pos: int, oid: str, envelope: bytes, d: Payload) -> None:
    """An import line applied (idempotent import): a record of the log that no view shows,
    counted so that the census still balances (projections.census.check_census)."""
    batch.import_lines += 1


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


#: Every event of an opened case: the fold's event name, and what it adds to the indexes.
CASE_HANDLERS: dict[str, CaseStep] = {
    _topic(AccountabilityCase, event): CaseStep(*CASE_DATES[event], STEPS[event], handler)
    for event, handler in (
        ("ResponsibilityAssigned", assigned),
        ("ObjectionRecorded", objection_recorded),
        ("FindingCorrected", unindexed),
        ("TeamResponsibilityAssigned", team_assigned),
        ("DefenceHeard", unindexed),
        ("DecisionIssued", decision_issued),
        ("DecisionAnnounced", decision_changed),
        ("DecisionReceived", decision_changed),
        ("AppealFiled", appeal_filed),
        ("AppealDecided", appeal_decided),
        ("ReferredToJudicialOrgan", dated),
        ("Closed", closed),
        ("PersonnelFileEntered", file_entered),
        ("AppealDecisionNotified", decision_changed),
        ("Reopened", closed),
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
        (ImportedLine, "Applied", import_line_recorded),
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
