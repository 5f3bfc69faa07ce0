"""Turn the plain data of a replayed case (:mod:`projections.replay`) into the API's values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

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


def in_force_from(decision: Row) -> str:
    """Art. 10 生效时间: the measures apply from the document's stated time (the decision date
    for documents recorded without one), not from the decision date."""
    return str(decision.get("effective_date") or decision["decided_on"])


def in_force(decision: Row, today: str | None = None) -> list[str]:
    """Art. 12: the measures that apply now — an appeal does not suspend them; a modified
    decision applies the new ones; a revoked one applies none. Art. 10: given ``today``,
    none apply before the document's 生效时间."""
    status = decision["status"]
    if status == "revoked" or (today is not None and in_force_from(decision) > today):
        return []
    if status == "modified":
        return list(decision["appeal"]["measures"])
    return list(decision["measures"])


def _other_in_force(decision: Row) -> str:
    if decision["status"] == "modified":
        return str(decision["appeal"].get("other") or "")
    return str(decision.get("other") or "")


def decision_value(r: Row, today: str | None = None) -> Decision:
    """A decision as the API shows it; ``measures_in_force`` as of ``today`` (Art. 10, 12)."""
    announcement = None
    if r["announcement"] is not None:
        a = r["announcement"]
        announcement = Announcement(date(a["on"]), a["to"], date(r["announce_due"]), a["overdue"])
    file_entry = None
    if r["file_entry"] is not None:
        f = r["file_entry"]
        file_entry = FileEntry(date(f["on"]), f["file_ref"], f["custodian"])
    appeal = None
    if r["appeal"] is not None:
        a = r["appeal"]
        appeal = Appeal(
            filed_on=date(a["filed_on"]),
            text=a["text"],
            decision_due=date(a["decision_due"]),
            outcome=a["outcome"],
            outcome_label=labels.outcome_label(a["outcome"]),
            decided_on=day(a["decided_on"]),
            reason=a["reason"],
            new_measures=measures(a["measures"], a.get("other") or ""),
            overdue=a["overdue"],
        )
    status = r["status"]
    return Decision(
        seq=r["seq"],
        position=r["position"],
        number=r["number"],
        decided_on=date(r["decided_on"]),
        facts=r["facts"],
        basis=r["basis"],
        measures=measures(r["measures"], r.get("other") or ""),
        severity=r["severity"],
        severity_label=labels.severity_label(r["severity"]),
        sanction=r["sanction"],
        approving_authority=r["approving_authority"],
        effective_date=day(r["effective_date"]),
        in_force_from=date(in_force_from(r)),
        appeal_period_days=r["appeal_period_days"],
        appeal_authority=r["appeal_authority"],
        deciding_authority=r["deciding_authority"],
        status=status,
        status_label=labels.DECISION_STATUS_LABELS[status],
        measures_in_force=measures(in_force(r, today), _other_in_force(r)),
        announce_due=date(r["announce_due"]),
        announcement=announcement,
        file_entry=file_entry,
        received_on=day(r["received_on"]),
        appeal_due=day(r["appeal_due"]),
        appeal=appeal,
    )


def referral_value(p: Row) -> Referral | None:
    r = p["referral"]
    return None if r is None else Referral(date(r["on"]), r["organ"], r["reason"])


def party_value(p: Row, name: str, objected_on: str | None, today: str | None = None) -> Party:
    decisions = tuple(decision_value(d, today) for d in p["decisions"])
    latest = decisions[-1] if decisions else None
    return Party(
        party_type=p["party_type"],
        party_type_label=labels.party_type_label(p["party_type"]),
        code=p["code"],
        name=name,
        responsibility=p["responsibility"],
        responsibility_label=labels.responsibility_label(p["responsibility"]),
        team_role=p["team_role"],
        team_role_label=labels.team_role_label(p["team_role"]),
        team_unit=p["team_unit"],
        individual_decision=bool(p["individual_decision"]),
        assigned_on=date(p["assigned_on"]),
        objected_on=day(objected_on),
        hearings=tuple(date(h) for h in p["hearings"]),
        decisions=decisions,
        decision=latest,
        measures_in_force=latest.measures_in_force if latest else (),
        referral=referral_value(p),
    )


def post_on(posts: Sequence[Post], on: dt.date) -> Post | None:
    """The post held on a day (Art. 8: the post at the incident date)."""
    for post in reversed(posts):
        if post.start <= on and (post.end is None or on < post.end):
            return post
    return None
