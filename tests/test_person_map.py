"""The person index's sparse Merkle map and chains, as pure functions (no store)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.transparency.person_map import (
    EMPTY,
    ChainState,
    MapProof,
    MemoryNodes,
    Node,
    fold,
    key_of,
    leaf_hash,
    node_hash,
    prove,
    value_hash,
)


def reference_root(items: Mapping[bytes, bytes], depth: int = 0) -> bytes:
    """The map's root by its definition, straight from all items (no node store)."""
    if not items:
        return EMPTY
    if len(items) == 1:
        ((key, value),) = items.items()
        return leaf_hash(key, value)
    bit = lambda k: (k[depth >> 3] >> (7 - (depth & 7))) & 1  # noqa: E731
    left = {k: v for k, v in items.items() if bit(k) == 0}
    right = {k: v for k, v in items.items() if bit(k) == 1}
    return node_hash(reference_root(left, depth + 1), reference_root(right, depth + 1))


def person(no: str, events: int = 1) -> ChainState:
    state = ChainState(no)
    for i in range(events):
        state = state.then(i * 7, hashlib.sha256(f"{no}/{i}".encode()).digest())
    return state


class CountingNodes(MemoryNodes):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.read = 0

    def nodes(self, paths: Iterable[str]) -> Mapping[str, Node]:
        wanted = list(paths)
        self.calls += 1
        self.read += len(wanted)
        return super().nodes(wanted)


def test_the_empty_map_has_the_empty_root_and_proves_anyone_absent() -> None:
    nodes = MemoryNodes()
    proof, leaf = prove(nodes, key_of("P1"))
    assert nodes.root == EMPTY and leaf is None
    assert proof.end == "empty" and proof.depth == 0
    assert proof.root_for(key_of("P1"), None) == EMPTY


def test_a_map_of_one_person_is_that_persons_leaf_at_the_root() -> None:
    nodes = MemoryNodes()
    p = person("P1", 3)
    root = nodes.apply({p.key: p.value})
    assert root == leaf_hash(p.key, p.value)
    proof, leaf = prove(nodes, p.key)
    assert leaf is not None and proof.depth == 0 and proof.siblings == ()
    assert proof.root_for(p.key, p.value) == root
    other, none = prove(nodes, key_of("P2"))
    assert none is None and other.other_key == p.key
    assert other.root_for(key_of("P2"), None) == root


def test_inserts_and_updates_give_the_root_of_the_definition() -> None:
    nodes = MemoryNodes()
    items: dict[bytes, bytes] = {}
    for batch in (range(0, 5), range(5, 40), range(0, 40, 3)):
        changes = {}
        for i in batch:
            p = person(f"P{i:04d}", i % 5 + 1 + (batch.step == 3))
            changes[p.key] = p.value
        items.update(changes)
        assert nodes.apply(changes) == reference_root(items)


def test_an_update_reads_only_the_changed_paths_level_by_level() -> None:
    nodes = CountingNodes()
    nodes.apply({person(f"P{i}").key: person(f"P{i}").value for i in range(5000)})
    nodes.calls = nodes.read = 0
    changed = {person(f"P{i}", 2).key: person(f"P{i}", 2).value for i in range(10)}
    nodes.apply(changed)
    assert nodes.calls <= 20  # one call per level of the deepest changed path
    assert nodes.read <= 10 * 2 * 20  # each changed path and its siblings, no more


def test_inclusion_proofs_of_many_persons_are_short_and_verify() -> None:
    nodes = MemoryNodes()
    persons = [person(f"P{i}", 2) for i in range(3000)]
    root = nodes.apply({p.key: p.value for p in persons})
    for p in persons[:50]:
        proof, leaf = prove(nodes, p.key)
        assert leaf is not None and leaf.leaf_value == p.value
        assert proof.root_for(p.key, p.value) == root
        assert len(proof.siblings) <= 24  # about log2(3000) = 11.6 plus a few shared bits
        assert MapProof.from_dict(proof.to_dict()) == proof


def test_a_changed_count_or_chain_or_number_does_not_reach_the_root() -> None:
    nodes = MemoryNodes()
    persons = [person(f"P{i}", 3) for i in range(100)]
    root = nodes.apply({p.key: p.value for p in persons})
    p = persons[7]
    proof, _ = prove(nodes, p.key)
    assert proof.root_for(p.key, value_hash(p.personnel_no, 2, p.chain)) != root
    assert proof.root_for(p.key, value_hash(p.personnel_no, 3, EMPTY)) != root
    assert proof.root_for(p.key, value_hash("P8", 3, p.chain)) != root


def test_an_altered_sibling_or_bitmap_is_caught() -> None:
    nodes = MemoryNodes()
    persons = [person(f"P{i}") for i in range(200)]
    root = nodes.apply({p.key: p.value for p in persons})
    p = persons[3]
    proof, _ = prove(nodes, p.key)
    flipped = bytes([proof.siblings[0][0] ^ 1]) + proof.siblings[0][1:]
    forged = replace(proof, siblings=(flipped, *proof.siblings[1:]))
    assert forged.root_for(p.key, p.value) != root
    with pytest.raises(ProofError, match="bitmap"):
        replace(proof, present=bytes(len(proof.present))).root_for(p.key, p.value)


def test_an_inclusion_path_cannot_pass_as_absence_nor_the_reverse() -> None:
    nodes = MemoryNodes()
    persons = [person(f"P{i}") for i in range(64)]
    nodes.apply({p.key: p.value for p in persons})
    proof, _ = prove(nodes, persons[0].key)
    with pytest.raises(ProofError, match="present"):
        proof.root_for(persons[0].key, None)
    absent, _ = prove(nodes, key_of("P999"))
    with pytest.raises(ProofError, match="absent"):
        absent.root_for(key_of("P999"), value_hash("P999", 1, EMPTY))


def test_another_persons_leaf_off_the_path_is_no_absence_proof() -> None:
    nodes = MemoryNodes()
    persons = [person(f"P{i}") for i in range(64)]
    nodes.apply({p.key: p.value for p in persons})
    probe = key_of("P999")
    absent, _ = prove(nodes, probe)
    assert absent.depth > 0
    stranger = next(p for p in persons if (p.key[0] ^ probe[0]) & 0x80)
    forged = replace(absent, end="leaf", other_key=stranger.key, other_value=stranger.value)
    with pytest.raises(ProofError, match="not on this person's path"):
        forged.root_for(probe, None)


def test_a_leaf_lifted_past_an_empty_sibling_is_refused() -> None:
    nodes = MemoryNodes()
    a, b = person("P1"), person("P2")
    nodes.apply({a.key: a.value, b.key: b.value})
    proof, _ = prove(nodes, a.key)
    padded = replace(proof, depth=proof.depth + 1, present=proof.present or b"\0")
    with pytest.raises(ProofError):
        padded.root_for(a.key, a.value)


def test_the_chain_is_order_and_position_sensitive() -> None:
    h1, h2 = b"\x01" * 32, b"\x02" * 32
    assert fold(fold(EMPTY, 1, h1), 2, h2) != fold(fold(EMPTY, 2, h2), 1, h1)
    assert fold(EMPTY, 1, h1) != fold(EMPTY, 2, h1)
    expected = hashlib.sha256(b"\x02" + EMPTY + (5).to_bytes(8, "big") + h1).digest()
    assert fold(EMPTY, 5, h1) == expected


def test_a_malformed_proof_document_is_refused_with_the_version() -> None:
    with pytest.raises(ProofError, match="version 2"):
        MapProof.from_dict({"version": 2, "depth": 0, "present": "", "siblings": [], "end": "x"})
    with pytest.raises(ProofError, match="malformed"):
        MapProof.from_dict({"version": 1})


numbers = st.lists(st.text("0123456789AB", min_size=1, max_size=6), unique=True, max_size=60)


@settings(max_examples=60, deadline=None)
@given(first=numbers, second=numbers, probe=st.text("0123456789Z", min_size=1, max_size=7))
def test_any_sequence_of_updates_matches_the_definition_and_every_proof_holds(
    first: list[str], second: list[str], probe: str
) -> None:
    nodes = MemoryNodes()
    items: dict[bytes, bytes] = {}
    values: dict[str, bytes] = {}
    for round_, batch in enumerate((first, second)):
        changes = {}
        for no in batch:
            p = person(no, round_ + 1)
            changes[p.key] = p.value
            values[no] = p.value
        items.update(changes)
        root = nodes.apply(changes)
        assert root == reference_root(items)
    for no, value in values.items():
        proof, leaf = prove(nodes, key_of(no))
        assert leaf is not None
        assert MapProof.from_dict(proof.to_dict()).root_for(key_of(no), value) == nodes.root
    proof, leaf = prove(nodes, key_of(probe))
    if probe in values:
        assert leaf is not None
    else:
        assert leaf is None and proof.root_for(key_of(probe), None) == nodes.root
