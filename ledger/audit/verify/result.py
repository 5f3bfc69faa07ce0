"""What verification found: the checks, each failure with where it is, and the result that
never raises."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ledger.domain.event_labels import event_at
from ledger.errors import VerificationError
from ledger.i18n import N_, NP_, _, enumerated, pgettext


class Check(StrEnum):
    """What a failure is about."""

    FORMAT = "format"  # not a signed envelope, undecodable, a malformed bundle line
    SIGNATURE = "signature"  # the Ed25519 signature does not cover these stored bytes
    KEY = "key"  # unregistered, rotated or revoked signer key; root key not the pinned one
    AUTHORISATION = "authorisation"  # a valid key not allowed to record this (Art. 6)
    VERSION = "version"  # versions of an aggregate not 1, 2, 3...: deleted, moved, inserted
    LEAF = "leaf"  # the stored Merkle leaf table disagrees with the events
    CHECKPOINT = "checkpoint"  # a signed checkpoint that does not hold
    ROLLBACK = "rollback"  # the log is shorter than a signed checkpoint
    CONSISTENCY = "consistency"  # two checkpoints that are not one history
    COSIGNATURE = "cosignature"  # a cosignature that does not verify, a witness missing
    INDEX = "index"  # the person index (chains, map, checkpoint root) disagrees with the log
    STORE = "store"  # the source could not be read to the end
    MEASURES = "measures"  # a valid event the Measures would have refused (ledger.audit.semantic)
    #: a warning, never a failure: recorded times running backwards (ledger.audit.clock)
    CLOCK = "clock"

    @property
    def label(self) -> str:
        """The check as the user reads it ("[签名]"); the JSON keeps the code."""
        return check_label(self.value)


#: The checks as the user reads them (marked for the catalog, shown by code).
CHECK_WORDS = (
    NP_("check", "format"),
    NP_("check", "signature"),
    NP_("check", "key"),
    NP_("check", "authorisation"),
    NP_("check", "version"),
    NP_("check", "leaf"),
    NP_("check", "checkpoint"),
    NP_("check", "rollback"),
    NP_("check", "consistency"),
    NP_("check", "cosignature"),
    NP_("check", "index"),
    NP_("check", "store"),
    NP_("check", "measures"),
    NP_("check", "clock"),
)


def check_label(code: str) -> str:
    """A check's name in the user's language: the code itself in English."""
    return pgettext("check", code)


#: The records a failure names ("case C1"), as the user reads them; the JSON keeps the English.
_RECORDS = {
    "case": N_("case {id}"),
    "cadre": N_("cadre {id}"),
    "unit": N_("unit {id}"),
    "aggregate": N_("aggregate {id}"),
}


#: A record without an id that failures name (translated where shown).
KEY_REGISTRY = N_("key registry")


def record_label(record: str) -> str:
    """A record a failure names ("case C1", "key registry") in the user's language."""
    kind, _sep, ident = record.partition(" ")
    template = _RECORDS.get(kind)
    return _(template).format(id=ident) if template else _(record)


@dataclass(frozen=True)
class Failure:
    """One thing found wrong, with where it is."""

    check: Check
    message: str
    position: int | None = None
    notification_id: int | None = None
    aggregate_id: str | None = None
    version: int | None = None
    topic: str | None = None
    record: str | None = None  # "case 湘纪〔2024〕1号", "cadre P001", "unit CS-XF", "key registry"
    case_no: str | None = None
    key_id: str | None = None
    tree_size: int | None = None
    #: A clock warning: the run's last position, the earlier event it falls behind, and by
    #: how many seconds at most.
    last_position: int | None = None
    behind_position: int | None = None
    seconds_behind: int | None = None
    #: The root key is not the pinned one: the event itself is sound (signed by the root it
    #: names), so what the log says is judged relative to that root, read models included.
    untrusted_root: bool | None = None

    def describe(self) -> str:
        """One line naming where and what."""
        where: list[str] = []
        if self.position is not None:
            where.append(_("position {position}").format(position=self.position))
        if self.record:
            where.append(record_label(self.record))
        elif self.aggregate_id:
            where.append(_("aggregate {aggregate_id}").format(aggregate_id=self.aggregate_id))
        if self.topic:
            where.append(event_at(self.topic, self.version))
        if self.tree_size is not None and self.position is None:
            where.append(_("checkpoint {tree_size}").format(tree_size=self.tree_size))
        head = pgettext("separator", ", ").join(where)
        colon = pgettext("separator", ": ")
        return (
            f"[{self.check.label}] {head}{colon}{self.message}"
            if head
            else (f"[{self.check.label}] {self.message}")
        )

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["check"] = self.check.value
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class KeyInfo:
    """A signer key as the log registered it, with the positions of its life."""

    key_id: str
    fingerprint: str
    holder: str
    authority: str
    authority_kind: str
    role: str
    registered_at: int
    ended_at: int | None
    status: str


@dataclass(frozen=True)
class ConsistencyProof:
    """An RFC 9162 §2.1.4 proof that the tree of ``new_size`` extends that of ``old_size``."""

    old_size: int
    new_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class VerificationResult:
    """What a verification found: truthy when nothing is wrong (python-tuf style)."""

    source: str
    events: int
    aggregates: int
    signatures: int
    root_fingerprint: str | None
    origin: str | None
    tree_size: int
    root: bytes
    checkpoints: int
    latest_checkpoint: int | None
    cosignatures: int
    keys: tuple[KeyInfo, ...]
    failures: tuple[Failure, ...]
    failure_count: int
    seconds: float
    witnessed: tuple[str, ...] = ()
    checkpoints_kept: int = 0
    #: What the auditor must know but that is no failure of the log (``Check.CLOCK``).
    warnings: tuple[Failure, ...] = ()

    def __bool__(self) -> bool:
        return self.failure_count == 0

    @property
    def ok(self) -> bool:
        return self.failure_count == 0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, int]:
        """Listed failures by kind of check."""
        out: dict[str, int] = {}
        for f in self.failures:
            out[f.check.value] = out.get(f.check.value, 0) + 1
        return out

    def raise_for_failures(self) -> None:
        """The raising variant: VerificationError naming the first failure and the count."""
        if self.ok:
            return
        first = self.failures[0] if self.failures else None
        text = first.describe() if first else _("verification failed")
        more = self.failure_count - 1
        where = {k: v for k, v in (first.to_dict() if first else {}).items() if k != "message"}
        raise VerificationError(
            f"{text}" + (_(" (and {more} more failures)").format(more=more) if more else ""),
            **where,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "events": self.events,
            "aggregates": self.aggregates,
            "signatures_verified": self.signatures,
            "root_fingerprint": self.root_fingerprint,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root": base64.b64encode(self.root).decode(),
            "checkpoints_kept": self.checkpoints_kept,
            "checkpoints_verified": self.checkpoints,
            "latest_checkpoint": self.latest_checkpoint,
            "cosignatures_verified": self.cosignatures,
            "witnessed": list(self.witnessed),
            "keys": [k.__dict__ for k in self.keys],
            "failure_count": self.failure_count,
            "failures_by_check": self.counts(),
            "failures": [f.to_dict() for f in self.failures],
            "warning_count": len(self.warnings),
            "warnings": [f.to_dict() for f in self.warnings],
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second),
        }

    def _checkpoint_line(self) -> str:
        if not self.checkpoints_kept:
            return _("none kept (run `lifeledger checkpoint`)")
        text = _("{checkpoints_kept} kept, {checkpoints} verified").format(
            checkpoints_kept=self.checkpoints_kept, checkpoints=self.checkpoints
        )
        if self.latest_checkpoint is not None:
            text += _(", latest verified at size {latest_checkpoint}").format(
                latest_checkpoint=self.latest_checkpoint
            )
            if self.latest_checkpoint < self.tree_size:
                text += _(" ({value} events since)").format(
                    value=self.tree_size - self.latest_checkpoint
                )
        return text

    def summary(self) -> str:
        """The human report: a summary, then every listed failure."""
        status = (
            _("OK")
            if self.ok
            else _("FAILED: {failure_count} failure(s)").format(failure_count=self.failure_count)
        )
        if self.warnings:
            status += _(", {count} warning(s)").format(count=len(self.warnings))
        lines = [
            _("Verification of {source}: {status}").format(source=self.source, status=status),
            _(
                "  events            {events} in {aggregates} records, {signatures} "
                "signatures verified"
            ).format(events=self.events, aggregates=self.aggregates, signatures=self.signatures),
            _("  keys              {len} registered; root {value}").format(
                len=len(self.keys), value=self.root_fingerprint or "?"
            ),
            _("  Merkle tree       size {tree_size}, root {decode}").format(
                tree_size=self.tree_size, decode=base64.b64encode(self.root).decode()
            ),
            _("  checkpoints       {checkpoint_line}").format(
                checkpoint_line=self._checkpoint_line()
            ),
            _("  cosignatures      {cosignatures} verified").format(cosignatures=self.cosignatures)
            + (
                _(" (witnesses: {join})").format(join=enumerated(self.witnessed))
                if self.witnessed
                else ""
            ),
            _("  time              {seconds:.2f} s ({events_per_second:,.0f} events/s)").format(
                seconds=self.seconds, events_per_second=self.events_per_second
            ),
        ]
        if self.failures:
            lines.append(_("Failures:"))
            lines += [f"  {f.describe()}" for f in self.failures]
            hidden = self.failure_count - len(self.failures)
            if hidden:
                lines.append(_("  ... and {hidden} more not listed").format(hidden=hidden))
        if self.warnings:
            lines.append(_("Warnings (the log holds; for the auditor to judge):"))
            lines += [f"  {w.describe()}" for w in self.warnings]
        return "\n".join(lines)
