"""Commands: ``unit ...`` and ``cadre ...`` — who can be held accountable (Art. 2) and the
posts a cadre holds over a lifetime (Art. 8)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from cli.click_types import IntegerRange
from cli.common import LedgerGroup, open_projections, record, settings
from cli.options import choice_of, date_option, describe_choices, json_option, on_option
from cli.output import Column, format_option, report_format_option, show_list
from ledger.domain import identifiers
from ledger.domain.regulation import AdminLevel, UnitKind
from ledger.i18n import NP_, _, ngettext, pgettext


@click.group(cls=LedgerGroup)
def unit() -> None:
    """Units (单位) of the nine kinds of Art. 2, and their annual rating (Art. 13)."""


@unit.command("add")
@click.argument("code")
@click.option("--name", required=True, help=_("Full name of the unit, e.g. 长沙市某区信访局."))
@click.option(
    "--kind",
    metavar="KIND",
    type=choice_of(UnitKind),
    required=True,
    help=_("Art. 2 kind: {describe_choices}.").format(describe_choices=describe_choices(UnitKind)),
)
@click.option(
    "--level",
    metavar="LEVEL",
    type=choice_of(AdminLevel),
    required=True,
    help=_("Administrative level: {describe_choices}.").format(
        describe_choices=describe_choices(AdminLevel)
    ),
)
@click.option(
    "--region",
    metavar="CODE",
    help=_(
        "GB/T 2260 division code of the unit's region in Hunan (e.g. 430182 宁乡市); Art. 6: "
        "a case against the unit needs an authority whose level and region cover it."
    ),
)
@json_option
def unit_add(**fields: Any) -> None:
    """Register a unit under its CODE (organisation department or discipline organ key)."""
    record("unit add", fields)  # fmt: skip


@unit.command("rating")
@click.argument("code", metavar="UNIT_CODE")
@click.option("--year", type=IntegerRange(1949, 9999), required=True, help=_("The rating year."))
@report_format_option(_("decisions"))
@json_option
def unit_rating(code: str, year: int, fmt: str | None) -> None:
    """Whether the unit may be rated an advanced unit for petition work in YEAR (Art. 13)."""
    from cli.registry_text import show_unit_rating

    show_unit_rating(code, year, fmt)


@unit.command("list")
@format_option
@json_option
def unit_list(fmt: str | None) -> None:
    """Every registered unit: code, name, Art. 2 kind, level and region."""
    p = open_projections(settings().open(signed=False))
    items = p.units()
    show_list(
        fmt,
        "units",
        [asdict(u) for u in items],
        (
            Column("code", _("code")),
            Column("name", pgettext("unit", "name")),
            Column("kind_label", _("kind (Art. 2)")),
            Column("level_label", _("level")),
            Column("region", _("region")),
            Column("region_name", _("region name")),
        ),
        title=ngettext("{n} unit:", "{n} units:", len(items)).format(n=len(items)),
        empty=_("No unit is registered."),
        next_command=f"lifeledger unit history {items[0].code}" if items else None,
    )


@unit.command("history")
@click.argument("code", metavar="UNIT_CODE")
@format_option
@json_option
def unit_history(code: str, fmt: str | None) -> None:
    """Every decision against the unit (集体责任) or a cadre posted in it at the incident."""
    from cli.registry_text import case_set_line

    code = identifiers.written_form(code)
    p = open_projections(settings().open(signed=False))
    items, completeness = p.unit_history_checked(code)
    first = items[0] if items else None
    empty = _("No decision names unit {code} or a cadre posted in it.").format(code=code)
    show_list(
        fmt,
        "decisions",
        [asdict(d) for d in items],
        (
            Column("decided_on", _("decided")),
            Column("case_no", _("case")),
            Column("party_code", _("party")),
            Column("post", _("post")),
            Column("decision_number", _("decision")),
            Column(
                "measures_in_force",
                _("measures in force"),
                lambda m: "、".join(x["label"] for x in m),
            ),
            Column("status_label", _("status")),
        ),
        title=_("Decisions of unit {code}:").format(code=code),
        empty="\n".join([empty, *case_set_line(completeness)]),
        next_command=f"lifeledger case show {first.case_no}" if first else None,
        attention=lambda r: "revoked" if r["status"] == "revoked" else None,
        extra={
            "unit_code": code,
            "completeness": completeness and asdict(completeness),
        },
        notes=case_set_line(completeness),
    )


def managed_options(f: Any) -> Any:
    """Art. 6 干部管理权限: where the cadre is managed, if not as their unit."""
    f = click.option(
        "--managed-region",
        metavar="CODE",
        help=_("GB/T 2260 code of the region whose party committee manages the cadre."),
    )(f)
    return click.option(
        "--managed-level",
        metavar="LEVEL",
        type=choice_of(AdminLevel),
        help=_(
            "Art. 6 干部管理权限: the level at which the cadre is managed (province 省管, city "
            "市管, county 县管, township 乡管); with --managed-region. Default: as the unit."
        ),
    )(f)


@click.group(cls=LedgerGroup)
def cadre() -> None:
    """Cadres (干部): one record for life, whatever posts they hold (Art. 8)."""


@cadre.command("add")
@click.argument("personnel_no")
@click.option("--name", required=True, help=_("The cadre's name."))
@click.option("--unit", required=True, metavar="UNIT_CODE", help=_("The unit of the current post."))
@click.option("--post", required=True, help=_("The post held, e.g. 副县长."))
@date_option("--since", help=_("When the post was taken up."))
@managed_options
@json_option
def cadre_add(**fields: Any) -> None:
    """Register a cadre under their PERSONNEL_NO, with their current post."""
    record("cadre add", fields)  # fmt: skip


@cadre.command("move")
@click.argument("personnel_no")
@click.option("--unit", required=True, metavar="UNIT_CODE", help=_("The unit of the new post."))
@click.option("--post", required=True, help=_("The new post."))
@on_option(_("When the new post was taken up."))
@managed_options
@json_option
def cadre_move(**fields: Any) -> None:
    """Record a transfer or appointment; earlier posts stay accountable (Art. 8)."""
    record("cadre move", fields)  # fmt: skip


@cadre.command("retire")
@click.argument("personnel_no")
@on_option(_("Date of retirement."))
@json_option
def cadre_retire(**fields: Any) -> None:
    """Record a retirement; accountability continues after it (Art. 8)."""
    record("cadre retire", fields)


#: What a search matched: the JSON's codes, marked for the catalog.
MATCHED = (NP_("matched", "personnel number"), NP_("matched", "name"), NP_("matched", "unit"))


def _matched_label(code: str) -> str:
    """What a search matched, as the table shows it (the JSON keeps the code)."""
    return pgettext("matched", code)


@cadre.command("search")
@click.argument("text")
@format_option
@json_option
def cadre_search(text: str, fmt: str | None) -> None:
    """Cadres by name (何伟, or its pinyin: hewei, he wei, hw), personnel-number prefix, or
    current unit (code or part of its name)."""
    p = open_projections(settings().open(signed=False))
    items = p.cadre_search(text)
    show_list(
        fmt,
        "cadres",
        [asdict(c) for c in items],
        (
            Column("personnel_no", _("personnel no")),
            Column("name", _("name")),
            Column("pinyin", _("pinyin")),
            Column("post", _("post")),
            Column("unit_code", _("unit")),
            Column("unit_name", _("unit name")),
            Column("retired_on", _("retired")),
            Column("matched", _("matched"), _matched_label),
        ),
        title=_("Cadres matching {text}:").format(text=text),
        empty=_("No cadre's name, personnel number or unit matches {text}.").format(text=text),
        next_command=f"lifeledger cadre history {items[0].personnel_no}" if items else None,
        extra={"query": text},
    )


@cadre.command("history")
@click.argument("personnel_no")
@click.option(
    "--year",
    type=IntegerRange(1949, 9999),
    help=_("Only what concerns this year (e.g. for the annual review, Art. 13)."),
)
@report_format_option(_("cases"))
@json_option
def cadre_history(personnel_no: str, year: int | None, fmt: str | None) -> None:
    """A cadre's whole accountability history across every unit and post (Art. 8, 11)."""
    from cli.registry_text import show_cadre_history

    show_cadre_history(personnel_no, year, fmt)


commands: list[click.Command] = [unit, cadre]
