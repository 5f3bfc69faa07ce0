"""Aggregate ids derived from natural keys (uuid5), so that a case number, a personnel
number or a unit code always names the same aggregate, in every store and every process."""

from __future__ import annotations

from uuid import UUID, uuid5

from ledger.domain import identifiers
from ledger.errors import InvalidInputError
from ledger.i18n import _

NAMESPACE = UUID("6b1f3f0e-3c55-5a0c-9d0e-4c6966656c67")


def _id(kind: str, key: str) -> UUID:
    # One written form per identifier (NFKC, ledger.domain.identifiers): a fullwidth
    # ``ＩＭ-1`` names the same record as ``IM-1``.
    name = f"{kind}/{identifiers.written_form(key)}"
    try:
        name.encode()
    except UnicodeEncodeError:  # a lone surrogate: not text that UTF-8 can hold
        raise InvalidInputError(
            _("the {kind} identifier {key!r} is not valid Unicode text").format(kind=kind, key=key)
        ) from None
    return uuid5(NAMESPACE, name)


def case_id(case_no: str) -> UUID:
    return _id("case", case_no)


def cadre_id(personnel_no: str) -> UUID:
    return _id("cadre", personnel_no)


def unit_id(code: str) -> UUID:
    return _id("unit", code)


#: The one signer-key registry of a ledger.
REGISTRY_ID = uuid5(NAMESPACE, "signer-keys")


def report_id(region: str, year: int) -> UUID:
    """Art. 14: one regional annual report per region (GB/T 2260 code) and year."""
    return _id("report", f"{region}/{year}")


def as_uuid(value: UUID | str) -> UUID:
    """An aggregate id as the stores hand it back: a UUID (PostgreSQL) or its hex text (SQLite)."""
    return value if isinstance(value, UUID) else UUID(str(value))
