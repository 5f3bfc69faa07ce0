"""Which fields of each case event hold business dates, read once from the domain's event
classes, and the conversion of a stored payload's date markers for exactly those fields.

The library's ``JSONTranscoder`` stores a date as ``{"_type_": "date_iso", "_data_":
"YYYY-MM-DD"}``; the fold (:mod:`ledger.domain.case_state`) takes ``datetime.date``, as the
aggregate sees them. Converting every value of every payload cost a rebuild about a third of
its time, so each event's fields are looked up in its class's annotations instead: a field
declared ``dt.date`` (or ``dt.date | None``) is converted directly; a field declared with
``Any`` inside whose shape a domain class states (a decision's document is
:class:`~ledger.domain.decision.DecisionDocument`'s ``to_dict``, an appeal's measures
:class:`~ledger.domain.decision.Measures`') has that class's date fields converted; any other
field with ``Any`` inside (a team's members) may hold dates no annotation names, and is
scanned; every other field (text, numbers, the library's timestamp) is left as stored.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import DomainEvent

from ledger.domain.case import AccountabilityCase
from ledger.domain.case_state import EVENTS
from ledger.domain.decision import DecisionDocument, Measures

Payload = dict[str, Any]
#: how the library's JSON transcoder marks a date
DATE_MARKER = "date_iso"
_date = dt.date.fromisoformat


#: The fields declared with ``Any`` inside whose stored value a domain class wrote: (event
#: name, field) -> that class (its own date fields are the value's dates).
SHAPES: dict[tuple[str, str], type] = {
    ("DecisionIssued", "document"): DecisionDocument,
    ("AppealDecided", "measures"): Measures,
}


class DateFields(typing.NamedTuple):
    """An event's fields declared as dates, those declared with ``Any`` inside (scanned), and
    those whose shape a domain class states: (field, the class's date fields), for a class
    that has any."""

    dates: tuple[str, ...]
    scanned: tuple[str, ...]
    nested: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _is_date(tp: Any) -> bool:
    """``dt.date`` or ``dt.date | None`` (a ``datetime`` is not a business date)."""
    if tp is dt.date:
        return True
    args = typing.get_args(tp)
    return _is_union(tp) and dt.date in args and all(a in (dt.date, type(None)) for a in args)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _may_hold_dates(tp: Any) -> bool:
    """True if a value of this type can hold a date the annotation does not name."""
    if tp is Any or tp is dt.date:
        return True
    return any(_may_hold_dates(a) for a in typing.get_args(tp))


def _date_fields(cls: type) -> tuple[str, ...]:
    return tuple(k for k, tp in typing.get_type_hints(cls).items() if _is_date(tp))


def declared(cls: type, shapes: Mapping[str, type] | None = None) -> DateFields:
    """The date fields of one event class (the library's own fields apart); ``shapes`` names
    the class whose ``to_dict`` wrote a field declared with ``Any`` inside."""
    common = typing.get_type_hints(DomainEvent)
    hints = {k: v for k, v in typing.get_type_hints(cls).items() if k not in common}
    shapes = shapes or {}
    dates = tuple(k for k, tp in hints.items() if _is_date(tp))
    scanned = tuple(
        k for k, tp in hints.items() if k not in dates and k not in shapes and _may_hold_dates(tp)
    )
    nested = tuple((k, inner) for k, shape in shapes.items() if (inner := _date_fields(shape)))
    return DateFields(dates, scanned, nested)


#: Every case event, by the fold's event name.
CASE_DATES: dict[str, DateFields] = {
    name: declared(
        getattr(AccountabilityCase, name),
        {field: shape for (event, field), shape in SHAPES.items() if event == name},
    )
    for name in EVENTS
}


#: ISO text of the days already written (a view stores a date as text); days repeat
_ISO: dict[dt.date, str] = {}
#: more days than a ledger's span: the memo is emptied rather than grown past it
_ISO_KEPT = 65536


def iso(day: dt.date) -> str:
    """``day.isoformat()``, remembered: a rebuild writes the same few thousand days hundreds
    of thousands of times, and formatting one costs ten times a look-up."""
    text = _ISO.get(day)
    if text is None:
        if len(_ISO) >= _ISO_KEPT:
            _ISO.clear()
        text = _ISO[day] = day.isoformat()
    return text


def scan_in_place(value: Payload) -> Payload:
    """Every date marker in a dict made ``datetime.date`` in place: in its values, and in the
    values of the dicts it holds, or lists of dicts."""
    for k, v in value.items():
        kind = type(v)
        if kind is dict:
            if v.get("_type_") == DATE_MARKER:
                value[k] = _date(v["_data_"])
            else:
                scan_in_place(v)
        elif kind is list and v and type(v[0]) is dict:
            for item in v:
                scan_in_place(item)
    return value


def _scan(value: Any) -> Any:
    """A value declared with ``Any`` inside, its dates converted in place."""
    kind = type(value)
    if kind is dict:
        if value.get("_type_") == DATE_MARKER:
            return _date(value["_data_"])
        return scan_in_place(value)
    if kind is list:
        for item in value:
            if type(item) is dict:
                scan_in_place(item)
    return value


def _copy(value: Any) -> Any:
    """A copy of a parsed value deep enough for :func:`_scan` to change."""
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(i) for i in value]
    return value


def dates_in_place(name: str, payload: Payload) -> Payload:
    """A freshly parsed payload of case event ``name`` with its declared dates made
    ``datetime.date``, in place (the hot path of a rebuild). An optional date stored as None
    stays None."""
    return convert_declared(payload, *CASE_DATES[name])


def convert_declared(
    payload: Payload,
    dates: tuple[str, ...],
    scanned: tuple[str, ...],
    nested: tuple[tuple[str, tuple[str, ...]], ...],
) -> Payload:
    """The dates one event class declares (:data:`CASE_DATES`), converted in place: its date
    fields, its loosely typed fields scanned, and the dates inside the classes it nests."""
    for k in dates:
        v = payload.get(k)
        if v is not None:
            payload[k] = _date(v["_data_"])
    if scanned:
        scan_fields(payload, scanned)
    if nested:
        nested_in_place(payload, nested)
    return payload


def nested_in_place(payload: Payload, nested: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    """The dates a domain class declares inside the payload's fields, converted in place (a
    value stored as something other than a date marker, or absent, is left as it is)."""
    for k, inner in nested:
        value = payload.get(k)
        if type(value) is dict:
            for name in inner:
                v = value.get(name)
                if type(v) is dict and v.get("_type_") == DATE_MARKER:
                    value[name] = _date(v["_data_"])


def scan_fields(payload: Payload, names: tuple[str, ...]) -> None:
    """The dates inside the payload's fields ``names`` (declared with ``Any``) converted."""
    for k in names:
        v = payload.get(k)
        if v:
            payload[k] = _scan(v)


def typed(name: str, payload: Payload) -> Payload:
    """The fields of case event ``name`` with their dates as ``datetime.date``: a new dict,
    the stored payload (which other readers show as stored) left as it is."""
    fields = dict(payload)
    declaration = CASE_DATES[name]
    for k in declaration.scanned:
        if k in fields:
            fields[k] = _copy(fields[k])
    for k, _inner in declaration.nested:
        if type(fields.get(k)) is dict:
            fields[k] = dict(fields[k])
    return dates_in_place(name, fields)
