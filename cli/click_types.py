"""click's parameter types, naming themselves in the user's language (issue 14, point 4).

click writes a type's ``name`` into its messages (``File 'x.json' does not exist.``,
``'abc' is not a valid integer.``) and, upper-cased, uses it as the metavar (``FILE``,
``INTEGER``). These types keep the metavar as in English, since help texts refer to it ("a
JSON Lines FILE") and the user types none of it, and give the messages their name in the
user's language when the message is made (click's ``Path`` takes its name when the type is
made, before the language may be known). :class:`Choice` lists its values with 、 in Chinese.
Every parameter of the command line uses these (``tests/test_i18n_click.py`` walks them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from cli.click_text import chinese
from ledger.i18n import _, bracketed, ngettext

__all__ = ["INTEGER", "Choice", "IntegerRange", "PathType"]


def _metavar(param: click.Parameter, english: str) -> str | None:
    """An option's metavar as click makes it from the English name; an argument's is its
    own name (click's rule when the type has none)."""
    return None if isinstance(param, click.Argument) else english


class PathType(click.Path):
    """``click.Path``: a file, a directory or either (``文件``, ``目录``, ``路径``)."""

    def _kind(self) -> str:
        if self.file_okay and not self.dir_okay:
            return "file"
        if self.dir_okay and not self.file_okay:
            return "directory"
        return "path"

    @property
    def name(self) -> str:
        return {"file": _("file"), "directory": _("directory"), "path": _("path")}[self._kind()]

    @name.setter
    def name(self, value: str) -> None:
        """click's ``__init__`` sets a name translated too early; the kind decides it."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str | None:
        return _metavar(param, self._kind().upper())


class Integer(click.types.IntParamType):
    """``click.INT`` (``type=int``)."""

    @property
    def name(self) -> str:
        return _("integer")

    @name.setter
    def name(self, value: str) -> None:
        """Fixed: the property above."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str | None:
        return _metavar(param, "INTEGER")


class IntegerRange(click.IntRange):
    """``click.IntRange``: an integer within bounds (the bounds shown as click shows them)."""

    @property
    def name(self) -> str:
        return _("integer range")

    @name.setter
    def name(self, value: str) -> None:
        """Fixed: the property above."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str | None:
        return _metavar(param, "INTEGER RANGE")


INTEGER = Integer()


class Choice(click.Choice[str]):
    """``click.Choice``; in Chinese its values are listed with 、, and one a line with its
    label (``labels``) when the option is missing: the user types the code, and reads what it
    means."""

    def __init__(
        self,
        choices: Sequence[str],
        case_sensitive: bool = True,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(choices, case_sensitive)
        self.labels = dict(labels or {})

    def _values(self) -> list[str]:
        return [str(c) for c in self.choices]

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        if not chinese():
            return super().get_invalid_choice_message(value, ctx)
        values = "、".join(repr(v) for v in self._values())
        return ngettext(
            "{value!r} is not {choice}.",
            "{value!r} is not one of {choices}.",
            len(self.choices),
        ).format(value=value, choice=values, choices=values)

    def get_missing_message(self, param: click.Parameter, ctx: click.Context | None) -> str:
        if not chinese():
            return super().get_missing_message(param, ctx)
        values = [bracketed(v, self.labels[v]) if self.labels.get(v) else v for v in self._values()]
        return _("Choose from:\n\t{choices}").format(choices="\n\t".join(values))
