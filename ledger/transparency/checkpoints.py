"""Signed checkpoints and cosignatures of the ledger's Merkle log, kept in the store.

A checkpoint is a C2SP tlog-checkpoint body (origin, tree size, base64 root) in a C2SP signed
note, signed by an admin key of the key registry; the note's key name is the origin,
``lifeledger/<first 16 hex digits of the root key fingerprint>``. Auditors add cosignatures
(C2SP tlog-cosignature, cosignature/v1) with keys of their own, so that an operator who shows two
histories is caught. Both are kept in plain tables beside the events (``checkpoints``,
``cosignatures``; see :mod:`ledger.storage.recorders`) and are only ever inserted.

Making a checkpoint streams the stored leaf hashes through a compact range (O(log n) hashes in
memory) and refuses to sign when they no longer reproduce an earlier checkpoint (RFC 9162
§2.1.4: the log must only grow). On the way it keeps the hash of every complete subtree of 256
leaves or more in a cache table (``merkle_nodes``, about one row per 128 events), so that a proof
(:class:`StoredTree`) reads O(log n) rows instead of every leaf. The cache is derived data: every
proof made from it is checked against the signed root before it is handed out.
"""

from __future__ import annotations

import time

from eventsourcing.persistence import IntegrityError

from ledger.application import LedgerApplication
from ledger.errors import AlreadyExistsError, InvalidInputError, ProofError
from ledger.i18n import _
from ledger.signing.signatures import Signer
from ledger.transparency.case_dates import CaseDatesTables, dates_extension_line
from ledger.transparency.case_index import case_extension_line
from ledger.transparency.case_tables import CaseTables
from ledger.transparency.checkpoint import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    cosign,
    parse_signature_line,
    parse_vkey,
    sign_note,
    verify_cosignature,
    vkey,
)
from ledger.transparency.merkle import EMPTY_ROOT
from ledger.transparency.person_index import extension_line
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.stored_tree import stream_roots
from ledger.transparency.tables import (
    LedgerTables,
    StoredCheckpoint,
    StoredCosignature,
    utc_now,
)

__all__ = [
    "ORIGIN_PREFIX",
    "cosign_checkpoint",
    "cosigner_vkey",
    "make_checkpoint",
    "note_vkey",
    "origin_for",
]

ORIGIN_PREFIX = "lifeledger/"


def origin_for(root_fingerprint: str) -> str:
    """The checkpoint origin line (and note key name) of the ledger rooted at this key."""
    return f"{ORIGIN_PREFIX}{root_fingerprint[:16]}"


def note_vkey(origin: str, public_raw: bytes) -> str:
    """The C2SP verifier key of an admin key signing this ledger's checkpoints."""
    return vkey(origin, public_raw)


def cosigner_vkey(name: str, public_raw: bytes) -> str:
    """The C2SP verifier key (type 0x04, cosignature/v1) of an auditor's cosigning key."""
    return vkey(name, public_raw, signature_type=SIG_COSIGNATURE_V1)


def make_checkpoint(app: LedgerApplication, signer: Signer) -> tuple[StoredCheckpoint, bool]:
    """Sign and store a checkpoint of the current log with an admin key.

    Returns the checkpoint and whether it is new (False when no event was appended since the
    latest one). Refuses (ProofError, nothing stored) when the stored leaves do not reproduce
    every earlier checkpoint, or the log is shorter than one: a rewritten or rolled-back log
    must not be signed over. The leaves are streamed (memory does not grow with the log), and
    the complete subtrees met on the way are cached for proofs (:class:`StoredTree`).
    """
    app.registry().check_admin(signer.key_id.hex())
    tables = LedgerTables(app)
    origin = origin_for(app.root_fingerprint())
    stored = tables.checkpoints()
    size, root, roots, nodes = stream_roots(
        tables, app.recorder.max_notification_id(), {cp.tree_size for cp in stored}
    )
    if size == 0:
        raise InvalidInputError(_("the log is empty; there is nothing to checkpoint"))
    for cp in stored:
        if cp.tree_size > size:
            raise ProofError(
                _(
                    "checkpoint {tree_size} was signed, but the log now holds only {size} "
                    "events: the ledger was truncated or rolled back; no checkpoint was made"
                ).format(tree_size=cp.tree_size, size=size),
                tree_size=cp.tree_size,
            )
        if roots.get(cp.tree_size, EMPTY_ROOT) != cp.root:
            raise ProofError(
                _(
                    "the log's first {tree_size} events no longer hash to the root of "
                    "checkpoint {tree_size}: run `lifeledger verify`; no checkpoint was made"
                ).format(tree_size=cp.tree_size),
                tree_size=cp.tree_size,
            )
    tables.put_nodes(nodes)
    persons = PersonTables(app)
    # A ledger recorded before the person index existed: no checkpoint carries it yet (or,
    # with none, its first cadre has no index row). The index is built from the whole log
    # and committed in this checkpoint; completeness is provable from here on only.
    unindexed = persons.first_indexed()[0] is None if stored else persons.misses_log_start()
    if stored and stored[-1].tree_size == size:
        if unindexed:
            raise InvalidInputError(
                _(
                    "checkpoint {size} was signed before this ledger had the person index, "
                    "and no event was appended since: the index can only be committed in a "
                    "new checkpoint, after the next event; no checkpoint was made"
                ).format(size=size)
            )
        return stored[-1], False
    if unindexed:
        persons.rebuild()
    # The case index (Art. 13, 14), likewise: a ledger whose checkpoints were all signed
    # before it has its case chains built from the whole log, once, and committed here.
    cases = CaseTables(app)
    if cases.first_indexed()[0] is None if stored else cases.misses_log_start():
        cases.rebuild()
    # The case-dates index (Art. 12, 14: each year's cases, the closings), likewise.
    dates = CaseDatesTables(app)
    if dates.first_indexed()[0] is None if stored else dates.misses_log_start():
        dates.rebuild()
    # The person index (Art. 8): the root of the map of every person's chain at this size,
    # rehashing only the persons named since the previous map; the case index's the same way.
    index_root = persons.advance(size)
    case_root = cases.advance(size)
    dates_root = dates.advance(size)
    lines = (
        extension_line(index_root),
        case_extension_line(case_root),
        dates_extension_line(dates_root),
    )
    body = Checkpoint(origin, size, root, lines).body()
    note = sign_note(body, origin, signer.private_key)
    checkpoint = StoredCheckpoint(size, root, note, utc_now())
    try:
        tables.insert_checkpoint(checkpoint)
    except IntegrityError:  # another process checkpointed the same size at the same moment
        return tables.checkpoint(size), False
    return checkpoint, True


def cosign_checkpoint(
    app: LedgerApplication,
    signer: Signer,
    name: str,
    tree_size: int | None = None,
    timestamp: int | None = None,
) -> StoredCosignature:
    """Add an auditor's cosignature/v1 to a stored checkpoint (default: the latest).

    The caller is expected to have verified the ledger first (the CLI does); this only signs
    the checkpoint text and stores the line. AlreadyExistsError if this key cosigned it already.
    """
    tables = LedgerTables(app)
    cp = tables.checkpoint(tree_size)
    body = cp.body()
    try:
        key_vkey = cosigner_vkey(name, signer.public_raw)
        line = cosign(
            body, name, signer.private_key, int(time.time()) if timestamp is None else timestamp
        )
    except ValueError as e:
        raise InvalidInputError(_("cannot cosign as {name!r}: {e}").format(name=name, e=e)) from e
    # Sanity: what is stored must verify with the key stored beside it.
    verify_cosignature(body, parse_signature_line(line), parse_vkey(key_vkey).public_key())
    cosignature = StoredCosignature(cp.tree_size, key_vkey, line, utc_now())
    try:
        tables.insert_cosignature(cosignature)
    except IntegrityError:
        raise AlreadyExistsError(
            _("{name} has already cosigned checkpoint {tree_size} with this key").format(
                name=name, tree_size=cp.tree_size
            )
        ) from None
    return cosignature
