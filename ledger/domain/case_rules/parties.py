"""What every rule of a case stands on: the parties it names (Art. 5: found responsible
first), their latest decision (Art. 10), who must be told of it (Art. 11/12) and the order of
dates between steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.domain.authority import Context
from ledger.domain.case_state import CaseState, Decision, Party, party_key
from ledger.domain.regulation import PartyType, TeamRole
from ledger.errors import InvalidInputError, NotFoundError, RuleViolationError
from ledger.i18n import N_, _

#: Art. 11/12: who is told of a decision or of an appeal decision. For a unit, the unit; for a
#: person, "被追究责任者本人及其所在单位" / "申诉人及其所在单位": both.
TOLD_PERSON = "person"
TOLD_UNIT = "unit"


def required_told(party_type: PartyType) -> tuple[str, ...]:
    return (TOLD_UNIT,) if party_type is PartyType.UNIT else (TOLD_PERSON, TOLD_UNIT)


@dataclass(frozen=True)
class TeamMember:
    """A member of the leadership team named in a collective-responsibility finding (Art. 5)."""

    personnel_no: str
    role: TeamRole
    participated: bool = True


Fields = Mapping[str, Any]


Rule = Callable[[CaseState, Fields, Context], None]


def in_order(case: CaseState, on: dt.date, after: dt.date, what: str, after_what: str) -> None:
    """A step is not dated before the step it follows."""
    if on < after:
        raise InvalidInputError(
            _("{what} on {on} cannot precede {after_what} on {after}").format(
                what=what, on=on, after_what=after_what, after=after
            )
        )


def existing_party(case: CaseState, party_type: PartyType, code: str) -> Party:
    """A party to the case (Art. 5: found responsible first)."""
    try:
        return case.parties[party_key(party_type.value, code)]
    except KeyError:
        raise NotFoundError(
            _(
                "{label} {code} is not a party to case {case_no}; assign responsibility first"
            ).format(label=party_type.label, code=code, case_no=case.case_no)
        ) from None


def named_party(case: CaseState, party_type: str, code: str) -> Party:
    """:func:`existing_party` for a party type as stored (its value)."""
    return existing_party(case, PartyType(party_type), code)


def decided_party(
    case: CaseState, party_type: str, code: str, in_force: bool = False
) -> tuple[Party, Decision]:
    """The party and its latest decision (Art. 10: one must have been issued)."""
    p = named_party(case, party_type, code)
    label = PartyType(party_type).label
    if p.decision is None:
        raise RuleViolationError(
            "Art. 10",
            _("decision first"),
            _("no 《责任追究决定书》 has been issued to {label} {code} in case {case_no}").format(
                label=label, code=code, case_no=case.case_no
            ),
        )
    if in_force and p.decision.revoked:
        raise RuleViolationError(
            "Art. 12",
            _("revoked decision"),
            _(
                "the decision for {label} {code} in case {case_no} was revoked on "
                "appeal; it is neither announced nor entered in a personnel file"
            ).format(label=label, code=code, case_no=case.case_no),
        )
    return p, p.decision


def check_told(party_type: str, told: Sequence[str] | None, article: str, what: str) -> None:
    """Art. 11/12: a unit is told; a person is told together with their unit."""
    if told is None:  # recorded before the recipients were recorded
        return
    missing = [t for t in required_told(PartyType(party_type)) if t not in told]
    N_("person"), N_("unit")  # the values of ``told``, shown translated
    if missing:
        whom = "本人及其所在单位" if party_type == PartyType.PERSON.value else "被追究责任的单位"
        raise RuleViolationError(
            article,
            _("{what} names who was told").format(what=_(what)),
            _("{what} is made to {whom}; the record does not say the {missing} was told").format(
                what=_(what), whom=whom, missing=_(" and the ").join(_(m) for m in missing)
            ),
        )
