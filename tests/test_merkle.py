"""RFC 9162 §2.1 Merkle trees: public transparency-dev vectors, reference roots, properties.

The vectors under ``vectors/transparency-dev-merkle`` come unchanged from transparency-dev/merkle
(Apache-2.0, see its LICENSE and SOURCE.md). Each file carries ``wantErr``: every file that says
it must verify does, and every corrupted one is refused with ProofError.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.transparency.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors" / "transparency-dev-merkle" / "testdata"

# The eight entries of the RFC 6962 reference tree that the vectors' happy paths are built on.
RFC6962_ENTRIES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]


def _load(kind: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


INCLUSION = _load("inclusion")
CONSISTENCY = _load("consistency")


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in vector["proof"] or []]


def _params(cases: list[tuple[str, dict[str, Any]]], want_err: bool) -> list[Any]:
    return [pytest.param(v, id=name) for name, v in cases if v["wantErr"] is want_err]


def _check_inclusion(v: dict[str, Any]) -> None:
    verify_inclusion(_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v), _b64(v["root"]))


def _check_consistency(v: dict[str, Any]) -> None:
    verify_consistency(v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v))


# --- public vectors ----------------------------------------------------------------------------


def test_all_vector_files_are_vendored() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert (VECTORS.parent / "LICENSE").is_file()
    assert (VECTORS.parent / "SOURCE.md").is_file()


def test_every_happy_path_vector_is_marked_valid_and_only_two_others_are() -> None:
    valid = {name for name, v in INCLUSION + CONSISTENCY if not v["wantErr"]}
    happy = {name for name, _ in INCLUSION + CONSISTENCY if name.endswith("happy-path.json")}
    assert happy <= valid
    # Two further files are valid by design: a one-leaf tree whose root is its leaf, and two
    # equal sizes with equal roots and an empty proof.
    assert valid - happy == {
        "inclusion/single-entry/matching-root-and-leaf.json",
        "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json",
    }


@pytest.mark.parametrize("vector", _params(INCLUSION, want_err=False))
def test_every_valid_inclusion_vector_verifies(vector: dict[str, Any]) -> None:
    _check_inclusion(vector)


@pytest.mark.parametrize("vector", _params(INCLUSION, want_err=True))
def test_every_corrupted_inclusion_vector_is_refused(vector: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        _check_inclusion(vector)


@pytest.mark.parametrize("vector", _params(CONSISTENCY, want_err=False))
def test_every_valid_consistency_vector_verifies(vector: dict[str, Any]) -> None:
    _check_consistency(vector)


@pytest.mark.parametrize("vector", _params(CONSISTENCY, want_err=True))
def test_every_corrupted_consistency_vector_is_refused(vector: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        _check_consistency(vector)


HAPPY = [(n, v) for n, v in INCLUSION + CONSISTENCY if n.endswith("happy-path.json")]


@pytest.mark.parametrize("vector", [pytest.param(v, id=n) for n, v in HAPPY])
def test_the_tree_generates_the_happy_path_proofs_byte_for_byte(vector: dict[str, Any]) -> None:
    tree = MerkleTree(leaf_hash(entry) for entry in RFC6962_ENTRIES)
    if "leafIdx" in vector:
        assert tree.root(vector["treeSize"]) == _b64(vector["root"])
        assert tree.inclusion_proof(vector["leafIdx"], vector["treeSize"]) == _proof(vector)
    else:
        assert tree.root(vector["size1"]) == _b64(vector["root1"])
        assert tree.root(vector["size2"]) == _b64(vector["root2"])
        assert tree.consistency_proof(vector["size1"], vector["size2"]) == _proof(vector)


# --- known answers (RFC 6962 reference tree) ----------------------------------------------------


def test_hashes_are_domain_separated_sha256() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert node_hash(leaf_hash(b""), leaf_hash(b"\x00")) == root_from_leaves(
        [leaf_hash(b""), leaf_hash(b"\x00")]
    )


def test_the_reference_tree_of_eight_leaves_has_the_published_root() -> None:
    leaves = [leaf_hash(entry) for entry in RFC6962_ENTRIES]
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert root_from_leaves(leaves).hex() == expected
    assert MerkleTree(leaves).root().hex() == expected


# --- properties against the reference implementation --------------------------------------------


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_every_generated_inclusion_proof_verifies_against_the_reference_root(
    size: int, data: st.DataObject
) -> None:
    leaves = _leaves(size)
    tree = MerkleTree(leaves)
    for _ in range(10):
        tree_size = data.draw(st.integers(min_value=1, max_value=size), label="tree_size")
        index = data.draw(st.integers(min_value=0, max_value=tree_size - 1), label="index")
        root = root_from_leaves(leaves[:tree_size])
        proof = tree.inclusion_proof(index, tree_size)
        verify_inclusion(leaves[index], index, tree_size, proof, root)


@settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_every_generated_consistency_proof_verifies_against_the_reference_roots(
    size: int, data: st.DataObject
) -> None:
    leaves = _leaves(size)
    tree = MerkleTree(leaves)
    for _ in range(10):
        new_size = data.draw(st.integers(min_value=1, max_value=size), label="new_size")
        old_size = data.draw(st.integers(min_value=1, max_value=new_size), label="old_size")
        proof = tree.consistency_proof(old_size, new_size)
        verify_consistency(
            old_size,
            new_size,
            root_from_leaves(leaves[:old_size]),
            root_from_leaves(leaves[:new_size]),
            proof,
        )


def test_every_proof_of_every_pair_verifies_in_a_small_tree() -> None:
    leaves = _leaves(33)
    tree = MerkleTree(leaves)
    for new_size in range(1, len(leaves) + 1):
        root = root_from_leaves(leaves[:new_size])
        for index in range(new_size):
            verify_inclusion(
                leaves[index], index, new_size, tree.inclusion_proof(index, new_size), root
            )
        for old_size in range(1, new_size + 1):
            old_root = root_from_leaves(leaves[:old_size])
            proof = tree.consistency_proof(old_size, new_size)
            verify_consistency(old_size, new_size, old_root, root, proof)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=0, max_value=300))
def test_the_root_at_every_earlier_size_equals_the_reference_root(size: int) -> None:
    leaves = _leaves(size)
    tree = MerkleTree(leaves)
    for earlier in range(size + 1):
        assert tree.root(earlier) == root_from_leaves(leaves[:earlier])
    assert tree.root() == tree.root(size)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=0, max_value=200), cut=st.integers(min_value=0, max_value=200))
def test_appending_one_by_one_and_loading_in_bulk_build_the_same_tree(size: int, cut: int) -> None:
    leaves = _leaves(size)
    one_by_one = MerkleTree()
    for position, h in enumerate(leaves):
        assert one_by_one.append(h) == position
    mixed = MerkleTree(leaves[:cut])
    mixed.extend(leaves[cut:])
    assert len(one_by_one) == len(mixed) == size
    assert one_by_one.root() == mixed.root() == root_from_leaves(leaves)
    assert [one_by_one.leaf(i) for i in range(size)] == leaves


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=2, max_value=150), data=st.data())
def test_a_proof_with_any_flipped_bit_is_refused(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = tree.inclusion_proof(index, size)
    spot = data.draw(st.integers(min_value=0, max_value=len(proof) * 256 - 1))
    damaged = [bytearray(p) for p in proof]
    damaged[spot // 256][spot % 256 // 8] ^= 1 << (spot % 8)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[index], index, size, [bytes(p) for p in damaged], tree.root())
    old = data.draw(st.integers(min_value=1, max_value=size - 1))
    cproof = tree.consistency_proof(old, size)
    bit = data.draw(st.integers(min_value=0, max_value=len(cproof) * 256 - 1))
    broken = [bytearray(p) for p in cproof]
    broken[bit // 256][bit % 256 // 8] ^= 1 << (bit % 8)
    with pytest.raises(ProofError):
        verify_consistency(old, size, tree.root(old), tree.root(), [bytes(p) for p in broken])


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=2, max_value=150), data=st.data())
def test_a_proof_for_one_leaf_does_not_prove_another(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index))
    proof = tree.inclusion_proof(index, size)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[other], index, size, proof, tree.root())
    with pytest.raises(ProofError):
        verify_inclusion(leaves[index], other, size, proof, tree.root())


# --- edges and refusals --------------------------------------------------------------------------


def test_the_empty_tree_has_the_empty_root_and_no_proofs() -> None:
    tree = MerkleTree()
    assert len(tree) == 0
    assert tree.root() == EMPTY_ROOT == root_from_leaves([])
    with pytest.raises(ProofError):
        tree.inclusion_proof(0, 0)


def test_a_leaf_outside_the_tree_is_refused() -> None:
    leaves = _leaves(4)
    tree = MerkleTree(leaves)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[0], 4, 4, tree.inclusion_proof(0, 4), tree.root())
    with pytest.raises(ProofError):
        verify_inclusion(leaves[0], -1, 4, tree.inclusion_proof(0, 4), tree.root())
    with pytest.raises(ProofError):
        tree.inclusion_proof(4, 4)
    with pytest.raises(ProofError):
        tree.inclusion_proof(0, 5)
    with pytest.raises(IndexError):
        tree.leaf(4)


def test_consistency_from_size_zero_or_backwards_is_refused() -> None:
    tree = MerkleTree(_leaves(5))
    with pytest.raises(ProofError):
        verify_consistency(0, 5, EMPTY_ROOT, tree.root(), [])
    with pytest.raises(ProofError):
        verify_consistency(5, 3, tree.root(), tree.root(3), [])
    with pytest.raises(ProofError):
        tree.consistency_proof(0, 5)
    with pytest.raises(ProofError):
        tree.consistency_proof(4, 3)
    with pytest.raises(ProofError):
        tree.root(6)


def test_equal_sizes_need_an_empty_proof_and_equal_roots() -> None:
    tree = MerkleTree(_leaves(5))
    assert tree.consistency_proof(5, 5) == []
    verify_consistency(5, 5, tree.root(), tree.root(), [])
    with pytest.raises(ProofError):
        verify_consistency(5, 5, tree.root(), tree.root(), [tree.root()])
    with pytest.raises(ProofError):
        verify_consistency(5, 5, tree.root(4), tree.root(), [])


def test_proof_elements_of_the_wrong_length_are_refused() -> None:
    leaves = _leaves(6)
    tree = MerkleTree(leaves)
    proof = tree.inclusion_proof(2, 6)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[2], 2, 6, [*proof[:-1], proof[-1] + b"\x00"], tree.root())
    with pytest.raises(ProofError):
        verify_inclusion(leaves[2][:31], 2, 6, proof, tree.root())


def test_a_leaf_hash_of_the_wrong_length_cannot_be_appended() -> None:
    tree = MerkleTree()
    with pytest.raises(ValueError):
        tree.append(b"\x00" * 31)
    with pytest.raises(ValueError):
        MerkleTree([b"\x00" * 33])
    assert len(tree) == 0


# --- size ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_proofs_at_a_million_leaves_verify_and_a_wrong_root_fails_them() -> None:
    """How fast they are is bench/run.py's figure 6, not a test's business."""
    n = 1_000_000
    blob = random.Random(0).randbytes(32 * n)
    leaves = [blob[i : i + 32] for i in range(0, len(blob), 32)]
    tree = MerkleTree(leaves)
    root = tree.root()
    rng = random.Random(1)
    for _ in range(50):
        index, old = rng.randrange(n), rng.randrange(1, n)
        proof = tree.inclusion_proof(index, n)
        verify_inclusion(leaves[index], index, n, proof, root)
        verify_consistency(old, n, tree.root(old), root, tree.consistency_proof(old, n))
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, n, proof, tree.root(old))
