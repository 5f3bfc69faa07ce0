"""The options and arguments the commands share: dates, Art. 4 grounds, enum choices, the party
and case arguments, ``--json``, and completion of case numbers, personnel numbers and unit
codes from the ledger.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from cli.click_text import chinese
from cli.click_types import Choice, PathType
from cli.common import DEFAULT_DB, F, settings
from ledger.i18n import _

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


class FileOutType(PathType):
    """A file to write: an empty argument names no file, and is refused as bad usage."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail(_("an empty path names no file"), param, ctx)
        return super().convert(value, param, ctx)


#: An output file option's type (``--key-out``, ``--public-out``, ``--out``).
FILE_OUT = FileOutType(dir_okay=False, path_type=Path)


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


def choice_of(enum: type[Enum]) -> Choice:
    return Choice(
        [str(m.value) for m in enum],
        case_sensitive=False,
        labels={str(m.value): str(getattr(m, "label", "")) for m in enum},
    )


def describe_choices(enum: type[Enum]) -> str:
    """``a (甲), b (乙)`` — the values with their Chinese labels, for the help of an option
    that takes them: the user types the code, so it stays beside its label. In Chinese
    ``a（甲）、b（乙）``."""
    if chinese():
        return "、".join(f"{m.value}（{getattr(m, 'label', '')}）" for m in enum)
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
    """An identifier as recorded: the domain's one rule (imported here, not at start-up)."""
    from ledger.domain.identifiers import written_form

    return written_form(value)


def case_argument(f: F) -> F:
    return click.argument(
        "case_no", metavar="CASE_NO", shell_complete=complete_case, callback=_written_form
    )(f)


def on_option(help: str, *, also: str = "") -> Callable[[F], F]:
    """``--on DATE``: the business date (Asia/Shanghai) the act happened, always explicit."""
    names = ["--on", also] if also else ["--on"]
    return date_option(*names, "on", help=help)


def date_option(*names: str, help: str) -> Callable[[F], F]:
    """A business date (Asia/Shanghai) the command needs, always given (``--since DATE``)."""
    return click.option(*names, type=DATE, required=True, metavar="DATE", help=help)


def party_step(on_help: str, *, unit: bool = True) -> Callable[[F], F]:
    """A step on one party of a case: ``CASE_NO``, the party (``--person``, or ``--unit`` where
    a unit may be the party) and ``--on DATE``, explained by ``on_help``."""

    def decorate(f: F) -> F:
        return case_argument(party_options(unit=unit)(on_option(on_help)(f)))

    return decorate
