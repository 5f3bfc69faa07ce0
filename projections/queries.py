"""The questions, answered from the view tables and the cases' own events.

Each query runs inside one read transaction (one snapshot of the views) and touches only the
rows its question needs, through the indexes of :mod:`projections.schema`: a cadre's history
starts from the cases that name the personnel number, a unit's rating from the cases that
name the unit, the annual report from the cases with a date in the year, deadlines from the
decisions whose legal periods may be running. The cases found are replayed from their own
events (:mod:`projections.replay`), read by aggregate id — never a scan of the log.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import UUID

from ledger.domain import ids
from ledger.domain.case_state import party_key
from ledger.domain.divisions import hunan
from ledger.domain.periods import Period, PeriodStatus
from ledger.domain.recorded_time import end_of_day
from ledger.domain.regulation import (
    ANNOUNCE_WITHIN_DAYS,
    APPEAL_DECISION_WITHIN_DAYS,
    APPEAL_WITHIN_DAYS,
)
from ledger.errors import InvalidInputError, NotFoundError
from ledger.i18n import N_, _
from ledger.transparency.case_record import CaseSet
from projections import labels
from projections.annual import annual_figures, in_year
from projections.cadre_reads import CadreReads
from projections.case_check import case_ids_in_views, check_case_set, check_running
from projections.census import (
    check_census,
    check_index_rows,
    refuse_row,
)
from projections.lateness import late_steps, recorded_at
from projections.models import (
    AnnualReport,
    CaseCompleteness,
    CaseState,
    CaseSummary,
    Count,
    Deadline,
    KeyInfo,
    LateStep,
    Objection,
    RatingReason,
    TimelineEntry,
    UnitRating,
)
from projections.replay import state
from projections.steps import UNTIMED, Step, steps, steps_of, unpack
from projections.timeline import entries
from projections.values import (
    date,
    day,
    grounds,
    in_force,
    in_force_from,
    measures,
    party_value,
    post_on,
)

Row = dict[str, Any]
STEP_DAYS = {
    "announcement": ANNOUNCE_WITHIN_DAYS,
    "appeal_window": APPEAL_WITHIN_DAYS,
    "appeal_decision": APPEAL_DECISION_WITHIN_DAYS,
    "appeal_notice": APPEAL_DECISION_WITHIN_DAYS,  # Art. 12: part of the 30-day duty
}
#: Art. 13: the rule a unit rating applies, and which date decides the year.
RATING_RULE = N_(
    "Art. 13: 受到信访工作责任追究的单位，当年不得评为年度信访工作先进单位. A unit counts as "
    "held accountable in the year its measures took effect (生效时间, Art. 10) under a decision "
    "against it that was not revoked on appeal; a decision modified on appeal still counts."
)


class Reader(CadreReads):
    """The queries, on one read cursor of the views and the application's event reader."""

    # legal periods --------------------------------------------------------------------------
    def running(self, on: dt.date) -> list[tuple[str, Row, list[Step]]]:
        """(case number, decision row, periods running) of every decision with a legal period
        running on ``on`` (index on the day they settle)."""
        check_index_rows(self.trust, "proj_decisions", _("a decision with a period running"))
        text = on.isoformat()
        self.cur.execute(
            self.store.sql(
                "SELECT c.case_no, c.opened_at, d.party_type, d.code, d.number, d.dates "
                "FROM {proj_decisions} d JOIN {proj_cases} c ON c.opened_at = d.opened_at "
                "WHERE d.steps_until > ?"
            ),
            (text,),
        )
        found = []
        for r in self.cur.fetchall():
            row = {"opened_at": r[1], "party_type": r[2], "code": r[3], "number": r[4]}
            pending = [s for s in steps(unpack(r[5])) if s.running_on(text)]
            if pending:
                found.append((str(r[0]), row, pending))
        return found

    # cases ----------------------------------------------------------------------------------
    def cases(self, status: str | None, today: dt.date) -> list[CaseSummary]:
        if status is not None and status not in labels.CASE_STATUS_LABELS:
            raise InvalidInputError(
                _("unknown case status {status!r}: use open or closed").format(status=status)
            )
        next_due: dict[int, str] = {}
        for _case_no, row, pending in self.running(today):
            timed = [s.due for s in pending if s.kind not in UNTIMED]
            if not timed:
                continue
            due = min(timed)
            case = row["opened_at"]
            next_due[case] = min(due, next_due.get(case, due))
        where = " WHERE status = ?" if status else ""
        self.cur.execute(
            self.store.sql(
                "SELECT opened_at, case_no, incident_date, opened_on, opening_authority, status, "
                f"lifetime, grounds, parties FROM {{proj_cases}}{where} ORDER BY opened_at"
            ),
            (status,) if status else (),
        )
        return [
            CaseSummary(
                case_no=r[1],
                incident_date=date(r[2]),
                opened_on=date(r[3]),
                opening_authority=r[4],
                status=r[5],
                status_label=labels.CASE_STATUS_LABELS[r[5]],
                lifetime=bool(r[6]),
                grounds=tuple(int(n) for n in r[7].split(",") if n),
                parties=int(r[8]),
                next_due=day(next_due.get(r[0])),
            )
            for r in self.cur.fetchall()
        ]

    def case_state(self, case_no: str, today: dt.date) -> CaseState:
        events = self.case_by_id(case_no)[0]
        case = state(events)
        assert case is not None  # case_by_id found the case's events, its opening first
        parties = list(case.parties.values())
        units = self.registered_names("unit", (p.code for p in parties if p.party_type == "unit"))
        people = self.registered_names(
            "person", (p.code for p in parties if p.party_type == "person")
        )
        objections = case.objections
        built = tuple(
            party_value(
                p,
                (units if p.party_type == "unit" else people).get(p.code, ""),
                objections[p.code].on
                if p.party_type == "person" and p.code in objections
                else None,
                today,
            )
            for p in parties
        )
        text = today.isoformat()
        pending = sorted(
            (s.due, s.kind)
            for p in parties
            for d in p.decisions
            for s in steps_of(d)
            if s.running_on(text) and s.kind not in UNTIMED
        )
        return CaseState(
            case_no=case.case_no,
            incident_date=case.incident_date,
            opened_on=case.opened_on,
            grounds=grounds(case.grounds, case.results),
            other_regulation=case.other_regulation,
            facts=case.facts,
            consequence=case.consequence,
            consequence_label=labels.consequence_label(case.consequence),
            lifetime=case.lifetime,
            status=case.status,
            status_label=labels.CASE_STATUS_LABELS[case.status],
            closed_on=case.closed_on,
            close_summary=case.close_summary,
            opening_authority=case.opening_authority,
            parties=built,
            objections=tuple(Objection(no, o.on, o.text) for no, o in objections.items()),
            next_due=date(pending[0][0]) if pending else None,
            next_due_step=pending[0][1] if pending else None,
            position=events[-1].position,
        )

    def timeline(
        self, case_no: str, as_of: dt.date | None, business_as_of: dt.date | None = None
    ) -> list[TimelineEntry]:
        events, checked = self.case_by_id(case_no)
        found = entries(events, checked.keys, as_of, business_as_of)
        # Positions as everywhere else (verify, key list, proofs, documents): the Merkle leaf
        # index, counted from 0, not the store's notification id.
        shown = []
        for e in found:
            leaf = self.trust.leaf_position(e.position)
            shown.append(e if leaf is None else replace(e, position=leaf))
        return shown

    # deadlines ------------------------------------------------------------------------------
    def deadlines(
        self,
        as_of: dt.date,
        soon_days: int,
        index: CaseSet | None = None,
        closings: CaseSet | None = None,
    ) -> tuple[list[Deadline], CaseCompleteness | None]:
        """The legal periods running on ``as_of``: started on or before it, not settled; and
        as of which checkpoint every case was looked at (``index``: the case index's set;
        ``closings``: the case-dates index's, so that every case not closed by ``as_of`` is
        looked at, :func:`check_running`)."""
        check_census(self.trust, self.position)
        completeness = self.all_cases_checked(index)
        indexed = self.running(as_of)
        cases = self.states({row["opened_at"] for _case_no, row, _steps in indexed})
        led_to = (ids.case_id(c.case_no) for c in cases.values())
        check_running(self, index, closings, led_to, as_of)
        for _case_no, row, _steps in indexed:  # each index row must name a decision the case holds
            case = cases[row["opened_at"]]
            party = case.parties.get(party_key(row["party_type"], row["code"]))
            if party is None or not any(d.number == row["number"] for d in party.decisions):
                raise refuse_row(
                    "proj_decisions",
                    f"opened_at={row['opened_at']}, {row['party_type']} {row['code']}",
                    _("case {case_no}").format(case_no=case.case_no),
                )
        text = as_of.isoformat()
        running = [
            (
                case.case_no,
                {"party_type": p.party_type, "code": p.code, "number": d.number},
                pending,
            )
            for case in cases.values()
            for p in case.parties.values()
            for d in p.decisions
            if (pending := [s for s in steps_of(d) if s.running_on(text)])
        ]
        found = []
        for case_no, row, pending in running:
            for step in pending:
                kind = step.kind
                where = (
                    case_no,
                    row["party_type"],
                    row["code"],
                    row["number"],
                    kind,
                    labels.STEP_LABELS[kind],
                    labels.STEP_ARTICLES[kind],
                    date(step.start),
                )
                if kind in UNTIMED:  # owed, with no period: outstanding until recorded
                    label = labels.PERIOD_STATUS_LABELS["outstanding"]
                    found.append(Deadline(*where, None, "outstanding", label, None, False))
                    continue
                period = Period(date(step.start), STEP_DAYS[kind], labels.STEP_ARTICLES[kind])
                status = period.status(as_of, soon_days=soon_days)
                if kind == "appeal_window" and status is PeriodStatus.OVERDUE:
                    continue  # an unused appeal window lapses; nobody is late
                found.append(
                    Deadline(
                        *where,
                        period.due,
                        status.value,
                        labels.PERIOD_STATUS_LABELS[status.value],
                        (period.due - as_of).days,
                        period.provisional,
                    )
                )
        found.sort(
            key=lambda d: (d.due or dt.date.max, d.case_no, d.party_type, d.party_code, d.kind)
        )
        return found, completeness

    def late_steps(self, as_of: dt.date | None, index: CaseSet | None = None) -> list[LateStep]:
        """Every step done late, overdue until recorded, or recorded late (issue 13), from
        every case's checked events: the census proves no case row is missing (and the case
        index, ``index``, that none was hidden with the census balanced), and each case is
        replayed from its own events. ``as_of``: as on record at the end of that day."""
        check_census(self.trust, self.position)
        self.all_cases_checked(index)
        self.cur.execute(self.store.sql("SELECT opened_at FROM {proj_cases}"))
        cases = [int(r[0]) for r in self.cur.fetchall()]
        until = None if as_of is None else end_of_day(as_of)
        found: list[LateStep] = []
        for events in self.case_events(cases).values():
            if until is not None:  # what was on record then: a prefix of the log
                cut = next(
                    (i for i, e in enumerate(events) if recorded_at(e.payload) >= until),
                    len(events),
                )
                events = events[:cut]
            if events:
                found += late_steps(str(events[0].payload["case_no"]), events)
        return found

    # Art. 13 --------------------------------------------------------------------------------
    def unit_rating(self, unit_code: str, year: int, index: CaseSet | None = None) -> UnitRating:
        """``index``: the cases the case index lists under the unit; each must be found."""
        names = self.registered_names("unit", [unit_code])
        if unit_code not in names:
            raise NotFoundError(_("no unit with code {unit_code}").format(unit_code=unit_code))
        check_census(self.trust, self.position)
        counted: list[RatingReason] = []
        not_counted: list[RatingReason] = []
        states = self.states(self.named_in("unit", unit_code))
        completeness = check_case_set(
            self, index, (ids.case_id(c.case_no) for c in states.values()),
            "proj_case_parties and proj_cases",
        )  # fmt: skip
        for opened_at, case in states.items():
            party = case.parties.get(party_key("unit", unit_code))
            if party is None:
                raise refuse_row(
                    "proj_case_parties",
                    f"code={unit_code}, party_type=unit, opened_at={opened_at}",
                    _("case {case_no}").format(case_no=case.case_no),
                )
            for d in party.decisions:
                if not in_year(in_force_from(d), year):
                    continue
                reason = RatingReason(
                    case.case_no,
                    d.number,
                    d.decided_on,
                    measures(in_force(d)),
                    d.status,
                    labels.DECISION_STATUS_LABELS[d.status],
                )
                (not_counted if d.revoked else counted).append(reason)

        def order(r: RatingReason) -> tuple[dt.date, str, str]:
            return (r.decided_on, r.case_no, r.decision_number)

        return UnitRating(
            unit_code=unit_code,
            unit_name=names[unit_code],
            year=year,
            may_be_rated_advanced=not counted,
            reasons=tuple(sorted(counted, key=order)),
            not_counted=tuple(sorted(not_counted, key=order)),
            rule=_(RATING_RULE),
            completeness=completeness,
        )

    # Art. 14 --------------------------------------------------------------------------------
    def all_cases_checked(self, index: CaseSet | None) -> CaseCompleteness | None:
        """Every case the case index lists must have its ``proj_cases`` row: a read that
        starts from that table then misses none (``report annual``, ``deadlines``)."""
        return check_case_set(self, index, case_ids_in_views(self), "proj_cases")

    def _year_cases(
        self,
        year: int,
        authority: str | None,
        index: CaseSet | None = None,
        dated: CaseSet | None = None,
    ) -> tuple[list[tuple[int, str]], CaseCompleteness | None]:
        """(opening position, case number) of the cases with a business date in the year
        (index on year), after the census check that no case row is missing or added, and as
        of which checkpoint the case set is complete: every case the case index lists
        (``index``) must have its ``proj_cases`` row, and every case the case-dates index
        lists under the year (``dated``) must be among those selected."""
        check_census(self.trust, self.position)
        check_index_rows(
            self.trust, "proj_case_years", _("a case with a date in {year}").format(year=year)
        )
        completeness = self.all_cases_checked(index)
        self.cur.execute(
            self.store.sql(
                "SELECT c.opened_at, c.case_no, c.case_id, c.opening_authority "
                "FROM {proj_case_years} y JOIN {proj_cases} c ON c.opened_at = y.opened_at "
                "WHERE y.year = ? ORDER BY c.opened_at"
            ),
            (year,),
        )
        rows = self.cur.fetchall()
        check_case_set(
            self, dated, (UUID(str(r[2])) for r in rows), "proj_case_years and proj_cases"
        )
        # With an authority, the selection is narrowed by the proj_cases column after the
        # check above, as before (a column edited in place: verify's read-model audit).
        found = [(int(r[0]), str(r[1])) for r in rows if authority is None or r[3] == authority]
        return found, completeness

    def cases_in_year(
        self,
        year: int,
        authority: str | None,
        index: CaseSet | None = None,
        dated: CaseSet | None = None,
    ) -> list[str]:
        """The numbers of the cases the year's report counts (Art. 14); ``index``: every case
        of the log, as the case index lists them (none may lack its ``proj_cases`` row);
        ``dated``: the year's cases, as the case-dates index lists them."""
        found = self._year_cases(year, authority, index, dated)[0]
        return [no for _at, no in found]

    def annual_report(
        self,
        year: int,
        authority: str | None,
        position: int,
        today: dt.date,
        region: str | None = None,
        region_of: Callable[[str, str, dt.date], str | None] | None = None,
        index: CaseSet | None = None,
        dated: CaseSet | None = None,
    ) -> AnnualReport:
        """Replay only the cases with a date in the year (index on year), then count; with
        ``region``, only the cases naming a unit or cadre of that region or one within it
        (Art. 14 本地区), each party's region as ``region_of`` finds it on its finding date.
        ``index``: every case of the log, as the case index lists them; ``dated``: the
        year's cases, as the case-dates index lists them."""
        year_cases, completeness = self._year_cases(year, authority, index, dated)
        cases = list(self.states(case for case, _ in year_cases).values())
        if region is None or region_of is None:
            report = annual_figures(cases, year, authority, position, today)
            return replace(report, completeness=completeness)
        divisions, end = hunan(), dt.date(year, 12, 31)
        divisions.check(region)
        kept, per_child = [], Counter[str]()
        for case in cases:
            codes = {
                code
                for p in case.parties.values()
                if (code := region_of(p.party_type, p.code, p.assigned_on))
                and divisions.contains(region, code, end)
            }
            if codes:
                kept.append(case)
                per_child.update({divisions.child(region, c, end) for c in codes})
        report = annual_figures(kept, year, authority, position, today)
        return replace(
            report,
            completeness=completeness,
            region=divisions.in_force(region, end),
            region_name=divisions.name(region, end),
            sub_regions=tuple(
                Count(c, divisions.name(c, end), n) for c, n in sorted(per_child.items())
            ),
        )

    # keys -----------------------------------------------------------------------------------
    def keys(self) -> list[KeyInfo]:
        """Every key as the registry's own checked events describe it (not ``proj_keys``)."""
        rows = sorted(self.checked([]).keys.values(), key=lambda k: k["registered_at"])
        leaf = self.trust.leaf_position

        def at(notification: int) -> int:
            """The log position (Merkle leaf index, as ``verify`` and proofs count)."""
            found = leaf(notification)
            if found is None:
                raise refuse_row(
                    "merkle_leaves", f"notification_id={notification}", _("the key registry")
                )
            return found

        return [
            KeyInfo(
                key_id=k["key_id"],
                holder=k["holder"],
                authority=k["authority"],
                authority_kind=k["authority_kind"],
                authority_kind_label=labels.authority_kind_label(k["authority_kind"]),
                role=k["role"],
                role_label=labels.role_label(k["role"]),
                status=k["status"],
                status_label=labels.KEY_STATUS_LABELS[k["status"]],
                registered_at=at(k["registered_at"]),
                ended_at=None if k["ended_at"] is None else at(k["ended_at"]),
                replaced_by=k["replaced_by"],
                reason=k["reason"],
            )
            for k in rows
        ]


__all__ = ["Reader", "annual_figures", "post_on"]
