"""A recording command's fields, as given on the command line or in an import line, parsed and
checked, with the outcome a handler returns."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from ledger.application import LedgerApplication
from ledger.domain import identifiers
from ledger.domain.decision import Measures
from ledger.domain.periods import REST_DAY_NOTE
from ledger.domain.regulation import (
    CHINESE_NUMERALS,
    UNIT_MEASURE_BY_SEVERITY,
    Measure,
    PartyType,
    ResultElement,
    Severity,
)
from ledger.errors import (
    InvalidInputError,
)
from ledger.i18n import _, article_label, enumerated

E = TypeVar("E", bound=Enum)


@dataclass(frozen=True)
class Outcome:
    """What a command recorded: one line for people, a JSON-able record, and warnings
    (recorded but late, outside Art. 8) that the user must see."""

    command: str
    summary: str
    data: dict[str, Any]
    warnings: tuple[str, ...] = ()


def _present(value: Any) -> bool:
    return value is not None and value is not False and value != "" and value != () and value != []


class Fields:
    """One command's fields, typed on the way out. Any field left unread is refused by
    :meth:`done`, so a misspelt field in an import line is an error, never ignored."""

    def __init__(self, command: str, raw: Mapping[str, Any]) -> None:
        self.command = command
        self._raw: dict[str, Any] = {}
        for key, value in raw.items():
            name = str(key).replace("-", "_")
            if name in self._raw:
                raise InvalidInputError(
                    _("{command}: field {name!r} is given twice").format(command=command, name=name)
                )
            self._raw[name] = value
        self._used: set[str] = set()

    # access ---------------------------------------------------------------------------
    def _take(self, name: str, aliases: tuple[str, ...] = ()) -> Any:
        found: list[tuple[str, Any]] = []
        for key in (name, *aliases):
            self._used.add(key)
            if _present(self._raw.get(key)):
                found.append((key, self._raw[key]))
        if len(found) > 1:
            raise InvalidInputError(
                _("{command}: give {name!r} once (also given as {value!r})").format(
                    command=self.command, name=name, value=found[1][0]
                )
            )
        return found[0][1] if found else None

    def _missing(self, name: str) -> InvalidInputError:
        """A required field is absent; when an unread field is spelt like it (``snice`` for
        ``since``), that misspelling is the error to report."""
        unread = [k for k in self._raw if k not in self._used and _present(self._raw[k])]
        close = difflib.get_close_matches(name, unread, n=1, cutoff=0.6)
        if close:
            return self._unknown(close, [name])
        return InvalidInputError(
            _("{command}: {name!r} is required (option --{replace})").format(
                command=self.command, name=name, replace=name.replace("_", "-")
            )
        )

    def text(self, name: str, *, required: bool = True, aliases: tuple[str, ...] = ()) -> str:
        value = self._take(name, aliases)
        if value is None:
            if required:
                raise self._missing(name)
            return ""
        if not isinstance(value, str):
            raise InvalidInputError(
                _("{command}: {name!r} must be text, got {value!r}").format(
                    command=self.command, name=name, value=value
                )
            )
        if required and not value.strip():
            raise self._missing(name)
        return _identifier(name, value) if value.strip() else ""

    def texts(self, name: str) -> list[str]:
        values = self._many(name)
        for v in values:
            if not isinstance(v, str) or not v.strip():
                raise InvalidInputError(
                    _("{command}: {name!r} must list non-empty texts").format(
                        command=self.command, name=name
                    )
                )
        return [_identifier(name, v) for v in values]

    def date(self, name: str, *, aliases: tuple[str, ...] = ()) -> dt.date:
        value = self._take(name, aliases)
        if value is None:
            raise self._missing(name)
        return _as_date(self.command, name, value)

    def optional_date(self, name: str) -> dt.date | None:
        """For fields whose absence a rule reports in its own words (Art. 10)."""
        value = self._take(name)
        return None if value is None else _as_date(self.command, name, value)

    def integer(self, name: str, default: int) -> int:
        value = self._take(name)
        if value is None:
            return default
        return _as_int(self.command, name, value)

    def year(self, name: str = "year") -> int:
        value = self._take(name)
        if value is None:
            raise self._missing(name)
        year = _as_int(self.command, name, value)
        if not 1949 <= year <= 9999:
            raise InvalidInputError(
                _("{command}: year {year} is out of range").format(command=self.command, year=year)
            )
        return year

    def flag(self, name: str) -> bool:
        value = self._take(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise InvalidInputError(
                _("{command}: {name!r} must be true or false, got {value!r}").format(
                    command=self.command, name=name, value=value
                )
            )
        return value

    def enum(self, name: str, kind: type[E], default: E | None = None) -> E:
        value = self._take(name)
        if value is None:
            if default is None:
                raise self._missing(name)
            return default
        return _as_enum(self.command, name, kind, value)

    def optional_enum(self, name: str, kind: type[E]) -> E | None:
        value = self._take(name)
        return None if value is None else _as_enum(self.command, name, kind, value)

    def enums(self, name: str, kind: type[E]) -> list[E]:
        return [_as_enum(self.command, name, kind, v) for v in self._many(name)]

    def grounds(self, name: str = "ground") -> list[int]:
        return [parse_ground(v) for v in self._many(name)]

    def results(self, name: str = "result") -> dict[int, list[ResultElement]] | list[ResultElement]:
        """Art. 4 results, each ``ELEMENT`` (for every cited ground that names it) or
        ``GROUND:ELEMENT`` (``11:conflict_intensified``); not both forms at once. The field
        ``consequence`` of older import files and batches is read as one ``ELEMENT``."""
        values = [*self._many(name), *self._many("consequence")]
        plain: list[ResultElement] = []
        by_ground: dict[int, list[ResultElement]] = {}
        for value in values:
            if value == "none":  # an old file's "consequence": "none" records nothing
                continue
            ground, sep, element = str(value).rpartition(":")
            parsed = _as_enum(self.command, name, ResultElement, element)
            if sep:
                by_ground.setdefault(parse_ground(ground), []).append(parsed)
            else:
                plain.append(parsed)
        if plain and by_ground:
            raise InvalidInputError(
                _("{command}: give every result as GROUND:ELEMENT or none of them").format(
                    command=self.command
                )
            )
        return by_ground or plain

    def party(self, *, allow_unit: bool = True) -> tuple[PartyType, str]:
        """``person`` or ``unit``: exactly one names the party (Art. 5: unit or person)."""
        person = self.text("person", required=False)
        unit = self.text("unit", required=False) if allow_unit else ""
        if person and unit:
            raise InvalidInputError(
                _("{command}: name one party, --person or --unit, not both").format(
                    command=self.command
                )
            )
        if person:
            return PartyType.PERSON, person
        if unit:
            return PartyType.UNIT, unit
        if not allow_unit:
            raise InvalidInputError(
                _("{command}: name the person with --person PERSONNEL_NO").format(
                    command=self.command
                )
            )
        raise InvalidInputError(
            _("{command}: name the party with --person PERSONNEL_NO or --unit UNIT_CODE").format(
                command=self.command
            )
        )

    def done(self) -> None:
        """Refuse fields the command does not take (a typo would otherwise be lost)."""
        unknown = sorted(k for k, v in self._raw.items() if k not in self._used and _present(v))
        if unknown:
            raise self._unknown(unknown, sorted(self._used))

    def _unknown(self, unknown: list[str], known: list[str]) -> InvalidInputError:
        """Name every unknown field, each with the closest field the command takes."""
        named = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            named.append(
                _("{name} (did you mean {close}?)").format(name=name, close=close[0])
                if close
                else name
            )
        return InvalidInputError(
            _("{command}: unknown field(s) {join}; see `lifeledger {command} --help`").format(
                command=self.command, join=enumerated(named)
            )
        )

    def _many(self, name: str) -> list[Any]:
        value = self._take(name)
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return list(value)
        return [value]


#: Fields that name a case, a cadre or a unit, with their labels: one written form each.
IDENTIFIER_FIELDS = {
    "case_no": "case number",
    "personnel_no": "personnel number",
    "person": "personnel number",
    "head": "personnel number",
    "in_charge": "personnel number",
    "member": "personnel number",
    "absent": "personnel number",
    "code": "unit code",
    "unit": "unit code",
}


def _identifier(name: str, value: str) -> str:
    """An identifier field in its one written form (NFKC; ledger.domain.identifiers); any
    other text with its outer whitespace removed."""
    label = IDENTIFIER_FIELDS.get(name)
    return identifiers.normalise(label, value) if label else value.strip()


def _as_date(command: str, name: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInputError(
        _("{command}: {name!r} is not a date: {value!r}; use YYYY-MM-DD").format(
            command=command, name=name, value=value
        )
    )


def _as_int(command: str, name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidInputError(
            _("{command}: {name!r} must be a number, got {value!r}").format(
                command=command, name=name, value=value
            )
        )
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise InvalidInputError(
        _("{command}: {name!r} must be a number, got {value!r}").format(
            command=command, name=name, value=value
        )
    )


def _as_enum(command: str, name: str, kind: type[E], value: Any) -> E:
    text = str(value).strip().lower().replace("-", "_")
    for member in kind:
        if member.value == text or getattr(member, "label", None) == str(value).strip():
            return member
    choices = enumerated(str(m.value) for m in kind)
    raise InvalidInputError(
        _("{command}: {name!r} must be one of {choices}; got {value!r}").format(
            command=command, name=name, choices=choices, value=value
        )
    )


def parse_ground(value: Any) -> int:
    """An Art. 4 item as a number (``11``), a numeral (``十一``) or a label (``（十一）``).

    A number outside 1–16 is passed on, so the case refuses it under Art. 4."""
    if isinstance(value, bool):
        raise InvalidInputError(_("{value!r} is not a ground of Art. 4").format(value=value))
    if isinstance(value, int):
        return value
    text = str(value).strip().strip("()（）")
    if text.isdigit():
        return int(text)
    if text in CHINESE_NUMERALS:
        return CHINESE_NUMERALS.index(text) + 1
    raise InvalidInputError(
        _(
            "{value!r} is not a ground of Art. 4; give its item number 1–16 or numeral (一)…(十六)"
        ).format(value=value)
    )


# the commands -------------------------------------------------------------------------------
Handler = Callable[[LedgerApplication, Fields], Outcome]


def _party(party_type: PartyType, code: str) -> dict[str, str]:
    return {"type": party_type.value, "code": code}


def _who(party_type: PartyType, code: str) -> str:
    return f"{party_type.label} {code}"


def _measures(f: Fields, party_type: PartyType) -> Measures | None:
    measures = f.enums("measure", Measure)
    severity = f.optional_enum("severity", Severity)
    sanction = f.text("sanction", required=False)
    other = f.text("other_measure", required=False)
    if not measures and severity is not None and party_type is PartyType.UNIT:
        measures = [UNIT_MEASURE_BY_SEVERITY[severity]]  # Art. 7 para. 1
    if not measures and severity is None and not sanction and not other:
        return None
    return Measures(tuple(measures), severity, sanction, other)


def _measure_labels(measures: Measures) -> str:
    text = "、".join(measures.labels())
    if measures.sanction:
        text += f" ({measures.sanction})"
    if measures.severity is not None:
        text = f"{measures.severity.label}: {text}"
    return text


def _late(what: str, on: dt.date, article: str, due: dt.date) -> tuple[str, ...]:
    """The warning for a step recorded after its 30-day period (it is recorded, flagged)."""
    if on <= due:
        return ()
    return (
        _(
            "{what} on {on}, after the 30-day period of {article} ended on {due} "
            "({REST_DAY_NOTE}): recorded and flagged overdue"
        ).format(
            what=_(what),
            on=on,
            article=article_label(article),
            due=due,
            REST_DAY_NOTE=_(REST_DAY_NOTE),
        ),
    )
