"""The signer-key registry: one aggregate whose signed events register, rotate and revoke keys.

It starts from one root key, created at ``init``, whose fingerprint auditors pin. A key's
validity is judged by its position in the log (registered before, not yet rotated or
revoked), never by a timestamp the signer could forge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.authority import Jurisdiction
from ledger.domain.ids import REGISTRY_ID
from ledger.domain.regulation import AdminLevel, AuthorityKind, KeyRole
from ledger.errors import (
    AlreadyExistsError,
    KeyManagementError,
    NotFoundError,
)
from ledger.i18n import _

ACTIVE = "active"
ROTATED = "rotated"
REVOKED = "revoked"


@dataclass(frozen=True)
class KeyRecord:
    """What the registry knows of one key."""

    key_id: str
    public_key: str
    holder: str
    authority: str
    authority_kind: AuthorityKind
    role: KeyRole
    status: str
    replaced_by: str | None = None
    #: Art. 6: the authority's level and region (GB/T 2260), when recorded
    jurisdiction: Jurisdiction | None = None

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


class KeyRegistry(Aggregate):
    """Every signer key of the ledger, keyed by hex key id."""

    @staticmethod
    def create_id(**_: Any) -> Any:
        return REGISTRY_ID

    @event("Created")
    def __init__(
        self, key_id: str, public_key: str, holder: str, authority: str, authority_kind: str
    ) -> None:
        self.keys: dict[str, dict[str, Any]] = {}
        self._add(key_id, public_key, holder, authority, authority_kind, KeyRole.ADMIN.value)

    def _add(
        self,
        key_id: str,
        public_key: str,
        holder: str,
        authority: str,
        authority_kind: str,
        role: str,
        level: str | None = None,
        region: str | None = None,
    ) -> None:
        self.keys[key_id] = {
            "public_key": public_key,
            "holder": holder,
            "authority": authority,
            "authority_kind": authority_kind,
            "role": role,
            "status": ACTIVE,
            "replaced_by": None,
            "level": level,
            "region": region,
        }

    def record(self, key_id: str) -> KeyRecord:
        try:
            k = self.keys[key_id]
        except KeyError:
            raise NotFoundError(
                _("no signer key {key_id} is registered in this ledger").format(key_id=key_id)
            ) from None
        return KeyRecord(
            key_id=key_id,
            public_key=k["public_key"],
            holder=k["holder"],
            authority=k["authority"],
            authority_kind=AuthorityKind(k["authority_kind"]),
            role=KeyRole(k["role"]),
            status=k["status"],
            replaced_by=k["replaced_by"],
            jurisdiction=(
                Jurisdiction(AdminLevel(k["level"]), k["region"])
                if k.get("level") and k.get("region")
                else None
            ),
        )

    def records(self) -> list[KeyRecord]:
        return [self.record(k) for k in self.keys]

    def check_active(self, key_id: str) -> KeyRecord:
        """The signer of any new event must hold a registered key that is still valid."""
        if key_id not in self.keys:
            raise KeyManagementError(
                _("unregistered key"),
                _("signer key {key_id} is not registered in this ledger").format(key_id=key_id),
                _("Ask a key administrator to run `lifeledger key add`."),
            )
        rec = self.record(key_id)
        if not rec.is_active:
            raise KeyManagementError(
                _("{status} key").format(status=rec.status),
                _("signer key {key_id} ({holder}) was {status} and may not sign").format(
                    key_id=key_id, holder=rec.holder, status=rec.status
                ),
                _("Use the key that replaced it or ask for a new one."),
            )
        return rec

    def check_admin(self, key_id: str) -> KeyRecord:
        rec = self.check_active(key_id)
        if rec.role is not KeyRole.ADMIN:
            raise KeyManagementError(
                _("admin role required"),
                _(
                    "signer key {key_id} ({holder}) has role {value}; only an admin key "
                    "registers, rotates or revokes keys"
                ).format(key_id=key_id, holder=rec.holder, value=rec.role.value),
            )
        return rec

    # commands -----------------------------------------------------------------------------
    def register(
        self,
        signer_key_id: str,
        key_id: str,
        public_key: str,
        holder: str,
        authority: str,
        authority_kind: AuthorityKind,
        role: KeyRole,
        jurisdiction: Jurisdiction | None = None,
    ) -> None:
        self.check_admin(signer_key_id)
        if key_id in self.keys:
            raise AlreadyExistsError(
                _("signer key {key_id} is already registered").format(key_id=key_id)
            )
        if jurisdiction is None:
            self._registered(
                key_id, public_key, holder, authority, authority_kind.value, role.value
            )
        else:
            self._registered(
                key_id,
                public_key,
                holder,
                authority,
                authority_kind.value,
                role.value,
                jurisdiction.level.value,
                jurisdiction.region,
            )

    def rotate(self, signer_key_id: str, old_key_id: str, key_id: str, public_key: str) -> None:
        """Replace a key: the holder itself, or an admin, signs the rotation."""
        self.check_active(old_key_id)
        if old_key_id == self.root and signer_key_id != old_key_id:
            raise KeyManagementError(
                _("root replaced by itself only"),
                _(
                    "signer key {signer_key_id} may not rotate the root key {old_key_id}; "
                    "only the root key itself may replace it"
                ).format(signer_key_id=signer_key_id, old_key_id=old_key_id),
            )
        if signer_key_id != old_key_id:
            self.check_admin(signer_key_id)
        if key_id in self.keys:
            raise AlreadyExistsError(
                _("signer key {key_id} is already registered").format(key_id=key_id)
            )
        self._rotated(old_key_id, key_id, public_key)

    def revoke(self, signer_key_id: str, key_id: str, reason: str) -> None:
        self.check_admin(signer_key_id)
        rec = self.record(key_id)
        if rec.status == REVOKED:
            raise KeyManagementError(
                _("key already revoked"),
                _("signer key {key_id} was already revoked").format(key_id=key_id),
            )
        if key_id == signer_key_id:
            raise KeyManagementError(
                _("no self-revocation"),
                _("a key cannot revoke itself; another admin key must sign the revocation"),
            )
        if key_id == self.root:
            raise KeyManagementError(
                _("root not revocable"),
                _(
                    "the root key {key_id} cannot be revoked by an admin key; the root key "
                    "replaces itself with `key rotate`"
                ).format(key_id=key_id),
            )
        if not reason.strip():
            raise KeyManagementError(_("reason required"), _("a revocation must state its reason"))
        self._revoked(key_id, reason)

    # events -------------------------------------------------------------------------------
    @event("KeyRegistered")
    def _registered(
        self,
        key_id: str,
        public_key: str,
        holder: str,
        authority: str,
        authority_kind: str,
        role: str,
        level: str | None = None,
        region: str | None = None,
    ) -> None:
        self._add(key_id, public_key, holder, authority, authority_kind, role, level, region)

    @property
    def root(self) -> str:
        """The root key now: the one created with the registry, or what replaced it."""
        key_id = next(iter(self.keys))
        while self.keys[key_id]["replaced_by"] is not None:
            key_id = self.keys[key_id]["replaced_by"]
        return key_id

    @event("KeyRotated")
    def _rotated(self, old_key_id: str, key_id: str, public_key: str) -> None:
        old = self.keys[old_key_id]
        self._add(
            key_id,
            public_key,
            old["holder"],
            old["authority"],
            old["authority_kind"],
            old["role"],
            old.get("level"),
            old.get("region"),
        )
        old["status"] = ROTATED
        old["replaced_by"] = key_id

    @event("KeyRevoked")
    def _revoked(self, key_id: str, reason: str) -> None:
        self.keys[key_id]["status"] = REVOKED
