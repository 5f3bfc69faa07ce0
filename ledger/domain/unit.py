"""A unit (单位) of one of the nine kinds of Art. 2."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.authority import Jurisdiction
from ledger.domain.ids import unit_id
from ledger.domain.regulation import AdminLevel, UnitKind


class Unit(Aggregate):
    """Art. 2: the Measures apply to units of nine kinds at every level; Art. 6: a unit's case
    follows its level and region (a GB/T 2260 division code, when recorded)."""

    @staticmethod
    def create_id(code: str, **_: Any) -> Any:
        return unit_id(code)

    @event("Registered")
    def __init__(
        self, code: str, name: str, kind: str, level: str, region: str | None = None
    ) -> None:
        self.code = code
        self.name = name
        self.kind = UnitKind(kind)
        self.level = AdminLevel(level)
        self.region = region

    @property
    def jurisdiction(self) -> Jurisdiction | None:
        return Jurisdiction(self.level, self.region) if self.region else None
