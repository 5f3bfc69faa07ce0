"""Reads that show only what signed, checked events say (DESIGN, "Trust model").

The view tables are indexes and caches: an insider with write access to the store can delete
or edit their rows, and no key is needed for that. So a read never shows a view column. It
uses the views to find which records a question concerns, then reads those records' own
events from the log and checks each one exactly as ``verify`` does (:class:`ledger.verify.
Audit`: the Ed25519 signature over the exact stored bytes, the signer key registered and not
yet rotated or revoked at that log position, Art. 6 authorisation, versions 1, 2, 3… per
record), with the key registry replayed from its self-signed root in the same pass. What the
user sees is folded from those events alone.

How each read knows its index is complete and correct:

* ``case show``, ``case timeline``: no index. A case's aggregate id is derived from its number
  (:func:`ledger.ids.case_id`), so all its events are read by that id; unit and cadre names
  come from their own registration events, key holders and statuses from the registry.
* ``key list``: the registry's own events, replayed; ``proj_keys`` is not read.
* ``deadlines``, ``deadlines --late`` (every case row), ``unit rating``, ``report annual``:
  the index picks the candidate cases; each candidate is replayed from its checked events and
  must agree with the index row that named it. Before that, the views are compared with the
  log (:mod:`projections.census`): the tracking position may not be ahead of the log, and
  the views must hold exactly one row for every record the log opened up to that position
  (cases, units, cadres), so a deleted or added row, or a tracking position moved forward
  over new records, is refused with the record's log position named. A secondary index
  (``proj_case_parties``, ``proj_case_years``, ``proj_decisions``) must hold as many rows as
  applying the log wrote, so a deleted or added row is refused before the index is used to
  find cases. What neither count can see — a row edited in place so that a case is no longer
  found — is named by ``verify``'s read-model audit.

A record whose events fail is refused with :class:`ReadRefusedError`, naming the log position and
asking for ``lifeledger verify``; reads that do not touch it keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from ledger.audit.verify import Check, Failure, VerifyOptions
from ledger.audit.verify.audit import Audit
from ledger.audit.verify.workers import KEY_UNKNOWN, OK
from ledger.domain.event_labels import event_at
from ledger.domain.ids import REGISTRY_ID
from ledger.errors import VerificationError
from ledger.i18n import N_, _, pgettext
from ledger.signing.signatures import HEADER_SIZE, Envelope
from projections import log
from projections.codec import Unwrap, loads
from projections.handlers import HANDLERS
from projections.replay import CaseEvent, decode
from projections.signature_checks import Seen, Signatures, registry_hints
from projections.sql import Cursor, ViewStore

Row = dict[str, Any]
#: (position, version, topic, stored state) of one event, in version order per record.
Stored = tuple[int, int, str, bytes]

VERIFY_HINT = N_("Run `lifeledger verify` for the full audit.")
#: The Merkle leaf table, by its name in the view store's statements.
LEAVES = "merkle_leaves"


class ReadRefusedError(VerificationError):
    """A read that would have shown something no checked event supports."""


def aggregate_events(
    store: ViewStore, cur: Cursor, ids: Sequence[UUID], up_to: int
) -> dict[UUID, list[Stored]]:
    """Every event of each record up to a log position, with its version, in version order."""
    position = "rowid" if store.kind == "sqlite" else "notification_id"
    found: dict[UUID, list[Stored]] = {a: [] for a in ids}
    by_hex = {a.hex: a for a in ids}  # SQLite's ids are hex text: one UUID per record
    for chunk in _chunks(list(ids)):
        keys: list[Any] = [a.hex if store.kind == "sqlite" else a for a in chunk]
        cur.execute(
            store.sql(
                f"SELECT originator_id, {position}, originator_version, topic, state "
                f"FROM {{{log.EVENTS}}} WHERE originator_id IN ({', '.join('?' for _ in keys)}) "
                f"AND {position} <= ? ORDER BY originator_id, originator_version"
            ),
            (*keys, up_to),
        )
        for oid, p, version, topic, state in cur.fetchall():
            key = oid if isinstance(oid, UUID) else by_hex.get(oid) or UUID(oid)
            found[key].append((int(p), int(version), str(topic), bytes(state)))
    return found


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Checked:
    """Records whose events were checked in one pass (with the key registry), by aggregate id.

    ``events[id]`` holds a record's events when every one of them passed; ``failures[id]`` the
    first failure of a record that did not. ``keys`` are the registry's key rows as of the last
    position read (the shape ``proj_keys`` has), built from checked registry events only.
    """

    def __init__(self) -> None:
        self.events: dict[UUID, list[CaseEvent]] = {}
        #: The exact stored state of each checked event, by record and version.
        self.states: dict[UUID, dict[int, bytes]] = {}
        self.failures: dict[UUID, Failure] = {}
        self.keys: dict[str, Row] = {}
        self.registry_failure: Failure | None = None


class TrustedLog:
    """Reads records from the log through the views' connection and checks every event."""

    def __init__(self, store: ViewStore, cur: Cursor, top: int, unwrap: Unwrap | None) -> None:
        self.store = store
        self.cur = cur
        self.top = top
        self.unwrap = unwrap
        store.names.setdefault(LEAVES, store.qualify(LEAVES))
        #: The signature checks of this read (a read checks each event once).
        self.signatures = Signatures()

    def check(self, ids: Iterable[UUID], up_to: int | None = None) -> Checked:
        """Read and check the records ``ids`` (and the key registry) up to a log position."""
        end = self.top if up_to is None else up_to
        wanted = [i for i in dict.fromkeys(ids) if i != REGISTRY_ID]
        rows = aggregate_events(self.store, self.cur, [REGISTRY_ID, *wanted], end)
        registry = rows.pop(REGISTRY_ID)
        hints = registry_hints([state for _, _, _, state in registry])
        stream = sorted(
            [(p, REGISTRY_ID, v, t, s) for p, v, t, s in registry]
            + [(p, oid, v, t, s) for oid, events in rows.items() for p, v, t, s in events],
            key=lambda r: r[0],
        )
        # The records' signatures first (no order needed; a verifying thread starts on them
        # while this one decodes the records' payloads, then takes what is left), then, in
        # log order, the key registry as it stood and every record's checks (key validity at
        # the position, versions). Nothing decoded is kept for a record whose events fail.
        pending = self.signatures.start(
            [(p, oid, v, t, s) for oid, events in rows.items() for p, v, t, s in events], hints
        )
        decoded: dict[UUID, list[CaseEvent] | Exception] = {}
        for oid, events in rows.items():
            try:
                decoded[oid] = decode([(p, t, s) for p, _, t, s in events], self.unwrap)
            except Exception as e:
                decoded[oid] = e
        audit, key_rows, failed_at = self._in_order(stream, hints, pending.result())
        checked = Checked()
        for failure in audit.failures:
            if failure.aggregate_id == str(REGISTRY_ID) and checked.registry_failure is None:
                checked.registry_failure = failure
        checked.keys = key_rows.rows
        for oid, events in rows.items():
            bad = next((failed_at[p] for p, *_ in events if p in failed_at), None)
            if bad is not None:
                checked.failures[oid] = bad
                continue
            found = decoded[oid]
            if isinstance(found, Exception):
                checked.failures[oid] = Failure(
                    Check.FORMAT,
                    _("the payload cannot be read ({name})").format(name=type(found).__name__),
                    position=events[0][0],
                    aggregate_id=str(oid),
                )
                continue
            checked.events[oid] = found
            checked.states[oid] = {v: s for _, v, _, s in events}
        return checked

    def _in_order(
        self,
        stream: Sequence[tuple[int, UUID, int, str, bytes]],
        hints: dict[bytes, bytes],
        code_of: Mapping[int, bytes],
    ) -> tuple[_ReadAudit, _KeyRows, dict[int, Failure]]:
        """``verify``'s order-dependent checks over the stream, the registry's key rows built
        from its checked events, and the failure at each failing position."""
        audit = _ReadAudit(self.signatures.good)
        audit.hint_keys(hints)
        for topic in {r[3] for r in stream}:
            audit.kind_of(topic)  # known record topics take the audit's common path at once
        key_rows = _KeyRows(self.unwrap)
        failed_at: dict[int, Failure] = {}
        registry = REGISTRY_ID.int
        for position, oid, version, topic, state in stream:
            before = len(audit.failures)
            row = (position, oid, version, topic, state)
            raw_id = oid.int
            if raw_id == registry:  # checked at once, so later events see its key changes
                audit.apply(position, [row], [raw_id], _UNCHECKED, _NO_KEYS)
                if len(audit.failures) == before:
                    key_rows.apply(position, oid, topic, state)
            else:
                audit.apply(position, [row], [raw_id], code_of[position], hints)
            if len(audit.failures) != before:
                failed_at[position] = audit.failures[before]
        return audit, key_rows, failed_at

    def leaf_position(self, notification_id: int) -> int | None:
        """The Merkle leaf index (the position ``verify`` names) of a notification."""
        self.cur.execute(
            self.store.sql(f"SELECT leaf_index FROM {{{LEAVES}}} WHERE notification_id = ?"),
            (notification_id,),
        )
        row = self.cur.fetchone()
        return None if row is None else int(row[0])

    def refuse(self, failure: Failure, what: str) -> ReadRefusedError:
        """The clean error for a record whose events failed."""
        nid = failure.position
        leaf = self.leaf_position(nid) if nid is not None else None
        where = (
            (
                _("log position {leaf}").format(leaf=leaf)
                if leaf is not None
                else _("notification {nid}").format(nid=nid)
            )
            if nid is not None
            else _("the log")
        )
        event = (
            pgettext("separator", ", ") + event_at(failure.topic, failure.version)
            if failure.topic
            else ""
        )
        return ReadRefusedError(
            _(
                "{what} cannot be shown: the event at {where}{event} fails verification: "
                "{message}. Nothing is shown from it. {VERIFY_HINT}"
            ).format(
                what=what,
                where=where,
                event=event,
                message=failure.message,
                VERIFY_HINT=_(VERIFY_HINT),
            ),
            position=leaf,
            notification_id=nid,
            aggregate_id=failure.aggregate_id,
        )


_OK = bytes([OK])
_UNCHECKED = bytes([KEY_UNKNOWN])
_NO_KEYS: Mapping[bytes, bytes] = {}


class _ReadAudit(Audit):
    """``verify``'s order-dependent checks, remembering the signatures this read checked."""

    def __init__(self, seen: set[Seen]) -> None:
        super().__init__(VerifyOptions())
        self.seen = seen
        self._state = b""
        self._signers_of: tuple[int, Mapping[bytes, bytes], set[bytes]] | None = None

    def _signers(self, keys: Mapping[bytes, bytes]) -> set[bytes]:
        """The audit's set of signing keys, made again only when the registry changed or
        other keys are given: a read applies its events one at a time (they are not at
        consecutive positions), and making the set for each was a tenth of the read."""
        known = self._signers_of
        if known is not None and known[0] == self._changes and known[1] is keys:
            return known[2]
        found = super()._signers(keys)
        self._signers_of = (self._changes, keys, found)
        return found

    def _event(
        self,
        position: int,
        nid: int,
        raw_id: int,
        row: tuple[int, UUID, int, str, bytes],
        code: int,
        keys: Mapping[bytes, bytes],
    ) -> None:
        self._state = row[4]  # the exact stored bytes a registry signature is checked over
        super()._event(position, nid, raw_id, row, code, keys)

    def _check_now(
        self, public_raw: bytes, envelope: Envelope, oid: UUID, version: int, topic: str
    ) -> bool:
        remembered = (public_raw, oid.int, version, topic, self._state)
        if remembered in self.seen or remembered in _GOOD_REGISTRY:
            self.signatures += 1
            return True
        good = super()._check_now(public_raw, envelope, oid, version, topic)
        if good:
            self.seen.add(remembered)
            if len(_GOOD_REGISTRY) < 100_000:
                _GOOD_REGISTRY.add(remembered)
        return good


#: The key registry's signatures found good in this process (only ever called for registry
#: events): every read replays the registry from its root, and its events are the same from
#: one read to the next. Remembered by the public key, the row's identity and its exact
#: stored bytes (compared in full), so an altered or moved event is checked again, and fails.
_GOOD_REGISTRY: set[Seen] = set()


class _KeyRows:
    """The registry's key rows, built by the views' own key handlers from checked events."""

    def __init__(self, unwrap: Unwrap | None) -> None:
        self.rows: dict[str, Row] = {}
        self.unwrap = unwrap

    def all_keys(self) -> dict[str, Row]:
        return self.rows

    def key(self, key_id: str, position: int) -> Row:
        return self.rows[key_id]

    def put_key(self, row: Row) -> None:
        self.rows[row["key_id"]] = row

    def apply(self, position: int, oid: UUID, topic: str, state: bytes) -> None:
        handler = HANDLERS.get(topic)
        if handler is not None:
            payload = state[HEADER_SIZE:]
            payload = self.unwrap(payload) if self.unwrap else payload
            handler(self, position, oid.hex, state, loads(payload))  # type: ignore[arg-type]


def log_top(store: ViewStore, cur: Cursor) -> int:
    """The last log position in this read's snapshot."""
    position = "rowid" if store.kind == "sqlite" else "notification_id"
    cur.execute(store.sql(f"SELECT MAX({position}) FROM {{{log.EVENTS}}}"))
    row = cur.fetchone()
    return 0 if row is None or row[0] is None else int(row[0])
