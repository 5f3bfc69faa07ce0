"""The order-free work of verification, a batch at a time, in worker threads or processes:
signatures over the stored bytes, leaf hashes and Merkle subtrees."""

from __future__ import annotations

import hashlib
import struct
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ThreadPoolExecutor
from typing import Any
from uuid import UUID

from ledger.audit.verify.options import PROCESS_THRESHOLD, VerifyOptions
from ledger.domain.ids import as_uuid
from ledger.signing.ed25519 import verifies
from ledger.signing.signatures import (
    EVENT_DOMAIN,
    HEADER_SIZE,
    KEY_ID_SIZE,
    MAGIC,
)
from ledger.storage.entries import LEAF_DOMAIN
from ledger.transparency.ranges import subtree_hashes
from ledger.transparency.tables import EventRow, LeafRow

#: What :func:`check_rows` says of each event, one byte each.
OK = 0  # the signature by the key of that id verifies


BAD_SIGNATURE = 1  # it does not


KEY_UNKNOWN = 2  # the key id was not among the keys handed over: not checked here


NOT_ENVELOPE = 3  # not a signed envelope (the leaf commits to zero key id and signature)


ROW_ERROR = 4  # the row could not be read (a malformed aggregate id, ...): redone in order


#: (aggregate ids as 128-bit integers, status bytes, leaf hashes, Merkle subtrees over the
#: leaves).
BatchResult = tuple[list[int], bytes, bytes, list[tuple[int, bytes]]]


_PACK_Q = struct.Struct(">Q").pack


_PACK_QI = struct.Struct(">QI").pack


_LEAF_HEAD = b"\x00" + LEAF_DOMAIN  # RFC 9162 §2.1.1 leaf prefix, then the entry's domain


_NO_KEY = b"\0" * KEY_ID_SIZE


_NO_SIGNATURE = b"\0" * (HEADER_SIZE - len(MAGIC) - KEY_ID_SIZE)


_KEY_AT = slice(len(MAGIC), len(MAGIC) + KEY_ID_SIZE)


_SIGNATURE_AT = slice(len(MAGIC) + KEY_ID_SIZE, HEADER_SIZE)


def _id_bytes(value: Any) -> bytes:
    """The 16 bytes of an aggregate id as a source holds it (SQLite: 32 hex digits)."""
    if isinstance(value, UUID):
        return value.bytes
    if isinstance(value, str) and len(value) == 32:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = b""
        if len(raw) == 16:
            return raw
    return as_uuid(value).bytes


def check_rows(
    start: int, rows: Sequence[EventRow], keys: Mapping[bytes, bytes], cuts: Sequence[int] = ()
) -> BatchResult:
    """Steps 1, 4 and 6 of the module docstring for events at positions ``start, start+1, ...``:
    parse each envelope, verify its signature with the key of its key id among ``keys`` (key id
    → raw public key), hash its leaf (:func:`ledger.storage.entries.leaf_entry`, from the parts
    already
    parsed), and the leaves into Merkle subtrees ending at each of ``cuts``
    (:func:`ledger.transparency.checkpoints.subtree_hashes`). Pure: runs in a worker thread or
    process.

    Whether a key may sign at a position is for the caller to judge, in order.
    """
    sha256 = hashlib.sha256
    fromhex = bytes.fromhex
    topics: dict[str, bytes] = {}
    codes = bytearray(len(rows))
    ids: list[int] = []
    to_int = int.from_bytes
    leaves: list[bytes] = []
    position = start
    for i, (_, oid, version, topic, state) in enumerate(rows):
        try:
            if oid.__class__ is str and len(oid) == 32:  # SQLite's hex text, the common case
                raw_id = fromhex(oid)
                if len(raw_id) != 16:
                    raw_id = _id_bytes(oid)
            else:
                raw_id = _id_bytes(oid)
            topic_bytes = topics.get(topic)
            if topic_bytes is None:
                topic_bytes = topics[topic] = topic.encode()
            row = raw_id + _PACK_QI(version, len(topic_bytes)) + topic_bytes
            if len(state) >= HEADER_SIZE and state[:4] == MAGIC:
                key_id, signature = state[_KEY_AT], state[_SIGNATURE_AT]
                key = keys.get(key_id)
                if key is None:
                    code = KEY_UNKNOWN
                else:
                    digest = sha256(state[HEADER_SIZE:]).digest()
                    code = (
                        OK
                        if verifies(key, signature, EVENT_DOMAIN + row + digest)
                        else (BAD_SIGNATURE)
                    )
            else:
                key_id, signature, code = _NO_KEY, _NO_SIGNATURE, NOT_ENVELOPE
            leaf = sha256(
                _LEAF_HEAD + _PACK_Q(position) + row + sha256(state).digest() + key_id + signature
            ).digest()
        except Exception:  # whatever it is, the main thread redoes the row in order
            raw_id, leaf, code = bytes(16), bytes(32), ROW_ERROR
        codes[i] = code
        ids.append(to_int(raw_id))
        leaves.append(leaf)
        position += 1
    hashes = b"".join(leaves)
    return ids, bytes(codes), hashes, subtree_hashes(start, hashes, cuts)


def signature_codes(rows: Sequence[EventRow], keys: Mapping[bytes, bytes]) -> bytes:
    """The status codes :func:`check_rows` gives these rows (step 1 and 4: each envelope
    parsed, its signature verified with the key of its key id among ``keys``), without their
    leaf hashes: what a read needs, which proves its events by their signatures and their
    records' versions, not by the Merkle tree."""
    sha256 = hashlib.sha256
    codes = bytearray(len(rows))
    topics: dict[str, bytes] = {}
    for i, (_, oid, version, topic, state) in enumerate(rows):
        try:
            if oid.__class__ is UUID:  # as a read holds it
                raw_id = oid.bytes
            elif oid.__class__ is str and len(oid) == 32:  # SQLite's hex text
                raw_id = bytes.fromhex(oid)
                if len(raw_id) != 16:
                    raw_id = _id_bytes(oid)
            else:
                raw_id = _id_bytes(oid)
            topic_bytes = topics.get(topic)
            if topic_bytes is None:
                topic_bytes = topics[topic] = topic.encode()
            if len(state) < HEADER_SIZE or state[:4] != MAGIC:
                codes[i] = NOT_ENVELOPE
                continue
            key = keys.get(state[_KEY_AT])
            if key is None:
                codes[i] = KEY_UNKNOWN
                continue
            message = b"".join(
                (
                    EVENT_DOMAIN,
                    raw_id,
                    _PACK_QI(version, len(topic_bytes)),
                    topic_bytes,
                    sha256(state[HEADER_SIZE:]).digest(),
                )
            )
            codes[i] = OK if verifies(key, state[_SIGNATURE_AT], message) else BAD_SIGNATURE
        except Exception:  # whatever it is, the caller redoes the row in order
            codes[i] = ROW_ERROR
    return bytes(codes)


def _warm_up() -> None:
    """Run once per worker process, so that its start is not counted against a batch."""


def _parallel_mode(options: VerifyOptions, expected_events: int | None) -> str:
    """``auto``: processes for large logs, threads for small ones (starting processes costs
    more than it saves below :data:`PROCESS_THRESHOLD` events).

    Measured at 100k events on 2 cores with ``cryptography`` 50 (bench/verify_bench.py, and
    figure 3 of bench/run.py), against raw Ed25519 on both cores: threads 0.89-0.90 and
    processes 0.88-0.91 on a quiet machine. Processes spend about 4% more CPU (the batches
    are pickled) but never wait for the GIL, which keeps them steadier on a busy machine;
    threads start nothing and stay the library's default."""
    if options.parallel != "auto":
        return options.parallel
    return "processes" if (expected_events or 0) >= PROCESS_THRESHOLD else "threads"


def _executor(options: VerifyOptions, mode: str) -> Executor | None:
    if options.workers <= 1:
        return None
    if mode == "processes":
        # fork starts in milliseconds and runs nothing of the calling program again (the
        # workers only hash and verify); spawn, the safe choice elsewhere (macOS), imports the
        # calling program's main module again and needs its ``if __name__ == "__main__":``.
        import multiprocessing  # only for processes: slow to import, and a read never needs it
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if sys.platform.startswith("linux") else "spawn"
        pool = ProcessPoolExecutor(options.workers, multiprocessing.get_context(method))
        try:
            for future in [pool.submit(_warm_up) for _ in range(options.workers)]:
                future.result()
            return pool
        except (BrokenExecutor, RuntimeError, OSError):
            pool.shutdown(wait=False, cancel_futures=True)  # then threads
    return ThreadPoolExecutor(options.workers)


class _LeafStream:
    """The stored leaf table, read a page at a time, looked ahead into batch by batch."""

    def __init__(self, pages: Iterator[Sequence[LeafRow]]) -> None:
        self._pages = pages
        self._buffer: list[LeafRow] = []
        self._at = 0

    def _fill(self, n: int) -> None:
        while len(self._buffer) - self._at < n:
            page = next(self._pages, None)
            if page is None:
                return
            if self._at:
                del self._buffer[: self._at]
                self._at = 0
            self._buffer.extend(page)

    def peek(self, n: int) -> list[LeafRow]:
        self._fill(n)
        return self._buffer[self._at : self._at + n]

    def skip(self, n: int) -> None:
        self._at += n

    def next(self) -> LeafRow | None:
        self._fill(1)
        if self._at < len(self._buffer):
            self._at += 1
            return self._buffer[self._at - 1]
        return None


#: (first position, rows, the worker's result, cut sizes, end of the source page, the keys the
#: worker was handed).
_Job = tuple[
    int,
    Sequence[EventRow],
    "Future[BatchResult] | BatchResult",
    tuple[int, ...],
    int,
    Mapping[bytes, bytes],
]
