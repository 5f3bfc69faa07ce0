"""Merkle hash trees, inclusion and consistency proofs (RFC 9162 §2.1).

Pure functions and one in-memory tree: no database, no I/O. Leaves are given as leaf hashes
(:func:`leaf_hash` of the entry), so a tree can be rebuilt from stored hashes without the entries.
Every failed verification raises :class:`ledger.errors.ProofError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from ledger.errors import ProofError
from ledger.i18n import _

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "consistency_ranges",
    "leaf_hash",
    "node_hash",
    "root_from_leaves",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Length of every hash in the tree: SHA-256 (RFC 9162 §2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() — the root of the empty tree (RFC 9162 §2.1.1)."""


def leaf_hash(entry: bytes) -> bytes:
    """Return MTH({d0}) = SHA-256(0x00 || entry) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right), an interior node (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Return k, the largest power of two smaller than n, for n > 1 (RFC 9162 §2.1.1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """Reference MTH(D[n]) over leaf hashes, computed by plain recursion (RFC 9162 §2.1.1).

    Slow (O(n) hashes and slices); meant for tests and audits, not for serving proofs.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_from_leaves(leaf_hashes[:k]), root_from_leaves(leaf_hashes[k:]))


def _check_hash(value: bytes, what: str, **where: object) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ProofError(
            _("{what} is not a {HASH_SIZE}-byte hash").format(what=what, HASH_SIZE=HASH_SIZE),
            **where,
        )


class MerkleTree:
    """An append-only RFC 9162 Merkle tree that caches every complete subtree.

    Level ``h`` stores, packed 32 bytes apiece in one ``bytearray``, the hash of every complete
    perfect subtree of ``2**h`` leaves (the ``j``-th covers leaves ``j * 2**h`` onwards); level 0
    holds the leaf hashes. Memory is about 64 bytes per leaf. Appending costs O(1) hashes
    amortised; the root of any earlier size costs O(log n) and a proof O(log² n) hashes, because
    every range a proof needs decomposes into at most log n cached perfect subtrees.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaf_hashes)

    def __len__(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def leaf(self, index: int) -> bytes:
        """Return the hash of leaf ``index`` (0-based); raise IndexError outside the tree."""
        if not 0 <= index < len(self):
            raise IndexError(
                _("leaf {index} is outside a tree of size {len}").format(index=index, len=len(self))
            )
        return self._node(0, index)

    def _node(self, height: int, position: int) -> bytes:
        offset = position * HASH_SIZE
        return bytes(self._levels[height][offset : offset + HASH_SIZE])

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash and return its index; completes the subtrees it closes."""
        if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
            raise ValueError(_("a leaf hash must be {HASH_SIZE} bytes").format(HASH_SIZE=HASH_SIZE))
        levels = self._levels
        levels[0] += leaf_hash
        index = len(self) - 1
        height = 0
        # The new leaf closes one perfect subtree per trailing 1-bit of its index.
        while len(levels[height]) % (2 * HASH_SIZE) == 0:
            if height + 1 == len(levels):
                levels.append(bytearray())
            levels[height + 1] += hashlib.sha256(
                _NODE_PREFIX + levels[height][-2 * HASH_SIZE :]
            ).digest()
            height += 1
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes, hashing each new level in one pass (fast bulk loading)."""
        new = list(leaf_hashes)
        if not new:
            return
        if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in new):
            raise ValueError(_("a leaf hash must be {HASH_SIZE} bytes").format(HASH_SIZE=HASH_SIZE))
        levels = self._levels
        levels[0] += b"".join(new)
        del new
        sha256 = hashlib.sha256
        pair = 2 * HASH_SIZE
        height = 0
        while len(levels[height]) >= pair:
            if height + 1 == len(levels):
                levels.append(bytearray())
            above = levels[height + 1]
            with memoryview(levels[height]) as below:
                first = 2 * len(above)  # bytes of ``below`` already paired up above
                last = len(below) - len(below) % pair
                above += b"".join(
                    sha256(_NODE_PREFIX + below[i : i + pair]).digest()
                    for i in range(first, last, pair)
                )
            height += 1

    def _range_hash(self, start: int, end: int) -> bytes:
        """Return MTH(D[start:end]) for a range whose start is aligned to its split points.

        Such a range (every range the RFC 9162 recursion visits) is a run of perfect subtrees
        of strictly decreasing size; MTH folds them from the right.
        """
        parts: list[bytes] = []
        position = start
        remaining = end - start
        while remaining:
            height = remaining.bit_length() - 1
            parts.append(self._node(height, position >> height))
            position += 1 << height
            remaining -= 1 << height
        result = parts.pop()
        while parts:
            result = node_hash(parts.pop(), result)
        return result

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= len(self):
            raise ProofError(
                _("tree size {size} is outside 0..{len}").format(size=size, len=len(self)),
                size=size,
                tree_size=len(self),
            )

    def root(self, size: int | None = None) -> bytes:
        """Return MTH(D[size]), the root when the tree had ``size`` leaves (default: now)."""
        if size is None:
            size = len(self)
        self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._range_hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Return PATH(index, D[size]), the audit path of leaf ``index`` (RFC 9162 §2.1.3.1)."""
        self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(
                _("leaf {index} is not in a tree of size {size}").format(index=index, size=size),
                index=index,
                size=size,
            )
        # Walk down from the root; the sibling met at each level is appended after the deeper
        # part of the path, so the path is the siblings in reverse order of discovery.
        siblings: list[bytes] = []
        low, high = 0, size
        while high - low > 1:
            k = _split(high - low)
            if index < low + k:
                siblings.append(self._range_hash(low + k, high))
                high = low + k
            else:
                siblings.append(self._range_hash(low, low + k))
                low += k
        siblings.reverse()
        return siblings

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """Return PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1); empty when sizes are equal."""
        self._check_size(new_size)
        return [self._range_hash(lo, hi) for lo, hi in consistency_ranges(old_size, new_size)]


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes make PROOF(old_size, D[new_size]) (RFC 9162
    §2.1.4.1), in proof order: the one recursion for the in-memory and the stored tree."""
    if not 0 < old_size <= new_size:
        raise ProofError(
            _("no consistency proof from size {old_size} to size {new_size}").format(
                old_size=old_size, new_size=new_size
            ),
            old_size=old_size,
            new_size=new_size,
        )
    # SUBPROOF(m, D[low:high], complete), unrolled; m is counted from ``low``.
    ranges: list[tuple[int, int]] = []
    low, high, m, complete = 0, new_size, old_size, True
    while m != high - low:
        k = _split(high - low)
        if m <= k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
            m -= k
            complete = False
    if not complete:
        ranges.append((low, high))
    ranges.reverse()
    return ranges


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree ``root`` of ``size`` leaves.

    The algorithm of RFC 9162 §2.1.3.2, step by step; raise ProofError on any failure.
    """
    where = {"index": index, "size": size}
    # Step 1: the leaf must be inside the tree.
    if index < 0 or size < 0 or index >= size:
        raise ProofError(
            _("leaf {index} is not in a tree of size {size}").format(index=index, size=size),
            **where,
        )
    _check_hash(leaf_hash, _("the leaf hash"), **where)
    _check_hash(root, _("the root"), **where)
    for position, node in enumerate(proof):
        _check_hash(
            node, _("inclusion proof element {position}").format(position=position), **where
        )
    # Steps 2-3.
    fn, sn = index, size - 1
    r = leaf_hash
    # Step 4.
    for p in proof:
        if sn == 0:
            raise ProofError(_("the inclusion proof is longer than the path"), **where)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # Step 5.
    if sn != 0:
        raise ProofError(_("the inclusion proof is shorter than the path"), **where)
    if r != root:
        raise ProofError(_("the inclusion proof does not lead to the root"), **where)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree ``new_root`` of ``new_size`` leaves extends ``old_root``.

    RFC 9162 §2.1.4.2 step by step, plus: a proof from size 0 is refused, ``old_size`` may not
    exceed ``new_size``, and equal sizes need an empty proof and equal roots.
    """
    where = {"old_size": old_size, "new_size": new_size}
    if old_size <= 0:
        raise ProofError(_("a consistency proof must start from a non-empty tree"), **where)
    if old_size > new_size:
        raise ProofError(_("the old tree is larger than the new tree"), **where)
    if old_size == new_size:
        if proof:
            raise ProofError(_("trees of equal size need an empty consistency proof"), **where)
        if old_root != new_root:
            raise ProofError(_("trees of equal size have different roots"), **where)
        return
    _check_hash(old_root, _("the old root"), **where)
    _check_hash(new_root, _("the new root"), **where)
    for position, node in enumerate(proof):
        _check_hash(
            node, _("consistency proof element {position}").format(position=position), **where
        )
    # Step 1.
    if not proof:
        raise ProofError(_("the consistency proof is empty"), **where)
    # Step 2: if first is an exact power of 2, prepend first_hash.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Step 3.
    fn, sn = old_size - 1, new_size - 1
    # Step 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:
            raise ProofError(_("the consistency proof is longer than needed"), **where)
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise ProofError(_("the consistency proof is shorter than needed"), **where)
    if fr != old_root:
        raise ProofError(_("the consistency proof does not lead to the old root"), **where)
    if sr != new_root:
        raise ProofError(_("the consistency proof does not lead to the new root"), **where)
