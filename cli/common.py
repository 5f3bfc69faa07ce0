"""What every command shares: the store and key options, opening the application, output.

The CLI only parses, calls ``ledger``/``projections`` and prints. Expected failures are
``LedgerError``s; :class:`LedgerGroup` turns them into ``Error: ...`` on stderr and exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import click

from ledger.application import LedgerApplication
from ledger.errors import KeyFileError, LedgerError
from ledger.signing import Signer
from ledger.store import StoreConfig

DEFAULT_DB = "lifeledger.db"
F = TypeVar("F", bound=Callable[..., Any])


class LedgerGroup(click.Group):
    """A click group that reports ledger errors as ``Error: ...`` (exit 1), never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as e:
            raise click.ClickException(str(e)) from e
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; nothing more was written") from None


@dataclass
class Settings:
    """Global options, resolved once per invocation."""

    db: str = DEFAULT_DB
    key: str | None = None
    json: bool = False
    _apps: list[LedgerApplication] = field(default_factory=list)

    @property
    def store(self) -> StoreConfig:
        return StoreConfig.parse(self.db)

    def open(self, *, signed: bool = True, must_exist: bool = True) -> LedgerApplication:
        """Open the ledger; with ``signed``, load the signer key (passphrase asked if needed)."""
        store = self.store
        if store.kind == "sqlite":
            store.check_sqlite_file(must_exist=must_exist)
        signer = self.signer() if signed else None
        app = LedgerApplication(store, signer)
        self._apps.append(app)
        if must_exist and not app.is_initialised():
            raise LedgerError(f"{store.describe()} holds no ledger; run `lifeledger init` first")
        return app

    def signer(self) -> Signer:
        if not self.key:
            raise KeyFileError(
                "no signer key given: use --key PATH or set LIFELEDGER_KEY "
                "(every event is signed by the official who records it)"
            )
        return Signer.load(Path(self.key), passphrase(f"Passphrase for {self.key}"))

    def close(self) -> None:
        for app in self._apps:
            app.close()


def passphrase(prompt: str, *, confirm: bool = False) -> str:
    """From LIFELEDGER_PASSPHRASE, else a hidden prompt on a terminal."""
    value = os.environ.get("LIFELEDGER_PASSPHRASE")
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise KeyFileError("no passphrase: set LIFELEDGER_PASSPHRASE or run on a terminal")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def settings() -> Settings:
    ctx = click.get_current_context()
    obj = ctx.find_object(Settings)
    assert obj is not None
    return obj


class DateType(click.ParamType):
    """An ISO calendar date (YYYY-MM-DD), as business dates are given (Asia/Shanghai)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2024-03-15", param, ctx)


DATE = DateType()


def choice_of(enum: type[Enum]) -> click.Choice[str]:
    return click.Choice([str(m.value) for m in enum], case_sensitive=False)


def _default(o: Any) -> Any:
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    if isinstance(o, Enum):
        return o.value
    if isinstance(o, bytes):
        return o.hex()
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    if hasattr(o, "__dataclass_fields__"):
        return {k: getattr(o, k) for k in o.__dataclass_fields__}
    return str(o)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def emit(data: Any, text: str | Callable[[], str]) -> None:
    """One JSON document on stdout with --json; human text otherwise."""
    if settings().json:
        click.echo(to_json(data))
    else:
        click.echo(text() if callable(text) else text)


def info(message: str) -> None:
    """Messages go to stderr, so stdout stays clean for data."""
    click.echo(message, err=True)


def table(headers: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """A plain text table that lines up CJK text (two columns per wide character)."""
    body = [[_cell(c) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(headers)]
    lines = [_pad_row(headers, widths), "  ".join("-" * w for w in widths)]
    lines += [_pad_row(r, widths) for r in body]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=False)).rstrip()


@contextmanager
def progress(items: Iterable[Any], length: int | None, label: str) -> Iterator[Iterable[Any]]:
    """A progress bar on a terminal (stderr), none when piped."""
    if sys.stderr.isatty():
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield items
