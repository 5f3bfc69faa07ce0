"""Ed25519 signatures bound to the stored row, and signer keys on disk.

A stored event's ``state`` is an envelope::

    b"LLS1" ‖ key id (8 bytes) ‖ Ed25519 signature (64 bytes) ‖ payload

where the payload is what the library's mapper produced (JSON, after any compression and
encryption). The signature covers a domain-separated message made of the aggregate id,
the version, the event topic and SHA-256 of the payload, so that an auditor verifies the
exact stored bytes with public keys alone, and a valid record cannot be moved to another
row. The key id is stored with every signature so that rotation never breaks old ones.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import KeyFileError, TamperedEventError
from ledger.i18n import _
from ledger.signing.ed25519 import verifies

MAGIC = b"LLS1"
KEY_ID_SIZE = 8
SIGNATURE_SIZE = 64
HEADER_SIZE = len(MAGIC) + KEY_ID_SIZE + SIGNATURE_SIZE
EVENT_DOMAIN = b"lifeledger/event/v1\n"
_KEY_START = len(MAGIC)
_SIGNATURE_START = _KEY_START + KEY_ID_SIZE


def fingerprint(public_raw: bytes) -> str:
    """SHA-256 of the raw public key, hex: what auditors pin for the root key."""
    return hashlib.sha256(public_raw).hexdigest()


def key_id_of(public_raw: bytes) -> bytes:
    """The first 8 bytes of the fingerprint, stored with every signature."""
    return hashlib.sha256(public_raw).digest()[:KEY_ID_SIZE]


def signed_message(originator_id: UUID, version: int, topic: str, payload_hash: bytes) -> bytes:
    """The bytes an event signature covers: row identity plus the payload's hash."""
    topic_bytes = topic.encode()
    return b"".join(
        (
            EVENT_DOMAIN,
            originator_id.bytes,
            struct.pack(">QI", version, len(topic_bytes)),
            topic_bytes,
            payload_hash,
        )
    )


@dataclass(frozen=True)
class Envelope:
    """A stored state split into its parts; ``payload`` is exactly the stored bytes."""

    key_id: bytes
    signature: bytes
    payload: bytes

    @classmethod
    def parse(cls, state: bytes) -> Envelope:
        if len(state) < HEADER_SIZE or state[: len(MAGIC)] != MAGIC:
            raise TamperedEventError(_("stored state is not a signed lifeledger envelope"))
        state = bytes(state)  # the object itself when it is bytes; slices of it are bytes
        return cls(state[_KEY_START:_SIGNATURE_START], state[_SIGNATURE_START:HEADER_SIZE],
                   state[HEADER_SIZE:])  # fmt: skip

    def pack(self) -> bytes:
        return MAGIC + self.key_id + self.signature + self.payload


class Signer:
    """A private key in memory, with the key id that is stored beside its signatures."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_raw = private_key.public_key().public_bytes_raw()
        self.key_id = key_id_of(self.public_raw)
        self.fingerprint = fingerprint(self.public_raw)

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    @property
    def private_key(self) -> Ed25519PrivateKey:
        return self._private

    def seal(self, originator_id: UUID, version: int, topic: str, payload: bytes) -> bytes:
        """Wrap a payload in a signed envelope bound to its row."""
        digest = hashlib.sha256(payload).digest()
        signature = self.sign(signed_message(originator_id, version, topic, digest))
        return MAGIC + self.key_id + signature + payload

    def save(self, path: Path, passphrase: str) -> None:
        """Write the key as encrypted PKCS#8 PEM, readable by its owner only."""
        if not passphrase:
            raise KeyFileError(_("a passphrase is required to protect the private key"))
        from cryptography.hazmat.primitives import serialization  # key files only: slow import

        pem = self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
        if path.exists():
            raise KeyFileError(
                _("key file {path} already exists; refusing to overwrite it").format(path=path)
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)

    @classmethod
    def load(cls, path: Path, passphrase: str) -> Signer:
        """Read an encrypted PKCS#8 key; a wrong passphrase is a KeyFileError."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KeyFileError(_("key file {path} does not exist").format(path=path)) from None
        except OSError as e:
            raise KeyFileError(
                _("key file {path} cannot be read: {strerror}").format(
                    path=path, strerror=e.strerror
                )
            ) from e
        from cryptography.hazmat.primitives import serialization

        try:
            key = serialization.load_pem_private_key(data, passphrase.encode() or None)
        except (ValueError, TypeError) as e:
            raise KeyFileError(
                _("cannot open key file {path}: wrong passphrase or not a private key").format(
                    path=path
                )
            ) from e
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(_("key file {path} does not hold an Ed25519 key").format(path=path))
        return cls(key)


def public_key_from_raw(public_raw: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(public_raw)
    except ValueError as e:
        raise TamperedEventError(_("a registered public key is malformed")) from e


def check_signature(
    public_key: Ed25519PublicKey | bytes,
    envelope: Envelope,
    originator_id: UUID,
    version: int,
    topic: str,
) -> bool:
    """True when the envelope's signature covers this row and these exact payload bytes.

    ``public_key``: the raw 32 bytes libsodium takes (or a key object, whose raw bytes are
    read back)."""
    raw = public_key if isinstance(public_key, bytes) else public_key.public_bytes_raw()
    digest = hashlib.sha256(envelope.payload).digest()
    return verifies(raw, envelope.signature, signed_message(originator_id, version, topic, digest))
