"""Commands: ``deadlines`` and ``report annual``; and the read views of ``cadre history`` and
``unit rating``. All read the projections, caught up with the log first."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from cli.common import LedgerGroup, open_projections, record, settings
from cli.options import DATE, json_option, on_option
from cli.output import FORMATS, Column, format_option, show_list, show_report
from cli.terminal import table
from ledger.i18n import N_, NP_, _, article_label, pgettext
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
    help=_(
        "The day to judge the periods on (default: today in Asia/Shanghai), by the business "
        "dates on record now: a step recorded after that day with an earlier date settles its "
        "period here too, and only --late shows it overdue until recorded. With --late, the "
        "steps as on record at the end of that day."
    ),
)
@click.option(
    "--late",
    is_flag=True,
    help=_(
        "Instead: the steps done late (business date after the due date), overdue until "
        "recorded (recorded after the due date), or recorded late (more than 7 days after "
        "their business date), with the days."
    ),
)
@format_option
@json_option
def deadlines(as_of: dt.date | None, late: bool, fmt: str | None) -> None:
    """Legal periods still running or missed, and duties outstanding: announcement within 30
    days (Art. 11), appeal within 15 days of receipt, its decision and the written notice of it
    within 30 days (Art. 12); a person's personnel-file entry from the announcement until it is
    recorded (Art. 11, no period set).

    Periods skip the starting day (Art. 11, 12). A last day on a rest day moves to the next
    working day: an imported convention (民法典 art. 203 practice), not the Measures' text. A
    period marked * ends in a year the holiday calendar does not cover yet.

    With --late, the steps already recorded that were late: a step recorded after its due date
    stays listed as overdue until recorded, whatever business date it gives.
    """  # fmt: skip
    from ledger.application import today
    from ledger.domain.periods import REST_DAY_NOTE

    if late:
        _late_steps(as_of, fmt)
        return

    day = as_of or today()
    p = open_projections(settings().open(signed=False))
    items = p.deadlines(day)
    notes = [_("Due dates: {REST_DAY_NOTE}.").format(REST_DAY_NOTE=_(REST_DAY_NOTE))]
    if any(d.provisional for d in items):
        notes.append(
            _("* judged by weekends only: the holiday calendar does not cover that year yet")
        )
    show_list(
        fmt,
        "deadlines",
        [asdict(d) for d in items],
        DEADLINE_COLUMNS,
        title=_("Deadlines on {day}:").format(day=day),
        empty=_("No legal period is running or missed on {day}.").format(day=day),
        next_command=f"lifeledger case show {items[0].case_no}" if items else None,
        attention=lambda r: "overdue" if r["status"] == "overdue" else None,
        extra={"as_of": day},
        notes=notes,
    )


DEADLINE_COLUMNS = (
    Column("case_no", _("case")),
    Column("party_code", _("party"), whole=lambda r: _party(r["party_type"], r["party_code"])),
    Column("decision_number", _("decision")),
    Column("kind_label", _("step")),
    Column("article", _("art."), article_label),
    Column("start", _("from")),
    Column("due", _("due"), whole=lambda r: r["due"] and f"{r['due']}{'*' * r['provisional']}"),
    Column("days_left", _("days left")),
    Column("status_label", _("status")),
)


LATE_COLUMNS = (
    Column("case_no", _("case")),
    Column(
        "party_code",
        _("party"),
        whole=lambda r: r["party_code"] and _party(r["party_type"], r["party_code"]),
    ),
    Column("event_label", _("step")),
    Column("article", _("art."), article_label),
    Column("business_date", _("date")),
    Column("due", _("due")),
    Column("recorded_on", _("recorded")),
    Column("days_done_late", _("done late (days)")),
    Column("days_overdue_on_record", _("overdue until recorded (days)")),
    Column("days_recorded_late", _("recorded late (days)")),
    Column("status_label", _("status")),
)
LATE_NOTE = N_(
    "done late: the business date is after the legal due date (Art. 11, 12); overdue until "
    "recorded: recorded after the due date, so the ledger showed it overdue until then; "
    "recorded late: recorded more than {days} days after its business date. Recorded dates "
    "are Asia/Shanghai days of the signed recorded time."
)


def _late_steps(as_of: dt.date | None, fmt: str | None) -> None:
    """``deadlines --late``: every late step, from the cases' checked events."""
    from ledger.domain.recorded_time import RECORDED_LATE_AFTER_DAYS

    p = open_projections(settings().open(signed=False))
    items = p.late_steps(as_of)
    if as_of:
        title = _("Steps done or recorded late (on record at the end of {day}):")
        empty = _("No step was done or recorded late (on record at the end of {day}).")
    else:
        title, empty = _("Steps done or recorded late:"), _("No step was done or recorded late.")
    show_list(
        fmt,
        "late",
        [asdict(s) for s in items],
        LATE_COLUMNS,
        title=title.format(day=as_of),
        empty=empty.format(day=as_of),
        next_command=f"lifeledger case timeline {items[0].case_no}" if items else None,
        attention=lambda r: "overdue" if r["status"] != "recorded_late" else None,
        extra={"as_of": as_of},
        drop=tuple(c.header for c in LATE_COLUMNS if c.key in ("article", "due")),
        notes=[_(LATE_NOTE).format(days=RECORDED_LATE_AFTER_DAYS)],
    )


# annual report --------------------------------------------------------------------------------
#: The annual report's files, written to --out.
DOCUMENT_FORMATS = ("xlsx", "docx", "pdf")


@click.group(cls=LedgerGroup)
def report() -> None:
    """Reports for the Party committee and government (Art. 14)."""


@report.command("annual")
@click.option("--year", type=click.IntRange(1949, 9999), required=True, help=_("The report year."))
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
    type=click.Choice([*FORMATS, *DOCUMENT_FORMATS, "text"]),
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
    type=click.Path(dir_okay=False),
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
@click.option("--year", type=click.IntRange(1949, 9999), required=True, help=_("The report year."))
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
@click.option("--year", type=click.IntRange(1949, 9999), required=True, help=_("The report year."))
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
    write(document, path, fmt, force)
    report_written(document, path)


def _counts(title: str, counts: tuple[Count, ...]) -> list[str]:
    if not counts:
        return [_("{title}: none").format(title=title)]
    rows = table(["", _("count")], [(c.label, c.count) for c in counts]).splitlines()[2:]
    return [_("{title}:").format(title=title), *(f"  {row}" for row in rows)]


def _party(party_type: str, code: str) -> str:
    from ledger.domain.regulation import PartyType

    return f"{PartyType(party_type).label} {code}"


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
                    (o.case_no, _party(o.party_type, o.party_code), o.kind_label, o.due, o.done_on)
                    for o in r.overdue
                ],
            )
        )
    return "\n".join(out)


# cadre history and unit rating (commands in cli/registry.py) ---------------------------------
#: A cadre's history as rows, one per case they are a party to (``--format csv``...).
HISTORY_COLUMNS = (
    Column("case_no", _("case")),
    Column("incident_date", _("incident")),
    Column(
        "post_at_incident", _("post at incident"), whole=lambda r: _post_text(r["post_at_incident"])
    ),
    Column("responsibility_label", _("responsibility")),
    Column("team_role_label", _("team role")),
    Column(
        "decisions",
        _("decisions"),
        whole=lambda r: "; ".join(
            f"{d['number']} {d['decided_on']} [{d['status_label']}]" for d in r["decisions"]
        ),
    ),
    Column(
        "measures_in_force",
        _("measures in force"),
        whole=lambda r: "、".join(m["label"] for m in r["measures_in_force"]),
    ),
    Column("case_status", _("case status"), lambda v: CASE_STATUS_LABELS.get(v, v)),
    Column("lifetime", _("lifetime (Art. 8)")),
)


def _post_text(post: dict[str, Any] | None) -> str | None:
    return f"{post['title']}, {post['unit_name']} ({post['unit_code']})" if post else None


def show_cadre_history(personnel_no: str, year: int | None, fmt: str | None = None) -> None:
    p = open_projections(settings().open(signed=False))
    h = p.cadre_history(personnel_no, year)
    doc = asdict(h)
    show_report(fmt, doc, lambda: history_text(h), doc["entries"], HISTORY_COLUMNS)


def _post(post: Post | None) -> str:
    if post is None:
        return "—"
    return f"{post.title}, {post.unit_name} ({post.unit_code})"


def history_text(h: CadreHistory) -> str:
    from ledger.domain.regulation import IN_FORCE_FROM

    now = (
        _("retired {retired_on}").format(retired_on=h.retired_on)
        if h.retired_on
        else _("now {post}").format(post=_post(h.current_post))
    )
    out = [
        _("Cadre {personnel_no} {name} — {now}").format(
            personnel_no=h.personnel_no, name=h.name, now=now
        ),
        _("Posts held (Art. 8: accountable for every one of them, for life):"),
        table(
            [_("from"), _("until"), _("unit"), _("post")],
            [
                (
                    p.start,
                    _("{end} (retired)").format(end=p.end)
                    if p.ended_by_retirement
                    else p.end or _("(now)"),
                    f"{p.unit_name} ({p.unit_code})",
                    p.title,
                )
                for p in h.posts
            ],
        ),
    ]
    label = _(" in {year}").format(year=h.year) if h.year is not None else ""
    as_of = (
        _(" as of checkpoint {complete_as_of}").format(complete_as_of=h.complete_as_of)
        if h.complete_as_of is not None
        else ""
    )
    if not h.entries:
        out += [
            "",
            _("No accountability on record{label}{as_of}.").format(label=label, as_of=as_of),
        ]
    else:
        out += [
            "",
            _("Accountability{label} (Art. 8, 11):").format(label=label),
            table(
                [
                    _("case"),
                    _("incident"),
                    _("post at incident"),
                    _("responsibility"),
                    _("decisions"),
                    _("measures in force"),
                    _("case status"),
                ],
                [_history_row(e) for e in h.entries],
            ),
        ]
        owed = [f"{e.case_no} {n}" for e in h.entries for n in e.file_entries_outstanding]
        if owed:
            out.append(
                _(
                    "Personnel-file entry outstanding (Art. 11 归入个人人事档案, owed by the "
                    "organisation department that manages the cadre): "
                )
                + ", ".join(owed)
            )
        old = [e.case_no for e in h.entries if not e.lifetime]
        if old:
            out.append(
                _(
                    "Incidents before {IN_FORCE_FROM} (outside Art. 8 lifetime accountability): "
                ).format(IN_FORCE_FROM=IN_FORCE_FROM)
                + ", ".join(old)
            )
    if h.accountable_in_year is not None:
        verdict = (
            _("held accountable that year: the annual review and awards follow the rules (Art. 13)")
            if h.accountable_in_year
            else _("no decision in force made that year (Art. 13)")
        )
        out.append(f"{h.year}: {verdict}")
    out.append(completeness_line(h))
    return "\n".join(out)


def completeness_line(h: CadreHistory) -> str:
    """What the person index proved (Art. 8: the record is whole, not only authentic)."""
    later = _(
        "{checked} later event(s) naming {personnel_no} checked directly (of {appended} "
        "appended since)"
    ).format(checked=h.checked_after, personnel_no=h.personnel_no, appended=h.appended_after)
    if h.complete_as_of is None and h.unindexed_checkpoints:
        return _(
            "Completeness: not provable. The ledger's {count} checkpoint(s) were signed before "
            "it had the person index; every event was read from the log itself. `lifeledger "
            "checkpoint` builds the index and commits it in the next checkpoint; {later}."
        ).format(count=h.unindexed_checkpoints, later=later)
    if h.complete_as_of is None:
        return _("Completeness: no checkpoint yet; {later}.").format(later=later)
    before = (
        _(
            " Completeness is not provable as of the {count} earlier checkpoint(s), signed "
            "before the ledger had the person index (the first to carry it is checkpoint "
            "{since})."
        ).format(count=h.unindexed_checkpoints, since=h.indexed_since)
        if h.unindexed_checkpoints
        else ""
    )
    return _("Complete as of checkpoint {size} (person index); {later}.{before}").format(
        size=h.complete_as_of, later=later, before=before
    )


def _history_row(e: HistoryEntry) -> tuple[object, ...]:
    role = f" ({e.team_role_label})" if e.team_role_label else ""
    decisions = "; ".join(
        _("{number} {decided}, in force from {since} [{status}]").format(
            number=d.number, decided=d.decided_on, since=d.in_force_from, status=d.status_label
        )
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


#: A unit's rating as rows: the decisions that count against it, then those that do not.
RATING_COLUMNS = (
    Column("case_no", _("case")),
    Column("decision_number", _("decision")),
    Column("decided_on", _("decided")),
    Column("status_label", _("status")),
    Column(
        "measures_in_force",
        _("measures in force"),
        whole=lambda r: "、".join(m["label"] for m in r["measures_in_force"]),
    ),
    Column("counted", _("counted (Art. 13)")),
)


def show_unit_rating(code: str, year: int, fmt: str | None = None) -> None:
    p = open_projections(settings().open(signed=False))
    r = p.unit_rating(code, year)
    doc = asdict(r)
    rows = [{**x, "counted": True} for x in doc["reasons"]]
    rows += [{**x, "counted": False} for x in doc["not_counted"]]
    show_report(fmt, doc, lambda: rating_text(r), rows, RATING_COLUMNS)


def rating_text(r: UnitRating) -> str:
    verdict = (
        _("may be rated an advanced unit for petition work")
        if r.may_be_rated_advanced
        else _("may NOT be rated an advanced unit for petition work (先进单位)")
    )
    out = [
        _("Unit {unit_code} {unit_name}, {year}: {verdict} (Art. 13)").format(
            unit_code=r.unit_code, unit_name=r.unit_name, year=r.year, verdict=verdict
        )
    ]
    if r.reasons:
        out.append(_("Held accountable that year by:"))
        out += [
            _("  {case_no} {decision_number} of {decided_on} [{status_label}]: {measures}").format(
                case_no=x.case_no,
                decision_number=x.decision_number,
                decided_on=x.decided_on,
                status_label=x.status_label,
                measures=_measures(x.measures_in_force),
            )
            for x in r.reasons
        ]
    if r.not_counted:
        out.append(_("Not counted (revoked on appeal):"))
        out += [
            _("  {case_no} {decision_number} of {decided_on}").format(
                case_no=x.case_no, decision_number=x.decision_number, decided_on=x.decided_on
            )
            for x in r.not_counted
        ]
    out.append(r.rule)
    return "\n".join(out)


commands: list[click.Command] = [deadlines, report]
