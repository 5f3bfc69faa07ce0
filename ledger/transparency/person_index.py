"""The person index in the store: who an event names, the chain rows, the map at checkpoints.

Art. 8 (终身追责): a cadre's accountability history is for life, so the organisation department
must be able to see it *whole*. Every event that names a person (the person's own cadre record,
and every case event naming them as a party, team member or objector) extends that person's
chain (:mod:`ledger.transparency.person_map`) in the same transaction as its Merkle leaf
(:mod:`ledger.recorders`); every checkpoint carries the root of the map of all chains as an
extension line, so that a reader checks a person's events against one signed root:
:func:`ledger.transparency.person_record.person_record` for ``cadre history``,
:mod:`ledger.audit.proofs` for ``proof cadre``. The tables are in
:mod:`ledger.transparency.person_tables`, the recomputation ``verify`` makes in
:mod:`ledger.transparency.person_audit`.

Who an event names is read from the exact stored bytes (:func:`persons_named`), by the recorder
when it writes and by ``verify`` when it recomputes: one rule, applied to what is signed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.domain import topics
from ledger.errors import (
    ProofError,
    TamperedEventError,
)
from ledger.i18n import _
from ledger.signing.signatures import Envelope
from ledger.transparency.checkpoint import Checkpoint
from ledger.transparency.person_map import (
    EMPTY,
    fold,
)

if TYPE_CHECKING:
    from ledger.transparency.tables import StoredCheckpoint

__all__ = [
    "EXTENSION_PREFIX",
    "PERSON_EVENTS_TABLE",
    "PERSON_NODES_TABLE",
    "carries_index",
    "chain_rows",
    "extend_chains",
    "extension_line",
    "map_root_of",
    "payload_of",
    "persons_named",
    "registered_person",
]

PERSON_EVENTS_TABLE = "person_events"
PERSON_NODES_TABLE = "person_map_nodes"
#: The checkpoint extension line: this prefix, then the base64 map root.
EXTENSION_PREFIX = "lifeledger/person-index/v1 "
CASE = topics.CASE + "."
CADRE = topics.CADRE + "."
#: Case events whose payload names a person (party_type/party_code, personnel_no, members).
CASE_TOPICS = frozenset(
    topics.case_event(name)
    for name in (
        "ResponsibilityAssigned",
        "ObjectionRecorded",
        "TeamResponsibilityAssigned",
        "DefenceHeard",
        "DecisionIssued",
        "DecisionAnnounced",
        "PersonnelFileEntered",
        "DecisionReceived",
        "AppealFiled",
        "AppealDecided",
        "ReferredToJudicialOrgan",
        "FindingCorrected",
        "AppealDecisionNotified",
    )
)


def payload_of(state: bytes) -> dict[str, Any] | None:
    """The JSON object an envelope carries, or None for a damaged row (verify reports it)."""
    try:
        data = json.loads(Envelope.parse(state).payload)
    except (TamperedEventError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def persons_named(
    topic: str, originator_id: UUID, state: bytes, cadre_person: Callable[[UUID], str | None]
) -> tuple[str, ...]:
    """The personnel numbers an event names, in a fixed order, each once.

    A cadre event names its cadre (the number is in the Registered payload; later events of
    the aggregate are found through ``cadre_person``); a case event names the person it is
    about (``party_type`` person), the objector or file holder (``personnel_no``) and every
    member of a team finding (Art. 5).
    """
    if topic.startswith(CADRE):
        if topic == CADRE + "Registered":
            payload = payload_of(state)
            no = payload.get("personnel_no") if payload else None
            return (no,) if isinstance(no, str) else ()
        no = cadre_person(originator_id)
        return (no,) if no else ()
    if topic not in CASE_TOPICS:
        return ()
    payload = payload_of(state)
    if payload is None:
        return ()
    found: list[str] = []
    if payload.get("party_type") == "person" and isinstance(payload.get("party_code"), str):
        found.append(payload["party_code"])
    if isinstance(payload.get("personnel_no"), str):
        found.append(payload["personnel_no"])
    for member in payload.get("members") or ():
        if isinstance(member, dict) and isinstance(member.get("personnel_no"), str):
            found.append(member["personnel_no"])
    return tuple(dict.fromkeys(found))


def registered_person(state: bytes) -> str | None:
    """The personnel number a cadre's Registered event carries."""
    found = persons_named(CADRE + "Registered", UUID(int=0), state, lambda _: None)
    return found[0] if found else None


def chain_rows(
    events: Iterable[tuple[int, UUID, str, bytes, bytes]],
    heads: Callable[[Collection[str]], Mapping[str, tuple[int, bytes]]],
    cadre_persons: Callable[[Collection[UUID]], Mapping[UUID, str]],
) -> list[tuple[str, int, int, bytes]]:
    """The index rows (personnel number, seq, leaf index, chain value) for new events.

    ``events`` are (leaf index, aggregate id, topic, stored state, leaf hash) in log order;
    ``heads`` gives each person's last (seq, chain) already stored; ``cadre_persons`` the
    personnel number of cadre aggregates (from their Registered events).
    """
    batch = list(events)
    registered = {
        oid: no
        for _, oid, topic, state, _ in batch
        if topic == CADRE + "Registered"
        for no in persons_named(topic, oid, state, lambda _: None)
    }
    others = {oid for _, oid, topic, _, _ in batch if topic.startswith(CADRE)} - set(registered)
    cadres = {**(dict(cadre_persons(others)) if others else {}), **registered}
    named = [
        (index, persons_named(topic, oid, state, cadres.get), leaf)
        for index, oid, topic, state, leaf in batch
    ]
    return extend_chains(named, heads)


def extend_chains(
    named: Iterable[tuple[int, tuple[str, ...], bytes]],
    heads: Callable[[Collection[str]], Mapping[str, tuple[int, bytes]]],
) -> list[tuple[str, int, int, bytes]]:
    """The rows (key, seq, leaf index, chain value) that extend each named key's chain.

    ``named`` are (leaf index, keys the event names, leaf hash) in log order; ``heads`` gives
    each key's last (seq, chain) already stored. The person index and the case index
    (:mod:`ledger.transparency.case_index`) both fold their chains here.
    """
    batch = list(named)
    wanted = {key for _, keys, _ in batch for key in keys}
    if not wanted:
        return []
    state = dict(heads(wanted))
    rows: list[tuple[str, int, int, bytes]] = []
    for index, keys, leaf in batch:
        for key in keys:
            seq, chain = state.get(key, (0, EMPTY))
            seq, chain = seq + 1, fold(chain, index, leaf)
            state[key] = (seq, chain)
            rows.append((key, seq, index, chain))
    return rows


def map_root_of(checkpoint: Checkpoint, prefix: str = EXTENSION_PREFIX) -> bytes | None:
    """The map root a checkpoint carries on the extension line starting with ``prefix`` (the
    person index's by default), or None if it carries none."""
    for line in checkpoint.extensions:
        if line.startswith(prefix):
            try:
                root = base64.b64decode(line[len(prefix) :], validate=True)
            except ValueError as e:
                raise ProofError(
                    _("malformed extension line {prefix!r} in checkpoint: {e}").format(
                        prefix=prefix.strip(), e=e
                    )
                ) from e
            if len(root) != 32:
                raise ProofError(
                    _("malformed extension line {prefix!r} in checkpoint: not 32 bytes").format(
                        prefix=prefix.strip()
                    )
                )
            return root
    return None


def carries_index(stored: StoredCheckpoint, prefix: str = EXTENSION_PREFIX) -> bool:
    """Whether a stored checkpoint's text has a person-index line (or the line ``prefix``
    starts; unverified)."""
    try:
        return map_root_of(stored.parsed(), prefix) is not None
    except ProofError:
        return True  # a malformed line is not an absent one: the reader refuses it


def extension_line(root: bytes, prefix: str = EXTENSION_PREFIX) -> str:
    return prefix + base64.b64encode(root).decode()
