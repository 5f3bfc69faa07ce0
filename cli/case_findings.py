"""``case`` commands up to the hearing: open a case (Art. 4, 6), find who is responsible
(Art. 5, a leadership team member by member), record an objection or a corrected finding, and
hear the party (Art. 9).

Each is one signed event, checked by the Measures' rules before anything is written; its
options are the fields of the same command in ``lifeledger import``. The ``case`` group
(:mod:`cli.cases`) lists them.
"""

from __future__ import annotations

from typing import Any

import click

from cli.common import record
from cli.options import (
    GROUND,
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
from ledger.domain.regulation import Responsibility, ResultElement
from ledger.i18n import _


@click.command("open")
@case_argument
@date_option(
    "--incident-date",
    help=_("When the situation occurred (decides Art. 8 lifetime accountability)."),
)
@date_option("--opened-on", help=_("When the case was opened."))
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


@click.command("assign")
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


@click.command("objection")
@party_step(_("When the objection was made (e.g. the date of the meeting)."), unit=False)
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


@click.command("correct-finding")
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


@click.command("assign-team")
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


@click.command("hear")
@party_step(_("When the statement and defence was heard."))
@long_text_option("statement", _("Summary of what the party said."))
@json_option
def case_hear(**fields: Any) -> None:
    """Record the party's statement and defence (说明和申辩); required before a decision
    (Art. 9)."""
    record("case hear", fields)


#: In the order ``case --help`` lists them.
subcommands: list[click.Command] = [
    case_open,
    case_assign,
    case_objection,
    case_correct_finding,
    case_assign_team,
    case_hear,
]
