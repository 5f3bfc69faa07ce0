"""What this workstation has seen of a ledger, so that a ledger that went back is refused.

A checkpoint stored in the ledger proves nothing against whoever can edit the ledger: delete
the latest checkpoints with the events after the previous one, or the events after the latest,
and every read still checks. So each workstation remembers, per ledger and store, the latest
checkpoint it verified (its signed note) and the size and last leaf of the log it read, and
every read then requires (RFC 9162 §2.1.4; as Go's checksum-database client keeps the latest
signed tree it saw, and Certificate Transparency monitors keep the last tree head):

1. the latest stored checkpoint, signed by an admin key, is not smaller than the remembered
   one; the same size has the same root; a larger one extends it (a consistency proof from
   the stored tree must lead from the remembered root to the new one);
2. the log still holds the remembered number of leaves, and the event at the last remembered
   position still hashes to the remembered leaf.

Any failure is a :class:`RollbackError` naming what was seen and what is there now. The state
is a small JSON file (mode 600, written atomically) beside the remembered checkpoint's note
(``verify --checkpoint FILE`` reads it as it is), under ``$LIFELEDGER_STATE_DIR``, else
``$XDG_STATE_HOME/lifeledger``, else ``~/.local/state/lifeledger``. A folder that cannot be
written never stops a read (the state is then not updated); a state that can be read is always
checked. ``forget`` sets a state aside (``checkpoint forget``): a ledger knowingly restored
from a backup is then remembered afresh.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import InvalidInputError, ProofError, RollbackError, TamperedEventError
from ledger.i18n import _
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoint import Checkpoint
from ledger.transparency.checkpoints import origin_for
from ledger.transparency.merkle import verify_consistency
from ledger.transparency.stored_tree import StoredTree
from ledger.transparency.tables import LedgerTables, StoredCheckpoint

if TYPE_CHECKING:
    from ledger.application import LedgerApplication
    from ledger.storage.store import StoreConfig

__all__ = [
    "STATE_ENV",
    "Seen",
    "SeenState",
    "check_seen",
    "state_dir",
    "state_for",
    "store_identity",
]

STATE_ENV = "LIFELEDGER_STATE_DIR"
FORMAT = 1


def state_dir() -> Path:
    """``$LIFELEDGER_STATE_DIR``, else ``$XDG_STATE_HOME/lifeledger``, else
    ``~/.local/state/lifeledger`` (an empty variable counts as unset: it never turns the
    check off)."""
    chosen = os.environ.get(STATE_ENV)
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "state") / "lifeledger"


def store_identity(store: StoreConfig) -> str:
    """Which copy of the ledger this is: the SQLite file's full path, or the PostgreSQL host,
    port, database and schema (not the role: every role reads the same ledger)."""
    if store.kind == "sqlite":
        assert store.path is not None
        return f"sqlite:{store.path.resolve()}"
    params = store.params()
    host = params.get("host", "") or ""
    return f"postgresql://{host}:{params.get('port', '')}/{params.get('dbname', '')}#{store.schema}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class Seen:
    """The latest checkpoint verified and the log read, as remembered on this workstation."""

    origin: str
    store: str
    log_size: int
    last_leaf: bytes | None
    seen_at: str
    checkpoint_size: int | None = None
    checkpoint_root: bytes | None = None
    checkpoint_note: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        cp = None
        if self.checkpoint_size is not None:
            assert self.checkpoint_root is not None and self.checkpoint_note is not None
            cp = {
                "size": self.checkpoint_size,
                "root": base64.b64encode(self.checkpoint_root).decode(),
                "note": self.checkpoint_note.decode(),
            }
        return {
            "format": FORMAT,
            "origin": self.origin,
            "store": self.store,
            "seen_at": self.seen_at,
            "checkpoint": cp,
            "log": {
                "size": self.log_size,
                "last_leaf_hash": self.last_leaf.hex() if self.last_leaf else None,
            },
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Seen:
        cp = doc.get("checkpoint")
        log = doc["log"]
        leaf = log.get("last_leaf_hash")
        return cls(
            str(doc["origin"]),
            str(doc["store"]),
            int(log["size"]),
            bytes.fromhex(leaf) if leaf else None,
            str(doc["seen_at"]),
            int(cp["size"]) if cp else None,
            base64.b64decode(cp["root"], validate=True) if cp else None,
            str(cp["note"]).encode() if cp else None,
        )

    def described(self) -> str:
        """ "checkpoint N and a log of L events", as read then or now."""
        if self.checkpoint_size is None:
            return _("a log of {log_size} events and no checkpoint").format(log_size=self.log_size)
        return _("checkpoint {size} and a log of {log_size} events").format(
            size=self.checkpoint_size, log_size=self.log_size
        )


class SeenState:
    """The state file of one ledger (origin) in one store, and its checkpoint note beside it."""

    def __init__(self, directory: Path, origin: str, store: str) -> None:
        self.directory = directory
        self.origin = origin
        self.store = store
        digest = hashlib.sha256(store.encode()).hexdigest()[:12]
        stem = f"{origin.replace('/', '_')}-{digest}"
        self.path = directory / f"{stem}.json"
        self.note_path = directory / f"{stem}.checkpoint.note"
        self._lock_path = directory / f"{stem}.lock"

    def load(self) -> Seen | None:
        """The remembered state; None when there is none, or it cannot be read (no access)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            return None
        try:
            seen = Seen.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError) as e:
            raise InvalidInputError(
                _(
                    "the state this workstation keeps of the ledger, {path}, is damaged ({e}); "
                    "set it aside with `lifeledger checkpoint forget`"
                ).format(path=self.path, e=e)
            ) from None
        if seen.origin != self.origin or seen.store != self.store:
            return None  # another ledger's file under this name (cannot happen by naming)
        return seen

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer of this state at a time on this workstation (best effort)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover (not POSIX)
            yield
            return
        with open(self._lock_path, "a", encoding="utf-8") as handle:
            os.chmod(self._lock_path, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def save(self, seen: Seen) -> bool:
        """Remember ``seen`` (never going back from what another process remembered since);
        False, silently, when the folder cannot be written."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self._locked():
                seen = _ahead(seen, self._reload())
                if seen.checkpoint_note is not None and seen.checkpoint_note != _read(
                    self.note_path
                ):
                    _write(self.note_path, seen.checkpoint_note)
                _write(self.path, (json.dumps(seen.to_json(), indent=2) + "\n").encode())
            return True
        except OSError:
            return False

    def _reload(self) -> Seen | None:
        try:
            return self.load()
        except InvalidInputError:
            return None

    def note_file(self, seen: Seen) -> Path | None:
        """The remembered checkpoint as a file ``verify --checkpoint`` reads (rewritten if it
        went missing), or None when none was remembered or it cannot be written."""
        if seen.checkpoint_note is None:
            return None
        if _read(self.note_path) == seen.checkpoint_note:
            return self.note_path
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write(self.note_path, seen.checkpoint_note)
        except OSError:
            return None
        return self.note_path

    def forget(self) -> tuple[Seen | None, list[Path]]:
        """Set the state aside (renamed with the time, never deleted: the remembered checkpoint
        stays at hand for ``verify --checkpoint``); the next read remembers afresh."""
        seen = self._reload()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        kept: list[Path] = []
        for path in (self.path, self.note_path):
            if path.exists():
                target = path.with_name(f"{path.name}.forgotten-{stamp}")
                os.replace(path, target)
                kept.append(target)
        return seen, kept


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a temporary file, then ``os.replace``), mode 600."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _ahead(mine: Seen, theirs: Seen | None) -> Seen:
    """What to remember when another process remembered ``theirs`` meanwhile: the larger
    checkpoint and the longer log of the two (both were checked against the same ledger)."""
    if theirs is None:
        return mine
    if (theirs.checkpoint_size or 0) > (mine.checkpoint_size or 0):
        mine = replace(
            mine,
            checkpoint_size=theirs.checkpoint_size,
            checkpoint_root=theirs.checkpoint_root,
            checkpoint_note=theirs.checkpoint_note,
        )
    if theirs.log_size > mine.log_size:
        mine = replace(mine, log_size=theirs.log_size, last_leaf=theirs.last_leaf)
    return mine


def state_for(app: LedgerApplication, directory: Path | None = None) -> SeenState:
    """The state of this ledger in this store on this workstation."""
    origin = origin_for(app.root_fingerprint())
    return SeenState(directory or state_dir(), origin, store_identity(app.store))


# reading the ledger as it is now -------------------------------------------------------------
def _latest_checkpoint(tables: LedgerTables) -> StoredCheckpoint | None:
    rows = tables._select(
        "SELECT tree_size, root, note, created_at FROM {c} ORDER BY tree_size DESC LIMIT 1",
        (),
        c="checkpoints",
    )
    return StoredCheckpoint(int(rows[0][0]), bytes(rows[0][1]), bytes(rows[0][2])) if rows else None


def _log_size(tables: LedgerTables) -> int:
    rows = tables._select("SELECT MAX(leaf_index) FROM {l}", (), l="merkle_leaves")
    return 0 if not rows or rows[0][0] is None else int(rows[0][0]) + 1


def _leaf_at(tables: LedgerTables, index: int) -> bytes | None:
    """The leaf hash of the event at ``index``, recomputed from its stored bytes (None when
    the log holds no event there)."""
    nid = tables._nid
    rows = tables._select(
        f"SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {{l}} l "
        f"JOIN {{e}} e ON e.{nid} = l.notification_id WHERE l.leaf_index = ?",
        (index,),
        l="merkle_leaves",
        e=tables._events_table,
    )
    if not rows:
        return None
    oid, version, topic, state = rows[0]
    uuid = oid if isinstance(oid, UUID) else UUID(str(oid))
    return event_leaf_hash(index, uuid, int(version), str(topic), bytes(state))


def _verified(app: LedgerApplication, cp: StoredCheckpoint, origin: str) -> Checkpoint:
    """The stored checkpoint's statement, its note signed by an admin key of this ledger."""
    from ledger.transparency.person_record import _verify_note

    try:
        parsed = Checkpoint.parse(cp.body())
        if parsed.origin != origin:
            raise ProofError(
                _("its origin is {found}, not {origin}").format(found=parsed.origin, origin=origin)
            )
        _verify_note(app, cp.note, origin)
    except ProofError as e:
        raise TamperedEventError(
            _(
                "the latest stored checkpoint ({size}) does not hold: {e}; run `lifeledger verify`"
            ).format(size=cp.tree_size, e=e),
            tree_size=cp.tree_size,
        ) from None
    return parsed


# the check -------------------------------------------------------------------------------------
def check_seen(app: LedgerApplication, directory: Path | None = None) -> Seen:
    """Refuse a ledger that went back since this workstation last read it (RollbackError),
    then remember it as it is now. Returns what is now remembered (or would be)."""
    state = state_for(app, directory)
    before = state.load()
    tables = LedgerTables(app)
    stored = _latest_checkpoint(tables)
    log_size = _log_size(tables)
    now = Seen(state.origin, state.store, log_size, None, _now())
    if stored is not None:
        if before is not None and stored.note == before.checkpoint_note:
            root = before.checkpoint_root  # the very note verified before
        else:
            root = _verified(app, stored, state.origin).root
        now = replace(
            now,
            checkpoint_size=stored.tree_size,
            checkpoint_root=root,
            checkpoint_note=stored.note,
        )
    if before is not None:
        _compare(app, tables, state, before, now)
    if before is not None and before.log_size == log_size:
        now = replace(now, last_leaf=before.last_leaf)
    elif log_size:
        now = replace(now, last_leaf=_leaf_at(tables, log_size - 1))
    if before is None or (now.log_size, now.checkpoint_size) != (
        before.log_size,
        before.checkpoint_size,
    ):
        state.save(now)
    return now


def _compare(
    app: LedgerApplication, tables: LedgerTables, state: SeenState, before: Seen, now: Seen
) -> None:
    def refuse(what: str) -> RollbackError:
        kept = state.note_file(before)
        advice = (
            _(
                "Nothing is shown. Run `lifeledger verify --checkpoint {file}` (the checkpoint "
                "this workstation kept) to see what is missing; a ledger knowingly restored "
                "from a backup is accepted with `lifeledger checkpoint forget`."
            ).format(file=kept)
            if kept is not None
            else _(
                "Nothing is shown. Run `lifeledger verify` and compare with a checkpoint kept "
                "outside the ledger; a ledger knowingly restored from a backup is accepted "
                "with `lifeledger checkpoint forget`."
            )
        )
        return RollbackError(
            _(
                "{what}: on {when} this workstation read {before}; {describe} now holds "
                "{now}. {advice}"
            ).format(
                what=what,
                when=before.seen_at,
                before=before.described(),
                describe=app.store.describe(),
                now=now.described(),
                advice=advice,
            ),
            seen_checkpoint=before.checkpoint_size,
            seen_log=before.log_size,
            seen_at=before.seen_at,
            checkpoint=now.checkpoint_size,
            log=now.log_size,
            checkpoint_file=str(kept) if kept is not None else None,
        )

    old, new = before.checkpoint_size, now.checkpoint_size
    if old is not None:
        assert before.checkpoint_root is not None
        if new is None:
            raise refuse(_("the ledger was rolled back: its checkpoints were deleted"))
        assert now.checkpoint_root is not None
        if new < old:
            raise refuse(
                _(
                    "the ledger was rolled back: its latest checkpoint is older than the one "
                    "this workstation verified"
                )
            )
        if new == old and now.checkpoint_root != before.checkpoint_root:
            raise refuse(
                _(
                    "checkpoint {size} differs from the checkpoint of the same size this "
                    "workstation verified: two histories were signed"
                ).format(size=new)
            )
        if new > old:
            try:
                proof = StoredTree(tables).consistency_proof(old, new)
                verify_consistency(old, new, before.checkpoint_root, now.checkpoint_root, proof)
            except ProofError as e:
                raise refuse(
                    _(
                        "checkpoint {new} does not extend checkpoint {old} that this "
                        "workstation verified ({e})"
                    ).format(new=new, old=old, e=e)
                ) from None
    if now.log_size < before.log_size:
        raise refuse(_("the log was cut short"))
    if before.log_size and before.last_leaf is not None:
        position = before.log_size - 1
        if _leaf_at(tables, position) != before.last_leaf:
            raise refuse(
                _(
                    "the event at log position {position} is not the one this workstation "
                    "read there"
                ).format(position=position)
            )
