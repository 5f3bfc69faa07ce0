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
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.shell_completion import CompletionItem

from cli.redact import redact
from ledger.errors import InvalidInputError, KeyFileError, LedgerError, StoreError, first_line
from ledger.i18n import N_, _, language

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
            where = f" ({e.filename})" if e.filename else ""
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
    doc: dict[str, Any] = {"error": e.format_message(), "kind": "Error", "article": None,
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
    texts are kept, so a language changed in the same process (tests) is followed."""
    state = vars(command)
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

    p = Projections(app)
    click.get_current_context().call_on_close(p.close)
    p.catch_up()
    return p


# parameter types ------------------------------------------------------------------------
if TYPE_CHECKING:  # click >= 8.2 types its ParamType by value; older click is not generic
    _DateParam = click.ParamType[dt.date]
    _TextParam = click.ParamType[str]
else:
    _DateParam = _TextParam = click.ParamType


class DateType(_DateParam):
    """An ISO calendar date (YYYY-MM-DD), as business dates are given (Asia/Shanghai)."""

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(
                _("{value!r} is not a date; use YYYY-MM-DD, e.g. 2024-03-15").format(value=value),
                param,
                ctx,
            )


DATE = DateType()


class GroundType(_TextParam):
    """An Art. 4 ground: 1–16 or its numeral (十一). Checked by the case itself, so that an
    unknown number is refused under Art. 4 rather than as bad usage."""

    name = "ground"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return str(value)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from ledger.domain.regulation import GROUNDS

        return [
            CompletionItem(str(n), help=f"{g.label}{g.text}")
            for n, g in GROUNDS.items()
            if str(n).startswith(incomplete)
        ]


GROUND = GroundType()


def choice_of(enum: type[Enum]) -> click.Choice[str]:
    return click.Choice([str(m.value) for m in enum], case_sensitive=False)


def describe_choices(enum: type[Enum]) -> str:
    """``a (甲), b (乙)`` — the values with their Chinese labels, for help texts."""
    return ", ".join(f"{m.value} ({getattr(m, 'label', '')})" for m in enum)


# completion from the ledger ---------------------------------------------------------------
def _complete_from(kind: str) -> Any:
    """Complete ids (case numbers, personnel numbers, unit codes) from the ledger in --db,
    read from the log with the store opened read-only (completion never writes, and needs
    no read model); silently nothing when it cannot be read (it must never fail loudly)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        root = ctx.find_root()
        db = root.params.get("db") or os.environ.get("LIFELEDGER_DB") or DEFAULT_DB
        try:
            from ledger.application import LedgerApplication
            from ledger.storage.lookalikes import Lookalikes
            from ledger.storage.store import StoreConfig

            # SQLite opened read-only, PostgreSQL sessions read-only (this process is the
            # shell's completion call, so the setting ends with it).
            store = replace(StoreConfig.parse(str(db)), read_only=True)
            if store.kind == "sqlite":
                store.check_sqlite_file(must_exist=True)
            else:
                os.environ["PGOPTIONS"] = "-c default_transaction_read_only=on"
            app = LedgerApplication(store)
            try:
                found = Lookalikes(app).all(kind)
            finally:
                app.close()
            return sorted(v for v in found if v.startswith(incomplete))
        except Exception:
            return []

    return complete


complete_case = _complete_from("case")


# shared options ---------------------------------------------------------------------------
def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        settings().json = True


def _json_parameter() -> click.Option:
    return click.Option(
        ["--json", "as_json"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_json,
        help=_("Print one JSON document on stdout (errors: one JSON object on stderr)."),
    )


def json_option(f: F) -> F:
    """``--json`` after the command as well as before it (``lifeledger --json ...``)."""
    f.__dict__.setdefault("__click_params__", []).append(_json_parameter())
    return f


def with_json(command: click.Command) -> click.Command:
    """``command`` and every command under it accept ``--json`` after their name (the README
    promises it before or after the command, everywhere)."""
    if not any(p.name == "as_json" for p in command.params):
        command.params.append(_json_parameter())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_json(sub)
    return command


def party_options(*, unit: bool = True) -> Callable[[F], F]:
    """``--person P001`` or ``--unit CS-XF``: exactly one names the party (Art. 5)."""

    def decorate(f: F) -> F:
        f.__dict__["party_either"] = unit  # checked by record(): exactly one of the two
        if unit:
            f = click.option(
                "--unit",
                metavar="UNIT_CODE",
                help=_("The party is this unit (集体责任). Give --person or --unit."),
            )(f)
        return click.option(
            "--person",
            required=not unit,
            metavar="PERSONNEL_NO",
            help=_("The party is this cadre (personnel number).")
            + (_(" Give --person or --unit.") if unit else ""),
        )(f)

    return decorate


def _written_form(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An identifier as recorded: NFKC, no outer whitespace (ledger.domain.identifiers)."""
    return unicodedata.normalize("NFKC", value).strip()


def case_argument(f: F) -> F:
    return click.argument(
        "case_no", metavar="CASE_NO", shell_complete=complete_case, callback=_written_form
    )(f)


def on_option(help: str, *, also: str = "") -> Callable[[F], F]:
    """``--on DATE``: the business date (Asia/Shanghai) the act happened, always explicit."""
    names = ["--on", also] if also else ["--on"]
    return click.option(*names, "on", type=DATE, required=True, metavar="DATE", help=help)


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
COLOURS = {"overdue": "red", "failed": "red", "revoked": "yellow"}
#: A column is narrowed to this many display columns at the least before columns are dropped.
MIN_COLUMN = 12


def colour() -> bool | None:
    """False under NO_COLOR (https://no-color.org); otherwise click decides: a terminal only."""
    return False if os.environ.get("NO_COLOR") else None


def paint(text: str, kind: str | None) -> str:
    """``text`` in the colour of its kind (``COLOURS``); unchanged for None."""
    return click.style(text, fg=COLOURS[kind]) if kind else text


def terminal_width() -> int | None:
    """The width tables must fit: ``COLUMNS`` when set, else the terminal's; None when the
    output is not a terminal (a file or a pipe takes whole lines)."""
    given = os.environ.get("COLUMNS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    if sys.stdout.isatty():
        return os.get_terminal_size(sys.stdout.fileno()).columns
    return None


def table(
    headers: list[str],
    rows: Iterable[Iterable[Any]],
    kinds: Iterable[str | None] = (),
    width: int | None = -1,
    drop: Sequence[str] = (),
) -> str:
    """A plain text table that lines up CJK text (two columns per wide character) and fits
    ``width`` (default: :func:`terminal_width`): long columns wrap, widest first; if that is
    not enough, columns are left out — those named in ``drop`` first, then from the right —
    with a note naming them. ``kinds`` colours rows (:func:`paint`)."""
    body = [[cell_text(c) for c in row] for row in rows]
    marks = list(kinds) + [None] * len(body)
    natural = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(headers)]
    limit = terminal_width() if width == -1 else width
    keep = list(range(len(headers)))
    optional = [headers.index(_(h)) for h in drop]  # ``drop`` names them in English
    order = [*optional, *keep[::-1]]

    def total() -> int:
        return sum(natural[i] for i in keep) + 2 * (len(keep) - 1)

    while limit is not None and total() > limit and any(i in keep for i in optional):
        keep.remove(next(i for i in optional if i in keep))  # before anything wraps
    while True:
        widths = [natural[i] for i in keep]
        if limit is None or _fit(widths, [headers[i] for i in keep], limit) or len(keep) == 1:
            break
        keep.remove(next(i for i in order if i in keep))
    dropped = [h for i, h in enumerate(headers) if i not in keep]
    lines = [_pad_row([headers[i] for i in keep], widths), "  ".join("-" * w for w in widths)]
    for row, kind in zip(body, marks, strict=False):
        parts = [_wrap(row[i], w) for i, w in zip(keep, widths, strict=True)]
        for k in range(max(len(p) for p in parts)):
            line = _pad_row([p[k] if k < len(p) else "" for p in parts], widths)
            lines.append(paint(line, kind))
    if dropped:
        lines.append(_("(not shown: {join}; see --format csv)").format(join=", ".join(dropped)))
    return "\n".join(lines)


def _fit(widths: list[int], headers: list[str], limit: int) -> bool:
    """Narrow the widest columns in place (not below ``MIN_COLUMN`` or their header) until
    the row fits ``limit``; False if it cannot."""
    floor = [min(w, max(MIN_COLUMN, _width(h))) for w, h in zip(widths, headers, strict=True)]
    excess = sum(widths) + 2 * (len(widths) - 1) - limit
    while excess > 0:
        i = max(range(len(widths)), key=lambda j: (widths[j] - floor[j], widths[j]))
        if widths[i] <= floor[i]:
            return False
        widths[i] -= 1
        excess -= 1
    return True


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` display columns, broken at a space or after a
    comma or 、 where one falls in the line, else between characters."""
    lines: list[str] = []
    while _width(text) > width:
        cut, used = 0, 0
        for i, ch in enumerate(text):
            used += _width(ch)
            if used > width:
                break
            cut = i + 1
        space = max(text.rfind(c, 0, cut + 1) + (c != " ") for c in " ,、")
        if 0 < space <= cut:
            cut = space
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*lines, text] if text or not lines else lines


def cell_text(value: Any) -> str:
    """One value as every table and text format shows it (labels for enums, — for none)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(getattr(value, "label", value.value))
    return " ".join(str(value).split())


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=False)
    ).rstrip()


def interactive() -> bool:
    """Progress bars only on a terminal; piped output stays clean."""
    return sys.stderr.isatty()


@contextmanager
def progress(items: Iterable[Any], length: int | None, label: str) -> Iterator[Iterable[Any]]:
    """A progress bar on a terminal (stderr), none when piped."""
    if interactive():
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield items


@contextmanager
def progress_callback(label: str) -> Iterator[Callable[[int, int], None]]:
    """A ``(done, total)`` callback that drives a progress bar on a terminal, else nothing."""
    if not interactive():
        yield lambda done, total: None
        return
    bar: Any = None
    position = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, position
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
        bar.length = max(total, 1)
        bar.update(done - position)
        position = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
