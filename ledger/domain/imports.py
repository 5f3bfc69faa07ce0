"""The record that an import line was applied: its idempotency key, in the signed log.

``lifeledger import`` records, in the same transaction as a line's own events, one
:class:`ImportedLine` whose id derives from the line's key (an explicit ``id`` field, or the
digest of the canonical line). Running the file again skips every line whose record is in the
log and applies exactly the rest. The record is an event like any other: signed by the
importer's key and a leaf of the Merkle tree, so deleting it (to have a line applied twice) or
forging it (to have a line skipped) is found by ``verify``, unlike a side table.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.domain.ids import NAMESPACE

__all__ = ["ImportedLine", "imported_line_id"]


def imported_line_id(key: str) -> UUID:
    """The aggregate id of the record of the line with idempotency key ``key``."""
    return uuid5(NAMESPACE, f"import/{key}")


class ImportedLine(Aggregate):
    """One applied import line: its key and the command it ran."""

    @staticmethod
    def create_id(key: str, **_: Any) -> UUID:
        return imported_line_id(key)

    @event("Applied")
    def __init__(self, key: str, command: str) -> None:
        self.key = key
        self.command = command
