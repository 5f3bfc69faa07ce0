"""Rollback that cannot be ruled out is said out loud (DESIGN, trust model).

A checkpoint stored in the ledger proves nothing against whoever can edit the ledger: delete
the checkpoints and the tail of the log together and what is left verifies. Only a checkpoint
kept elsewhere (``verify --checkpoint FILE``, or ``--checkpoint-dir DIR`` of cosigned
checkpoints an auditor saved with ``checkpoint show``) excludes it. Without one, ``verify``
says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.i18n import _

__all__ = ["checkpoint_files_in", "rollback_note"]


def checkpoint_files_in(directory: str | None) -> tuple[str, ...]:
    """The files of a folder of kept checkpoints, in name order (none without a folder)."""
    if directory is None:
        return ()
    return tuple(str(p) for p in sorted(Path(directory).iterdir()) if p.is_file())


def rollback_note(external: int, last_stored: int | None) -> dict[str, Any]:
    """Whether a rollback of the log is excluded, and the sentence that says so."""
    if external:
        return {
            "external_checkpoints": external,
            "excluded": True,
            "note": _(
                "rollback: checked against {external} checkpoint(s) kept outside the ledger"
            ).format(external=external),
        }
    stored = (
        _("the last stored checkpoint (size {last_stored})").format(last_stored=last_stored)
        if last_stored
        else _("any checkpoint (none is stored)")
    )
    return {
        "external_checkpoints": 0,
        "excluded": False,
        "note": (
            _(
                "Warning: no checkpoint kept outside the ledger was given (--checkpoint "
                "FILE or --checkpoint-dir DIR): a truncation of the log before {stored} "
                "cannot be excluded"
            ).format(stored=stored)
        ),
    }
