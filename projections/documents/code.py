"""The verification code (核验码) printed on every document, and in its QR code.

``LL1-<kind>-<root>-<size>-<tree>-<subject>-<events>-<digest>-<check>``, all ASCII, to be typed
from paper or scanned:

- ``kind``: D 决定书 (Art. 10), F 人事档案材料 (Art. 11), A 申诉处理决定告知书 (Art. 12),
  R 年度书面报告 and X 年度汇总表 (Art. 14);
- ``root``: the first 128 bits of the ledger's root key fingerprint (base32);
- ``size`` and ``tree``: the signed checkpoint the document was rendered at (its tree size, and
  the first 128 bits of its RFC 9162 root hash, base32);
- ``subject``: for a case document, the log position of the event it is about (the decision,
  or the appeal decision); for a report, ``<year>.<as-of yyyymmdd>[.<authority base32>]``;
- ``events``: the log positions of the rendered events, dot-separated (a report, which renders
  many, gives ``N<count>`` and lists them inside the document);
- ``digest``: the first 128 bits of SHA-256 over each rendered event's position and the
  SHA-256 of its exact stored bytes;
- ``check``: four characters of SHA-256 over the rest, so a mistyped code is told apart from a
  code of another document.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.errors import InvalidInputError
from ledger.i18n import _

__all__ = ["KINDS", "VerificationCode", "events_digest"]

VERSION = "LL1"
#: Document kinds: letter → (name printed, article).
KINDS = {
    "D": ("责任追究决定书", "Art. 10"),
    "F": ("人事档案材料", "Art. 11"),
    "A": ("申诉处理决定告知书", "Art. 12"),
    "R": ("年度信访工作责任追究情况书面报告", "Art. 14"),
    "X": ("年度信访工作责任追究情况汇总表", "Art. 14"),
}
#: Kinds about one case event (the subject is its log position); the others are reports.
CASE_KINDS = frozenset("DFA")
_PART = re.compile(r"^[A-Z2-7]{26}$")
_SUBJECT = re.compile(r"^(\d+|\d{4}\.\d{8}(\.[A-Z2-7]+)?)$")
_EVENTS = re.compile(r"^(\d+(\.\d+)*|N\d+)$")


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def events_digest(kind: str, events: Iterable[tuple[int, bytes]]) -> bytes:
    """SHA-256 over the kind and each (position, SHA-256 of the exact stored bytes)."""
    h = hashlib.sha256(f"lifeledger-document/v1\n{kind}\n".encode())
    for position, state in events:
        h.update(position.to_bytes(8, "big"))
        h.update(hashlib.sha256(state).digest())
    return h.digest()


def _check(body: str) -> str:
    return b32(hashlib.sha256(body.encode()).digest())[:4]


@dataclass(frozen=True)
class VerificationCode:
    """What binds a printed document to the ledger (see the module docstring)."""

    kind: str
    root_prefix: bytes  # 16 bytes of the root key fingerprint
    tree_size: int
    tree_prefix: bytes  # 16 bytes of the checkpoint's root hash
    subject: str
    positions: tuple[int, ...]  # empty for a report (count instead)
    count: int
    digest: bytes  # 16 bytes

    @classmethod
    def make(
        cls,
        kind: str,
        root_fingerprint: str,
        tree_size: int,
        root: bytes,
        subject: str,
        events: Iterable[tuple[int, bytes]],
        *,
        list_positions: bool = True,
    ) -> VerificationCode:
        ordered = sorted(events)
        return cls(
            kind,
            bytes.fromhex(root_fingerprint)[:16],
            tree_size,
            root[:16],
            subject,
            tuple(p for p, _ in ordered) if list_positions else (),
            len(ordered),
            events_digest(kind, ordered)[:16],
        )

    @property
    def name(self) -> str:
        return KINDS[self.kind][0]

    def body(self) -> str:
        events = ".".join(map(str, self.positions)) if self.positions else f"N{self.count}"
        return "-".join(
            [VERSION, self.kind, b32(self.root_prefix), str(self.tree_size),
             b32(self.tree_prefix), self.subject, events, b32(self.digest)]
        )  # fmt: skip

    def __str__(self) -> str:
        body = self.body()
        return f"{body}-{_check(body)}"

    @classmethod
    def parse(cls, text: str) -> VerificationCode:
        """Read a code as typed or scanned (spaces, line breaks and case do not matter)."""
        code = "".join(text.split()).upper()
        parts = code.split("-")
        if len(parts) != 9 or parts[0] != VERSION:
            raise InvalidInputError(
                _(
                    "not a lifeledger verification code: it has the form "
                    "LL1-<kind>-<root>-<size>-<checkpoint>-<subject>-<events>-<digest>-<check>"
                )
            )
        _unused, kind, root, size, tree, subject, events, digest, check = parts
        body = "-".join(parts[:-1])
        if check != _check(body):
            raise InvalidInputError(
                _(
                    "the verification code is mistyped: its check characters are {check}, "
                    "the code before them gives {check2}; compare it with the paper again"
                ).format(check=check, check2=_check(body))
            )
        if (
            kind not in KINDS
            or not (_PART.match(root) and _PART.match(tree) and _PART.match(digest))
            or not size.isdigit()
            or not _SUBJECT.match(subject)
            or subject.isdigit() != (kind in CASE_KINDS)
            or not _EVENTS.match(events)
        ):
            raise InvalidInputError(_("the verification code is malformed"))
        positions = () if events.startswith("N") else tuple(int(p) for p in events.split("."))
        count = int(events[1:]) if events.startswith("N") else len(positions)
        return cls(
            kind, unb32(root), int(size), unb32(tree), subject, positions, count, unb32(digest)
        )
