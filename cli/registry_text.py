"""The read views of ``cadre history`` (Art. 8) and ``unit rating`` (Art. 13), whose commands
are in :mod:`cli.registry`: text, rows for ``--format`` and the JSON document."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cli.common import open_projections, settings
from cli.output import Column, show_report
from cli.terminal import measures_text, table
from ledger.i18n import _, bracketed, enumerated, listed, pgettext
from projections.labels import CASE_STATUS_LABELS
from projections.models import (
    CadreHistory,
    CaseCompleteness,
    HistoryEntry,
    Post,
    UnitRating,
)

#: A cadre's history as rows, one per case they are a party to (``--format csv``...).
HISTORY_COLUMNS = (
    Column("case_no", _("case")),
    Column("incident_date", _("incident")),
    Column(
        "post_at_incident", _("post at incident"), whole=lambda r: _post_text(r["post_at_incident"])
    ),
    Column("responsibility_label", _("responsibility")),
    Column("team_role_label", _("team role")),
    Column(
        "decisions",
        _("decisions"),
        whole=lambda r: "; ".join(
            f"{d['number']} {d['decided_on']} [{d['status_label']}]" for d in r["decisions"]
        ),
    ),
    Column(
        "measures_in_force",
        _("measures in force"),
        whole=lambda r: "、".join(m["label"] for m in r["measures_in_force"]),
    ),
    Column("case_status", _("case status"), lambda v: CASE_STATUS_LABELS.get(v, v)),
    Column("lifetime", _("lifetime (Art. 8)")),
)


def _post_text(post: dict[str, Any] | None) -> str | None:
    if not post:
        return None
    return listed([post["title"], bracketed(post["unit_name"], post["unit_code"])])


def show_cadre_history(personnel_no: str, year: int | None, fmt: str | None = None) -> None:
    p = open_projections(settings().open(signed=False))
    h = p.cadre_history(personnel_no, year)
    doc = asdict(h)
    show_report(fmt, doc, lambda: history_text(h), doc["entries"], HISTORY_COLUMNS)


def _post(post: Post | None) -> str:
    if post is None:
        return "—"
    return listed([post.title, bracketed(post.unit_name, post.unit_code)])


def history_text(h: CadreHistory) -> str:
    from ledger.domain.regulation import IN_FORCE_FROM

    now = (
        _("retired {retired_on}").format(retired_on=h.retired_on)
        if h.retired_on
        else _("now {post}").format(post=_post(h.current_post))
    )
    out = [
        _("Cadre {personnel_no} {name} — {now}").format(
            personnel_no=h.personnel_no, name=h.name, now=now
        ),
        _("Posts held (Art. 8: accountable for every one of them, for life):"),
        table(
            [_("from"), _("until"), _("unit"), _("post")],
            [
                (
                    p.start,
                    _("{end} (retired)").format(end=p.end)
                    if p.ended_by_retirement
                    else p.end or _("(now)"),
                    bracketed(p.unit_name, p.unit_code),
                    p.title,
                )
                for p in h.posts
            ],
        ),
    ]
    label = _(" in {year}").format(year=h.year) if h.year is not None else ""
    as_of = (
        _(" as of checkpoint {complete_as_of}").format(complete_as_of=h.complete_as_of)
        if h.complete_as_of is not None
        else ""
    )
    if not h.entries:
        out += [
            "",
            _("No accountability on record{label}{as_of}.").format(label=label, as_of=as_of),
        ]
    else:
        out += [
            "",
            _("Accountability{label} (Art. 8, 11):").format(label=label),
            table(
                [
                    _("case"),
                    _("incident"),
                    _("post at incident"),
                    _("responsibility"),
                    _("decisions"),
                    _("measures in force"),
                    _("case status"),
                ],
                [_history_row(e) for e in h.entries],
            ),
        ]
        owed = [f"{e.case_no} {n}" for e in h.entries for n in e.file_entries_outstanding]
        if owed:
            out.append(
                _(
                    "Personnel-file entry outstanding (Art. 11 归入个人人事档案, owed by the "
                    "organisation department that manages the cadre): "
                )
                + enumerated(owed)
            )
        old = [e.case_no for e in h.entries if not e.lifetime]
        if old:
            out.append(
                _(
                    "Incidents before {IN_FORCE_FROM} (outside Art. 8 lifetime accountability): "
                ).format(IN_FORCE_FROM=IN_FORCE_FROM)
                + enumerated(old)
            )
    if h.accountable_in_year is not None:
        verdict = (
            _("held accountable that year: the annual review and awards follow the rules (Art. 13)")
            if h.accountable_in_year
            else _("no decision in force made that year (Art. 13)")
        )
        out.append(f"{h.year}: {verdict}")
    out.append(completeness_line(h))
    return "\n".join(out)


def completeness_line(h: CadreHistory) -> str:
    """What the person index proved (Art. 8: the record is whole, not only authentic)."""
    later = _(
        "{checked} later event(s) naming {personnel_no} checked directly (of {appended} "
        "appended since)"
    ).format(checked=h.checked_after, personnel_no=h.personnel_no, appended=h.appended_after)
    if h.complete_as_of is None and h.unindexed_checkpoints:
        return _(
            "Completeness: not provable. The ledger's {count} checkpoint(s) were signed before "
            "it had the person index; every event was read from the log itself. `lifeledger "
            "checkpoint` builds the index and commits it in the next checkpoint; {later}."
        ).format(count=h.unindexed_checkpoints, later=later)
    if h.complete_as_of is None:
        return _("Completeness: no checkpoint yet; {later}.").format(later=later)
    before = (
        _(
            " Completeness is not provable as of the {count} earlier checkpoint(s), signed "
            "before the ledger had the person index (the first to carry it is checkpoint "
            "{since})."
        ).format(count=h.unindexed_checkpoints, since=h.indexed_since)
        if h.unindexed_checkpoints
        else ""
    )
    return _("Complete as of checkpoint {size} (person index); {later}.{before}").format(
        size=h.complete_as_of, later=later, before=before
    )


def _history_row(e: HistoryEntry) -> tuple[object, ...]:
    responsibility = (
        bracketed(e.responsibility_label, e.team_role_label)
        if e.team_role_label
        else e.responsibility_label
    )
    decisions = pgettext("separator", "; ").join(
        _("{number} {decided}, in force from {since} [{status}]").format(
            number=d.number, decided=d.decided_on, since=d.in_force_from, status=d.status_label
        )
        for d in e.decisions
    )
    return (
        e.case_no,
        e.incident_date,
        _post(e.post_at_incident),
        responsibility,
        decisions or "—",
        measures_text(e.measures_in_force),
        CASE_STATUS_LABELS.get(e.case_status, e.case_status),
    )


#: A unit's rating as rows: the decisions that count against it, then those that do not.
RATING_COLUMNS = (
    Column("case_no", _("case")),
    Column("decision_number", _("decision")),
    Column("decided_on", _("decided")),
    Column("status_label", _("status")),
    Column(
        "measures_in_force",
        _("measures in force"),
        whole=lambda r: "、".join(m["label"] for m in r["measures_in_force"]),
    ),
    Column("counted", _("counted (Art. 13)")),
)


def show_unit_rating(code: str, year: int, fmt: str | None = None) -> None:
    p = open_projections(settings().open(signed=False))
    r = p.unit_rating(code, year)
    doc = asdict(r)
    rows = [{**x, "counted": True} for x in doc["reasons"]]
    rows += [{**x, "counted": False} for x in doc["not_counted"]]
    show_report(fmt, doc, lambda: rating_text(r), rows, RATING_COLUMNS)


def rating_text(r: UnitRating) -> str:
    verdict = (
        _("may be rated an advanced unit for petition work")
        if r.may_be_rated_advanced
        else _("may NOT be rated an advanced unit for petition work (先进单位)")
    )
    out = [
        _("Unit {unit_code} {unit_name}, {year}: {verdict} (Art. 13)").format(
            unit_code=r.unit_code, unit_name=r.unit_name, year=r.year, verdict=verdict
        )
    ]
    if r.reasons:
        out.append(_("Held accountable that year by:"))
        out += [
            _("  {case_no} {decision_number} of {decided_on} [{status_label}]: {measures}").format(
                case_no=x.case_no,
                decision_number=x.decision_number,
                decided_on=x.decided_on,
                status_label=x.status_label,
                measures=measures_text(x.measures_in_force),
            )
            for x in r.reasons
        ]
    if r.not_counted:
        out.append(_("Not counted (revoked on appeal):"))
        out += [
            _("  {case_no} {decision_number} of {decided_on}").format(
                case_no=x.case_no, decision_number=x.decision_number, decided_on=x.decided_on
            )
            for x in r.not_counted
        ]
    out.append(r.rule)
    out += case_set_line(r.completeness)
    return "\n".join(out)


def case_set_line(c: CaseCompleteness | None) -> list[str]:
    """What the case index proved about the cases a read enumerated (Art. 13, 14)."""
    if c is None:
        return []
    if c.complete_as_of is None and c.unindexed_checkpoints:
        return [
            _(
                "Case set: completeness not provable. The ledger's {count} checkpoint(s) were "
                "signed before it had the case index; the cases were found through the read "
                "models alone. `lifeledger checkpoint` builds the case index and commits it in "
                "the next checkpoint."
            ).format(count=c.unindexed_checkpoints)
        ]
    if c.complete_as_of is None:
        return [_("Case set: not provable, no checkpoint yet.")]
    return [
        _(
            "Case set complete as of checkpoint {size} (case index); {checked} later event(s) "
            "checked directly (of {appended} appended since)."
        ).format(size=c.complete_as_of, checked=c.checked_after, appended=c.appended_after)
    ]
