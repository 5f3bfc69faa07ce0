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
from typing import Any, TypeVar, cast

import click

from ledger.domain.limits import MAX_EVENT_BYTES, limit_of
from ledger.errors import InputTooLargeError, InvalidInputError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["long_text_option", "read_text_file"]


def read_text_file(path: str, name: str) -> str:
    """A UTF-8 text file (``-``: stdin), refused unread past what one event may hold."""
    label = name.replace("_", " ")
    if path == "-":
        data = sys.stdin.buffer.read(MAX_EVENT_BYTES + 1)
        size = len(data) if len(data) <= MAX_EVENT_BYTES else None
    else:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            data = f.read(MAX_EVENT_BYTES + 1)
    if len(data) > MAX_EVENT_BYTES:
        shown = f"{size:,} bytes" if size is not None else f"more than {MAX_EVENT_BYTES:,} bytes"
        raise InputTooLargeError(
            f"the {label} file {path} holds {shown}; the {label} may hold at most "
            f"{limit_of(name):,} characters",
            field=name,
            limit=limit_of(name),
            size=size if size is not None else len(data),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInputError(
            f"the {label} file {path} is not UTF-8 text (byte {e.start + 1})"
        ) from None


def long_text_option(name: str, help: str, *, required: bool = True) -> Callable[[F], F]:
    """``--NAME TEXT`` or ``--NAME-file PATH``: exactly one, when the text is required."""
    option = "--" + name.replace("_", "-")
    file_param = f"{name}_file"

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(**kwargs: Any) -> Any:
            path = kwargs.pop(file_param, None)
            if path is not None:
                if kwargs.get(name) is not None:
                    raise click.UsageError(f"give {option} or {option}-file, not both")
                kwargs[name] = read_text_file(path, name)
            elif kwargs.get(name) is None and required:
                raise click.UsageError(
                    f"Missing option '{option}' (or '{option}-file PATH', '-' for stdin)."
                )
            return f(**kwargs)

        with_file = click.option(
            f"{option}-file",
            file_param,
            metavar="PATH",
            help=f"Read {option} from a UTF-8 file ('-': standard input).",
        )(wrapper)
        required_note = f" Required, or {option}-file." if required else ""
        limit = f" At most {limit_of(name):,} characters."
        decorated = click.option(option, name, help=help + limit + required_note)(with_file)
        return cast(F, decorated)

    return decorate
