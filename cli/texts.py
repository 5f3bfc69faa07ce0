"""Long texts on the command line: every document option also reads a file or stdin.

The facts of a decision (Art. 10), a statement and defence (Art. 9) or a written appeal
(Art. 12) are documents, not one-liners: ``--facts TEXT`` has a twin ``--facts-file PATH``
(``-`` for standard input), read as UTF-8. The text's limit is checked when the event is made
(``ledger.domain.limits``); a file is read no further than any event could hold.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from ledger.i18n import _

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    pass


F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["long_text_option", "read_text_file"]


def read_text_file(path: str, name: str) -> str:
    """A UTF-8 text file (``-``: stdin), refused unread past what one event may hold."""
    from ledger.domain.limits import MAX_EVENT_BYTES, field_label, limit_of
    from ledger.errors import InputTooLargeError, InvalidInputError

    label = field_label(name)
    if path == "-":
        data = sys.stdin.buffer.read(MAX_EVENT_BYTES + 1)
        size = len(data) if len(data) <= MAX_EVENT_BYTES else None
    else:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            data = f.read(MAX_EVENT_BYTES + 1)
    if len(data) > MAX_EVENT_BYTES:
        shown = (
            _("{size:,} bytes").format(size=size)
            if size is not None
            else _("more than {MAX_EVENT_BYTES:,} bytes").format(MAX_EVENT_BYTES=MAX_EVENT_BYTES)
        )
        raise InputTooLargeError(
            _(
                "the {label} file {path} holds {shown}; the {label} may hold at most "
                "{limit_of:,} characters"
            ).format(label=label, path=path, shown=shown, limit_of=limit_of(name)),
            field=name,
            limit=limit_of(name),
            size=size if size is not None else len(data),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInputError(
            _("the {label} file {path} is not UTF-8 text (byte {value})").format(
                label=label, path=path, value=e.start + 1
            )
        ) from None


def long_text_option(name: str, help: str, *, required: bool = True) -> Callable[[F], F]:
    """``--NAME TEXT`` or ``--NAME-file PATH``: exactly one, when the text is required."""
    from ledger.domain.limits import limit_of

    option = "--" + name.replace("_", "-")
    file_param = f"{name}_file"

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(**kwargs: Any) -> Any:
            path = kwargs.pop(file_param, None)
            if path is not None:
                if kwargs.get(name) is not None:
                    raise click.UsageError(
                        _("give {option} or {option}-file, not both").format(option=option)
                    )
                kwargs[name] = read_text_file(path, name)
            elif kwargs.get(name) is None and required:
                raise click.UsageError(
                    _("Missing option '{option}' (or '{option}-file PATH', '-' for stdin).").format(
                        option=option
                    )
                )
            return f(**kwargs)

        with_file = click.option(
            f"{option}-file",
            file_param,
            metavar="PATH",
            help=_("Read {option} from a UTF-8 file ('-': standard input).").format(option=option),
        )(wrapper)
        required_note = _(" Required, or {option}-file.").format(option=option) if required else ""
        limit = _(" At most {limit_of:,} characters.").format(limit_of=limit_of(name))
        decorated = click.option(option, name, help=help + limit + required_note)(with_file)
        return cast(F, decorated)

    return decorate
