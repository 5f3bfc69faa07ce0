"""The Ed25519 checks of one read, on two threads from a few dozen events on.

A read's time is mostly the signatures of the events it shows (about fifty for a cadre with
thirty events), and libsodium (:mod:`ledger.signing.ed25519`, called through cffi) runs without
the GIL while it verifies, so two threads check
half each (a pool kept for the process: starting threads for each read would cost more than
they save).

Each check is :func:`ledger.audit.verify.check_rows`, as ``verify`` does it: the signature
over the exact stored bytes, by the key its id names. A good result is remembered for the
rest of the read by the digest of the public key, the row's identity (aggregate id, version,
topic) and its whole stored state, so an event is checked once per read, and an event read
again with other bytes, or to be checked with another key, is checked again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from ledger.audit.verify import check_rows
from ledger.audit.verify.sources import registry_keys
from ledger.audit.verify.workers import OK

#: (log position, aggregate id, version, topic, stored state) of one event.
Row = tuple[int, UUID, int, str, bytes]

#: Rows checked by two threads from this many on.
PARALLEL_FROM = 32
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
    """The signature checks of one read (a read may check several sets of records)."""

    def __init__(self) -> None:
        #: Signatures this read has checked and found good, by :func:`seen_key`.
        self.good: set[bytes] = set()

    def statuses(self, rows: Sequence[Row], keys: Mapping[bytes, bytes]) -> dict[int, bytes]:
        """Each row's signature status by the key its id names among ``keys`` (key id → raw
        public key), by log position: :data:`ledger.audit.verify.workers.OK` or another
        code of :func:`ledger.audit.verify.check_rows`. Those this read already found good
        are not checked again; from :data:`PARALLEL_FROM` rows on, two threads check half
        each while this one waits."""
        found: dict[int, bytes] = {}
        todo: list[Row] = []
        memos: list[bytes | None] = []
        for row in rows:
            memo = seen_key(keys, row)
            if memo is not None and memo in self.good:
                found[row[0]] = _OK
            else:
                todo.append(row)
                memos.append(memo)
        if not todo:
            return found
        half = (len(todo) + 1) // 2 if IN_THREADS and len(todo) >= PARALLEL_FROM else len(todo)
        chunks = [todo[i : i + half] for i in range(0, len(todo), half)]
        if len(chunks) > 1:
            codes = b"".join(_pool().map(lambda chunk: check_rows(0, chunk, keys)[1], chunks))
        else:
            codes = check_rows(0, todo, keys)[1]
        for i, row in enumerate(todo):
            found[row[0]] = codes[i : i + 1]
            memo = memos[i]
            if codes[i] == OK and memo is not None:
                self.good.add(memo)
        return found


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
    return dict(found)


_HINTS: dict[bytes, dict[bytes, bytes]] = {}
