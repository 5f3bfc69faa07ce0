"""Handlers of the commands that register units and cadres (Art. 2, 8) and record the Art. 14
regional report."""

from __future__ import annotations

from ledger.application import LedgerApplication
from ledger.commands.fields import Fields, Outcome
from ledger.domain.authority import Jurisdiction
from ledger.domain.regulation import (
    AdminLevel,
    UnitKind,
)
from ledger.errors import (
    InvalidInputError,
)
from ledger.i18n import _


def unit_add(app: LedgerApplication, f: Fields) -> Outcome:
    code, name = f.text("code"), f.text("name")
    kind, level = f.enum("kind", UnitKind), f.enum("level", AdminLevel)
    region = f.text("region", required=False) or None
    f.done()
    app.add_unit(code, name, kind, level, region)
    where = _(", region {region} (GB/T 2260)").format(region=region) if region else ""
    return Outcome(
        "unit add",
        _("Unit {code} registered: {name} ({label}, {label2}{where})").format(
            code=code, name=name, label=kind.label, label2=level.label, where=where
        ),
        {"code": code, "name": name, "kind": kind.value, "level": level.value, "region": region},
    )


def _managed(f: Fields) -> Jurisdiction | None:
    """Art. 6: the level and region of the party committee that manages a cadre, if stated."""
    level = f.optional_enum("managed_level", AdminLevel)
    region = f.text("managed_region", required=False)
    if (level is None) != (not region):
        raise InvalidInputError(
            _("{command}: give both managed_level and managed_region (Art. 6), or neither").format(
                command=f.command
            )
        )
    return Jurisdiction(level, region) if level is not None else None


def _managed_text(managed: Jurisdiction | None) -> str:
    if managed is None:
        return ""
    return _("; {managed} by the party committee of {region} (Art. 6)").format(
        managed=managed.level.managed_label, region=managed.region
    )


def cadre_add(app: LedgerApplication, f: Fields) -> Outcome:
    no, name, unit, post = f.text("personnel_no"), f.text("name"), f.text("unit"), f.text("post")
    since = f.date("since")
    managed = _managed(f)
    f.done()
    app.add_cadre(no, name, unit, post, since, managed)
    return Outcome(
        "cadre add",
        _("Cadre {no} registered: {name}, {post} of {unit} since {since}{managed_text}").format(
            no=no, name=name, post=post, unit=unit, since=since, managed_text=_managed_text(managed)
        ),
        {"personnel_no": no, "name": name, "unit": unit, "post": post, "since": since},
    )


def cadre_move(app: LedgerApplication, f: Fields) -> Outcome:
    no, unit, post, on = f.text("personnel_no"), f.text("unit"), f.text("post"), f.date("on")
    managed = _managed(f)
    f.done()
    app.move_cadre(no, unit, post, on, managed)
    return Outcome(
        "cadre move",
        _(
            "Cadre {no} moved on {on} to {post} of {unit}; earlier posts stay accountable (Art. 8)"
        ).format(no=no, on=on, post=post, unit=unit)
        + _managed_text(managed),
        {"personnel_no": no, "unit": unit, "post": post, "on": on},
    )


def cadre_retire(app: LedgerApplication, f: Fields) -> Outcome:
    no, on = f.text("personnel_no"), f.date("on")
    f.done()
    app.retire_cadre(no, on)
    return Outcome(
        "cadre retire",
        _("Cadre {no} retired on {on}; accountability continues after retirement (Art. 8)").format(
            no=no, on=on
        ),
        {"personnel_no": no, "on": on},
    )


def report_record(app: LedgerApplication, f: Fields) -> Outcome:
    region, year, to, on = f.text("region"), f.year(), f.text("to"), f.date("on")
    f.done()
    app.report_region(region, year, to, on)
    return Outcome(
        "report record",
        _(
            "Annual report {year} on region {region} made in writing to {to} on {on} (Art. 14)"
        ).format(year=year, region=region, to=to, on=on),
        {"region": region, "year": year, "to": to, "on": on},
    )


def report_circulate(app: LedgerApplication, f: Fields) -> Outcome:
    region, year, scope, on = f.text("region"), f.year(), f.text("scope"), f.date("on")
    f.done()
    app.circulate_report(region, year, on, scope)
    return Outcome(
        "report circulate",
        _(
            "Annual report {year} on region {region} circulated (通报) on {on} to {scope} (Art. 14)"
        ).format(year=year, region=region, on=on, scope=scope),
        {"region": region, "year": year, "scope": scope, "on": on},
    )
