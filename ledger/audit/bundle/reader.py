"""Reading a bundle: the file as an event source for the verifier, malformed lines reported as
failures, and :func:`verify_bundle`, the offline verification against a pinned root."""

from __future__ import annotations

import binascii
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.audit.bundle.format import BUNDLE_FORMAT, BUNDLE_VERSION, PAGE, loads, unb64
from ledger.audit.verify import (
    Check,
    ConsistencyProof,
    EventRecord,
    Failure,
    VerificationResult,
    Verifier,
    VerifyOptions,
)
from ledger.errors import InvalidInputError
from ledger.i18n import _
from ledger.transparency.tables import (
    EventRow,
    LeafRow,
    StoredCheckpoint,
    StoredCosignature,
)

_FAST_KINDS = {
    b'{"kind":"event"': "event",
    b'{"kind":"leaf"': "leaf",
}


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
        return _("bundle {path}").format(path=self.path)

    def add_problem(self, message: str, line_no: int | None = None, **where: Any) -> None:
        text = (
            _("line {line_no}: {message}").format(line_no=line_no, message=message)
            if line_no is not None
            else message
        )
        self._problems.append(Failure(Check.FORMAT, text, **where))

    @staticmethod
    def _kind(line: bytes) -> tuple[str | None, dict[str, Any] | None]:
        for prefix, kind in _FAST_KINDS.items():
            if line.startswith(prefix):
                return kind, None
        try:
            obj = loads(line)
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
                                unb64(obj["root"]),
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
                                tuple(unb64(p) for p in obj["proof"]),
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
                data = obj if obj is not None else loads(line)
                ev: EventRow = (
                    int(data["notification_id"]),
                    UUID(str(data["originator_id"])),
                    int(data["version"]),
                    str(data["topic"]),
                    unb64(data["state"]),
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
                data = obj if obj is not None else loads(line)
                page.append((int(data["index"]), int(data["notification_id"]), unb64(data["hash"])))
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
                data = obj if obj is not None else loads(line)
                if int(data["version"]) != 1:
                    continue
                oid = UUID(str(data["originator_id"]))
                if oid in wanted and oid not in out:
                    out[oid] = _BundleEvent(0, oid, 1, str(data["topic"]), unb64(data["state"]))
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
