"""One case's state, or one cadre's career, replayed from its own events (read back by
aggregate id).

The views index cases (by number, by party, by year, by running legal period); the case
itself — parties, hearings, every decision with its announcement, file entry, receipt,
appeal and outcome — is folded here from its events, which are few (tens per case) and read
with one indexed look-up (:mod:`projections.log`). This keeps a rebuild close to the speed
of reading the log, and the case state exactly as the log says, texts included.

Events are decoded without checking their signatures (that is the auditor's ``verify``).
The document is plain data: ISO date strings, lists and dicts. A cadre's career (Art. 8:
every post, in order, and the retirement) is folded the same way from the cadre's own
events (a registration, a move or two, perhaps a retirement), so that transfers cost a
rebuild nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledger.domain.regulation import AppealOutcome
from ledger.signing.signatures import Envelope
from projections.codec import Unwrap, loads

Payload = dict[str, Any]
Row = dict[str, Any]
Doc = dict[str, Any]
Fold = Callable[[Doc, int, Payload], None]

REVOKED = AppealOutcome.REVOKED.value


class CaseEvent:
    """A case event read back: its log position, name, signer key id and payload."""

    __slots__ = ("event", "key_id", "payload", "position")

    def __init__(self, position: int, event: str, key_id: str, payload: Payload) -> None:
        self.position = position
        self.event = event
        self.key_id = key_id
        self.payload = payload


def decode(rows: Sequence[tuple[int, str, bytes]], unwrap: Unwrap | None) -> list[CaseEvent]:
    """A case's stored events (position, topic, state), in order, decoded."""
    events = []
    for position, topic, state in rows:
        envelope = Envelope.parse(state)
        payload = envelope.payload if unwrap is None else unwrap(envelope.payload)
        events.append(
            CaseEvent(position, topic.rsplit(".", 1)[-1], envelope.key_id.hex(), loads(payload))
        )
    return events


def fold(events: Sequence[CaseEvent]) -> Doc:
    """The case's state after its events, in order."""
    doc: Doc = {}
    for e in events:
        FOLDS[e.event](doc, e.position, e.payload)
    doc["log"] = [e.position for e in events]
    return doc


def career(events: Sequence[CaseEvent]) -> tuple[list[Row], str | None]:
    """A cadre's posts (``unit_code``, ``title``, ``start``, ``until``: ISO text, ``until``
    exclusive and None while held) and retirement day, from the cadre's events in order."""
    posts: list[Row] = []
    retired_on: str | None = None
    for e in events:
        d = e.payload
        if e.event == "Registered":
            posts.append(_post(d["unit_code"], d["post"], _day(d["since"])))
        elif e.event == "Moved":
            on = _day(d["on"])
            posts[-1]["until"] = on
            posts.append(_post(d["unit_code"], d["post"], on))
        elif e.event == "Retired":
            retired_on = posts[-1]["until"] = _day(d["on"])
    return posts, retired_on


def _post(unit_code: str, title: str, start: str) -> Row:
    return {"unit_code": unit_code, "title": title, "start": start, "until": None}


def _party(doc: Doc, d: Payload) -> Row:
    party: Row = doc["parties"][f"{d['party_type']}:{d['party_code']}"]
    return party


def _new_party(
    party_type: str,
    code: str,
    responsibility: str,
    on: str,
    pos: int,
    team_role: str | None,
    team_unit: str | None,
    individual: bool,
) -> Row:
    return {
        "party_type": party_type,
        "code": code,
        "responsibility": responsibility,
        "team_role": team_role,
        "team_unit": team_unit,
        "individual_decision": individual,
        "assigned_on": on,
        "assigned_at": pos,
        "hearings": [],
        "decisions": [],
        "referral": None,
        "corrections": [],
    }


def _day(marker: Any) -> str:
    return str(marker["_data_"])


def opened(doc: Doc, pos: int, d: Payload) -> None:
    doc.update(
        case_no=d["case_no"],
        incident_date=_day(d["incident_date"]),
        grounds=list(d["grounds"]),
        other_regulation=d["other_regulation"],
        facts=d["facts"],
        results=d.get("results"),
        consequence=d.get("consequence"),
        lifetime=bool(d["lifetime"]),
        opening_authority=d["opening_authority"],
        opened_on=_day(d["opened_on"]),
        opened_at=pos,
        status="open",
        closed_on=None,
        close_summary=None,
        parties={},
        objections={},
    )


def assigned(doc: Doc, pos: int, d: Payload) -> None:
    ptype, code = d["party_type"], d["party_code"]
    doc["parties"][f"{ptype}:{code}"] = _new_party(
        ptype,
        code,
        d["responsibility"],
        _day(d["on"]),
        pos,
        d.get("team_role"),
        None,
        bool(d.get("individual_decision")),
    )


def objection_recorded(doc: Doc, pos: int, d: Payload) -> None:
    doc["objections"][d["personnel_no"]] = {
        "on": _day(d["on"]),
        "text": d["text"],
        "at_hearing": bool(d.get("at_hearing")),
    }


def finding_corrected(doc: Doc, pos: int, d: Payload) -> None:
    party = _party(doc, d)
    party.setdefault("corrections", []).append(
        {"on": _day(d["on"]), "from": party["responsibility"], "reason": d["reason"]}
    )
    party["responsibility"] = d["responsibility"]


def team_assigned(doc: Doc, pos: int, d: Payload) -> None:
    unit, on = d["unit_code"], _day(d["on"])
    parties = doc["parties"]
    parties[f"unit:{unit}"] = _new_party("unit", unit, "collective", on, pos, None, None, False)
    for m in d["members"]:
        no = m["personnel_no"]
        parties[f"person:{no}"] = _new_party(
            "person", no, m["responsibility"], on, pos, m["team_role"], unit, False
        )


def defence_heard(doc: Doc, pos: int, d: Payload) -> None:
    _party(doc, d)["hearings"].append(_day(d["on"]))


def decision_issued(doc: Doc, pos: int, d: Payload) -> None:
    party = _party(doc, d)
    document = d["document"]
    effective = document.get("effective_date")
    party["decisions"].append(
        {
            "seq": len(party["decisions"]) + 1,
            "position": pos,
            "person": d["party_type"] == "person",
            "number": document["number"],
            "decided_on": _day(document["decided_on"]),
            "facts": document["facts"],
            "basis": document["basis"],
            "measures": list(document["measures"]),
            "severity": document.get("severity"),
            "sanction": document.get("sanction") or "",
            "other": document.get("other") or "",
            "approving_authority": document["approving_authority"],
            "effective_date": effective and _day(effective),
            "appeal_period_days": document["appeal_period_days"],
            "appeal_authority": document["appeal_authority"],
            "deciding_authority": d["deciding_authority"],
            "status": "in_force",
            "announce_due": _day(d["announce_due"]),
            "announcement": None,
            "file_entry": None,
            "received_on": None,
            "appeal_due": None,
            "appeal": None,
        }
    )


def announced(doc: Doc, pos: int, d: Payload) -> None:
    _party(doc, d)["decisions"][-1]["announcement"] = {
        "on": _day(d["on"]),
        "to": d["to"],
        "told": d.get("told"),
        "overdue": bool(d["overdue"]),
    }


def file_entered(doc: Doc, pos: int, d: Payload) -> None:
    decision = doc["parties"][f"person:{d['personnel_no']}"]["decisions"][-1]
    decision["file_entry"] = {
        "on": _day(d["on"]),
        "file_ref": d["file_ref"],
        "custodian": d["custodian"],
    }


def received(doc: Doc, pos: int, d: Payload) -> None:
    decision = _party(doc, d)["decisions"][-1]
    decision["received_on"] = _day(d["on"])
    decision["appeal_due"] = _day(d["appeal_due"])


def appeal_filed(doc: Doc, pos: int, d: Payload) -> None:
    _party(doc, d)["decisions"][-1]["appeal"] = {
        "filed_on": _day(d["on"]),
        "text": d["text"],
        "decision_due": _day(d["decision_due"]),
        "outcome": None,
        "decided_on": None,
        "reason": None,
        "measures": None,
        "severity": None,
        "sanction": None,
        "overdue": None,
        "notice": None,
    }


def appeal_decided(doc: Doc, pos: int, d: Payload) -> None:
    decision = _party(doc, d)["decisions"][-1]
    appeal = decision["appeal"]
    outcome = d["outcome"]
    appeal.update(
        outcome=outcome, decided_on=_day(d["on"]), reason=d["reason"], overdue=bool(d["overdue"])
    )
    measures = d.get("measures")
    if outcome == REVOKED:
        decision["status"] = "revoked"
    elif measures is not None:
        decision["status"] = "modified"
        appeal.update(
            measures=list(measures["measures"]),
            severity=measures.get("severity"),
            sanction=measures.get("sanction") or "",
            other=measures.get("other") or "",
        )


def appeal_notified(doc: Doc, pos: int, d: Payload) -> None:
    _party(doc, d)["decisions"][-1]["appeal"]["notice"] = {
        "on": _day(d["on"]),
        "to": d["to"],
        "told": list(d["told"]),
        "overdue": bool(d["overdue"]),
    }


def referred(doc: Doc, pos: int, d: Payload) -> None:
    _party(doc, d)["referral"] = {"on": _day(d["on"]), "organ": d["organ"], "reason": d["reason"]}


def closed(doc: Doc, pos: int, d: Payload) -> None:
    doc.update(status="closed", closed_on=_day(d["on"]), close_summary=d["summary"])


def reopened(doc: Doc, pos: int, d: Payload) -> None:
    doc.setdefault("reopenings", []).append(
        {"on": _day(d["on"]), "reason": d["reason"], "closed_on": doc["closed_on"]}
    )
    doc.update(status="open", closed_on=None, close_summary=None)


FOLDS: dict[str, Fold] = {
    "Opened": opened,
    "ResponsibilityAssigned": assigned,
    "ObjectionRecorded": objection_recorded,
    "TeamResponsibilityAssigned": team_assigned,
    "DefenceHeard": defence_heard,
    "DecisionIssued": decision_issued,
    "DecisionAnnounced": announced,
    "PersonnelFileEntered": file_entered,
    "DecisionReceived": received,
    "AppealFiled": appeal_filed,
    "AppealDecided": appeal_decided,
    "ReferredToJudicialOrgan": referred,
    "Closed": closed,
    "FindingCorrected": finding_corrected,
    "AppealDecisionNotified": appeal_notified,
    "Reopened": reopened,
}
