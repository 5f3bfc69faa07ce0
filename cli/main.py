"""Entry point: global options and the command groups."""

from __future__ import annotations

import click

from cli.common import DEFAULT_DB, LedgerGroup, Settings

EPILOG = """\b
Environment:
  LIFELEDGER_DB          the store, as --db
  LIFELEDGER_KEY         the signer's key file, as --key
  LIFELEDGER_PASSPHRASE  the passphrase of that key (else asked, hidden)
  LIFELEDGER_NEW_PASSPHRASE  for keys made by `key add` / `key rotate`

\b
Start with:  lifeledger demo && lifeledger verify
Shell completion (bash; zsh and fish likewise):
  eval "$(_LIFELEDGER_COMPLETE=bash_source lifeledger)"
"""


@click.group(
    cls=LedgerGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.option(
    "--db",
    envvar="LIFELEDGER_DB",
    default=DEFAULT_DB,
    show_default=True,
    metavar="PATH|URL",
    help="Ledger store: a file path (SQLite) or postgresql://user@host:port/db[?schema=name].",
)
@click.option(
    "--key",
    envvar="LIFELEDGER_KEY",
    type=click.Path(dir_okay=False),
    help="The signer's encrypted private key (PKCS#8); needed to record anything.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.version_option(package_name="lifeledger")
@click.pass_context
def cli(ctx: click.Context, db: str, key: str | None, as_json: bool) -> None:
    """lifeledger — signed audit ledger of petition-work accountability
    (湖南省信访工作责任追究办法, 湘办发〔2016〕29号).

    Every action is one event signed by the official who records it; nothing is ever
    changed or deleted. Errors print `Error: ...` and exit 1; bad usage exits 2.
    """
    settings = Settings(db=db, key=key, json=as_json)
    ctx.obj = settings
    ctx.call_on_close(settings.close)


def main() -> None:
    cli(prog_name="lifeledger")


def _register() -> None:
    from cli import admin, audit, cases, documents, keys, migrate, registry, reports

    for module in (admin, keys, registry, cases, reports, documents, audit, migrate):
        for command in module.commands:
            cli.add_command(command)


_register()
