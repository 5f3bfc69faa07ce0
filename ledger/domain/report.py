"""Art. 14: "信访工作机构应当将本地区每年度信访工作责任追究情况汇总书面报告同级党委、政府，按规定
权限视情况予以通报。"

A petition work agency's written annual report on its region (a GB/T 2260 division and every
division within it), and its circulation (通报), each one signed event. The figures themselves
come from the read models (``report annual --region``); the events record that the report was
made, by whom and to whom, and that it was circulated (通报), and to whom.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.authority import NO_CONTEXT, Context
from ledger.domain.divisions import hunan
from ledger.domain.ids import report_id
from ledger.domain.regulation import AuthorityKind
from ledger.errors import AlreadyExistsError, InvalidInputError, NotAuthorisedError
from ledger.i18n import _


class RegionalReport(Aggregate):
    """One region's report for one year (Art. 14)."""

    @staticmethod
    def create_id(region: str, year: int, **_: Any) -> Any:
        return report_id(region, year)

    @classmethod
    def make(
        cls, region: str, year: int, agency: str, reported_to: str, on: dt.date,
        ctx: Context = NO_CONTEXT,
    ) -> RegionalReport:  # fmt: skip
        """The written report to the same-level Party committee and government."""
        if not reported_to.strip():
            raise InvalidInputError(_("say to whom the report went (同级党委、政府, Art. 14)"))
        fields: dict[str, Any] = {
            "region": region, "year": year, "agency": agency, "reported_to": reported_to,
            "on": on,
        }  # fmt: skip
        check_event(None, "Reported", fields, ctx)
        return cls(**fields)

    @event("Reported")
    def __init__(self, region: str, year: int, agency: str, reported_to: str, on: dt.date) -> None:
        self.region = region
        self.year = year
        self.agency = agency
        self.reported_on = on
        self.circulated_on: dt.date | None = None

    def circulate(self, on: dt.date, scope: str, ctx: Context = NO_CONTEXT) -> None:
        """The 通报 of the report, 按规定权限视情况."""
        if not scope.strip():
            raise InvalidInputError(_("say to whom the report was circulated (通报范围, Art. 14)"))
        check_event(self, "Circulated", {"on": on, "scope": scope}, ctx)
        self._circulated(on=on, scope=scope)

    @event("Circulated")
    def _circulated(self, on: dt.date, scope: str) -> None:
        self.circulated_on = on


def check_event(
    report: RegionalReport | None, name: str, f: Mapping[str, Any], ctx: Context
) -> None:
    """Art. 14: the petition work agency reports on a region after the year, then circulates."""
    if ctx.kind is not None and ctx.kind is not AuthorityKind.PETITION:
        raise NotAuthorisedError(
            "Art. 14",
            _("reported by the petition work agency"),
            _(
                "{authority} ({label}) does not report or circulate the annual "
                "accountability report; the 信访工作机构 does"
            ).format(authority=ctx.authority, label=ctx.kind.label),
        )
    if name == "Reported":
        hunan().check(f["region"])
        if f["on"].year <= f["year"]:
            raise InvalidInputError(
                _("the report on {year} is made after that year ends, not on {on}").format(
                    year=f["year"], on=f["on"]
                )
            )
    elif name == "Circulated" and report is not None:
        if report.circulated_on is not None:
            raise AlreadyExistsError(
                _("the report was already circulated on {circulated_on}").format(
                    circulated_on=report.circulated_on
                )
            )
        if f["on"] < report.reported_on:
            raise InvalidInputError(
                _("the 通报 on {on} cannot precede the report on {reported_on}").format(
                    on=f["on"], reported_on=report.reported_on
                )
            )
