"""Checkpoints, signed notes and cosignatures in the C2SP formats.

- c2sp.org/tlog-checkpoint, "Note text": the checkpoint body (origin, size, root, extensions).
- c2sp.org/signed-note, "Format", "Signatures", "Ed25519 signatures": the signed note around it.
- c2sp.org/tlog-cosignature, "Format", "Ed25519 signed message": witness cosignatures (v1).

Pure functions over bytes; Ed25519 from ``cryptography``. A malformed or unverifiable input
raises :class:`ledger.errors.ProofError`; a caller's own malformed values (a key name with a
space, a negative size) raise ``ValueError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import ProofError
from ledger.i18n import _, enumerated

__all__ = [
    "COSIGNATURE_V1_HEADER",
    "MAX_SIGNATURES",
    "MAX_TIMESTAMP",
    "SIG_COSIGNATURE_V1",
    "SIG_ED25519",
    "Checkpoint",
    "NoteSignature",
    "VerifiedNote",
    "VerifierKey",
    "Verifiers",
    "cosign",
    "cosignature_key_id",
    "cosigned_message",
    "note_key_id",
    "open_note",
    "parse_signature_line",
    "parse_vkey",
    "sign_note",
    "verify_cosignature",
    "verify_note",
    "vkey",
]

SIG_ED25519 = 0x01
"""Signature type byte of plain Ed25519 note signatures (signed-note, "Signature types")."""

SIG_COSIGNATURE_V1 = 0x04
"""Signature type byte of timestamped Ed25519 cosignatures (signed-note, "Signature types")."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in one note; at least 16 are required (signed-note, "Format")."""

MAX_TIMESTAMP = 2**63 - 1
"""Largest cosignature timestamp (tlog-cosignature, "Format")."""

MAX_TREE_SIZE = 2**64 - 1
"""Largest tree size a checkpoint may carry (a uint64, as in every tlog implementation)."""

COSIGNATURE_V1_HEADER = b"cosignature/v1\n"
"""Header line of the Ed25519 cosigned message (tlog-cosignature, "Ed25519 signed message")."""

HASH_SIZE = 32
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
TIMESTAMP_SIZE = 8

_SIGNATURE_PREFIX = "\u2014 "  # em dash U+2014, space U+0020 (signed-note, "Format")
_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_KEY_HASH = re.compile(r"[0-9a-f]{8}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # every control below U+0020 except newline


# --- shared helpers ------------------------------------------------------------------------------


def _b64decode(text: str, what: str, **where: object) -> bytes:
    """Decode standard, padded, canonical base64 (RFC 4648 §4); refuse anything else."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ProofError(_("{what} is not valid base64").format(what=what), **where) from e
    if base64.b64encode(raw).decode("ascii") != text:
        raise ProofError(_("{what} is not canonical base64").format(what=what), **where)
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _decode_text(data: bytes, what: str) -> str:
    """Return ``data`` as UTF-8 without control characters but newline (signed-note, "Format")."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProofError(_("{what} is not valid UTF-8").format(what=what)) from e
    if _CONTROL.search(text):
        raise ProofError(
            _("{what} contains a control character other than newline").format(what=what)
        )
    return text


def _check_key_name(name: str) -> None:
    """Key names are non-empty, without Unicode spaces or '+' (signed-note, "Format")."""
    if not isinstance(name, str) or not name:
        raise ValueError(_("a key name must be a non-empty string"))
    if "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise ValueError(
            _("key name {name!r} contains a space, a '+' or a control character").format(name=name)
        )


def _check_public_key(public_key_raw: bytes) -> None:
    if not isinstance(public_key_raw, bytes) or len(public_key_raw) != ED25519_KEY_SIZE:
        raise ValueError(
            _("an Ed25519 public key is {ED25519_KEY_SIZE} raw bytes").format(
                ED25519_KEY_SIZE=ED25519_KEY_SIZE
            )
        )


def _raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


# --- checkpoints (c2sp.org/tlog-checkpoint) ------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head as a checkpoint body (tlog-checkpoint, "Note text").

    ``root`` is the RFC 9162 root hash of the first ``size`` leaves; ``extensions`` are the
    optional, opaque extension lines (NOT RECOMMENDED by the spec).
    """

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "the origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise ValueError(_("the tree size must be an integer"))
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError(_("tree size {size} is outside 0..2^64-1").format(size=self.size))
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise ValueError(
                _("the root hash must be {HASH_SIZE} bytes").format(HASH_SIZE=HASH_SIZE)
            )
        if not isinstance(self.extensions, tuple):
            raise ValueError(_("the extension lines must be a tuple of strings"))
        for line in self.extensions:
            _check_line(line, "an extension line")

    def body(self) -> bytes:
        """Return the note text: origin, decimal size, base64 root, extensions, each + "\\n"."""
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines).encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> Checkpoint:
        """Parse a checkpoint body strictly (tlog-checkpoint, "Note text"); ProofError if bad.

        Refused: invalid UTF-8 or control characters, a missing final newline, fewer than three
        lines, an empty line, a size with a sign, leading zero or non-ASCII digit, a size beyond
        uint64, and a root that is not canonical base64 of exactly 32 bytes.
        """
        text = _decode_text(body, "the checkpoint")
        if not text.endswith("\n"):
            raise ProofError(_("the checkpoint does not end with a newline"))
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise ProofError(_("a checkpoint needs an origin, a size and a root hash line"))
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.fullmatch(size_text):
            raise ProofError(
                _("tree size {size_text!r} is not a decimal without leading zeros").format(
                    size_text=size_text
                )
            )
        root = _b64decode(root_text, "the checkpoint root hash")
        try:
            return cls(origin, int(size_text), root, tuple(extensions))
        except ValueError as e:
            raise ProofError(_("malformed checkpoint: {e}").format(e=e)) from e


def _check_line(line: str, what: str) -> None:
    if not isinstance(line, str) or not line:
        raise ValueError(_("{what} must be a non-empty string").format(what=what))
    if "\n" in line or _CONTROL.search(line):
        raise ValueError(_("{what} contains a newline or a control character").format(what=what))


# --- signed notes (c2sp.org/signed-note) ---------------------------------------------------------


def _key_id(name: str, signature_type: int, public_key_raw: bytes) -> bytes:
    """key ID = SHA-256(key name || 0x0A || signature type || public key)[:4] ("Signatures")."""
    _check_key_name(name)
    _check_public_key(public_key_raw)
    material = name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key_raw
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


def note_key_id(name: str, public_key_raw: bytes) -> bytes:
    """Key ID of an Ed25519 note key: type byte 0x01 (signed-note, "Ed25519 signatures")."""
    return _key_id(name, SIG_ED25519, public_key_raw)


def cosignature_key_id(name: str, public_key_raw: bytes) -> bytes:
    """Key ID of an Ed25519 cosigner: type byte 0x04 (tlog-cosignature, "Format")."""
    return _key_id(name, SIG_COSIGNATURE_V1, public_key_raw)


class VerifierKey(NamedTuple):
    """A parsed verifier key: name, signature type byte and raw public key."""

    name: str
    signature_type: int
    public_key_raw: bytes

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID this key signs with (signed-note, "Signatures")."""
        return _key_id(self.name, self.signature_type, self.public_key_raw)

    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key."""
        return Ed25519PublicKey.from_public_bytes(self.public_key_raw)


def vkey(name: str, public_key_raw: bytes, *, signature_type: int = SIG_ED25519) -> str:
    """Return the verifier key ``<name>+<hex key ID>+<base64(type || public key)>``.

    The encoding of c2sp.org/signed-note "Verifier keys" (linked from tlog-cosignature,
    "Format"), as in golang.org/x/mod/sumdb/note. Use ``signature_type=SIG_COSIGNATURE_V1``
    for a cosigner.
    """
    if signature_type not in (SIG_ED25519, SIG_COSIGNATURE_V1):
        raise ValueError(
            _("unsupported signature type 0x{signature_type:02x}").format(
                signature_type=signature_type
            )
        )
    key_id = _key_id(name, signature_type, public_key_raw)
    return f"{name}+{key_id.hex()}+{b64encode(bytes([signature_type]) + public_key_raw)}"


def parse_vkey(text: str) -> VerifierKey:
    """Parse a verifier key made by :func:`vkey`; ProofError if malformed or inconsistent."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise ProofError(_("a verifier key has the form <name>+<key id>+<key>"))
    name, key_hash, key_text = parts
    try:
        _check_key_name(name)
    except ValueError as e:
        raise ProofError(_("malformed verifier key name: {e}").format(e=e)) from e
    if not _KEY_HASH.fullmatch(key_hash):
        raise ProofError(_("a verifier key id is 8 lower-case hex digits"), name=name)
    material = _b64decode(key_text, "the verifier key", name=name)
    if len(material) != 1 + ED25519_KEY_SIZE or material[0] not in (
        SIG_ED25519,
        SIG_COSIGNATURE_V1,
    ):
        raise ProofError(_("not an Ed25519 note or cosigner verifier key"), name=name)
    key = VerifierKey(name, material[0], material[1:])
    if key.key_id.hex() != key_hash:
        raise ProofError(_("the verifier key id does not match its key"), name=name)
    return key


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature bytes that follow it."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_SIZE:
            raise ValueError(_("a key ID is {KEY_ID_SIZE} bytes").format(KEY_ID_SIZE=KEY_ID_SIZE))
        if not isinstance(self.signature, bytes) or not self.signature:
            raise ValueError(_("a signature is at least one byte"))

    def line(self) -> bytes:
        """Return ``— <name> base64(key ID || signature)`` and a newline (signed-note, "Format")."""
        payload = b64encode(self.key_id + self.signature)
        return f"{_SIGNATURE_PREFIX}{self.name} {payload}\n".encode()


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise ProofError(_("a signature line must start with an em dash and a space"))
    fields = line[len(_SIGNATURE_PREFIX) :].split(" ")
    if len(fields) != 2:
        raise ProofError(_("a signature line holds exactly a key name and a signature"))
    name, payload = fields
    raw = _b64decode(payload, "the signature", name=name)
    if len(raw) <= KEY_ID_SIZE:
        raise ProofError(_("a signature is a key ID and at least one more byte"), name=name)
    try:
        return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])
    except ValueError as e:
        raise ProofError(_("malformed signature line: {e}").format(e=e)) from e


def parse_signature_line(line: bytes) -> NoteSignature:
    """Parse one signature line, with its final newline (signed-note, "Format")."""
    text = _decode_text(line, "the signature line")
    if not text.endswith("\n") or "\n" in text[:-1]:
        raise ProofError(_("a signature line is one line ending with a newline"))
    return _parse_signature(text[:-1])


def _check_note_text(body: bytes) -> None:
    try:
        _decode_text(body, "the note text")
    except ProofError as e:
        raise ValueError(str(e)) from e
    if not body.endswith(b"\n"):
        raise ValueError(_("the note text must end with a newline"))


def sign_note(body: bytes, name: str, private_key: Ed25519PrivateKey) -> bytes:
    """Return ``body``, a blank line and one Ed25519 signature line (signed-note, "Format")."""
    _check_note_text(body)
    key_id = note_key_id(name, _raw_public_key(private_key.public_key()))
    signature = NoteSignature(name, key_id, private_key.sign(body))
    return body + b"\n" + signature.line()


def open_note(note: bytes) -> tuple[bytes, list[NoteSignature]]:
    """Split a signed note into its text and signatures, checking only the syntax.

    Per signed-note "Format": valid UTF-8 with no control character but newline; the text ends
    at the last blank line; one to MAX_SIGNATURES lines ``— <name> <base64>`` follow, each with
    a valid key name and a payload of a 4-byte key ID and at least one signature byte. Nothing
    is verified: do not trust the text before :func:`verify_note` accepts it.
    """
    _decode_text(note, "the note")
    split = note.rfind(b"\n\n")
    if split < 0:
        raise ProofError(_("the note has no blank line before its signatures"))
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith(b"\n"):
        raise ProofError(_("the note has no signature lines, or they do not end with a newline"))
    lines = block[:-1].decode("utf-8").split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise ProofError(
            _("the note has more than {MAX_SIGNATURES} signatures").format(
                MAX_SIGNATURES=MAX_SIGNATURES
            )
        )
    return text, [_parse_signature(line) for line in lines]


@dataclass(frozen=True)
class VerifiedNote:
    """A note whose text was verified: the text and the known keys' valid signatures."""

    text: bytes
    signatures: tuple[NoteSignature, ...]

    @property
    def names(self) -> frozenset[str]:
        """Names of the keys whose signatures verified."""
        return frozenset(s.name for s in self.signatures)


Verifiers: TypeAlias = Mapping[str, Ed25519PublicKey | Sequence[Ed25519PublicKey]]
"""Trusted Ed25519 note keys by name; several keys for one name (rotation) are allowed."""


def verify_note(
    note: bytes, verifiers: Verifiers, *, required: Collection[str] = ()
) -> VerifiedNote:
    """Verify a signed note against trusted keys (signed-note, "Signatures").

    A signature line whose (name, key ID) matches no trusted key is ignored, even if the name or
    the ID alone matches. A known key's signature that fails refuses the whole note. At least
    one known key must have signed, and so must every name in ``required``; otherwise ProofError.
    """
    text, signatures = open_note(note)
    known: dict[tuple[str, bytes], Ed25519PublicKey] = {}
    for name, keys in verifiers.items():
        for trusted in [keys] if isinstance(keys, Ed25519PublicKey) else keys:
            known[(name, note_key_id(name, _raw_public_key(trusted)))] = trusted
    verified: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for signature in signatures:
        ident = (signature.name, signature.key_id)
        key = known.get(ident)
        if key is None:
            continue
        where = {"name": signature.name, "key_id": signature.key_id.hex()}
        if len(signature.signature) != ED25519_SIGNATURE_SIZE:
            raise ProofError(_("a known key's signature has the wrong length"), **where)
        try:
            key.verify(signature.signature, text)
        except InvalidSignature as e:
            raise ProofError(_("a known key's signature does not verify"), **where) from e
        if ident not in seen:
            seen.add(ident)
            verified.append(signature)
    if not verified:
        raise ProofError(_("the note carries no signature from a known key"))
    result = VerifiedNote(text, tuple(verified))
    missing = sorted(set(required) - result.names)
    if missing:
        raise ProofError(
            _("the note is not signed by {join}").format(join=enumerated(missing)), missing=missing
        )
    return result


# --- cosignatures (c2sp.org/tlog-cosignature) ----------------------------------------------------


def cosigned_message(checkpoint_body: bytes, timestamp: int) -> bytes:
    """Return "cosignature/v1\\ntime <t>\\n" + body (tlog-cosignature, "Ed25519 signed message")."""
    return COSIGNATURE_V1_HEADER + b"time %d\n" % timestamp + checkpoint_body


def cosign(
    checkpoint_body: bytes, name: str, private_key: Ed25519PrivateKey, timestamp: int
) -> bytes:
    """Return a cosignature/v1 signature line for a checkpoint body (tlog-cosignature, "Format").

    The payload is key ID (type 0x04) || u64 big-endian timestamp || 64-byte Ed25519 signature
    over :func:`cosigned_message`. Append the line to the signed checkpoint note.
    """
    try:
        Checkpoint.parse(checkpoint_body)
    except ProofError as e:
        raise ValueError(_("refusing to cosign a malformed checkpoint: {e}").format(e=e)) from e
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise ValueError(_("the timestamp must be an integer"))
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(
            _("timestamp {timestamp} is outside 0..2^63-1").format(timestamp=timestamp)
        )
    key_id = cosignature_key_id(name, _raw_public_key(private_key.public_key()))
    signature = private_key.sign(cosigned_message(checkpoint_body, timestamp))
    stamped = timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signature
    return NoteSignature(name, key_id, stamped).line()


def verify_cosignature(
    checkpoint_body: bytes,
    signature: NoteSignature,
    public_key: Ed25519PublicKey,
    *,
    not_after: int | None = None,
) -> int:
    """Verify an Ed25519 cosignature/v1 on a checkpoint body and return its timestamp.

    Checks, per tlog-cosignature "Format" and "Ed25519 signed message": the body is a valid
    checkpoint; the key ID is the 0x04 ID of (signature name, key); the payload is 8 + 64 bytes;
    the timestamp is at most 2^63-1 (and at most ``not_after`` if given, to refuse timestamps in
    the future); the signature verifies. Raises ProofError otherwise.
    """
    Checkpoint.parse(checkpoint_body)
    where = {"name": signature.name, "key_id": signature.key_id.hex()}
    expected = cosignature_key_id(signature.name, _raw_public_key(public_key))
    if signature.key_id != expected:
        raise ProofError(_("the cosignature's key ID is not this cosigner's"), **where)
    if len(signature.signature) != TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE:
        raise ProofError(_("a cosignature is an 8-byte timestamp and a 64-byte signature"), **where)
    timestamp = int.from_bytes(signature.signature[:TIMESTAMP_SIZE], "big")
    if timestamp > MAX_TIMESTAMP:
        raise ProofError(_("the cosignature timestamp exceeds 2^63-1"), **where)
    if not_after is not None and timestamp > not_after:
        raise ProofError(
            _("the cosignature timestamp is in the future"), timestamp=timestamp, **where
        )
    message = cosigned_message(checkpoint_body, timestamp)
    try:
        public_key.verify(signature.signature[TIMESTAMP_SIZE:], message)
    except InvalidSignature as e:
        raise ProofError(_("the cosignature does not verify"), timestamp=timestamp, **where) from e
    return timestamp
