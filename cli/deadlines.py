"""Command: ``deadlines``: the legal periods of Art. 11 and 12 running or missed, duties
outstanding, and with ``--late`` the steps done or recorded late. Reads the projections, caught
up with the log first."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import click

from cli.common import open_projections, settings
from cli.options import DATE, json_option
from cli.output import Column, format_option, show_list
from cli.registry_text import case_set_line
from cli.terminal import party_label
from ledger.i18n import N_, _, article_label


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
    items, completeness = p.deadlines_checked(day)
    notes = [_("Due dates: {REST_DAY_NOTE}.").format(REST_DAY_NOTE=_(REST_DAY_NOTE))]
    if any(d.provisional for d in items):
        notes.append(
            _("* judged by weekends only: the holiday calendar does not cover that year yet")
        )
    notes += case_set_line(completeness)
    show_list(
        fmt,
        "deadlines",
        [asdict(d) for d in items],
        DEADLINE_COLUMNS,
        title=_("Deadlines on {day}:").format(day=day),
        empty="\n".join(
            [
                _("No legal period is running or missed on {day}.").format(day=day),
                *case_set_line(completeness),
            ]
        ),
        next_command=f"lifeledger case show {items[0].case_no}" if items else None,
        attention=lambda r: "overdue" if r["status"] == "overdue" else None,
        extra={"as_of": day, "completeness": completeness and asdict(completeness)},
        notes=notes,
    )


DEADLINE_COLUMNS = (
    Column("case_no", _("case")),
    Column("party_code", _("party"), whole=lambda r: party_label(r["party_type"], r["party_code"])),
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
        whole=lambda r: r["party_code"] and party_label(r["party_type"], r["party_code"]),
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


commands: list[click.Command] = [deadlines]
