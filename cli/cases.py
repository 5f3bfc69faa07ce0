"""Commands: ``case ...`` — an accountability case from opening to appeal decision.

Each recording command is one signed event, checked by the Measures' rules before anything
is written; its options are the fields of the same command in ``lifeledger import``. Business
dates (``--on``) are the Asia/Shanghai dates the act happened, given explicitly.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import asdict
from typing import Any

import click

from cli.common import LedgerGroup, open_projections, record, settings
from cli.options import (
    DATE,
    GROUND,
    case_argument,
    choice_of,
    describe_choices,
    json_option,
    on_option,
    party_options,
)
from cli.output import Column, format_option, report_format_option, show_list
from cli.texts import long_text_option
from ledger.domain.regulation import AppealOutcome, Responsibility, ResultElement
from ledger.i18n import _, ngettext


@click.group(cls=LedgerGroup)
def case() -> None:
    """Accountability cases (信访工作责任追究案件): open, assign, hear, decide, appeal, close."""


def measure_options(f: Any) -> Any:
    """Art. 7 measures: persons one or more, combined; units follow the circumstances."""
    from ledger.domain.regulation import Measure, Severity

    f = click.option(
        "--sanction",
        help=_(
            "The disciplinary sanction imposed, with --measure disciplinary_sanction "
            "(e.g. 党内警告)."
        ),
    )(f)
    f = click.option(
        "--other-measure",
        help=_(
            "Another organisational measure named in words (Art. 7 …降职等组织处理), with "
            "--measure other_organisational (e.g. 停职检查)."
        ),
    )(f)
    f = click.option(
        "--severity",
        metavar="SEVERITY",
        type=choice_of(Severity),
        help=_(
            "A unit's circumstances (Art. 7): {describe_choices}. For a unit it "
            "alone fixes the measure."
        ).format(describe_choices=describe_choices(Severity)),
    )(f)
    return click.option(
        "--measure",
        metavar="MEASURE",
        type=choice_of(Measure),
        multiple=True,
        help=_("Repeat to combine (Art. 7): {describe_choices}.").format(
            describe_choices=describe_choices(Measure)
        ),
    )(f)


@case.command("open")
@case_argument
@click.option(
    "--incident-date",
    type=DATE,
    required=True,
    metavar="DATE",
    help=_("When the situation occurred (decides Art. 8 lifetime accountability)."),
)
@click.option(
    "--opened-on", type=DATE, required=True, metavar="DATE", help=_("When the case was opened.")
)
@click.option(
    "--ground",
    type=GROUND,
    multiple=True,
    required=True,
    help=_("Art. 4 item (一)…(十六), as 1–16 or 十一; repeat for several."),
)
@click.option(
    "--result",
    metavar="[GROUND:]RESULT",
    multiple=True,
    help=_(
        "Art. 4: a result the cited ground names, for every cited ground that names it, or as "
        "GROUND:RESULT for one ground; repeat for each (e.g. --ground 11 --result "
        "conflict_intensified --result adverse_impact): {choices}."
    ).format(choices=describe_choices(ResultElement)),
)
@long_text_option("facts", _("The facts of the situation."))
@click.option(
    "--other-regulation", help=_("With ground 16 (十六): the other regulation relied on.")
)
@json_option
def case_open(**fields: Any) -> None:
    """Open case CASE_NO, citing Art. 4 grounds (signed by a discipline organ or
    organisation department key, Art. 6)."""
    record("case open", fields)


@case.command("assign")
@case_argument
@party_options()
@click.option(
    "--responsibility",
    metavar="RESPONSIBILITY",
    type=choice_of(Responsibility),
    help=_(
        "Art. 5: direct, primary_leadership or important_leadership for a person; "
        "a unit bears collective (the default for --unit)."
    ),
)
@click.option(
    "--individual-decision",
    is_flag=True,
    help=_("Art. 5: the wrong decision was made or approved by this member alone."),
)
@on_option(_("Date of the finding."))
@json_option
def case_assign(**fields: Any) -> None:
    """Find that a person or unit bears responsibility in the case (Art. 5)."""  # fmt: skip
    record("case assign", fields)


@case.command("objection")
@case_argument
@party_options(unit=False)
@on_option(_("When the objection was made (e.g. the date of the meeting)."))
@long_text_option("text", _("What the member objected to, and where it is minuted."))
@click.option(
    "--at-hearing",
    is_flag=True,
    help=_("The objection was stated at the Art. 9 hearing (说明和申辩)."),
)
@json_option
def case_objection(**fields: Any) -> None:
    """Record a team member's explicit, overruled objection to the wrong decision.

    Art. 5: such a member bears no leadership responsibility, whenever the objection comes to
    light (at the hearing, or after a finding: then correct the finding with
    `case correct-finding`). A decision imposing leadership responsibility on them is refused.
    """
    record("case objection", fields)


@case.command("correct-finding")
@case_argument
@party_options(unit=False)
@click.option(
    "--responsibility",
    metavar="KIND",
    type=choice_of(Responsibility),
    required=True,
    help=_("The corrected finding: {describe_choices}.").format(
        describe_choices=describe_choices(Responsibility)
    ),
)
@on_option(_("Date of the correction."))
@long_text_option("reason", _("Why the finding is corrected (Art. 5)."))
@json_option
def case_correct_finding(**fields: Any) -> None:
    """Correct a person's responsibility finding by a signed event naming the reason (Art. 5).

    Refused while a decision on the finding is in force (that changes only on appeal)."""
    record("case correct-finding", fields)


@case.command("assign-team")
@case_argument
@click.option(
    "--unit",
    required=True,
    metavar="UNIT_CODE",
    help=_("The unit whose leadership team bears collective responsibility."),
)
@click.option(
    "--head",
    multiple=True,
    metavar="PERSONNEL_NO",
    help=_("Principal head (主要负责人): primary leadership responsibility."),
)
@click.option(
    "--in-charge",
    multiple=True,
    metavar="PERSONNEL_NO",
    help=_("Leader in charge (分管负责人): primary leadership responsibility."),
)
@click.option(
    "--member",
    multiple=True,
    metavar="PERSONNEL_NO",
    help=_(
        "Other member who took part in the decision: important leadership "
        "responsibility (none if their objection is on record)."
    ),
)
@click.option(
    "--absent",
    multiple=True,
    metavar="PERSONNEL_NO",
    help=_("Member who took no part in the decision: no leadership responsibility."),
)
@on_option(_("Date of the finding."))
@json_option
def case_assign_team(**fields: Any) -> None:
    """Find a unit's collective responsibility; each member's share is derived (Art. 5).

    Head and leader in charge bear primary leadership responsibility, other participating
    members important leadership responsibility, overruled objectors and absent members none.
    """  # fmt: skip
    record("case assign-team", fields)


@case.command("hear")
@case_argument
@party_options()
@on_option(_("When the statement and defence was heard."))
@long_text_option("statement", _("Summary of what the party said."))
@json_option
def case_hear(**fields: Any) -> None:
    """Record the party's statement and defence (说明和申辩); required before a decision
    (Art. 9)."""
    record("case hear", fields)


@case.command("decide")
@case_argument
@party_options()
@click.option(
    "--number", required=True, help=_("Document number (文号) of the 《责任追究决定书》.")
)
@on_option(_("Date of the decision."), also="--date")
@long_text_option("facts", _("Facts stated in the decision (Art. 10)."))
@long_text_option("basis", _("Legal basis stated (Art. 10)."))
@measure_options
@click.option("--approving-authority", required=True, help=_("The approving authority (Art. 10)."))
@click.option(
    "--effective-date",
    type=DATE,
    required=True,
    metavar="DATE",
    help=_("When the decision takes effect (Art. 10)."),
)
@click.option(
    "--appeal-authority",
    required=True,
    help=_(
        "The authority that accepts appeals (受理机关, Art. 10): the deciding authority itself "
        "(Art. 12 向作出责任追究决定的机关提出)."
    ),
)
@click.option(
    "--appeal-period-days",
    type=int,
    default=15,
    show_default=True,
    help=_("Appeal period stated in the document (Art. 12: 15 days from receipt)."),
)
@json_option
def case_decide(**fields: Any) -> None:
    """Issue the 《责任追究决定书》 to a party (Art. 7, 9, 10).

    Refused if the party was not heard (Art. 9), a field of Art. 10 is missing, or the
    measures do not fit the party (Art. 7: units by circumstances, persons one or more).
    """  # fmt: skip
    record("case decide", fields)


@case.command("announce")
@case_argument
@party_options()
@on_option(_("When the decision was announced."))
@click.option(
    "--to", required=True, help=_("To whom: the unit, or the person and their unit (Art. 11).")
)
@click.option(
    "--told",
    type=click.Choice(["person", "unit"]),
    multiple=True,
    help=_(
        "Who was told (repeat): for a person both `person` and `unit` (the default), for a "
        "unit `unit` (Art. 11)."
    ),
)
@json_option
def case_announce(**fields: Any) -> None:
    """Record the announcement of a decision; due within 30 days (Art. 11). A late one is
    recorded and flagged overdue. The due date moves off rest days (民法典 art. 203 practice,
    a convention the Measures do not state)."""  # fmt: skip
    record("case announce", fields)


@case.command("file")
@case_argument
@party_options(unit=False)
@on_option(_("When the materials were entered in the personnel file."))
@click.option("--file-ref", required=True, help=_("Reference of the file entry."))
@click.option("--custodian", required=True, help=_("Who keeps the personnel file (人事档案)."))
@json_option
def case_file(**fields: Any) -> None:
    """Record that the decision's materials went into the person's personnel file (Art. 11)."""
    record("case file", fields)


@case.command("receive")
@case_argument
@party_options()
@on_option(_("When the party received the decision document."))
@json_option
def case_receive(**fields: Any) -> None:
    """Record receipt of the decision; the 15-day appeal period runs from it (Art. 12)."""
    record("case receive", fields)


@case.command("appeal")
@case_argument
@party_options()
@on_option(_("When the written appeal was lodged."))
@long_text_option("text", _("The grounds of the written appeal (书面申诉)."))
@json_option
def case_appeal(**fields: Any) -> None:
    """Record a written appeal, refused outside 15 days of receipt (Art. 12). The measures
    stay in force meanwhile."""
    record("case appeal", fields)


@case.command("appeal-decide")
@case_argument
@party_options()
@on_option(_("Date of the appeal decision."))
@click.option(
    "--outcome",
    metavar="OUTCOME",
    type=choice_of(AppealOutcome),
    required=True,
    help=f"{describe_choices(AppealOutcome)}.",
)
@long_text_option("reason", _("Reasons given in writing."))
@measure_options
@json_option
def case_appeal_decide(**fields: Any) -> None:
    """Record the deciding authority's decision on an appeal (Art. 12; due within 30 days).

    With --outcome modified, give the measures that now apply (--measure ...).
    """  # fmt: skip
    record("case appeal-decide", fields)


@case.command("notify-appeal")
@case_argument
@party_options()
@on_option(_("When the appeal decision was told in writing."))
@click.option("--to", required=True, help=_("To whom: the appellant unit, or the appellant and "
              "their unit (Art. 12)."))  # fmt: skip
@click.option(
    "--told",
    type=click.Choice(["person", "unit"]),
    multiple=True,
    help=_("Who was told (repeat): for a person both `person` and `unit` (the default)."),
)
@json_option
def case_notify_appeal(**fields: Any) -> None:
    """Record the written notice of the appeal decision (书面形式告知, Art. 12), part of the
    30-day duty; listed by `deadlines` until recorded."""
    record("case notify-appeal", fields)


@case.command("reopen")
@case_argument
@on_option(_("Date of reopening."))
@long_text_option("reason", _("Why: new facts, a late referral to the judicial organs…"))
@json_option
def case_reopen(**fields: Any) -> None:
    """Reopen a closed case by a signed event stating the reason; shown in the timeline."""
    record("case reopen", fields)


@case.command("refer")
@case_argument
@party_options()
@on_option(_("Date of the referral."))
@click.option("--organ", required=True, help=_("The judicial organ (司法机关) referred to."))
@long_text_option("reason", _("The suspected offence."))
@json_option
def case_refer(**fields: Any) -> None:
    """Record a referral to the judicial organs for a suspected crime (Art. 7)."""
    record("case refer", fields)


@case.command("close")
@case_argument
@on_option(_("Date of closing."))
@long_text_option("summary", _("The closing summary (结案意见)."))
@json_option
def case_close(**fields: Any) -> None:
    """Close the case. Refused while a decision is unannounced or not in the personnel file
    (Art. 11), its receipt unrecorded, its appeal period running, an appeal undecided or its
    decision not told in writing (Art. 12): closing never cuts off an appeal."""
    record("case close", fields)


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
    "--status", type=click.Choice(["open", "closed"]), help=_("open (办理中) or closed (已结案).")
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
    type=click.IntRange(1949, 9999),
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
    from projections.finding import CaseFilter

    ground = filters.pop("ground")
    party = filters.pop("party")
    chosen = CaseFilter(
        ground=None if ground is None else parse_ground(ground),
        party=None if party is None else unicodedata.normalize("NFKC", party).strip(),
        **filters,
    )
    from cli.reports import case_set_line

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
