"""Command: ``migrate`` — copy a ledger between stores (SQLite ↔ PostgreSQL) and verify it.

The global ``--db`` is not used: both ends are named, so that a migration is never run against
the wrong store by an inherited ``LIFELEDGER_DB``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

import click

from cli.common import emit, info, settings
from cli.options import json_option
from cli.terminal import progress_callback
from ledger.i18n import _

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.migrate import Progress

LABELS = {"copy": _("Copying events  "), "verify": _("Verifying copy  ")}


@contextmanager
def _phases() -> Iterator[Progress]:
    """One progress bar per phase (copy, then verification), on a terminal only."""
    bars: dict[str, Callable[[int, int], None]] = {}
    with ExitStack() as stack:

        def update(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                stack.close()  # finish the previous phase's bar
                bars[phase] = stack.enter_context(progress_callback(LABELS.get(phase, phase)))
            bars[phase](done, total)

        yield update


@click.command("migrate")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="PATH|URL",
    help=_("The ledger to copy: an SQLite file or a postgresql:// URL (?schema=name)."),
)
@click.option(
    "--to",
    "target",
    required=True,
    metavar="PATH|URL",
    help=_("An empty store to copy it into: a new SQLite file or PostgreSQL schema."),
)
@json_option
def migrate_command(source: str, target: str) -> None:
    """Copy a ledger between stores byte for byte, then verify the copy.

    Every event keeps its stored bytes (so its signature) and its place in the log; the
    Merkle leaves are recomputed by the target and its root must equal the source's.
    Checkpoints and cosignatures are copied too. The target must be empty; the copy is one
    transaction, so an interrupted migration leaves nothing behind. Stop every writer first.

    \b
    Examples:
      lifeledger migrate --from lifeledger.db \\
          --to 'postgresql://ledger@db.example:5432/ledger?schema=hunan'
      lifeledger migrate --from 'postgresql://ledger@db/ledger' --to copy.db
    """
    from ledger.migrate import migrate
    from ledger.storage.store import StoreConfig

    src, dst = StoreConfig.parse(source), StoreConfig.parse(target)
    settings()  # resolves --json
    with _phases() as on_progress:
        report = migrate(src, dst, progress=on_progress)
    for warning in report.warnings():
        info(_("Warning: {warning}").format(warning=warning))
    emit(report.to_dict(), report.summary)


commands: list[click.Command] = [migrate_command]
