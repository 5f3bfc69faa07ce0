"""The signer's key, checked again inside the transaction that appends its events (Art. 6).

A command checks its signer against the key registry when it starts; a revocation or rotation
committed by another writer between that check and the append must still stop it (DESIGN,
"Trust model": a key's validity is checked inside the transaction that appends with it). The
recorders call :meth:`SignerCheck.check` once they hold the store's write lock (SQLite: after
the first insert took it; PostgreSQL: after the EXCLUSIVE table lock), with the registry events
committed since the version the command checked. Those few events are verified with the keys
the registry itself names, applied to a copy of the registry, and the registry's own predicate
(:meth:`ledger.keys.KeyRegistry.check_active`) judges every signer of the append: a refused
append raises the usual :class:`ledger.errors.NotAuthorisedError` and the transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import StoredEvent

from ledger.domain.event_labels import event_label
from ledger.domain.ids import REGISTRY_ID
from ledger.domain.keys import KeyRegistry
from ledger.errors import TamperedEventError
from ledger.i18n import _
from ledger.signing.mapper import SigningMapper, signed
from ledger.signing.signatures import Envelope, check_signature, public_key_from_raw

#: (version, topic, stored state) of the registry's events after a version, read in the
#: appending transaction.
RegistryRows = Callable[[int], Sequence[tuple[int, str, bytes]]]


class SignerCheck:
    """What the application checked its signer against, for the recorder to re-check."""

    def __init__(self, mapper: SigningMapper) -> None:
        self.mapper = mapper
        #: The registry as the command's signer check saw it (a shared, read-only object);
        #: None while no signed command is under way (``migrate`` copies events as stored).
        self.checked: KeyRegistry | None = None

    def check(self, stored_events: Sequence[StoredEvent], registry_after: RegistryRows) -> None:
        """Refuse the append if a registry event committed since the check ended a signer."""
        checked = self.checked
        if checked is None or not stored_events:
            return
        own = {s.originator_version for s in stored_events if _is_registry(s.originator_id)}
        rows = [r for r in registry_after(checked.version) if r[0] not in own]
        if not rows:
            return
        registry: KeyRegistry | None = deepcopy(checked)
        for version, topic, state in rows:
            stored = StoredEvent(REGISTRY_ID, version, topic, state)
            envelope = Envelope.parse(state)
            assert registry is not None
            signer = registry.keys.get(envelope.key_id.hex())
            if signer is None or not check_signature(
                public_key_from_raw(bytes.fromhex(signer["public_key"])),
                envelope,
                REGISTRY_ID,
                version,
                topic,
            ):
                raise TamperedEventError(
                    _(
                        "key registry event v{version} ({topic}) fails its signature; nothing "
                        "was written. Run `lifeledger verify`."
                    ).format(version=version, topic=event_label(topic)),
                    originator_id=str(REGISTRY_ID),
                    version=version,
                )
            event = signed(self.mapper.decode_payload(stored, envelope.payload), envelope)
            registry = project_aggregate(registry, [event])
        assert registry is not None
        for key_id in sorted({Envelope.parse(s.state).key_id.hex() for s in stored_events}):
            registry.check_active(key_id)


def _is_registry(originator_id: UUID | str) -> bool:
    return str(originator_id).replace("-", "") == REGISTRY_ID.hex
