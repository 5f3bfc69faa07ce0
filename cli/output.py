"""Lists in the format asked for (``--format``, in the sqlite-utils manner), with the next
command to run; items that need attention (overdue, revoked, failed) in colour on a terminal.

``table`` is for people: a title, a table, a note, then the command that goes deeper. The
other formats carry the rows alone (``json`` also the note and the next command, as fields).
``json`` and ``jsonl`` are for programs: stable keys and codes (``status``), with the label
beside a code where the record has one (``status_label``). ``csv``, ``tsv`` and ``markdown``
show what the table shows, labels for codes, under headers in the user's language
(:func:`headers`); a Chinese CSV starts with a byte-order mark so that Excel reads it as UTF-8.
``--json`` is ``--format json``. Colour follows click (only on a
terminal) and https://no-color.org: a non-empty ``NO_COLOR`` turns it off.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from cli.click_types import Choice
from cli.common import json_default, settings, to_json
from cli.terminal import cell_text, colour, table
from ledger.i18n import _, language

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown")
F = TypeVar("F", bound=Callable[..., Any])


def format_option(f: F) -> F:
    """``--format table|json|jsonl|csv|tsv|markdown`` (``--json`` is ``--format json``)."""
    return _format_choice(
        _(
            "Output format: table (default), json, jsonl (one object a line), csv, tsv or "
            "markdown. --json is --format json."
        )
    )(f)


def report_format_option(rows: str) -> Callable[[F], F]:
    """``--format`` on a report: ``table`` is the report as people read it, ``json`` the whole
    report; ``jsonl``, ``csv``, ``tsv`` and ``markdown`` carry its ``rows`` (named here, marked
    for translation by the caller)."""
    return _format_choice(
        _(
            "Output format: table (default: the report), json (the whole report), or its "
            "{rows} as jsonl, csv, tsv or markdown. --json is --format json."
        ).format(rows=rows)
    )


def _format_choice(help: str) -> Callable[[F], F]:
    """The one ``--format`` option, explained by ``help``."""
    return click.option("--format", "fmt", type=Choice(FORMATS), default=None, help=help)


def show_report(
    fmt: str | None,
    doc: Any,
    text: Callable[[], str],
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
) -> None:
    """Print a report: its text, its whole JSON document, or its rows (``records``)."""
    how = chosen(fmt)
    if how == "json":
        click.echo(to_json(doc))
    elif how == "table":
        click.echo(text(), color=colour())
    else:
        _rows(how, records, columns)


def chosen(fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    return "json" if settings().json else "table"


@dataclass(frozen=True)
class Column:
    """A column: the record's key (the header in csv, tsv and jsonl) and the table header."""

    key: str
    header: str
    text: Callable[[Any], Any] | None = None
    #: The cell made from the whole record, where one field is not enough.
    whole: Callable[[Mapping[str, Any]], Any] | None = None

    def cell(self, record: Mapping[str, Any], blank: str = "—") -> str:
        """The value as text; ``blank`` for none (a dash in tables, empty in csv and tsv)."""
        value = self.whole(record) if self.whole else record[self.key]
        value = self.text(value) if self.text and value is not None else value
        return blank if value is None or value == "" else cell_text(value)


def show_list(
    fmt: str | None,
    name: str,
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    *,
    title: str,
    empty: str,
    next_command: str | None,
    attention: Callable[[Mapping[str, Any]], str | None] = lambda r: None,
    extra: Mapping[str, Any] | None = None,
    drop: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> None:
    """Print a list: ``records`` are the JSON objects of its items, ``name`` their key in
    the JSON document, ``attention`` names a row's colour kind (``COLOURS``) or None, ``drop``
    the table columns left out first on a narrow terminal; ``notes`` follow the table."""
    how = chosen(fmt)
    if how == "json":
        doc = {**(extra or {}), name: list(records), "next": next_command}
        click.echo(to_json(doc))
    elif how == "table":
        _table(records, columns, title, empty, next_command, attention, drop, notes)
    else:
        _rows(how, records, columns)


def headers(columns: Sequence[Column]) -> list[str]:
    """The header row of csv, tsv and markdown: the record keys in English (the JSON's keys,
    English words already), the table's headers in Chinese, where officials open the file in
    Excel and read 案件, 状态, not case_no, status_label. Programs read json or jsonl, whose
    keys and codes never change with the language."""
    return [c.key for c in columns] if language() == "en" else [_(c.header) for c in columns]


#: Starts a Chinese CSV file: Excel reads a CSV without it in the system's code page (GBK on
#: Chinese Windows), and every Chinese cell would be garbled.
EXCEL_BOM = "\ufeff"


def _rows(how: str, records: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> None:
    """Rows: jsonl (the records whole, codes and labels), csv, tsv or markdown (the columns
    as the table shows them, labels for codes)."""
    if how == "jsonl":
        for r in records:
            click.echo(json.dumps(r, ensure_ascii=False, default=json_default))
    elif how in ("csv", "tsv"):
        out = io.StringIO()
        if how == "csv" and language() != "en":
            out.write(EXCEL_BOM)
        writer = csv.writer(
            out, dialect="excel-tab" if how == "tsv" else "excel", lineterminator="\n"
        )
        writer.writerow(headers(columns))
        writer.writerows([c.cell(r, "") for c in columns] for r in records)
        click.echo(out.getvalue(), nl=False)
    else:
        lines = ["| " + " | ".join(headers(columns)) + " |",
                 "| " + " | ".join("---" for _ in columns) + " |"]  # fmt: skip
        lines += [
            "| " + " | ".join(c.cell(r).replace("|", "\\|") for c in columns) + " |"
            for r in records
        ]
        click.echo("\n".join(lines))


def _table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    title: str,
    empty: str,
    next_command: str | None,
    attention: Callable[[Mapping[str, Any]], str | None],
    drop: Sequence[str],
    notes: Sequence[str],
) -> None:
    if not records:
        click.echo(empty)
        return
    click.echo(title)
    text = table(
        [_(c.header) for c in columns],  # module-level headers: in the language of now
        [[c.cell(r) for c in columns] for r in records],
        [attention(r) for r in records],
        drop=drop,
    )
    click.echo(text, color=colour())
    for note in notes:
        click.echo(note)
    if next_command:
        click.echo(_("Next: {next_command}").format(next_command=next_command))
