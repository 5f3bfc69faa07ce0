"""The case index recomputed from the log (``verify``): every case-set and unit chain and the
map root again from the exact stored bytes, with the person index's audit machinery."""

from __future__ import annotations

from uuid import UUID

from ledger.transparency.case_index import subjects_named
from ledger.transparency.person_audit import IndexAudit

__all__ = ["CaseIndexAudit"]


class CaseIndexAudit(IndexAudit):
    """The case index's chains and map, refolded in log order (:func:`subjects_named`)."""

    def feed(self, position: int, oid: UUID, topic: str, state: bytes, leaf: bytes) -> None:
        for key in subjects_named(topic, state):
            self._extend(key, position, leaf)
        self.size = position + 1
