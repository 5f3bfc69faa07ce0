"""A synthetic province, recorded as a real signed ledger (benchmark data, not test fixtures).

Ten years of petition-work accountability in a province shaped like Hunan: units of all nine
kinds of Art. 2 at four administrative levels, cadres whose careers move them between units
(Art. 8: accountability follows the person), and cases opened on the grounds of Art. 4 that run
the whole procedure of Art. 5 and 9-12 (finding, hearing, decision, announcement, personnel file,
receipt, appeal, appeal decision, referral, closing). Ground, measure and appeal frequencies
are settable. Events are signed by several keys (one per accountability organ, Art. 6); one key
is rotated and one revoked half-way, so a verifier meets both.

Every event goes through the domain's own commands (so each rule of the Measures is checked)
and is stored by :class:`ledger.application.LedgerApplication` with the signing mapper and the
Merkle-leaf recorder, so the result is a real ledger. For speed, many aggregates are saved per
``app.save(...)`` (one transaction), signer by signer.

The output is a function of the seed and the size alone, byte for byte: keys are derived from the
seed, Ed25519 signatures are deterministic (RFC 8032 §5.1.6), and event timestamps come from a
simulated clock (the business date of each step) instead of the wall clock.

    python bench/generate.py --size 100000 --out /tmp/province.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import heapq
import json
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from uuid import UUID

import eventsourcing.domain
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from ledger.application import LedgerApplication
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.case_rules import TeamMember
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.keys import KeyRegistry
from ledger.domain.regulation import (
    GROUNDS,
    OTHER_REGULATION_GROUND,
    UNIT_MEASURE_BY_SEVERITY,
    AdminLevel,
    AppealOutcome,
    AuthorityKind,
    KeyRole,
    Measure,
    PartyType,
    Responsibility,
    Severity,
    TeamRole,
    UnitKind,
)
from ledger.domain.unit import Unit
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.storage.transcodings import DateAsISO

GENERATOR_VERSION = 1
#: Events of a case that runs its whole course, on average, with the default frequencies.
EVENTS_PER_CASE = 13.5

#: The simulated decade: cases open from the first month the Measures were in force (Art. 15)
#: until the simulated present; steps that would fall after the present are not yet recorded.
START = dt.date(2016, 7, 1)
PRESENT = dt.date(2026, 6, 30)
CADRES_REGISTERED_ON = dt.date(2016, 6, 30)
ROTATION_ON = dt.date(2021, 1, 4)
REVOCATION_ON = dt.date(2023, 3, 1)

CITIES = (
    "长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市",
    "张家界市", "益阳市", "郴州市", "永州市", "怀化市", "娄底市", "湘西州",
)  # fmt: skip
CHANGSHA, HENGYANG = 0, 3
UNIT_NAMES: dict[UnitKind, tuple[str, ...]] = {
    UnitKind.PARTY: ("党委办公室", "组织部", "宣传部", "政法委员会"),
    UnitKind.PEOPLES_CONGRESS: ("人大常委会办公室", "人大法制委员会"),
    UnitKind.ADMINISTRATIVE: ("信访局", "住房和城乡建设局", "自然资源局", "人力资源和社会保障局"),
    UnitKind.CPPCC: ("政协办公室", "政协提案委员会"),
    UnitKind.JUDICIAL: ("人民法院",),
    UnitKind.PROCURATORIAL: ("人民检察院",),
    UnitKind.PEOPLES_ORGANISATION: ("总工会", "妇女联合会", "共青团委员会"),
    UnitKind.PUBLIC_INSTITUTION: ("人民医院", "第一中学", "不动产登记中心"),
    UnitKind.STATE_OWNED_ENTERPRISE: ("城市建设投资集团", "水务有限公司", "交通建设投资公司"),
}
KIND_CODES = {
    UnitKind.PARTY: "DW", UnitKind.PEOPLES_CONGRESS: "RD", UnitKind.ADMINISTRATIVE: "XZ",
    UnitKind.CPPCC: "ZX", UnitKind.JUDICIAL: "FY", UnitKind.PROCURATORIAL: "JC",
    UnitKind.PEOPLES_ORGANISATION: "TT", UnitKind.PUBLIC_INSTITUTION: "SY",
    UnitKind.STATE_OWNED_ENTERPRISE: "GQ",
}  # fmt: skip
LEVEL_CODES = {
    AdminLevel.PROVINCE: "S", AdminLevel.CITY: "C", AdminLevel.COUNTY: "X",
    AdminLevel.TOWNSHIP: "Z",
}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌辉鹏飞宇浩然"
POSTS = (
    "局长", "副局长", "党组书记", "主任", "副主任", "科长", "副科长",
    "书记", "副书记", "院长", "副院长", "总经理", "副总经理", "委员",
)  # fmt: skip
SANCTIONS = ("党内警告", "党内严重警告", "警告", "记过", "记大过", "撤销党内职务")
CASE_PREFIX = {"province": "湘纪", "changsha": "长纪", "hengyang": "衡纪", "organisation": "湘组"}
ORGANS = ("湖南省纪委监委", "长沙市纪委监委", "衡阳市纪委监委", "中共湖南省委组织部")


def parse_weights(text: str) -> dict[str, float]:
    """``"11:5,12:4"`` → ``{"11": 5.0, "12": 4.0}`` (command-line weights)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition(":")
        out[name.strip()] = float(weight)
    return out


def _default_grounds() -> tuple[tuple[int, float], ...]:
    # Handling faults (11, 12) and inaction (2) dominate real reports; (16) is rare.
    common = {2: 8.0, 11: 10.0, 12: 12.0, 4: 4.0, 9: 3.0, 13: 3.0, 15: 3.0, 16: 0.5}
    return tuple((n, common.get(n, 1.0)) for n in GROUNDS)


def _default_measures() -> tuple[tuple[Measure, float], ...]:
    person = {
        Measure.ADMONITION_TALK: 10.0, Measure.TRANSFER: 2.0, Measure.RESIGNATION_FOR_FAULT: 0.5,
        Measure.ORDERED_RESIGNATION: 0.5, Measure.DISMISSAL: 1.0, Measure.DEMOTION: 1.0,
        Measure.DISCIPLINARY_SANCTION: 4.0,
    }  # fmt: skip
    return tuple(person.items())


@dataclass(frozen=True)
class Frequencies:
    """How often each kind of thing happens; settable from the command line."""

    grounds: tuple[tuple[int, float], ...] = field(default_factory=_default_grounds)
    person_measures: tuple[tuple[Measure, float], ...] = field(default_factory=_default_measures)
    unit_severity: tuple[tuple[Severity, float], ...] = (
        (Severity.MINOR, 6.0),
        (Severity.SERIOUS, 3.0),
        (Severity.GRAVE, 1.0),
    )
    appeal: float = 0.15
    appeal_outcomes: tuple[tuple[AppealOutcome, float], ...] = (
        (AppealOutcome.UPHELD, 7.0),
        (AppealOutcome.MODIFIED, 2.0),
        (AppealOutcome.REVOKED, 1.0),
    )
    unit_party: float = 0.3
    team_finding: float = 0.1
    objection: float = 0.3
    leadership: float = 0.5
    referral: float = 0.02
    late_announcement: float = 0.04
    late_appeal_decision: float = 0.1
    moves_per_cadre: float = 1.2
    retirement: float = 0.25

    def with_weights(
        self,
        grounds: dict[str, float] | None = None,
        measures: dict[str, float] | None = None,
        **rates: float,
    ) -> Frequencies:
        """A copy with some ground or measure weights, or some rates, replaced."""
        g = dict(self.grounds)
        for key, w in (grounds or {}).items():
            if int(key) not in GROUNDS:
                raise ValueError(f"ground {key} is not one of Art. 4 items 1-16")
            g[int(key)] = w
        m = dict(self.person_measures)
        for key, w in (measures or {}).items():
            measure = Measure(key)
            if measure.party_type is not PartyType.PERSON:
                raise ValueError(f"{key} is a unit measure; units follow the severity (Art. 7)")
            m[measure] = w
        new = replace(self, grounds=tuple(g.items()), person_measures=tuple(m.items()))
        return replace(new, **rates)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GeneratorConfig:
    """One synthetic province: its size in events and the seed it grows from."""

    size: int
    seed: int = 2016
    cadres: int = 0  # default: size // 10, so 100k cadres at 1M events
    units: int = 0  # default: size // 200, at least 36 (nine kinds at four levels)
    batch_events: int = 2000
    frequencies: Frequencies = field(default_factory=Frequencies)

    @property
    def n_cadres(self) -> int:
        return self.cadres or max(30, self.size // 10)

    @property
    def n_units(self) -> int:
        return max(36, self.units or self.size // 200)


@dataclass(frozen=True)
class KeySpec:
    """A signer key of the synthetic province, derived from the seed."""

    name: str
    holder: str
    authority: str
    kind: AuthorityKind
    role: KeyRole


KEYS = (
    KeySpec("root", "省委组织部密钥管理员", "中共湖南省委组织部", AuthorityKind.ORGANISATION,
            KeyRole.ADMIN),
    KeySpec("organisation", "省委组织部干部监督处", "中共湖南省委组织部",
            AuthorityKind.ORGANISATION, KeyRole.RECORDER),
    KeySpec("province", "省纪委监委案件审理室", ORGANS[0], AuthorityKind.DISCIPLINE,
            KeyRole.RECORDER),
    KeySpec("changsha", "长沙市纪委监委案件审理室", ORGANS[1], AuthorityKind.DISCIPLINE,
            KeyRole.RECORDER),
    KeySpec("hengyang", "衡阳市纪委监委案件审理室", ORGANS[2], AuthorityKind.DISCIPLINE,
            KeyRole.RECORDER),
    KeySpec("petition", "省信访局信息中心", "湖南省信访局", AuthorityKind.PETITION,
            KeyRole.RECORDER),
)  # fmt: skip
#: Keys that enter later: the province key's rotation, the revoked Hengyang key's replacement.
LATER_KEYS = ("province-2021", "hengyang-2023")


def derive_signer(seed: int, name: str) -> Signer:
    """A deterministic Ed25519 key (benchmark only: never derive real keys from a seed)."""
    raw = hashlib.sha256(f"lifeledger-bench/{seed}/{name}".encode()).digest()
    return Signer(Ed25519PrivateKey.from_private_bytes(raw))


def bench_signers(seed: int) -> dict[str, Signer]:
    return {name: derive_signer(seed, name) for name in [k.name for k in KEYS] + list(LATER_KEYS)}


class PlainApplication(Application[UUID]):
    """The same aggregates and events on plain ``eventsourcing``: no signatures, no Merkle
    leaves, the library's own SQLite recorder with the same settings (the unsigned baseline)."""

    name = "Plain"

    def __init__(self, path: Path) -> None:
        super().__init__(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


class SimulatedClock:
    """09:00 Beijing time (01:00 UTC) of the current simulated day, plus one microsecond per
    event, so that timestamps increase and the output is reproducible."""

    def __init__(self) -> None:
        self.base = dt.datetime(2016, 6, 23, 1, tzinfo=dt.UTC)
        self.ticks = 0

    def now(self) -> dt.datetime:
        self.ticks += 1
        return self.base + dt.timedelta(microseconds=self.ticks)

    def set_day(self, day: dt.date) -> None:
        base = dt.datetime(day.year, day.month, day.day, 1, tzinfo=dt.UTC)
        if base > self.base:
            self.base, self.ticks = base, 0


@contextmanager
def simulated_clock() -> Iterator[SimulatedClock]:
    """Event timestamps from the simulated calendar instead of the wall clock: the library
    stamps events through ``eventsourcing.domain.datetime_now_with_tzinfo``."""
    clock = SimulatedClock()
    original = eventsourcing.domain.datetime_now_with_tzinfo
    eventsourcing.domain.datetime_now_with_tzinfo = clock.now
    try:
        yield clock
    finally:
        eventsourcing.domain.datetime_now_with_tzinfo = original


@dataclass
class UnitInfo:
    code: str
    name: str
    kind: UnitKind
    level: AdminLevel
    city: int  # index into CITIES, -1 for provincial units
    members: list[int] = field(default_factory=list)  # cadre indexes currently posted here


@dataclass
class Stats:
    """What the generator produced, written beside the ledger as ``<db>.json``."""

    size: int
    seed: int
    generator_version: int
    signed: bool
    events: int = 0
    units: int = 0
    cadres: int = 0
    moves: int = 0
    retirements: int = 0
    cases: int = 0
    cases_planned: int = 0
    cases_closed: int = 0
    decisions: int = 0
    appeals: int = 0
    referrals: int = 0
    saves: int = 0
    seconds: float = 0.0
    events_by_signer: dict[str, int] = field(default_factory=dict)
    events_by_topic: dict[str, int] = field(default_factory=dict)
    cadre_numbers: list[str] = field(default_factory=list)
    case_numbers_sample: list[str] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Done(Exception):
    """The ledger has reached its size."""


class Province:
    """Runs the simulation and writes it, batch by batch, to a ledger (or a plain store)."""

    def __init__(self, config: GeneratorConfig, app: Application[UUID]) -> None:
        self.config = config
        self.freq = config.frequencies
        self.app = app
        self.signed = isinstance(app, LedgerApplication)
        self.rng = random.Random(config.seed)
        self.signers = bench_signers(config.seed)
        self.current_key = {
            "province": "province",
            "changsha": "changsha",
            "hengyang": "hengyang",
            "organisation": "organisation",
        }
        self.pending: dict[str, dict[UUID, Aggregate]] = {}
        self.pending_events = 0
        self.stats = Stats(config.size, config.seed, GENERATOR_VERSION, self.signed)
        self.units: list[UnitInfo] = []
        self.cadres: list[Cadre] = []
        self.cadre_unit: list[int] = []
        self.cadre_slot: list[int] = []
        self.retired: list[bool] = []
        self.heap: list[tuple[dt.date, int, Iterator[dt.date]]] = []
        self.seq = 0
        self.registry: KeyRegistry | None = None
        self.set_day: Callable[[dt.date], None] = lambda _: None
        self._ground_ids = [g for g, _ in self.freq.grounds]
        self._ground_w = [w for _, w in self.freq.grounds]
        self._measures = [m for m, _ in self.freq.person_measures]
        self._measure_w = [w for _, w in self.freq.person_measures]

    # writing ------------------------------------------------------------------------------
    def record(self, aggregate: Aggregate, key: str) -> None:
        """One command has added one event to ``aggregate``; it will be signed by ``key``."""
        self.stats.events += 1
        self.pending.setdefault(key, {})[aggregate.id] = aggregate
        self.pending_events += 1
        if self.pending_events >= self.config.batch_events:
            self.flush()
        if self.stats.events >= self.config.size:
            raise _Done

    def flush(self) -> None:
        """Save every touched aggregate, one transaction per signer."""
        for key, aggregates in self.pending.items():
            if not aggregates:
                continue
            if isinstance(self.app, LedgerApplication):
                self.app.signer = self.signers[key]
            recordings = self.app.save(*aggregates.values())
            self.stats.saves += 1
            by_signer = self.stats.events_by_signer
            by_signer[key] = by_signer.get(key, 0) + len(recordings)
            by_topic = self.stats.events_by_topic
            for r in recordings:
                name = type(r.domain_event).__qualname__
                by_topic[name] = by_topic.get(name, 0) + 1
        self.pending = {}
        self.pending_events = 0

    # the province -------------------------------------------------------------------------
    def run(self) -> Stats:
        started = time.perf_counter()
        with simulated_clock() as clock:
            self.set_day = clock.set_day
            try:
                self._keys()
                self._units()
                self._cadres()
                self._schedule()
                self._simulate()
            except _Done:
                pass
            self.flush()
        self.stats.seconds = time.perf_counter() - started
        self.stats.units = len(self.units)
        self.stats.cadres = len(self.cadres)
        self.stats.cadre_numbers = [c.personnel_no for c in self.cadres]
        return self.stats

    def _keys(self) -> None:
        self.set_day(dt.date(2016, 6, 23))
        root = self.signers["root"]
        spec = KEYS[0]
        self.registry = KeyRegistry(
            key_id=root.key_id.hex(),
            public_key=root.public_raw.hex(),
            holder=spec.holder,
            authority=spec.authority,
            authority_kind=spec.kind.value,
        )
        self.record(self.registry, "root")
        for spec in KEYS[1:]:
            self._register_key(spec.name, spec)
        self.flush()

    def _register_key(self, name: str, spec: KeySpec) -> None:
        assert self.registry is not None
        s = self.signers[name]
        self.registry.register(
            self.signers["root"].key_id.hex(),
            s.key_id.hex(),
            s.public_raw.hex(),
            spec.holder,
            spec.authority,
            spec.kind,
            spec.role,
        )
        self.record(self.registry, "root")

    def _units(self) -> None:
        """Art. 2: every kind at every level; townships take what is left."""
        blocks = self.config.n_units // 9
        cities = min(len(CITIES), max(1, blocks // 10))
        counties = max(1, min(122, blocks * 3 // 10))
        townships = max(1, blocks - 1 - cities - counties)
        places: list[tuple[AdminLevel, str, int]] = [(AdminLevel.PROVINCE, "湖南省", -1)]
        places += [(AdminLevel.CITY, CITIES[i], i) for i in range(cities)]
        places += [
            (AdminLevel.COUNTY, f"{CITIES[i % cities]}第{i + 1}县", i % cities)
            for i in range(counties)
        ]
        places += [
            (
                AdminLevel.TOWNSHIP,
                f"{CITIES[i % cities]}第{i % counties + 1}县第{i + 1}乡镇",
                i % cities,
            )
            for i in range(townships)
        ]
        for p, (level, place, city) in enumerate(places):
            for kind in UnitKind:
                code = f"{LEVEL_CODES[level]}{p:04d}-{KIND_CODES[kind]}"
                name = place + self.rng.choice(UNIT_NAMES[kind])
                unit = Unit(code=code, name=name, kind=kind.value, level=level.value)
                self.units.append(UnitInfo(code, name, kind, level, city))
                self.record(unit, "organisation")

    def _cadres(self) -> None:
        rng = self.rng
        for i in range(self.config.n_cadres):
            u = rng.randrange(len(self.units))
            since = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(7800))
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
            cadre = Cadre(
                personnel_no=f"P{i:07d}",
                name=name,
                unit_code=self.units[u].code,
                post=rng.choice(POSTS),
                since=since,
            )
            self.cadres.append(cadre)
            self.cadre_unit.append(u)
            self.cadre_slot.append(len(self.units[u].members))
            self.units[u].members.append(i)
            self.retired.append(False)
            self.record(cadre, "organisation")

    def _push(self, story: Iterator[dt.date]) -> None:
        try:
            day = next(story)
        except StopIteration:
            return
        if day <= PRESENT:
            self.seq += 1
            heapq.heappush(self.heap, (day, self.seq, story))

    def _schedule(self) -> None:
        """Plan the decade: key events, careers and enough cases to reach the size."""
        rng = self.rng
        self._push(self._rotation())
        self._push(self._revocation())
        days = (PRESENT - START).days
        career = 0.0
        for i in range(len(self.cadres)):
            moves = _poisson(rng, self.freq.moves_per_cadre)
            retire = rng.random() < self.freq.retirement
            career += moves + retire
            self._push(self._career(i, sorted(rng.sample(range(days), moves)), retire))
        left = self.config.size - self.stats.events - career
        slack = 1.15 if self.config.size < 20_000 else 1.03
        self._schedule_cases(max(1, int(left / EVENTS_PER_CASE * slack)), START)

    def _schedule_cases(self, n_cases: int, first: dt.date) -> None:
        days = (PRESENT - first).days
        for _ in range(n_cases):
            opened = first + dt.timedelta(days=self.rng.randrange(days))
            self._push(self._case(self.stats.cases_planned, opened))
            self.stats.cases_planned += 1

    def _simulate(self) -> None:
        while True:
            while self.heap:
                day, _, story = heapq.heappop(self.heap)
                self.set_day(day)
                self._push(story)
            # Rarely, at small sizes, the decade ends short of the size: the rest are cases of
            # the last year recorded late (business dates then run behind the log order).
            missing = self.config.size - self.stats.events
            self._schedule_cases(
                max(1, int(missing / EVENTS_PER_CASE) + 1), PRESENT.replace(year=PRESENT.year - 1)
            )

    # stories: generators that act when resumed and yield the day of their next step --------
    def _rotation(self) -> Iterator[dt.date]:
        """The province key is replaced at the start of 2021, signed by its own holder."""
        yield ROTATION_ON
        assert self.registry is not None
        self.flush()
        old, new = self.signers["province"], self.signers["province-2021"]
        self.registry.rotate(
            old.key_id.hex(), old.key_id.hex(), new.key_id.hex(), new.public_raw.hex()
        )
        self.record(self.registry, "province")
        self.flush()
        self.current_key["province"] = "province-2021"

    def _revocation(self) -> Iterator[dt.date]:
        """The Hengyang key is revoked (reported lost) and a new key registered in its place."""
        yield REVOCATION_ON
        assert self.registry is not None
        self.flush()
        root = self.signers["root"].key_id.hex()
        self.registry.revoke(root, self.signers["hengyang"].key_id.hex(), "密钥介质遗失")
        self.record(self.registry, "root")
        self._register_key("hengyang-2023", KEYS[4])
        self.flush()
        self.current_key["hengyang"] = "hengyang-2023"

    def _career(self, i: int, offsets: Sequence[int], retire: bool) -> Iterator[dt.date]:
        rng = self.rng
        cadre = self.cadres[i]
        for offset in offsets:
            day = START + dt.timedelta(days=offset)
            yield day
            if day <= cadre.posts[-1].start:
                continue
            u = rng.randrange(len(self.units))
            cadre.move(self.units[u].code, rng.choice(POSTS), day)
            self._leave(i)
            self._join(i, u)
            self.stats.moves += 1
            self.record(cadre, "organisation")
        if retire:
            day = max(cadre.posts[-1].start, START) + dt.timedelta(days=rng.randrange(30, 2000))
            yield day
            cadre.retire(day)
            self._leave(i)
            self.retired[i] = True
            self.stats.retirements += 1
            self.record(cadre, "organisation")

    def _leave(self, i: int) -> None:
        members = self.units[self.cadre_unit[i]].members
        slot = self.cadre_slot[i]
        last = members.pop()
        if last != i:
            members[slot] = last
            self.cadre_slot[last] = slot

    def _join(self, i: int, u: int) -> None:
        self.cadre_unit[i] = u
        self.cadre_slot[i] = len(self.units[u].members)
        self.units[u].members.append(i)

    def _organ(self, unit: UnitInfo) -> str:
        """Art. 6: the organ that handles the case; cities without their own key in the
        synthetic province go to the provincial commission, a fifth to the organisation dept."""
        if self.rng.random() < 0.2:
            return "organisation"
        return {CHANGSHA: "changsha", HENGYANG: "hengyang"}.get(unit.city, "province")

    def _pick_cadres(self, unit: UnitInfo, k: int) -> list[int]:
        rng = self.rng
        chosen = rng.sample(unit.members, min(k, len(unit.members)))
        while len(chosen) < k:
            i = rng.randrange(len(self.cadres))
            if i not in chosen and not self.retired[i]:
                chosen.append(i)
        return chosen

    def _case(self, n: int, opened: dt.date) -> Iterator[dt.date]:
        """One case through the whole procedure, each step one command and one event."""
        rng, freq = self.rng, self.freq
        yield opened
        unit = self.units[rng.randrange(len(self.units))]
        organ = self._organ(unit)
        authority = KEYS[[k.name for k in KEYS].index(organ)].authority
        case_no = f"{CASE_PREFIX[organ]}责〔{opened.year}〕{n + 1}号"
        k = rng.choices((1, 2, 3), (70, 25, 5))[0]
        grounds: list[int] = []
        while len(grounds) < k:
            g = rng.choices(self._ground_ids, self._ground_w)[0]
            if g not in grounds:
                grounds.append(g)
        # Art. 4: for each ground, one result of every choice its item names
        results = {g: [rng.choice(sorted(c)) for c in GROUNDS[g].results] for g in grounds}
        incident = opened - dt.timedelta(days=rng.randrange(3, 400))
        other = "《信访工作条例》第四十五条" if OTHER_REGULATION_GROUND in grounds else ""
        facts = (
            f"{incident.year}年{incident.month}月{incident.day}日，{unit.name}"
            + "；".join(GROUNDS[g].text for g in grounds)
            + "。"
            + "、".join(r.label for rs in results.values() for r in dict.fromkeys(rs))
        )
        case = AccountabilityCase.open(
            case_no=case_no,
            incident_date=min(incident, opened),
            grounds=grounds,
            facts=facts,
            opening_authority=authority,
            opened_on=opened,
            results=results,
            other_regulation=other,
        )
        self.stats.cases += 1
        if len(self.stats.case_numbers_sample) < 1000:
            self.stats.case_numbers_sample.append(case_no)
        self.record(case, self.current_key[organ])

        def sign() -> str:
            return self.current_key[organ]

        day = opened
        # Art. 5: findings. A leadership team, or a direct person plus perhaps a leader.
        parties: list[tuple[PartyType, str]] = []
        if rng.random() < freq.team_finding and len(unit.members) >= 2:
            members = [self.cadres[i].personnel_no for i in self._pick_cadres(unit, 3)]
            if rng.random() < freq.objection:
                day += dt.timedelta(days=rng.randrange(1, 10))
                yield day
                case.record_objection(members[-1], day, "会议记录显示其明确提出反对意见")
                self.record(case, sign())
            roles = (TeamRole.PRINCIPAL_HEAD, TeamRole.LEADER_IN_CHARGE, TeamRole.MEMBER)
            day += dt.timedelta(days=rng.randrange(1, 20))
            yield day
            # The head and the leader in charge bear primary leadership responsibility whether
            # or not they took part (Art. 5); an ordinary member may have been absent.
            team = [
                TeamMember(no, roles[j], participated=j < 2 or rng.random() < 0.8)
                for j, no in enumerate(members)
            ]
            case.assign_team(unit.code, team, day)
            self.record(case, sign())
            parties = [(PartyType.UNIT, unit.code)] + [
                (PartyType.PERSON, m.personnel_no)
                for m in team
                if case.parties[f"person:{m.personnel_no}"].responsibility
                != Responsibility.NONE.value
            ]
        else:
            picked = self._pick_cadres(unit, 2)
            findings = [(PartyType.PERSON, picked[0], Responsibility.DIRECT)]
            if rng.random() < freq.leadership:
                lead = rng.choice(
                    (Responsibility.PRIMARY_LEADERSHIP, Responsibility.IMPORTANT_LEADERSHIP)
                )
                findings.append((PartyType.PERSON, picked[1], lead))
            if rng.random() < freq.unit_party:
                findings.append((PartyType.UNIT, -1, Responsibility.COLLECTIVE))
            for party_type, who, responsibility in findings:
                code = unit.code if who == -1 else self.cadres[who].personnel_no
                day += dt.timedelta(days=rng.randrange(0, 15))
                yield day
                case.assign(party_type, code, responsibility, day)
                self.record(case, sign())
                parties.append((party_type, code))
                if party_type is PartyType.PERSON and rng.random() < freq.referral:
                    day += dt.timedelta(days=rng.randrange(1, 10))
                    yield day
                    case.refer(party_type, code, day, "市人民检察院", "涉嫌玩忽职守罪")
                    self.stats.referrals += 1
                    self.record(case, sign())
        # Art. 9: hear every party before deciding.
        for party_type, code in parties:
            day += dt.timedelta(days=rng.randrange(1, 12))
            yield day
            case.hear(party_type, code, day, "当事人作出书面说明，对部分事实提出申辩")
            self.record(case, sign())
        # Art. 10: the decision document.
        decided: list[tuple[PartyType, str, dt.date]] = []
        for j, (party_type, code) in enumerate(parties):
            day += dt.timedelta(days=rng.randrange(1, 20))
            yield day
            document = DecisionDocument(
                number=f"{case_no}-{j + 1}",
                decided_on=day,
                facts=facts,
                basis="《湖南省信访工作责任追究办法》第四条"
                + "".join(GROUNDS[g].label for g in grounds),
                measures=self._measures_for(party_type, organ != "organisation"),
                approving_authority=authority,
                effective_date=day,
                appeal_authority=authority,
            )
            case.decide(party_type, code, document, authority)
            self.stats.decisions += 1
            self.record(case, sign())
            decided.append((party_type, code, day))
        # Art. 11: announce (late now and then, flagged), personnel file; Art. 12: receipt.
        for party_type, code, decided_on in decided:
            late = rng.random() < freq.late_announcement
            on = decided_on + dt.timedelta(
                days=rng.randrange(31, 60) if late else rng.randrange(1, 28)
            )
            day = max(day, on)
            yield day
            to = "本人及所在单位" if party_type is PartyType.PERSON else "该单位及其上级主管部门"
            case.announce(party_type, code, day, to)
            self.record(case, sign())
            day += dt.timedelta(days=rng.randrange(0, 5))
            yield day
            case.receive(party_type, code, day)
            self.record(case, sign())
            if party_type is PartyType.PERSON:
                day += dt.timedelta(days=rng.randrange(1, 10))
                yield day
                case.enter_in_file(code, day, f"档{day.year}-{code}", "市委组织部干部档案室")
                self.record(case, sign())
        # Art. 12: appeals, decided by the deciding authority within 30 days (late, flagged).
        for party_type, code, _ in decided:
            if rng.random() >= freq.appeal:
                continue
            p = case.parties[f"{party_type.value}:{code}"].decision
            assert p is not None and p.received_on is not None and p.appeal_due is not None
            day = max(day, p.received_on + dt.timedelta(days=rng.randrange(1, 10)))
            if day > p.appeal_due:
                continue
            yield day
            case.appeal(party_type, code, day, "认为事实认定不清，请求撤销处理决定")
            self.stats.appeals += 1
            self.record(case, sign())
            late = rng.random() < freq.late_appeal_decision
            day += dt.timedelta(days=rng.randrange(35, 50) if late else rng.randrange(5, 28))
            yield day
            outcome = rng.choices(*zip(*freq.appeal_outcomes, strict=True))[0]
            measures = (
                self._measures_for(party_type, organ != "organisation")
                if outcome is AppealOutcome.MODIFIED
                else None
            )
            if measures is not None:  # Art. 9: heard again before the measures may grow
                case.hear(party_type, code, day, "申诉复查中再次听取说明和申辩")
                self.record(case, sign())
            case.decide_appeal(
                party_type, code, day, outcome, "经复查，作出如下决定", authority, measures
            )
            self.record(case, sign())
            # Art. 12: the appeal decision is told in writing.
            case.notify_appeal_decision(party_type, code, day, "申诉人及其所在单位")
            self.record(case, sign())
        # Closing never cuts off an appeal (Art. 12): after every appeal period has run.
        last_due = max(
            d.appeal_due
            for p in case.parties.values()
            if (d := p.decision) is not None and d.appeal_due is not None
        )
        day = max(day, last_due) + dt.timedelta(days=rng.randrange(1, 30))
        yield day
        case.close(day, "责任追究工作已完成，材料归档")
        self.stats.cases_closed += 1
        self.record(case, sign())

    def _measures_for(self, party_type: PartyType, discipline: bool = True) -> Measures:
        """Art. 7 measures; Art. 6: only a discipline organ gives 纪律处分 (an organisation
        department's case gives 诫勉谈话 instead)."""
        rng = self.rng
        if party_type is PartyType.UNIT:
            severity = rng.choices(*zip(*self.freq.unit_severity, strict=True))[0]
            return Measures((UNIT_MEASURE_BY_SEVERITY[severity],), severity)
        chosen = [rng.choices(self._measures, self._measure_w)[0]]
        if rng.random() < 0.15:
            extra = rng.choices(self._measures, self._measure_w)[0]
            if extra not in chosen:
                chosen.append(extra)
        if not discipline and Measure.DISCIPLINARY_SANCTION in chosen:
            chosen.remove(Measure.DISCIPLINARY_SANCTION)
            if Measure.ADMONITION_TALK not in chosen:
                chosen.append(Measure.ADMONITION_TALK)
        sanction = rng.choice(SANCTIONS) if Measure.DISCIPLINARY_SANCTION in chosen else ""
        return Measures(tuple(chosen), None, sanction)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small."""
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def open_ledger(path: Path, seed: int) -> LedgerApplication:
    """A ledger application on ``path`` with the root key loaded (for later appends)."""
    return LedgerApplication(StoreConfig.parse(str(path)), bench_signers(seed)["root"])


def generate(config: GeneratorConfig, path: Path, *, signed: bool = True) -> Stats:
    """Write a synthetic province of ``config.size`` events to a new SQLite file at ``path``."""
    if path.exists():
        raise FileExistsError(f"{path} exists; the generator writes a new ledger")
    app: Application[UUID]
    app = open_ledger(path, config.seed) if signed else PlainApplication(path)
    try:
        stats = Province(config, app).run()
    finally:
        app.close()
    manifest = {
        **asdict(stats),
        "events_per_second": stats.events_per_second,
        "config": {
            "size": config.size,
            "seed": config.seed,
            "cadres": config.n_cadres,
            "units": config.n_units,
            "batch_events": config.batch_events,
        },
    }
    Path(f"{path}.json").write_text(json.dumps(manifest, ensure_ascii=False, default=str))
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--size", type=int, required=True, help="events (1000 to 1000000)")
    parser.add_argument("--out", type=Path, required=True, help="new SQLite file to write")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--cadres", type=int, default=0, help="default size/10")
    parser.add_argument("--units", type=int, default=0, help="default size/200, at least 36")
    parser.add_argument("--batch", type=int, default=2000, help="events per app.save()")
    parser.add_argument("--unsigned", action="store_true", help="plain eventsourcing baseline")
    parser.add_argument("--ground-weights", default="", help='e.g. "11:10,12:12,16:0.5"')
    parser.add_argument("--measure-weights", default="", help='e.g. "admonition_talk:10"')
    parser.add_argument("--appeal-rate", type=float, default=Frequencies.appeal)
    parser.add_argument("--referral-rate", type=float, default=Frequencies.referral)
    parser.add_argument("--unit-party-rate", type=float, default=Frequencies.unit_party)
    parser.add_argument("--team-rate", type=float, default=Frequencies.team_finding)
    args = parser.parse_args(argv)
    freq = Frequencies().with_weights(
        parse_weights(args.ground_weights),
        parse_weights(args.measure_weights),
        appeal=args.appeal_rate,
        referral=args.referral_rate,
        unit_party=args.unit_party_rate,
        team_finding=args.team_rate,
    )
    config = GeneratorConfig(args.size, args.seed, args.cadres, args.units, args.batch, freq)
    stats = generate(config, args.out, signed=not args.unsigned)
    print(
        f"{stats.events} events ({stats.units} units, {stats.cadres} cadres, {stats.cases} cases, "
        f"{stats.decisions} decisions, {stats.appeals} appeals) in {stats.seconds:.1f} s: "
        f"{stats.events_per_second:,.0f} events/s, {stats.saves} saves"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
