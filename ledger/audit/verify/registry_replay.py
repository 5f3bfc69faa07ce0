"""The key registry replayed in log order for ``verify``: which key may sign what at each
position (Art. 6), every failure named."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.audit.verify.keys import (
    ADMIN,
    KINDS,
    MAY_RECORD,
    RECOVERY,
    _Key,
)
from ledger.audit.verify.options import VerifyOptions, _normalise_fingerprint
from ledger.audit.verify.result import Check, Failure
from ledger.audit.verify.sources import decode_payload, short_topic
from ledger.domain.ids import REGISTRY_ID
from ledger.domain.keys import (
    Standing,
    check_may_register,
    check_may_revoke,
    check_may_rotate,
    status_word,
)
from ledger.errors import KeyManagementError
from ledger.i18n import _
from ledger.signing.signatures import (
    Envelope,
    check_signature,
    fingerprint,
    key_id_of,
)


class RegistryReplay:
    """The audit's state and the key registry replayed in log order (Art. 6): which key may
    sign what at each position, each registry event checked as it comes, every failure
    named. :class:`ledger.audit.verify.audit.Audit` adds the other checks."""

    def __init__(self, options: VerifyOptions) -> None:
        self.options = options
        self.pinned = _normalise_fingerprint(options.root_fingerprint)
        self.failures: list[Failure] = []
        self.failure_count = 0
        #: The first position at which the log itself fails (any check but the index's and
        #: the Measures'): what the person index computed from the log then follows from.
        self.broken_from: int | None = None
        self.keys: dict[bytes, _Key] = {}
        #: The key the registry was created with (its fingerprint names the ledger), and
        #: the root now: that key, or what replaced it (signed by the root or recovery key).
        self.root: _Key | None = None
        self.current_root: _Key | None = None
        #: The last version of each aggregate, by its id as an integer: the one thing kept per
        #: record (about 100 bytes each).
        self.versions: dict[int, int] = {}
        self.signatures = 0
        self._kinds: dict[str, str | None] = {}
        #: Topics of case, cadre and unit events; keys that may sign them at this position.
        self._record_topics: set[str] = set()
        self._recorders: dict[bytes, bytes] = {}
        self._changes = 0
        #: Public keys for the workers (id → raw key): those the registry names, read ahead
        #: unjudged (``hints``), then those registered so far. Whether a key was valid at a
        #: position is judged here, in order.
        self._hints: dict[bytes, bytes] = {}
        self.key_snapshot: dict[bytes, bytes] = {}

    # failures ---------------------------------------------------------------------------
    def fail(self, check: Check, message: str, **where: Any) -> None:
        self.failure_count += 1
        position = where.get("position")
        if position is not None and check not in (Check.INDEX, Check.MEASURES):
            self.broken_from = (
                position if self.broken_from is None else min(self.broken_from, position)
            )
        if len(self.failures) < self.options.max_failures:
            self.failures.append(Failure(check, message, **where))

    def _fail_event(
        self,
        check: Check,
        message: str,
        position: int,
        nid: int | None,
        oid: UUID,
        version: int,
        topic: str,
        key_id: bytes | None = None,
        **extra: Any,
    ) -> None:
        self.fail(
            check,
            message,
            position=position,
            notification_id=nid,
            aggregate_id=str(oid),
            version=version,
            topic=short_topic(topic),
            record="key registry" if oid == REGISTRY_ID else None,
            key_id=key_id.hex() if key_id is not None else None,
            **extra,
        )

    # the per-event checks ---------------------------------------------------------------
    def kind_of(self, topic: str) -> str | None:
        try:
            return self._kinds[topic]
        except KeyError:
            kind = self._kinds[topic] = KINDS.get(topic.rsplit(".", 1)[0])
            if kind in ("case", "cadre", "unit"):
                self._record_topics.add(topic)
            return kind

    def hint_keys(self, hints: Mapping[bytes, bytes]) -> None:
        """Keys the registry will name, so that workers check signatures from the start."""
        self._hints = dict(hints)
        self._keys_changed()

    def _keys_changed(self) -> None:
        self._changes += 1
        self._recorders = {
            key_id: key.public_raw
            for key_id, key in self.keys.items()
            if key.ended_at is None and key.authority_kind in MAY_RECORD and key.role != RECOVERY
        }
        self.key_snapshot = {
            **self._hints,
            **{key_id: key.public_raw for key_id, key in self.keys.items()},
        }

    def _check_now(self, public_raw: bytes, envelope: Envelope, oid: UUID, version: int,
                   topic: str) -> bool:  # fmt: skip
        self.signatures += 1
        return check_signature(public_raw, envelope, oid, version, topic)

    def _registry_event(
        self, position: int, nid: int | None, oid: UUID, version: int, topic: str,
        envelope: Envelope,
    ) -> None:  # fmt: skip
        """Registry events are checked at once, so later events see the keys they change."""

        def fail(check: Check, message: str, **extra: Any) -> None:
            self._fail_event(
                check, message, position, nid, oid, version, topic, envelope.key_id, **extra
            )

        if oid != REGISTRY_ID or self.kind_of(topic) != "registry":
            fail(Check.FORMAT, _("a key-registry event outside the ledger's key registry"))
            return
        try:
            payload = decode_payload(envelope.payload)
        except Exception as e:  # any decoding failure of tampered bytes
            fail(Check.FORMAT, _("the registry event cannot be decoded: {e}").format(e=e))
            return
        name = topic.rsplit(".", 1)[1]
        if name == "Created":
            self._created(position, oid, version, topic, envelope, payload, fail)
            return
        signer = self.keys.get(envelope.key_id)
        if signer is None:
            fail(
                Check.KEY,
                _("signed by key {hex}, which is not registered").format(hex=envelope.key_id.hex()),
            )
            return
        if not self._check_now(signer.public_raw, envelope, oid, version, topic):
            fail(
                Check.SIGNATURE,
                _(
                    "the signature by {describe} does not cover the stored bytes: the event "
                    "was altered or moved; its key change is ignored"
                ).format(describe=signer.describe()),
            )
            return
        if signer.ended_at is not None:
            fail(
                Check.KEY,
                _(
                    "signed by key {describe} after it was {status} at position {ended_at}; "
                    "its key change is ignored"
                ).format(
                    describe=signer.describe(),
                    status=status_word(signer.status),
                    ended_at=signer.ended_at,
                ),
            )
            return
        try:
            if name == "KeyRegistered":
                self._registered(position, signer, payload, fail)
            elif name == "KeyRotated":
                self._rotated(position, signer, payload, fail)
            elif name == "KeyRevoked":
                self._revoked(position, signer, payload, fail)
            else:
                fail(Check.FORMAT, _("unknown key-registry event {name}").format(name=name))
        except (KeyError, ValueError, TypeError) as e:
            fail(
                Check.FORMAT,
                _("malformed key-registry event ({name}: {e})").format(name=type(e).__name__, e=e),
            )

    def _created(
        self,
        position: int,
        oid: UUID,
        version: int,
        topic: str,
        envelope: Envelope,
        payload: dict[str, Any],
        fail: Callable[..., None],
    ) -> None:
        if self.root is not None:
            fail(Check.KEY, _("the key registry is created a second time; ignored"))
            return
        try:
            raw = bytes.fromhex(payload["public_key"])
            public = Ed25519PublicKey.from_public_bytes(raw)
        except (KeyError, ValueError, TypeError) as e:
            fail(
                Check.FORMAT,
                _("the root key in the registry's first event is malformed: {e}").format(e=e),
            )
            return
        if key_id_of(raw) != envelope.key_id or payload.get("key_id") != key_id_of(raw).hex():
            fail(Check.KEY, _("the registry's first event is not signed by the root key it names"))
            return
        if not self._check_now(raw, envelope, oid, version, topic):
            fail(Check.SIGNATURE, _("the root key's signature on the registry's first event fails"))
            return
        root_fp = fingerprint(raw)
        if self.pinned is not None and root_fp != self.pinned:
            fail(
                Check.KEY,
                _(
                    "the root key's fingerprint is {root_fp}, not the pinned {pinned}: this "
                    "is not the ledger you trust (everything below is relative to that other "
                    "root)"
                ).format(root_fp=root_fp, pinned=self.pinned),
                untrusted_root=True,
            )
        self.root = self.current_root = self.keys[envelope.key_id] = _Key(
            envelope.key_id,
            public,
            raw,
            str(payload.get("holder", "")),
            str(payload.get("authority", "")),
            str(payload.get("authority_kind", "")),
            ADMIN,
            position,
        )

    def _new_key(self, payload: dict[str, Any], fail: Callable[[Check, str], None]) -> _Key | None:
        raw = bytes.fromhex(payload["public_key"])
        public = Ed25519PublicKey.from_public_bytes(raw)
        key_id = key_id_of(raw)
        if payload["key_id"] != key_id.hex():
            fail(Check.KEY, _("the registered key id does not match the registered key; ignored"))
            return None
        if key_id in self.keys:
            fail(
                Check.KEY,
                _("key {hex} is registered a second time; ignored").format(hex=key_id.hex()),
            )
            return None
        return _Key(key_id, public, raw, "", "", "", "", 0)

    def _recovery(self) -> Standing | None:
        """The active recovery key at this position, if any."""
        for key in self.keys.values():
            if key.role == RECOVERY and key.ended_at is None:
                return key.standing()
        return None

    def _root_id(self) -> str:
        return self.current_root.key_id.hex() if self.current_root else ""

    @staticmethod
    def _ruled(rule: Callable[[], None], fail: Callable[[Check, str], None]) -> bool:
        """The registry's own rule (:mod:`ledger.domain.keys`, as on the write path); a key
        change it refuses is named and ignored."""
        try:
            rule()
        except KeyManagementError as e:
            fail(Check.AUTHORISATION, _("{refusal}; the key change is ignored").format(refusal=e))
            return False
        return True

    def _registered(
        self,
        position: int,
        signer: _Key,
        payload: dict[str, Any],
        fail: Callable[[Check, str], None],
    ) -> None:
        role = str(payload["role"])
        if not self._ruled(
            lambda: check_may_register(signer.standing(), role, self._root_id(), self._recovery()),
            fail,
        ):
            return
        key = self._new_key(payload, fail)
        if key is None:
            return
        key.holder = str(payload["holder"])
        key.authority = str(payload["authority"])
        key.authority_kind = str(payload["authority_kind"])
        key.role = role
        key.registered_at = position
        self.keys[key.key_id] = key

    def _rotated(
        self,
        position: int,
        signer: _Key,
        payload: dict[str, Any],
        fail: Callable[[Check, str], None],
    ) -> None:
        old = self.keys.get(bytes.fromhex(payload["old_key_id"]))
        if old is None or old.ended_at is not None:
            fail(
                Check.KEY,
                _("rotation of key {old_key_id}, which is not active").format(
                    old_key_id=payload["old_key_id"]
                ),
            )
            return
        if not self._ruled(
            lambda: check_may_rotate(signer.standing(), old.standing(), self._root_id()), fail
        ):
            return
        key = self._new_key(payload, fail)
        if key is None:
            return
        key.holder, key.authority = old.holder, old.authority
        key.authority_kind, key.role = old.authority_kind, old.role
        key.registered_at = position
        self.keys[key.key_id] = key
        old.ended_at, old.status = position, "rotated"
        if old is self.current_root:
            self.current_root = key

    def _revoked(
        self,
        position: int,
        signer: _Key,
        payload: dict[str, Any],
        fail: Callable[[Check, str], None],
    ) -> None:
        target = self.keys.get(bytes.fromhex(payload["key_id"]))
        if target is None:
            fail(
                Check.KEY,
                _("revocation of key {key_id}, which is not registered").format(
                    key_id=payload["key_id"]
                ),
            )
            return
        if not self._ruled(
            lambda: check_may_revoke(signer.standing(), target.standing(), self._root_id()), fail
        ):
            return
        if target.ended_at is None:
            target.ended_at = position
        target.status = "revoked"
