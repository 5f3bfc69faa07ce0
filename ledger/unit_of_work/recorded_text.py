"""What no recorded text may hold, checked on an aggregate's new events before anything is
written (a control character, a lone surrogate, text or an event past its limit)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from ledger.domain import limits
from ledger.errors import (
    InvalidInputError,
)
from ledger.i18n import _

if TYPE_CHECKING:  # the application hands itself to its units of work
    pass


#: What no recorded text may hold: C0 controls but tab, LF and CR; DEL; C1 controls; lone
#: surrogates (not Unicode characters; UTF-8 cannot store them). NUL also breaks PostgreSQL text.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(aggregate: Aggregate) -> None:
    """Refuse, before anything is written, text that no store or reader can hold faithfully."""
    for event in aggregate.pending_events:
        fields = vars(event)
        for name, value in fields.items():
            _check_value(name, value)
        limits.check_event_size(type(event).__qualname__, fields)


def _check_value(name: str, value: Any) -> None:
    if isinstance(value, str):
        limits.check_text_length(name, value)
        found = FORBIDDEN_CHARACTERS.search(value)
        if found:
            raise InvalidInputError(
                _(
                    "the {replace} contains the character U+{ord:04X}, a control character "
                    "or lone surrogate that no record may hold"
                ).format(replace=limits.field_label(name), ord=ord(found.group()))
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(str(key), key)
            _check_value(str(key), item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_value(name, item)
