"""Which identifiers a ledger already holds, by their case fold (``ledger.domain.identifiers``).

A new case number, personnel number or unit code that differs from a recorded one only by
letter case is refused. The recorded ones are read once per process from the log (the
payloads of the events that created them, signed bytes read as stored) and then kept current
as this process creates more.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ledger.domain import identifiers, topics
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.unit import Unit
from ledger.signing.signatures import Envelope

if TYPE_CHECKING:
    from ledger.signed_application import SignedApplication

__all__ = ["Lookalikes"]

#: kind -> (the event that creates the record, the payload field holding its identifier)
CREATED_BY = {
    "case": (topics.event_topic(AccountabilityCase, "Opened"), "case_no"),
    "cadre": (topics.event_topic(Cadre, "Registered"), "personnel_no"),
    "unit": (topics.event_topic(Unit, "Registered"), "code"),
}
PAGE = 2_000


class Lookalikes:
    """Recorded identifiers by kind and fold, read from the log on first use."""

    def __init__(self, app: SignedApplication) -> None:
        self.app = app
        self._folds: dict[str, dict[str, str]] = {}

    def recorded(self, kind: str, identifier: str) -> str | None:
        """The recorded identifier of ``kind`` with the same fold, if any."""
        return self._index(kind).get(identifiers.fold(identifier))

    def all(self, kind: str) -> list[str]:
        """Every recorded identifier of ``kind`` (shell completion offers them)."""
        return list(self._index(kind).values())

    def add(self, kind: str, identifier: str) -> None:
        self._index(kind).setdefault(identifiers.fold(identifier), identifier)

    def _index(self, kind: str) -> dict[str, str]:
        index = self._folds.get(kind)
        if index is None:
            index = self._folds[kind] = self._read(kind)
        return index

    def _read(self, kind: str) -> dict[str, str]:
        topic, field = CREATED_BY[kind]
        found: dict[str, str] = {}
        start = 0
        recorder = self.app.recorder
        while page := recorder.select_notifications(
            start, PAGE, topics=[topic], inclusive_of_start=False
        ):
            for n in page:
                try:
                    value = json.loads(Envelope.parse(bytes(n.state)).payload).get(field)
                except (ValueError, AttributeError):
                    continue  # not readable here; `verify` reports the event
                if isinstance(value, str):
                    found.setdefault(identifiers.fold(value), value)
            start = page[-1].id
        return found
