"""The rows of the finding commands (``case list``, ``unit list``, ``cadre search``, a unit's
history), as frozen values beside :mod:`projections.models`' answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from projections.models import MeasureRef


@dataclass(frozen=True)
class CaseListEntry:
    """One line of ``case list``: a case as its checked events say it stands."""

    case_no: str
    opened_on: dt.date
    opening_authority: str
    status: str
    status_label: str
    grounds: tuple[int, ...]
    parties: tuple[str, ...]
    next_due: dt.date | None
    #: The duties whose legal period ran out with the duty undone (Art. 11, 12).
    overdue: tuple[str, ...]
    overdue_labels: tuple[str, ...]


@dataclass(frozen=True)
class UnitEntry:
    """One line of ``unit list``: a unit as its registration event says (Art. 2)."""

    code: str
    name: str
    kind: str
    kind_label: str
    level: str
    level_label: str
    region: str | None
    region_name: str | None


@dataclass(frozen=True)
class CadreFound:
    """One line of ``cadre search``, and what matched (name, personnel number or unit)."""

    personnel_no: str
    name: str
    pinyin: str
    post: str
    unit_code: str
    unit_name: str
    retired_on: dt.date | None
    matched: str


@dataclass(frozen=True)
class UnitDecision:
    """One decision in a unit's history: against the unit, or a cadre posted in it then."""

    case_no: str
    party_type: str
    party_code: str
    post: str | None
    decision_number: str
    decided_on: dt.date
    in_force_from: dt.date
    measures_in_force: tuple[MeasureRef, ...]
    status: str
    status_label: str
