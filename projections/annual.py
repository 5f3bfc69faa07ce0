from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ledger.domain.case_state import CaseState, Objection, Party
from ledger.domain.regulation import (
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ground_label,
)
from projections import labels
from projections.models import (
    AnnualReport,
    Count,
    OverdueStep,
)
from projections.steps import DUTIES, steps_of
from projections.values import (
    date,
    day,
    in_force,
    in_force_from,
)


def in_year(day: dt.date | str | None, year: int) -> bool:
    """True for a day (a date, or ISO text) in the year."""
    if day is None:
        return False
    return (day.year if isinstance(day, dt.date) else int(day[:4])) == year


def party_days(p: Party | None, objection: Objection | None) -> list[dt.date]:
    """Every business date of one person's part in a case (for the per-year view)."""
    days: list[dt.date | None] = [objection.on] if objection else []
    if p is None:
        return [d for d in days if d]
    days += [p.assigned_on, *p.hearings]
    if p.referral:
        days.append(p.referral.on)
    for d in p.decisions:
        # Art. 10 生效时间: the day the measures took effect belongs to the person's year too
        days += [d.decided_on, in_force_from(d), d.received_on]
        for part in (d.announcement, d.file_entry):
            if part:
                days.append(part.on)
        if d.appeal:
            days += [d.appeal.filed_on, d.appeal.decided_on]
    return [d for d in days if d]


def annual_figures(
    cases: list[CaseState], year: int, authority: str | None, position: int, today: dt.date
) -> AnnualReport:
    """Art. 14: the year's figures from the folded cases (each figure by its own date in the
    year); the read side and the printed report (:mod:`projections.documents`) both count
    with this one function."""
    opened = [c for c in cases if in_year(c.opened_on, year)]
    cited = _tally(str(g) for c in opened for g in c.grounds)
    parties = [p for c in cases for p in c.parties.values() if in_year(p.assigned_on, year)]
    # Art. 5: a member with an overruled objection is named but not held accountable.
    kinds = _tally(p.party_type for p in parties if p.responsibility != "none")
    responsibilities = _tally(p.responsibility for p in parties)
    decisions = [d for c in cases for p in c.parties.values() for d in p.decisions]
    issued = [d for d in decisions if in_year(d.decided_on, year)]
    # Art. 10 生效时间: measures count in the year they took effect, not the decision's year
    took_effect = [d for d in decisions if in_year(in_force_from(d), year)]
    imposed = _tally(m for d in took_effect for m in in_force(d))
    appeals = [d.appeal for d in decisions if d.appeal]
    outcomes = _tally(
        a.outcome for a in appeals if a.outcome is not None and in_year(a.decided_on, year)
    )
    overdue = _overdue(cases, year, today)
    return AnnualReport(
        year=year,
        authority=authority,
        position=position,
        cases_opened=len(opened),
        cases_closed=sum(1 for c in cases if in_year(c.closed_on, year)),
        lifetime_cases=sum(1 for c in opened if c.lifetime),
        grounds=tuple(
            Count(str(n), ground_label(n), cited[str(n)]) for n in sorted(map(int, cited))
        ),
        parties_by_kind=tuple(Count(t.value, t.label, kinds.get(t.value, 0)) for t in PartyType),
        responsibility_kinds=tuple(
            Count(r.value, r.label, responsibilities[r.value])
            for r in Responsibility
            if r.value in responsibilities
        ),
        decisions_issued=len(issued),
        decisions_revoked=sum(1 for d in issued if d.revoked),
        measures_by_kind=tuple(
            Count(m.value, m.label, imposed[m.value]) for m in Measure if m.value in imposed
        ),
        appeals_filed=sum(1 for a in appeals if in_year(a.filed_on, year)),
        appeal_outcomes=tuple(
            Count(o.value, o.label, outcomes[o.value]) for o in AppealOutcome if o.value in outcomes
        ),
        referrals=sum(
            1
            for c in cases
            for p in c.parties.values()
            if p.referral and in_year(p.referral.on, year)
        ),
        overdue_steps=tuple(
            Count(k, labels.STEP_LABELS[k], sum(1 for o in overdue if o.kind == k)) for k in DUTIES
        ),
        overdue=tuple(overdue),
    )


def _overdue(cases: list[CaseState], year: int, today: dt.date) -> list[OverdueStep]:
    """Duties (announcement, appeal decision) due in the year and done late, or still undone
    after their due day (a step made moot before its due day never was late)."""
    found = []
    for c in cases:
        for p in c.parties.values():
            for d in p.decisions:
                for s in steps_of(d):
                    if s.kind not in DUTIES or not in_year(s.due, year):
                        continue
                    if (s.settled_on or today.isoformat()) > s.due:
                        found.append(
                            OverdueStep(
                                c.case_no,
                                p.party_type,
                                p.code,
                                s.kind,
                                labels.STEP_LABELS[s.kind],
                                date(s.due),
                                day(s.done_on),
                            )
                        )
    found.sort(key=lambda o: (o.due, o.case_no, o.party_type, o.party_code, o.kind))
    return found


def _tally(items: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts
