"""What every command checks of its input before the Measures' rules: required text is given,
an identifier fits the stores' indexes, and a business date (an Asia/Shanghai calendar date) is
not in the future."""

from __future__ import annotations

import datetime as dt

from ledger.domain.recorded_time import SHANGHAI
from ledger.errors import InvalidInputError
from ledger.i18n import _

#: Case numbers, personnel numbers and unit codes are keys of indexes in every store.
MAX_ID_LENGTH = 64


def today() -> dt.date:
    """Business dates are Asia/Shanghai calendar dates."""
    return dt.datetime.now(SHANGHAI).date()


def check_past(*days: dt.date) -> None:
    """A step is recorded once it has happened: no business date after today."""
    now = today()
    for day in days:
        if day > now:
            raise InvalidInputError(
                _(
                    "{day} is in the future (today is {now} in Asia/Shanghai); record "
                    "actions once they have happened"
                ).format(day=day, now=now)
            )


def require(**fields: str) -> None:
    """Each named text is given (not empty, not only spaces)."""
    for name, value in fields.items():
        if not value or not value.strip():
            raise InvalidInputError(
                _("{replace} is required").format(replace=name.replace("_", " "))
            )


def check_id(**fields: str) -> None:
    """Each named identifier is at most :data:`MAX_ID_LENGTH` characters long."""
    for name, value in fields.items():
        if len(value) > MAX_ID_LENGTH:
            raise InvalidInputError(
                _(
                    "the {replace} is {len} characters long; at most {MAX_ID_LENGTH} are allowed"
                ).format(
                    replace=name.replace("_", " "), len=len(value), MAX_ID_LENGTH=MAX_ID_LENGTH
                )
            )
