"""The in-order audit of one log: each event's key at its position, versions, leaves and
checkpoints, every failure named."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.audit.verify.keys import (
    _REGISTRY,
    ADMIN,
    MAY_RECORD,
    MAY_REPORT,
)
from ledger.audit.verify.registry_replay import RegistryReplay
from ledger.audit.verify.result import Check, Failure, KeyInfo
from ledger.audit.verify.sources import short_topic
from ledger.audit.verify.workers import (
    _KEY_AT,
    BAD_SIGNATURE,
    KEY_UNKNOWN,
    OK,
    ROW_ERROR,
    check_rows,
)
from ledger.domain.ids import REGISTRY_ID, as_uuid
from ledger.domain.keys import (
    check_may_record,
    status_word,
)
from ledger.errors import KeyManagementError, ProofError, TamperedEventError
from ledger.i18n import _
from ledger.signing.signatures import (
    Envelope,
    check_signature,
    fingerprint,
)
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoint import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    b64encode,
    open_note,
    parse_vkey,
    verify_cosignature,
    verify_note,
)
from ledger.transparency.checkpoints import origin_for
from ledger.transparency.tables import EventRow, StoredCheckpoint, StoredCosignature

CLOCK_SKEW = 300


class Audit(RegistryReplay):
    """The checks that depend on the order of the log (steps 2, 3, 5 of the module docstring),
    given each event's envelope, signature and leaf from :func:`check_rows`.

    Shared by the whole-log :class:`Verifier` and the proof verifier of :mod:`ledger.audit.proofs`.
    """

    # the per-event checks ---------------------------------------------------------------
    def event(
        self, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes
    ) -> bytes:
        """Every check of one event at once; returns its leaf hash at ``position``."""
        row: EventRow = (nid, oid, version, topic, state)
        keys = self.key_snapshot
        ids, codes, leaves, _unused = check_rows(position, [row], keys)
        if codes[0] == ROW_ERROR:
            leaves = self.redo_row(position, row)
        self.apply(position, [row], ids, codes, keys)
        return leaves[:32]

    @staticmethod
    def redo_row(position: int, row: EventRow) -> bytes:
        """A row the worker could not read, read again here so that what went wrong is raised
        where it is in the log; returns its leaf hash if it reads after all."""
        oid = as_uuid(row[1])
        return event_leaf_hash(position, oid, row[2], row[3], row[4])

    def apply(
        self,
        start: int,
        rows: Sequence[EventRow],
        ids: list[int],
        codes: bytes,
        keys: Mapping[bytes, bytes],
    ) -> None:
        """Steps 2, 3 and 5 for a batch checked by :func:`check_rows` with ``keys``, in log order.

        The common case — the next version of its record, a good signature by a key that may
        record at this position (and is the key the worker checked it with), a case, cadre or
        unit event — costs a few dictionary look-ups; anything else takes :meth:`_event`, which
        names what is wrong.
        """
        versions, topics = self.versions, self._record_topics
        last_of = versions.get
        key_at = _KEY_AT
        signers = self._signers(keys)
        good = 0
        for i, row in enumerate(rows):
            oid = ids[i]
            version = row[2]
            if (
                codes[i] == OK
                and version == last_of(oid, 0) + 1
                and row[3] in topics
                and row[4][key_at] in signers
                and oid != _REGISTRY
            ):
                versions[oid] = version
                good += 1
                continue
            changes = self._changes
            self._event(start + i, row[0], oid, row, codes[i], keys)
            if self._changes != changes:  # a key was registered, rotated or revoked here
                signers = self._signers(keys)
        self.signatures += good

    def _signers(self, keys: Mapping[bytes, bytes]) -> set[bytes]:
        """Ids of the keys that may record at this position and that a worker holding ``keys``
        checked signatures with."""
        return {key_id for key_id, raw in self._recorders.items() if keys.get(key_id) == raw}

    def _event(
        self,
        position: int,
        nid: int,
        raw_id: int,
        row: EventRow,
        code: int,
        keys: Mapping[bytes, bytes],
    ) -> None:
        """Steps 1-5 for one event, naming every failure."""
        _unused, stored_id, version, topic, state = row
        oid = UUID(int=raw_id) if code != ROW_ERROR else as_uuid(stored_id)
        # 5. Versions contiguous per aggregate: a gap is a deleted or moved row, a repeat an
        #    inserted or copied one.
        last = self.versions.get(oid.int, 0)
        if version != last + 1:
            if version <= last:
                what = _(
                    "version {version} comes after version {last} of the same record: "
                    "a duplicated, inserted or reordered event"
                ).format(version=version, last=last)
            elif version == last + 2:
                what = _(
                    "version {missing} is missing before it: an event was deleted or moved"
                ).format(missing=last + 1)
            else:
                what = _(
                    "versions {first}..{last} are missing before it: events were deleted or moved"
                ).format(first=last + 1, last=version - 1)
            self._fail_event(Check.VERSION, what, position, nid, oid, version, topic)
        if version > last:
            self.versions[oid.int] = version
        # 1. The envelope, over the exact stored bytes.
        try:
            envelope = Envelope.parse(state)
        except TamperedEventError as e:
            self._fail_event(Check.FORMAT, str(e), position, nid, oid, version, topic)
            return
        kind = self.kind_of(topic)
        if kind == "registry" or oid == REGISTRY_ID:
            self._registry_event(position, nid, oid, version, topic, envelope)
            self._keys_changed()
            return

        def fail(check: Check, message: str) -> None:
            """A failure of this event, named with the key it claims to be signed by."""
            self._fail_event(check, message, position, nid, oid, version, topic, envelope.key_id)

        # 2. The key as the registry stood at this position.
        key = self.keys.get(envelope.key_id)
        if key is None:
            fail(
                Check.KEY,
                _(
                    "signed by key {hex}, which the key registry had not registered at this "
                    "position: a forged or foreign event"
                ).format(hex=envelope.key_id.hex()),
            )
            return
        if key.ended_at is not None:
            fail(
                Check.KEY,
                _("signed by key {describe} after it was {status} at position {ended_at}").format(
                    describe=key.describe(), status=status_word(key.status), ended_at=key.ended_at
                ),
            )
        # 3. The recovery key signs root replacements only; Art. 6: only discipline organs and
        #    organisation departments record.
        try:
            check_may_record(key.standing())
        except KeyManagementError as e:
            fail(Check.AUTHORISATION, str(e))
        if kind is None:
            fail(
                Check.FORMAT,
                _("unknown event type {topic}: not an event of this ledger").format(topic=topic),
            )
        elif kind == "report":
            if key.authority_kind not in MAY_REPORT:
                fail(
                    Check.AUTHORISATION,
                    _(
                        "signed by key {describe} of a {authority_kind} authority, which may not "
                        "record report events (Art. 14: the 信访工作机构 reports)"
                    ).format(describe=key.describe(), authority_kind=key.authority_kind),
                )
        elif key.authority_kind not in MAY_RECORD:
            fail(
                Check.AUTHORISATION,
                _(
                    "signed by key {describe} of a {authority_kind} authority, which may not "
                    "record {kind} events (Art. 6: only 纪检监察机关 and 组织人事部门)"
                ).format(describe=key.describe(), authority_kind=key.authority_kind, kind=kind),
            )
        # 4. The signature: as the worker found it with this very key, else checked here.
        self.signatures += 1
        if keys.get(key.key_id) != key.public_raw:
            code = KEY_UNKNOWN
        if code == OK:
            return
        if code == BAD_SIGNATURE or not check_signature(
            key.public_raw, envelope, oid, version, topic
        ):
            self._fail_event(
                Check.SIGNATURE,
                _(
                    "the signature by {describe} does not cover the stored bytes: the event "
                    "was altered, or moved from another row"
                ).format(describe=key.describe()),
                position,
                nid or None,
                oid,
                version,
                topic,
                key.key_id,
            )

    # checkpoints ------------------------------------------------------------------------
    @property
    def root_fingerprint(self) -> str | None:
        return fingerprint(self.root.public_raw) if self.root else None

    @property
    def origin(self) -> str | None:
        fp = self.root_fingerprint
        return origin_for(fp) if fp else None

    def admin_keys_for(self, size: int) -> list[Ed25519PublicKey]:
        """Admin keys valid for a checkpoint of ``size``: registered within it, not ended."""
        return [k.public for k in self.keys.values() if k.role == ADMIN and k.valid_for_size(size)]

    def check_note(self, stored: StoredCheckpoint, log_size: int) -> Checkpoint | None:
        """The checkpoint a stored note states, if well formed and signed by an admin key that
        was valid at its size (C2SP signed-note); failures are recorded."""
        where: dict[str, Any] = {"tree_size": stored.tree_size}
        try:
            body = open_note(stored.note)[0]
            cp = Checkpoint.parse(body)
        except ProofError as e:
            self.fail(Check.CHECKPOINT, _("malformed checkpoint note: {e}").format(e=e), **where)
            return None
        if cp.size != stored.tree_size or cp.root != stored.root:
            self.fail(
                Check.CHECKPOINT,
                _(
                    "the stored size/root ({tree_size}, {b64encode}) differ from the signed "
                    "note ({size}, {b64encode2}): the row was edited"
                ).format(
                    tree_size=stored.tree_size,
                    b64encode=b64encode(stored.root),
                    size=cp.size,
                    b64encode2=b64encode(cp.root),
                ),
                **where,
            )
        origin = self.origin
        if origin is None:
            self.fail(Check.CHECKPOINT, _("no root key is known to check the signature"), **where)
            return None
        if cp.origin != origin:
            self.fail(
                Check.CHECKPOINT,
                _("the checkpoint's origin {origin!r} is not this ledger's {origin2!r}").format(
                    origin=cp.origin, origin2=origin
                ),
                tree_size=cp.size,
            )
            return None
        if cp.size <= log_size:
            keys = self.admin_keys_for(cp.size)
        else:  # rolled back: the log no longer says which keys were valid; any admin key
            keys = [k.public for k in self.keys.values() if k.role == ADMIN]
        try:
            verify_note(stored.note, {origin: keys})
        except ProofError as e:
            self.fail(
                Check.CHECKPOINT,
                _("the checkpoint is not signed by an admin key valid at size {size}: {e}").format(
                    size=cp.size, e=e
                ),
                tree_size=cp.size,
            )
            return None
        return cp

    def check_cosignatures(
        self,
        cosignatures: Sequence[StoredCosignature],
        bodies: Mapping[int, bytes],
        good_sizes: Collection[int],
    ) -> tuple[int, list[str]]:
        """Verify every cosignature (C2SP tlog-cosignature); return the count of valid ones and
        the names of required witnesses that cosigned a good checkpoint."""
        valid = 0
        cosigned: dict[tuple[str, bytes], set[int]] = {}
        not_after = int(time.time()) + CLOCK_SKEW
        for cs in cosignatures:
            where = {"tree_size": cs.tree_size}
            body = bodies.get(cs.tree_size)
            if body is None:
                self.fail(
                    Check.COSIGNATURE,
                    _("cosignature by {name} of a checkpoint that is not kept").format(
                        name=cs.name
                    ),
                    **where,
                )
                continue
            try:
                key = parse_vkey(cs.vkey)
                if key.signature_type != SIG_COSIGNATURE_V1:
                    raise ProofError(_("the cosigner key is not a cosignature/v1 key"))
                signature = cs.signature()
                if signature.name != key.name:
                    raise ProofError(_("the cosignature line names another key"))
                verify_cosignature(body, signature, key.public_key(), not_after=not_after)
            except ProofError as e:
                self.fail(
                    Check.COSIGNATURE,
                    _("cosignature by {name} fails: {e}").format(name=cs.name, e=e),
                    **where,
                )
                continue
            valid += 1
            cosigned.setdefault((key.name, key.public_key_raw), set()).add(cs.tree_size)
        witnessed: list[str] = []
        for text in self.options.witnesses:
            try:
                w = parse_vkey(text)
            except ProofError as e:
                self.fail(
                    Check.COSIGNATURE,
                    _("witness key {text!r} is malformed: {e}").format(text=text, e=e),
                )
                continue
            sizes = cosigned.get((w.name, w.public_key_raw), set()) & set(good_sizes)
            if sizes:
                witnessed.append(f"{w.name}@{max(sizes)}")
            else:
                self.fail(
                    Check.COSIGNATURE,
                    _("witness {name} has cosigned no checkpoint that matches this log").format(
                        name=w.name
                    ),
                )
        return valid, witnessed

    def key_infos(self) -> tuple[KeyInfo, ...]:
        return tuple(k.info() for k in sorted(self.keys.values(), key=lambda k: k.registered_at))


def _event_where(position: int, nid: int, oid: UUID, version: int, topic: str) -> dict[str, Any]:
    return {
        "position": position,
        "notification_id": nid,
        "aggregate_id": str(oid),
        "version": version,
        "topic": short_topic(topic),
    }


def _parses(sc: StoredCheckpoint) -> bool:
    try:
        sc.body()
    except ProofError:
        return False
    return True


def _trusted(note: bytes) -> StoredCheckpoint:
    """A checkpoint an auditor kept; its stated size and root become the 'row'."""
    try:
        cp = Checkpoint.parse(open_note(note)[0])
        return StoredCheckpoint(cp.size, cp.root, note, "trusted")
    except ProofError:
        return StoredCheckpoint(-1, b"", note, "trusted")


def _where_of(failure: Failure) -> dict[str, Any]:
    return {
        k: getattr(failure, k)
        for k in failure.__dataclass_fields__
        if k not in ("check", "message")
    }
