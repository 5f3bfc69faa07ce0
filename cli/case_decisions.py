"""``case`` commands from the decision on: decide (Art. 7, 10), announce and enter in the
personnel file (Art. 11), receive, appeal, decide the appeal and tell it in writing (Art. 12),
refer to the judicial organs (Art. 7), close and reopen. As in :mod:`cli.case_findings`,
each records one signed event, checked first; the ``case`` group lists them.
"""

from __future__ import annotations

from typing import Any

import click

from cli.click_types import INTEGER, Choice
from cli.common import record
from cli.options import (
    case_argument,
    choice_of,
    date_option,
    describe_choices,
    json_option,
    on_option,
    party_options,
    party_step,
)
from cli.texts import long_text_option
from ledger.domain.regulation import AppealOutcome
from ledger.i18n import _


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


@click.command("decide")
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
@date_option("--effective-date", help=_("When the decision takes effect (Art. 10)."))
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
    type=INTEGER,
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


@click.command("announce")
@party_step(_("When the decision was announced."))
@click.option(
    "--to", required=True, help=_("To whom: the unit, or the person and their unit (Art. 11).")
)
@click.option(
    "--told",
    type=Choice(["person", "unit"]),
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


@click.command("file")
@party_step(_("When the materials were entered in the personnel file."), unit=False)
@click.option("--file-ref", required=True, help=_("Reference of the file entry."))
@click.option("--custodian", required=True, help=_("Who keeps the personnel file (人事档案)."))
@json_option
def case_file(**fields: Any) -> None:
    """Record that the decision's materials went into the person's personnel file (Art. 11)."""
    record("case file", fields)


@click.command("receive")
@party_step(_("When the party received the decision document."))
@json_option
def case_receive(**fields: Any) -> None:
    """Record receipt of the decision; the 15-day appeal period runs from it (Art. 12)."""
    record("case receive", fields)


@click.command("appeal")
@party_step(_("When the written appeal was lodged."))
@long_text_option("text", _("The grounds of the written appeal (书面申诉)."))
@json_option
def case_appeal(**fields: Any) -> None:
    """Record a written appeal, refused outside 15 days of receipt (Art. 12). The measures
    stay in force meanwhile."""
    record("case appeal", fields)


@click.command("appeal-decide")
@party_step(_("Date of the appeal decision."))
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


@click.command("notify-appeal")
@party_step(_("When the appeal decision was told in writing."))
@click.option("--to", required=True, help=_("To whom: the appellant unit, or the appellant and "
              "their unit (Art. 12)."))  # fmt: skip
@click.option(
    "--told",
    type=Choice(["person", "unit"]),
    multiple=True,
    help=_("Who was told (repeat): for a person both `person` and `unit` (the default)."),
)
@json_option
def case_notify_appeal(**fields: Any) -> None:
    """Record the written notice of the appeal decision (书面形式告知, Art. 12), part of the
    30-day duty; listed by `deadlines` until recorded."""
    record("case notify-appeal", fields)


@click.command("reopen")
@case_argument
@on_option(_("Date of reopening."))
@long_text_option("reason", _("Why: new facts, a late referral to the judicial organs…"))
@json_option
def case_reopen(**fields: Any) -> None:
    """Reopen a closed case by a signed event stating the reason; shown in the timeline."""
    record("case reopen", fields)


@click.command("refer")
@party_step(_("Date of the referral."))
@click.option("--organ", required=True, help=_("The judicial organ (司法机关) referred to."))
@long_text_option("reason", _("The suspected offence."))
@json_option
def case_refer(**fields: Any) -> None:
    """Record a referral to the judicial organs for a suspected crime (Art. 7)."""
    record("case refer", fields)


@click.command("close")
@case_argument
@on_option(_("Date of closing."))
@long_text_option("summary", _("The closing summary (结案意见)."))
@json_option
def case_close(**fields: Any) -> None:
    """Close the case. Refused while a decision is unannounced or not in the personnel file
    (Art. 11), its receipt unrecorded, its appeal period running, an appeal undecided or its
    decision not told in writing (Art. 12): closing never cuts off an appeal."""
    record("case close", fields)


#: In the order ``case --help`` lists them.
subcommands: list[click.Command] = [
    case_decide,
    case_announce,
    case_file,
    case_receive,
    case_appeal,
    case_appeal_decide,
    case_notify_appeal,
    case_reopen,
    case_refer,
    case_close,
]
