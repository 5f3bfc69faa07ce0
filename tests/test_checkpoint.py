"""C2SP checkpoints, signed notes and cosignatures.

Known answers: the examples printed in c2sp.org/tlog-checkpoint, signed-note and
tlog-cosignature, and the PeterNeumann key and note of the Go reference implementation
(golang.org/x/mod/sumdb/note, note_test.go), which an Ed25519 signer must reproduce byte for byte.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.transparency.checkpoint import (
    MAX_SIGNATURES,
    MAX_TIMESTAMP,
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Checkpoint,
    NoteSignature,
    cosign,
    cosignature_key_id,
    cosigned_message,
    note_key_id,
    open_note,
    parse_signature_line,
    parse_vkey,
    sign_note,
    verify_cosignature,
    verify_note,
    vkey,
)
from ledger.transparency.merkle import MerkleTree, leaf_hash

DASH = "\u2014"

# golang.org/x/mod/sumdb/note note_test.go
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
GO_NOTE = GO_TEXT + f"\n{DASH} PeterNeumann {GO_SIGNATURE}\n".encode()

# c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature examples
SPEC_BODY = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_LOG_LINE = (
    f"{DASH} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)
SPEC_WITNESS_LINE = (
    f"{DASH} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dl"
    "rDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)

LOG = "log.example/lifeledger"
WITNESS = "witness.example/w1"


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


@pytest.fixture(scope="module")
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="module")
def witness_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


@pytest.fixture(scope="module")
def checkpoint() -> Checkpoint:
    tree = MerkleTree(leaf_hash(b"event %d" % i) for i in range(10))
    return Checkpoint(LOG, len(tree), tree.root())


# --- known answers ------------------------------------------------------------------------------


def test_the_go_reference_key_has_the_published_key_id_and_vkey() -> None:
    parsed = parse_vkey(GO_VKEY)
    assert parsed.name == "PeterNeumann"
    assert parsed.signature_type == SIG_ED25519
    assert note_key_id("PeterNeumann", parsed.public_key_raw).hex() == "c74f20a3"
    assert vkey("PeterNeumann", parsed.public_key_raw) == GO_VKEY


def test_the_go_reference_note_is_reproduced_byte_for_byte_and_verifies() -> None:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])  # the key may hold "+"
    assert seed[0] == SIG_ED25519
    private_key = Ed25519PrivateKey.from_private_bytes(seed[1:])
    assert sign_note(GO_TEXT, "PeterNeumann", private_key) == GO_NOTE
    verified = verify_note(GO_NOTE, {"PeterNeumann": parse_vkey(GO_VKEY).public_key()})
    assert verified.text == GO_TEXT
    assert verified.names == {"PeterNeumann"}


def test_the_spec_example_checkpoint_parses_and_reencodes_identically() -> None:
    parsed = Checkpoint.parse(SPEC_BODY)
    assert parsed.origin == "example.com/behind-the-sofa"
    assert parsed.size == 20852163
    assert len(parsed.root) == 32
    assert parsed.extensions == ()
    assert parsed.body() == SPEC_BODY


def test_the_spec_example_cosignature_carries_the_timestamp_of_its_example_message() -> None:
    note = SPEC_BODY + b"\n" + SPEC_LOG_LINE.encode() + SPEC_WITNESS_LINE.encode()
    text, (log_signature, witness_signature) = open_note(note)
    assert text == SPEC_BODY
    assert log_signature.name == "example.com/behind-the-sofa"
    assert len(log_signature.signature) == 64
    assert witness_signature.name == "witness.example.com/w1"
    assert len(witness_signature.signature) == 8 + 64
    timestamp = int.from_bytes(witness_signature.signature[:8], "big")
    assert timestamp == 1679315147
    assert cosigned_message(SPEC_BODY, timestamp) == (
        b"cosignature/v1\ntime 1679315147\n" + SPEC_BODY
    )


# --- checkpoints --------------------------------------------------------------------------------

lines = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


@given(
    origin=lines,
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(lines, max_size=3).map(tuple),
)
def test_a_checkpoint_survives_a_round_trip_through_its_body(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    checkpoint = Checkpoint(origin, size, root, extensions)
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


def test_a_checkpoint_body_has_the_spec_layout(checkpoint: Checkpoint) -> None:
    body = Checkpoint("a.example/log", 0, b"\x00" * 32, ("ext",)).body()
    assert body == b"a.example/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next\n"
    assert checkpoint.body().count(b"\n") == 3


ROOT = base64.b64encode(b"\x01" * 32)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"log\n10\n" + ROOT, id="no-final-newline"),
        pytest.param(b"log\n10\n", id="no-root-line"),
        pytest.param(b"log\n010\n" + ROOT + b"\n", id="leading-zero"),
        pytest.param(b"log\n00\n" + ROOT + b"\n", id="double-zero"),
        pytest.param(b"log\n+10\n" + ROOT + b"\n", id="plus-sign"),
        pytest.param(b"log\n-1\n" + ROOT + b"\n", id="negative"),
        pytest.param(b"log\n 10\n" + ROOT + b"\n", id="space-before-size"),
        pytest.param(b"log\n1_0\n" + ROOT + b"\n", id="underscore"),
        pytest.param("log\n١٠\n".encode() + ROOT + b"\n", id="non-ascii-digits"),
        pytest.param(b"log\n18446744073709551616\n" + ROOT + b"\n", id="size-beyond-uint64"),
        pytest.param(b"log\n10\n" + base64.b64encode(b"\x01" * 31) + b"\n", id="short-root"),
        pytest.param(b"log\n10\n" + base64.b64encode(b"\x01" * 33) + b"\n", id="long-root"),
        pytest.param(b"log\n10\n" + ROOT.rstrip(b"=") + b"\n", id="unpadded-root"),
        pytest.param(b"log\n10\n" + ROOT[:-2] + b"F=\n", id="non-canonical-root"),
        pytest.param(b"log\n10\n" + ROOT.replace(b"A", b"-") + b"\n", id="urlsafe-root"),
        pytest.param(b"log\n10\n!" + ROOT[1:] + b"\n", id="bad-base64-root"),
        pytest.param(b"\n10\n" + ROOT + b"\n", id="empty-origin"),
        pytest.param(b"log\n10\n" + ROOT + b"\n\n", id="empty-extension-line"),
        pytest.param(b"log\n10\n" + ROOT + b"\r\n", id="carriage-return"),
        pytest.param(b"lo\tg\n10\n" + ROOT + b"\n", id="tab-in-origin"),
        pytest.param(b"l\xffg\n10\n" + ROOT + b"\n", id="invalid-utf8"),
    ],
)
def test_a_malformed_checkpoint_body_is_refused(body: bytes) -> None:
    assert Checkpoint.parse(b"log\n10\n" + ROOT + b"\n").size == 10
    with pytest.raises(ProofError):
        Checkpoint.parse(body)


def test_a_checkpoint_with_impossible_fields_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        Checkpoint("log", -1, b"\x00" * 32)
    with pytest.raises(ValueError):
        Checkpoint("log", 1, b"\x00" * 31)
    with pytest.raises(ValueError):
        Checkpoint("two\nlines", 1, b"\x00" * 32)
    with pytest.raises(ValueError):
        Checkpoint("log", 1, b"\x00" * 32, ("",))


# --- signed notes -------------------------------------------------------------------------------


def test_a_signed_checkpoint_round_trips_and_verifies(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    text, signatures = open_note(note)
    assert text == checkpoint.body()
    assert signatures == [
        NoteSignature(LOG, note_key_id(LOG, _raw(log_key)), signatures[0].signature)
    ]
    verified = verify_note(note, {LOG: log_key.public_key()}, required={LOG})
    assert Checkpoint.parse(verified.text) == checkpoint
    assert verified.names == {LOG}


def test_a_checkpoint_whose_root_was_changed_fails(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    forged_body = dataclasses.replace(checkpoint, root=b"\x42" * 32).body()
    forged = note.replace(checkpoint.body(), forged_body)
    assert forged != note
    with pytest.raises(ProofError):
        verify_note(forged, {LOG: log_key.public_key()})


def test_a_body_edited_after_signing_fails(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    edited = note.replace(b"\n10\n", b"\n11\n", 1)
    assert edited != note
    with pytest.raises(ProofError):
        verify_note(edited, {LOG: log_key.public_key()})


def test_a_signature_from_another_key_name_is_ignored(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    stranger = sign_note(checkpoint.body(), "stranger.example/k", witness_key)
    both = note + stranger.splitlines(keepends=True)[-1]
    verified = verify_note(both, {LOG: log_key.public_key()})
    assert verified.names == {LOG}
    assert len(open_note(both)[1]) == 2


def test_a_signature_by_the_right_name_but_another_key_is_ignored(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    impostor = sign_note(checkpoint.body(), LOG, witness_key)
    with pytest.raises(ProofError, match="no signature from a known key"):
        verify_note(impostor, {LOG: log_key.public_key()})
    genuine_line = sign_note(checkpoint.body(), LOG, log_key).splitlines(keepends=True)[-1]
    assert verify_note(impostor + genuine_line, {LOG: log_key.public_key()}).names == {LOG}


def test_a_note_without_a_valid_required_signature_fails(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    with pytest.raises(ProofError):
        verify_note(note, {WITNESS: witness_key.public_key()})
    with pytest.raises(ProofError):
        verify_note(note, {}, required={LOG})
    trusted = {LOG: log_key.public_key(), WITNESS: witness_key.public_key()}
    with pytest.raises(ProofError, match=WITNESS):
        verify_note(note, trusted, required={LOG, WITNESS})
    assert verify_note(note, trusted).names == {LOG}


def test_a_bad_signature_from_a_known_key_refuses_the_whole_note(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    text = checkpoint.body()
    good = sign_note(text, WITNESS, witness_key).splitlines(keepends=True)[-1]
    bad = NoteSignature(LOG, note_key_id(LOG, _raw(log_key)), b"\x00" * 64).line()
    trusted = {LOG: log_key.public_key(), WITNESS: witness_key.public_key()}
    with pytest.raises(ProofError, match="does not verify"):
        verify_note(text + b"\n" + good + bad, trusted)


def test_a_rotated_key_still_verifies_old_notes(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    old_note = sign_note(checkpoint.body(), LOG, log_key)
    new_note = sign_note(checkpoint.body(), LOG, witness_key)
    both_keys = {LOG: [log_key.public_key(), witness_key.public_key()]}
    assert verify_note(old_note, both_keys).names == {LOG}
    assert verify_note(new_note, both_keys).names == {LOG}


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda n: n.replace(b"\n\n", b"\n"), id="no-blank-line"),
        pytest.param(lambda n: n[:-1], id="no-final-newline"),
        pytest.param(lambda n: n.replace(DASH.encode(), b"-"), id="hyphen-instead-of-em-dash"),
        pytest.param(lambda n: n.replace(DASH.encode() + b" ", DASH.encode()), id="no-space"),
        pytest.param(lambda n: n.replace(f" {LOG} ".encode(), f"  {LOG} ".encode()), id="2-spaces"),
        pytest.param(lambda n: n.replace(LOG.encode() + b" ", b"a+b "), id="plus-in-name"),
        pytest.param(lambda n: n[:-3] + b"!=\n", id="bad-base64"),
        pytest.param(lambda n: n.rsplit(b" ", 1)[0] + b" AAAAAA==\n", id="key-id-only"),
        pytest.param(lambda n: n + b"\n", id="trailing-blank-line"),
        pytest.param(lambda n: n.replace(b"\n10\n", b"\n1\x0b\n"), id="control-character"),
        pytest.param(lambda n: n + b"\xff\n", id="invalid-utf8"),
    ],
)
def test_a_malformed_note_is_refused(
    mangle: Callable[[bytes], bytes], checkpoint: Checkpoint, log_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    damaged = mangle(note)
    assert damaged != note
    with pytest.raises(ProofError):
        open_note(damaged)
    with pytest.raises(ProofError):
        verify_note(damaged, {LOG: log_key.public_key()})


def test_a_note_with_too_many_signatures_is_refused(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    line = note.splitlines(keepends=True)[-1]
    assert len(open_note(note + line * (MAX_SIGNATURES - 1))[1]) == MAX_SIGNATURES
    with pytest.raises(ProofError):
        open_note(note + line * MAX_SIGNATURES)


def test_text_that_is_not_a_note_text_cannot_be_signed(log_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError):
        sign_note(b"no final newline", LOG, log_key)
    with pytest.raises(ValueError):
        sign_note(b"tab\there\n", LOG, log_key)
    with pytest.raises(ValueError):
        sign_note(b"text\n", "has space", log_key)


def test_vkeys_round_trip_and_refuse_tampering(log_key: Ed25519PrivateKey) -> None:
    text = vkey(LOG, _raw(log_key))
    assert parse_vkey(text) == (LOG, SIG_ED25519, _raw(log_key))
    cosigner = vkey(WITNESS, _raw(log_key), signature_type=SIG_COSIGNATURE_V1)
    assert parse_vkey(cosigner).key_id == cosignature_key_id(WITNESS, _raw(log_key))
    name, key_hash, material = text.split("+", 2)
    wrong_type = base64.b64encode(b"\x02" + _raw(log_key)).decode()
    for bad in [
        f"{name}+{key_hash}",
        f"other.example+{key_hash}+{material}",
        f"{name}+{key_hash.upper()}+{material}",
        f"{name}+{key_hash}+{material[:-4]}",
        f"{name}+{key_hash}+{wrong_type}",
    ]:
        with pytest.raises(ProofError):
            parse_vkey(bad)


# --- cosignatures -------------------------------------------------------------------------------


def test_a_cosignature_verifies_and_returns_its_timestamp(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    cosigned = note + cosign(checkpoint.body(), WITNESS, witness_key, 1_700_000_000)
    text, signatures = open_note(cosigned)
    cosignature = signatures[-1]
    assert cosignature.name == WITNESS
    assert cosignature.key_id == cosignature_key_id(WITNESS, _raw(witness_key))
    assert cosignature.signature[:8] == (1_700_000_000).to_bytes(8, "big")
    assert verify_cosignature(text, cosignature, witness_key.public_key()) == 1_700_000_000
    # The log's note signature still verifies; the cosignature line is another key to it.
    assert verify_note(cosigned, {LOG: log_key.public_key()}).names == {LOG}


def test_a_cosignature_fails_for_a_different_timestamp(
    checkpoint: Checkpoint, witness_key: Ed25519PrivateKey
) -> None:
    line = cosign(checkpoint.body(), WITNESS, witness_key, 1_700_000_000)
    signature = parse_signature_line(line)
    moved = dataclasses.replace(
        signature, signature=(1_700_000_001).to_bytes(8, "big") + signature.signature[8:]
    )
    with pytest.raises(ProofError, match="does not verify"):
        verify_cosignature(checkpoint.body(), moved, witness_key.public_key())


def test_a_cosignature_fails_for_another_checkpoint_or_another_key(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    signature = parse_signature_line(cosign(checkpoint.body(), WITNESS, witness_key, 5))
    grown = dataclasses.replace(checkpoint, size=checkpoint.size + 1).body()
    with pytest.raises(ProofError):
        verify_cosignature(grown, signature, witness_key.public_key())
    with pytest.raises(ProofError, match="key ID"):
        verify_cosignature(checkpoint.body(), signature, log_key.public_key())
    with pytest.raises(ProofError):
        verify_cosignature(b"not a checkpoint\n", signature, witness_key.public_key())


def test_a_cosignature_key_id_uses_type_0x04_and_differs_from_the_note_key_id(
    witness_key: Ed25519PrivateKey,
) -> None:
    raw = _raw(witness_key)
    expected = hashlib.sha256(WITNESS.encode() + b"\n\x04" + raw).digest()[:4]
    assert cosignature_key_id(WITNESS, raw) == expected
    assert (
        note_key_id(WITNESS, raw) == hashlib.sha256(WITNESS.encode() + b"\n\x01" + raw).digest()[:4]
    )
    assert cosignature_key_id(WITNESS, raw) != note_key_id(WITNESS, raw)


def test_a_cosignature_is_not_taken_for_a_note_signature(
    checkpoint: Checkpoint, log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    note = sign_note(checkpoint.body(), LOG, log_key)
    cosigned = note + cosign(checkpoint.body(), WITNESS, witness_key, 7)
    with pytest.raises(ProofError, match="no signature from a known key"):
        verify_note(cosigned, {WITNESS: witness_key.public_key()})


def test_cosignature_timestamps_are_bounded(
    checkpoint: Checkpoint, witness_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(ValueError):
        cosign(checkpoint.body(), WITNESS, witness_key, MAX_TIMESTAMP + 1)
    with pytest.raises(ValueError):
        cosign(checkpoint.body(), WITNESS, witness_key, -1)
    with pytest.raises(ValueError):
        cosign(b"not a checkpoint\n", WITNESS, witness_key, 1)
    top = parse_signature_line(cosign(checkpoint.body(), WITNESS, witness_key, MAX_TIMESTAMP))
    assert verify_cosignature(checkpoint.body(), top, witness_key.public_key()) == MAX_TIMESTAMP
    with pytest.raises(ProofError, match="future"):
        verify_cosignature(checkpoint.body(), top, witness_key.public_key(), not_after=10)
    overflow = dataclasses.replace(top, signature=b"\xff" * 8 + top.signature[8:])
    with pytest.raises(ProofError, match="2\\^63"):
        verify_cosignature(checkpoint.body(), overflow, witness_key.public_key())
    short = dataclasses.replace(top, signature=top.signature[:-1])
    with pytest.raises(ProofError):
        verify_cosignature(checkpoint.body(), short, witness_key.public_key())


def test_a_signature_line_must_be_exactly_one_line() -> None:
    line = NoteSignature(WITNESS, b"\x00\x01\x02\x03", b"\x04").line()
    assert line == f"{DASH} {WITNESS} AAECAwQ=\n".encode()
    assert parse_signature_line(line) == NoteSignature(WITNESS, b"\x00\x01\x02\x03", b"\x04")
    with pytest.raises(ProofError):
        parse_signature_line(line[:-1])
    with pytest.raises(ProofError):
        parse_signature_line(line + line)
