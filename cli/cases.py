"""Commands: ``case ...`` — an accountability case from opening to appeal decision.

The group lists the recording commands, each one signed event (:mod:`cli.case_findings` up to
the hearing, :mod:`cli.case_decisions` from the decision on), then the reads kept here:
``show``, ``timeline`` and ``list``. Business dates (``--on``) are the Asia/Shanghai dates the
act happened, given explicitly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import click

from cli.case_decisions import subcommands as decisions
from cli.case_findings import subcommands as findings
from cli.click_types import Choice, IntegerRange
from cli.common import LedgerGroup, open_projections, settings
from cli.options import (
    DATE,
    GROUND,
    case_argument,
    json_option,
)
from cli.output import Column, format_option, report_format_option, show_list
from ledger.i18n import _, ngettext


@click.group(cls=LedgerGroup)
def case() -> None:
    """Accountability cases (信访工作责任追究案件): open, assign, hear, decide, appeal, close."""


for command in (*findings, *decisions):  # recorded: one signed event each
    case.add_command(command)


@case.command("show")
@case_argument
@json_option
def case_show(case_no: str) -> None:
    """The case as it stands: grounds, parties, responsibility, decisions, deadlines."""
    from cli.case_text import show_case

    show_case(case_no)


@case.command("timeline")
@case_argument
@click.option(
    "--as-of",
    type=DATE,
    metavar="DATE",
    help=_(
        "What was on record at the end of this day (Asia/Shanghai), by the time each event "
        "was recorded: the log up to the first event recorded later (default: now)."
    ),
)
@click.option(
    "--business-as-of",
    type=DATE,
    metavar="DATE",
    help=_(
        "Only the events whose business date (the date of the act) is on or before this day, "
        "whenever they were recorded."
    ),
)
@report_format_option(_("events"))
@json_option
def case_timeline(
    case_no: str, as_of: dt.date | None, business_as_of: dt.date | None, fmt: str | None
) -> None:
    """The case's events in log order: business date, recorded date, event, who signed it,
    key status, what changed. A step recorded more than 7 days after its business date shows
    how many days later; one recorded after its legal due date (Art. 11, 12) shows how long
    it stood overdue, even if its business date is in time."""
    from cli.case_text import show_timeline

    show_timeline(case_no, as_of, business_as_of, fmt)


@case.command("list")
@click.option(
    "--status", type=Choice(["open", "closed"]), help=_("open (办理中) or closed (已结案).")
)
@click.option("--authority", help=_("Only the cases this authority opened (Art. 6)."))
@click.option(
    "--region",
    metavar="CODE",
    help=_(
        "Only the cases naming a unit or cadre of this GB/T 2260 region or a division within "
        "it (e.g. 430100 长沙市), as `report annual --region` counts them (Art. 14)."
    ),
)
@click.option(
    "--year",
    type=IntegerRange(1949, 9999),
    help=_("Only the cases with a business date in this year (as `report annual` counts them)."),
)
@click.option(
    "--ground", type=GROUND, help=_("Only the cases citing this Art. 4 ground (1–16 or 十一).")
)
@click.option(
    "--overdue", is_flag=True, help=_("Only the cases with a legal period missed (Art. 11, 12).")
)
@click.option("--party", metavar="CODE", help=_("Only the cases naming this cadre or unit."))
@format_option
@json_option
def case_list(fmt: str | None, **filters: Any) -> None:
    """Every case that passes the filters, each as its checked, signed events say."""
    from ledger.commands.fields import parse_ground
    from ledger.domain.identifiers import written_form
    from projections.finding import CaseFilter

    ground = filters.pop("ground")
    party = filters.pop("party")
    chosen = CaseFilter(
        ground=None if ground is None else parse_ground(ground),
        party=None if party is None else written_form(party),
        **filters,
    )
    from cli.registry_text import case_set_line

    p = open_projections(settings().open(signed=False))
    items, completeness = p.case_list_checked(chosen)
    show_list(
        fmt,
        "cases",
        [asdict(c) for c in items],
        CASE_COLUMNS,
        title=ngettext("{n} case:", "{n} cases:", len(items)).format(n=len(items)),
        empty="\n".join([_("No case matches."), *case_set_line(completeness)]),
        next_command=f"lifeledger case show {items[0].case_no}" if items else None,
        attention=lambda r: "overdue" if r["overdue"] else None,
        drop=("authority", "Art. 4"),
        extra={"completeness": completeness and asdict(completeness)},
        notes=case_set_line(completeness),
    )


CASE_COLUMNS = (
    Column("case_no", _("case")),
    Column("opened_on", _("opened")),
    Column("opening_authority", _("authority")),
    Column("status_label", _("status")),
    Column("grounds", _("Art. 4"), lambda g: ",".join(map(str, g))),
    Column("parties", _("parties"), lambda p: ",".join(p)),
    Column("next_due", _("next due")),
    Column("overdue_labels", _("overdue"), lambda o: "、".join(o)),
)


commands: list[click.Command] = [case]
