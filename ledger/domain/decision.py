"""The decision document 《责任追究决定书》 (Art. 10) and the measures it may impose (Art. 7)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ledger.domain.regulation import (
    APPEAL_WITHIN_DAYS,
    UNIT_MEASURE_BY_SEVERITY,
    Measure,
    PartyType,
    Severity,
)
from ledger.errors import InvalidInputError, RuleViolationError
from ledger.i18n import _

#: Art. 10: what the document must state, with the words users see. (Its number, 文号, is
#: required too, but it is not one of the items Art. 10 lists.)
ART10_FIELDS = {
    "facts": "事实",
    "basis": "依据",
    "measures": "方式",
    "approving_authority": "批准机关",
    "effective_date": "生效时间",
    "appeal_period_days": "申诉期限",
    "appeal_authority": "受理机关",
}


@dataclass(frozen=True)
class Measures:
    """Art. 7: one or more measures, combined as the decision says."""

    measures: tuple[Measure, ...]
    severity: Severity | None = None
    sanction: str = ""
    #: Art. 7 "…等组织处理": another organisational measure, named in words
    other: str = ""

    def check(self, party_type: PartyType) -> None:
        """Art. 7: unit measures follow the circumstances; person measures are personal."""
        if not self.measures:
            raise RuleViolationError(
                "Art. 10", _("measures required"), _("the decision names no measure (方式)")
            )
        if len(set(self.measures)) != len(self.measures):
            raise InvalidInputError(_("a measure is named twice"))
        wrong = [m for m in self.measures if m.party_type is not party_type]
        if wrong:
            raise RuleViolationError(
                "Art. 7",
                _("measure not for this party"),
                _("{label} ({value}) is a measure for a {label2}, not for a {label3}").format(
                    label=wrong[0].label,
                    value=wrong[0].value,
                    label2=wrong[0].party_type.label,
                    label3=party_type.label,
                ),
            )
        if party_type is PartyType.UNIT:
            if self.severity is None:
                raise RuleViolationError(
                    "Art. 7",
                    _("circumstances required"),
                    _(
                        "a unit's decision must state the circumstances "
                        "(情节较轻 / 情节较重 / 情节严重)"
                    ),
                )
            expected = UNIT_MEASURE_BY_SEVERITY[self.severity]
            if self.measures != (expected,):
                raise RuleViolationError(
                    "Art. 7",
                    _("unit measure follows the circumstances"),
                    _("for a unit, {label} calls for {label2} ({value}) alone").format(
                        label=self.severity.label, label2=expected.label, value=expected.value
                    ),
                )
        elif Measure.DISCIPLINARY_SANCTION in self.measures and not self.sanction.strip():
            raise RuleViolationError(
                "Art. 7",
                _("sanction named"),
                _("纪律处分 must name the disciplinary sanction imposed (e.g. 党内警告)"),
            )
        if (Measure.OTHER_ORGANISATIONAL in self.measures) != bool(self.other.strip()):
            raise RuleViolationError(
                "Art. 7",
                _("other organisational measure named in words"),
                _(
                    "another organisational measure (…降职等组织处理) is recorded as "
                    "other_organisational together with its name in words (e.g. 停职检查)"
                ),
            )

    def labels(self) -> list[str]:
        """What users see: each measure in the Measures' words; another one by its name."""
        return [
            f"{m.label}：{self.other}" if m is Measure.OTHER_ORGANISATIONAL else m.label
            for m in self.measures
        ]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "measures": [m.value for m in self.measures],
            "severity": self.severity.value if self.severity else None,
            "sanction": self.sanction,
        }
        if self.other:
            data["other"] = self.other
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measures:
        return cls(
            tuple(Measure(m) for m in data["measures"]),
            Severity(data["severity"]) if data.get("severity") else None,
            data.get("sanction", ""),
            data.get("other", ""),
        )


@dataclass(frozen=True)
class DecisionDocument:
    """《责任追究决定书》: every field of Art. 10 is required."""

    number: str
    decided_on: dt.date
    facts: str
    basis: str
    measures: Measures
    approving_authority: str
    effective_date: dt.date | None
    appeal_authority: str
    appeal_period_days: int = APPEAL_WITHIN_DAYS

    def check(self, party_type: PartyType) -> None:
        """Art. 10: a document missing any required field is refused; Art. 12: 15 days."""
        if not self.number.strip():
            raise InvalidInputError(
                _("the document number (文号) of the 《责任追究决定书》 is required")
            )
        missing = [
            label
            for name, label in ART10_FIELDS.items()
            if name not in ("measures", "appeal_period_days", "effective_date")
            and not str(getattr(self, name)).strip()
        ]
        if self.effective_date is None:
            missing.append(ART10_FIELDS["effective_date"])
        if not self.appeal_period_days:  # not stated at all: Art. 10, not a wrong period
            missing.append(ART10_FIELDS["appeal_period_days"])
        if missing:
            raise RuleViolationError(
                "Art. 10",
                _("decision document incomplete"),
                _("the 《责任追究决定书》 does not state {missing}").format(
                    missing="、".join(missing)
                ),
                _(
                    "Art. 10 requires facts, basis, measures, approving authority, effective date, "
                    "appeal period and the authority that accepts appeals."
                ),
            )
        if self.appeal_period_days != APPEAL_WITHIN_DAYS:
            raise RuleViolationError(
                "Art. 12",
                _("appeal period is {APPEAL_WITHIN_DAYS} days").format(
                    APPEAL_WITHIN_DAYS=APPEAL_WITHIN_DAYS
                ),
                _(
                    "the document states an appeal period of {appeal_period_days} days; the "
                    "Measures allow {APPEAL_WITHIN_DAYS} days from receipt"
                ).format(
                    appeal_period_days=self.appeal_period_days,
                    APPEAL_WITHIN_DAYS=APPEAL_WITHIN_DAYS,
                ),
            )
        if self.effective_date is not None and self.effective_date < self.decided_on:
            raise InvalidInputError(
                _(
                    "the effective date {effective_date} precedes the decision date {decided_on}"
                ).format(effective_date=self.effective_date, decided_on=self.decided_on)
            )
        self.measures.check(party_type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "decided_on": self.decided_on,
            "facts": self.facts,
            "basis": self.basis,
            **self.measures.to_dict(),
            "approving_authority": self.approving_authority,
            "effective_date": self.effective_date,
            "appeal_period_days": self.appeal_period_days,
            "appeal_authority": self.appeal_authority,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionDocument:
        return cls(
            number=data["number"],
            decided_on=data["decided_on"],
            facts=data["facts"],
            basis=data["basis"],
            measures=Measures.from_dict(data),
            approving_authority=data["approving_authority"],
            effective_date=data["effective_date"],
            appeal_authority=data["appeal_authority"],
            appeal_period_days=data["appeal_period_days"],
        )
