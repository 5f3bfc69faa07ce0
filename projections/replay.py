"""One case's state, or one cadre's career, replayed from its own events (read back by
aggregate id).

The views index cases (by number, by party, by year, by running legal period); the case
itself — parties, hearings, every decision with its announcement, file entry, receipt,
appeal and outcome — is folded from its events by the domain's one fold
(:func:`ledger.domain.case_state.apply`, the same the aggregate applies) into the typed
:class:`~ledger.domain.case_state.CaseState` every read takes; the API's values
(:mod:`projections.values`) and then JSON are made from it only at the output. A case's
events are few (tens per case) and read with one indexed look-up (:mod:`projections.log`),
and the case state is exactly as the log says, texts included.

Events are decoded without checking their signatures (that is the auditor's ``verify``).
A cadre's career (Art. 8:
every post, in order, and the retirement) is folded the same way from the cadre's own
events (a registration, a move or two, perhaps a retirement), so that transfers cost a
rebuild nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.domain.case_state import CaseState, apply
from ledger.signing.signatures import Envelope
from projections.codec import Unwrap, loads
from projections.event_dates import typed

Payload = dict[str, Any]
Row = dict[str, Any]


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
