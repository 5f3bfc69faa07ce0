"""The cases a case-index key lists, checked against the root a signed checkpoint carries
(Art. 13, 14): ``unit rating``, ``report annual``, ``case list`` and ``deadlines`` compare the
cases they found through the read models with this set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger.errors import ProofError, TamperedEventError
from ledger.i18n import _
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.case_dates import (
    CaseDatesTables,
    dates_list,
    dates_root_of,
)
from ledger.transparency.case_index import case_root_of, subjects_named
from ledger.transparency.case_tables import CaseTables
from ledger.transparency.checkpoint import Checkpoint
from ledger.transparency.person_map import ChainState, key_of, prove
from ledger.transparency.person_record import _verify_note

__all__ = ["CaseSet", "case_set", "dated_set"]


@dataclass(frozen=True)
class CaseSet:
    """Every case a key lists, complete as of a checkpoint and read from the log after it.

    ``cases`` maps each case's aggregate id to the (log position, notification id) of the
    first event that lists it under the key. ``complete_as_of`` is the tree size of the signed
    checkpoint the index rows were checked against; None when no checkpoint carries the case
    index (a ledger whose checkpoints were signed before it, or none yet): then ``cases`` is
    empty and nothing was checked. ``checked_later`` events after the checkpoint list a case
    under the key, of ``later`` appended since.
    """

    key: str
    complete_as_of: int | None
    cases: dict[UUID, tuple[int, int]]
    checked_later: int = 0
    later: int = 0
    #: Stored checkpoints, when none carries the case index.
    unindexed_checkpoints: int = 0
    #: True for a key of the case-dates index (:mod:`ledger.transparency.case_dates`).
    dated: bool = False
    #: With ``keep``: every event listing each case under the key, as (notification id, log
    #: position, topic, stored state), in log order: a case's opening, or its closings and
    #: reopenings, for ``deadlines`` (:func:`ledger.transparency.case_dates.business_day`).
    events: dict[UUID, list[tuple[int, int, str, bytes]]] = field(default_factory=dict)


def _case_lists(key: str, topic: str, state: bytes) -> bool:
    return key in subjects_named(topic, state)


def _damaged(message: str, **where: Any) -> TamperedEventError:
    return TamperedEventError(
        _("{message}; run `lifeledger verify`").format(message=message), **where
    )


def dated_set(app: Any, key: str, keep: bool = False) -> CaseSet:
    """:func:`case_set` for a key of the case-dates index (``year:<YYYY>``, ``closings``);
    ``keep``: with every event listing each case."""
    return case_set(app, key, CaseDatesTables(app), dates_root_of, dates_list, keep)


def case_set(
    app: Any,
    key: str,
    tables: CaseTables | CaseDatesTables | None = None,
    root_of: Callable[[Checkpoint], bytes | None] = case_root_of,
    lists: Callable[[str, str, bytes], bool] | None = None,
    keep: bool = False,
) -> CaseSet:
    """The cases ``key`` lists, proven complete against the latest checkpoint carrying the
    case index (or, with ``tables``, ``root_of`` and ``lists``, another case map), and every
    event after it read from the log itself; ``keep``: with the events listing each case.

    1. The latest checkpoint's note signature is checked with the registry's admin keys; its
       case-index line gives the map root (none: the answer says completeness is not
       provable, and nothing else is read).
    2. The key's map path, read from the stored nodes, must lead to that root.
    3. The index rows before the checkpoint point at events whose leaves are re-hashed from
       the stored bytes; each must list the key, and folded in order they must give the
       committed (count, chain). The signatures are the reads' own check: they replay every
       case they show from its checked events.
    4. Every event after the checkpoint is read from the log, not from the index.

    A failure is a TamperedEventError naming the position and saying to run verify.
    """
    tables = tables or CaseTables(app)
    lists = lists or _case_lists
    dated = isinstance(tables, CaseDatesTables)
    kept: dict[UUID, list[tuple[int, int, str, bytes]]] = {}
    with tables.snapshot():
        ends = tables.first_and_latest()
        if ends is None:
            return CaseSet(key, None, {}, dated=dated)
        latest = ends[1]
        if not tables.carries(latest):
            unindexed = tables.first_indexed(ends[0])[1]
            return CaseSet(key, None, {}, unindexed_checkpoints=unindexed, dated=dated)
        size = latest.tree_size
        try:
            cp = Checkpoint.parse(latest.body())
            _verify_note(app, latest.note, cp.origin)
            root = root_of(cp)
        except ProofError as e:
            raise _damaged(
                _("checkpoint {size} does not hold: {e}").format(size=size, e=e), tree_size=size
            ) from e
        assert root is not None  # tables.carries(latest)
        found: dict[UUID, tuple[int, int]] = {}
        rows, events = tables.indexed_events(key, size)
        state = ChainState(key)
        for seq, index in rows:
            row = events.get(index)
            if seq != state.count + 1 or row is None:
                raise _damaged(
                    _(
                        "the case index of {key} has no entry {seq} holding an event (the "
                        "next row points at position {index}): a row was deleted or moved"
                    ).format(key=key, seq=state.count + 1, index=index),
                    position=index,
                )
            nid, oid, version, topic, stored = row
            if not lists(key, topic, stored):
                raise _damaged(
                    _(
                        "the event at position {index} does not list {key}, but the case index does"
                    ).format(index=index, key=key),
                    position=index,
                )
            state = state.then(index, event_leaf_hash(index, oid, version, topic, stored))
            found.setdefault(oid, (index, nid))
            if keep:
                kept.setdefault(oid, []).append((nid, index, topic, stored))
        try:
            proof, _leaf = prove(tables.reader(size), key_of(key))
            if proof.root_for(key_of(key), state.value if state.count else None) != root:
                raise ProofError(_("it leads to another root"))
        except ProofError as e:
            last = rows[-1][1] if rows else None
            raise _damaged(
                _(
                    "the case index of {key} ({count} events up to position {last}) does not "
                    "match the root signed in checkpoint {size}: {e}"
                ).format(key=key, count=state.count, last=last, size=size, e=e),
                position=last,
                tree_size=size,
            ) from None
        later = tables.events_from(size)
        for offset, (index, *_event) in enumerate(later):
            if index != size + offset:  # a closing or an opening removed from the log's end
                raise _damaged(
                    _(
                        "the log after checkpoint {size} has no event at position {position}: "
                        "an event was removed"
                    ).format(size=size, position=size + offset),
                    position=size + offset,
                    tree_size=size,
                )
        count_later = 0
        for index, nid, oid, _version, topic, stored in later:
            if lists(key, topic, stored):
                found.setdefault(oid, (index, nid))
                count_later += 1
                if keep:
                    kept.setdefault(oid, []).append((nid, index, topic, stored))
        return CaseSet(key, size, found, count_later, len(later), dated=dated, events=kept)
