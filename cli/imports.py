"""Command: ``import``: historical records loaded through the same command table as the CLI
(:mod:`ledger.importer`), in batches, resumable, the refused lines written aside."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.click_types import IntegerRange, PathType
from cli.common import emit, info, settings
from cli.files import output_path
from cli.options import FILE_OUT, json_option
from cli.terminal import progress
from ledger.domain.limits import BATCH_EVENTS
from ledger.i18n import _, bracketed, enumerated

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.importer import ImportReport


@click.command("import")
@click.argument("file", type=PathType(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--stop-on-error",
    is_flag=True,
    help=_("Stop at the first refused line (default: report it and go on with the next)."),
)
@click.option(
    "--from-line",
    type=IntegerRange(min=1),
    default=1,
    show_default=True,
    help=_("Start at this line number (to resume after --stop-on-error)."),
)
@click.option(
    "--rejects",
    type=FILE_OUT,
    help=_("Write every refused line, unchanged, to this file: fix it and import it alone."),
)
@click.option(
    "--batch-events",
    type=IntegerRange(min=1),
    default=BATCH_EVENTS,
    show_default=True,
    help=_("Events per transaction (1: every line its own transaction)."),
)
@json_option
def import_(
    file: str, stop_on_error: bool, from_line: int, rejects: Path | None, batch_events: int
) -> None:
    """Record historical actions from a JSON Lines FILE ('-' for stdin), signed by --key.

    Each line is one command and its fields, named like the command's options:

    \b
      {"command": "case open", "case_no": "CS-2019-004",
       "incident_date": "2019-03-02", "opened_on": "2019-05-10", "ground": [11],
       "result": ["conflict_intensified", "adverse_impact"], "facts": "..."}
      {"command": "case hear", "case_no": "CS-2019-004", "person": "P001",
       "on": "2019-05-20", "statement": "..."}

    Every line is applied whole or not at all, by the same rules as the command. A refused
    line is reported with its line number and error, and the import goes on with the next
    line (or stops, with --stop-on-error). The exit status is 1 if any line was refused or
    not attempted.

    Running a file again is safe: each line has an idempotency key (its "id" field, else
    the digest of the line) recorded, signed, in the same transaction as the line's events,
    so lines already applied are skipped and counted, and exactly the rest is applied.

    Lines are written in transactions of about --batch-events events; the signer's key is
    checked when each transaction starts and again before it commits. An import that is
    killed leaves the lines of the transactions it committed. Ctrl-C or SIGTERM lets the
    lines already applied commit, then stops and prints the summary and where to resume.

    \b
    Commands: unit add; cadre add, move, retire; case open, assign, objection,
    assign-team, hear, decide, announce, file, receive, appeal, appeal-decide,
    refer, close. Keys are not imported.
    """
    from ledger.errors import InvalidInputError
    from ledger.importer import import_lines

    s = settings()
    if rejects is not None:
        output_path(rejects, force=False)
    with click.open_file(file, encoding="utf-8") as handle:
        try:
            lines = handle.read().splitlines()
        except UnicodeDecodeError as e:
            raise InvalidInputError(
                _("{file} is not UTF-8 text: {reason} at byte {start}").format(
                    file=file, reason=e.reason, start=e.start
                )
            ) from e
    app = s.open()
    numbered = [(n, text) for n, text in enumerate(lines, start=1) if n >= from_line]
    refused_lines: list[str] = []
    with (
        progress(numbered, len(numbered), _("Importing")) as bar,
        _terminate_as_interrupt() as term,
    ):
        report = import_lines(
            app,
            _until(term, bar),
            stop_on_error=stop_on_error,
            total_lines=len(lines),
            on_refused=lambda _n, text: refused_lines.append(text),
            batch_events=batch_events,
        )
    if rejects is not None and refused_lines:
        rejects.write_text("\n".join(refused_lines) + "\n", encoding="utf-8")
    for w in report.warnings:
        info(
            _("Warning: line {line} ({command}): {error}").format(
                line=w.line, command=w.command, error=w.error
            )
        )
    for r in report.refused:
        info(
            _("Refused: line {line}{value}: {error}").format(
                line=r.line, value=bracketed("", r.command) if r.command else "", error=r.error
            )
        )
    data = {"file": file, "from_line": from_line, **report.to_dict()}
    if rejects is not None:
        data["rejects"] = str(rejects) if refused_lines else None
    emit(data, lambda: _import_text(report, from_line, rejects if refused_lines else None))
    if report.error is not None and not s.json:  # the store failed: lines from the summary's
        raise click.ClickException(report.error)  # "resume from" on were not recorded
    if not report.ok:
        raise click.exceptions.Exit(1)


@contextmanager
def _terminate_as_interrupt() -> Iterator[threading.Event]:
    """SIGTERM (a service stopped, a job cancelled) stops an import as Ctrl-C does, but only
    between lines (see :func:`_until`), never inside a read or a transaction: the lines
    applied so far commit, and the summary says where to resume."""
    term = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield term
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: term.set())
    try:
        yield term
    finally:
        signal.signal(signal.SIGTERM, previous)


def _until(term: threading.Event, lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """The lines, interrupted (as by Ctrl-C) before the next one once SIGTERM came."""
    for line in lines:
        if term.is_set():
            raise KeyboardInterrupt
        yield line
    if term.is_set():
        raise KeyboardInterrupt


def _ranges(numbers: list[int]) -> str:
    """``1–3, 7, 9–12``: line numbers, compact however many there are."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return enumerated(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _import_text(report: ImportReport, from_line: int, rejects: Path | None) -> str:
    lines = [
        _(
            "Imported: {applied} line(s) applied, {already_applied} already applied, "
            "{len} refused, {blank} blank."
        ).format(
            applied=report.applied,
            already_applied=report.already_applied,
            len=len(report.refused),
            blank=report.blank,
        )
    ]
    if report.refused:
        lines.append(_("Refused lines: ") + _ranges([r.line for r in report.refused]))
    if report.interrupted_at is not None:
        lines.append(
            _(
                "Interrupted at line {interrupted_at}: it may or may not have been "
                "recorded; run the same file again: lines already applied are skipped"
            ).format(interrupted_at=report.interrupted_at)
        )
    elif report.interrupted:
        lines.append(_("Interrupted."))
    if report.not_attempted_from is not None:
        lines.append(
            _(
                "Not attempted: lines {not_attempted_from}–{last_line}; resume from line "
                "{not_attempted_from}: run the same file again (lines already applied "
                "are skipped)"
            ).format(not_attempted_from=report.not_attempted_from, last_line=report.last_line)
        )
    if rejects is not None:
        lines.append(_("Refused lines written to {rejects}").format(rejects=rejects))
    return "\n".join(lines)


commands: list[click.Command] = [import_]
