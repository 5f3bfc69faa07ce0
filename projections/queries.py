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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from ledger.domain import ids
from ledger.domain.divisions import hunan
from ledger.domain.periods import Period, PeriodStatus
from ledger.domain.recorded_time import end_of_day
from ledger.domain.regulation import (
    ANNOUNCE_WITHIN_DAYS,
    APPEAL_DECISION_WITHIN_DAYS,
    APPEAL_WITHIN_DAYS,
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ground_label,
)
from ledger.errors import InvalidInputError, NotFoundError
from ledger.i18n import N_, _
from ledger.transparency.person_index import PersonRecord
from projections import labels
from projections.codec import Unwrap
from projections.lateness import late_steps, recorded_at
from projections.models import (
    AnnualReport,
    CadreHistory,
    CaseState,
    CaseSummary,
    Count,
    Deadline,
    HistoryEntry,
    KeyInfo,
    LateStep,
    Objection,
    OverdueStep,
    Post,
    RatingReason,
    TimelineEntry,
    UnitRating,
)
from projections.replay import CaseEvent, career, decode, fold
from projections.schema import KEYS, Table
from projections.sql import Cursor, ViewStore, rows_as_dicts
from projections.steps import DUTIES, UNTIMED, Step, steps, steps_of, unpack
from projections.timeline import entries
from projections.trusted import (
    VERIFY_HINT,
    Checked,
    ReadRefusedError,
    TrustedLog,
    check_census,
    check_index_rows,
    refuse_row,
)
from projections.values import (
    date,
    day,
    grounds,
    in_force,
    measures,
    party_value,
    post_on,
)

Row = dict[str, Any]
Doc = dict[str, Any]
STEP_DAYS = {
    "announcement": ANNOUNCE_WITHIN_DAYS,
    "appeal_window": APPEAL_WITHIN_DAYS,
    "appeal_decision": APPEAL_DECISION_WITHIN_DAYS,
    "appeal_notice": APPEAL_DECISION_WITHIN_DAYS,  # Art. 12: part of the 30-day duty
}
#: Art. 13: the rule a unit rating applies, and which date decides the year.
RATING_RULE = N_(
    "Art. 13: 受到信访工作责任追究的单位，当年不得评为年度信访工作先进单位. A unit counts as "
    "held accountable in the year of the decision date (决定作出日期) of a decision against it "
    "that was not revoked on appeal; a decision modified on appeal still counts."
)
CHUNK = 500


def _in_year(text: str | None, year: int) -> bool:
    return text is not None and int(text[:4]) == year


def _marks(keys: Sequence[Any]) -> str:
    return ", ".join("?" for _ in keys)


def _chunks(keys: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(set(keys))
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


class Reader:
    """The queries, on one read cursor of the views and the application's event reader."""

    def __init__(
        self,
        store: ViewStore,
        cur: Cursor,
        position: int,
        unwrap: Unwrap | None,
        top: int | None = None,
    ) -> None:
        self.store = store
        self.cur = cur
        self.position = position
        self.unwrap = unwrap
        #: The log's last position in this snapshot; the records' events are read up to it.
        self.top = position if top is None else top
        self.trust = TrustedLog(store, cur, self.top, unwrap)

    def rows(self, table: Table, where: str, params: Sequence[Any], order: str = "") -> list[Row]:
        tail = f" ORDER BY {order}" if order else ""
        self.cur.execute(
            self.store.sql(f"SELECT * FROM {{{table.name}}} WHERE {where}{tail}"), tuple(params)
        )
        return rows_as_dicts(table.column_names, self.cur.fetchall())

    def names(self, table: Table, column: str, codes: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(codes):
            for r in self.rows(table, f"{column} IN ({_marks(chunk)})", chunk):
                found[r[column]] = r["name"]
        return found

    def key_rows(self) -> dict[str, Row]:
        return {k["key_id"]: k for k in self.rows(KEYS, "1 = 1", (), "registered_at")}

    # replaying cases ------------------------------------------------------------------------
    def case_events(self, cases: Iterable[int]) -> dict[int, list[CaseEvent]]:
        """The checked events of the cases the index names (keyed by opening position), up to
        the position the views have applied; each case must be what its index row says."""
        indexed: dict[UUID, tuple[int, str]] = {}
        for chunk in _chunks(cases):
            self.cur.execute(
                self.store.sql(
                    "SELECT opened_at, case_id, case_no FROM {proj_cases} "
                    f"WHERE opened_at IN ({_marks(chunk)})"
                ),
                tuple(chunk),
            )
            for case, case_id, case_no in self.cur.fetchall():
                indexed[UUID(case_id)] = (int(case), str(case_no))
        checked = self.checked(indexed, self.position)
        found: dict[int, list[CaseEvent]] = {}
        for oid, (case, case_no) in indexed.items():
            events = self.case_checked(checked, oid, _("case {case_no}").format(case_no=case_no))
            first = events[0] if events else None
            if (
                first is None
                or first.event != "Opened"
                or first.position != case
                or first.payload.get("case_no") != case_no
                or ids.case_id(case_no) != oid
            ):
                raise refuse_row(
                    "proj_cases", f"opened_at={case}", _("case {case_no}").format(case_no=case_no)
                )
            found[case] = events
        return dict(sorted(found.items()))

    def checked(self, records: Iterable[UUID], up_to: int | None = None) -> Checked:
        """Read and check records' events (and the key registry): refuse on a bad registry."""
        checked = self.trust.check(records, up_to)
        if checked.registry_failure is not None:
            raise self.trust.refuse(checked.registry_failure, _("the key registry"))
        return checked

    def case_checked(self, checked: Checked, oid: UUID, what: str) -> list[CaseEvent]:
        failure = checked.failures.get(oid)
        if failure is not None:
            raise self.trust.refuse(failure, what)
        return checked.events.get(oid, [])

    def case_by_id(self, case_no: str) -> tuple[list[CaseEvent], Checked]:
        """A case's checked events, found by the aggregate id its number names (no index)."""
        oid = ids.case_id(case_no)
        checked = self.checked([oid])
        events = self.case_checked(checked, oid, _("case {case_no}").format(case_no=case_no))
        if not events:
            raise NotFoundError(_("no case {case_no}").format(case_no=case_no))
        return events, checked

    def registered_names(self, party_type: str, codes: Iterable[str]) -> dict[str, str]:
        """Unit or cadre names from their own checked registration events."""
        by_id = {
            (ids.unit_id(c) if party_type == "unit" else ids.cadre_id(c)): c for c in set(codes)
        }
        if not by_id:
            return {}
        return self._names(self.checked(by_id), party_type, by_id)

    def _names(self, checked: Checked, party_type: str, by_id: dict[UUID, str]) -> dict[str, str]:
        """Names from the registration events of records checked in one pass."""
        label = "unit" if party_type == "unit" else "cadre"
        found: dict[str, str] = {}
        for oid, code in by_id.items():
            events = self.case_checked(checked, oid, f"{label} {code}")
            if events and events[0].event == "Registered":
                found[code] = str(events[0].payload["name"])
        return found

    def _same_events(self, checked: Checked, record: PersonRecord) -> None:
        """Each event the person index gave must be one of those just checked, byte for byte
        (it was read in another query): otherwise its signature was not the one checked."""
        if record.signatures_checked:
            return
        for e in record.events:
            if e.originator_id in checked.failures:
                raise self.trust.refuse(
                    checked.failures[e.originator_id],
                    _("an event of {topic}").format(topic=e.topic),
                )
            if checked.states.get(e.originator_id, {}).get(e.version) != e.state:
                raise ReadRefusedError(
                    _(
                        "the event at log position {position} changed while it was read: it is "
                        "not the one whose signature was checked. Nothing is shown from it. "
                        "{VERIFY_HINT}"
                    ).format(position=e.position, VERIFY_HINT=_(VERIFY_HINT)),
                    position=e.position,
                )

    def docs(self, cases: Iterable[int]) -> dict[int, Doc]:
        return {case: fold(events) for case, events in self.case_events(cases).items()}

    def case_by_number(self, case_no: str) -> int:
        self.cur.execute(
            self.store.sql("SELECT opened_at FROM {proj_cases} WHERE case_no = ?"), (case_no,)
        )
        row = self.cur.fetchone()
        if row is None:
            raise NotFoundError(_("no case {case_no}").format(case_no=case_no))
        return int(row[0])

    def named_in(self, party_type: str, code: str) -> list[int]:
        """The cases that name a party (index on the party code: never a scan)."""
        check_index_rows(
            self.trust,
            "proj_case_parties",
            _("a case naming {party_type} {code}").format(party_type=party_type, code=code),
        )
        self.cur.execute(
            self.store.sql(
                "SELECT opened_at FROM {proj_case_parties} WHERE code = ? AND party_type = ?"
            ),
            (code, party_type),
        )
        return [int(r[0]) for r in self.cur.fetchall()]

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
        for _unused, row, pending in self.running(today):
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
        doc = fold(self.case_by_id(case_no)[0])
        parties = list(doc["parties"].values())
        units = self.registered_names(
            "unit", (p["code"] for p in parties if p["party_type"] == "unit")
        )
        people = self.registered_names(
            "person", (p["code"] for p in parties if p["party_type"] == "person")
        )
        objections = doc["objections"]
        built = tuple(
            party_value(
                p,
                (units if p["party_type"] == "unit" else people).get(p["code"], ""),
                objections[p["code"]]["on"]
                if p["party_type"] == "person" and p["code"] in objections
                else None,
            )
            for p in parties
        )
        text = today.isoformat()
        pending = sorted(
            (s.due, s.kind)
            for p in parties
            for d in p["decisions"]
            for s in steps_of(d)
            if s.running_on(text) and s.kind not in UNTIMED
        )
        return CaseState(
            case_no=doc["case_no"],
            incident_date=date(doc["incident_date"]),
            opened_on=date(doc["opened_on"]),
            grounds=grounds(doc["grounds"]),
            other_regulation=doc["other_regulation"],
            facts=doc["facts"],
            consequence=doc["consequence"],
            consequence_label=labels.consequence_label(doc["consequence"]),
            lifetime=doc["lifetime"],
            status=doc["status"],
            status_label=labels.CASE_STATUS_LABELS[doc["status"]],
            closed_on=day(doc["closed_on"]),
            close_summary=doc["close_summary"],
            opening_authority=doc["opening_authority"],
            parties=built,
            objections=tuple(
                Objection(no, date(o["on"]), o["text"]) for no, o in objections.items()
            ),
            next_due=date(pending[0][0]) if pending else None,
            next_due_step=pending[0][1] if pending else None,
            position=doc["log"][-1],
        )

    def timeline(
        self, case_no: str, as_of: dt.date | None, business_as_of: dt.date | None = None
    ) -> list[TimelineEntry]:
        events, checked = self.case_by_id(case_no)
        return entries(events, checked.keys, as_of, business_as_of)

    # cadres ---------------------------------------------------------------------------------
    def cadre_history(
        self, personnel_no: str, year: int | None, record: PersonRecord
    ) -> CadreHistory:
        """The person's record from the events the person index proved complete: the cadre's
        own events and the cases those events belong to (Art. 8)."""
        own = [(e.notification_id, e.topic, e.state) for e in record.cadre_events]
        if not own:
            if record.complete_as_of is not None:
                why = _(
                    "no event names this number as of checkpoint {complete_as_of} (proven "
                    "absent from the person index), nor any of the {later} events after it"
                ).format(complete_as_of=record.complete_as_of, later=record.later)
            else:
                why = _("none of the {later} events of the log names this number").format(
                    later=record.later
                )
            raise NotFoundError(
                _("no cadre with personnel number {personnel_no}: {why}").format(
                    personnel_no=personnel_no, why=why
                )
            )
        # The units the cadre's events name, to read their names in the same pass: nothing is
        # shown from these events before that pass checks them.
        cadre_ids = list(dict.fromkeys(e.originator_id for e in record.cadre_events))
        unit_ids = {
            ids.unit_id(p["unit_code"]): p["unit_code"] for p in career(decode(own, self.unwrap))[0]
        }
        # Every event of the cadre, of those units and of the cases the index named, checked in
        # one pass (signature over the stored bytes, key valid at its position, versions): the
        # person index proved which events, this proves what they say.
        checked = self.checked([*cadre_ids, *unit_ids, *record.case_ids])
        self._same_events(checked, record)
        cadre_events = [
            e
            for oid in cadre_ids
            for e in self.case_checked(
                checked, oid, _("cadre {personnel_no}").format(personnel_no=personnel_no)
            )
        ]
        name = str(cadre_events[0].payload.get("name", ""))
        post_rows, retired = career(cadre_events)
        retired_on = day(retired)
        units = self._names(checked, "unit", unit_ids)
        posts = tuple(
            Post(
                unit_code=p["unit_code"],
                unit_name=units.get(p["unit_code"], ""),
                title=p["title"],
                start=date(p["start"]),
                end=day(p["until"]),
                ended_by_retirement=retired_on is not None and i == len(post_rows) - 1,
            )
            for i, p in enumerate(post_rows)
        )
        current = posts[-1] if posts and retired_on is None else None
        key = f"person:{personnel_no}"
        cadre = {"name": name}
        docs = [
            fold(
                self.case_checked(
                    checked,
                    oid,
                    _("a case naming {personnel_no} ({oid})").format(
                        personnel_no=personnel_no, oid=oid
                    ),
                )
            )
            for oid in record.case_ids
        ]
        history = []
        accountable = False
        for doc in docs:
            p = doc["parties"].get(key)
            objection = doc["objections"].get(personnel_no)
            if year is not None:
                if not any(_in_year(d, year) for d in party_days(p, objection)):
                    continue
                accountable = accountable or any(
                    _in_year(in_force_from(d), year) and d["status"] != "revoked"
                    for d in (p["decisions"] if p else ())
                )
            incident = date(doc["incident_date"])
            party = party_value(p, cadre["name"], objection and objection["on"]) if p else None
            resp = p["responsibility"] if p else Responsibility.NONE.value
            history.append(
                HistoryEntry(
                    case_no=doc["case_no"],
                    case_status=doc["status"],
                    incident_date=incident,
                    opened_on=date(doc["opened_on"]),
                    lifetime=doc["lifetime"],
                    grounds=grounds(doc["grounds"]),
                    opening_authority=doc["opening_authority"],
                    responsibility=resp,
                    responsibility_label=labels.responsibility_label(resp),
                    team_role=party.team_role if party else None,
                    team_role_label=party.team_role_label if party else None,
                    team_unit=party.team_unit if party else None,
                    assigned_on=party.assigned_on if party else None,
                    objected_on=day(objection["on"]) if objection else None,
                    hearings=party.hearings if party else (),
                    decisions=party.decisions if party else (),
                    measures_in_force=party.measures_in_force if party else (),
                    referral=party.referral if party else None,
                    post_at_incident=post_on(posts, incident),
                    post_now=current,
                    file_entries_outstanding=tuple(
                        d["number"]
                        for d in (p["decisions"] if p else ())
                        if d["status"] != "revoked" and d["announcement"] and not d["file_entry"]
                    ),
                )
            )
        history.sort(key=lambda e: (e.incident_date, e.opened_on, e.case_no))
        return CadreHistory(
            personnel_no=personnel_no,
            name=cadre["name"],
            posts=posts,
            current_post=current,
            retired_on=retired_on,
            year=year,
            entries=tuple(history),
            accountable_in_year=accountable if year is not None else None,
            complete_as_of=record.complete_as_of,
            checked_after=record.checked_later,
            appended_after=record.later,
            unindexed_checkpoints=record.unindexed_checkpoints,
            indexed_since=record.indexed_since,
        )

    # deadlines ------------------------------------------------------------------------------
    def deadlines(self, as_of: dt.date, soon_days: int) -> list[Deadline]:
        """The legal periods running on ``as_of``: started on or before it, not settled."""
        check_census(self.trust, self.position)
        indexed = self.running(as_of)
        docs = self.docs({row["opened_at"] for _, row, _ in indexed})
        for _position, row, _steps in indexed:  # each index row must name a decision the case holds
            doc = docs[row["opened_at"]]
            party = doc["parties"].get(f"{row['party_type']}:{row['code']}")
            if party is None or not any(d["number"] == row["number"] for d in party["decisions"]):
                raise refuse_row(
                    "proj_decisions",
                    f"opened_at={row['opened_at']}, {row['party_type']} {row['code']}",
                    _("case {case_no}").format(case_no=doc["case_no"]),
                )
        text = as_of.isoformat()
        running = [
            (
                doc["case_no"],
                {"party_type": p["party_type"], "code": p["code"], "number": d["number"]},
                pending,
            )
            for doc in docs.values()
            for p in doc["parties"].values()
            for d in p["decisions"]
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
        return found

    def late_steps(self, as_of: dt.date | None) -> list[LateStep]:
        """Every step done late, overdue until recorded, or recorded late (issue 13), from
        every case's checked events: the census proves no case row is missing, and each case
        is replayed from its own events. ``as_of``: as on record at the end of that day."""
        check_census(self.trust, self.position)
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
    def unit_rating(self, unit_code: str, year: int) -> UnitRating:
        names = self.registered_names("unit", [unit_code])
        if unit_code not in names:
            raise NotFoundError(_("no unit with code {unit_code}").format(unit_code=unit_code))
        check_census(self.trust, self.position)
        counted: list[RatingReason] = []
        not_counted: list[RatingReason] = []
        for case, doc in self.docs(self.named_in("unit", unit_code)).items():
            party = doc["parties"].get(f"unit:{unit_code}")
            if party is None:
                raise refuse_row(
                    "proj_case_parties",
                    f"code={unit_code}, party_type=unit, opened_at={case}",
                    _("case {case_no}").format(case_no=doc["case_no"]),
                )
            for d in party["decisions"] if party else ():
                if not _in_year(in_force_from(d), year):
                    continue
                reason = RatingReason(
                    doc["case_no"],
                    d["number"],
                    date(d["decided_on"]),
                    measures(in_force(d)),
                    d["status"],
                    labels.DECISION_STATUS_LABELS[d["status"]],
                )
                (not_counted if d["status"] == "revoked" else counted).append(reason)

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
        )

    # Art. 14 --------------------------------------------------------------------------------
    def _year_cases(self, year: int, authority: str | None) -> list[tuple[int, str]]:
        """(opening position, case number) of the cases with a business date in the year
        (index on year), after the census check that no case row is missing or added."""
        check_census(self.trust, self.position)
        check_index_rows(
            self.trust, "proj_case_years", _("a case with a date in {year}").format(year=year)
        )
        statement = (
            "SELECT c.opened_at, c.case_no FROM {proj_case_years} y "
            "JOIN {proj_cases} c ON c.opened_at = y.opened_at WHERE y.year = ?"
        )
        params: tuple[Any, ...] = (year,)
        if authority is not None:
            statement += " AND c.opening_authority = ?"
            params += (authority,)
        self.cur.execute(self.store.sql(statement + " ORDER BY c.opened_at"), params)
        return [(int(r[0]), str(r[1])) for r in self.cur.fetchall()]

    def cases_in_year(self, year: int, authority: str | None) -> list[str]:
        """The numbers of the cases the year's report counts (Art. 14)."""
        return [no for _, no in self._year_cases(year, authority)]

    def annual_report(
        self,
        year: int,
        authority: str | None,
        position: int,
        today: dt.date,
        region: str | None = None,
        region_of: Callable[[str, str, dt.date], str | None] | None = None,
    ) -> AnnualReport:
        """Replay only the cases with a date in the year (index on year), then count; with
        ``region``, only the cases naming a unit or cadre of that region or one within it
        (Art. 14 本地区), each party's region as ``region_of`` finds it on its finding date."""
        docs = list(self.docs(case for case, _ in self._year_cases(year, authority)).values())
        if region is None or region_of is None:
            return annual_figures(docs, year, authority, position, today)
        divisions, end = hunan(), dt.date(year, 12, 31)
        divisions.check(region)
        kept, per_child = [], Counter[str]()
        for doc in docs:
            codes = {
                code
                for p in doc["parties"].values()
                if (code := region_of(p["party_type"], p["code"], date(p["assigned_on"])))
                and divisions.contains(region, code, end)
            }
            if codes:
                kept.append(doc)
                per_child.update({divisions.child(region, c, end) for c in codes})
        report = annual_figures(kept, year, authority, position, today)
        return replace(
            report,
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


def party_days(p: Row | None, objection: Row | None) -> list[str]:
    """Every business date of one person's part in a case (for the per-year view)."""
    days = [objection["on"]] if objection else []
    if p is None:
        return days
    days += [p["assigned_on"], *p["hearings"]]
    if p["referral"]:
        days.append(p["referral"]["on"])
    for d in p["decisions"]:
        days += [d["decided_on"], d["received_on"]]
        for part in ("announcement", "file_entry"):
            if d[part]:
                days.append(d[part]["on"])
        if d["appeal"]:
            days += [d["appeal"]["filed_on"], d["appeal"]["decided_on"]]
    return [d for d in days if d]


def annual_figures(
    docs: list[Doc], year: int, authority: str | None, position: int, today: dt.date
) -> AnnualReport:
    """Art. 14: the year's figures from the folded cases (each figure by its own date in the
    year); the read side and the printed report (:mod:`projections.documents`) both count
    with this one function."""
    opened = [doc for doc in docs if _in_year(doc["opened_on"], year)]
    cited = _tally(str(g) for doc in opened for g in doc["grounds"])
    parties = [
        p for doc in docs for p in doc["parties"].values() if _in_year(p["assigned_on"], year)
    ]
    # Art. 5: a member with an overruled objection is named but not held accountable.
    kinds = _tally(p["party_type"] for p in parties if p["responsibility"] != "none")
    responsibilities = _tally(p["responsibility"] for p in parties)
    decisions = [d for doc in docs for p in doc["parties"].values() for d in p["decisions"]]
    issued = [d for d in decisions if _in_year(d["decided_on"], year)]
    imposed = _tally(m for d in issued for m in in_force(d))
    appeals = [d["appeal"] for d in decisions if d["appeal"]]
    outcomes = _tally(a["outcome"] for a in appeals if _in_year(a["decided_on"], year))
    overdue = _overdue(docs, year, today)
    return AnnualReport(
        year=year,
        authority=authority,
        position=position,
        cases_opened=len(opened),
        cases_closed=sum(1 for doc in docs if _in_year(doc["closed_on"], year)),
        lifetime_cases=sum(1 for doc in opened if doc["lifetime"]),
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
        decisions_revoked=sum(1 for d in issued if d["status"] == "revoked"),
        measures_by_kind=tuple(
            Count(m.value, m.label, imposed[m.value]) for m in Measure if m.value in imposed
        ),
        appeals_filed=sum(1 for a in appeals if _in_year(a["filed_on"], year)),
        appeal_outcomes=tuple(
            Count(o.value, o.label, outcomes[o.value]) for o in AppealOutcome if o.value in outcomes
        ),
        referrals=sum(
            1
            for doc in docs
            for p in doc["parties"].values()
            if p["referral"] and _in_year(p["referral"]["on"], year)
        ),
        overdue_steps=tuple(
            Count(k, labels.STEP_LABELS[k], sum(1 for o in overdue if o.kind == k)) for k in DUTIES
        ),
        overdue=tuple(overdue),
    )


def in_force_from(decision: Doc) -> str:
    """Art. 10 生效时间: the measures apply from the document's stated time, so Art. 13's year
    is the year they took effect (the decision date for documents that state none)."""
    return str(decision.get("effective_date") or decision["decided_on"])


def _overdue(docs: list[Doc], year: int, today: dt.date) -> list[OverdueStep]:
    """Duties (announcement, appeal decision) due in the year and done late, or still undone
    after their due day (a step made moot before its due day never was late)."""
    found = []
    for doc in docs:
        for p in doc["parties"].values():
            for d in p["decisions"]:
                for s in steps_of(d):
                    if s.kind not in DUTIES or not _in_year(s.due, year):
                        continue
                    if (s.settled_on or today.isoformat()) > s.due:
                        found.append(
                            OverdueStep(
                                doc["case_no"],
                                p["party_type"],
                                p["code"],
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


__all__ = ["Reader", "annual_figures", "post_on"]
