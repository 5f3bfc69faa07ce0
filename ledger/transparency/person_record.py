"""A person's record read through the person index (Art. 8): every event that names the
personnel number, checked against the map root a signed checkpoint carries (``cadre history``,
``proof cadre``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.domain import ids
from ledger.errors import (
    LedgerError,
    NotFoundError,
    ProofError,
    TamperedEventError,
)
from ledger.i18n import _
from ledger.signing.signatures import HEADER_SIZE
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoint import Checkpoint, verify_note
from ledger.transparency.person_index import CADRE, CASE, map_root_of, payload_of, persons_named
from ledger.transparency.person_map import (
    ChainState,
    MapProof,
    key_of,
    prove,
)
from ledger.transparency.person_tables import PersonTables

if TYPE_CHECKING:
    pass


# reading a person's record -------------------------------------------------------------------
@dataclass(frozen=True)
class IndexedEvent:
    """An event naming the person, its signature checked over the stored bytes."""

    position: int
    notification_id: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return payload_of(self.state) or {}


@dataclass(frozen=True)
class PersonRecord:
    """Every event naming a person, complete as of a checkpoint and checked after it.

    ``complete_as_of`` is the tree size of the signed checkpoint the index entries were checked
    against (None: the ledger has none yet); ``checked_later`` how many events after it name
    the person (read from the log itself and checked one by one), of ``later`` appended since.
    ``signatures_checked`` is False when the caller asked to check the events' signatures
    itself (:func:`person_record` with ``check_signatures=False``): nothing may be shown from
    such a record before that check.
    """

    personnel_no: str
    complete_as_of: int | None
    events: tuple[IndexedEvent, ...]
    checked_later: int
    later: int
    map_proof: MapProof | None
    committed: ChainState | None
    signatures_checked: bool = True
    #: Checkpoints signed before the ledger had the person index: completeness cannot be
    #: proven as of any of them. With ``complete_as_of`` None and this above 0, no checkpoint
    #: carries the index yet (the events were all read from the log itself).
    unindexed_checkpoints: int = 0
    #: The first checkpoint that carries the index, when earlier ones do not.
    indexed_since: int | None = None

    @property
    def case_ids(self) -> list[UUID]:
        return list(dict.fromkeys(e.originator_id for e in self.events if e.topic.startswith(CASE)))

    @property
    def cadre_events(self) -> list[IndexedEvent]:
        return [e for e in self.events if e.topic.startswith(CADRE)]


def _damaged(message: str, **where: Any) -> TamperedEventError:
    return TamperedEventError(
        _("{message}; run `lifeledger verify`").format(message=message), **where
    )


def _admin_keys(app: Any) -> list[Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return [
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(k["public_key"]))
        for k in app.registry().keys.values()
        if k["role"] == "admin"
    ]


#: Checkpoint notes found signed by an admin key in this process, by the digest of the note
#: and of the admin keys it was checked with (the same note is checked again by every read).
_GOOD_NOTES: set[bytes] = set()


def _verify_note(app: Any, note: bytes, origin: str) -> None:
    keys = _admin_keys(app)
    digest = hashlib.sha256(b"".join([note, *sorted(k.public_bytes_raw() for k in keys)])).digest()
    if digest in _GOOD_NOTES:
        return
    verify_note(note, {origin: keys})  # raises ProofError when no admin key signed it
    if len(_GOOD_NOTES) < 10_000:
        _GOOD_NOTES.add(digest)


def _names(personnel_no: str, cadre: UUID) -> Callable[[int, UUID, str, bytes], bool]:
    """Whether an event names the person, as :func:`persons_named` says.

    A case event's payload is JSON read as UTF-8 unless it holds a NUL byte (UTF-16 and
    UTF-32 text does), and a string in it is written as its own UTF-8 bytes unless it holds a
    backslash (an escape). So a payload with neither, and without the number's bytes, cannot
    name the person, and need not be parsed: the events after a checkpoint are all read, and
    few of them name the person.
    """
    literal = personnel_no.encode()
    cadre_person = lambda o: personnel_no if o == cadre else None  # noqa: E731

    def check(position: int, oid: UUID, topic: str, state: bytes) -> bool:
        if not topic.startswith(CADRE):
            payload = state[HEADER_SIZE:]
            if literal not in payload and b"\\" not in payload and b"\0" not in payload:
                return False
        return personnel_no in persons_named(topic, oid, state, cadre_person)

    return check


#: Events read, handed to ``on_read``: (notification id, aggregate id, version, topic, state).
ReadRows = Callable[[list[tuple[int, UUID, int, str, bytes]]], None]


def person_record(
    app: Any,
    personnel_no: str,
    tree_size: int | None = None,
    *,
    check_signatures: bool = True,
    on_read: ReadRows | None = None,
) -> PersonRecord:
    """A person's events, proven complete against a signed checkpoint (default: the latest).

    1. The checkpoint note's signature is checked with the registry's admin keys, and its
       person-index line gives the map root.
    2. The person's map path, read from the stored nodes, must lead to that root: it gives the
       committed (count, chain), or proves the person absent.
    3. The index rows before the checkpoint point at the events; each is read from the log,
       its signature checked over the stored bytes, its leaf re-hashed, and it must name the
       person; folded in order they must give the committed (count, chain).
    4. Every event after the checkpoint is read from the log itself (not from the index), and
       those naming the person are checked the same way.

    Any failure is a TamperedEventError naming the position and saying to run verify.

    With ``check_signatures=False`` step 3 and 4 leave the signatures to the caller, who reads
    the same events again to check them with their keys as of each position (``cadre
    history`` does, in one pass with the cases: each event is then verified once, not twice).
    ``on_read`` is handed the events the index points at as soon as they are read, before
    anything is checked, then those after the checkpoint that name the person (``cadre
    history`` begins their signature checks on another thread while this one goes on).
    """
    tables = PersonTables(app)
    with tables.snapshot():
        return _person_record(app, tables, personnel_no, tree_size, check_signatures, on_read)


def _person_record(
    app: Any,
    tables: PersonTables,
    personnel_no: str,
    tree_size: int | None,
    check_signatures: bool,
    on_read: ReadRows | None = None,
) -> PersonRecord:
    checked_event = _checked if check_signatures else _found
    cadre = ids.cadre_id(personnel_no)
    names = _names(personnel_no, cadre)
    mapper = app.signing_mapper
    size: int | None = None
    proof: MapProof | None = None
    committed: ChainState | None = None
    checked: list[IndexedEvent] = []
    ends = tables.first_and_latest()
    latest = [ends[1]] if ends else []
    stored = latest if tree_size is None else tables.checkpoint(tree_size)
    if tree_size is not None and not stored:
        raise NotFoundError(_("no checkpoint of size {tree_size}").format(tree_size=tree_size))
    indexed_since, unindexed = tables.first_indexed(ends[0]) if ends else (None, 0)
    if stored and (indexed_since is None or stored[0].tree_size < indexed_since):
        # Signed before the ledger had the person index (or no checkpoint carries it yet).
        if tree_size is not None:
            since = (
                _("the first that does is checkpoint {indexed_since}").format(
                    indexed_since=indexed_since
                )
                if indexed_since is not None
                else _(
                    "no checkpoint carries it yet: `lifeledger checkpoint` builds the index "
                    "and commits it in the next one"
                )
            )
            raise ProofError(
                _(
                    "checkpoint {tree_size} was signed before this ledger had the person "
                    "index: completeness cannot be proven as of it; {since}"
                ).format(tree_size=tree_size, since=since),
                tree_size=tree_size,
            )
        stored = []  # every event is read from the log itself, as before any checkpoint
    if stored:
        cp_row = stored[0]
        size = cp_row.tree_size
        try:
            cp = Checkpoint.parse(cp_row.body())
            _verify_note(app, cp_row.note, cp.origin)
            root = map_root_of(cp)
        except ProofError as e:
            raise _damaged(
                _("checkpoint {size} does not hold: {e}").format(size=size, e=e), tree_size=size
            ) from e
        if root is None:
            raise _damaged(
                _("checkpoint {size} carries no person index").format(size=size), tree_size=size
            )
        key = key_of(personnel_no)
        proof, _unused = prove(tables.reader(size), key)
        rows, events = tables.indexed_events(personnel_no, size)
        if on_read is not None:
            on_read([(nid, oid, v, t, st) for nid, oid, v, t, st in events.values()])
        state = ChainState(personnel_no)
        for seq, index in rows:
            row = events.get(index)
            if seq != state.count + 1:
                raise _damaged(
                    _(
                        "the person index of {personnel_no} has no entry {value} (the next holds "
                        "position {index}): a row was deleted"
                    ).format(personnel_no=personnel_no, value=state.count + 1, index=index),
                    position=index,
                )
            if row is None:
                raise _damaged(
                    _(
                        "the person index of {personnel_no} points at position {index}, which "
                        "holds no event"
                    ).format(personnel_no=personnel_no, index=index),
                    position=index,
                )
            nid, oid, version, topic, st = row
            event = checked_event(mapper, index, nid, oid, version, topic, st)
            if not names(index, oid, topic, st):
                raise _damaged(
                    _(
                        "the event at position {index} does not name {personnel_no}, but the "
                        "person index lists it"
                    ).format(index=index, personnel_no=personnel_no),
                    position=index,
                )
            state = state.then(index, event_leaf_hash(index, oid, version, topic, st))
            checked.append(event)
        value = state.value if state.count else None
        try:
            if proof.root_for(key, value) != root:
                raise ProofError(_("it leads to another root"))
        except ProofError as e:
            last = rows[-1][1] if rows else None
            raise _damaged(
                _(
                    "the person index of {personnel_no} ({count} events up to position "
                    "{last}) does not match the root signed in checkpoint {size}: {e}"
                ).format(personnel_no=personnel_no, count=state.count, last=last, size=size, e=e),
                position=last,
                tree_size=size,
            ) from None
        committed = state
    later = tables.events_from(size or 0)
    naming = [row for row in later if names(row[0], row[2], row[4], row[5])]
    if on_read is not None and naming:
        on_read([(nid, oid, v, t, st) for _, nid, oid, v, t, st in naming])
    for index, nid, oid, version, topic, st in naming:
        checked.append(checked_event(mapper, index, nid, oid, version, topic, st))
    return PersonRecord(
        personnel_no,
        size,
        tuple(checked),
        len(naming),
        len(later),
        proof,
        committed,
        check_signatures,
        unindexed,
        indexed_since if unindexed else None,
    )


def _found(
    mapper: Any, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes
) -> IndexedEvent:
    """An event the caller checks itself (``check_signatures=False``)."""
    return IndexedEvent(position, nid, oid, version, topic, state)


def _checked(
    mapper: Any, position: int, nid: int, oid: UUID, version: int, topic: str, state: bytes
) -> IndexedEvent:
    from eventsourcing.persistence import StoredEvent

    try:
        mapper.open_envelope(StoredEvent(oid, version, topic, state))
    except (LedgerError, ValueError) as e:
        raise _damaged(
            _("the event at position {position} ({value} v{version}) fails its check: {e}").format(
                position=position, value=topic.split(":", 1)[-1], version=version, e=e
            ),
            position=position,
        ) from None
    return IndexedEvent(position, nid, oid, version, topic, state)
