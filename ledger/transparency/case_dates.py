"""The case-dates index: which cases Art. 14 assigns to each year, and every closing and
reopening, committed in checkpoints (a third map beside the person and case indexes).

The case index (:mod:`ledger.transparency.case_index`) proves that every case has its
``proj_cases`` row; ``report annual`` and ``deadlines`` then choose cases through two more
read-model tables, ``proj_case_years`` (the years a case touches) and ``proj_decisions`` (the
decisions whose legal periods may be running). A row of either deleted with its census
counter lowered hid a case from the year's report or a running period from ``deadlines``
until ``verify`` ran. This index closes that:

- **Keys.** ``year:<YYYY>`` is extended by every case event that dates the case into that
  year by Art. 14's rule, the rule the read model applies (:data:`YEAR_FIELDS`: the opening,
  a finding, a decision and its announcement due day, an appeal and its decision due day, the
  appeal's decision, a referral, a closing or reopening); ``closings`` by every closing and
  reopening (Art. 12), so a reader knows which cases are open without folding them.
- **Chains, map, tables**: the person index's (:class:`CaseDatesTables`), in tables of their
  own, extended in the same transaction as the Merkle leaves.
- **Commitment.** Every new checkpoint carries ``lifeledger/case-dates/v1 <base64 root>``.
  Checkpoints signed before it keep every byte and root they had; ``verify`` checks this
  root only where a checkpoint carries it. A map of its own, not new keys in the case map, so
  that the case-index root of every existing checkpoint stays what it was.

Every date is read from the exact stored bytes (the due days are in the events: the write
path computed them), so the keys are a function of the signed log alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.domain import topics
from ledger.transparency.person_audit import IndexAudit
from ledger.transparency.person_index import (
    carries_index,
    extension_line,
    map_root_of,
    payload_of,
)
from ledger.transparency.person_tables import PersonTables

if TYPE_CHECKING:
    from ledger.transparency.checkpoint import Checkpoint
    from ledger.transparency.tables import StoredCheckpoint

__all__ = [
    "CLOSED",
    "CLOSINGS",
    "DATES_EVENTS_TABLE",
    "DATES_EXTENSION_PREFIX",
    "DATES_NODES_TABLE",
    "REOPENED",
    "YEAR_FIELDS",
    "CaseDatesAudit",
    "CaseDatesTables",
    "business_day",
    "carries_dates_index",
    "dates_extension_line",
    "dates_list",
    "dates_named",
    "dates_root_of",
    "year_key",
]

DATES_EVENTS_TABLE = "case_dates_events"
DATES_NODES_TABLE = "case_dates_nodes"
#: The checkpoint extension line: this prefix, then the base64 map root.
DATES_EXTENSION_PREFIX = "lifeledger/case-dates/v1 "
#: The key whose chain holds every closing and reopening of a case.
CLOSINGS = "closings"
CLOSED = topics.case_event("Closed")
REOPENED = topics.case_event("Reopened")

#: Art. 14: the dated fields of each case event that put the case into a year's report (a
#: field inside the decision document as ``document.<field>``). The read model's year index
#: (``projections.handlers``) indexes the same fields; a test holds the two together.
YEAR_FIELDS: dict[str, tuple[str, ...]] = {
    topics.case_event(name): fields
    for name, fields in (
        ("Opened", ("opened_on",)),
        ("ResponsibilityAssigned", ("on",)),
        ("TeamResponsibilityAssigned", ("on",)),
        ("DecisionIssued", ("document.decided_on", "announce_due")),
        ("AppealFiled", ("on", "decision_due")),
        ("AppealDecided", ("on",)),
        ("ReferredToJudicialOrgan", ("on",)),
        ("Closed", ("on",)),
        ("Reopened", ("on",)),
    )
}


def year_key(year: int) -> str:
    """The key whose chain holds every case event dating its case into ``year`` (Art. 14)."""
    return f"year:{year:04d}"


def _day(payload: dict[str, Any], field: str) -> str | None:
    """The ISO text of a dated field as the JSON transcoder stored it, or None."""
    value: Any = payload
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict) and value.get("_type_") == "date_iso":
        text = value.get("_data_")
        if isinstance(text, str) and len(text) >= 4 and text[:4].isdigit():
            return text
    return None


def dates_named(topic: str, state: bytes) -> tuple[str, ...]:
    """The case-dates keys an event extends, in a fixed order, each once: ``year:<YYYY>`` of
    each of its Art. 14 dates (:data:`YEAR_FIELDS`), then ``closings`` for a closing or a
    reopening."""
    fields = YEAR_FIELDS.get(topic)
    if fields is None:
        return ()
    payload = payload_of(state)
    if payload is None:
        return ()
    keys: list[str] = []
    for field in fields:
        day = _day(payload, field)
        if day is not None and (key := year_key(int(day[:4]))) not in keys:
            keys.append(key)
    if topic in (CLOSED, REOPENED):
        keys.append(CLOSINGS)
    return tuple(keys)


#: How the JSON transcoder writes a top-level ``on`` or ``opened_on`` date: the marker, then
#: the ten characters of the ISO date and ``"}``.
_MARKERS = (b'"on":{"_type_":"date_iso","_data_":"', b'"opened_on":{"_type_":"date_iso","_data_":"')


def business_day(state: bytes) -> str | None:
    """The business date of an opening (``opened_on``), a closing or a reopening (``on``) as
    ISO text, from its stored bytes.

    ``deadlines`` asks it for every closing and opening of the log, so the date is found in
    the bytes as the transcoder writes it, without parsing the payload, where that is
    unambiguous: the marker's quotes cannot occur unescaped inside a JSON string, and it must
    occur exactly once. Otherwise the payload is parsed."""
    for marker in _MARKERS:
        at = state.find(marker)
        if at >= 0 and state.find(marker, at + 1) < 0:
            start = at + len(marker)
            text = state[start : start + 12]
            if len(text) == 12 and text[10:] == b'"}' and _iso(text[:10]):
                return text[:10].decode()
    payload = payload_of(state)
    if payload is None:
        return None
    return _day(payload, "on") or _day(payload, "opened_on")


def _iso(text: bytes) -> bool:
    return (
        text[4:5] == b"-"
        and text[7:8] == b"-"
        and text[:4].isdigit()
        and text[5:7].isdigit()
        and text[8:].isdigit()
    )


def dates_list(key: str, topic: str, state: bytes) -> bool:
    """Whether an event lists ``key`` (:func:`dates_named`); for ``closings``, by its topic
    alone (a reader checks the rows before a checkpoint against the chain it signed, which
    commits each event's exact bytes)."""
    if key == CLOSINGS:
        return topic in (CLOSED, REOPENED)
    return key in dates_named(topic, state)


def named_rows(
    events: list[tuple[int, UUID, str, bytes, bytes]],
) -> list[tuple[int, tuple[str, ...], bytes]]:
    """(leaf index, keys named, leaf hash) of new events given as (leaf index, aggregate id,
    topic, stored state, leaf hash): the input of
    :func:`ledger.transparency.person_index.extend_chains`."""
    return [
        (index, dates_named(topic, state), leaf)
        for index, _, topic, state, leaf in events
        if topic in YEAR_FIELDS
    ]


def dates_root_of(checkpoint: Checkpoint) -> bytes | None:
    """The case-dates root a checkpoint carries, or None if it was signed without one."""
    return map_root_of(checkpoint, DATES_EXTENSION_PREFIX)


def carries_dates_index(stored: StoredCheckpoint) -> bool:
    return carries_index(stored, DATES_EXTENSION_PREFIX)


def dates_extension_line(root: bytes) -> str:
    return extension_line(root, DATES_EXTENSION_PREFIX)


class CaseDatesTables(PersonTables):
    """The case-dates index's chain rows and map nodes (both stores)."""

    events_table = DATES_EVENTS_TABLE
    nodes_table = DATES_NODES_TABLE
    key_column = "subject"
    first_topic = topics.case_event("Opened")

    def carries(self, stored: StoredCheckpoint) -> bool:
        return carries_dates_index(stored)

    def named(
        self, index: int, oid: UUID, topic: str, state: bytes, cadres: dict[UUID, str]
    ) -> tuple[str, ...]:
        return dates_named(topic, state)


class CaseDatesAudit(IndexAudit):
    """The case-dates chains and map, refolded in log order (:func:`dates_named`)."""

    def feed(self, position: int, oid: UUID, topic: str, state: bytes, leaf: bytes) -> None:
        for key in dates_named(topic, state):
            self._extend(key, position, leaf)
        self.size = position + 1
