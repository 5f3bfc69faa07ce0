"""Bounds on everything a ledger accepts: each text field, each event, each input line.

An event is kept for life (Art. 8), so whatever is written must stay readable, verifiable and
exportable by every store and every auditor's machine. The limits are generous for the real
documents they hold: the facts of a 《责任追究决定书》 (Art. 10) run to a few thousand
characters; :data:`LONG_TEXT` allows twenty thousand. Lengths are counted in characters (a
Chinese character is one), sizes of events and lines in UTF-8 bytes. Over a limit is an
:class:`~ledger.errors.InputTooLargeError` that names the field, the limit and the size, raised
before anything is written.

JSON read from outside (import lines, proof documents, bundle lines) is refused when nested
deeper than :data:`MAX_JSON_DEPTH`: no document the ledger writes nests that deep, and the
parser would otherwise fail with a ``RecursionError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ledger.errors import InputTooLargeError, InvalidInputError
from ledger.i18n import NP_, _, pgettext

__all__ = [
    "FIELD_LIMITS",
    "LONG_TEXT",
    "MAX_EVENT_BYTES",
    "MAX_IMPORT_LINE_BYTES",
    "MAX_JSON_DEPTH",
    "SHORT_TEXT",
    "check_event_size",
    "check_json_depth",
    "check_text_length",
    "field_label",
    "limit_of",
    "loads_bounded",
]

#: Texts that are documents: facts, statements, appeals, reasons, summaries (characters).
LONG_TEXT = 20_000
#: Names, posts, authorities, references (characters).
SHORT_TEXT = 500
#: Case numbers, personnel numbers, unit codes: keys of indexes in every store (characters).
ID_LENGTH = 64

#: The limit of each text field, by the name it has in events and commands.
FIELD_LIMITS: Mapping[str, int] = {
    # documents
    "facts": LONG_TEXT,
    "basis": LONG_TEXT,
    "statement": LONG_TEXT,
    "text": LONG_TEXT,
    "reason": LONG_TEXT,
    "summary": LONG_TEXT,
    # identifiers
    "case_no": ID_LENGTH,
    "personnel_no": ID_LENGTH,
    "unit_code": ID_LENGTH,
    "party_code": ID_LENGTH,
    "code": ID_LENGTH,
    "person": ID_LENGTH,
    "unit": ID_LENGTH,
    "head": ID_LENGTH,
    "in_charge": ID_LENGTH,
    "member": ID_LENGTH,
    "absent": ID_LENGTH,
}
#: One event's texts together (UTF-8 bytes). A decision whose facts and basis are both at the
#: limit in common Chinese characters (three bytes each) fits; in four-byte characters
#: (CJK Extension B) it does not.
MAX_EVENT_BYTES = 128 * 1024
#: One line of an import file (UTF-8 bytes), checked before it is parsed.
MAX_IMPORT_LINE_BYTES = 512 * 1024
#: Nesting of JSON read from outside: import lines, proof documents, bundle lines.
MAX_JSON_DEPTH = 16


def limit_of(name: str) -> int:
    """The limit of a text field; any text not listed is a short one."""
    return FIELD_LIMITS.get(name, SHORT_TEXT)


#: The fields a refusal names (by their event names, ``_`` read as a space), marked for the
#: catalog: 人事编号, 理由, 受理机关 in Chinese.
FIELD_WORDS = (
    NP_("field", "facts"),
    NP_("field", "basis"),
    NP_("field", "statement"),
    NP_("field", "text"),
    NP_("field", "reason"),
    NP_("field", "summary"),
    NP_("field", "case no"),
    NP_("field", "personnel no"),
    NP_("field", "unit code"),
    NP_("field", "party code"),
    NP_("field", "code"),
    NP_("field", "id"),
    NP_("field", "person"),
    NP_("field", "unit"),
    NP_("field", "head"),
    NP_("field", "in charge"),
    NP_("field", "member"),
    NP_("field", "absent"),
    NP_("field", "name"),
    NP_("field", "post"),
    NP_("field", "authority"),
    NP_("field", "opening authority"),
    NP_("field", "deciding authority"),
    NP_("field", "approving authority"),
    NP_("field", "appeal authority"),
    NP_("field", "number"),
    NP_("field", "sanction"),
    NP_("field", "other"),
    NP_("field", "other regulation"),
    NP_("field", "to"),
    NP_("field", "organ"),
    NP_("field", "custodian"),
    NP_("field", "file ref"),
    NP_("field", "holder"),
    NP_("field", "key id"),
    NP_("field", "agency"),
    NP_("field", "reported to"),
    NP_("field", "scope"),
    NP_("field", "region"),
    NP_("field", "managed region"),
)


def field_label(name: str) -> str:
    """A field as a refusal names it: "personnel no" in English, 人事编号 in Chinese (the
    regulation's words where it has them); a field not listed by its name."""
    return pgettext("field", name.replace("_", " "))


def check_text_length(name: str, value: str) -> None:
    """Refuse a text longer than its field's limit, naming field, limit and size."""
    limit = limit_of(name)
    if len(value) > limit:
        raise InputTooLargeError(
            _("the {label} field is {len:,} characters long; at most {limit:,} are allowed").format(
                label=field_label(name), len=len(value), limit=limit
            ),
            field=name,
            limit=limit,
            size=len(value),
        )


def _utf8_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, Mapping):
        return sum(_utf8_size(k) + _utf8_size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(_utf8_size(v) for v in value)
    return 16  # a date, number or flag: a few bytes of JSON


def check_event_size(event_name: str, fields: Mapping[str, Any]) -> None:
    """Refuse an event whose texts together exceed :data:`MAX_EVENT_BYTES`."""
    size = _utf8_size(fields)
    if size > MAX_EVENT_BYTES:
        raise InputTooLargeError(
            _(
                "the {event_name} event holds {size:,} bytes of text; at most "
                "{MAX_EVENT_BYTES:,} are allowed in one event"
            ).format(event_name=event_name, size=size, MAX_EVENT_BYTES=MAX_EVENT_BYTES),
            field=event_name,
            limit=MAX_EVENT_BYTES,
            size=size,
        )


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def check_json_depth(document: str | bytes, what: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` before it is parsed (the parser recurses)."""
    raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    raise InvalidInputError(
                        _("{what} nests JSON deeper than {limit} levels; refused unread").format(
                            what=what, limit=limit
                        )
                    )
        else:
            depth -= 1


def loads_bounded(document: str | bytes, what: str, limit: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for JSON from outside: :class:`InvalidInputError` when nested too deep,
    ``ValueError`` (as ``json.loads``) when malformed."""
    check_json_depth(document, what, limit)
    try:
        return json.loads(document)
    except RecursionError:  # a parser deeper than ours would not get here; be sure anyway
        raise InvalidInputError(
            _("{what} nests JSON too deeply; refused unread").format(what=what)
        ) from None


#: Events per transaction of a batched write (``lifeledger import``; ledger.unit_of_work.Batch).
BATCH_EVENTS = 1000
#: Aggregates a batched write keeps in memory between transactions.
BATCH_MEMORY = 4096  # as many as the repository cache holds (store.py)
