"""Closing and reopening a case: closing never cuts off an Art. 11 or Art. 12 step owed to a
party; a closed case takes no event but reopening; a referral to the judicial organ."""

from __future__ import annotations

import datetime as dt

from ledger.domain.authority import Context
from ledger.domain.case_rules.parties import Fields, in_order, named_party
from ledger.domain.case_state import CLOSED, CaseState
from ledger.domain.regulation import APPEAL_WITHIN_DAYS, PartyType
from ledger.errors import RuleViolationError
from ledger.i18n import NP_, _, pgettext


def closed_case_error(case: CaseState) -> RuleViolationError:
    return RuleViolationError(
        "",
        _("closed case"),
        _("case {case_no} is closed (已结案); it takes no further events").format(
            case_no=case.case_no
        ),
        _("Reopen it with `case reopen --reason …` if there are new facts."),
    )


PARTY_WORDS = (NP_("party", "person"), NP_("party", "unit"))


def party_named(key: str) -> str:
    """A party key as a refusal names it: ``person:P001`` in English, 个人 P001 in Chinese."""
    party_type, _sep, code = key.partition(":")
    return pgettext("party", "{party}:{code}").format(
        party=pgettext("party", party_type), code=code
    )


def outstanding(case: CaseState, on: dt.date) -> list[RuleViolationError]:
    """What keeps a case from closing on ``on``: every Art. 11 and Art. 12 step still owed or
    still open to the party (a closed case must not cut off an appeal)."""
    found: list[RuleViolationError] = []

    def owe(article: str, rule: str, message: str) -> None:
        found.append(RuleViolationError(article, rule, message))

    for party, p in case.parties.items():
        decision = p.decision
        if decision is None:
            continue
        key = party_named(party)
        appeal = decision.appeal
        if not decision.revoked:
            if decision.announcement is None:
                owe(
                    "Art. 11",
                    _("announce before closing"),
                    _("the decision for {key} has not been announced").format(key=key),
                )
            if p.party_type == PartyType.PERSON.value and decision.file_entry is None:
                owe(
                    "Art. 11",
                    _("file entry before closing"),
                    _(
                        "the decision for {key} is not yet entered in the personnel file (人事档案)"
                    ).format(key=key),
                )
            if decision.received_on is None or decision.appeal_due is None:
                owe(
                    "Art. 12",
                    _("receipt before closing"),
                    _(
                        "receipt of the decision by {key} is not recorded; its "
                        "{APPEAL_WITHIN_DAYS}-day appeal period has not started"
                    ).format(key=key, APPEAL_WITHIN_DAYS=APPEAL_WITHIN_DAYS),
                )
            elif appeal is None and on <= decision.appeal_due:
                owe(
                    "Art. 12",
                    _("appeal period running"),
                    _("{key} may appeal until {appeal_due}; close after that day").format(
                        key=key, appeal_due=decision.appeal_due
                    ),
                )
        if appeal is not None and appeal.outcome is None:
            owe(
                "Art. 12",
                _("decide appeals before closing"),
                _("the appeal of {key} filed on {filed_on} awaits its decision").format(
                    key=key, filed_on=appeal.filed_on
                ),
            )
        elif appeal is not None and appeal.notice is None:
            owe(
                "Art. 12",
                _("notify the appeal decision before closing"),
                _("the appeal decision for {key} has not been told in writing").format(key=key),
            )
    return found


def rule_closed(case: CaseState, f: Fields, ctx: Context) -> None:
    """Closing never cuts off Art. 11 or Art. 12: refused while a decision is unannounced or
    not in the personnel file, its receipt unrecorded, its appeal period running, an appeal
    undecided or its decision not told in writing."""
    in_order(case, f["on"], case.opened_on, "closing", "the opening of the case")
    found = outstanding(case, f["on"])
    if found:
        raise found[0]


def rule_reopened(case: CaseState, f: Fields, ctx: Context) -> None:
    if case.status != CLOSED or case.closed_on is None:
        raise RuleViolationError(
            "",
            _("reopen a closed case"),
            _("case {case_no} is open; only a closed case reopens").format(case_no=case.case_no),
        )
    in_order(case, f["on"], case.closed_on, "reopening", "the closing")


def rule_referred(case: CaseState, f: Fields, ctx: Context) -> None:
    p = named_party(case, f["party_type"], f["party_code"])
    in_order(case, f["on"], p.assigned_on, "the referral", "the finding")
