"""Help text wrapped by display width: a Chinese character takes two terminal columns.

click wraps help with ``textwrap``, which counts every character as one column and breaks
lines only at spaces and hyphens: Chinese help ran past the terminal's edge, and a sentence
without spaces was cut anywhere (结\\n案). :class:`DisplayWidthFormatter` measures with
``unicodedata.east_asian_width`` (wide and fullwidth: two columns), may break between any two
Chinese characters, and never starts a line with closing punctuation (，。、；：）》 …) nor
ends one with an opening bracket (（《 …), as Chinese typesetting does; a short label in
brackets (（诫勉谈话）) stays on one line with the code before it where the line has room for
them. ASCII text wraps
exactly as click wraps it. Only help pages use it; tables have their own (``cli.terminal``).
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import click

from cli import click_text

__all__ = ["DisplayWidthFormatter", "HelpContext", "display_width", "wrap_text"]

#: Not at the start of a line (attached to the character before).
CLOSING = set("，。、；：？！）》」』】〕”’…—·,.;:?!)]}%")
#: Not at the end of a line (attached to the character after).
OPENING = set("（《「『【〔“‘([{")
_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: two for a wide character, none for ANSI colour codes
    and combining marks, one for the rest."""
    plain = _ANSI.sub("", text)
    return sum(2 if _wide(ch) else 0 if unicodedata.combining(ch) else 1 for ch in plain)


def _breakable(before: str, after: str) -> bool:
    """A line may break between ``before`` and ``after``: next to a wide character, unless
    that would end a line with an opening bracket or start one with closing punctuation."""
    return (_wide(before) or _wide(after)) and before not in OPENING and after not in CLOSING


#: A label in fullwidth brackets (or click's （默认值：1；必需）): no spaces, no commas, and at
#: most ``_LABEL_WIDTH`` columns (a longer bracket is a clause, and wraps as text does).
_LABEL = re.compile(r"（[^（）\s，。、]+）")
_LABEL_WIDTH = 26


def _kept(chunk: str) -> set[int]:
    """Where ``chunk`` is not cut: inside a bracketed label (诫勉谈话（admonition_talk）,
    admonition_talk（诫勉谈话）), and between a code and the label after it."""
    kept: set[int] = set()
    for label in _LABEL.finditer(chunk):
        if display_width(label[0]) > _LABEL_WIDTH:
            continue
        start, end = label.span()
        kept.update(range(start + 1, end))
        before = chunk[start - 1] if start else ""
        if before == "_" or (before.isascii() and before.isalnum()):
            kept.add(start)
    return kept


def _pieces(chunk: str) -> Iterator[str]:
    """A chunk cut wherever :func:`_breakable` allows, bracketed labels kept whole."""
    kept = _kept(chunk)
    start = 0
    for i in range(1, len(chunk)):
        if i not in kept and _breakable(chunk[i - 1], chunk[i]):
            yield chunk[start:i]
            start = i
    yield chunk[start:]


#: The widest command in backticks (`key recover`) kept on one line in Chinese help.
_CODE_WIDTH = 30


def _code_spans(chunks: list[str]) -> list[str]:
    """textwrap's chunks with a short command in backticks kept in one chunk, with the
    closing punctuation after it: Chinese help breaks the line before `key recover`, not
    inside it (English help wraps as click does)."""
    out: list[str] = []
    open_at: int | None = None
    for chunk in chunks:
        if chunk.count("`") % 2 == 0 or (open_at is None and chunk.endswith("`")):
            out.append(chunk)
            continue
        if open_at is None:
            open_at = len(out)
            out.append(chunk)
            continue
        end = chunk.index("`") + 1
        while end < len(chunk) and chunk[end] in CLOSING:
            end += 1
        code = "".join(out[open_at:]) + chunk[:end]
        if display_width(code[code.index("`") :]) <= _CODE_WIDTH:
            out[open_at:] = [code]
            if chunk[end:]:
                out.append(chunk[end:])
        else:
            out.append(chunk)
        open_at = None
    return out


class DisplayWidthWrapper(textwrap.TextWrapper):
    """``textwrap`` with widths in terminal columns and breaks between Chinese characters."""

    def _split(self, text: str) -> list[str]:
        chunks: list[str] = []
        split = super()._split(text)
        for chunk in _code_spans(split) if click_text.chinese() else split:
            chunks.extend(_pieces(chunk) if any(_wide(c) for c in chunk) else [chunk])
        return chunks

    def _handle_long_word(
        self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
    ) -> None:
        """A piece longer than the line: as much of it as fits (one character at least)."""
        space_left = max(width - cur_len, 1)
        last = reversed_chunks[-1]
        cut, used = 0, 0
        for i, ch in enumerate(last):
            used += display_width(ch)
            if used > space_left and cut:
                break
            cut = i + 1
        cur_line.append(last[:cut])
        reversed_chunks[-1] = last[cut:]

    def _wrap_chunks(self, chunks: list[str]) -> list[str]:
        """textwrap's greedy fill (without ``max_lines``), measured in terminal columns."""
        lines: list[str] = []
        chunks.reverse()
        while chunks:
            cur_line: list[str] = []
            cur_len = 0
            indent = self.subsequent_indent if lines else self.initial_indent
            width = self.width - display_width(indent)
            if self.drop_whitespace and chunks[-1].strip() == "" and lines:
                del chunks[-1]
            while chunks and cur_len + display_width(chunks[-1]) <= width:
                cur_len += display_width(chunks[-1])
                cur_line.append(chunks.pop())
            if chunks and display_width(chunks[-1]) > width:
                self._handle_long_word(chunks, cur_line, cur_len, width)
                if not chunks[-1]:
                    chunks.pop()
            if self.drop_whitespace and cur_line and cur_line[-1].strip() == "":
                del cur_line[-1]
            if cur_line:
                lines.append(indent + "".join(cur_line))
        return lines

    @contextmanager
    def extra_indent(self, indent: str) -> Iterator[None]:
        initial, subsequent = self.initial_indent, self.subsequent_indent
        self.initial_indent += indent
        self.subsequent_indent += indent
        try:
            yield
        finally:
            self.initial_indent, self.subsequent_indent = initial, subsequent


def _joined(lines: list[str]) -> str:
    """A paragraph's lines as one: a space between them, none between Chinese characters."""
    text = lines[0]
    for line in lines[1:]:
        text += line if _wide(text[-1]) and _wide(line[0]) else " " + line
    return text


def _paragraphs(text: str) -> Iterator[tuple[int, bool, str]]:
    """click's paragraphs: (indent, kept as written (``\\b``), text)."""
    buf: list[str] = []
    indent: int | None = None
    for line in [*text.splitlines(), ""]:
        if not line:
            if buf:
                raw = buf[0].strip() == "\b"
                yield indent or 0, raw, "\n".join(buf[1:]) if raw else _joined(buf)
            buf, indent = [], None
            continue
        if indent is None:
            stripped = line.lstrip()
            indent = len(line) - len(stripped)
            line = stripped
        buf.append(line)


def wrap_text(
    text: str,
    width: int,
    initial_indent: str = "",
    subsequent_indent: str = "",
    preserve_paragraphs: bool = False,
) -> str:
    """``click.formatting.wrap_text`` measured in terminal columns."""
    wrapper = DisplayWidthWrapper(
        width,
        initial_indent=initial_indent,
        subsequent_indent=subsequent_indent,
        replace_whitespace=False,
    )
    text = text.expandtabs()
    if not preserve_paragraphs:
        return wrapper.fill(text)
    out = []
    for indent, raw, paragraph in _paragraphs(text):
        with wrapper.extra_indent(" " * indent):
            if raw:
                first, rest = wrapper.initial_indent, wrapper.subsequent_indent
                out.append(
                    "\n".join(
                        (rest if i else first) + line
                        for i, line in enumerate(paragraph.splitlines())
                    )
                )
            else:
                out.append(wrapper.fill(paragraph))
    return "\n\n".join(out)


class DisplayWidthFormatter(click.HelpFormatter):
    """click's help formatter, its text wrapped and its columns lined up in terminal columns."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = click_text.usage_prefix()
        args = click_text.usage_args(args)
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        text_width = self.width - self.current_indent
        if not args:
            self.write(usage_prefix.rstrip(" ") + "\n")
            return
        if text_width >= display_width(usage_prefix) + 20:
            indent = " " * display_width(usage_prefix)
            self.write(wrap_text(args, text_width, usage_prefix, indent))
        else:
            indent = " " * (max(self.current_indent, display_width(prefix)) + 4)
            self.write(usage_prefix + "\n" + wrap_text(args, text_width, indent, indent))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        """``Options:``; ``选项：`` with a fullwidth colon after a Chinese heading."""
        colon = "：" if heading and _wide(heading[-1]) else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, indent, indent, preserve_paragraphs=True) + "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = [(row[0], click_text.help_extra(row[1]) if len(row) > 1 else "") for row in rows]
        first_col = min(max((display_width(r[0]) for r in rows), default=0), col_max)
        first_col += col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap_text(second, text_width, preserve_paragraphs=True).splitlines()
            self.write(f"{lines[0]}\n" if lines else "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class HelpContext(click.Context):
    """A click context whose help pages use :class:`DisplayWidthFormatter`."""

    formatter_class = DisplayWidthFormatter
