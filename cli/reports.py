"""Command: ``report`` (Art. 14): the annual report from the projections, caught up with the
log first, written as a file or shown; the written report and its 通报 recorded as signed
events."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from cli.click_types import Choice, IntegerRange, PathType
from cli.common import LedgerGroup, check_not_gone_back, open_projections, record, settings
from cli.options import json_option, on_option
from cli.output import FORMATS, Column, show_report
from cli.registry_text import case_set_line
from cli.terminal import party_label, table
from ledger.i18n import NP_, _, pgettext
from projections.models import (
    AnnualReport,
    Count,
)

#: The annual report's files, written to --out.
DOCUMENT_FORMATS = ("xlsx", "docx", "pdf")


@click.group(cls=LedgerGroup)
def report() -> None:
    """Reports for the Party committee and government (Art. 14)."""


@report.command("annual")
@click.option("--year", type=IntegerRange(1949, 9999), required=True, help=_("The report year."))
@click.option("--authority", help=_("Only cases opened by this authority (default: all)."))
@click.option(
    "--region",
    metavar="CODE",
    help=_(
        "Art. 14 本地区: only the cases of units and cadres of this GB/T 2260 region and the "
        "divisions within it (e.g. 430000 湖南省, 430100 长沙市), with a line per division within."
    ),
)
@click.option(
    "--format",
    "fmt",
    type=Choice([*FORMATS, *DOCUMENT_FORMATS, "text"]),
    default=None,
    help=_(
        "table (default; text is the same), json (the whole report), or its figures as "
        "jsonl, csv, tsv or markdown (one row each: section, item, count); xlsx: workbook with "
        "tables and charts; docx/pdf: the 书面报告 (GB/T 9704). xlsx, docx and pdf are rendered "
        "from verified events at the latest checkpoint and carry a verification code."
    ),
)
@click.option(
    "--out",
    type=PathType(dir_okay=False),
    help=_("The file for --format xlsx/docx/pdf (default: lifeledger-annual-YEAR.FORMAT)."),
)
@click.option("--force", is_flag=True, help=_("Replace an existing file."))
@json_option
def report_annual(
    year: int,
    authority: str | None,
    region: str | None,
    fmt: str | None,
    out: str | None,
    force: bool,
) -> None:
    """The year's accountability in figures, as the petition work agency reports it to the
    same-level Party committee and government (Art. 14). Record the report and its 通报 with
    `report record` and `report circulate`."""
    if fmt in DOCUMENT_FORMATS:
        if region is not None:
            raise click.UsageError(
                _("--region goes with the table, json, csv... report, not a file")
            )
        _write_annual(year, authority, fmt, out or f"lifeledger-annual-{year}.{fmt}", force)
        return
    if out is not None:
        raise click.UsageError(_("--out goes with --format xlsx, docx or pdf"))
    p = open_projections(settings().open(signed=False))
    r = p.annual_report(year, authority, region)
    show_report(
        None if fmt == "text" else fmt,
        asdict(r),
        lambda: annual_text(r),
        annual_rows(r),
        FIGURE_COLUMNS,
    )


FIGURE_COLUMNS = (Column("section", _("section")), Column("item", _("item")),
                  Column("code", _("code")), Column("count", _("count")))  # fmt: skip


#: The annual report's single figures: section, item and the report's field (marked for the
#: catalog; the rows show them in the user's language).
FIGURES = (
    (NP_("annual", "cases"), NP_("annual", "opened"), "cases_opened"),
    (NP_("annual", "cases"), NP_("annual", "lifetime accountability (Art. 8)"), "lifetime_cases"),
    (NP_("annual", "cases"), NP_("annual", "closed"), "cases_closed"),
    (NP_("annual", "decisions"), NP_("annual", "issued"), "decisions_issued"),
    (NP_("annual", "decisions"), NP_("annual", "revoked on appeal"), "decisions_revoked"),
    (NP_("annual", "appeals"), NP_("annual", "filed (Art. 12)"), "appeals_filed"),
    (NP_("annual", "referrals"), NP_("annual", "to judicial organs (Art. 7)"), "referrals"),
)
#: Its counts by kind: section and the report's field.
COUNTS = (
    (NP_("annual", "grounds (Art. 4)"), "grounds"),
    (NP_("annual", "parties"), "parties_by_kind"),
    (NP_("annual", "responsibility (Art. 5)"), "responsibility_kinds"),
    (NP_("annual", "measures (Art. 7)"), "measures_by_kind"),
    (NP_("annual", "appeal outcomes"), "appeal_outcomes"),
    (NP_("annual", "periods missed (Art. 11, 12)"), "overdue_steps"),
    (NP_("annual", "divisions (GB/T 2260)"), "sub_regions"),
)


def annual_rows(r: AnnualReport) -> list[dict[str, Any]]:
    """The report's figures, one row each (``--format csv`` and the other row formats): the
    section and item in the user's language, the code beside the item stable (a pivot table
    over several years, or a program, keys on it)."""

    def one(section: str, item: str, count: int, code: str = "") -> dict[str, Any]:
        return {"section": pgettext("annual", section), "item": item, "code": code, "count": count}

    rows = [one(s, pgettext("annual", i), getattr(r, field)) for s, i, field in FIGURES]
    rows += [one(s, c.label, c.count, c.code) for s, field in COUNTS for c in getattr(r, field)]
    return rows


@report.command("record")
@click.option(
    "--region", required=True, metavar="CODE", help=_("The GB/T 2260 region reported on.")
)
@click.option("--year", type=IntegerRange(1949, 9999), required=True, help=_("The report year."))
@click.option("--to", required=True, help=_("The same-level Party committee and government."))
@on_option(_("When the written report was made."))
@json_option
def report_record(**fields: Any) -> None:
    """Record the written annual report on a region (书面报告, Art. 14); signed by the
    petition work agency's key (信访工作机构)."""
    record("report record", fields)


@report.command("circulate")
@click.option(
    "--region", required=True, metavar="CODE", help=_("The GB/T 2260 region reported on.")
)
@click.option("--year", type=IntegerRange(1949, 9999), required=True, help=_("The report year."))
@click.option("--scope", required=True, help=_("To whom the report was circulated (通报范围)."))
@on_option(_("When it was circulated."))
@json_option
def report_circulate(**fields: Any) -> None:
    """Record the 通报 of a recorded annual report (Art. 14 按规定权限视情况予以通报)."""
    record("report circulate", fields)


def _write_annual(year: int, authority: str | None, fmt: str, out: str, force: bool) -> None:
    from cli.documents import document_path, report_written, write
    from ledger.application import today
    from projections.documents.evidence import LedgerEvidence
    from projections.documents.report import render_report

    path, _unused = document_path(out, force, (fmt,))
    source = LedgerEvidence(settings().open(signed=False))
    document, _report = render_report(
        source, "X" if fmt == "xlsx" else "R", year, authority, today()
    )
    check_not_gone_back(source.app)  # after the report's own checks, before writing
    write(document, path, fmt, force)
    report_written(document, path)


def _counts(title: str, counts: tuple[Count, ...]) -> list[str]:
    if not counts:
        return [_("{title}: none").format(title=title)]
    rows = table(["", _("count")], [(c.label, c.count) for c in counts]).splitlines()[2:]
    return [_("{title}:").format(title=title), *(f"  {row}" for row in rows)]


def annual_text(r: AnnualReport) -> str:
    scope = _(" — cases opened by {authority}").format(authority=r.authority) if r.authority else ""
    if r.region:
        scope += _(" — 本地区 {region_name} {region} and the divisions within it").format(
            region_name=r.region_name, region=r.region
        )
    out = [
        _("信访工作责任追究情况 {year}年度 (Art. 14){scope}").format(year=r.year, scope=scope),
        _(
            "Cases opened: {cases_opened} (lifetime accountability, Art. 8: "
            "{lifetime_cases}); closed: {cases_closed}"
        ).format(
            cases_opened=r.cases_opened,
            lifetime_cases=r.lifetime_cases,
            cases_closed=r.cases_closed,
        ),
        *_counts(_("Grounds cited (Art. 4)"), r.grounds),
        *_counts(_("Parties held accountable"), r.parties_by_kind),
        *_counts(_("Responsibility (Art. 5)"), r.responsibility_kinds),
        _("Decisions issued: {decisions_issued} (revoked on appeal: {decisions_revoked})").format(
            decisions_issued=r.decisions_issued, decisions_revoked=r.decisions_revoked
        ),
        *_counts(
            _("Measures (Art. 7), by the year they took effect (生效时间)"), r.measures_by_kind
        ),
        _("Appeals filed (Art. 12): {appeals_filed}").format(appeals_filed=r.appeals_filed),
        *_counts(_("Appeal outcomes"), r.appeal_outcomes),
        _("Referred to judicial organs (Art. 7): {referrals}").format(referrals=r.referrals),
        *_counts(_("Periods missed (Art. 11, 12)"), r.overdue_steps),
    ]
    if r.region:
        out += _counts(_("Cases by division within the region (GB/T 2260)"), r.sub_regions)
    if r.overdue:
        out.append(
            table(
                [_("case"), _("party"), _("step"), _("due"), _("done")],
                [
                    (
                        o.case_no,
                        party_label(o.party_type, o.party_code),
                        o.kind_label,
                        o.due,
                        o.done_on,
                    )
                    for o in r.overdue
                ],
            )
        )
    out += case_set_line(r.completeness)
    return "\n".join(out)


commands: list[click.Command] = [report]
