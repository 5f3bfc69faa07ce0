"""The key registry replayed in log order: which key may sign what at each position (Art. 6)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.audit.verify.result import KeyInfo
from ledger.domain import topics
from ledger.domain.ids import REGISTRY_ID
from ledger.domain.keys import Standing
from ledger.domain.regulation import AuthorityKind, KeyRole
from ledger.i18n import bracketed, listed
from ledger.signing.signatures import (
    fingerprint,
)

REGISTRY_TOPIC = topics.REGISTRY


#: Aggregate classes by topic prefix, and the kind of record each is.
KINDS = {
    REGISTRY_TOPIC: "registry",
    topics.CASE: "case",
    topics.CADRE: "cadre",
    topics.UNIT: "unit",
    topics.IMPORTED_LINE: "import",  # an import line's idempotency record (ledger.domain.imports)
    topics.REPORT: "report",
}


#: Art. 6: who may record accountability (and the cadres and units it concerns).
MAY_RECORD = frozenset(k.value for k in AuthorityKind if k.may_hold_accountable)


#: Art. 14: the petition work agency reports and circulates the regional annual report.
MAY_REPORT = frozenset({AuthorityKind.PETITION.value})


ADMIN = KeyRole.ADMIN.value
RECOVERY = KeyRole.RECOVERY.value


_REGISTRY = REGISTRY_ID.int


@dataclass(eq=False)
class _Key:
    key_id: bytes
    public: Ed25519PublicKey
    public_raw: bytes
    holder: str
    authority: str
    authority_kind: str
    role: str
    registered_at: int
    ended_at: int | None = None
    status: str = "active"

    def valid_for_size(self, size: int) -> bool:
        """Registered inside the first ``size`` events and not rotated or revoked in them."""
        return self.registered_at < size and (self.ended_at is None or self.ended_at >= size)

    def standing(self) -> Standing:
        """The key as the registry's rules (:mod:`ledger.domain.keys`) see it."""
        return Standing(self.key_id.hex(), self.holder, self.role, self.status)

    def describe(self) -> str:
        from ledger.signing.keyring import holder_label

        return bracketed(self.key_id.hex(), listed([holder_label(self.holder), self.authority]))

    def info(self) -> KeyInfo:
        return KeyInfo(
            key_id=self.key_id.hex(),
            fingerprint=fingerprint(self.public_raw),
            holder=self.holder,
            authority=self.authority,
            authority_kind=self.authority_kind,
            role=self.role,
            registered_at=self.registered_at,
            ended_at=self.ended_at,
            status=self.status,
        )
