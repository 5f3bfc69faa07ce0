"""Find and list: cases by filter, cadres by name (Chinese or pinyin), units and a unit's
decisions — each answer folded from checked, signed events (DESIGN, "Trust model").

The view tables only say which records exist: :func:`projections.census.check_census` first
proves they hold exactly one row per case, unit and cadre the log opened, then every record
listed is read from the log by its aggregate id and checked (signature, key, Art. 6, versions)
and must agree with the row that named it. The filters apply to the folded records, never to
a view column, so an edited column can neither hide a case from a filter nor change what a
line shows.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.domain import ids
from ledger.domain.case_state import CaseState
from ledger.domain.divisions import hunan
from ledger.domain.periods import Period, PeriodStatus
from ledger.domain.regulation import AdminLevel, UnitKind
from ledger.errors import InvalidInputError, NotFoundError
from ledger.i18n import _
from ledger.transparency.case_record import CaseSet
from projections import labels
from projections.annual import party_days
from projections.case_check import check_case_set
from projections.census import check_census, refuse_row
from projections.lists import CadreFound, CaseListEntry, UnitDecision, UnitEntry
from projections.models import CaseCompleteness
from projections.queries import STEP_DAYS, Reader
from projections.replay import CaseEvent, career
from projections.steps import UNTIMED, steps_of
from projections.values import date, day, in_force, in_force_from, measures

RegionOf = Callable[[str, str, dt.date], str | None]


@dataclass(frozen=True)
class CaseFilter:
    """``case list``'s filters; None means any."""

    status: str | None = None
    authority: str | None = None
    region: str | None = None
    year: int | None = None
    ground: int | None = None
    overdue: bool = False
    party: str | None = None


# cases ------------------------------------------------------------------------------------------
def all_cases(reader: Reader) -> list[CaseState]:
    """Every case the log opened, folded from its checked events, in the order opened."""
    check_census(reader.trust, reader.position)
    reader.cur.execute(reader.store.sql("SELECT opened_at FROM {proj_cases}"))
    return list(reader.states(int(r[0]) for r in reader.cur.fetchall()).values())


def overdue_steps(case: CaseState, today: dt.date) -> list[str]:
    """The legal periods of the case that ran out before ``today`` with the duty undone (Art.
    11, 12); an unused appeal window lapses and is nobody's delay."""
    text, late = today.isoformat(), []
    for p in case.parties.values():
        for d in p.decisions:
            for s in steps_of(d):
                if s.kind in UNTIMED or s.kind == "appeal_window" or not s.running_on(text):
                    continue
                period = Period(date(s.start), STEP_DAYS[s.kind], labels.STEP_ARTICLES[s.kind])
                if period.status(today) is PeriodStatus.OVERDUE:
                    late.append(s.kind)
    return late


def _next_due(case: CaseState, today: dt.date) -> dt.date | None:
    text = today.isoformat()
    due = [
        s.due
        for p in case.parties.values()
        for d in p.decisions
        for s in steps_of(d)
        if s.running_on(text) and s.kind not in UNTIMED
    ]
    return date(min(due)) if due else None


def case_years(case: CaseState) -> set[int]:
    """The years of the case's business dates (opening, closing, each party's acts and the
    due days of their duties): the years whose Art. 14 report counts the case."""
    days = [case.opened_on, case.closed_on]
    years = set()
    for p in case.parties.values():
        days += party_days(p, case.objections.get(p.code))
        years |= {int(s.due[:4]) for d in p.decisions for s in steps_of(d) if s.due}
    return years | {d.year for d in days if d}


def case_list(
    reader: Reader,
    f: CaseFilter,
    today: dt.date,
    region_of: RegionOf,
    index: CaseSet | None = None,
) -> tuple[list[CaseListEntry], CaseCompleteness | None]:
    """The cases that pass every filter, from checked events (Art. 4, 6, 11, 12, 14), and as
    of which checkpoint every case was looked at (``index``: the case index's set)."""
    if f.status is not None and f.status not in labels.CASE_STATUS_LABELS:
        raise InvalidInputError(
            _("unknown case status {status!r}: use open or closed").format(status=f.status)
        )
    divisions = hunan()
    if f.region is not None:
        divisions.check(f.region)
    found = []
    cases = all_cases(reader)
    completeness = check_case_set(
        reader, index, (ids.case_id(c.case_no) for c in cases), "proj_cases"
    )
    for case in cases:
        late = overdue_steps(case, today)
        parties = case.parties.values()
        if (
            (f.status is not None and case.status != f.status)
            or (f.authority is not None and case.opening_authority != f.authority)
            or (f.ground is not None and f.ground not in case.grounds)
            or (f.year is not None and f.year not in case_years(case))
            or (f.overdue and not late)
            or (f.party is not None and all(p.code != f.party for p in parties))
        ):
            continue
        if f.region is not None and not any(
            (code := region_of(p.party_type, p.code, p.assigned_on))
            and divisions.contains(f.region, code, today)
            for p in parties
        ):
            continue
        found.append(
            CaseListEntry(
                case_no=case.case_no,
                opened_on=case.opened_on,
                opening_authority=case.opening_authority,
                status=case.status,
                status_label=labels.CASE_STATUS_LABELS[case.status],
                grounds=case.grounds,
                parties=tuple(sorted(p.code for p in parties)),
                next_due=_next_due(case, today),
                overdue=tuple(sorted(set(late))),
                overdue_labels=tuple(labels.STEP_LABELS[k] for k in sorted(set(late))),
            )
        )
    return found, completeness


# units and cadres ---------------------------------------------------------------------------------
def _registered(
    reader: Reader, table: str, key: str, id_of: Callable[[str], UUID], what: str
) -> dict[str, list[CaseEvent]]:
    """Every unit's or cadre's checked events, by code, after the census; each view row must
    name a record whose first event is at the row's position and registers that code."""
    check_census(reader.trust, reader.position)
    reader.cur.execute(reader.store.sql(f"SELECT {key}, registered_at FROM {{{table}}}"))
    rows = {str(code): int(at) for code, at in reader.cur.fetchall()}
    by_id = {id_of(code): code for code in rows}
    checked = reader.checked(by_id, reader.position)
    found: dict[str, list[CaseEvent]] = {}
    for oid, code in by_id.items():
        events = reader.case_checked(checked, oid, f"{what} {code}")
        if not events or events[0].event != "Registered" or events[0].position != rows[code]:
            raise refuse_row(table, f"{key}={code}", f"{what} {code}")
        found[code] = events
    return dict(sorted(found.items()))


def units(reader: Reader, today: dt.date) -> list[UnitEntry]:
    """Every registered unit, as its own registration event says (Art. 2)."""
    found = []
    divisions = hunan()
    for code, events in _registered(reader, "proj_units", "code", ids.unit_id, "unit").items():
        d = events[0].payload
        region = d.get("region")
        found.append(
            UnitEntry(
                code=code,
                name=str(d["name"]),
                kind=str(d["kind"]),
                kind_label=UnitKind(d["kind"]).label,
                level=str(d["level"]),
                level_label=AdminLevel(d["level"]).label,
                region=region,
                region_name=divisions.name(region, today) if region else None,
            )
        )
    return found


def _unit_names(reader: Reader) -> dict[str, str]:
    found = _registered(reader, "proj_units", "code", ids.unit_id, "unit")
    return {code: str(events[0].payload["name"]) for code, events in found.items()}


def pinyin(name: str) -> list[str]:
    """The syllables of a name in toneless pinyin (ü written v), through pypinyin."""
    from pypinyin import Style, lazy_pinyin

    return [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")]


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split()).replace("'", "")


def name_matches(name: str, query: str) -> bool:
    """A name matches its characters (何伟, 伟), its pinyin from any syllable (hewei, wei,
    "He Wei") or its initials (hw)."""
    q = _fold(query)
    if not q:
        return False
    if q in _fold(name):
        return True
    syllables = pinyin(name)
    return any(
        "".join(syllables[i:]).startswith(q) or "".join(s[0] for s in syllables[i:]).startswith(q)
        for i in range(len(syllables))
    )


def cadre_search(reader: Reader, text: str) -> list[CadreFound]:
    """Cadres whose name (Chinese or pinyin), personnel-number prefix, or current unit (code or
    name) matches ``text`` (Art. 8: one record for life)."""
    q = _fold(text)
    if not q:
        raise InvalidInputError(
            _("give a name, pinyin, personnel-number prefix or unit to search for")
        )
    unit_names = _unit_names(reader)
    found = []
    for no, events in _registered(
        reader, "proj_cadres", "personnel_no", ids.cadre_id, "cadre"
    ).items():
        name = str(events[0].payload["name"])
        posts, retired = career(events)
        post = posts[-1]
        unit = str(post["unit_code"])
        why = (
            "personnel number"
            if _fold(no).startswith(q)
            else "name"
            if name_matches(name, text)
            else "unit"
            if q == _fold(unit) or q in _fold(unit_names.get(unit, ""))
            else None
        )
        if why is None:
            continue
        found.append(
            CadreFound(
                personnel_no=no,
                name=name,
                pinyin=" ".join(pinyin(name)),
                post=str(post["title"]),
                unit_code=unit,
                unit_name=unit_names.get(unit, ""),
                retired_on=day(retired),
                matched=why,
            )
        )
    return found


def unit_history(
    reader: Reader, code: str, index: CaseSet | None = None
) -> tuple[list[UnitDecision], CaseCompleteness | None]:
    """Every decision against the unit (集体责任) and against the cadres who held a post in it
    on the incident date (Art. 5, 8, 10), in the order decided; and as of which checkpoint
    every case was looked at (``index``: the case index's ``cases`` set: a cadre's decision
    counts here through the cadre's post, which no unit key lists, so every case is checked).
    """
    names = reader.registered_names("unit", [code])
    if code not in names:
        raise NotFoundError(_("no unit with code {code}").format(code=code))
    cases = all_cases(reader)
    completeness = check_case_set(
        reader, index, (ids.case_id(c.case_no) for c in cases), "proj_cases"
    )
    people = {p.code for c in cases for p in c.parties.values() if p.party_type == "person"}
    careers = _careers(reader, people)
    found = []
    for case in cases:
        incident = case.incident_date.isoformat()
        for p in case.parties.values():
            if p.party_type == "unit":
                if p.code != code:
                    continue
                post = None
            else:
                post = _post_on(careers.get(p.code, []), incident)
                if post is None or post["unit_code"] != code:
                    continue
            for d in p.decisions:
                found.append(
                    UnitDecision(
                        case_no=case.case_no,
                        party_type=p.party_type,
                        party_code=p.code,
                        post=None if post is None else str(post["title"]),
                        decision_number=d.number,
                        decided_on=d.decided_on,
                        in_force_from=in_force_from(d),
                        measures_in_force=measures(in_force(d)),
                        status=d.status,
                        status_label=labels.DECISION_STATUS_LABELS[d.status],
                    )
                )
    found.sort(key=lambda u: (u.decided_on, u.case_no, u.party_type, u.party_code))
    return found, completeness


def _careers(reader: Reader, people: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    by_id = {ids.cadre_id(no): no for no in people}
    checked = reader.checked(by_id, reader.position)
    found = {}
    for oid, no in by_id.items():
        events = reader.case_checked(checked, oid, _("cadre {no}").format(no=no))
        found[no] = career(events)[0] if events else []
    return found


def _post_on(posts: Sequence[dict[str, Any]], on: str) -> dict[str, Any] | None:
    for p in posts:
        if p["start"] <= on and (p["until"] is None or on < p["until"]):
            return p
    return None
