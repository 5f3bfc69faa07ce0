"""Commands: ``deadlines`` and ``report annual``; and the read views of ``cadre history`` and
``unit rating``. All read the projections, caught up with the log first."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from cli.common import (
    DATE,
    LedgerGroup,
    emit,
    json_option,
    on_option,
    open_projections,
    record,
    settings,
    table,
)
from cli.output import Column, format_option, show_list
from projections.labels import CASE_STATUS_LABELS
from projections.models import (
    AnnualReport,
    CadreHistory,
    Count,
    HistoryEntry,
    MeasureRef,
    Post,
    UnitRating,
)

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    pass


def _measures(refs: tuple[MeasureRef, ...]) -> str:
    return "、".join(m.label for m in refs) or "—"


# deadlines ------------------------------------------------------------------------------------
@click.command()
@click.option(
    "--as-of",
    type=DATE,
    metavar="DATE",
    help="The day to judge the periods on (default: today in Asia/Shanghai).",
)
@format_option
@json_option
def deadlines(as_of: dt.date | None, fmt: str | None) -> None:
    """Legal periods still running or missed, and duties outstanding: announcement within 30
    days (Art. 11), appeal within 15 days of receipt, its decision and the written notice of it
    within 30 days (Art. 12); a person's personnel-file entry from the announcement until it is
    recorded (Art. 11, no period set).

    Periods skip the starting day (Art. 11, 12). A last day on a rest day moves to the next
    working day: an imported convention (民法典 art. 203 practice), not the Measures' text. A
    period marked * ends in a year the holiday calendar does not cover yet.
    """  # fmt: skip
    from ledger.application import today
    from ledger.domain.periods import REST_DAY_NOTE

    day = as_of or today()
    p = open_projections(settings().open(signed=False))
    items = p.deadlines(day)
    notes = [f"Due dates: {REST_DAY_NOTE}."]
    if any(d.provisional for d in items):
        notes.append("* judged by weekends only: the holiday calendar does not cover that year yet")
    show_list(
        fmt,
        "deadlines",
        [asdict(d) for d in items],
        DEADLINE_COLUMNS,
        title=f"Deadlines on {day}:",
        empty=f"No legal period is running or missed on {day}.",
        next_command=f"lifeledger case show {items[0].case_no}" if items else None,
        attention=lambda r: "overdue" if r["status"] == "overdue" else None,
        extra={"as_of": day},
        notes=notes,
    )


DEADLINE_COLUMNS = (
    Column("case_no", "case"),
    Column("party_code", "party", whole=lambda r: _party(r["party_type"], r["party_code"])),
    Column("decision_number", "decision"),
    Column("kind_label", "step"),
    Column("article", "art."),
    Column("start", "from"),
    Column("due", "due", whole=lambda r: r["due"] and f"{r['due']}{'*' * r['provisional']}"),
    Column("days_left", "days left"),
    Column("status_label", "status"),
)


# annual report --------------------------------------------------------------------------------
@click.group(cls=LedgerGroup)
def report() -> None:
    """Reports for the Party committee and government (Art. 14)."""


@report.command("annual")
@click.option("--year", type=click.IntRange(1949, 9999), required=True, help="The report year.")
@click.option("--authority", help="Only cases opened by this authority (default: all).")
@click.option(
    "--region",
    metavar="CODE",
    help="Art. 14 本地区: only the cases of units and cadres of this GB/T 2260 region and the "
    "divisions within it (e.g. 430000 湖南省, 430100 长沙市), with a line per division within.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "xlsx", "docx", "pdf"]),
    default="text",
    show_default=True,
    help="xlsx: workbook with tables and charts; docx/pdf: the 书面报告 (GB/T 9704), each "
    "rendered from verified events at the latest checkpoint and carrying a verification code.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="The file for --format xlsx/docx/pdf (default: lifeledger-annual-YEAR.FORMAT).",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@json_option
def report_annual(
    year: int, authority: str | None, region: str | None, fmt: str, out: str | None, force: bool
) -> None:
    """The year's accountability in figures, as the petition work agency reports it to the
    same-level Party committee and government (Art. 14). Record the report and its 通报 with
    `report record` and `report circulate`."""
    if fmt != "text" and region is not None:
        raise click.UsageError("--region goes with the text or --json report")
    if fmt != "text":
        _write_annual(year, authority, fmt, out or f"lifeledger-annual-{year}.{fmt}", force)
        return
    if out is not None:
        raise click.UsageError("--out goes with --format xlsx, docx or pdf")
    p = open_projections(settings().open(signed=False))
    r = p.annual_report(year, authority, region)
    emit(asdict(r), lambda: annual_text(r))


@report.command("record")
@click.option("--region", required=True, metavar="CODE", help="The GB/T 2260 region reported on.")
@click.option("--year", type=click.IntRange(1949, 9999), required=True, help="The report year.")
@click.option("--to", required=True, help="The same-level Party committee and government.")
@on_option("When the written report was made.")
@json_option
def report_record(**fields: Any) -> None:
    """Record the written annual report on a region (书面报告, Art. 14); signed by the
    petition work agency's key (信访工作机构)."""
    record("report record", fields)


@report.command("circulate")
@click.option("--region", required=True, metavar="CODE", help="The GB/T 2260 region reported on.")
@click.option("--year", type=click.IntRange(1949, 9999), required=True, help="The report year.")
@click.option("--scope", required=True, help="To whom the report was circulated (通报范围).")
@on_option("When it was circulated.")
@json_option
def report_circulate(**fields: Any) -> None:
    """Record the 通报 of a recorded annual report (Art. 14 按规定权限视情况予以通报)."""
    record("report circulate", fields)


def _write_annual(year: int, authority: str | None, fmt: str, out: str, force: bool) -> None:
    from cli.documents import document_path, report_written, write
    from ledger.application import today
    from projections.documents.evidence import LedgerEvidence
    from projections.documents.report import render_report

    path, _ = document_path(out, force, (fmt,))
    source = LedgerEvidence(settings().open(signed=False))
    document, _ = render_report(source, "X" if fmt == "xlsx" else "R", year, authority, today())
    write(document, path, fmt, force)
    report_written(document, path)


def _counts(title: str, counts: tuple[Count, ...]) -> list[str]:
    if not counts:
        return [f"{title}: none"]
    rows = table(["", "count"], [(c.label, c.count) for c in counts]).splitlines()[2:]
    return [f"{title}:", *(f"  {row}" for row in rows)]


def _party(party_type: str, code: str) -> str:
    from ledger.domain.regulation import PartyType

    return f"{PartyType(party_type).label} {code}"


def annual_text(r: AnnualReport) -> str:
    scope = f" — cases opened by {r.authority}" if r.authority else ""
    if r.region:
        scope += f" — 本地区 {r.region_name} {r.region} and the divisions within it"
    out = [
        f"信访工作责任追究情况 {r.year}年度 (Art. 14){scope}",
        f"Cases opened: {r.cases_opened} (lifetime accountability, Art. 8: {r.lifetime_cases}); "
        f"closed: {r.cases_closed}",
        *_counts("Grounds cited (Art. 4)", r.grounds),
        *_counts("Parties held accountable", r.parties_by_kind),
        *_counts("Responsibility (Art. 5)", r.responsibility_kinds),
        f"Decisions issued: {r.decisions_issued} (revoked on appeal: {r.decisions_revoked})",
        *_counts("Measures (Art. 7), by the year they took effect (生效时间)", r.measures_by_kind),
        f"Appeals filed (Art. 12): {r.appeals_filed}",
        *_counts("Appeal outcomes", r.appeal_outcomes),
        f"Referred to judicial organs (Art. 7): {r.referrals}",
        *_counts("Periods missed (Art. 11, 12)", r.overdue_steps),
    ]
    if r.region:
        out += _counts("Cases by division within the region (GB/T 2260)", r.sub_regions)
    if r.overdue:
        out.append(table(
            ["case", "party", "step", "due", "done"],
            [(o.case_no, _party(o.party_type, o.party_code), o.kind_label, o.due, o.done_on)
             for o in r.overdue],
        ))  # fmt: skip
    return "\n".join(out)


# cadre history and unit rating (commands in cli/registry.py) ---------------------------------
def show_cadre_history(personnel_no: str, year: int | None) -> None:
    p = open_projections(settings().open(signed=False))
    h = p.cadre_history(personnel_no, year)
    emit(asdict(h), lambda: history_text(h))


def _post(post: Post | None) -> str:
    if post is None:
        return "—"
    return f"{post.title}, {post.unit_name} ({post.unit_code})"


def history_text(h: CadreHistory) -> str:
    from ledger.domain.regulation import IN_FORCE_FROM

    now = f"retired {h.retired_on}" if h.retired_on else f"now {_post(h.current_post)}"
    out = [
        f"Cadre {h.personnel_no} {h.name} — {now}",
        "Posts held (Art. 8: accountable for every one of them, for life):",
        table(
            ["from", "until", "unit", "post"],
            [(p.start, f"{p.end} (retired)" if p.ended_by_retirement else p.end or "(now)",
              f"{p.unit_name} ({p.unit_code})", p.title) for p in h.posts],
        ),
    ]  # fmt: skip
    label = f" in {h.year}" if h.year is not None else ""
    as_of = f" as of checkpoint {h.complete_as_of}" if h.complete_as_of is not None else ""
    if not h.entries:
        out += ["", f"No accountability on record{label}{as_of}."]
    else:
        out += ["", f"Accountability{label} (Art. 8, 11):", table(
            ["case", "incident", "post at incident", "responsibility", "decisions",
             "measures in force", "case status"],
            [_history_row(e) for e in h.entries],
        )]  # fmt: skip
        owed = [f"{e.case_no} {n}" for e in h.entries for n in e.file_entries_outstanding]
        if owed:
            out.append(
                "Personnel-file entry outstanding (Art. 11 归入个人人事档案, owed by the "
                "organisation department that manages the cadre): " + ", ".join(owed)
            )
        old = [e.case_no for e in h.entries if not e.lifetime]
        if old:
            out.append(
                f"Incidents before {IN_FORCE_FROM} (outside Art. 8 lifetime accountability): "
                + ", ".join(old)
            )
    if h.accountable_in_year is not None:
        verdict = (
            "held accountable that year: the annual review and awards follow the rules (Art. 13)"
            if h.accountable_in_year
            else "no decision in force made that year (Art. 13)"
        )
        out.append(f"{h.year}: {verdict}")
    out.append(completeness_line(h))
    return "\n".join(out)


def completeness_line(h: CadreHistory) -> str:
    """What the person index proved (Art. 8: the record is whole, not only authentic)."""
    later = (
        f"{h.checked_after} later event(s) naming {h.personnel_no} checked directly "
        f"(of {h.appended_after} appended since)"
    )
    if h.complete_as_of is None:
        return f"Completeness: no checkpoint yet; {later}."
    return f"Complete as of checkpoint {h.complete_as_of} (person index); {later}."


def _history_row(e: HistoryEntry) -> tuple[object, ...]:
    role = f" ({e.team_role_label})" if e.team_role_label else ""
    decisions = "; ".join(
        f"{d.number} {d.decided_on}, in force from {d.in_force_from} [{d.status_label}]"
        for d in e.decisions
    )
    return (
        e.case_no,
        e.incident_date,
        _post(e.post_at_incident),
        e.responsibility_label + role,
        decisions or "—",
        _measures(e.measures_in_force),
        CASE_STATUS_LABELS.get(e.case_status, e.case_status),
    )


def show_unit_rating(code: str, year: int) -> None:
    p = open_projections(settings().open(signed=False))
    r = p.unit_rating(code, year)
    emit(asdict(r), lambda: rating_text(r))


def rating_text(r: UnitRating) -> str:
    verdict = (
        "may be rated an advanced unit for petition work"
        if r.may_be_rated_advanced
        else "may NOT be rated an advanced unit for petition work (先进单位)"
    )
    out = [f"Unit {r.unit_code} {r.unit_name}, {r.year}: {verdict} (Art. 13)"]
    if r.reasons:
        out.append("Held accountable that year by:")
        out += [f"  {x.case_no} {x.decision_number} of {x.decided_on} [{x.status_label}]: "
                f"{_measures(x.measures_in_force)}" for x in r.reasons]  # fmt: skip
    if r.not_counted:
        out.append("Not counted (revoked on appeal):")
        out += [f"  {x.case_no} {x.decision_number} of {x.decided_on}" for x in r.not_counted]
    out.append(r.rule)
    return "\n".join(out)


commands: list[click.Command] = [deadlines, report]
