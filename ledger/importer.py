"""The ledger's commands by name, with typed fields: one table shared by the CLI and ``import``.

A command is named as on the command line (``"case open"``) and takes the fields of its
command-line options, spelled as the option without its dashes (``--incident-date`` →
``incident_date``; repeatable options take a list, e.g. ``"ground": [2, 11]``). The CLI calls
:func:`execute` with the options it parsed; ``lifeledger import`` calls it with one JSON object
per line. Both therefore reach the same :class:`LedgerApplication` method with the same checks.

Import semantics (documented in the README): every line is one command, applied whole or not
at all; a refused line is reported with its line number and error and the next line is tried
(or, with ``stop_on_error``, the import stops and reports where to resume). Nothing is dropped
silently: blank lines are counted, unknown fields are refused, every line is either applied,
refused, or reported as not attempted.

Lines are written in transactions of about :data:`~ledger.domain.limits.BATCH_EVENTS` events
(:meth:`LedgerApplication.batch`): the lines of one transaction run against the aggregates in
memory, each line atomic within it, and are reported only once their transaction committed.
So a killed import leaves the lines of the transactions it committed, a prefix of whole lines,
and an interrupted or failed one reports the first line not recorded. The signer's key is
checked against the registry at the start of each transaction and again before it commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from ledger.application import LedgerApplication
from ledger.commands import Outcome, execute
from ledger.domain import limits
from ledger.domain.imports import ImportedLine, imported_line_id
from ledger.domain.limits import BATCH_EVENTS
from ledger.errors import (
    ConcurrentWriteError,
    InputTooLargeError,
    InvalidInputError,
    LedgerError,
    NotFoundError,
    StoreError,
)
from ledger.i18n import _
from ledger.unit_of_work import MAX_RETRIES, Batch

__all__ = ["ImportReport", "Refusal", "import_lines", "parse_line"]


# import -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    """A line that was not applied, and why."""

    line: int
    command: str
    error: str


@dataclass
class ImportReport:
    """Every non-blank line ends up applied, refused, or not attempted — never dropped."""

    applied: int = 0
    #: Lines whose record was already in the log (an earlier run applied them): skipped.
    already_applied: int = 0
    blank: int = 0
    refused: list[Refusal] = field(default_factory=list)
    warnings: list[Refusal] = field(default_factory=list)
    not_attempted_from: int | None = None
    last_line: int = 0
    #: Stopped by the user (Ctrl-C); ``interrupted_at`` is the line being applied then, if
    #: any, when it may or may not have been recorded (only when lines are written one at a
    #: time; a batch's transaction is always let finish, so its outcome is known).
    interrupted: bool = False
    interrupted_at: int | None = None
    done_through: int = 0
    #: Why the import stopped when no line was to blame: a transaction that could not be
    #: written (its lines, from ``not_attempted_from`` on, were not recorded).
    error: str | None = None
    #: Transactions committed.
    transactions: int = 0

    @property
    def ok(self) -> bool:
        return (
            not self.refused
            and self.not_attempted_from is None
            and not self.interrupted
            and self.error is None
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "already_applied": self.already_applied,
            "refused": [
                {"line": r.line, "command": r.command, "error": r.error} for r in self.refused
            ],
            "warnings": [
                {"line": w.line, "command": w.command, "warning": w.error} for w in self.warnings
            ],
            "blank_lines": self.blank,
            "not_attempted": (
                None
                if self.not_attempted_from is None
                else {"from_line": self.not_attempted_from, "to_line": self.last_line}
            ),
            "interrupted": self.interrupted,
            "interrupted_at_line": self.interrupted_at,
            "error": self.error,
            "transactions": self.transactions,
            "ok": self.ok,
        }


def parse_line(text: str) -> tuple[str, dict[str, Any]]:
    """One JSON object with a ``command`` and the command's fields, within the limits of
    :mod:`ledger.domain.limits` (line size, nesting) checked before it is parsed."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.MAX_IMPORT_LINE_BYTES:
        raise InputTooLargeError(
            _(
                "the line is {size:,} bytes long; at most {MAX_IMPORT_LINE_BYTES:,} are allowed"
            ).format(size=size, MAX_IMPORT_LINE_BYTES=limits.MAX_IMPORT_LINE_BYTES),
            field="line",
            limit=limits.MAX_IMPORT_LINE_BYTES,
            size=size,
        )
    limits.check_json_depth(text, "the line")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInputError(
            _("not valid JSON: {msg} at column {colno}").format(msg=e.msg, colno=e.colno)
        ) from None
    if not isinstance(data, dict):
        raise InvalidInputError(_('a line must be one JSON object {"command": ..., ...}'))
    command = data.pop("command", None)
    if not isinstance(command, str) or not command.strip():
        raise InvalidInputError(_('the line names no "command" (e.g. "case open")'))
    return " ".join(command.split()), data


def import_lines(
    app: LedgerApplication,
    lines: Iterable[tuple[int, str]],
    *,
    stop_on_error: bool = False,
    total_lines: int = 0,
    on_refused: Callable[[int, str], None] | None = None,
    batch_events: int = BATCH_EVENTS,
) -> ImportReport:
    """Apply numbered lines in order, each one whole or not at all, ``batch_events`` events
    to a transaction. A refused line is reported and the next is tried, unless
    ``stop_on_error``; a store failure always stops (every later line would fail the same
    way). ``on_refused`` receives each refused line's number and text, once the transaction
    the line belonged to committed. A transaction that meets another writer's changes is
    redone line by line, each in its own transaction. An interrupt (Ctrl-C) stops the import
    after the lines already applied are committed, and is reported, not raised."""
    if batch_events < 1:
        raise InvalidInputError(_("a transaction holds at least one event"))
    report = ImportReport(last_line=total_lines)
    try:
        _apply(app, iter(lines), report, stop_on_error, on_refused, batch_events, LineKeys())
    except KeyboardInterrupt:
        report.interrupted = True
        if report.not_attempted_from is None:
            report.not_attempted_from = report.done_through + 1
    if report.not_attempted_from is not None and report.not_attempted_from > report.last_line:
        report.not_attempted_from = None
    return report


@dataclass
class _Line:
    """One line's fate while its transaction is open: blank, applied (``outcome``) or
    refused (``error``)."""

    number: int
    text: str
    command: str = ""
    outcome: Outcome | None = None
    error: LedgerError | None = None
    #: Its idempotency key, and whether the log already held its record (skipped).
    key: str = ""
    already: bool = False

    def stops(self, stop_on_error: bool) -> bool:
        return self.error is not None and stop_on_error


class LineKeys:
    """Each line's idempotency key: its ``id`` field, else the SHA-256 of the canonical line
    (sorted keys, no spaces) with the number of identical lines before it in the file, so
    that two identical lines stay two lines. Computed once per line number."""

    def __init__(self) -> None:
        self._keys: dict[int, str] = {}
        self._seen: dict[str, int] = {}

    def key(self, number: int, command: str, fields: dict[str, Any]) -> str:
        known = self._keys.get(number)
        if known is not None:
            fields.pop("id", None)
            return known
        explicit = fields.pop("id", None)
        if explicit is not None:
            if not isinstance(explicit, str | int) or isinstance(explicit, bool):
                raise InvalidInputError(
                    _("{command}: 'id' must be a text or a number, got {explicit!r}").format(
                        command=command, explicit=explicit
                    )
                )
            key = f"id:{explicit}"
            limits.check_text_length("id", key)
        else:
            canonical = json.dumps(
                {"command": command, **fields},
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            )
            digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
            seen = self._seen.get(digest, 0)
            self._seen[digest] = seen + 1
            key = f"line:{digest[:32]}:{seen}"
        self._keys[number] = key
        return key


def _applied(app: LedgerApplication, key: str) -> bool:
    """Whether the log holds the signed record of the line with this key (read through the
    signing mapper, so a forged record is an error, not a skip)."""
    try:
        app._get(ImportedLine, imported_line_id(key), _("no such import line"), copy=False)
    except NotFoundError:
        return False
    return True


def _run(
    app: LedgerApplication,
    number: int,
    text: str,
    scope: Callable[[], AbstractContextManager[None]],
    keys: LineKeys,
) -> _Line:
    """Parse and apply one line inside ``scope`` (a batch's ``atomic``): skipped if its
    record is in the log, else its command and its record, all or nothing."""
    line = _Line(number, text)
    if not text.strip():
        return line
    try:
        line.command, fields = parse_line(text)
        line.key = keys.key(number, line.command, fields)
        with scope():
            if _applied(app, line.key):
                line.already = True
                return line
            line.outcome = execute(app, line.command, fields)
            app._create(ImportedLine(key=line.key, command=line.command), "line applied twice")
    except StoreError:
        # The store did not answer: not this line's fault, and nothing of its transaction
        # can be written either. It stops the import (and is never reported as refused).
        raise
    except LedgerError as e:
        line.error = e
    return line


def _run_alone(app: LedgerApplication, number: int, text: str, keys: LineKeys) -> _Line:
    """One line in a transaction of its own (after a conflict), re-checked against the store
    as it now is, up to :data:`~ledger.application.MAX_RETRIES` times."""
    for _unused in range(MAX_RETRIES):
        try:
            with app.batch(BATCH_EVENTS) as batch:
                line = _run(app, number, text, batch.atomic, keys)
                batch.commit()
            return line
        except ConcurrentWriteError:
            continue
    return _Line(
        number,
        text,
        error=ConcurrentWriteError(
            _(
                "line {number}: other writers kept changing the same records; nothing was written"
            ).format(number=number)
        ),
    )


def _apply(
    app: LedgerApplication,
    lines: Iterator[tuple[int, str]],
    report: ImportReport,
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
    batch_events: int,
    keys: LineKeys,
) -> None:
    """Groups of lines, one transaction each, until the lines end, one stops the import, or
    Ctrl-C. A group is reported once its transaction committed."""
    while report.not_attempted_from is None:
        group: list[_Line] = []
        exhausted = interrupted = False
        batch = app.batch(batch_events)
        try:
            with batch:
                while True:
                    group = []
                    exhausted, interrupted = _fill(
                        app, batch, lines, group, report, stop_on_error, keys
                    )
                    expected, before = batch.pending_events, batch.recorded
                    try:
                        batch.commit()
                    except KeyboardInterrupt:  # the commit was let finish: did it record?
                        if batch.recorded - before == expected:
                            _record(report, group, stop_on_error, on_refused)
                        raise
                    _record(report, group, stop_on_error, on_refused)
                    if exhausted or interrupted or report.not_attempted_from is not None:
                        break
        except ConcurrentWriteError:  # another writer got there first: redo, line by line
            _redo(app, group, report, stop_on_error, on_refused, keys)
        except StoreError as e:  # a read or the commit failed: nothing of the open
            # transaction was written
            _stopped_by(report, e, group[0].number if group else report.done_through + 1)
            break
        if interrupted:
            raise KeyboardInterrupt
        if exhausted:
            return
    for number, _unused in lines:  # not attempted: count them
        report.last_line = max(report.last_line, number)


def _stopped_by(report: ImportReport, error: StoreError, first_not_attempted: int) -> None:
    """A store failure stops the import: the lines from ``first_not_attempted`` on were not
    written (their transaction never committed), so they are not attempted, not refused; a
    later run applies them."""
    report.error = str(error)
    report.not_attempted_from = first_not_attempted


def _fill(
    app: LedgerApplication,
    batch: Batch,
    lines: Iterator[tuple[int, str]],
    group: list[_Line],
    report: ImportReport,
    stop_on_error: bool,
    keys: LineKeys,
) -> tuple[bool, bool]:
    """Apply lines to the batch until it is full or a refusal stops the import; returns
    (the lines are exhausted, Ctrl-C came). A line interrupted by Ctrl-C is undone
    (``atomic``) and left out of the group."""
    try:
        for number, text in lines:
            report.last_line = max(report.last_line, number)
            line = _run(app, number, text, batch.atomic, keys)
            group.append(line)
            if line.stops(stop_on_error) or batch.full:
                return False, False
    except KeyboardInterrupt:
        return False, True
    return True, False


def _record(
    report: ImportReport,
    group: list[_Line],
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
) -> None:
    """Report a group of lines whose transaction committed."""
    if any(line.outcome is not None for line in group):
        report.transactions += 1
    for line in group:
        _report_line(report, line, stop_on_error, on_refused)


def _report_line(
    report: ImportReport,
    line: _Line,
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
) -> None:
    report.done_through = line.number
    if line.error is not None:
        report.refused.append(Refusal(line.number, line.command, str(line.error)))
        if on_refused is not None:
            on_refused(line.number, line.text)
        if line.stops(stop_on_error):
            report.not_attempted_from = line.number + 1
    elif line.already:
        report.already_applied += 1
    elif line.outcome is not None:
        report.applied += 1
        report.warnings.extend(Refusal(line.number, line.command, w) for w in line.outcome.warnings)
    else:
        report.blank += 1


def _redo(
    app: LedgerApplication,
    group: list[_Line],
    report: ImportReport,
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
    keys: LineKeys,
) -> None:
    """After a conflict, the group's lines one at a time, each in its own transaction with
    its record and checked against the store as it now is."""
    for done in group:
        try:
            line = _run_alone(app, done.number, done.text, keys)
        except StoreError as e:
            _stopped_by(report, e, done.number)
            return
        except KeyboardInterrupt:
            report.interrupted_at = done.number
            report.not_attempted_from = done.number + 1
            raise
        if line.outcome is not None:
            report.transactions += 1
        _report_line(report, line, stop_on_error, on_refused)
        if report.not_attempted_from is not None:
            return
