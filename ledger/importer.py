"""The ledger's commands by name, with typed fields: one table shared by the CLI and ``import``.

A command is named as on the command line (``"case open"``) and takes the fields of its
command-line options, spelled as the option without its dashes (``--incident-date`` →
``incident_date``; repeatable options take a list, e.g. ``"ground": [2, 11]``). The CLI calls
:func:`execute` with the options it parsed; ``lifeledger import`` calls it with one JSON object
per line. Both therefore reach the same :class:`LedgerApplication` method with the same checks.

Import semantics (documented in the README): every line is one command, applied whole or not
at all; a refused line is reported with its line number and error and the next line is tried
(or, with ``stop_on_error``, the import stops and reports where to resume). Nothing is dropped
silently: blank lines are counted, unknown fields are refused, every line is either applied,
refused, or reported as not attempted.

Lines are written in transactions of about :data:`~ledger.application.BATCH_EVENTS` events
(:meth:`LedgerApplication.batch`): the lines of one transaction run against the aggregates in
memory, each line atomic within it, and are reported only once their transaction committed.
So a killed import leaves the lines of the transactions it committed, a prefix of whole lines,
and an interrupted or failed one reports the first line not recorded. The signer's key is
checked against the registry at the start of each transaction and again before it commits.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from ledger.application import BATCH_EVENTS, MAX_RETRIES, Batch, LedgerApplication
from ledger.domain import identifiers, limits
from ledger.domain.authority import Jurisdiction
from ledger.domain.case_rules import TeamMember, party_key, required_told
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.imports import ImportedLine, imported_line_id
from ledger.domain.periods import REST_DAY_NOTE
from ledger.domain.regulation import (
    APPEAL_WITHIN_DAYS,
    CHINESE_NUMERALS,
    GROUNDS,
    IN_FORCE_FROM,
    UNIT_MEASURE_BY_SEVERITY,
    AdminLevel,
    AppealOutcome,
    Consequence,
    Measure,
    PartyType,
    Responsibility,
    Severity,
    TeamRole,
    UnitKind,
)
from ledger.errors import (
    ConcurrentWriteError,
    InputTooLarge,
    InvalidInput,
    LedgerError,
    NotFound,
    StoreError,
)

E = TypeVar("E", bound=Enum)

__all__ = [
    "COMMANDS",
    "Fields",
    "ImportReport",
    "Outcome",
    "Refusal",
    "execute",
    "import_lines",
    "parse_ground",
    "parse_line",
]


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
                raise InvalidInput(f"{command}: field {name!r} is given twice")
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
            raise InvalidInput(
                f"{self.command}: give {name!r} once (also given as {found[1][0]!r})"
            )
        return found[0][1] if found else None

    def _missing(self, name: str) -> InvalidInput:
        """A required field is absent; when an unread field is spelt like it (``snice`` for
        ``since``), that misspelling is the error to report."""
        unread = [k for k in self._raw if k not in self._used and _present(self._raw[k])]
        close = difflib.get_close_matches(name, unread, n=1, cutoff=0.6)
        if close:
            return self._unknown(close, [name])
        return InvalidInput(
            f"{self.command}: {name!r} is required (option --{name.replace('_', '-')})"
        )

    def text(self, name: str, *, required: bool = True, aliases: tuple[str, ...] = ()) -> str:
        value = self._take(name, aliases)
        if value is None:
            if required:
                raise self._missing(name)
            return ""
        if not isinstance(value, str):
            raise InvalidInput(f"{self.command}: {name!r} must be text, got {value!r}")
        if required and not value.strip():
            raise self._missing(name)
        return _identifier(name, value) if value.strip() else ""

    def texts(self, name: str) -> list[str]:
        values = self._many(name)
        for v in values:
            if not isinstance(v, str) or not v.strip():
                raise InvalidInput(f"{self.command}: {name!r} must list non-empty texts")
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
            raise InvalidInput(f"{self.command}: year {year} is out of range")
        return year

    def flag(self, name: str) -> bool:
        value = self._take(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise InvalidInput(f"{self.command}: {name!r} must be true or false, got {value!r}")
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

    def party(self, *, allow_unit: bool = True) -> tuple[PartyType, str]:
        """``person`` or ``unit``: exactly one names the party (Art. 5: unit or person)."""
        person = self.text("person", required=False)
        unit = self.text("unit", required=False) if allow_unit else ""
        if person and unit:
            raise InvalidInput(f"{self.command}: name one party, --person or --unit, not both")
        if person:
            return PartyType.PERSON, person
        if unit:
            return PartyType.UNIT, unit
        if not allow_unit:
            raise InvalidInput(f"{self.command}: name the person with --person PERSONNEL_NO")
        raise InvalidInput(
            f"{self.command}: name the party with --person PERSONNEL_NO or --unit UNIT_CODE"
        )

    def done(self) -> None:
        """Refuse fields the command does not take (a typo would otherwise be lost)."""
        unknown = sorted(k for k, v in self._raw.items() if k not in self._used and _present(v))
        if unknown:
            raise self._unknown(unknown, sorted(self._used))

    def _unknown(self, unknown: list[str], known: list[str]) -> InvalidInput:
        """Name every unknown field, each with the closest field the command takes."""
        named = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            named.append(f"{name} (did you mean {close[0]}?)" if close else name)
        return InvalidInput(
            f"{self.command}: unknown field(s) {', '.join(named)}; see "
            f"`lifeledger {self.command} --help`"
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
    "case_no": "case number", "personnel_no": "personnel number", "person": "personnel number",
    "head": "personnel number", "in_charge": "personnel number", "member": "personnel number",
    "absent": "personnel number", "code": "unit code", "unit": "unit code",
}  # fmt: skip


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
    raise InvalidInput(f"{command}: {name!r} is not a date: {value!r}; use YYYY-MM-DD")


def _as_int(command: str, name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{command}: {name!r} must be a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise InvalidInput(f"{command}: {name!r} must be a number, got {value!r}")


def _as_enum(command: str, name: str, kind: type[E], value: Any) -> E:
    text = str(value).strip().lower().replace("-", "_")
    for member in kind:
        if member.value == text or getattr(member, "label", None) == str(value).strip():
            return member
    choices = ", ".join(str(m.value) for m in kind)
    raise InvalidInput(f"{command}: {name!r} must be one of {choices}; got {value!r}")


def parse_ground(value: Any) -> int:
    """An Art. 4 item as a number (``11``), a numeral (``十一``) or a label (``（十一）``).

    A number outside 1–16 is passed on, so the case refuses it under Art. 4."""
    if isinstance(value, bool):
        raise InvalidInput(f"{value!r} is not a ground of Art. 4")
    if isinstance(value, int):
        return value
    text = str(value).strip().strip("()（）")
    if text.isdigit():
        return int(text)
    if text in CHINESE_NUMERALS:
        return CHINESE_NUMERALS.index(text) + 1
    raise InvalidInput(
        f"{value!r} is not a ground of Art. 4; give its item number 1–16 or numeral (一)…(十六)"
    )


# the commands -------------------------------------------------------------------------------
Handler = Callable[[LedgerApplication, Fields], Outcome]
COMMANDS: dict[str, Handler] = {}
"""Every command that records an event, by its command-line name. Key management (``key``
commands) and ``init`` are not here: they create keys, which an import file must not do."""


def _command(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = handler
        return handler

    return register


def execute(app: LedgerApplication, command: str, fields: Mapping[str, Any]) -> Outcome:
    """Run one command by name; a refusal raises a :class:`LedgerError` and writes nothing."""
    handler = COMMANDS.get(command)
    if handler is None:
        raise InvalidInput(f"unknown command {command!r}; one of: {', '.join(sorted(COMMANDS))}")
    return handler(app, Fields(command, fields))


def _party(party_type: PartyType, code: str) -> dict[str, str]:
    return {"type": party_type.value, "code": code}


def _who(party_type: PartyType, code: str) -> str:
    return f"{party_type.label} {code}"


@_command("unit add")
def _unit_add(app: LedgerApplication, f: Fields) -> Outcome:
    code, name = f.text("code"), f.text("name")
    kind, level = f.enum("kind", UnitKind), f.enum("level", AdminLevel)
    region = f.text("region", required=False) or None
    f.done()
    app.add_unit(code, name, kind, level, region)
    where = f", region {region} (GB/T 2260)" if region else ""
    return Outcome(
        "unit add",
        f"Unit {code} registered: {name} ({kind.label}, {level.label}{where})",
        {"code": code, "name": name, "kind": kind.value, "level": level.value, "region": region},
    )


def _managed(f: Fields) -> Jurisdiction | None:
    """Art. 6: the level and region of the party committee that manages a cadre, if stated."""
    level = f.optional_enum("managed_level", AdminLevel)
    region = f.text("managed_region", required=False)
    if (level is None) != (not region):
        raise InvalidInput(
            f"{f.command}: give both managed_level and managed_region (Art. 6), or neither"
        )
    return Jurisdiction(level, region) if level is not None else None


def _managed_text(managed: Jurisdiction | None) -> str:
    if managed is None:
        return ""
    return f"; {managed.level.managed_label} by the party committee of {managed.region} (Art. 6)"


@_command("cadre add")
def _cadre_add(app: LedgerApplication, f: Fields) -> Outcome:
    no, name, unit, post = f.text("personnel_no"), f.text("name"), f.text("unit"), f.text("post")
    since = f.date("since")
    managed = _managed(f)
    f.done()
    app.add_cadre(no, name, unit, post, since, managed)
    return Outcome(
        "cadre add",
        f"Cadre {no} registered: {name}, {post} of {unit} since {since}{_managed_text(managed)}",
        {"personnel_no": no, "name": name, "unit": unit, "post": post, "since": since},
    )


@_command("cadre move")
def _cadre_move(app: LedgerApplication, f: Fields) -> Outcome:
    no, unit, post, on = f.text("personnel_no"), f.text("unit"), f.text("post"), f.date("on")
    managed = _managed(f)
    f.done()
    app.move_cadre(no, unit, post, on, managed)
    return Outcome(
        "cadre move",
        f"Cadre {no} moved on {on} to {post} of {unit}; earlier posts stay accountable (Art. 8)"
        + _managed_text(managed),
        {"personnel_no": no, "unit": unit, "post": post, "on": on},
    )


@_command("cadre retire")
def _cadre_retire(app: LedgerApplication, f: Fields) -> Outcome:
    no, on = f.text("personnel_no"), f.date("on")
    f.done()
    app.retire_cadre(no, on)
    return Outcome(
        "cadre retire",
        f"Cadre {no} retired on {on}; accountability continues after retirement (Art. 8)",
        {"personnel_no": no, "on": on},
    )


@_command("case open")
def _case_open(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    incident, opened = f.date("incident_date"), f.date("opened_on")
    grounds = f.grounds()
    consequence = f.enum("consequence", Consequence, Consequence.NONE)
    facts = f.text("facts")
    other = f.text("other_regulation", required=False)
    f.done()
    app.open_case(case_no, incident, grounds, facts, opened, consequence, other)
    lifetime = incident >= IN_FORCE_FROM
    warnings: tuple[str, ...] = ()
    if not lifetime:
        warnings = (
            f"the incident of {incident} precedes {IN_FORCE_FROM}: recorded, but outside "
            "Art. 8 lifetime accountability (终身责任追究)",
        )
    labels = "、".join(GROUNDS[g].label for g in sorted(grounds))
    return Outcome(
        "case open",
        f"Case {case_no} opened on {opened}: grounds {labels} (Art. 4), incident {incident}",
        {
            "case_no": case_no,
            "incident_date": incident,
            "opened_on": opened,
            "grounds": sorted(grounds),
            "consequence": consequence.value,
            "lifetime": lifetime,
        },
        warnings,
    )


@_command("case assign")
def _case_assign(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    default = Responsibility.COLLECTIVE if party_type is PartyType.UNIT else None
    responsibility = f.enum("responsibility", Responsibility, default)
    on = f.date("on")
    individual = f.flag("individual_decision")
    f.done()
    app.assign(case_no, party_type, code, responsibility, on, individual)
    return Outcome(
        "case assign",
        f"Case {case_no}: {_who(party_type, code)} bears {responsibility.label} (Art. 5)",
        {
            "case_no": case_no,
            "party": _party(party_type, code),
            "responsibility": responsibility.value,
            "on": on,
            "individual_decision": individual,
        },
    )


@_command("case objection")
def _case_objection(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    _, person = f.party(allow_unit=False)
    on, text, at_hearing = f.date("on"), f.text("text"), f.flag("at_hearing")
    f.done()
    app.record_objection(case_no, person, on, text, at_hearing)
    where = ", stated at the hearing (Art. 9)," if at_hearing else ""
    return Outcome(
        "case objection",
        f"Case {case_no}: objection of {person} of {on}{where} recorded; if overruled they bear "
        "no leadership responsibility (Art. 5)",
        {"case_no": case_no, "person": person, "on": on, "at_hearing": at_hearing},
    )


@_command("case correct-finding")
def _case_correct_finding(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party(allow_unit=False)
    responsibility = f.enum("responsibility", Responsibility)
    on, reason = f.date("on"), f.text("reason")
    f.done()
    app.correct_finding(case_no, party_type, code, responsibility, on, reason)
    return Outcome(
        "case correct-finding",
        f"Case {case_no}: finding for {_who(party_type, code)} corrected on {on} to "
        f"{responsibility.label} ({responsibility.value}): {reason} (Art. 5)",
        {"case_no": case_no, "party": _party(party_type, code), "on": on,
         "responsibility": responsibility.value, "reason": reason},
    )  # fmt: skip


@_command("case assign-team")
def _case_assign_team(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    unit = f.text("unit")
    members = [TeamMember(p, TeamRole.PRINCIPAL_HEAD) for p in f.texts("head")]
    members += [TeamMember(p, TeamRole.LEADER_IN_CHARGE) for p in f.texts("in_charge")]
    members += [TeamMember(p, TeamRole.MEMBER) for p in f.texts("member")]
    members += [TeamMember(p, TeamRole.MEMBER, participated=False) for p in f.texts("absent")]
    on = f.date("on")
    f.done()
    app.assign_team(case_no, unit, members, on)
    case = app.case(case_no)
    derived = []
    for m in members:
        p = case.parties[party_key(PartyType.PERSON, m.personnel_no)]
        derived.append(
            {
                "personnel_no": m.personnel_no,
                "team_role": m.role.value,
                "participated": m.participated,
                "responsibility": p["responsibility"],
            }
        )
    lines = ", ".join(
        f"{d['personnel_no']} {Responsibility(d['responsibility']).label}" for d in derived
    )
    return Outcome(
        "case assign-team",
        f"Case {case_no}: unit {unit} bears 集体责任; {lines} (Art. 5)",
        {"case_no": case_no, "unit": unit, "on": on, "members": derived},
    )


@_command("case hear")
def _case_hear(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, statement = f.date("on"), f.text("statement")
    f.done()
    app.hear(case_no, party_type, code, on, statement)
    return Outcome(
        "case hear",
        f"Case {case_no}: statement and defence (说明和申辩) of {_who(party_type, code)} heard "
        f"on {on} (Art. 9)",
        {"case_no": case_no, "party": _party(party_type, code), "on": on},
    )


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


@_command("case decide")
def _case_decide(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    measures = _measures(f, party_type) or Measures(())
    document = DecisionDocument(
        number=f.text("number", required=False),
        decided_on=f.date("on", aliases=("date",)),
        facts=f.text("facts", required=False),
        basis=f.text("basis", required=False),
        measures=measures,
        approving_authority=f.text("approving_authority", required=False),
        effective_date=f.optional_date("effective_date"),
        appeal_authority=f.text("appeal_authority", required=False),
        appeal_period_days=f.integer("appeal_period_days", APPEAL_WITHIN_DAYS),
    )
    f.done()
    app.decide(case_no, party_type, code, document)
    due = app.case(case_no).party(party_type, code)["decision"]["announce_due"]
    return Outcome(
        "case decide",
        f"Case {case_no}: 《责任追究决定书》 {document.number} for {_who(party_type, code)}: "
        f"{_measure_labels(measures)}; announce by {due} (Art. 11; {REST_DAY_NOTE})",
        {
            "case_no": case_no,
            "party": _party(party_type, code),
            "number": document.number,
            "on": document.decided_on,
            "measures": [m.value for m in measures.measures],
            "severity": measures.severity.value if measures.severity else None,
            "sanction": measures.sanction,
            "announce_due": due,
        },
    )


def _late(what: str, on: dt.date, article: str, due: dt.date) -> tuple[str, ...]:
    """The warning for a step recorded after its 30-day period (it is recorded, flagged)."""
    if on <= due:
        return ()
    return (
        f"{what} on {on}, after the 30-day period of {article} ended on {due} "
        f"({REST_DAY_NOTE}): recorded and flagged overdue",
    )


@_command("case announce")
def _case_announce(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, to = f.date("on"), f.text("to")
    told = f.texts("told") or list(required_told(party_type))
    f.done()
    app.announce(case_no, party_type, code, on, to, told)
    decision = app.case(case_no).party(party_type, code)["decision"]
    due: dt.date = decision["announce_due"]
    warnings = _late("announced", on, "Art. 11", due)
    return Outcome(
        "case announce",
        f"Case {case_no}: decision for {_who(party_type, code)} announced on {on} to {to} "
        "(Art. 11)",
        {
            "case_no": case_no,
            "party": _party(party_type, code),
            "on": on,
            "told": sorted(told),
            "due": due,
            "overdue": on > due,
        },
        warnings,
    )


@_command("case file")
def _case_file(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    _, person = f.party(allow_unit=False)
    on, ref, custodian = f.date("on"), f.text("file_ref"), f.text("custodian")
    f.done()
    app.enter_in_file(case_no, person, on, ref, custodian)
    return Outcome(
        "case file",
        f"Case {case_no}: materials entered in the personnel file (人事档案) of {person} on {on}, "
        f"ref {ref}, kept by {custodian} (Art. 11)",
        {"case_no": case_no, "person": person, "on": on, "file_ref": ref, "custodian": custodian},
    )


@_command("case receive")
def _case_receive(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on = f.date("on")
    f.done()
    app.receive(case_no, party_type, code, on)
    due = app.case(case_no).party(party_type, code)["appeal_due"]
    return Outcome(
        "case receive",
        f"Case {case_no}: {_who(party_type, code)} received the decision on {on}; a written "
        f"appeal may be lodged until {due} (Art. 12; {REST_DAY_NOTE})",
        {"case_no": case_no, "party": _party(party_type, code), "on": on, "appeal_due": due},
    )


@_command("case appeal")
def _case_appeal(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, text = f.date("on"), f.text("text")
    f.done()
    app.appeal(case_no, party_type, code, on, text)
    due = app.case(case_no).party(party_type, code)["appeal"]["decision_due"]
    return Outcome(
        "case appeal",
        f"Case {case_no}: written appeal (书面申诉) of {_who(party_type, code)} filed on {on}; "
        f"to be decided by {due} ({REST_DAY_NOTE}); the measures stay in force meanwhile "
        "(Art. 12)",
        {"case_no": case_no, "party": _party(party_type, code), "on": on, "decision_due": due},
    )


@_command("case appeal-decide")
def _case_appeal_decide(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on = f.date("on")
    outcome = f.enum("outcome", AppealOutcome)
    reason = f.text("reason")
    measures = _measures(f, party_type)
    f.done()
    app.decide_appeal(case_no, party_type, code, on, outcome, reason, measures)
    appeal = app.case(case_no).party(party_type, code)["appeal"]
    due: dt.date = appeal["decision_due"]
    warnings = _late("appeal decided", on, "Art. 12", due)
    summary = f"Case {case_no}: appeal of {_who(party_type, code)} decided on {on}: {outcome.label}"
    if measures is not None:
        summary += f", now {_measure_labels(measures)}"
    return Outcome(
        "case appeal-decide",
        summary + " (Art. 12)",
        {
            "case_no": case_no,
            "party": _party(party_type, code),
            "on": on,
            "outcome": outcome.value,
            "measures": [m.value for m in measures.measures] if measures else None,
            "due": due,
            "overdue": on > due,
        },
        warnings,
    )


@_command("case refer")
def _case_refer(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, organ, reason = f.date("on"), f.text("organ"), f.text("reason")
    f.done()
    app.refer(case_no, party_type, code, on, organ, reason)
    return Outcome(
        "case refer",
        f"Case {case_no}: {_who(party_type, code)} referred to {organ} on {on} "
        "(移送司法机关, Art. 7)",
        {"case_no": case_no, "party": _party(party_type, code), "on": on, "organ": organ},
    )


@_command("case notify-appeal")
def _case_notify_appeal(app: LedgerApplication, f: Fields) -> Outcome:
    case_no = f.text("case_no")
    party_type, code = f.party()
    on, to = f.date("on"), f.text("to")
    told = f.texts("told") or list(required_told(party_type))
    f.done()
    app.notify_appeal_decision(case_no, party_type, code, on, to, told)
    due: dt.date = app.case(case_no).party(party_type, code)["appeal"]["decision_due"]
    warnings = _late("told", on, "Art. 12", due)
    return Outcome(
        "case notify-appeal",
        f"Case {case_no}: appeal decision for {_who(party_type, code)} told in writing on {on} "
        f"to {to} (Art. 12)",
        {"case_no": case_no, "party": _party(party_type, code), "on": on, "told": sorted(told),
         "due": due, "overdue": on > due},
        warnings,
    )  # fmt: skip


@_command("case reopen")
def _case_reopen(app: LedgerApplication, f: Fields) -> Outcome:
    case_no, on, reason = f.text("case_no"), f.date("on"), f.text("reason")
    f.done()
    app.reopen_case(case_no, on, reason)
    return Outcome(
        "case reopen",
        f"Case {case_no} reopened on {on}: {reason}",
        {"case_no": case_no, "on": on, "reason": reason},
    )


@_command("report record")
def _report_record(app: LedgerApplication, f: Fields) -> Outcome:
    region, year, to, on = f.text("region"), f.year(), f.text("to"), f.date("on")
    f.done()
    app.report_region(region, year, to, on)
    return Outcome(
        "report record",
        f"Annual report {year} on region {region} made in writing to {to} on {on} (Art. 14)",
        {"region": region, "year": year, "to": to, "on": on},
    )


@_command("report circulate")
def _report_circulate(app: LedgerApplication, f: Fields) -> Outcome:
    region, year, scope, on = f.text("region"), f.year(), f.text("scope"), f.date("on")
    f.done()
    app.circulate_report(region, year, on, scope)
    return Outcome(
        "report circulate",
        f"Annual report {year} on region {region} circulated (通报) on {on} to {scope} (Art. 14)",
        {"region": region, "year": year, "scope": scope, "on": on},
    )


@_command("case close")
def _case_close(app: LedgerApplication, f: Fields) -> Outcome:
    case_no, on, summary = f.text("case_no"), f.date("on"), f.text("summary")
    f.done()
    app.close_case(case_no, on, summary)
    return Outcome(
        "case close",
        f"Case {case_no} closed on {on} (已结案); it takes no further events unless reopened",
        {"case_no": case_no, "on": on},
    )


# import -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    """A line that was not applied, and why."""

    line: int
    command: str
    error: str


@dataclass
class ImportReport:
    """Every non-blank line ends up applied, refused, or not attempted — never dropped."""

    applied: int = 0
    #: Lines whose record was already in the log (an earlier run applied them): skipped.
    already_applied: int = 0
    blank: int = 0
    refused: list[Refusal] = field(default_factory=list)
    warnings: list[Refusal] = field(default_factory=list)
    not_attempted_from: int | None = None
    last_line: int = 0
    #: Stopped by the user (Ctrl-C); ``interrupted_at`` is the line being applied then, if
    #: any, when it may or may not have been recorded (only when lines are written one at a
    #: time; a batch's transaction is always let finish, so its outcome is known).
    interrupted: bool = False
    interrupted_at: int | None = None
    done_through: int = 0
    #: Why the import stopped when no line was to blame: a transaction that could not be
    #: written (its lines, from ``not_attempted_from`` on, were not recorded).
    error: str | None = None
    #: Transactions committed.
    transactions: int = 0

    @property
    def ok(self) -> bool:
        return (
            not self.refused
            and self.not_attempted_from is None
            and not self.interrupted
            and self.error is None
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "already_applied": self.already_applied,
            "refused": [
                {"line": r.line, "command": r.command, "error": r.error} for r in self.refused
            ],
            "warnings": [
                {"line": w.line, "command": w.command, "warning": w.error} for w in self.warnings
            ],
            "blank_lines": self.blank,
            "not_attempted": (
                None
                if self.not_attempted_from is None
                else {"from_line": self.not_attempted_from, "to_line": self.last_line}
            ),
            "interrupted": self.interrupted,
            "interrupted_at_line": self.interrupted_at,
            "error": self.error,
            "transactions": self.transactions,
            "ok": self.ok,
        }


def parse_line(text: str) -> tuple[str, dict[str, Any]]:
    """One JSON object with a ``command`` and the command's fields, within the limits of
    :mod:`ledger.domain.limits` (line size, nesting) checked before it is parsed."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.MAX_IMPORT_LINE_BYTES:
        raise InputTooLarge(
            f"the line is {size:,} bytes long; at most {limits.MAX_IMPORT_LINE_BYTES:,} are "
            "allowed",
            field="line",
            limit=limits.MAX_IMPORT_LINE_BYTES,
            size=size,
        )
    limits.check_json_depth(text, "the line")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"not valid JSON: {e.msg} at column {e.colno}") from None
    if not isinstance(data, dict):
        raise InvalidInput('a line must be one JSON object {"command": ..., ...}')
    command = data.pop("command", None)
    if not isinstance(command, str) or not command.strip():
        raise InvalidInput('the line names no "command" (e.g. "case open")')
    return " ".join(command.split()), data


def import_lines(
    app: LedgerApplication,
    lines: Iterable[tuple[int, str]],
    *,
    stop_on_error: bool = False,
    total_lines: int = 0,
    on_refused: Callable[[int, str], None] | None = None,
    batch_events: int = BATCH_EVENTS,
) -> ImportReport:
    """Apply numbered lines in order, each one whole or not at all, ``batch_events`` events
    to a transaction. A refused line is reported and the next is tried, unless
    ``stop_on_error``; a store failure always stops (every later line would fail the same
    way). ``on_refused`` receives each refused line's number and text, once the transaction
    the line belonged to committed. A transaction that meets another writer's changes is
    redone line by line, each in its own transaction. An interrupt (Ctrl-C) stops the import
    after the lines already applied are committed, and is reported, not raised."""
    if batch_events < 1:
        raise InvalidInput("a transaction holds at least one event")
    report = ImportReport(last_line=total_lines)
    try:
        _apply(app, iter(lines), report, stop_on_error, on_refused, batch_events, LineKeys())
    except KeyboardInterrupt:
        report.interrupted = True
        if report.not_attempted_from is None:
            report.not_attempted_from = report.done_through + 1
    if report.not_attempted_from is not None and report.not_attempted_from > report.last_line:
        report.not_attempted_from = None
    return report


@dataclass
class _Line:
    """One line's fate while its transaction is open: blank, applied (``outcome``) or
    refused (``error``)."""

    number: int
    text: str
    command: str = ""
    outcome: Outcome | None = None
    error: LedgerError | None = None
    #: Its idempotency key, and whether the log already held its record (skipped).
    key: str = ""
    already: bool = False

    def stops(self, stop_on_error: bool) -> bool:
        return self.error is not None and (stop_on_error or isinstance(self.error, StoreError))


class LineKeys:
    """Each line's idempotency key: its ``id`` field, else the SHA-256 of the canonical line
    (sorted keys, no spaces) with the number of identical lines before it in the file, so
    that two identical lines stay two lines. Computed once per line number."""

    def __init__(self) -> None:
        self._keys: dict[int, str] = {}
        self._seen: dict[str, int] = {}

    def key(self, number: int, command: str, fields: dict[str, Any]) -> str:
        known = self._keys.get(number)
        if known is not None:
            fields.pop("id", None)
            return known
        explicit = fields.pop("id", None)
        if explicit is not None:
            if not isinstance(explicit, str | int) or isinstance(explicit, bool):
                raise InvalidInput(f"{command}: 'id' must be a text or a number, got {explicit!r}")
            key = f"id:{explicit}"
            limits.check_text_length("id", key)
        else:
            canonical = json.dumps(
                {"command": command, **fields},
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            )
            digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
            seen = self._seen.get(digest, 0)
            self._seen[digest] = seen + 1
            key = f"line:{digest[:32]}:{seen}"
        self._keys[number] = key
        return key


def _applied(app: LedgerApplication, key: str) -> bool:
    """Whether the log holds the signed record of the line with this key (read through the
    signing mapper, so a forged record is an error, not a skip)."""
    try:
        app._get(ImportedLine, imported_line_id(key), "no such import line", copy=False)
    except NotFound:
        return False
    return True


def _run(
    app: LedgerApplication,
    number: int,
    text: str,
    scope: Callable[[], AbstractContextManager[None]],
    keys: LineKeys,
) -> _Line:
    """Parse and apply one line inside ``scope`` (a batch's ``atomic``): skipped if its
    record is in the log, else its command and its record, all or nothing."""
    line = _Line(number, text)
    if not text.strip():
        return line
    try:
        line.command, fields = parse_line(text)
        line.key = keys.key(number, line.command, fields)
        with scope():
            if _applied(app, line.key):
                line.already = True
                return line
            line.outcome = execute(app, line.command, fields)
            app._create(ImportedLine(key=line.key, command=line.command), "line applied twice")
    except LedgerError as e:
        line.error = e
    return line


def _run_alone(app: LedgerApplication, number: int, text: str, keys: LineKeys) -> _Line:
    """One line in a transaction of its own (after a conflict), re-checked against the store
    as it now is, up to :data:`~ledger.application.MAX_RETRIES` times."""
    for _ in range(MAX_RETRIES):
        try:
            with app.batch(BATCH_EVENTS) as batch:
                line = _run(app, number, text, batch.atomic, keys)
                batch.commit()
            return line
        except ConcurrentWriteError:
            continue
        except StoreError as e:
            line = _Line(number, text, error=e)
            return line
    return _Line(
        number,
        text,
        error=ConcurrentWriteError(
            f"line {number}: other writers kept changing the same records; nothing was written"
        ),
    )


def _apply(
    app: LedgerApplication,
    lines: Iterator[tuple[int, str]],
    report: ImportReport,
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
    batch_events: int,
    keys: LineKeys,
) -> None:
    """Groups of lines, one transaction each, until the lines end, one stops the import, or
    Ctrl-C. A group is reported once its transaction committed."""
    while report.not_attempted_from is None:
        group: list[_Line] = []
        exhausted = interrupted = False
        batch = app.batch(batch_events)
        try:
            with batch:
                while True:
                    group = []
                    exhausted, interrupted = _fill(
                        app, batch, lines, group, report, stop_on_error, keys
                    )
                    expected, before = batch.pending_events, batch.recorded
                    try:
                        batch.commit()
                    except KeyboardInterrupt:  # the commit was let finish: did it record?
                        if batch.recorded - before == expected:
                            _record(report, group, stop_on_error, on_refused)
                        raise
                    _record(report, group, stop_on_error, on_refused)
                    if exhausted or interrupted or report.not_attempted_from is not None:
                        break
        except ConcurrentWriteError:  # another writer got there first: redo, line by line
            _redo(app, group, report, stop_on_error, on_refused, keys)
        except StoreError as e:  # the transaction could not be written: none of its lines was
            report.error = str(e)
            report.not_attempted_from = group[0].number if group else report.done_through + 1
            break
        if interrupted:
            raise KeyboardInterrupt
        if exhausted:
            return
    for number, _ in lines:  # not attempted: count them
        report.last_line = max(report.last_line, number)


def _fill(
    app: LedgerApplication,
    batch: Batch,
    lines: Iterator[tuple[int, str]],
    group: list[_Line],
    report: ImportReport,
    stop_on_error: bool,
    keys: LineKeys,
) -> tuple[bool, bool]:
    """Apply lines to the batch until it is full or a refusal stops the import; returns
    (the lines are exhausted, Ctrl-C came). A line interrupted by Ctrl-C is undone
    (``atomic``) and left out of the group."""
    try:
        for number, text in lines:
            report.last_line = max(report.last_line, number)
            line = _run(app, number, text, batch.atomic, keys)
            group.append(line)
            if line.stops(stop_on_error) or batch.full:
                return False, False
    except KeyboardInterrupt:
        return False, True
    return True, False


def _record(
    report: ImportReport,
    group: list[_Line],
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
) -> None:
    """Report a group of lines whose transaction committed."""
    if any(line.outcome is not None for line in group):
        report.transactions += 1
    for line in group:
        _report_line(report, line, stop_on_error, on_refused)


def _report_line(
    report: ImportReport,
    line: _Line,
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
) -> None:
    report.done_through = line.number
    if line.error is not None:
        report.refused.append(Refusal(line.number, line.command, str(line.error)))
        if on_refused is not None:
            on_refused(line.number, line.text)
        if line.stops(stop_on_error):
            report.not_attempted_from = line.number + 1
    elif line.already:
        report.already_applied += 1
    elif line.outcome is not None:
        report.applied += 1
        report.warnings.extend(Refusal(line.number, line.command, w) for w in line.outcome.warnings)
    else:
        report.blank += 1


def _redo(
    app: LedgerApplication,
    group: list[_Line],
    report: ImportReport,
    stop_on_error: bool,
    on_refused: Callable[[int, str], None] | None,
    keys: LineKeys,
) -> None:
    """After a conflict, the group's lines one at a time, each in its own transaction with
    its record and checked against the store as it now is."""
    for done in group:
        try:
            line = _run_alone(app, done.number, done.text, keys)
        except KeyboardInterrupt:
            report.interrupted_at = done.number
            report.not_attempted_from = done.number + 1
            raise
        if line.outcome is not None:
            report.transactions += 1
        _report_line(report, line, stop_on_error, on_refused)
        if report.not_attempted_from is not None:
            return
