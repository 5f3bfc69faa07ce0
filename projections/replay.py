"""One case's state, or one cadre's career, replayed from its own events (read back by
aggregate id).

The views index cases (by number, by party, by year, by running legal period); the case
itself — parties, hearings, every decision with its announcement, file entry, receipt,
appeal and outcome — is folded from its events by the domain's one fold
(:func:`ledger.domain.case_state.apply`, the same the aggregate applies), and shown here as
plain data. A case's events are few (tens per case) and read with one indexed look-up
(:mod:`projections.log`). This keeps a rebuild close to the speed
of reading the log, and the case state exactly as the log says, texts included.

Events are decoded without checking their signatures (that is the auditor's ``verify``).
The document is plain data: ISO date strings, lists and dicts. A cadre's career (Art. 8:
every post, in order, and the retirement) is folded the same way from the cadre's own
events (a registration, a move or two, perhaps a retirement), so that transfers cost a
rebuild nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ledger.domain.case_state import (
    Appeal,
    CaseState,
    Decision,
    Notice,
    Party,
    apply,
)
from ledger.signing.signatures import Envelope
from projections.codec import Unwrap, loads
from projections.event_dates import typed

Payload = dict[str, Any]
Row = dict[str, Any]
Doc = dict[str, Any]


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


def state(events: Sequence[CaseEvent]) -> CaseState | None:
    """The case's state after its events, in order, by the domain's one fold."""
    case: CaseState | None = None
    for e in events:
        case = apply(case, e.event, typed(e.event, e.payload), e.position)
    return case


def fold(events: Sequence[CaseEvent]) -> Doc:
    """The case's state after its events, as plain data, with the log positions it rests on."""
    case = state(events)
    doc: Doc = {} if case is None else case_doc(case)
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


def _day(marker: Any) -> str:
    return str(marker["_data_"])


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _notice(notice: Notice | None) -> Row | None:
    if notice is None:
        return None
    told = None if notice.told is None else list(notice.told)
    return {"on": notice.on.isoformat(), "to": notice.to, "told": told, "overdue": notice.overdue}


def _appeal(a: Appeal | None) -> Row | None:
    if a is None:
        return None
    row: Row = {
        "filed_on": a.filed_on.isoformat(),
        "text": a.text,
        "decision_due": a.decision_due.isoformat(),
        "outcome": a.outcome,
        "decided_on": _iso(a.decided_on),
        "reason": a.reason,
        "measures": None if a.measures is None else list(a.measures),
        "severity": a.severity,
        "sanction": a.sanction,
        "overdue": a.overdue,
        "notice": _notice(a.notice),
    }
    if a.measures is not None:
        row["other"] = a.other
    return row


def _decision(d: Decision) -> Row:
    entry = d.file_entry
    return {
        "seq": d.seq,
        "position": d.position,
        "person": d.person,
        "number": d.number,
        "decided_on": d.decided_on.isoformat(),
        "facts": d.facts,
        "basis": d.basis,
        "measures": list(d.measures),
        "severity": d.severity,
        "sanction": d.sanction,
        "other": d.other,
        "approving_authority": d.approving_authority,
        "effective_date": _iso(d.effective_date),
        "appeal_period_days": d.appeal_period_days,
        "appeal_authority": d.appeal_authority,
        "deciding_authority": d.deciding_authority,
        "status": d.status,
        "announce_due": d.announce_due.isoformat(),
        "announcement": _notice(d.announcement),
        "file_entry": entry
        and {"on": entry.on.isoformat(), "file_ref": entry.file_ref, "custodian": entry.custodian},
        "received_on": _iso(d.received_on),
        "appeal_due": _iso(d.appeal_due),
        "appeal": _appeal(d.appeal),
    }


def _party(p: Party) -> Row:
    referral = p.referral
    return {
        "party_type": p.party_type,
        "code": p.code,
        "responsibility": p.responsibility,
        "team_role": p.team_role,
        "team_unit": p.team_unit,
        "individual_decision": p.individual_decision,
        "assigned_on": p.assigned_on.isoformat(),
        "assigned_at": p.assigned_at,
        "hearings": [day.isoformat() for day in p.hearings],
        "decisions": [_decision(d) for d in p.decisions],
        "referral": referral
        and {"on": referral.on.isoformat(), "organ": referral.organ, "reason": referral.reason},
        "corrections": [
            {"on": c.on.isoformat(), "from": c.previous, "reason": c.reason} for c in p.corrections
        ],
    }


def case_doc(case: CaseState) -> Doc:
    """The case state as plain data (ISO date strings, lists and dicts) for the read side."""
    doc: Doc = {
        "case_no": case.case_no,
        "incident_date": case.incident_date.isoformat(),
        "grounds": list(case.grounds),
        "other_regulation": case.other_regulation,
        "facts": case.facts,
        "results": case.results,
        "consequence": case.consequence,
        "lifetime": case.lifetime,
        "opening_authority": case.opening_authority,
        "opened_on": case.opened_on.isoformat(),
        "opened_at": case.opened_at,
        "status": case.status,
        "closed_on": _iso(case.closed_on),
        "close_summary": case.close_summary,
        "parties": {key: _party(p) for key, p in case.parties.items()},
        "objections": {
            no: {"on": o.on.isoformat(), "text": o.text, "at_hearing": o.at_hearing}
            for no, o in case.objections.items()
        },
    }
    if case.reopenings:
        doc["reopenings"] = [
            {"on": r.on.isoformat(), "reason": r.reason, "closed_on": _iso(r.closed_on)}
            for r in case.reopenings
        ]
    return doc
