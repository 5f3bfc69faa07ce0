"""The Ed25519 checks of one read, on worker threads, started as soon as the rows are read.

A read's time is mostly the signatures of the events it shows (about fifty for a cadre with
thirty events), and ``cryptography`` releases the GIL while it verifies. So the checks start
on two threads the moment the rows are read (for ``cadre history``, the person's events as
soon as the person index names them), while the main thread goes on with the rest of the
read: the checkpoint, the map path, the chain, the in-order pass. The read waits for every
result before anything is shown (:meth:`Signatures.statuses`).

Each check is :func:`ledger.audit.verify.check_rows`, as ``verify`` does it: the signature
over the exact stored bytes, by the key its id names. A result is remembered for the rest of
the read by the digest of the public key, the row's identity (aggregate id, version, topic)
and its whole stored state, so an event is checked once per read, and an event read again
with other bytes, or to be checked with another key, is checked again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ledger.audit.verify import check_rows
from ledger.audit.verify.workers import OK
from ledger.errors import LedgerError
from ledger.signing.signatures import key_id_of

#: (log position, aggregate id, version, topic, stored state) of one event.
Row = tuple[int, UUID, int, str, bytes]

#: A batch of events is checked in two halves, on two threads, from this many on.
SPLIT_FROM = 8
THREADS = 2
#: False: every check runs on the calling thread (a profiler then sees each one).
IN_THREADS = True
_POOL: list[ThreadPoolExecutor] = []
_OK = bytes([OK])


def _pool() -> ThreadPoolExecutor:
    """The verifying threads, started on first use and kept for the process (starting
    threads for each read would cost more than they save)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(THREADS, thread_name_prefix="lifeledger-verify"))
    return _POOL[0]


def seen_key(keys: Mapping[bytes, bytes], row: Row) -> bytes | None:
    """What the check of this row's signature by the key it names is remembered by: the
    public key, the row's identity and the digest of its whole stored state (None: no key
    has that id, so there is no signature to check)."""
    _unused, oid, version, topic, state = row
    raw = keys.get(state[4:12])
    if raw is None:
        return None
    return hashlib.sha256(
        b"".join((raw, oid.bytes, version.to_bytes(8, "big"), topic.encode(), state))
    ).digest()


def _codes(rows: Sequence[Row], keys: Mapping[bytes, bytes]) -> bytes:
    return check_rows(0, rows, keys)[1]


class Signatures:
    """The signature checks of one read: started early, waited for before anything is shown."""

    def __init__(self) -> None:
        #: Signatures this read has checked and found good, by :func:`seen_key`.
        self.good: set[bytes] = set()
        #: The status of those that were not.
        self._bad: dict[bytes, bytes] = {}
        self._started: set[bytes] = set()
        self._pending: list[tuple[list[bytes], Future[bytes]]] = []

    def start(self, rows: Sequence[Row], keys: Mapping[bytes, bytes]) -> None:
        """Start checking ``rows`` with ``keys`` (key id → raw public key) in the background;
        a row whose key id is not among ``keys`` is left for :meth:`statuses`."""
        todo: list[tuple[Row, bytes]] = []
        for row in rows:
            memo = seen_key(keys, row)
            if memo is not None and memo not in self.good and memo not in self._started:
                todo.append((row, memo))
        self._submit(todo, dict(keys))

    def statuses(
        self, rows: Sequence[Row], keys: Mapping[bytes, bytes]
    ) -> Callable[[], dict[int, bytes]]:
        """Start checking the rows that no check was started for yet; the function returned
        waits for every check and gives each row's status
        (:data:`ledger.audit.verify.workers.OK` or another code) by log position."""
        keys = dict(keys)
        unkeyed: list[Row] = []  # no key of that id: nothing to verify, read here
        memo_at: dict[int, bytes] = {}
        todo: list[tuple[Row, bytes]] = []
        for row in rows:
            memo = seen_key(keys, row)
            if memo is None:
                unkeyed.append(row)
                continue
            memo_at[row[0]] = memo
            if memo not in self.good and memo not in self._started:
                todo.append((row, memo))
        self._submit(todo, keys)

        def result() -> dict[int, bytes]:
            codes = _codes(unkeyed, keys) if unkeyed else b""
            found = {row[0]: codes[i : i + 1] for i, row in enumerate(unkeyed)}
            self._collect()
            for position, memo in memo_at.items():
                found[position] = _OK if memo in self.good else self._bad[memo]
            return found

        return result

    def _submit(self, todo: list[tuple[Row, bytes]], keys: dict[bytes, bytes]) -> None:
        if not todo:
            return
        half = (len(todo) + 1) // 2 if len(todo) >= SPLIT_FROM and IN_THREADS else len(todo)
        for i in range(0, len(todo), half):
            chunk = todo[i : i + half]
            rows = [row for row, _memo in chunk]
            if IN_THREADS:
                codes = _pool().submit(_codes, rows, keys)
            else:
                codes = Future()
                codes.set_result(_codes(rows, keys))
            memos = [memo for _row, memo in chunk]
            self._started.update(memos)
            self._pending.append((memos, codes))

    def _collect(self) -> None:
        """Wait for every check started, and remember each result."""
        pending, self._pending = self._pending, []
        for memos, codes in pending:
            for memo, code in zip(memos, codes.result(), strict=True):
                if code == OK:
                    self.good.add(memo)
                else:
                    self._bad[memo] = bytes([code])


def registry_public_keys(app: Any) -> dict[bytes, bytes]:
    """The public keys the application's key registry names, by key id: what to check the
    first events of a read with before the read has replayed the registry from its events.
    A check made with another key than the replay finds is made again; a registry that
    cannot be read here gives none (the read's own pass reports what is wrong with it)."""
    try:
        registered = list(app.registry().keys.values())
    except (LedgerError, PersistenceError):
        return {}
    found: dict[bytes, bytes] = {}
    for key in registered:
        try:
            raw = bytes.fromhex(key["public_key"])
        except (KeyError, TypeError, ValueError):
            continue
        found[key_id_of(raw)] = raw
    return found
