"""The person index recomputed from the log (``verify``): every chain and the map root again from
the exact stored bytes, and the stored index rows compared with them.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.i18n import _
from ledger.transparency.person_index import CADRE, PERSON_EVENTS_TABLE, persons_named
from ledger.transparency.person_map import (
    EMPTY,
    ChainState,
    MemoryNodes,
    key_of,
)

if TYPE_CHECKING:
    pass


# recomputing from the log ---------------------------------------------------------------------
class IndexAudit:
    """Every person's chain and the map, recomputed from the log in one pass (``verify``).

    Fed each event in log order with its leaf hash as re-computed from the stored bytes;
    :meth:`root` at a checkpoint's size gives the map root that checkpoint must carry. The
    map is kept in memory and updated with the persons changed since the previous size.
    """

    def __init__(self) -> None:
        self.chains: dict[str, ChainState] = {}
        #: Per person, a digest of every (seq, leaf index, chain) row: the stored rows must give
        #: the same digest (verify compares without keeping every row in memory).
        self.digests: dict[str, bytes] = {}
        self.cadres: dict[UUID, str] = {}
        #: Per person, the position of the last event naming them.
        self.last: dict[str, int] = {}
        self.map = MemoryNodes()
        self._changed: set[str] = set()
        self.size = 0

    def feed(self, position: int, oid: UUID, topic: str, state: bytes, leaf: bytes) -> None:
        if topic.startswith(CADRE) and topic == CADRE + "Registered":
            found = persons_named(topic, oid, state, lambda _: None)
            if found:
                self.cadres.setdefault(oid, found[0])
        for no in persons_named(topic, oid, state, self.cadres.get):
            self._extend(no, position, leaf)
        self.size = position + 1

    def _extend(self, no: str, position: int, leaf: bytes) -> None:
        chain = self.chains.get(no) or ChainState(no)
        chain = chain.then(position, leaf)
        self.chains[no] = chain
        self.digests[no] = row_digest(
            self.digests.get(no, EMPTY), chain.count, position, chain.chain
        )
        self.last[no] = position
        self._changed.add(no)

    def root(self) -> bytes:
        """The map root over the chains fed so far."""
        if self._changed:
            self.map.apply({key_of(no): self.chains[no].value for no in self._changed})
            self._changed = set()
        return self.map.root


def row_digest(digest: bytes, seq: int, leaf_index: int, chain: bytes) -> bytes:
    return hashlib.sha256(digest + struct.pack(">QQ", seq, leaf_index) + chain).digest()


@dataclass(frozen=True)
class RowProblem:
    """A person whose stored index rows differ from the chain the log gives.

    ``reach`` is the last log position either side touches (a stored row's or an event's):
    a divergence of a person whose rows all lie before the first position where the log
    itself fails cannot follow from those failures.
    """

    personnel_no: str
    message: str
    reach: int


def audit_stored_rows(
    audit: IndexAudit,
    rows: Iterable[tuple[str, int, int, bytes]],
    log_size: int | None = None,
    table_name: str = PERSON_EVENTS_TABLE,
) -> list[RowProblem]:
    """Compare the stored index rows (by person and seq) with the recomputed chains; one
    problem per person whose rows differ, naming the person and what differs.

    With ``log_size``, a person whose stored rows point at positions the log no longer
    reaches is said to be so: events indexed when they were appended are gone from its end.
    """
    problems: list[RowProblem] = []
    seen: dict[str, tuple[int, bytes, int]] = {}
    beyond: dict[str, int] = {}
    for no, seq, index, chain in rows:
        count, digest, reach = seen.get(no, (0, EMPTY, -1))
        seen[no] = (count + 1, row_digest(digest, seq, index, chain), max(reach, index))
        if log_size is not None and index >= log_size:
            beyond[no] = beyond.get(no, 0) + 1
    table = (
        _("person index table {name}").format(name=table_name)
        if table_name == PERSON_EVENTS_TABLE
        else _("case index table {name}").format(name=table_name)
    )
    for no in sorted(set(seen) | set(audit.chains)):
        count, digest, stored_reach = seen.get(no, (0, EMPTY, -1))
        reach = max(stored_reach, audit.last.get(no, -1))
        expected = audit.chains.get(no)
        if no in beyond:
            message = _(
                "{table}: {no} has {n} stored row(s) at positions from {log_size} on, beyond "
                "the end of the log ({log_size} events): events indexed when they were appended "
                "are gone from its end (truncated or rolled back)"
            ).format(table=table, no=no, n=beyond[no], log_size=log_size)
        elif expected is None:
            message = (
                _(
                    "{table}: {no} has {count} stored rows, but no event in the log names "
                    "this person"
                )
                if table_name == PERSON_EVENTS_TABLE
                else _("{table}: {no} has {count} stored rows, but no event in the log lists it")
            ).format(table=table, no=no, count=count)
        elif count != expected.count:
            message = (
                _(
                    "{table}: {no} has {count} stored rows, the log has {expected} events "
                    "naming this person"
                )
                if table_name == PERSON_EVENTS_TABLE
                else _(
                    "{table}: {no} has {count} stored rows, the log has {expected} events listed"
                )
            ).format(table=table, no=no, count=count, expected=expected.count)
        elif digest != audit.digests[no]:
            message = _(
                "{table}: the rows of {no} differ from the log's (positions or chain values "
                "were edited)"
            ).format(table=table, no=no)
        else:
            continue
        problems.append(RowProblem(no, message, reach))
    return problems
