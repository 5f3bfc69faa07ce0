"""Art. 6 "按照干部管理权限": who may hold whom accountable, as one predicate.

An authority (the holder of a signer key) has a level and a region; a cadre is managed at a
level (省管/市管/县管/乡管) by a region's party committee, and a unit belongs to a region at a
level. The authority covers the subject when its level is the subject's or above and the
subject's region lies within its own, both codes read as in force on the event's date
(:mod:`ledger.domain.divisions`). The write path and the semantic audit call the same
:func:`check_management_authority` with a :class:`Context`.

Records made before levels and regions were recorded (keys, units and cadres without them)
cannot be judged by this rule and pass it; everything recorded with them is judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.domain.divisions import hunan
from ledger.domain.regulation import AdminLevel, AuthorityKind
from ledger.errors import NotAuthorisedError
from ledger.i18n import _

RANK = {AdminLevel.PROVINCE: 0, AdminLevel.CITY: 1, AdminLevel.COUNTY: 2, AdminLevel.TOWNSHIP: 3}


@dataclass(frozen=True)
class Jurisdiction:
    """A level and a region (GB/T 2260 code): of an authority, or of a cadre's management."""

    level: AdminLevel
    region: str

    def describe(self, on: dt.date) -> str:
        divisions = hunan()
        code = divisions.in_force(self.region, on)
        return f"{self.level.label} {divisions.name(code, on)} {code}"


def _unknown(party_type: str, code: str, on: dt.date) -> Jurisdiction | None:
    return None


@dataclass(frozen=True)
class Context:
    """What a rule needs beyond the case's own state: who signs, and where the parties are
    managed (Art. 6). The default context knows neither (aggregate-level tests)."""

    authority: str = ""
    kind: AuthorityKind | None = None
    jurisdiction: Jurisdiction | None = None
    management: Callable[[str, str, dt.date], Jurisdiction | None] = field(default=_unknown)


NO_CONTEXT = Context()


def covers(authority: Jurisdiction, managed: Jurisdiction, on: dt.date) -> bool:
    """Art. 6: the authority's level is the subject's or above, its region holds the subject's."""
    return RANK[authority.level] <= RANK[managed.level] and hunan().contains(
        authority.region, managed.region, on
    )


def check_management_authority(ctx: Context, party_type: str, code: str, on: dt.date) -> None:
    """Art. 6: refuse an authority whose level and region do not cover the party's management."""
    if ctx.jurisdiction is None:
        return
    managed = ctx.management(party_type, code, on)
    if managed is None or covers(ctx.jurisdiction, managed, on):
        return
    who = _("cadre") if party_type == "person" else _("unit")
    how = managed.level.managed_label if party_type == "person" else managed.level.label
    raise NotAuthorisedError(
        "Art. 6",
        "干部管理权限",
        _(
            "{authority} ({describe}) does not cover {who} {code}, {how} in {describe2} on {on}"
        ).format(
            authority=ctx.authority,
            describe=ctx.jurisdiction.describe(on),
            who=who,
            code=code,
            how=how,
            describe2=managed.describe(on),
            on=on,
        ),
        _("The case goes to an authority at that level or above, in a region that holds it."),
    )


def check_sanction_by_discipline_organ(ctx: Context, measures: list[str]) -> None:
    """Art. 6/7: 纪律处分 ("按照有关规定给予纪律处分") is given only by a discipline organ."""
    if ctx.kind is None or ctx.kind is AuthorityKind.DISCIPLINE:
        return
    if "disciplinary_sanction" in measures:
        raise NotAuthorisedError(
            "Art. 6",
            _("纪律处分 only by a discipline organ"),
            _(
                "{authority} ({label}) may not impose 纪律处分; only a 纪检监察机关 records a "
                "disciplinary sanction"
            ).format(authority=ctx.authority, label=ctx.kind.label),
        )
