"""What the auditors' commands share (``verify``, ``checkpoint``, ``bundle``, ``proof``): their
options, a progress bar, the kept checkpoint notes read in, and a verification report shown as
text, JSON or its failures as rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.click_types import INTEGER, Choice
from cli.output import Column, report_format_option, show_report
from cli.terminal import progress
from ledger.i18n import _

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.audit.verify import VerificationResult


force_option = click.option(
    "--force",
    is_flag=True,
    help=_("Overwrite the file if it exists (never the ledger's database or a key file)."),
)


@contextmanager
def progress_bar(length: int | None, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a bar on a terminal only (stderr)."""
    with progress([], length, label) as bar:
        yield getattr(bar, "update", None)


def read_notes(paths: tuple[str, ...]) -> tuple[bytes, ...]:
    from ledger.errors import InvalidInputError

    notes: list[bytes] = []
    for p in paths:
        try:
            # A kept note may have gained trailing blank lines; its text ends with one newline.
            notes.append(Path(p).read_bytes().rstrip(b"\r\n") + b"\n")
        except OSError as e:
            raise InvalidInputError(
                _("cannot read checkpoint file {p}: {strerror}").format(p=p, strerror=e.strerror)
            ) from e
    return tuple(notes)


def _check_label(code: str) -> str:
    from ledger.audit.verify.result import check_label  # loaded when shown: instant --help

    return check_label(code)


def event_label(topic: str) -> str:
    from ledger.domain.event_labels import event_label

    return event_label(topic)


def record_label(record: str) -> str:
    from ledger.audit.verify.result import record_label

    return record_label(record)


#: A verification's failures as rows (``--format csv``...): where, then what.
FAILURE_COLUMNS = (
    Column("check", _("check"), _check_label),
    Column("position", _("position")),
    Column("record", _("record"), record_label),
    Column("topic", _("event"), event_label),
    Column("version", _("version")),
    Column("tree_size", _("checkpoint")),
    Column("message", _("what is wrong")),
)
failures_format_option = report_format_option(_("failures"))


def failure_rows(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every failure with every column's key (a failure leaves out the fields it lacks)."""
    return [{c.key: None for c in FAILURE_COLUMNS} | f for f in failures]


def labelled_keys(data: dict[str, Any]) -> dict[str, Any]:
    """The report with each key's kind, role and status labelled as `key list` labels them
    (the same words everywhere)."""
    from projections.labels import KEY_STATUS_LABELS, authority_kind_label, role_label

    data["keys"] = [
        {**k, "authority_kind_label": authority_kind_label(k["authority_kind"]),
         "role_label": role_label(k["role"]),
         "status_label": KEY_STATUS_LABELS.get(k["status"], k["status"])}
        for k in data.get("keys", [])
    ]  # fmt: skip
    return data


def finish(result: VerificationResult, fmt: str | None) -> None:
    """Print the report (text, JSON, or its failures as rows); exit 1 on any failure."""
    data = labelled_keys(result.to_dict())
    show_report(fmt, data, result.summary, failure_rows(data["failures"]), FAILURE_COLUMNS)
    if not result:
        raise click.exceptions.Exit(1)


root_fingerprint_option = click.option(
    "--root-fingerprint",
    "root_fingerprint",
    metavar="FP",
    help=_("SHA-256 fingerprint (hex) of the root key you pinned at `init`."),
)
witness_option = click.option(
    "--witness",
    "witnesses",
    multiple=True,
    metavar="VKEY",
    help=_("A cosigner's verifier key that must have cosigned a checkpoint (repeatable)."),
)

workers_option = click.option(
    "--workers",
    type=INTEGER,
    default=2,
    show_default=True,
    help=_("Workers that parse, hash and verify the events (1: none)."),
)
parallel_option = click.option(
    "--parallel",
    type=Choice(["auto", "threads", "processes"]),
    default="auto",
    show_default=True,
    help=_(
        "Signature workers as threads or processes; auto: processes for logs of 30,000 "
        "events or more, threads below."
    ),
)
