"""The signer-key registry: one aggregate whose signed events register, rotate and revoke keys.

It starts from one root key, created at ``init``, whose fingerprint auditors pin. A key's
validity is judged by its position in the log (registered before, not yet rotated or
revoked), never by a timestamp the signer could forge.

The root and the recovery key (issue 13, point 8). ``init`` also makes a recovery key, kept
offline, and the root registers it (a ``KeyRegistered`` event with role ``recovery``). The
rules, checked by the functions below on the write path and by ``verify``'s replay alike:

* The root is replaced (``KeyRotated`` of the root key) only by a rotation signed by the root
  itself or by the active recovery key; the replacement is the root from then on. No key may
  revoke the root.
* The recovery key signs nothing but such a replacement of the root and its own rotation. It
  is replaced only by itself (a stolen root must not be able to disable recovery), and no key
  may revoke it.
* A recovery key is registered only by the root, and only while none is active: a ledger
  made before recovery keys existed gets one with ``key add-recovery``.
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
    LedgerError,
    NotFoundError,
)
from ledger.i18n import N_, NP_, _, pgettext

ACTIVE = "active"
ROTATED = "rotated"
REVOKED = "revoked"


#: The words refusals use for roles and statuses (marked for the catalog, shown by code).
WORDS = (
    NP_("key role", "admin"),
    NP_("key role", "recorder"),
    NP_("key role", "recovery"),
    NP_("key status", "active"),
    NP_("key status", "rotated"),
    NP_("key status", "revoked"),
)


def role_word(role: str) -> str:
    """A key's role as a refusal names it: the code in English, 记录 or 密钥管理 in Chinese."""
    return pgettext("key role", role)


def status_word(status: str) -> str:
    """A key status as messages say it ("was revoked", 已吊销): the stored code, translated."""
    return pgettext("key status", status)


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


ROOT_ONLY_RULE = N_("root replaced by the root or the recovery key only")
RECOVERY_SELF_RULE = N_("recovery key replaced by itself only")
ADMIN_RULE = N_("admin role required")


@dataclass(frozen=True)
class Standing:
    """What the key rules need of one key: who holds it, its role, whether it may sign."""

    key_id: str
    holder: str
    role: str
    status: str

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


def _admin(signer: Standing) -> None:
    if signer.role != KeyRole.ADMIN.value:
        raise KeyManagementError(
            _(ADMIN_RULE),
            _(
                "signer key {key_id} ({holder}) has role {role}; only an admin key "
                "registers, rotates or revokes keys"
            ).format(key_id=signer.key_id, holder=signer.holder, role=role_word(signer.role)),
        )


def check_may_register(signer: Standing, role: str, root: str, recovery: Standing | None) -> None:
    """An admin registers keys; the recovery key only the root, and one at a time."""
    _admin(signer)
    if role != KeyRole.RECOVERY.value:
        return
    if signer.key_id != root:
        raise KeyManagementError(
            _("recovery key registered by the root only"),
            _(
                "signer key {key_id} is not the root key {root}; only the root registers "
                "the recovery key"
            ).format(key_id=signer.key_id, root=root),
        )
    if recovery is not None:
        raise KeyManagementError(
            _("one recovery key at a time"),
            _(
                "the recovery key {key_id} is active; it is replaced only by itself "
                "(`key rotate` signed with the recovery key)"
            ).format(key_id=recovery.key_id),
        )


def check_may_rotate(signer: Standing, old: Standing, root: str) -> None:
    """The root is replaced by itself or the recovery key; the recovery key by itself only;
    any other key by its holder or an admin."""
    if old.key_id == root:
        if signer.key_id != root and signer.role != KeyRole.RECOVERY.value:
            raise KeyManagementError(
                _(ROOT_ONLY_RULE),
                _(
                    "signer key {key_id} may not rotate the root key {root}; only the root "
                    "key itself or the recovery key may replace it"
                ).format(key_id=signer.key_id, root=root),
            )
        return
    if old.role == KeyRole.RECOVERY.value:
        if signer.key_id != old.key_id:
            raise KeyManagementError(
                _(RECOVERY_SELF_RULE),
                _(
                    "signer key {key_id} may not rotate the recovery key {key_id2}; only the "
                    "recovery key itself may replace it"
                ).format(key_id=signer.key_id, key_id2=old.key_id),
            )
        return
    if signer.key_id != old.key_id:
        _admin(signer)


def check_may_revoke(signer: Standing, target: Standing, root: str) -> None:
    """An admin revokes another key, never the root nor the recovery key."""
    _admin(signer)
    if target.status == REVOKED:
        raise KeyManagementError(
            _("key already revoked"),
            _("signer key {key_id} was already revoked").format(key_id=target.key_id),
        )
    if target.key_id == signer.key_id:
        raise KeyManagementError(
            _("no self-revocation"),
            _("a key cannot revoke itself; another admin key must sign the revocation"),
        )
    if target.key_id == root:
        raise KeyManagementError(
            _("root not revocable"),
            _(
                "the root key {key_id} cannot be revoked by an admin key; the root key "
                "replaces itself with `key rotate`"
            ).format(key_id=target.key_id),
        )
    if target.role == KeyRole.RECOVERY.value:
        raise KeyManagementError(
            _("recovery key not revocable"),
            _(
                "the recovery key {key_id} cannot be revoked; only the recovery key "
                "itself replaces it"
            ).format(key_id=target.key_id),
        )


def check_may_record(signer: Standing) -> None:
    """The recovery key signs key changes of the root and itself, nothing else."""
    if signer.role == KeyRole.RECOVERY.value:
        raise KeyManagementError(
            _("recovery key signs root replacements only"),
            _(
                "signer key {key_id} is the recovery key; it may only replace the root "
                "key or itself"
            ).format(key_id=signer.key_id),
        )


class KeyRegistry(Aggregate):
    """Every signer key of the ledger, keyed by hex key id.

    A key change read back from the store carries the id of the key that signed it
    (``signed_by``, set by :class:`ledger.signing.mapper.SigningMapper`) and is judged by the
    same rules as the command that made it: one that breaks them (an insider's forged event,
    signed with a valid key) is ignored, keeping its version, exactly as ``verify`` ignores it.
    """

    class Event(Aggregate.Event):
        def mutate(self, aggregate: Any) -> Any:
            signer = getattr(self, "signed_by", None)
            if signer is None or not isinstance(aggregate, KeyRegistry):
                return super().mutate(aggregate)
            setattr(aggregate, "_ignoring", aggregate.breaks_rules(self, signer))  # noqa: B010
            try:
                return super().mutate(aggregate)
            finally:
                setattr(aggregate, "_ignoring", None)  # noqa: B010

    @staticmethod
    def create_id(**_: Any) -> Any:
        return REGISTRY_ID

    def breaks_rules(self, stored: Any, signer: str) -> str | None:
        """The rule a stored key change signed by ``signer`` breaks, or None."""
        try:
            name = type(stored).__name__
            if name == "KeyRegistered":
                self.check_admin(signer)
                check_may_register(self.standing(signer), stored.role, self.root, self.recovery)
                if stored.key_id in self.keys:
                    return _("signer key {key_id} is already registered").format(
                        key_id=stored.key_id
                    )
            elif name == "KeyRotated":
                self.check_rotation(signer, stored.old_key_id)
                if stored.key_id in self.keys:
                    return _("signer key {key_id} is already registered").format(
                        key_id=stored.key_id
                    )
            elif name == "KeyRevoked":
                self.check_admin(signer)
                check_may_revoke(self.standing(signer), self.standing(stored.key_id), self.root)
        except LedgerError as e:
            return str(e)
        return None

    @event("Created")
    def __init__(
        self, key_id: str, public_key: str, holder: str, authority: str, authority_kind: str
    ) -> None:
        self.keys: dict[str, dict[str, Any]] = {}
        #: Stored key changes that break the rules, by version: ignored (see the class).
        self.ignored: dict[int, str] = {}
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
                _("{status} key").format(status=status_word(rec.status)),
                _("signer key {key_id} ({holder}) was {status} and may not sign").format(
                    key_id=key_id, holder=rec.holder, status=status_word(rec.status)
                ),
                _("Use the key that replaced it or ask for a new one."),
            )
        return rec

    def check_admin(self, key_id: str) -> KeyRecord:
        rec = self.check_active(key_id)
        _admin(self.standing(key_id))
        return rec

    def standing(self, key_id: str) -> Standing:
        """The key as the key rules see it (NotFoundError if it was never registered)."""
        rec = self.record(key_id)
        return Standing(key_id, rec.holder, rec.role.value, rec.status)

    def check_rotation(self, signer_key_id: str, old_key_id: str) -> None:
        """May ``signer_key_id`` replace ``old_key_id`` now (both active; the rules above)?"""
        self.check_active(old_key_id)
        self.check_active(signer_key_id)
        check_may_rotate(self.standing(signer_key_id), self.standing(old_key_id), self.root)

    @property
    def recovery(self) -> Standing | None:
        """The active recovery key, if the ledger has one."""
        for key_id, k in self.keys.items():
            if k["role"] == KeyRole.RECOVERY.value and k["status"] == ACTIVE:
                return self.standing(key_id)
        return None

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
        check_may_register(self.standing(signer_key_id), role.value, self.root, self.recovery)
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
        """Replace a key (see the module's rules for the root and the recovery key)."""
        self.check_rotation(signer_key_id, old_key_id)
        if key_id in self.keys:
            raise AlreadyExistsError(
                _("signer key {key_id} is already registered").format(key_id=key_id)
            )
        self._rotated(old_key_id, key_id, public_key)

    def revoke(self, signer_key_id: str, key_id: str, reason: str) -> None:
        self.check_admin(signer_key_id)
        check_may_revoke(self.standing(signer_key_id), self.standing(key_id), self.root)
        if not reason.strip():
            raise KeyManagementError(_("reason required"), _("a revocation must state its reason"))
        self._revoked(key_id, reason)

    # events -------------------------------------------------------------------------------
    def _skip(self) -> bool:
        """A stored key change that breaks the rules is recorded as ignored, not applied."""
        why: str | None = getattr(self, "_ignoring", None)
        if why is None:
            return False
        self.ignored[self.version + 1] = why
        return True

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
        if self._skip():
            return
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
        if self._skip():
            return
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
        if self._skip():
            return
        self.keys[key_id]["status"] = REVOKED
