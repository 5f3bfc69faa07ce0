"""The signed application under the ledger: signing infrastructure, the key registry and
the signer's authority (Art. 6), and loading and saving aggregates.

:class:`ledger.application.LedgerApplication` adds the commands of the Measures on top; every
one of them goes through the checks here (the key registered, not rotated or revoked, and
authorised for the action) before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    PersistenceError,
)

from ledger.domain import identifiers, ids
from ledger.domain.authority import Context, Jurisdiction
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.divisions import hunan
from ledger.domain.keys import KeyRecord, KeyRegistry, Standing, check_may_record
from ledger.domain.limits import BATCH_EVENTS
from ledger.domain.regulation import (
    AuthorityKind,
    KeyRole,
    PartyType,
)
from ledger.domain.unit import Unit
from ledger.errors import (
    AlreadyExistsError,
    LedgerError,
    NotAuthorisedError,
    NotFoundError,
    StoreError,
    first_line,
)
from ledger.i18n import _
from ledger.inputs import check_id, require
from ledger.signing.ed25519 import check_public_key
from ledger.signing.keyring import load_keyring, register_recovery
from ledger.signing.mapper import SigningMapper
from ledger.signing.signatures import (
    Signer,
    fingerprint,
    key_id_of,
    public_key_from_raw,
)
from ledger.storage.key_check import SignerCheck
from ledger.storage.lookalikes import Lookalikes
from ledger.storage.store import StoreConfig
from ledger.storage.transcodings import DateAsISO
from ledger.unit_of_work import Batch, Immediate, UnitOfWork

A = TypeVar("A", bound=Aggregate)


class SignedApplication(Application[UUID]):
    """An eventsourcing application whose every event is signed by a key of the registry
    (Art. 6): the signing mapper, the key registry, the signer's authority, and loading and
    saving aggregates with the library's errors translated into the ledger's."""

    name = "LifeLedger"

    def __init__(self, store: StoreConfig, signer: Signer | None = None) -> None:
        self.store = store
        self._keyring: dict[bytes, Ed25519PublicKey] = {}
        self._work: UnitOfWork = Immediate(self)
        self._lookalikes = Lookalikes(self)
        store.prepare()
        try:
            super().__init__(env=store.env())
        except LedgerError:
            raise
        except Exception as e:  # psycopg, sqlite3, OSError: the store cannot be opened
            raise StoreError(
                _("cannot open {describe}: {first_line}").format(
                    describe=store.describe(), first_line=first_line(e)
                )
            ) from e
        self.signer = signer
        # The signer's key is checked again inside the appending transaction (Art. 6).
        self.signer_check = SignerCheck(self.signing_mapper)
        if hasattr(self.recorder, "signer_check"):
            self.recorder.signer_check = self.signer_check.check

    # infrastructure ---------------------------------------------------------------------
    def construct_mapper(self) -> Mapper[UUID]:
        mapper = self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=SigningMapper
        )
        assert isinstance(mapper, SigningMapper)
        mapper.key_lookup = self._lookup_key
        return mapper

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def signing_mapper(self) -> SigningMapper:
        assert isinstance(self.mapper, SigningMapper)
        return self.mapper

    @property
    def signer(self) -> Signer | None:
        return self.signing_mapper.signer

    @signer.setter
    def signer(self, signer: Signer | None) -> None:
        self.signing_mapper.signer = signer

    # the key registry -------------------------------------------------------------------
    def load_keyring(self) -> dict[bytes, Ed25519PublicKey]:
        """Every key the registry ever held, each registration checked from the root on."""
        return load_keyring(self.recorder, self.signing_mapper)

    def _lookup_key(self, key_id: bytes) -> Ed25519PublicKey | None:
        key = self._keyring.get(key_id)
        if key is None:
            self._keyring = self.load_keyring()
            key = self._keyring.get(key_id)
        return key

    def is_initialised(self) -> bool:
        try:
            return bool(self.recorder.select_events(ids.REGISTRY_ID, limit=1))
        except PersistenceError as e:
            raise StoreError(
                _("cannot read {describe}: {first_line}").format(
                    describe=self.store.describe(), first_line=first_line(e)
                )
            ) from e

    def registry(self) -> KeyRegistry:
        try:
            return self._get(KeyRegistry, ids.REGISTRY_ID, "", copy=False)
        except NotFoundError:
            raise StoreError(
                _("{describe} holds no ledger; run `lifeledger init` first").format(
                    describe=self.store.describe()
                )
            ) from None

    def root_fingerprint(self) -> str:
        reg = self.registry()
        first = next(iter(reg.keys.values()))
        return fingerprint(bytes.fromhex(first["public_key"]))

    def initialise(
        self,
        root: Signer,
        holder: str,
        authority: str,
        authority_kind: AuthorityKind,
        recovery_public_raw: bytes | None = None,
    ) -> str:
        """Create the key registry from the root key, with the recovery key (kept offline,
        registered by the root in the same transaction) if given; returns the fingerprint
        to pin."""
        if self.is_initialised():
            raise AlreadyExistsError(
                _("{describe} already holds a ledger").format(describe=self.store.describe())
            )
        require(holder=holder, authority=authority)
        registry = KeyRegistry(
            key_id=root.key_id.hex(),
            public_key=root.public_raw.hex(),
            holder=holder,
            authority=authority,
            authority_kind=authority_kind.value,
        )
        if recovery_public_raw is not None:
            register_recovery(
                registry, root.key_id.hex(), recovery_public_raw, holder, authority, authority_kind
            )
        with self._signed_by(root):
            self._create(registry, "the ledger is already initialised")
        return root.fingerprint

    def add_recovery_key(self, public_raw: bytes) -> str:
        """Register the recovery key of a ledger that has none, signed by the root."""
        root = self.signer_record()

        def register(r: KeyRegistry) -> None:
            register_recovery(
                r, root.key_id, public_raw, root.holder, root.authority, root.authority_kind
            )

        self._update(KeyRegistry, ids.REGISTRY_ID, register)
        return key_id_of(public_raw).hex()

    def replace_root(self, new_public_raw: bytes) -> str:
        """Replace the root key: signed by the root itself, or by the recovery key when the
        root key is lost or stolen. The new key is the root from then on."""
        return self.rotate_key(self.registry().root, new_public_raw)

    def _signed_by(self, signer: Signer) -> _SignerScope:
        return _SignerScope(self, signer)

    def signer_record(self) -> KeyRecord:
        if self.signer is None:
            raise LedgerError(_("no signer key is loaded; give --key (or LIFELEDGER_KEY)"))
        return self._work.signer_record(self.signer)

    def _record_signer(self) -> KeyRecord:
        """The signer of a record (not a key change): never the recovery key."""
        rec = self.signer_record()
        check_may_record(Standing(rec.key_id, rec.holder, rec.role.value, rec.status))
        return rec

    def batch(self, max_events: int = BATCH_EVENTS) -> Batch:
        """A unit of work for bulk writes: ``with app.batch() as batch:`` (see :class:`Batch`)."""
        return Batch(self, max_events)

    def _authorise(self, action: str) -> KeyRecord:
        """Art. 6: accountability is carried out by discipline-inspection/supervision organs and
        organisation/personnel departments; other keys may not record it."""
        rec = self._record_signer()
        if not rec.authority_kind.may_hold_accountable:
            raise NotAuthorisedError(
                "Art. 6",
                _("only discipline organs and organisation departments"),
                _(
                    "{holder} ({authority}, {label}) may not {action}; accountability is "
                    "carried out by 纪检监察机关 and 组织人事部门"
                ).format(
                    holder=rec.holder,
                    authority=rec.authority,
                    label=rec.authority_kind.label,
                    action=_(action),  # marked N_() where named
                ),
            )
        return rec

    def context(self, rec: KeyRecord) -> Context:
        """What the rules need beyond a case (Art. 6): the signer and where parties are managed."""
        return Context(rec.authority, rec.authority_kind, rec.jurisdiction, self.management)

    def management(self, party_type: str, code: str, on: dt.date) -> Jurisdiction | None:
        """Art. 6: the level and region at which a party is managed on ``on``."""
        if party_type == PartyType.UNIT.value:
            return self.unit(code).jurisdiction
        return self.cadre(code).management_on(on, self._unit_jurisdiction)

    def region_of(self, party_type: str, code: str, on: dt.date) -> str | None:
        """Art. 14 本地区: the region a party belongs to on ``on``: a unit's own; a person's by
        the unit of the post held then (else the region that manages them)."""
        try:
            if party_type == PartyType.UNIT.value:
                return self.unit(code).region
            cadre = self.cadre(code)
            post = cadre.post_on(on) or cadre.posts[-1]
            unit = self._unit_jurisdiction(post.unit_code)
            if unit is not None:
                return unit.region
            managed = cadre.management_on(on, self._unit_jurisdiction)
            return managed.region if managed else None
        except NotFoundError:
            return None

    def _unit_jurisdiction(self, code: str) -> Jurisdiction | None:
        try:
            return self.unit(code).jurisdiction
        except NotFoundError:
            return None

    def add_key(
        self,
        public_raw: bytes,
        holder: str,
        authority: str,
        authority_kind: AuthorityKind,
        role: KeyRole,
        jurisdiction: Jurisdiction | None = None,
    ) -> str:
        """Register a signer key; an authority's level and region (Art. 6) go with it."""
        require(holder=holder, authority=authority)
        if jurisdiction is not None:
            hunan().check(jurisdiction.region)
        key_id = key_id_of(public_raw).hex()
        public_key_from_raw(public_raw)
        check_public_key(public_raw)
        signer = self.signer_record().key_id
        self._update(
            KeyRegistry,
            ids.REGISTRY_ID,
            lambda r: r.register(
                signer,
                key_id,
                public_raw.hex(),
                holder,
                authority,
                authority_kind,
                role,
                jurisdiction,
            ),
        )
        return key_id

    def rotate_key(self, old_key_id: str, new_public_raw: bytes) -> str:
        key_id = key_id_of(new_public_raw).hex()
        signer = self.signer_record().key_id
        self._update(
            KeyRegistry,
            ids.REGISTRY_ID,
            lambda r: r.rotate(signer, old_key_id, key_id, new_public_raw.hex()),
        )
        return key_id

    def revoke_key(self, key_id: str, reason: str) -> None:
        signer = self.signer_record().key_id
        self._update(KeyRegistry, ids.REGISTRY_ID, lambda r: r.revoke(signer, key_id, reason))

    def unit(self, code: str) -> Unit:
        return self._get(
            Unit, ids.unit_id(code), _("no unit with code {code}").format(code=code), copy=False
        )

    def cadre(self, personnel_no: str) -> Cadre:
        return self._get(
            Cadre,
            ids.cadre_id(personnel_no),
            _("no cadre with personnel number {personnel_no}").format(personnel_no=personnel_no),
            copy=False,
        )

    def case(self, case_no: str) -> AccountabilityCase:
        return self._get(
            AccountabilityCase,
            ids.case_id(case_no),
            _("no case {case_no}").format(case_no=case_no),
            copy=False,
        )

    # helpers ----------------------------------------------------------------------------
    def _new_id(self, kind: str, label: str, value: str) -> str:
        """A new identifier, normalised, within its length, and not a lookalike of a
        recorded one (Art. 8: one lifetime record per person; ledger.domain.identifiers)."""
        normal = identifiers.normalise(label, value)
        check_id(**{label.replace(" ", "_"): normal})
        identifiers.check_new(label, normal, self._lookalikes.recorded(kind, normal))
        return normal

    def _check_party_exists(self, party_type: PartyType, code: str) -> None:
        if party_type is PartyType.UNIT:
            self.unit(code)
        else:
            self.cadre(code)

    def _get(self, cls: type[A], aggregate_id: UUID, not_found: str, *, copy: bool = True) -> A:
        """Load an aggregate through the unit of work. Readers (``copy=False``) share the
        cached object and must not change it; commands get their own copy."""
        return self._work.get(cls, aggregate_id, not_found, copy=copy)

    def _read(self, cls: type[A], aggregate_id: UUID, not_found: str, *, copy: bool) -> A:
        """Load an aggregate from the store (through the repository's cache)."""
        try:
            aggregate: object = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise NotFoundError(not_found) from None
        except PersistenceError as e:
            raise StoreError(
                _("cannot read {describe}: {first_line}").format(
                    describe=self.store.describe(), first_line=first_line(e)
                )
            ) from e
        if not isinstance(aggregate, cls):
            raise NotFoundError(not_found)
        return aggregate

    def _create(self, aggregate: Aggregate, exists: str) -> None:
        self._work.create(aggregate, exists)

    def _update(
        self,
        cls: type[A],
        aggregate_id: UUID,
        command: Callable[[A], None],
        not_found: str = "",
    ) -> A:
        """Load, command, save: how and when is the unit of work's business."""
        return self._work.update(cls, aggregate_id, command, not_found)

    def _update_case(self, case_no: str, command: Callable[[AccountabilityCase], None]) -> None:
        self._update(
            AccountabilityCase,
            ids.case_id(case_no),
            command,
            _("no case {case_no}").format(case_no=case_no),
        )


class _SignerScope:
    """Sign with another key for the duration of a ``with`` block (used by ``init``)."""

    def __init__(self, app: SignedApplication, signer: Signer) -> None:
        self.app = app
        self.signer = signer
        self.previous: Signer | None = None

    def __enter__(self) -> None:
        self.previous = self.app.signer
        self.app.signer = self.signer

    def __exit__(self, *exc: object) -> None:
        self.app.signer = self.previous


__all__ = ["SignedApplication"]
