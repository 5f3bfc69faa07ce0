"""Event signatures are verified by libsodium: strictly, and as OpenSSL does for every honest key.

The write path, every read and ``verify`` call :func:`ledger.signing.ed25519.verifies`; keys
are made and used to sign by ``cryptography`` (OpenSSL).
"""

from __future__ import annotations

from pathlib import Path

from cli_support import CliLedger, ledger, template  # noqa: F401
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.signing.ed25519 import is_sound_public_key, verifies

#: The identity point as a public key, and a signature (R = identity, S = 0) that OpenSSL
#: accepts for it over any message: a "key" anyone can sign with.
IDENTITY = bytes([1]) + bytes(31)
ANY_MESSAGE_SIGNATURE = bytes([1]) + bytes(63)


@settings(max_examples=60, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=700),
       flip=st.integers(min_value=0, max_value=64 * 8 - 1))  # fmt: skip
def test_a_signature_made_by_openssl_verifies_and_any_flipped_bit_does_not(
    seed: bytes, message: bytes, flip: int
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes_raw()
    signature = key.sign(message)
    assert is_sound_public_key(public)
    assert verifies(public, signature, message)
    bad = bytearray(signature)
    bad[flip // 8] ^= 1 << (flip % 8)
    assert not verifies(public, bytes(bad), message)
    assert not verifies(public, signature, message + b"\0")


def test_a_key_of_small_order_that_openssl_lets_anyone_sign_with_verifies_nothing() -> None:
    openssl = Ed25519PublicKey.from_public_bytes(IDENTITY)
    for message in (b"case opened", b"decision revoked"):
        openssl.verify(ANY_MESSAGE_SIGNATURE, message)  # OpenSSL: no exception
        assert not verifies(IDENTITY, ANY_MESSAGE_SIGNATURE, message)
    assert not is_sound_public_key(IDENTITY)


def test_wrong_lengths_are_a_failed_check_not_an_exception() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    signature = key.sign(b"m")
    assert not verifies(public[:31], signature, b"m")
    assert not verifies(public, signature[:63], b"m")
    assert not verifies(public, b"", b"m")


def test_key_add_refuses_a_public_key_anyone_could_sign_with(
    ledger: CliLedger,  # noqa: F811
    tmp_path: Path,
) -> None:
    weak = tmp_path / "weak.pem.pub"
    weak.write_bytes(
        Ed25519PublicKey.from_public_bytes(IDENTITY).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    before = ledger.event_count()
    err = ledger.refused("key", "add", "--holder", "某人", "--authority", "长沙市纪委监委",
                         "--authority-kind", "discipline", "--public-key", str(weak),
                         key=ledger.root)  # fmt: skip
    assert err == (
        f"Error: the public key {IDENTITY.hex()} is not a point of Ed25519's prime-order "
        "subgroup (small order, non-canonical or off the curve): signatures by it would prove "
        "nothing (key management: weak public key) Register a key made by `lifeledger key "
        "generate`.\n"
    )
    assert ledger.event_count() == before
