"""The Merkle tree of a ledger as the store keeps it: roots and inclusion proofs from the stored
leaf hashes and cached subtree nodes (RFC 9162), without holding the tree in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from ledger.i18n import _

if TYPE_CHECKING:
    pass
from ledger.errors import (
    ProofError,
)
from ledger.transparency.merkle import EMPTY_ROOT, consistency_ranges, node_hash
from ledger.transparency.ranges import BLOCK, NODE_MIN_HEIGHT, CompactRange, subtree_hashes
from ledger.transparency.tables import LedgerTables, check_contiguous


class StoredTree:
    """Hashes and inclusion proofs of the stored log read from the leaf table and the subtree
    cache: a proof reads O(log n) cached subtree roots and one block of at most 256 leaves,
    never the whole log (C2SP tlog-tiles serves proofs from stored subtrees the same way).

    Subtrees missing from the cache (a ledger checkpointed before the cache existed) are
    computed from their halves, down to the leaves, and written back. Nothing here is trusted:
    callers check every proof against a signed root (RFC 9162 §2.1.3.2).
    """

    def __init__(self, tables: LedgerTables) -> None:
        self.tables = tables
        self._memo: dict[tuple[int, int], bytes] = {}
        self._computed: list[tuple[int, int, bytes]] = []

    # perfect aligned subtrees ---------------------------------------------------------------
    def prefetch(self, keys: Iterable[tuple[int, int]]) -> None:
        """Read these cached subtrees (height >= NODE_MIN_HEIGHT) in one query."""
        memo = self._memo
        wanted = {k for k in keys if k[0] >= NODE_MIN_HEIGHT and k not in memo}
        memo.update(self.tables.nodes(wanted))

    def subtree(self, height: int, index: int) -> bytes:
        """MTH of leaves [index * 2**height, (index + 1) * 2**height)."""
        key = (height, index)
        digest = self._memo.get(key)
        if digest is not None:
            return digest
        if height < NODE_MIN_HEIGHT:
            self._hash_block(index << height >> NODE_MIN_HEIGHT)
            digest = self._memo.get(key)
            if digest is None:
                start = index << height
                raise ProofError(
                    _(
                        "the Merkle leaf table lacks leaves {start}..{value}; run `lifeledger "
                        "verify`"
                    ).format(start=start, value=start + (1 << height) - 1),
                    leaf_index=start,
                )
            return digest
        self.prefetch([key])
        digest = self._memo.get(key)
        if digest is None:
            digest = node_hash(
                self.subtree(height - 1, 2 * index), self.subtree(height - 1, 2 * index + 1)
            )
            self._memo[key] = digest
            self._computed.append((height, index, digest))
        return digest

    def _hash_block(self, block: int) -> None:
        """Every complete subtree below NODE_MIN_HEIGHT in a block of 256 leaves."""
        start = block * BLOCK
        rows = self.tables.leaf_hashes(start, start + BLOCK)
        level = [h for _, h in rows]
        for i, (index, _unused) in enumerate(rows):
            if index != start + i:  # a gap: keep only the leaves before it
                level = level[:i]
                break
        height, first = 0, start
        while level:
            for i, digest in enumerate(level):
                self._memo[(height, (first >> height) + i)] = digest
            if height == NODE_MIN_HEIGHT:
                break
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            height += 1

    # RFC 9162 over the stored tree ----------------------------------------------------------
    @staticmethod
    def _parts(start: int, end: int) -> list[tuple[int, int]]:
        """A range whose start is aligned to its split points (every range RFC 9162's
        recursion visits) as perfect subtrees of strictly decreasing size."""
        parts: list[tuple[int, int]] = []
        while start < end:
            height = (end - start).bit_length() - 1
            parts.append((height, start >> height))
            start += 1 << height
        return parts

    def _range_hash(self, start: int, end: int) -> bytes:
        parts = [self.subtree(h, i) for h, i in self._parts(start, end)]
        result = parts.pop()
        while parts:
            result = node_hash(parts.pop(), result)
        return result

    def root(self, size: int) -> bytes:
        """MTH(D[size]) of the stored leaves (RFC 9162 §2.1.1)."""
        if size <= 0:
            return EMPTY_ROOT
        self.prefetch(self._parts(0, size))
        return self._range_hash(0, size)

    @classmethod
    def _path_ranges(cls, index: int, size: int) -> list[tuple[int, int]]:
        """The sibling ranges of leaf ``index``'s audit path, root first."""
        ranges: list[tuple[int, int]] = []
        low, high = 0, size
        while high - low > 1:
            k = 1 << ((high - low - 1).bit_length() - 1)
            if index < low + k:
                ranges.append((low + k, high))
                high = low + k
            else:
                ranges.append((low, low + k))
                low += k
        return ranges

    def plan(self, indexes: Iterable[int], size: int) -> None:
        """Prefetch every cached subtree the audit paths of these leaves need."""
        keys = [
            part
            for index in indexes
            for lo, hi in self._path_ranges(index, size)
            for part in self._parts(lo, hi)
        ]
        self.prefetch(keys)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162 §2.1.3.1)."""
        if not 0 <= index < size:
            raise ProofError(
                _("leaf {index} is not in a tree of size {size}").format(index=index, size=size),
                index=index,
            )
        ranges = self._path_ranges(index, size)
        self.prefetch(part for lo, hi in ranges for part in self._parts(lo, hi))
        siblings = [self._range_hash(lo, hi) for lo, hi in ranges]
        siblings.reverse()
        return siblings

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1), from the stored subtrees: the
        ranges of :func:`consistency_ranges`, O(log n) cached rows read."""
        ranges = consistency_ranges(old_size, new_size)
        self.prefetch(part for lo, hi in ranges for part in self._parts(lo, hi))
        return [self._range_hash(lo, hi) for lo, hi in ranges]

    def save(self) -> None:
        """Write the subtrees computed here back to the cache (best effort)."""
        computed, self._computed = self._computed, []
        self.tables.put_nodes(computed)


def stream_roots(
    tables: LedgerTables, bound: int | None, sizes: Collection[int]
) -> tuple[int, bytes, dict[int, bytes], list[tuple[int, int, bytes]]]:
    """Stream the stored leaves once: (their count, the root, the root at each of ``sizes``
    reached, the complete subtrees of NODE_MIN_HEIGHT and more), in O(log n) memory."""
    nodes: list[tuple[int, int, bytes]] = []

    def keep(height: int, index: int, digest: bytes) -> None:
        if height >= NODE_MIN_HEIGHT:
            nodes.append((height, index, digest))

    compact = CompactRange(keep)
    roots: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in sizes else {}
    wanted = sorted(s for s in set(sizes) if s > 0)
    for batch in tables.leaf_pages(bound):
        start = compact.size
        check_contiguous(start, batch)
        pushes = subtree_hashes(start, b"".join(row[2] for row in batch), wanted, keep)
        for height, digest in pushes:
            compact.push(height, digest)
            if compact.size in sizes:
                roots[compact.size] = compact.root()
    return compact.size, compact.root(), roots, nodes
