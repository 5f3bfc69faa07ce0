"""Command: ``db-roles`` — the SQL that creates a PostgreSQL ledger's database roles
(owner, writer, reader, auditor) and its append-only triggers (:mod:`ledger.storage.roles`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.common import settings
from ledger.i18n import _

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    pass


@click.command("db-roles")
@click.option(
    "--prefix",
    default="ledger",
    show_default=True,
    help=_("Role names: PREFIX_owner, PREFIX_writer, PREFIX_reader, PREFIX_auditor."),
)
def db_roles(prefix: str) -> None:
    """SQL for a PostgreSQL ledger's roles: writers only append, readers only read.

    A DBA runs it with psql after `init` and `projections rebuild`; it also makes the
    ledger's tables append-only with triggers.

    Writers may only append; readers and auditors only read; none may alter or drop a table
    or a trigger. Then create one login per workstation or auditor, e.g.
    `CREATE ROLE ws_changsha_01 LOGIN IN ROLE ledger_writer;`.
    """
    from ledger.errors import InvalidInputError
    from ledger.storage.roles import roles_sql

    store = settings().store
    if store.kind != "postgres":
        raise InvalidInputError(
            _("database roles are for a PostgreSQL ledger: give --db postgresql://…")
        )
    click.echo(roles_sql(store.schema, prefix), nl=False)


commands: list[click.Command] = [db_roles]
