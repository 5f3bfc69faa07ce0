"""The case index: which cases exist, and which cases name a unit, committed in checkpoints.

The reads that enumerate cases (``unit rating`` for Art. 13, ``report annual`` for Art. 14,
``case list``, ``deadlines``) find them through read-model tables, which an insider with
write access to the store can edit without any key: a deleted ``proj_cases`` or
``proj_case_parties`` row, with its census counter adjusted, hides a case. The person index
(:mod:`ledger.transparency.person_index`) closes that gap for a cadre's history; this index
closes it for the case set, the same way:

- **Keys.** ``cases`` is extended by every case's opening event (so its chain lists the
  opening position of every case, in log order); ``unit:<code>`` by every case event naming
  the unit as a party (Art. 5, 7: a unit held accountable).
- **Chains and map.** The person map's chain (``vk = SHA-256(0x02 ‖ vk-1 ‖ u64 leaf index ‖
  leaf hash)``) and sparse Merkle map (:mod:`ledger.transparency.person_map`), in tables of
  their own (:data:`CASE_EVENTS_TABLE`, :data:`CASE_NODES_TABLE`), extended in the same
  transaction as the Merkle leaves (:mod:`ledger.storage.recorders`).
- **Commitment.** Every new checkpoint carries the map root as a second extension line,
  ``lifeledger/case-index/v1 <base64 root>``. Checkpoints signed before it are left as they
  are: the person-index root and every stored byte are unchanged.

What an event names is read from the exact stored bytes by :func:`subjects_named`, by the
recorder when it writes and by ``verify`` when it recomputes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from ledger.domain import topics
from ledger.transparency.person_index import (
    CASE_TOPICS,
    carries_index,
    extension_line,
    map_root_of,
    payload_of,
)

if TYPE_CHECKING:
    from ledger.transparency.checkpoint import Checkpoint
    from ledger.transparency.tables import StoredCheckpoint

__all__ = [
    "ALL_CASES",
    "CASE_EVENTS_TABLE",
    "CASE_EXTENSION_PREFIX",
    "CASE_NODES_TABLE",
    "OPENED",
    "carries_case_index",
    "case_extension_line",
    "case_root_of",
    "subjects_named",
    "unit_key",
]

CASE_EVENTS_TABLE = "case_index_events"
CASE_NODES_TABLE = "case_index_nodes"
#: The checkpoint extension line: this prefix, then the base64 map root.
CASE_EXTENSION_PREFIX = "lifeledger/case-index/v1 "
#: The key whose chain holds every case's opening event.
ALL_CASES = "cases"
OPENED = topics.case_event("Opened")


def unit_key(code: str) -> str:
    """The key whose chain holds every case event naming the unit as a party."""
    return "unit:" + code


def subjects_named(topic: str, state: bytes) -> tuple[str, ...]:
    """The case-index keys an event extends: ``cases`` for a case's opening, ``unit:<code>``
    for a case event whose ``party_type`` is unit (Art. 5, 7)."""
    if topic == OPENED:
        return (ALL_CASES,)
    if topic not in CASE_TOPICS:
        return ()
    payload = payload_of(state)
    if payload is None or payload.get("party_type") != "unit":
        return ()
    code = payload.get("party_code")
    return (unit_key(code),) if isinstance(code, str) else ()


def named_rows(
    events: list[tuple[int, UUID, str, bytes, bytes]],
) -> list[tuple[int, tuple[str, ...], bytes]]:
    """(leaf index, keys named, leaf hash) of new events given as (leaf index, aggregate id,
    topic, stored state, leaf hash): the input of
    :func:`ledger.transparency.person_index.extend_chains`."""
    return [(index, subjects_named(topic, state), leaf) for index, _, topic, state, leaf in events]


def case_root_of(checkpoint: Checkpoint) -> bytes | None:
    """The case-index root a checkpoint carries, or None if it was signed without one."""
    return map_root_of(checkpoint, CASE_EXTENSION_PREFIX)


def carries_case_index(stored: StoredCheckpoint) -> bool:
    return carries_index(stored, CASE_EXTENSION_PREFIX)


def case_extension_line(root: bytes) -> str:
    return extension_line(root, CASE_EXTENSION_PREFIX)
