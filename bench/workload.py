"""Workloads the benchmarks replay: a generated ledger's history as import commands, and the
ways of recording them that the figures compare.

:func:`export_commands` turns every non-key event of a ledger back into the command that
recorded it, in the format ``lifeledger import`` reads (one JSON object per line, fields named
as the command-line options). The same list then drives:

* :class:`LedgerCommands`: the ledger's own write path, one command per save, as an official
  records (``LedgerApplication.open_case`` and friends: authorisation, existence checks,
  signature on write and on read);
* :class:`DomainCommands`: the same domain commands on any application (the plain unsigned
  baseline, or the ledger application with its signing mapper), either one save per command,
  loading the aggregates each time as a plain ``eventsourcing`` service would, or many
  aggregates per save with the touched aggregates kept in memory (a batching importer).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, Mapper, Notification, Recording, StoredEvent
from generate import ORGANS

from ledger.application import LedgerApplication
from ledger.domain import ids
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.case_rules import TeamMember
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import (
    APPEAL_WITHIN_DAYS,
    AdminLevel,
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    Severity,
    TeamRole,
    UnitKind,
)
from ledger.domain.unit import Unit
from ledger.signing.mapper import SigningMapper
from ledger.signing.signatures import HEADER_SIZE

Command = dict[str, Any]
REGISTRATIONS = ("unit add", "cadre add")
#: The authority of the key that records the benchmark workloads (the provincial discipline
#: organ's key); every replayed decision names it as 受理机关 (Art. 12).
AUTHORITY = ORGANS[0]


def _results(c: dict[str, Any]) -> dict[int, list[ResultElement]]:
    """The Art. 4 results of a ``case open`` command, per ground (``"11:adverse_impact"``)."""
    by_ground: dict[int, list[ResultElement]] = {g: [] for g in c["ground"]}
    for item in c.get("result", ()):
        ground, _, element = item.partition(":")
        by_ground[int(ground)].append(ResultElement(element))
    return by_ground


def _plain(value: Any) -> Any:
    """Library JSON (dates as ``{"_type_": "date_iso", ...}``) → import JSON (ISO strings)."""
    if isinstance(value, dict):
        if "_type_" in value and "_data_" in value:
            return value["_data_"]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _party(d: dict[str, Any]) -> dict[str, str]:
    return {d["party_type"]: d["party_code"]}


def export_commands(db: Path) -> list[Command]:
    """Every unit, cadre and case event of the ledger at ``db``, as the command that made it."""
    out: list[Command] = []
    names: dict[str, str] = {}  # aggregate id → case number or personnel number
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT originator_id, topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    for oid, topic, state in rows:
        name = topic.rpartition(".")[2]
        d = _plain(json.loads(bytes(state[HEADER_SIZE:])))
        c = _command(name, d, names, str(oid))
        if c is not None:
            out.append(c)
    return out


def _command(name: str, d: dict[str, Any], names: dict[str, str], oid: str) -> Command | None:
    case = {"case_no": names.get(oid, "")}
    if name == "Registered" and "code" in d:
        return {"command": "unit add", **{k: d[k] for k in ("code", "name", "kind", "level")}}
    if name == "Registered":
        names[oid] = d["personnel_no"]
        return {"command": "cadre add", "personnel_no": d["personnel_no"], "name": d["name"],
                "unit": d["unit_code"], "post": d["post"], "since": d["since"]}  # fmt: skip
    if name == "Moved":
        return {"command": "cadre move", "personnel_no": names[oid], "unit": d["unit_code"],
                "post": d["post"], "on": d["on"]}  # fmt: skip
    if name == "Retired":
        return {"command": "cadre retire", "personnel_no": names[oid], "on": d["on"]}
    if name == "Opened":
        names[oid] = d["case_no"]
        return {"command": "case open", "case_no": d["case_no"],
                "incident_date": d["incident_date"], "opened_on": d["opened_on"],
                "ground": d["grounds"], "facts": d["facts"],
                "result": [f"{g}:{r}" for g, rs in d["results"].items() for r in rs],
                "other_regulation": d["other_regulation"]}  # fmt: skip
    if name == "ResponsibilityAssigned":
        return {"command": "case assign", **case, **_party(d),
                "responsibility": d["responsibility"], "on": d["on"],
                "individual_decision": d["individual_decision"]}  # fmt: skip
    if name == "ObjectionRecorded":
        return {"command": "case objection", **case, "person": d["personnel_no"],
                "on": d["on"], "text": d["text"]}  # fmt: skip
    if name == "TeamResponsibilityAssigned":
        role = {"principal_head": "head", "leader_in_charge": "in_charge", "member": "member"}
        team: dict[str, list[str]] = {"head": [], "in_charge": [], "member": [], "absent": []}
        for m in d["members"]:
            slot = role[m["team_role"]]
            team["absent" if slot == "member" and not m["participated"] else slot].append(
                m["personnel_no"]
            )
        return {"command": "case assign-team", **case, "unit": d["unit_code"], **team,
                "on": d["on"]}  # fmt: skip
    if name == "DefenceHeard":
        return {"command": "case hear", **case, **_party(d), "on": d["on"],
                "statement": d["statement"]}  # fmt: skip
    if name == "DecisionIssued":
        doc = d["document"]
        return {"command": "case decide", **case, **_party(d), "measure": doc["measures"],
                "severity": doc["severity"], "sanction": doc["sanction"],
                "number": doc["number"], "on": doc["decided_on"], "facts": doc["facts"],
                "basis": doc["basis"], "approving_authority": doc["approving_authority"],
                "effective_date": doc["effective_date"],
                "appeal_authority": AUTHORITY,
                "appeal_period_days": doc["appeal_period_days"]}  # fmt: skip
    if name == "DecisionAnnounced":
        return {"command": "case announce", **case, **_party(d), "on": d["on"], "to": d["to"]}
    if name == "PersonnelFileEntered":
        return {"command": "case file", **case, "person": d["personnel_no"], "on": d["on"],
                "file_ref": d["file_ref"], "custodian": d["custodian"]}  # fmt: skip
    if name == "DecisionReceived":
        return {"command": "case receive", **case, **_party(d), "on": d["on"]}
    if name == "AppealFiled":
        return {"command": "case appeal", **case, **_party(d), "on": d["on"], "text": d["text"]}
    if name == "AppealDecided":
        m = d["measures"] or {}
        return {"command": "case appeal-decide", **case, **_party(d), "on": d["on"],
                "outcome": d["outcome"], "reason": d["reason"],
                "measure": m.get("measures", []), "severity": m.get("severity"),
                "sanction": m.get("sanction", "")}  # fmt: skip
    if name == "AppealDecisionNotified":
        return {"command": "case notify-appeal", **case, **_party(d), "on": d["on"],
                "to": d["to"], "told": d["told"]}  # fmt: skip
    if name == "ReferredToJudicialOrgan":
        return {"command": "case refer", **case, **_party(d), "on": d["on"],
                "organ": d["organ"], "reason": d["reason"]}  # fmt: skip
    if name == "Closed":
        return {"command": "case close", **case, "on": d["on"], "summary": d["summary"]}
    return None  # key registry events: keys are never imported


def write_jsonl(commands: Sequence[Command], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for c in commands:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")


# typed fields -------------------------------------------------------------------------------
def _d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _who(c: Command) -> tuple[PartyType, str]:
    if c.get("person"):
        return PartyType.PERSON, str(c["person"])
    return PartyType.UNIT, str(c["unit"])


def _measures(c: Command) -> Measures | None:
    if not c.get("measure"):
        return None
    severity = Severity(c["severity"]) if c.get("severity") else None
    return Measures(tuple(Measure(m) for m in c["measure"]), severity, c.get("sanction") or "")


def _document(c: Command) -> DecisionDocument:
    measures = _measures(c)
    assert measures is not None
    return DecisionDocument(
        number=c["number"], decided_on=_d(c["on"]), facts=c["facts"], basis=c["basis"],
        measures=measures, approving_authority=c["approving_authority"],
        effective_date=_d(c["effective_date"]), appeal_authority=c["appeal_authority"],
        appeal_period_days=int(c.get("appeal_period_days") or APPEAL_WITHIN_DAYS),
    )  # fmt: skip


def _team(c: Command) -> list[TeamMember]:
    members = [TeamMember(p, TeamRole.PRINCIPAL_HEAD) for p in c.get("head", [])]
    members += [TeamMember(p, TeamRole.LEADER_IN_CHARGE) for p in c.get("in_charge", [])]
    members += [TeamMember(p, TeamRole.MEMBER) for p in c.get("member", [])]
    members += [TeamMember(p, TeamRole.MEMBER, participated=False) for p in c.get("absent", [])]
    return members


# the ledger's own write path ------------------------------------------------------------------
class LedgerCommands:
    """One command, one save, through :class:`LedgerApplication`'s public methods."""

    def __init__(self, app: LedgerApplication) -> None:
        self.app = app

    def apply(self, c: Command) -> None:
        a, cmd = self.app, c["command"]
        if cmd == "unit add":
            a.add_unit(c["code"], c["name"], UnitKind(c["kind"]), AdminLevel(c["level"]))
        elif cmd == "cadre add":
            a.add_cadre(c["personnel_no"], c["name"], c["unit"], c["post"], _d(c["since"]))
        elif cmd == "cadre move":
            a.move_cadre(c["personnel_no"], c["unit"], c["post"], _d(c["on"]))
        elif cmd == "cadre retire":
            a.retire_cadre(c["personnel_no"], _d(c["on"]))
        elif cmd == "case open":
            a.open_case(c["case_no"], _d(c["incident_date"]), c["ground"], c["facts"],
                        _d(c["opened_on"]), _results(c),
                        c.get("other_regulation") or "")  # fmt: skip
        elif cmd == "case assign":
            a.assign(c["case_no"], *_who(c), Responsibility(c["responsibility"]), _d(c["on"]),
                     bool(c.get("individual_decision")))  # fmt: skip
        elif cmd == "case objection":
            a.record_objection(c["case_no"], c["person"], _d(c["on"]), c["text"])
        elif cmd == "case assign-team":
            a.assign_team(c["case_no"], c["unit"], _team(c), _d(c["on"]))
        elif cmd == "case hear":
            a.hear(c["case_no"], *_who(c), _d(c["on"]), c["statement"])
        elif cmd == "case decide":
            a.decide(c["case_no"], *_who(c), _document(c))
        elif cmd == "case announce":
            a.announce(c["case_no"], *_who(c), _d(c["on"]), c["to"])
        elif cmd == "case file":
            a.enter_in_file(c["case_no"], c["person"], _d(c["on"]), c["file_ref"], c["custodian"])
        elif cmd == "case receive":
            a.receive(c["case_no"], *_who(c), _d(c["on"]))
        elif cmd == "case appeal":
            a.appeal(c["case_no"], *_who(c), _d(c["on"]), c["text"])
        elif cmd == "case appeal-decide":
            a.decide_appeal(c["case_no"], *_who(c), _d(c["on"]), AppealOutcome(c["outcome"]),
                            c["reason"], _measures(c))  # fmt: skip
        elif cmd == "case notify-appeal":
            a.notify_appeal_decision(c["case_no"], *_who(c), _d(c["on"]), c["to"], c["told"])
        elif cmd == "case refer":
            a.refer(c["case_no"], *_who(c), _d(c["on"]), c["organ"], c["reason"])
        elif cmd == "case close":
            a.close_case(c["case_no"], _d(c["on"]), c["summary"])
        else:
            raise ValueError(f"unknown command {cmd!r}")

    def flush(self) -> None:
        """Every command was saved as it came."""


# the same domain commands on any application -----------------------------------------------
class DomainCommands:
    """The domain's commands on any application, ``batch_events`` events per save.

    With ``batch_events=1`` every command loads what it touches and saves at once, as a plain
    ``eventsourcing`` service does (including the existence checks the ledger makes); with a
    larger batch the touched aggregates stay in memory and are saved together.
    """

    def __init__(self, app: Application[UUID], batch_events: int = 1) -> None:
        self.app = app
        self.batch = batch_events
        self.cached = batch_events > 1
        self.memory: dict[UUID, Aggregate] = {}
        self.pending: dict[UUID, Aggregate] = {}
        self.count = 0

    def _get(self, aggregate_id: UUID) -> Any:
        if self.cached:
            found = self.memory.get(aggregate_id)
            if found is not None:
                return found
        aggregate: Aggregate = self.app.repository.get(aggregate_id)
        if self.cached:
            self.memory[aggregate_id] = aggregate
        return aggregate

    def _exists(self, aggregate_id: UUID) -> None:
        if not self.cached or aggregate_id not in self.memory:
            self._get(aggregate_id)

    def _touch(self, aggregate: Aggregate) -> None:
        self.pending[aggregate.id] = aggregate
        if self.cached:
            self.memory[aggregate.id] = aggregate
        self.count += 1
        if self.count >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.app.save(*self.pending.values())
        self.pending = {}
        self.count = 0

    def _case(self, c: Command) -> AccountabilityCase:
        case = self._get(ids.case_id(c["case_no"]))
        assert isinstance(case, AccountabilityCase)
        return case

    def _party_exists(self, party_type: PartyType, code: str) -> None:
        self._exists(ids.unit_id(code) if party_type is PartyType.UNIT else ids.cadre_id(code))

    def apply(self, c: Command) -> None:
        cmd = c["command"]
        if cmd == "unit add":
            self._touch(Unit(code=c["code"], name=c["name"], kind=c["kind"], level=c["level"]))
            return
        if cmd == "cadre add":
            self._exists(ids.unit_id(c["unit"]))
            cadre = Cadre(personnel_no=c["personnel_no"], name=c["name"], unit_code=c["unit"],
                          post=c["post"], since=_d(c["since"]))  # fmt: skip
            self._touch(cadre)
            return
        if cmd in ("cadre move", "cadre retire"):
            cadre = self._get(ids.cadre_id(c["personnel_no"]))
            if cmd == "cadre move":
                self._exists(ids.unit_id(c["unit"]))
                cadre.move(c["unit"], c["post"], _d(c["on"]))
            else:
                cadre.retire(_d(c["on"]))
            self._touch(cadre)
            return
        if cmd == "case open":
            case = AccountabilityCase.open(
                case_no=c["case_no"], incident_date=_d(c["incident_date"]), grounds=c["ground"],
                facts=c["facts"], opening_authority=AUTHORITY, opened_on=_d(c["opened_on"]),
                results=_results(c),
                other_regulation=c.get("other_regulation") or "",
            )  # fmt: skip
            self._touch(case)
            return
        case = self._case(c)
        if cmd == "case assign":
            party_type, code = _who(c)
            self._party_exists(party_type, code)
            case.assign(party_type, code, Responsibility(c["responsibility"]), _d(c["on"]),
                        bool(c.get("individual_decision")))  # fmt: skip
        elif cmd == "case objection":
            self._exists(ids.cadre_id(c["person"]))
            case.record_objection(c["person"], _d(c["on"]), c["text"])
        elif cmd == "case assign-team":
            team = _team(c)
            self._exists(ids.unit_id(c["unit"]))
            for m in team:
                self._exists(ids.cadre_id(m.personnel_no))
            case.assign_team(c["unit"], team, _d(c["on"]))
        elif cmd == "case hear":
            case.hear(*_who(c), _d(c["on"]), c["statement"])
        elif cmd == "case decide":
            case.decide(*_who(c), _document(c), AUTHORITY)
        elif cmd == "case announce":
            case.announce(*_who(c), _d(c["on"]), c["to"])
        elif cmd == "case file":
            case.enter_in_file(c["person"], _d(c["on"]), c["file_ref"], c["custodian"])
        elif cmd == "case receive":
            case.receive(*_who(c), _d(c["on"]))
        elif cmd == "case appeal":
            case.appeal(*_who(c), _d(c["on"]), c["text"])
        elif cmd == "case appeal-decide":
            case.decide_appeal(*_who(c), _d(c["on"]), AppealOutcome(c["outcome"]), c["reason"],
                               AUTHORITY, _measures(c))  # fmt: skip
        elif cmd == "case notify-appeal":
            case.notify_appeal_decision(*_who(c), _d(c["on"]), c["to"], c["told"])
        elif cmd == "case refer":
            case.refer(*_who(c), _d(c["on"]), c["organ"], c["reason"])
        elif cmd == "case close":
            case.close(_d(c["on"]), c["summary"])
        else:
            raise ValueError(f"unknown command {cmd!r}")
        self._touch(case)


def registrations(commands: Sequence[Command]) -> Iterator[Command]:
    return (c for c in commands if c["command"] in REGISTRATIONS)


def recorded_work(commands: Sequence[Command]) -> Iterator[Command]:
    return (c for c in commands if c["command"] not in REGISTRATIONS)


# a prototype, for figure 2's "what would batching and both cores give" --------------------------
class ParallelSigningEventStore(EventStore[UUID]):
    """Encodes a save's events in this thread, then signs them on two threads.

    A bench-only prototype of the fix proposed for figure 2, not the ledger's write path:
    ``cryptography`` releases the GIL while it signs from version 50 on, so two threads then
    use both cores; with an older ``cryptography`` it only shows the overhead.
    """

    def __init__(self, mapper: Mapper[UUID], recorder: Any, workers: int = 2) -> None:
        super().__init__(mapper=mapper, recorder=recorder)
        self.pool = ThreadPoolExecutor(workers)
        self.workers = workers

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        mapper = self.mapper
        assert isinstance(mapper, SigningMapper) and mapper.signer is not None
        signer = mapper.signer
        plain = [Mapper.to_stored_event(mapper, e) for e in domain_events]
        step = max(1, -(-len(plain) // self.workers))
        chunks = [plain[i : i + step] for i in range(0, len(plain), step)]

        def seal(chunk: list[StoredEvent]) -> list[StoredEvent]:
            out = []
            for s in chunk:
                oid = (
                    s.originator_id if isinstance(s.originator_id, UUID) else UUID(s.originator_id)
                )
                state = signer.seal(oid, s.originator_version, s.topic, s.state)
                out.append(StoredEvent(s.originator_id, s.originator_version, s.topic, state))
            return out

        stored = [s for part in self.pool.map(seal, chunks) for s in part]
        ids_ = self.recorder.insert_events(stored, **kwargs)
        assert ids_ is not None
        return [
            Recording(d, Notification(originator_id=s.originator_id,
                                      originator_version=s.originator_version, topic=s.topic,
                                      state=s.state, id=n))
            for d, s, n in zip(domain_events, stored, ids_, strict=True)
        ]  # fmt: skip


class ParallelSigningLedger(LedgerApplication):
    """The ledger application with :class:`ParallelSigningEventStore` (bench prototype)."""

    def construct_event_store(self) -> EventStore[UUID]:
        return ParallelSigningEventStore(self.mapper, self.recorder)

    def close(self) -> None:
        store = self.events
        if isinstance(store, ParallelSigningEventStore):
            store.pool.shutdown()
        super().close()
