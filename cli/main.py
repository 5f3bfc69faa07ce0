"""Entry point: global options and the command groups, loaded only when used.

``lifeledger --help`` and shell completion of command names import none of the ledger: each
command's module is imported when that command runs (click's lazy-group pattern, as pip and llm
use). ``COMMANDS`` names each top-level command's module and attribute and its one-line help;
a test checks it against the commands themselves.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any, Final

import click
from click.shell_completion import CompletionItem

from cli import click_text
from cli.click_types import PathType
from cli.common import DEFAULT_DB, LedgerGroup, Settings, show_json_error, translate_help
from cli.options import with_json
from ledger.i18n import N_, _

#: name -> (module, attribute, one-line help as in the command's own docstring).
COMMANDS: Final[dict[str, tuple[str, str, str]]] = {
    "init": (
        "cli.admin",
        "init",
        N_("Create a new, empty ledger in --db, its root key and its recovery key."),
    ),
    "demo": (
        "cli.demo",
        "demo",
        N_("Build a sample ledger in --db (which must be new or empty) to try lifeledger on."),
    ),
    "import": (
        "cli.imports",
        "import_",
        N_("Record historical actions from a JSON Lines FILE ('-' for stdin), signed by --key."),
    ),
    "projections": (
        "cli.admin",
        "projections",
        N_("The read models (case states, cadre histories, deadlines, ratings, reports)."),
    ),
    "key": (
        "cli.keys",
        "key",
        N_("Signer keys: every event is signed by the key of the official who recorded it."),
    ),
    "unit": (
        "cli.registry",
        "unit",
        N_("Units (单位) of the nine kinds of Art. 2, and their annual rating (Art. 13)."),
    ),
    "cadre": (
        "cli.registry",
        "cadre",
        N_("Cadres (干部): one record for life, whatever posts they hold (Art. 8)."),
    ),
    "case": (
        "cli.cases",
        "case",
        N_(
            "Accountability cases (信访工作责任追究案件): open, assign, hear, decide, appeal, "
            "close."
        ),
    ),
    "deadlines": (
        "cli.deadlines",
        "deadlines",
        N_(
            "Legal periods still running or missed, and duties outstanding: announcement "
            "within 30 days (Art. 11), appeal within 15 days of receipt, its decision and the "
            "written notice of it within 30 days (Art. 12); a person's personnel-file entry "
            "from the announcement until it is recorded (Art. 11, no period set)."
        ),
    ),
    "report": (
        "cli.reports",
        "report",
        N_("Reports for the Party committee and government (Art. 14)."),
    ),
    "document": (
        "cli.documents",
        "document_group",
        N_(
            "Documents to file and print (Art. 10, 11, 12), each bound to the ledger by a "
            "verification code (核验码) and its QR code; checked with `document verify`/`check`."
        ),
    ),
    "verify": (
        "cli.audit",
        "verify_command",
        N_(
            "Verify the whole ledger: every signature, each key valid and authorised at its "
            "position (Art. 6), versions contiguous, the Merkle tree against every checkpoint "
            "(RFC 9162), and every event replayed through the Measures' rules (an act they forbid "
            "is named)."
        ),
    ),
    "checkpoint": (
        "cli.checkpoints",
        "checkpoint_group",
        N_("Signed checkpoints of the Merkle log (C2SP tlog-checkpoint); alone: make one."),
    ),
    "bundle": ("cli.audit", "bundle_group", N_("Self-contained audit bundles, verified offline.")),
    "proof": (
        "cli.proofs",
        "proof_group",
        N_("Proofs of one person's or one case's events, checkable on their own (RFC 9162)."),
    ),
    "migrate": (
        "cli.migrate",
        "migrate_command",
        N_("Copy a ledger between stores byte for byte, then verify the copy."),
    ),
    "db-roles": (
        "cli.roles",
        "db_roles",
        N_("SQL for a PostgreSQL ledger's roles: writers only append, readers only read."),
    ),
}


class LazyGroup(LedgerGroup):
    """The top-level group: commands listed from ``COMMANDS``, imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        command = getattr(importlib.import_module(entry[0]), entry[1])
        if not isinstance(command, click.Command):
            raise TypeError(
                _("{value}.{value2} is not a click command").format(value=entry[0], value2=entry[1])
            )
        return with_json(translate_help(command))

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names complete from the table, without importing any command's module."""
        names = [
            CompletionItem(name, help=_(entry[2]))
            for name, entry in COMMANDS.items()
            if name.startswith(incomplete) and name not in self.commands
        ]
        # Options as any command completes them; Group's own would import the matching modules.
        return names + click.Command.shell_complete(self, ctx, incomplete)

    def listed_help(self, ctx: click.Context, name: str) -> str | None:
        entry = COMMANDS.get(name)
        return _(entry[2]) if entry and name not in self.commands else None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's ``main``, except that under ``--json`` (anywhere on the line) every refusal,
        bad usage included, is one JSON object on stderr: click would print usage text for an
        unknown option or a missing argument before any command could see ``--json``."""
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, False, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except click.ClickException as e:
            if "--json" in argv[: argv.index("--") if "--" in argv else len(argv)]:
                show_json_error(e)
            else:
                click_text.show(e)
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo(_("Aborted!"), err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


EPILOG = N_("""\b
Environment:
  LIFELEDGER_DB          the store, as --db
  LIFELEDGER_KEY         the signer's key file, as --key
  LIFELEDGER_PASSPHRASE  the passphrase of that key (else asked, hidden)
  LIFELEDGER_NEW_PASSPHRASE  for keys made by `key add` / `key rotate`
  LIFELEDGER_LANG        the language: zh_CN or en (default: the locale's)

\b
Start with:  lifeledger demo && lifeledger verify
Shell completion (bash; zsh and fish likewise):
  eval "$(_LIFELEDGER_COMPLETE=bash_source lifeledger)"
""")


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.option(
    "--db",
    envvar="LIFELEDGER_DB",
    default=DEFAULT_DB,
    show_default=True,
    metavar="PATH|URL",
    help=_(
        "Ledger store: a file path (SQLite), or PostgreSQL as a libpq URL "
        "(postgresql://user@host:port/db?schema=name) or key=value string (host=... dbname=... "
        "schema=name); PG* variables and ~/.pgpass apply."
    ),
)
@click.option(
    "--key",
    envvar="LIFELEDGER_KEY",
    type=PathType(dir_okay=False),
    help=_("The signer's encrypted private key (PKCS#8); needed to record anything."),
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help=_(
        "Print one JSON document on stdout (errors: one JSON object on stderr); also "
        "accepted after the command."
    ),
)
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


translate_help(cli)


def main() -> None:
    cli(prog_name="lifeledger")
