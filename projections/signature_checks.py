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
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ledger.audit.verify import check_rows
from ledger.audit.verify.sources import registry_keys
from ledger.audit.verify.workers import OK
from ledger.errors import LedgerError
from ledger.signing.signatures import key_id_of

#: (log position, aggregate id, version, topic, stored state) of one event.
Row = tuple[int, UUID, int, str, bytes]

#: Rows a thread takes from the queue at a time.
CHUNK = 4
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


class Signatures:
    """The signature checks of one read: started early, waited for before anything is shown.

    Rows to check wait in a queue, a few at a time; the verifying threads take from it as
    soon as rows are started, and when the read needs the results the calling thread takes
    what is left too (so a read never waits for a thread that the machine is slow to run),
    then waits only for the few rows still being checked.
    """

    def __init__(self) -> None:
        #: Signatures this read has checked and found good, by :func:`seen_key`.
        self.good: set[bytes] = set()
        #: The status of those that were not.
        self._bad: dict[bytes, bytes] = {}
        self._started: set[bytes] = set()
        self._queue: deque[tuple[list[Row], list[bytes], dict[bytes, bytes]]] = deque()
        self._helpers: list[Future[None]] = []

    def start(self, rows: Sequence[Row], keys: Mapping[bytes, bytes]) -> None:
        """Start checking ``rows`` with ``keys`` (key id → raw public key) in the background;
        a row whose key id is not among ``keys`` is left for :meth:`statuses`."""
        todo: list[tuple[Row, bytes]] = []
        for row in rows:
            memo = seen_key(keys, row)
            if memo is not None and memo not in self.good and memo not in self._started:
                todo.append((row, memo))
        self._enqueue(todo, dict(keys), THREADS)

    def statuses(
        self, rows: Sequence[Row], keys: Mapping[bytes, bytes]
    ) -> Callable[[], dict[int, bytes]]:
        """Start checking the rows that no check was started for yet; the function returned
        checks what is still queued, waits for every check and gives each row's status
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
        self._enqueue(todo, keys, THREADS - 1)  # this thread checks too, when it waits

        def result() -> dict[int, bytes]:
            codes = check_rows(0, unkeyed, keys)[1] if unkeyed else b""
            found = {row[0]: codes[i : i + 1] for i, row in enumerate(unkeyed)}
            self._drain()
            for helper in self._helpers:
                helper.result()
            for position, memo in memo_at.items():
                found[position] = _OK if memo in self.good else self._bad[memo]
            return found

        return result

    def _enqueue(
        self, todo: list[tuple[Row, bytes]], keys: dict[bytes, bytes], helpers: int
    ) -> None:
        """Queue the rows a few at a time, and have up to ``helpers`` threads checking them."""
        for i in range(0, len(todo), CHUNK):
            chunk = todo[i : i + CHUNK]
            memos = [memo for _row, memo in chunk]
            self._started.update(memos)
            self._queue.append(([row for row, _memo in chunk], memos, keys))
        if not todo or not IN_THREADS:
            return
        self._helpers = [h for h in self._helpers if not h.done()]
        for _unused in range(min(helpers, -(-len(todo) // CHUNK)) - len(self._helpers)):
            self._helpers.append(_pool().submit(self._drain))

    def _drain(self) -> None:
        """Check queued rows until none is left (on any thread: each row is taken once)."""
        queue, good, bad = self._queue, self.good, self._bad
        while True:
            try:
                rows, memos, keys = queue.popleft()
            except IndexError:
                return
            for memo, code in zip(memos, check_rows(0, rows, keys)[1], strict=True):
                if code == OK:
                    good.add(memo)
                else:
                    bad[memo] = bytes([code])


def registry_hints(states: list[bytes]) -> dict[bytes, bytes]:
    """The keys the key registry's stored events name, by key id
    (:func:`ledger.audit.verify.sources.registry_keys`: which key to check each event with;
    whether it could sign there is the in-order pass's to judge). Remembered by the digest of
    the exact stored bytes: every read replays the same registry."""
    digest = hashlib.sha256(b"".join(len(s).to_bytes(8, "big") + s for s in states)).digest()
    found = _HINTS.get(digest)
    if found is None:
        found = registry_keys(states)
        if len(_HINTS) >= 16:
            _HINTS.clear()
        _HINTS[digest] = found
    _LATEST[:] = [found]
    return dict(found)


_HINTS: dict[bytes, dict[bytes, bytes]] = {}
#: The keys the latest read in this process found (to start the next read's checks with).
_LATEST: list[dict[bytes, bytes]] = []


def early_keys(app: Any) -> dict[bytes, bytes]:
    """What to check a read's first events with before the read has replayed the key
    registry from its events: the keys the latest read in this process found, else those the
    application's registry names. A check made with another key than the replay finds is
    made again; a registry that cannot be read here gives none (the read's own pass reports
    what is wrong with it)."""
    if _LATEST:
        return dict(_LATEST[0])
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
