"""The person index: per-person chains over the log and a sparse Merkle map of them.

Pure functions and an in-memory node store: no database. Art. 8 makes accountability lifelong,
so a cadre's history must be provably *complete*, not only authentic. The design
(README, "Auditors"):

- **Chain.** Per person, the events that name them are folded in log order:
  ``v0 = 32 zero bytes``, ``vk = SHA-256(0x02 ‖ vk-1 ‖ u64 leaf index ‖ leaf hash)``; the leaf
  hash is the event's RFC 9162 leaf hash, so the chain pins the exact stored bytes and positions.
- **Map.** A binary sparse Merkle tree keyed by ``SHA-256(KEY_DOMAIN ‖ personnel number)``.
  A subtree holding no person hashes to 32 zero bytes; a subtree holding exactly one person is
  that person's leaf (empty-subtree compression, as Diem's Jellyfish tree and AKD do), so a path
  is about log2(persons) hashes long. A leaf binds the key *and* the personnel number itself,
  the count and the chain value::

      value = SHA-256(VALUE_DOMAIN ‖ u16 len ‖ personnel number ‖ u64 count ‖ vk)
      leaf  = SHA-256(0x00 ‖ LEAF_DOMAIN ‖ key ‖ value)
      node  = SHA-256(0x01 ‖ left ‖ right)

- **Proof.** The sibling hashes from the root down to where the path ends, empty siblings
  left out (a bitmap says which), and what the path ends in: the person's leaf (inclusion), an
  empty subtree, or another person's leaf whose key shares the prefix (absence).

Nodes are versioned by the tree size they were written at, so a node store keeps every
checkpoint's map and only the persons changed since the previous checkpoint are rehashed.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ledger.errors import ProofError
from ledger.i18n import _

__all__ = [
    "EMPTY",
    "MAP_PROOF_VERSION",
    "ChainState",
    "MapProof",
    "MemoryNodes",
    "Node",
    "NodeReader",
    "fold",
    "key_of",
    "leaf_hash",
    "prove",
    "update",
    "value_hash",
]

HASH = 32
EMPTY = b"\0" * HASH
"""The hash of an empty subtree, and the chain value v0 of a person with no event."""
MAP_PROOF_VERSION = 1
KEY_DOMAIN = b"lifeledger/person-map/v1/key\n"
VALUE_DOMAIN = b"lifeledger/person-map/v1/value\n"
LEAF_DOMAIN = b"lifeledger/person-map/v1/leaf\n"
_CHAIN = b"\x02"
_LEAF = b"\x00"
_NODE = b"\x01"
#: A path (a prefix of a key) as a string of "0" and "1"; the root is "".
Path = str


def key_of(personnel_no: str) -> bytes:
    """The map key of a person: SHA-256 of the domain and the personnel number."""
    return hashlib.sha256(KEY_DOMAIN + personnel_no.encode()).digest()


def fold(chain: bytes, leaf_index: int, event_leaf_hash: bytes) -> bytes:
    """One step of a person's chain: vk = SHA-256(0x02 ‖ vk-1 ‖ u64 leaf index ‖ leaf hash)."""
    return hashlib.sha256(_CHAIN + chain + struct.pack(">Q", leaf_index) + event_leaf_hash).digest()


def value_hash(personnel_no: str, count: int, chain: bytes) -> bytes:
    """What a leaf commits to about its person: the number itself, the count, the chain."""
    raw = personnel_no.encode()
    return hashlib.sha256(
        VALUE_DOMAIN + struct.pack(">H", len(raw)) + raw + struct.pack(">Q", count) + chain
    ).digest()


def leaf_hash(key: bytes, value: bytes) -> bytes:
    return hashlib.sha256(_LEAF + LEAF_DOMAIN + key + value).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _bit(key: bytes, depth: int) -> str:
    return "1" if (key[depth >> 3] >> (7 - (depth & 7))) & 1 else "0"


def _bits(key: bytes) -> str:
    """The key as a string of 256 "0"/"1": its path from the root."""
    return format(int.from_bytes(key, "big"), f"0{len(key) * 8}b")


def _path(key: bytes, depth: int) -> Path:
    return _bits(key)[:depth]


@dataclass(frozen=True)
class ChainState:
    """A person's place in the index: how many events name them, and the chain value."""

    personnel_no: str
    count: int = 0
    chain: bytes = EMPTY

    def then(self, leaf_index: int, event_leaf_hash: bytes) -> ChainState:
        return ChainState(
            self.personnel_no, self.count + 1, fold(self.chain, leaf_index, event_leaf_hash)
        )

    @property
    def key(self) -> bytes:
        return key_of(self.personnel_no)

    @property
    def value(self) -> bytes:
        return value_hash(self.personnel_no, self.count, self.chain)


@dataclass(frozen=True)
class Node:
    """A stored map node: its hash, and for a leaf its key and value."""

    hash: bytes
    leaf_key: bytes | None = None
    leaf_value: bytes | None = None


class NodeReader(Protocol):
    """Nodes of one version of the map by path (absent paths are empty subtrees)."""

    def nodes(self, paths: Iterable[Path]) -> Mapping[Path, Node]: ...


@dataclass
class MemoryNodes:
    """The latest map in memory (for ``verify`` and tests): path → node."""

    table: dict[Path, Node] = field(default_factory=dict)

    def nodes(self, paths: Iterable[Path]) -> Mapping[Path, Node]:
        return {p: n for p in paths if (n := self.table.get(p)) is not None}

    @property
    def root(self) -> bytes:
        node = self.table.get("")
        return node.hash if node else EMPTY

    def apply(self, changes: Mapping[bytes, bytes]) -> bytes:
        root, written = update(self, changes)
        self.table.update(written)
        return root


def _build(
    path: Path, depth: int, items: list[tuple[bytes, bytes]], out: dict[Path, Node]
) -> bytes:
    """Hash a subtree holding exactly ``items`` (sorted by key), writing its nodes."""
    if not items:
        return EMPTY
    if len(items) == 1:
        key, value = items[0]
        node = Node(leaf_hash(key, value), key, value)
        out[path] = node
        return node.hash
    if depth >= HASH * 8:  # pragma: no cover - two persons with one SHA-256 key
        raise ProofError(_("two map keys collide"))
    left = [kv for kv in items if _bit(kv[0], depth) == "0"]
    right = [kv for kv in items if _bit(kv[0], depth) == "1"]
    digest = node_hash(
        _build(path + "0", depth + 1, left, out), _build(path + "1", depth + 1, right, out)
    )
    out[path] = Node(digest)
    return digest


def update(reader: NodeReader, changes: Mapping[bytes, bytes]) -> tuple[bytes, dict[Path, Node]]:
    """The new root after setting each key of ``changes`` to its value, and the nodes written.

    Reads the old nodes level by level (one ``reader.nodes`` call per level, O(depth) calls),
    only along the changed keys' paths and their siblings: the work grows with the number of
    changed persons times the depth, not with the size of the map.
    """
    fetched: dict[Path, Node] = {}
    frontier: dict[Path, list[bytes]] = {"": sorted(changes)}
    depth = 0
    while frontier:
        fetched.update(reader.nodes(frontier))
        following: dict[Path, list[bytes]] = {}
        for path, keys in frontier.items():
            node = fetched.get(path)
            if keys and node is not None and node.leaf_key is None:
                following[path + "0"] = [k for k in keys if _bit(k, depth) == "0"]
                following[path + "1"] = [k for k in keys if _bit(k, depth) == "1"]
        frontier, depth = following, depth + 1
    written: dict[Path, Node] = {}

    def walk(path: Path, depth: int, keys: list[bytes]) -> bytes:
        node = fetched.get(path)
        if not keys:
            return node.hash if node is not None else EMPTY
        if node is None or node.leaf_key is not None:
            items = {k: changes[k] for k in keys}
            if node is not None and node.leaf_key is not None and node.leaf_key not in items:
                assert node.leaf_value is not None
                items[node.leaf_key] = node.leaf_value
            return _build(path, depth, sorted(items.items()), written)
        left = [k for k in keys if _bit(k, depth) == "0"]
        right = [k for k in keys if _bit(k, depth) == "1"]
        digest = node_hash(walk(path + "0", depth + 1, left), walk(path + "1", depth + 1, right))
        written[path] = Node(digest)
        return digest

    return walk("", 0, sorted(changes)), written


@dataclass(frozen=True)
class MapProof:
    """A path of the map for one key: siblings root-down (empty ones left out) and its end.

    ``end`` is ``"leaf"`` (the key's own leaf, or for ``other_key`` another person's leaf
    sharing the prefix: absence) or ``"empty"`` (an empty subtree: absence).
    """

    depth: int
    present: bytes  # bitmap, one bit per level root-down: 1 if the sibling is not empty
    siblings: tuple[bytes, ...]
    end: str
    other_key: bytes | None = None
    other_value: bytes | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "version": MAP_PROOF_VERSION,
            "depth": self.depth,
            "present": self.present.hex(),
            "siblings": [base64.b64encode(s).decode() for s in self.siblings],
            "end": self.end,
        }
        if self.other_key is not None and self.other_value is not None:
            doc["other_key"] = self.other_key.hex()
            doc["other_value"] = self.other_value.hex()
        return doc

    @classmethod
    def from_dict(cls, doc: Any) -> MapProof:
        try:
            if doc["version"] != MAP_PROOF_VERSION:
                raise ProofError(
                    _(
                        "map proof version {version}; this lifeledger reads version "
                        "{MAP_PROOF_VERSION}"
                    ).format(version=doc["version"], MAP_PROOF_VERSION=MAP_PROOF_VERSION)
                )
            depth = int(doc["depth"])
            present = bytes.fromhex(doc["present"])
            siblings = tuple(base64.b64decode(s, validate=True) for s in doc["siblings"])
            other_key = bytes.fromhex(doc["other_key"]) if "other_key" in doc else None
            other_value = bytes.fromhex(doc["other_value"]) if "other_value" in doc else None
            end = str(doc["end"])
        except (KeyError, TypeError, ValueError) as e:
            raise ProofError(_("malformed map proof: {e}").format(e=e)) from e
        if not 0 <= depth <= HASH * 8 or len(present) != (depth + 7) // 8:
            raise ProofError(_("malformed map proof: depth and bitmap disagree"))
        if any(len(s) != HASH for s in siblings):
            raise ProofError(_("malformed map proof: a sibling is not 32 bytes"))
        return cls(depth, present, siblings, end, other_key, other_value)

    def _has(self, level: int) -> bool:
        return bool(self.present[level >> 3] >> (7 - (level & 7)) & 1)

    def root_for(self, key: bytes, value: bytes | None) -> bytes:
        """The root this path leads to if ``key`` holds ``value`` (None: the key is absent).

        Raises ProofError when the path cannot be such a path: an inclusion path for an absent
        key, an absence path for a present one, another leaf not sharing the prefix.
        """
        if sum(self._has(i) for i in range(self.depth)) != len(self.siblings):
            raise ProofError(_("the map proof's bitmap does not match its siblings"))
        if value is not None:
            if self.end != "leaf" or self.other_key is not None:
                raise ProofError(_("the map proof shows the person absent from the index"))
            digest = leaf_hash(key, value)
        elif self.end == "empty":
            digest = EMPTY
        elif self.end == "leaf" and self.other_key is not None and self.other_value is not None:
            if self.other_key == key or _path(self.other_key, self.depth) != _path(key, self.depth):
                raise ProofError(_("the map proof's other leaf is not on this person's path"))
            digest = leaf_hash(self.other_key, self.other_value)
        else:
            raise ProofError(_("the map proof shows the person present in the index"))
        remaining = list(self.siblings)
        for level in reversed(range(self.depth)):
            sibling = remaining.pop() if self._has(level) else EMPTY
            if level == self.depth - 1 and sibling == EMPTY:
                # A subtree of one person is that person's leaf, and an empty subtree's
                # sibling holds two persons at least: the path would not end here.
                raise ProofError(_("the map proof is not in compressed form"))
            digest = (
                node_hash(digest, sibling)
                if _bit(key, level) == "0"
                else node_hash(sibling, digest)
            )
        return digest

    @property
    def size(self) -> int:
        """Bytes of hashes carried (for the benchmark)."""
        return len(self.present) + HASH * len(self.siblings) + (2 * HASH if self.other_key else 0)


def prove(reader: NodeReader, key: bytes, batch: int = 24) -> tuple[MapProof, Node | None]:
    """The path of ``key`` in the map ``reader`` holds, and the key's leaf if it is there.

    Reads the nodes along the path and beside it ``batch`` levels per ``reader.nodes`` call.
    """
    siblings: list[bytes] = []
    present = bytearray()
    depth = 0
    bits = _bits(key)
    while True:
        wanted: list[Path] = []
        for d in range(depth, min(depth + batch, HASH * 8) + 1):
            prefix = bits[:d]
            wanted.append(prefix)
            if d > 0:
                flipped = prefix[:-1] + ("1" if prefix[-1] == "0" else "0")
                wanted.append(flipped)
        got = reader.nodes(wanted)
        for d in range(depth, min(depth + batch, HASH * 8) + 1):
            prefix = bits[:d]
            if d > 0:
                flipped = prefix[:-1] + ("1" if prefix[-1] == "0" else "0")
                sibling = got.get(flipped)
                if len(present) < (d + 7) // 8:
                    present.append(0)
                if sibling is not None and sibling.hash != EMPTY:
                    present[(d - 1) >> 3] |= 1 << (7 - ((d - 1) & 7))
                    siblings.append(sibling.hash)
            node = got.get(prefix)
            if node is None or node.leaf_key is not None:
                bitmap = bytes(present[: (d + 7) // 8])
                if node is None:
                    return MapProof(d, bitmap, tuple(siblings), "empty"), None
                if node.leaf_key == key:
                    return MapProof(d, bitmap, tuple(siblings), "leaf"), node
                return (
                    MapProof(d, bitmap, tuple(siblings), "leaf", node.leaf_key, node.leaf_value),
                    None,
                )
        depth += batch + 1
