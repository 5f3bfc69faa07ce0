"""What every command shares: the store and key options, opening the application, output.

The CLI only parses, calls ``ledger``/``projections`` and prints. Expected failures are
``LedgerError``s (and the store's own errors); :class:`LedgerGroup` turns them into
``Error: ...`` on stderr and exit 1, never a traceback. Bad usage is click's exit 2.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli import click_text
from cli.help_format import HelpContext
from cli.redact import redact
from cli.terminal import colour
from ledger.errors import InvalidInputError, KeyFileError, LedgerError, StoreError, first_line
from ledger.i18n import N_, _, bracketed, language

if TYPE_CHECKING:  # the heavy modules load only when a command needs them (instant --help)
    from ledger.application import LedgerApplication
    from ledger.commands import Outcome
    from ledger.signing.signatures import Signer
    from ledger.storage.store import StoreConfig
    from projections.api import Projections

DEFAULT_DB = "lifeledger.db"
#: Texts click looks up in the catalog by a name it holds, so not found by extraction.
CLICK_TEXTS = (N_("required"),)
F = TypeVar("F", bound=Callable[..., Any])


class LedgerGroup(click.Group):
    """A click group that reports expected failures as ``Error: ...`` (exit 1), never a
    traceback: ledger errors, store failures, unreadable files, an interrupt.

    Its command list shows each command's first line whole: click would cut it at the first
    full stop, which in this tool is usually the one in "Art. 4"."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            known = self.listed_help(ctx, name)
            if known is not None:  # listed without importing the command's module
                rows.append((name, known))
                continue
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.short_help or _first_paragraph(command.help or "")))
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def listed_help(self, ctx: click.Context, name: str) -> str | None:
        """A command's one-line help when known without loading it (see ``cli.main``)."""
        return None

    def invoke(self, ctx: click.Context) -> Any:

        try:
            return self._invoke(ctx)
        except click.ClickException as e:  # passwords never appear in messages
            masked = redact(e.message, _passwords(ctx))
            if masked == e.message:
                raise
            e.args = (masked,)
            vars(e)["message"] = masked
            raise

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as e:
            raise _refusal(ctx, str(e), e) from e
        except sqlite3.Error as e:
            message = _("the store failed: {first_line}").format(first_line=first_line(e))
            raise _refusal(ctx, message, StoreError) from e
        except (UnicodeEncodeError, UnicodeDecodeError) as e:  # e.g. a lone surrogate
            message = _("text that is not valid Unicode: {reason}").format(reason=e.reason)
            raise _refusal(ctx, message, InvalidInputError) from e
        except BrokenPipeError:  # `lifeledger ... | head`: the reader has what it wanted
            _silence_stdout()
            raise click.exceptions.Exit(1) from None
        except OSError as e:
            where = bracketed("", str(e.filename)) if e.filename else ""
            raise _refusal(ctx, f"{e.strerror or e}{where}", InvalidInputError) from e
        except KeyboardInterrupt:
            raise click.ClickException(_("interrupted; nothing more was written")) from None
        except Exception as e:
            if _is_persistence_error(e):
                message = _("the store failed: {first_line}").format(first_line=first_line(e))
                raise _refusal(ctx, message, StoreError) from e
            if type(e).__module__.startswith("psycopg"):  # connection lost mid-command
                message = _("PostgreSQL failed: {first_line}").format(first_line=first_line(e))
                raise _refusal(ctx, message, StoreError) from e
            raise


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush at exit cannot fail
    on a closed pipe (the Python documentation's advice for SIGPIPE)."""
    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _refusal(
    ctx: click.Context, message: str, error: LedgerError | type[LedgerError]
) -> click.ClickException:
    """The refusal as printed: ``Error: ...``, or under ``--json`` a JSON object."""
    obj = ctx.find_object(Settings)
    if obj is None or not obj.json:
        return click.ClickException(message)
    return JsonError(message, error if isinstance(error, LedgerError) else error(message))


def show_json_error(e: click.ClickException) -> None:
    """Any refusal under ``--json``, bad usage included: one JSON object on stderr with the
    same keys (``error``, ``kind``, ``article``, ``rule``; ``hint`` and ``usage`` where known)."""
    if isinstance(e, JsonError):
        e.show()
        return
    doc: dict[str, Any] = {"error": click_text.message(e), "kind": "Error", "article": None,
                           "rule": None}  # fmt: skip
    if isinstance(e, click.UsageError):
        doc["kind"] = "UsageError"
        if e.ctx is not None:
            doc["hint"] = _("Try '{command} {option}' for help.").format(
                command=e.ctx.command_path, option=e.ctx.help_option_names[0]
            )
            doc["usage"] = e.ctx.get_usage()
    click.echo(json.dumps(doc, ensure_ascii=False, default=json_default), err=True)


class JsonError(click.ClickException):
    """A refused command under ``--json``: one JSON object on stderr (exit 1) with the
    message, the error's kind and, for a rule of the Measures, its article and rule; for a
    failed verification, where (log position, table, row)."""

    def __init__(self, message: str, error: LedgerError) -> None:
        super().__init__(message)
        self.error = error

    def show(self, file: Any = None) -> None:
        e = self.error
        doc: dict[str, Any] = {"error": self.message, "kind": type(e).__name__}
        doc["article"] = getattr(e, "article", None) or None
        doc["rule"] = getattr(e, "rule", None)
        hint = getattr(e, "hint", "")
        if hint:
            doc["hint"] = hint
        where = getattr(e, "where", None)
        if where:
            doc["where"] = where
        click.echo(json.dumps(doc, ensure_ascii=False, default=json_default), err=True)


def _is_persistence_error(e: Exception) -> bool:
    """The store library's own failure. Checked without importing the library: when it was
    never loaded (``--help``, completion), nothing it raised can be on the way up."""
    persistence = sys.modules.get("eventsourcing.persistence")
    return persistence is not None and isinstance(e, persistence.PersistenceError)


def _passwords(ctx: click.Context) -> tuple[str, ...]:
    """The passwords of the database connection strings in this context's options (``--db``,
    ``--from``, ``--to``), masked wherever they appear, not only inside a URL."""
    from ledger.storage.store import StoreConfig, is_postgres

    found: list[str] = []
    for value in ctx.params.values():
        if isinstance(value, str) and is_postgres(value):
            with suppress(LedgerError, ValueError):
                found.append(StoreConfig.parse(value).password)
    return tuple(p for p in found if p)


def translate_help(command: click.Command) -> click.Command:
    """``command``'s docstring help (and its subcommands') in the user's language, when the
    command is loaded; texts given as ``help=_(...)`` are translated already. The English
    texts are kept, so a language changed in the same process (tests) is followed. Help pages
    are wrapped by display width (``cli.help_format``: a Chinese character takes two columns)."""
    state = vars(command)
    if command.context_class is not HelpContext:
        command.context_class = HelpContext
        for sub in getattr(command, "commands", {}).values():
            translate_help(sub)
    language_now = language()
    if state.get("help_language", "en") == language_now:
        return command
    original = state.setdefault("english_help", (command.help, command.short_help, command.epilog))
    text, short, epilog = original
    command.help = _(inspect.cleandoc(text)) if text else text
    command.short_help = _(short) if short else short
    command.epilog = _(epilog) if epilog else epilog
    if language_now == "en":
        command.help, command.short_help, command.epilog = original
    state["help_language"] = language_now
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub)
    return command


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


@dataclass
class Settings:
    """Global options, resolved once per invocation."""

    db: str = DEFAULT_DB
    key: str | None = None
    json: bool = False
    _apps: list[LedgerApplication] = field(default_factory=list)

    @property
    def store(self) -> StoreConfig:
        from ledger.storage.store import StoreConfig

        return StoreConfig.parse(self.db)

    def open(self, *, signed: bool = True, must_exist: bool = True) -> LedgerApplication:
        """Open the ledger; with ``signed``, load the signer key (passphrase asked if needed)."""
        from ledger.application import LedgerApplication

        store = self.store
        if store.kind == "sqlite":
            store.check_sqlite_file(must_exist=must_exist)
        signer = self.signer() if signed else None
        app = LedgerApplication(store, signer)
        self._apps.append(app)
        if must_exist and not app.is_initialised():
            raise StoreError(
                _("{describe} holds no ledger; run `lifeledger init` first").format(
                    describe=store.describe()
                )
            )
        return app

    def signer(self) -> Signer:
        from ledger.signing.signatures import Signer

        if not self.key:
            raise KeyFileError(
                _(
                    "no signer key given: use --key PATH or set LIFELEDGER_KEY "
                    "(every event is signed by the official who records it)"
                )
            )
        return Signer.load(
            Path(self.key), passphrase(_("Passphrase for {key}").format(key=self.key))
        )

    def close(self) -> None:
        for app in self._apps:
            app.close()


def passphrase(prompt: str, *, confirm: bool = False) -> str:
    """From LIFELEDGER_PASSPHRASE, else a hidden prompt on a terminal."""
    value = os.environ.get("LIFELEDGER_PASSPHRASE")
    if value is not None:
        return value
    return _prompt_secret(prompt, confirm, "LIFELEDGER_PASSPHRASE")


def new_passphrase(prompt: str) -> str:
    """For a key being made for someone: LIFELEDGER_NEW_PASSPHRASE, else a hidden prompt
    with confirmation. Never the signer's own LIFELEDGER_PASSPHRASE: two people, two secrets."""
    value = os.environ.get("LIFELEDGER_NEW_PASSPHRASE")
    if value is not None:
        if not value:
            raise KeyFileError(_("LIFELEDGER_NEW_PASSPHRASE is empty; a key needs a passphrase"))
        return value
    return _prompt_secret(prompt, True, "LIFELEDGER_NEW_PASSPHRASE")


def passphrase_prompt(prompt: str) -> str:
    """A new secret typed twice on the terminal."""
    return _prompt_secret(prompt, True, "")


def _prompt_secret(prompt: str, confirm: bool, variable: str) -> str:
    if not sys.stdin.isatty():
        raise KeyFileError(
            _("no passphrase: set {variable} or run on a terminal").format(variable=variable)
        )
    value = str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))
    if not value:
        raise KeyFileError(_("an empty passphrase does not protect a key"))
    return value


def settings() -> Settings:
    ctx = click.get_current_context()
    obj = ctx.find_object(Settings)
    if obj is None:  # a command invoked outside the `lifeledger` group (tests, embedding)
        obj = ctx.ensure_object(Settings)
    return obj


def open_projections(app: LedgerApplication) -> Projections:
    """Read models, caught up with the log before any query (they are never stale)."""
    from projections.api import Projections

    p = Projections(app, reading=True)
    click.get_current_context().call_on_close(p.close)
    p.catch_up()
    p.after_read = lambda: check_not_gone_back(app)
    return p


def check_not_gone_back(app: LedgerApplication) -> None:
    """After a read's own checks: refuse a ledger that went back since this workstation last
    read it, then remember it (``ledger.transparency.seen``; ``checkpoint forget``)."""
    from ledger.transparency.seen import check_seen

    check_seen(app)


# running commands -------------------------------------------------------------------------
def record(command: str, fields: Mapping[str, Any]) -> Outcome:
    """Run a recording command through the same table ``import`` uses, and print it."""
    ctx = click.get_current_context()
    if getattr(ctx.command.callback, "party_either", False) and (
        bool(fields.get("person")) == bool(fields.get("unit"))
    ):
        raise click.UsageError(_("name the party: --person PERSONNEL_NO or --unit UNIT_CODE"))
    from ledger.commands import execute

    app = settings().open()
    outcome = execute(app, command, fields)
    for warning in outcome.warnings:
        info(_("Warning: {warning}").format(warning=warning))
    emit({"command": command, **outcome.data, "warnings": list(outcome.warnings)}, outcome.summary)
    return outcome


def json_default(o: Any) -> Any:
    """How every JSON output writes dates, enums, bytes, paths, sets and dataclasses."""
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    if isinstance(o, Enum):
        return o.value
    if isinstance(o, bytes):
        return o.hex()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    if hasattr(o, "__dataclass_fields__"):
        return {k: getattr(o, k) for k in o.__dataclass_fields__}
    return str(o)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=json_default)


def emit(data: Any, text: str | Callable[[], str]) -> None:
    """One JSON document on stdout with --json; human text otherwise (its colours only on a
    terminal, and not under NO_COLOR)."""
    if settings().json:
        click.echo(to_json(data))
    else:
        click.echo(text() if callable(text) else text, color=colour())


def info(message: str) -> None:
    """Messages go to stderr, so stdout stays clean for data."""
    click.echo(message, err=True)


#: The colour of a row that needs attention, by its kind.
