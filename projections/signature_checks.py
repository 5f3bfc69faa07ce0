"""The Ed25519 checks of one read, shared between the reading thread and a verifying thread.

A read's time is mostly the signatures of the events it shows (about fifty for a cadre with
thirty events), and libsodium (:mod:`ledger.signing.ed25519`, called through cffi) runs without
the GIL while it verifies. The rows are cut into chunks of :data:`CHUNK`: a verifying thread
(a pool kept for the process: starting threads for each read would cost more than they save)
takes chunks as soon as the rows are handed over, and the reading thread takes the chunks left
when it needs the results. It then waits at most :data:`PATIENCE` for the chunk the other
thread is on, and checks it itself if that thread is late: a read is never held up by a thread
the machine has not scheduled. Between two signatures the
verifying thread needs the GIL for a few microseconds of Python, so while the reading thread
runs Python of its own the other advances only when it lets go of the GIL (in SQLite, in
libsodium, waiting): checks begun ahead (:meth:`Signatures.ahead`) overlap the reading
thread's SQL, not its Python.

Each check is :func:`ledger.audit.verify.signature_codes`, as ``verify`` does it (its
:func:`~ledger.audit.verify.check_rows` without the leaf hashes a read does not use): the
signature over the exact stored bytes, by the key its id names. A good result is remembered for
the rest of the read by the public key, the row's identity (aggregate id, version, topic) and
its exact stored state (the values themselves, compared in full on a match), so an event is
checked once per read, and an event read again with other bytes, or to be checked with
another key, is checked again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

from ledger.audit.verify import signature_codes
from ledger.audit.verify.sources import registry_keys
from ledger.audit.verify.workers import OK, ROW_ERROR
from ledger.errors import LedgerError
from ledger.signing.signatures import key_id_of

#: (log position, aggregate id, version, topic, stored state) of one event.
Row = tuple[int, UUID, int, str, bytes]
#: What a good check is remembered by within a read: (public key, aggregate id as an
#: integer, version, topic, stored state).
Seen = tuple[bytes, int, int, str, bytes]

#: A verifying thread helps from this many rows to check on.
PARALLEL_FROM = 8
#: Threads that check at once, the reading thread included.
THREADS = 2
#: Rows a thread takes at a time (about a tenth of a millisecond of libsodium: the most the
#: reading thread waits for the other once it has taken every chunk left).
CHUNK = 2
#: How long the reading thread waits for the chunks the verifying thread took, once none is
#: left to take, before it checks them itself (seconds: about two chunks of libsodium).
PATIENCE = 0.0003
#: False: every check runs on the calling thread (a profiler then sees each one).
IN_THREADS = True
_POOL: list[ThreadPoolExecutor] = []
_OK = bytes([OK])


def _pool() -> ThreadPoolExecutor:
    """The verifying threads, started on first use and kept for the process (starting
    threads for each read would cost more than they save)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(THREADS - 1, thread_name_prefix="lifeledger-verify"))
    return _POOL[0]


def seen_key(keys: Mapping[bytes, bytes], row: Row) -> Seen | None:
    """What the check of this row's signature by the key it names is remembered by: the
    public key, the row's identity and its exact stored state (None: no key has that id, so
    there is no signature to check)."""
    _unused, oid, version, topic, state = row
    raw = keys.get(state[4:12])
    if raw is None:
        return None
    return (raw, oid.int, version, topic, state)


class Pending:
    """Signature checks under way: chunks of rows that the reading thread and a verifying
    thread take in turn (:meth:`codes` takes the rest, then waits a little for those the
    other took). A verifying thread is called from :data:`PARALLEL_FROM` rows on, or for any
    number of rows checked ``ahead`` (while the reading thread does other work)."""

    def __init__(self, rows: Sequence[Row], keys: Mapping[bytes, bytes], ahead: bool) -> None:
        self.keys = keys
        parallel = IN_THREADS and THREADS > 1 and (ahead or len(rows) >= PARALLEL_FROM)
        size = CHUNK if parallel else max(len(rows), 1)
        self.chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        self.results: list[bytes | None] = [None] * len(self.chunks)
        self._next = 0
        self._lock = threading.Lock()
        #: Released once for each chunk a verifying thread finished (or gave up on).
        self._done = threading.Semaphore(0)
        if parallel and self.chunks and (ahead or len(self.chunks) > 1):
            for _ in range(THREADS - 1):
                _pool().submit(self._help)

    def _take(self) -> int | None:
        with self._lock:
            i = self._next
            if i >= len(self.chunks):
                return None
            self._next = i + 1
            return i

    def _check(self, i: int) -> None:
        self.results[i] = signature_codes(self.chunks[i], self.keys)

    def _help(self) -> None:
        while (i := self._take()) is not None:
            try:
                self._check(i)
            except BaseException:  # pragma: no cover - signature_codes catches each row's error
                pass  # left None: the reading thread checks it again
            finally:
                self._done.release()

    def codes(self) -> bytes:
        """Each row's status code, in the rows' order. The calling thread checks what no
        thread has taken yet, waits up to :data:`PATIENCE` for the chunks the other took,
        then checks those itself (a verifying thread the machine has not scheduled, or that
        waits for the GIL, does not hold the read up: the check is pure, both give the same
        answer, and the slower one's is not waited for)."""
        while (i := self._take()) is not None:
            self._check(i)
        results = self.results
        missing = [i for i, found in enumerate(results) if found is None]
        deadline = time.monotonic() + PATIENCE
        while missing:
            left = deadline - time.monotonic()
            if left <= 0 or not self._done.acquire(timeout=left):
                break
            missing = [i for i in missing if results[i] is None]
        for i in missing:
            if results[i] is None:
                self._check(i)
        codes = b"".join(r or b"" for r in self.results)
        n = sum(len(c) for c in self.chunks)
        return codes if len(codes) == n else bytes([ROW_ERROR]) * n


class Signatures:
    """The signature checks of one read (a read may check several sets of records)."""

    def __init__(self) -> None:
        #: Signatures this read has checked and found good, by :func:`seen_key`.
        self.good: set[Seen] = set()
        #: Checks begun ahead (:meth:`ahead`) whose results are not in :attr:`good` yet.
        self._ahead: list[Statuses] = []

    def start(self, rows: Sequence[Row], keys: Mapping[bytes, bytes]) -> Statuses:
        """Start checking each row's signature by the key its id names among ``keys`` (key
        id → raw public key); :meth:`Statuses.result` gives the statuses. Those this read
        already found good (the checks begun ahead included: they are finished first) are
        not checked again; from :data:`PARALLEL_FROM` rows on, a verifying thread starts on
        them at once, so the caller may do other work first."""
        self.settle()
        return Statuses(self, rows, keys)

    def ahead(self, rows: Sequence[Row], keys: Mapping[bytes, bytes]) -> None:
        """Begin checking rows that a later :meth:`start` of this read will be handed (with
        the keys it will have, or others: a check counts only for the key it was made with),
        so that a verifying thread works on them while this one does something else."""
        self._ahead.append(Statuses(self, rows, keys, ahead=True))

    def settle(self) -> None:
        """Finish the checks begun ahead (this thread takes what is left of them)."""
        while self._ahead:
            self._ahead.pop(0).result()

    def statuses(self, rows: Sequence[Row], keys: Mapping[bytes, bytes]) -> dict[int, bytes]:
        """Each row's signature status by the key its id names among ``keys``, by log
        position: :data:`ledger.audit.verify.workers.OK` or another code of
        :func:`ledger.audit.verify.signature_codes` (:meth:`start`, then its result)."""
        return self.start(rows, keys).result()


class Statuses:
    """The signature checks of a set of rows, started (:meth:`Signatures.start`)."""

    def __init__(
        self,
        owner: Signatures,
        rows: Sequence[Row],
        keys: Mapping[bytes, bytes],
        ahead: bool = False,
    ) -> None:
        self.owner = owner
        self.found: dict[int, bytes] = {}
        self.todo: list[Row] = []
        self.memos: list[Seen | None] = []
        good = owner.good
        for row in rows:
            memo = seen_key(keys, row)
            if memo is not None and memo in good:
                self.found[row[0]] = _OK
            else:
                self.todo.append(row)
                self.memos.append(memo)
        self.pending = Pending(self.todo, keys, ahead) if self.todo else None

    def result(self) -> dict[int, bytes]:
        """Each row's status, by log position (checks what is left, on this thread)."""
        found = self.found
        if self.pending is None:
            return found
        codes = self.pending.codes()
        self.pending = None
        good = self.owner.good
        for i, row in enumerate(self.todo):
            found[row[0]] = codes[i : i + 1]
            memo = self.memos[i]
            if codes[i] == OK and memo is not None:
                good.add(memo)
        return found


def application_keys(app: Any) -> dict[bytes, bytes]:
    """The keys the application's key registry names, by key id (key id → raw public key):
    which key to check an event with before the read has replayed the registry from the log
    (none if the store holds no registry). A check made with one of them counts for the read
    only if the registry replayed from the log names the same key for that id."""
    try:
        stored = app.registry().keys.values()
    except LedgerError:
        return {}
    found: dict[bytes, bytes] = {}
    for key in stored:
        try:
            raw = bytes.fromhex(key["public_key"])
        except (KeyError, TypeError, ValueError):
            continue  # a hint less: the read's own pass checks that key's events
        found[key_id_of(raw)] = raw
    return found


def registry_hints(states: list[bytes]) -> dict[bytes, bytes]:
    """The keys the key registry's stored events name, by key id
    (:func:`ledger.audit.verify.sources.registry_keys`: which key to check each event with;
    whether it could sign there is the in-order pass's to judge). Remembered by the exact
    stored bytes (compared in full): every read replays the same registry."""
    exact = tuple(states)
    found = _HINTS.get(exact)
    if found is None:
        found = registry_keys(states)
        if len(_HINTS) >= 16:
            _HINTS.clear()
        _HINTS[exact] = found
    return dict(found)


_HINTS: dict[tuple[bytes, ...], dict[bytes, bytes]] = {}
