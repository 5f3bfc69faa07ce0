"""Compact Merkle ranges (RFC 9162 trees built left to right): the subtree hashes a run of
leaves pushes, and the roots of a log streamed from its leaf table at the checkpoint sizes
wanted, in memory bounded by the log's logarithm."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from ledger.i18n import _
from ledger.transparency.merkle import EMPTY_ROOT, node_hash

#: Complete subtrees of 2**8 = 256 leaves and more are cached; smaller ones are hashed from a
#: block of at most 256 leaves read in one range query.
NODE_MIN_HEIGHT = 8


BLOCK = 1 << NODE_MIN_HEIGHT


class CompactRange:
    """The compact range of leaves [0, size) of an RFC 9162 tree: the roots of its perfect
    subtrees, one per set bit of ``size``, largest (leftmost) first.

    This is the "compact range" of the transparency-dev and C2SP tlog-tiles ecosystem: O(log n)
    hashes stand for the whole prefix of the log. Appending a leaf costs one hash amortised; the
    root of the current size folds at most log n nodes from the right (RFC 9162 §2.1.1).
    ``on_node(height, index, hash)`` is told every complete subtree as it is formed.
    """

    __slots__ = ("_nodes", "_on_node", "size")

    def __init__(self, on_node: Callable[[int, int, bytes], None] | None = None) -> None:
        self.size = 0
        self._nodes: list[bytes] = []
        self._on_node = on_node

    def append(self, leaf_hash: bytes) -> None:
        self.push(0, leaf_hash)

    def push(self, height: int, digest: bytes) -> None:
        """Append the perfect subtree of ``2**height`` leaves that starts at ``size``."""
        size = self.size
        if size & ((1 << height) - 1):
            raise ValueError(
                _("a subtree of height {height} cannot start at leaf {size}").format(
                    height=height, size=size
                )
            )
        nodes, on_node = self._nodes, self._on_node
        end = self.size = size + (1 << height)
        if on_node is not None:
            on_node(height, (end >> height) - 1, digest)
        # Each set bit of the old size from ``height`` up is a left sibling to merge with.
        while size >> height & 1:
            digest = hashlib.sha256(b"\x01" + nodes.pop() + digest).digest()
            height += 1
            if on_node is not None:
                on_node(height, (end >> height) - 1, digest)
        nodes.append(digest)

    def root(self) -> bytes:
        """MTH(D[size]) (RFC 9162 §2.1.1)."""
        nodes = self._nodes
        if not nodes:
            return EMPTY_ROOT
        result = nodes[-1]
        for left in reversed(nodes[:-1]):
            result = node_hash(left, result)
        return result


def subtree_hashes(
    start: int,
    leaves: bytes,
    cuts: Iterable[int] = (),
    inner: Callable[[int, int, bytes], None] | None = None,
) -> list[tuple[int, bytes]]:
    """The leaves ``start, start+1, ...`` (32-byte hashes, concatenated) as aligned perfect
    subtrees, (height, hash) in order, each ending at or before the next of ``cuts``: what a
    :class:`CompactRange` at ``start`` pushes to reach every cut size, a hash per leaf in all.
    ``inner(height, index, hash)`` is told the subtrees of height >= NODE_MIN_HEIGHT inside
    them (the pushed ones themselves are the compact range's to report)."""
    sha256 = hashlib.sha256
    end = start + len(leaves) // 32
    out: list[tuple[int, bytes]] = []
    position = start
    for stop in [*(c for c in cuts if start < c < end), end]:
        while position < stop:
            height = (stop - position).bit_length() - 1
            if position:
                height = min(height, (position & -position).bit_length() - 1)
            offset = (position - start) * 32
            level = leaves[offset : offset + (32 << height)]
            below = 0
            while len(level) > 32:
                level = b"".join(
                    sha256(b"\x01" + level[i : i + 64]).digest() for i in range(0, len(level), 64)
                )
                below += 1
                if inner is not None and below >= NODE_MIN_HEIGHT and len(level) > 32:
                    first = position >> below
                    for i in range(0, len(level), 32):
                        inner(below, first + i // 32, level[i : i + 32])
            out.append((height, level))
            position += 1 << height
    return out
