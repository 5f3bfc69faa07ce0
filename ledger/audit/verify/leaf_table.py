"""The Merkle leaf table, merged with the events by notification id: every event has its
leaf (RFC 9162 §2.1.1, written in the event's own transaction), in log order, holding the hash
of the event as stored; a leaf without its event names a deletion."""

from __future__ import annotations

from collections.abc import Sequence
from operator import lt
from uuid import UUID

from ledger.audit.verify.audit import Audit, _event_where
from ledger.audit.verify.result import Check
from ledger.audit.verify.workers import _LeafStream
from ledger.i18n import _
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.tables import EventRow, LeafRow


class LeafTableChecks:
    """The leaf-table half of a verification run (:class:`ledger.audit.verify.run._Run`)."""

    audit: Audit
    _leaves: _LeafStream | None
    _leaf: LeafRow | None
    _next_leaf_index: int
    _last_leaf_nid: int

    def _leaves_match(self, start: int, rows: Sequence[EventRow], leaves: bytes) -> bool:
        """The common case, a batch at a time: the next stored leaves are numbered ``start``
        onwards, record these events' notification ids in order, and hold exactly the leaf
        hashes re-computed from the events. Consumes them if so."""
        leaf, stream = self._leaf, self._leaves
        n = len(rows)
        if leaf is None or stream is None or leaf[0] != start or leaf[1] != self._last_leaf_nid:
            return False
        rest = stream.peek(n - 1)
        if len(rest) != n - 1:
            return False
        indexes, nids, hashes = zip(leaf, *rest, strict=True)
        if (
            nids != next(zip(*rows, strict=True))
            or indexes != tuple(range(start, start + n))
            or b"".join(hashes) != leaves
            or not all(map(lt, nids, nids[1:]))
        ):
            return False
        stream.skip(n - 1)
        self._next_leaf_index = start + n
        self._last_leaf_nid = nids[-1]
        self._advance_leaf()
        return True

    def _advance_leaf(self) -> None:
        leaves = self._leaves
        self._leaf = leaves.next() if leaves is not None else None
        leaf = self._leaf
        if leaf is None:
            return
        index, nid = leaf[0], leaf[1]
        if index != self._next_leaf_index:
            first, last = self._next_leaf_index, index - 1
            self.audit.fail(
                Check.LEAF,
                (
                    _("Merkle leaves {first}..{last} are missing from the leaf table").format(
                        first=first, last=last
                    )
                    if last > first
                    else _("Merkle leaf {first} is missing from the leaf table").format(first=first)
                )
                if last >= first
                else _("Merkle leaf {index} is out of order in the leaf table").format(index=index),
                position=first,
            )
        self._next_leaf_index = index + 1
        if nid <= self._last_leaf_nid:
            self.audit.fail(
                Check.LEAF,
                _("Merkle leaf {index} records notification {nid}, out of log order").format(
                    index=index, nid=nid
                ),
                position=index,
                notification_id=nid,
            )
        self._last_leaf_nid = max(self._last_leaf_nid, nid)

    def _orphan(self, leaf: LeafRow) -> None:
        self.audit.fail(
            Check.LEAF,
            _(
                "Merkle leaf {value} records notification {value2}, which is no longer "
                "in the log: an event was deleted"
            ).format(value=leaf[0], value2=leaf[1]),
            position=leaf[0],
            notification_id=leaf[1],
        )

    def _match_leaf(
        self,
        position: int,
        nid: int,
        oid: UUID,
        version: int,
        topic: str,
        state: bytes,
        leaf_hash: bytes,
    ) -> None:
        while self._leaf is not None and self._leaf[1] < nid:
            self._orphan(self._leaf)
            self._advance_leaf()
        leaf = self._leaf
        if leaf is None or leaf[1] > nid:
            self.audit.fail(
                Check.LEAF,
                _("the event has no Merkle leaf: it was inserted outside the ledger"),
                **_event_where(position, nid, oid, version, topic),
            )
            return
        self._advance_leaf()
        expected = (
            leaf_hash
            if leaf[0] == position
            else event_leaf_hash(leaf[0], oid, version, topic, state)
        )
        if leaf[2] != expected:
            self.audit.fail(
                Check.LEAF,
                _(
                    "the stored event no longer matches its Merkle leaf {value}: its stored "
                    "bytes, row identity or place in the log were changed (altered, moved or "
                    "swapped)"
                ).format(value=leaf[0]),
                **_event_where(position, nid, oid, version, topic),
            )
