"""Turn a replayed case's typed state (:mod:`ledger.domain.case_state`) into the API's values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ledger.domain.case_state import MODIFIED
from ledger.domain.case_state import Appeal as AppealState
from ledger.domain.case_state import Decision as DecisionState
from ledger.domain.case_state import Party as PartyState
from ledger.domain.regulation import ResultElement, ground_label
from projections import labels
from projections.models import (
    Announcement,
    Appeal,
    Decision,
    FileEntry,
    GroundRef,
    MeasureRef,
    Party,
    Post,
    Referral,
)

Row = dict[str, Any]


def day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def measures(codes: Sequence[str] | None, other: str = "") -> tuple[MeasureRef, ...]:
    """Art. 7 measures with their labels; another organisational measure shows its own name."""
    return tuple(
        MeasureRef(c, f"{labels.measure_label(c)}：{other}" if other and c == OTHER else
                   labels.measure_label(c))
        for c in codes or ()
    )  # fmt: skip


OTHER = "other_organisational"


def grounds(
    numbers: Sequence[int], results: dict[str, list[str]] | None = None
) -> tuple[GroundRef, ...]:
    """Art. 4 items in their full wording, each with the results recorded for it."""
    return tuple(
        GroundRef(n, ground_label(n), tuple(rs := (results or {}).get(str(n), [])),
                  "、".join(ResultElement(r).label for r in rs))
        for n in numbers
    )  # fmt: skip


def in_force_from(decision: DecisionState) -> dt.date:
    """Art. 10 生效时间: the measures apply from the document's stated time (the decision date
    for documents recorded without one), not from the decision date."""
    return decision.effective_date or decision.decided_on


def in_force(decision: DecisionState, today: dt.date | None = None) -> tuple[str, ...]:
    """Art. 12: the measures that apply now — an appeal does not suspend them; a modified
    decision applies the new ones; a revoked one applies none. Art. 10: given ``today``,
    none apply before the document's 生效时间."""
    if decision.revoked or (today is not None and in_force_from(decision) > today):
        return ()
    return decision.measures_in_force


def _other_in_force(decision: DecisionState) -> str:
    if decision.status == MODIFIED and decision.appeal is not None:
        return decision.appeal.other or ""
    return decision.other or ""


def _appeal_value(a: AppealState) -> Appeal:
    return Appeal(
        filed_on=a.filed_on,
        text=a.text,
        decision_due=a.decision_due,
        outcome=a.outcome,
        outcome_label=labels.outcome_label(a.outcome),
        decided_on=a.decided_on,
        reason=a.reason,
        new_measures=measures(a.measures, a.other or ""),
        overdue=a.overdue,
    )


def decision_value(d: DecisionState, today: dt.date | None = None) -> Decision:
    """A decision as the API shows it; ``measures_in_force`` as of ``today`` (Art. 10, 12)."""
    a, f = d.announcement, d.file_entry
    assert d.position is not None  # read back from the log
    return Decision(
        seq=d.seq,
        position=d.position,
        number=d.number,
        decided_on=d.decided_on,
        facts=d.facts,
        basis=d.basis,
        measures=measures(d.measures, d.other or ""),
        severity=d.severity,
        severity_label=labels.severity_label(d.severity),
        sanction=d.sanction,
        approving_authority=d.approving_authority,
        effective_date=d.effective_date,
        in_force_from=in_force_from(d),
        appeal_period_days=d.appeal_period_days,
        appeal_authority=d.appeal_authority,
        deciding_authority=d.deciding_authority,
        status=d.status,
        status_label=labels.DECISION_STATUS_LABELS[d.status],
        measures_in_force=measures(in_force(d, today), _other_in_force(d)),
        announce_due=d.announce_due,
        announcement=None if a is None else Announcement(a.on, a.to, d.announce_due, a.overdue),
        file_entry=None if f is None else FileEntry(f.on, f.file_ref, f.custodian),
        received_on=d.received_on,
        appeal_due=d.appeal_due,
        appeal=None if d.appeal is None else _appeal_value(d.appeal),
    )


def party_value(
    p: PartyState, name: str, objected_on: dt.date | None, today: dt.date | None = None
) -> Party:
    decisions = tuple(decision_value(d, today) for d in p.decisions)
    latest = decisions[-1] if decisions else None
    r = p.referral
    return Party(
        party_type=p.party_type,
        party_type_label=labels.party_type_label(p.party_type),
        code=p.code,
        name=name,
        responsibility=p.responsibility,
        responsibility_label=labels.responsibility_label(p.responsibility),
        team_role=p.team_role,
        team_role_label=labels.team_role_label(p.team_role),
        team_unit=p.team_unit,
        individual_decision=p.individual_decision,
        assigned_on=p.assigned_on,
        objected_on=objected_on,
        hearings=tuple(p.hearings),
        decisions=decisions,
        decision=latest,
        measures_in_force=latest.measures_in_force if latest else (),
        referral=None if r is None else Referral(r.on, r.organ, r.reason),
    )


def post_on(posts: Sequence[Post], on: dt.date) -> Post | None:
    """The post held on a day (Art. 8: the post at the incident date)."""
    for post in reversed(posts):
        if post.start <= on and (post.end is None or on < post.end):
            return post
    return None
