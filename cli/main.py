"""Entry point: global options and the command groups."""

from __future__ import annotations

import click

from cli.common import DEFAULT_DB, LedgerGroup, Settings


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="LIFELEDGER_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="Ledger store: a file path (SQLite) or a postgresql://user@host:port/db URL.",
)
@click.option(
    "--key",
    envvar="LIFELEDGER_KEY",
    type=click.Path(dir_okay=False),
    help="Signer's encrypted private key (PKCS#8). Passphrase from LIFELEDGER_PASSPHRASE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.version_option(package_name="lifeledger")
@click.pass_context
def cli(ctx: click.Context, db: str, key: str | None, as_json: bool) -> None:
    """lifeledger — signed audit ledger of petition-work accountability
    (湖南省信访工作责任追究办法, 2016)."""
    settings = Settings(db=db, key=key, json=as_json)
    ctx.obj = settings
    ctx.call_on_close(settings.close)


def main() -> None:
    cli(prog_name="lifeledger")


def _register() -> None:
    from cli import admin, audit, cases, keys, migrate, registry, reports

    for module in (admin, keys, registry, cases, reports, audit, migrate):
        for command in module.commands:
            cli.add_command(command)


_register()
