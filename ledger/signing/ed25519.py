"""Ed25519 verification of event signatures: one rule for the write path, the reads and verify.

libsodium (PyNaCl, PyCA's binding) verifies as RFC 8032 §5.1.7 asks with the checks the
standard leaves to the implementer made strict: a canonical ``S``, and no public key or ``R``
of small order. OpenSSL (through ``cryptography``) accepts the identity point as a public key,
with which anyone "signs" any message: an administrator registering such a key would hand every
writer to the database a key that needs no secret. libsodium refuses those signatures, and
:func:`check_public_key` refuses such keys at registration. It is also about twice as fast as
OpenSSL on this kind of machine (bench/README.md), which matters to every read: each checks the
signature of every event it shows (trust model, DESIGN.md).

Signing stays with ``cryptography`` (key files, passphrases); its signatures verify here.
"""

from __future__ import annotations

# libsodium itself, as PyNaCl builds it: ``nacl.bindings`` would load every binding (about
# 40 ms of start-up for a command that needs two functions); ``sodium_init`` is what it runs.
from nacl._sodium import ffi as _ffi
from nacl._sodium import lib as _lib

from ledger.errors import KeyManagementError
from ledger.i18n import _

__all__ = [
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "check_public_key",
    "is_sound_public_key",
    "verifies",
]

if _lib.sodium_init() < 0:  # 0: initialised now, 1: already; -1: the library cannot run
    raise ImportError("libsodium could not be initialised")

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def verifies(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` by the key ``public_raw`` covers exactly ``message``."""
    if len(signature) != SIGNATURE_SIZE or len(public_raw) != PUBLIC_KEY_SIZE:
        return False
    signed = signature + message  # libsodium's combined form (PyNaCl builds no detached call)
    opened = _ffi.new("unsigned char[]", len(signed))
    opened_size = _ffi.new("unsigned long long *")
    rc: int = _lib.crypto_sign_open(opened, opened_size, signed, len(signed), public_raw)
    return rc == 0


def is_sound_public_key(public_raw: bytes) -> bool:
    """A canonical point of the prime-order subgroup: a key only its holder can sign with."""
    return (
        len(public_raw) == PUBLIC_KEY_SIZE
        and _lib.crypto_core_ed25519_is_valid_point(public_raw) == 1
    )


def check_public_key(public_raw: bytes) -> None:
    """Refuse to register a public key of small order or off the curve's prime-order subgroup."""
    if not is_sound_public_key(public_raw):
        raise KeyManagementError(
            _("weak public key"),
            _(
                "the public key {key} is not a point of Ed25519's prime-order subgroup (small "
                "order, non-canonical or off the curve): signatures by it would prove nothing"
            ).format(key=public_raw.hex()),
            _("Register a key made by `lifeledger key generate`."),
        )
