"""Text for a terminal: tables that fit its width (CJK characters count double), colour for
what needs attention, progress bars for long runs.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, Any

import click

from ledger.i18n import _, enumerated

if TYPE_CHECKING:
    from projections.models import MeasureRef

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
        lines.append(_("(not shown: {join}; see --format csv)").format(join=enumerated(dropped)))
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


def measures_text(refs: Iterable[MeasureRef]) -> str:
    """Measures as one line of labels (、 between them), or — for none."""
    return "、".join(m.label for m in refs) or "—"


def party_label(party_type: str, code: str) -> str:
    """A party as its kind's label and its code."""
    from ledger.domain.regulation import PartyType

    return f"{PartyType(party_type).label} {code}"
