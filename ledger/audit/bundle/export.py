"""Writing a bundle: the whole ledger in one file, the stored bytes exactly as kept (the
format is described in :mod:`ledger.audit.bundle`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.audit.bundle.format import BUNDLE_FORMAT, BUNDLE_VERSION, line
from ledger.audit.verify import (
    StoreSource,
)
from ledger.errors import AlreadyExistsError, InvalidInputError, StoreError
from ledger.i18n import _
from ledger.transparency.checkpoint import b64encode
from ledger.transparency.checkpoints import origin_for
from ledger.transparency.merkle import MerkleTree
from ledger.transparency.tables import (
    utc_now,
)


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: str
    events: int
    leaves: int
    checkpoints: int
    cosignatures: int
    proofs: int
    bytes: int
    root_fingerprint: str
    origin: str


def export_bundle(
    app: LedgerApplication,
    path: Path,
    *,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Write every stored event (exact stored bytes, row identity, position), the leaf table,
    the checkpoints, cosignatures and consistency proofs between successive checkpoints.

    The file is written beside ``path`` and renamed into place when complete.
    """
    if not path.name:
        raise InvalidInputError(
            _("{str!r} names no file; give the bundle a file name").format(str=str(path))
        )
    if path.exists() and not overwrite:
        raise AlreadyExistsError(
            _("{path} already exists; choose another file name").format(path=path)
        )
    source = StoreSource(app)  # checkpoints are read before the event bound is fixed
    root_fp = app.root_fingerprint()
    origin = origin_for(root_fp)
    checkpoints = list(source.checkpoints())
    cosignatures = list(source.cosignatures())
    tmp = path.with_name(f".{path.name}.partial")
    events = leaves = proofs = 0
    try:
        with tmp.open("wb") as out:
            out.write(
                line(
                    {
                        "kind": "header",
                        "format": BUNDLE_FORMAT,
                        "version": BUNDLE_VERSION,
                        "origin": origin,
                        "root_fingerprint": root_fp,
                        "exported_at": utc_now(),
                        "source": source.description,
                    }
                )
            )
            for cp in checkpoints:
                out.write(
                    line(
                        {
                            "kind": "checkpoint",
                            "tree_size": cp.tree_size,
                            "root": b64encode(cp.root),
                            "note": cp.note.decode("utf-8", errors="replace"),
                            "created_at": cp.created_at,
                        }
                    )
                )
            for cs in cosignatures:
                out.write(
                    line(
                        {
                            "kind": "cosignature",
                            "tree_size": cs.tree_size,
                            "vkey": cs.vkey,
                            "line": cs.line.decode("utf-8", errors="replace"),
                            "created_at": cs.created_at,
                        }
                    )
                )
            tree = MerkleTree()
            for leaf in source.tables.iter_leaves(source.bound):
                out.write(
                    line(
                        {
                            "kind": "leaf",
                            "index": leaf.leaf_index,
                            "notification_id": leaf.notification_id,
                            "hash": b64encode(leaf.leaf_hash),
                        }
                    )
                )
                if leaf.leaf_index == len(tree):
                    tree.append(leaf.leaf_hash)
                leaves += 1
            sizes = sorted({cp.tree_size for cp in checkpoints if 0 < cp.tree_size <= len(tree)})
            for a, b in pairwise(sizes):
                proof = tree.consistency_proof(a, b)
                out.write(
                    line(
                        {
                            "kind": "consistency",
                            "old_size": a,
                            "new_size": b,
                            "proof": [b64encode(p) for p in proof],
                        }
                    )
                )
                proofs += 1
            del tree
            for page in source.pages():
                for nid, oid, version, topic, state in page:
                    out.write(
                        line(
                            {
                                "kind": "event",
                                "position": events,
                                "notification_id": nid,
                                "originator_id": str(oid if isinstance(oid, UUID) else UUID(oid)),
                                "version": version,
                                "topic": topic,
                                "state": b64encode(state),
                            }
                        )
                    )
                    events += 1
                if progress is not None:
                    progress(len(page))
            out.write(
                line(
                    {
                        "kind": "end",
                        "events": events,
                        "leaves": leaves,
                        "checkpoints": len(checkpoints),
                        "cosignatures": len(cosignatures),
                    }
                )
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise StoreError(
            _("cannot write {path}: {value}").format(path=path, value=e.strerror or e)
        ) from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportSummary(
        str(path),
        events,
        leaves,
        len(checkpoints),
        len(cosignatures),
        proofs,
        path.stat().st_size,
        root_fp,
        origin,
    )
