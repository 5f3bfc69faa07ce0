"""Signed checkpoints and cosignatures of the ledger's Merkle log, kept in the store.

A checkpoint is a C2SP tlog-checkpoint body (origin, tree size, base64 root) in a C2SP signed
note, signed by an admin key of the key registry; the note's key name is the origin,
``lifeledger/<first 16 hex digits of the root key fingerprint>``. Auditors add cosignatures
(C2SP tlog-cosignature, cosignature/v1) with keys of their own, so that an operator who shows two
histories is caught. Both are kept in plain tables beside the events (``checkpoints``,
``cosignatures``; see :mod:`ledger.recorders`) and are only ever inserted.

Making a checkpoint rebuilds the tree from the stored leaf hashes and refuses to sign when the
tree no longer reproduces an earlier checkpoint (RFC 9162 §2.1.4: the log must only grow).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError, PersistenceError
from psycopg.sql import SQL, Identifier

from ledger.application import LedgerApplication
from ledger.checkpoint import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    NoteSignature,
    cosign,
    open_note,
    parse_signature_line,
    parse_vkey,
    sign_note,
    verify_cosignature,
    vkey,
)
from ledger.errors import AlreadyExists, InvalidInput, NotFound, ProofError, StoreError
from ledger.merkle import MerkleTree
from ledger.recorders import (
    CHECKPOINTS_TABLE,
    COSIGNATURES_TABLE,
    LEAVES_TABLE,
    PostgresLedgerRecorder,
    SQLiteLedgerRecorder,
)
from ledger.signing import Signer

__all__ = [
    "ORIGIN_PREFIX",
    "LedgerTables",
    "StoredCheckpoint",
    "StoredCosignature",
    "StoredLeaf",
    "cosign_checkpoint",
    "cosigner_vkey",
    "make_checkpoint",
    "note_vkey",
    "origin_for",
]

ORIGIN_PREFIX = "lifeledger/"
LEAF_PAGE = 50_000


def origin_for(root_fingerprint: str) -> str:
    """The checkpoint origin line (and note key name) of the ledger rooted at this key."""
    return f"{ORIGIN_PREFIX}{root_fingerprint[:16]}"


def note_vkey(origin: str, public_raw: bytes) -> str:
    """The C2SP verifier key of an admin key signing this ledger's checkpoints."""
    return vkey(origin, public_raw)


def cosigner_vkey(name: str, public_raw: bytes) -> str:
    """The C2SP verifier key (type 0x04, cosignature/v1) of an auditor's cosigning key."""
    return vkey(name, public_raw, signature_type=SIG_COSIGNATURE_V1)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class StoredLeaf:
    """One row of the Merkle leaf table: its index, the event's notification id, the hash."""

    leaf_index: int
    notification_id: int
    leaf_hash: bytes


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint note as kept; ``tree_size`` and ``root`` are the row's columns."""

    tree_size: int
    root: bytes
    note: bytes
    created_at: str = ""

    def body(self) -> bytes:
        """The checkpoint text of the note (unverified)."""
        return open_note(self.note)[0]

    def parsed(self) -> Checkpoint:
        """The checkpoint the note states (unverified); ProofError when malformed."""
        return Checkpoint.parse(self.body())


@dataclass(frozen=True)
class StoredCosignature:
    """An auditor's cosignature/v1 line on the checkpoint of ``tree_size``, with its vkey."""

    tree_size: int
    vkey: str
    line: bytes
    created_at: str = ""

    @property
    def name(self) -> str:
        return self.vkey.split("+", 1)[0]

    def signature(self) -> NoteSignature:
        return parse_signature_line(self.line)


class LedgerTables:
    """Plain SQL over the ledger's own tables (leaves, checkpoints, cosignatures), both stores."""

    def __init__(self, app: LedgerApplication) -> None:
        self.app = app
        recorder = app.recorder
        if isinstance(recorder, PostgresLedgerRecorder):
            self._schema: str | None = recorder.datastore.schema
        elif isinstance(recorder, SQLiteLedgerRecorder):
            self._schema = None
        else:  # pragma: no cover - the application always installs one of the two
            raise StoreError("the store has no lifeledger recorder")

    # plumbing ---------------------------------------------------------------------------
    def _run(
        self, table: str, sql: str, params: Sequence[Any], *, commit: bool = False
    ) -> list[Any]:
        """Run one statement on ``table``: ``{t}`` in ``sql`` names it, ``?`` is a parameter."""
        recorder = self.app.recorder
        try:
            if self._schema is None:
                assert isinstance(recorder, SQLiteLedgerRecorder)
                with recorder.datastore.transaction(commit=commit) as c:
                    c.execute(sql.replace("{t}", table), list(params))
                    return [tuple(r) for r in c.fetchall()] if not commit else []
            assert isinstance(recorder, PostgresLedgerRecorder)
            query = SQL(sql.replace("?", "%s")).format(t=Identifier(self._schema, table))
            with recorder.datastore.transaction(commit=commit) as curs:
                curs.execute(query, list(params))
                return [tuple(r.values()) for r in curs.fetchall()] if not commit else []
        except IntegrityError:
            raise
        except PersistenceError as e:
            first = (str(e).strip() or type(e).__name__).splitlines()[0]
            raise StoreError(f"cannot use {self.app.store.describe()}: {first}") from e

    # leaves -----------------------------------------------------------------------------
    def leaves(
        self, after: int, limit: int, max_notification_id: int | None = None
    ) -> list[StoredLeaf]:
        """Leaves with index > ``after``, in index order, up to a notification bound."""
        bound = _bound(max_notification_id)
        rows = self._run(
            LEAVES_TABLE,
            "SELECT leaf_index, notification_id, leaf_hash FROM {t} "
            "WHERE leaf_index > ? AND notification_id <= ? ORDER BY leaf_index LIMIT ?",
            (after, bound, limit),
        )
        return [StoredLeaf(int(i), int(n), bytes(h)) for i, n, h in rows]

    def iter_leaves(
        self, max_notification_id: int | None = None, page: int = LEAF_PAGE
    ) -> Iterator[StoredLeaf]:
        after = -1
        while True:
            batch = self.leaves(after, page, max_notification_id)
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].leaf_index

    def leaf_count(self, max_notification_id: int | None = None) -> int:
        rows = self._run(
            LEAVES_TABLE,
            "SELECT COUNT(*) FROM {t} WHERE notification_id <= ?",
            (_bound(max_notification_id),),
        )
        return int(rows[0][0])

    def load_tree(self, max_notification_id: int | None = None) -> MerkleTree:
        """The tree of the stored leaf hashes, in leaf order (trusting the leaf table)."""
        tree = MerkleTree()
        after = -1
        while True:
            batch = self.leaves(after, LEAF_PAGE, max_notification_id)
            for expected, leaf in enumerate(batch, start=len(tree)):
                if leaf.leaf_index != expected:
                    raise ProofError(
                        f"the Merkle leaf table has no leaf {expected} (next is "
                        f"{leaf.leaf_index}); run `lifeledger verify`",
                        leaf_index=expected,
                    )
            tree.extend(leaf.leaf_hash for leaf in batch)
            if len(batch) < LEAF_PAGE:
                return tree
            after = batch[-1].leaf_index

    # checkpoints ------------------------------------------------------------------------
    def checkpoints(self) -> list[StoredCheckpoint]:
        rows = self._run(
            CHECKPOINTS_TABLE,
            "SELECT tree_size, root, note, created_at FROM {t} ORDER BY tree_size",
            (),
        )
        return [StoredCheckpoint(int(s), bytes(r), bytes(n), str(c)) for s, r, n, c in rows]

    def checkpoint(self, tree_size: int | None = None) -> StoredCheckpoint:
        """The checkpoint of this size, or the latest; NotFound if there is none."""
        stored = self.checkpoints()
        if tree_size is None:
            if not stored:
                raise NotFound("this ledger has no checkpoint yet; run `lifeledger checkpoint`")
            return stored[-1]
        for cp in stored:
            if cp.tree_size == tree_size:
                return cp
        sizes = ", ".join(str(c.tree_size) for c in stored) or "none"
        raise NotFound(f"no checkpoint of size {tree_size} (stored sizes: {sizes})")

    def insert_checkpoint(self, cp: StoredCheckpoint) -> None:
        self._run(
            CHECKPOINTS_TABLE,
            "INSERT INTO {t} (tree_size, root, note, created_at) VALUES (?, ?, ?, ?)",
            (cp.tree_size, cp.root, cp.note, cp.created_at),
            commit=True,
        )

    def cosignatures(self) -> list[StoredCosignature]:
        rows = self._run(
            COSIGNATURES_TABLE,
            "SELECT tree_size, vkey, line, created_at FROM {t} ORDER BY tree_size, vkey",
            (),
        )
        return [StoredCosignature(int(s), str(v), bytes(ln), str(c)) for s, v, ln, c in rows]

    def insert_cosignature(self, cs: StoredCosignature) -> None:
        self._run(
            COSIGNATURES_TABLE,
            "INSERT INTO {t} (tree_size, vkey, line, created_at) VALUES (?, ?, ?, ?)",
            (cs.tree_size, cs.vkey, cs.line, cs.created_at),
            commit=True,
        )


def _bound(max_notification_id: int | None) -> int:
    return 2**62 if max_notification_id is None else max_notification_id


def make_checkpoint(app: LedgerApplication, signer: Signer) -> tuple[StoredCheckpoint, bool]:
    """Sign and store a checkpoint of the current log with an admin key.

    Returns the checkpoint and whether it is new (False when no event was appended since the
    latest one). Refuses (ProofError, nothing stored) when the stored leaves do not reproduce
    every earlier checkpoint, or the log is shorter than one: a rewritten or rolled-back log
    must not be signed over.
    """
    app.registry().check_admin(signer.key_id.hex())
    tables = LedgerTables(app)
    origin = origin_for(app.root_fingerprint())
    tree = tables.load_tree(app.recorder.max_notification_id())
    size = len(tree)
    if size == 0:
        raise InvalidInput("the log is empty; there is nothing to checkpoint")
    stored = tables.checkpoints()
    for cp in stored:
        if cp.tree_size > size:
            raise ProofError(
                f"checkpoint {cp.tree_size} was signed, but the log now holds only {size} "
                "events: the ledger was truncated or rolled back; no checkpoint was made",
                tree_size=cp.tree_size,
            )
        if tree.root(cp.tree_size) != cp.root:
            raise ProofError(
                f"the log's first {cp.tree_size} events no longer hash to the root of "
                f"checkpoint {cp.tree_size}: run `lifeledger verify`; no checkpoint was made",
                tree_size=cp.tree_size,
            )
    if stored and stored[-1].tree_size == size:
        return stored[-1], False
    root = tree.root()
    body = Checkpoint(origin, size, root).body()
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
    the checkpoint text and stores the line. AlreadyExists if this key cosigned it already.
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
        raise InvalidInput(f"cannot cosign as {name!r}: {e}") from e
    # Sanity: what is stored must verify with the key stored beside it.
    verify_cosignature(body, parse_signature_line(line), parse_vkey(key_vkey).public_key())
    cosignature = StoredCosignature(cp.tree_size, key_vkey, line, utc_now())
    try:
        tables.insert_cosignature(cosignature)
    except IntegrityError:
        raise AlreadyExists(
            f"{name} has already cosigned checkpoint {cp.tree_size} with this key"
        ) from None
    return cosignature
