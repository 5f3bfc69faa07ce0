"""Files a command writes: never over the ledger or a key, and over anything else only with
``--force``.

A proof, a bundle or a rejects file is written where the user says. A slip of the hand
(``proof case X --out lifeledger.db``) must not destroy the ledger or a signing key, so those
are refused even with ``--force``: a SQLite database (any, not only this ledger's) with its
journal files, and a PEM key file. Paths are compared after resolving links.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import settings
from ledger.i18n import _

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    pass

__all__ = ["check_output", "output_path"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_KEY_MARKERS = (b"PRIVATE KEY-----", b"PUBLIC KEY-----")
_SIDECARS = ("-wal", "-shm", "-journal")


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(128)
    except OSError:
        return b""


def check_output(
    path: Path, *, force: bool, ledger_db: Path | None = None, key: Path | None = None
) -> None:
    """Refuse to write ``path`` over the ledger or a key file (even with ``force``), or over
    any existing file without ``force``."""
    from ledger.errors import AlreadyExistsError

    target = path.resolve()
    head = _head(target) if target.is_file() else b""
    if ledger_db is not None:
        db = ledger_db.resolve()
        if target == db or target in {Path(str(db) + s) for s in _SIDECARS}:
            raise AlreadyExistsError(
                _(
                    "{path} is the ledger's database; no command overwrites it, not even "
                    "with --force"
                ).format(path=path)
            )
    if head.startswith(_SQLITE_MAGIC):
        raise AlreadyExistsError(
            _(
                "{path} is a SQLite database; no command overwrites it, not even with --force"
            ).format(path=path)
        )
    if (key is not None and target == key.resolve()) or any(m in head for m in _KEY_MARKERS):
        raise AlreadyExistsError(
            _(
                "{path} is a key file; no command overwrites a key file, not even with --force"
            ).format(path=path)
        )
    if target.exists() and not force:
        raise AlreadyExistsError(
            _("{path} already exists; give --force to overwrite it").format(path=path)
        )


def output_path(path: str | Path, *, force: bool) -> Path:
    """:func:`check_output` against this invocation's ledger (``--db``) and key (``--key``)."""
    s = settings()
    store = s.store
    ledger_db = store.path if store.kind == "sqlite" else None
    out = Path(path)
    check_output(out, force=force, ledger_db=ledger_db, key=Path(s.key) if s.key else None)
    return out
