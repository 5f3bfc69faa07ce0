"""Offline audit bundles: the whole ledger in one file, verified with no database or network.

Format ``lifeledger-bundle`` version 1, JSON lines (UTF-8, one object a line, ``kind`` first)::

    {"kind":"header","format":"lifeledger-bundle","version":1,"origin":...,"root_fingerprint":...}
    {"kind":"checkpoint","tree_size":N,"root":b64,"note":"<C2SP signed note>","created_at":...}
    {"kind":"cosignature","tree_size":N,"vkey":"<C2SP vkey>","line":"<signature line>",...}
    {"kind":"leaf","index":i,"notification_id":n,"hash":b64}                 the stored leaf table
    {"kind":"consistency","old_size":a,"new_size":b,"proof":[b64,...]}    RFC 9162 §2.1.4
    {"kind":"event","position":i,"notification_id":n,"originator_id":uuid,"version":v,
     "topic":t,"state":b64}                 the exact stored state: envelope, signature, payload
    {"kind":"end","events":E,"leaves":L,"checkpoints":C,"cosignatures":K}

The key registry travels as its own signed events. :func:`verify_bundle` runs the same
:class:`ledger.audit.verify.Verifier` as ``lifeledger verify`` over the file, so an edited
bundle fails exactly as an edited database does; the pinned root fingerprint is what makes
it trustworthy.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.audit.verify import (
    Check,
    ConsistencyProof,
    EventRecord,
    Failure,
    StoreSource,
    VerificationResult,
    Verifier,
    VerifyOptions,
)
from ledger.domain.limits import loads_bounded
from ledger.errors import AlreadyExistsError, InvalidInputError, StoreError
from ledger.i18n import _
from ledger.transparency.checkpoint import b64encode
from ledger.transparency.checkpoints import origin_for
from ledger.transparency.merkle import MerkleTree
from ledger.transparency.tables import (
    EventRow,
    LeafRow,
    StoredCheckpoint,
    StoredCosignature,
    utc_now,
)

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "BundleSource",
    "ExportSummary",
    "export_bundle",
    "verify_bundle",
]

BUNDLE_FORMAT = "lifeledger-bundle"
BUNDLE_VERSION = 1
PAGE = 2_000


def _line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError(_("not a base64 string"))
    return base64.b64decode(text, validate=True)


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
                _line(
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
                    _line(
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
                    _line(
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
                    _line(
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
                    _line(
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
                        _line(
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
                _line(
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


# --- reading ------------------------------------------------------------------------------------

_FAST_KINDS = {
    b'{"kind":"event"': "event",
    b'{"kind":"leaf"': "leaf",
}


def _loads(line: bytes) -> Any:
    """One bundle line's JSON; too deep a nesting is malformed (``ValueError``)."""
    try:
        return loads_bounded(line, "the line")
    except InvalidInputError as e:
        raise ValueError(str(e)) from None


@dataclass(frozen=True, slots=True)
class _BundleEvent:
    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class BundleSource:
    """A bundle file as an event source; malformed lines become failures, never exceptions.

    One pass at open reads the small lines (header, checkpoints, cosignatures, proofs, end)
    and counts the rest; events and leaves are then streamed from two file handles.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._problems: list[Failure] = []
        self._checkpoints: list[StoredCheckpoint] = []
        self._cosignatures: list[StoredCosignature] = []
        self._proofs: list[ConsistencyProof] = []
        self.header: dict[str, Any] = {}
        self._counts = {"event": 0, "leaf": 0, "checkpoint": 0, "cosignature": 0}
        self._first: dict[str, int] = {}
        try:
            self._scan()
        except OSError as e:
            raise InvalidInputError(
                _("cannot read bundle {path}: {value}").format(path=path, value=e.strerror or e)
            ) from e

    @property
    def description(self) -> str:
        return f"bundle {self.path}"

    def add_problem(self, message: str, line_no: int | None = None, **where: Any) -> None:
        text = f"line {line_no}: {message}" if line_no is not None else message
        self._problems.append(Failure(Check.FORMAT, text, **where))

    @staticmethod
    def _kind(line: bytes) -> tuple[str | None, dict[str, Any] | None]:
        for prefix, kind in _FAST_KINDS.items():
            if line.startswith(prefix):
                return kind, None
        try:
            obj = _loads(line)
        except ValueError:
            return None, None
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            return None, None
        return str(obj["kind"]), obj

    def _scan(self) -> None:
        end: dict[str, Any] | None = None
        with self.path.open("rb") as f:
            offset = 0
            for line_no, line in enumerate(f, start=1):
                kind, obj = self._kind(line)
                here, offset = offset, offset + len(line)
                if line_no == 1:
                    if kind != "header" or obj is None:
                        raise InvalidInputError(
                            _("{path} is not a lifeledger bundle").format(path=self.path)
                        )
                    if obj.get("format") != BUNDLE_FORMAT:
                        raise InvalidInputError(
                            _("{path} is not a lifeledger bundle").format(path=self.path)
                        )
                    if obj.get("version") != BUNDLE_VERSION:
                        raise InvalidInputError(
                            _(
                                "{path} is bundle format version {get}; this lifeledger reads "
                                "version {BUNDLE_VERSION}"
                            ).format(
                                path=self.path,
                                get=obj.get("version"),
                                BUNDLE_VERSION=BUNDLE_VERSION,
                            )
                        )
                    self.header = obj
                    continue
                if kind is None:
                    self.add_problem(_("not a bundle line (malformed JSON)"), line_no)
                    continue
                if kind in self._counts:
                    self._counts[kind] += 1
                    self._first.setdefault(kind, here)
                if kind in ("event", "leaf"):
                    continue
                assert obj is not None
                if end is not None:
                    self.add_problem(_("a line after the end line"), line_no)
                try:
                    if kind == "checkpoint":
                        self._checkpoints.append(
                            StoredCheckpoint(
                                int(obj["tree_size"]),
                                _unb64(obj["root"]),
                                str(obj["note"]).encode(),
                                str(obj.get("created_at", "")),
                            )
                        )
                    elif kind == "cosignature":
                        self._cosignatures.append(
                            StoredCosignature(
                                int(obj["tree_size"]),
                                str(obj["vkey"]),
                                str(obj["line"]).encode(),
                                str(obj.get("created_at", "")),
                            )
                        )
                    elif kind == "consistency":
                        self._proofs.append(
                            ConsistencyProof(
                                int(obj["old_size"]),
                                int(obj["new_size"]),
                                tuple(_unb64(p) for p in obj["proof"]),
                            )
                        )
                    elif kind == "end":
                        end = obj
                    else:
                        self.add_problem(_("unknown line kind {kind!r}").format(kind=kind), line_no)
                except (KeyError, TypeError, ValueError, binascii.Error) as e:
                    self.add_problem(
                        _("malformed {kind} line ({name}: {e})").format(
                            kind=kind, name=type(e).__name__, e=e
                        ),
                        line_no,
                    )
        if end is None:
            self.add_problem(_("the bundle has no end line: it was truncated"))
            return
        for key, kind in (
            ("events", "event"),
            ("leaves", "leaf"),
            ("checkpoints", "checkpoint"),
            ("cosignatures", "cosignature"),
        ):
            if end.get(key) != self._counts[kind]:
                self.add_problem(
                    _(
                        "the bundle holds {value} {key}, but its end line says {get}: lines were "
                        "removed or added"
                    ).format(value=self._counts[kind], key=key, get=end.get(key))
                )

    def _lines(self, kind: str) -> Iterator[tuple[dict[str, Any] | None, bytes]]:
        """The lines of one kind in file order, parsed already if they had to be."""
        start = self._first.get(kind)
        if start is None:
            return
        prefix = next(p for p, k in _FAST_KINDS.items() if k == kind)
        with self.path.open("rb") as f:
            f.seek(start)
            for line in f:
                if line.startswith(prefix):
                    yield None, line
                    continue
                k, obj = self._kind(line)
                if k == kind:
                    yield obj, line

    def event_count(self) -> int | None:
        return self._counts["event"]

    def pages(self) -> Iterator[Sequence[EventRow]]:
        page: list[EventRow] = []
        ordinal = 0
        for obj, line in self._lines("event"):
            try:
                data = obj if obj is not None else _loads(line)
                ev: EventRow = (
                    int(data["notification_id"]),
                    UUID(str(data["originator_id"])),
                    int(data["version"]),
                    str(data["topic"]),
                    _unb64(data["state"]),
                )
                position = int(data["position"])
            except (KeyError, TypeError, ValueError, binascii.Error) as e:
                self.add_problem(
                    _(
                        "malformed event line where position {position} was due ({name}: {e}); "
                        "the event is skipped"
                    ).format(position=ordinal, name=type(e).__name__, e=e),
                    position=ordinal,
                )
                continue
            if position != ordinal:
                self.add_problem(
                    _(
                        "the bundle numbers this event {position}, but it is at position {ordinal}"
                    ).format(position=position, ordinal=ordinal),
                    position=ordinal,
                    notification_id=ev[0],
                    aggregate_id=str(ev[1]),
                )
            page.append(ev)
            ordinal += 1
            if len(page) >= PAGE:
                yield page
                page = []
        if page:
            yield page

    def leaf_pages(self) -> Iterator[Sequence[LeafRow]] | None:
        return self._leaf_pages()

    def _leaf_pages(self) -> Iterator[list[LeafRow]]:
        page: list[LeafRow] = []
        for obj, line in self._lines("leaf"):
            try:
                data = obj if obj is not None else _loads(line)
                page.append(
                    (int(data["index"]), int(data["notification_id"]), _unb64(data["hash"]))
                )
            except (KeyError, TypeError, ValueError, binascii.Error) as e:
                self.add_problem(
                    _("malformed leaf line ({name}: {e}); skipped").format(
                        name=type(e).__name__, e=e
                    )
                )
            if len(page) >= PAGE:
                yield page
                page = []
        if page:
            yield page

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        return self._checkpoints

    def cosignatures(self) -> Sequence[StoredCosignature]:
        return self._cosignatures

    def consistency_proofs(self) -> Sequence[ConsistencyProof]:
        return self._proofs

    def problems(self) -> Sequence[Failure]:
        return self._problems

    def key_hints(self) -> Mapping[bytes, bytes]:
        return {}  # a bundle's registry is met in order; its first batches are checked so

    def first_events(self, ids: Collection[UUID]) -> Mapping[UUID, EventRecord]:
        wanted = set(ids)
        out: dict[UUID, EventRecord] = {}
        for obj, line in self._lines("event"):
            try:
                data = obj if obj is not None else _loads(line)
                if int(data["version"]) != 1:
                    continue
                oid = UUID(str(data["originator_id"]))
                if oid in wanted and oid not in out:
                    out[oid] = _BundleEvent(0, oid, 1, str(data["topic"]), _unb64(data["state"]))
            except (KeyError, TypeError, ValueError, binascii.Error):
                continue
            if len(out) == len(wanted):
                break
        return out


def verify_bundle(
    path: Path,
    root_fingerprint: str,
    *,
    witnesses: Sequence[str] = (),
    trusted_checkpoints: Sequence[bytes] = (),
    workers: int = 2,
    parallel: str = "threads",
    progress: Callable[[int], None] | None = None,
) -> VerificationResult:
    """Verify a bundle offline against a pinned root fingerprint (InvalidInputError if the file is
    not a bundle at all; everything else is reported in the result)."""
    if not root_fingerprint or not root_fingerprint.strip():
        raise InvalidInputError(_("a bundle is verified against a pinned --root-fingerprint"))
    source = BundleSource(path)
    claimed = source.header.get("root_fingerprint")
    pinned = root_fingerprint.strip().lower().replace(":", "")
    if claimed != pinned:
        source.add_problem(
            _(
                "the bundle says it was exported from the ledger rooted at {claimed}, "
                "not the pinned {pinned}"
            ).format(claimed=claimed, pinned=pinned)
        )
    options = VerifyOptions(
        root_fingerprint=root_fingerprint,
        witnesses=tuple(witnesses),
        trusted_checkpoints=tuple(trusted_checkpoints),
        workers=workers,
        parallel=parallel,
    )
    from ledger.audit.semantic import audit_rows, offline_decoder, with_findings

    result = Verifier(options).run(source, progress)
    # The semantic audit, as `verify` runs it: every event replayed through the Measures' rules
    # (and the recorded times that run backwards)
    rows = ((oid, version, topic, state) for page in source.pages()
            for _, oid, version, topic, state in page)  # fmt: skip
    return with_findings(result, lambda broken: audit_rows(rows, offline_decoder(), broken))
