"""The case index's tables (Art. 13, 14): the person index's machinery on tables of its own.

The chain rows, the versioned map nodes, the rebuild of an older ledger's index from the
whole log, and the incremental map root at a checkpoint are those of
:class:`ledger.transparency.person_tables.PersonTables`; only the tables, the key column, the
extension line and the rule of what an event names differ
(:mod:`ledger.transparency.case_index`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from ledger.transparency.case_index import (
    CASE_EVENTS_TABLE,
    CASE_NODES_TABLE,
    OPENED,
    carries_case_index,
    subjects_named,
)
from ledger.transparency.person_tables import PersonTables

if TYPE_CHECKING:
    from ledger.transparency.tables import StoredCheckpoint

__all__ = ["CaseTables"]


class CaseTables(PersonTables):
    """The case index's chain rows and map nodes (both stores)."""

    events_table = CASE_EVENTS_TABLE
    nodes_table = CASE_NODES_TABLE
    key_column = "subject"
    first_topic = OPENED

    def carries(self, stored: StoredCheckpoint) -> bool:
        return carries_case_index(stored)

    def named(
        self, index: int, oid: UUID, topic: str, state: bytes, cadres: dict[UUID, str]
    ) -> tuple[str, ...]:
        return subjects_named(topic, state)
