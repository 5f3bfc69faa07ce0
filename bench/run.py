"""The seven figures of issue 7, measured side by side in one run, median of several.

    python bench/run.py --size 100000          # about five minutes on 2 cores
    python bench/run.py --size 1000 --smoke    # CI smoke test, seconds

Each figure is set against the physical or library limit it is judged by (plain
``eventsourcing`` unsigned, raw Ed25519, raw notification reads), measured in the same run on
the same machine. Results go to ``bench/results/<date>-<size>.json`` with the machine, the
versions and the date; a Markdown table is printed (``--readme`` also writes it into
``bench/README.md``). Where a target is missed, the figure carries a profile (share of time per
function) saying why.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: the ledger packages
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402
from generate import (  # noqa: E402
    KEYS,
    GeneratorConfig,
    PlainApplication,
    Stats,
    bench_signers,
    generate,
)
from workload import (  # noqa: E402
    Command,
    DomainCommands,
    LedgerCommands,
    ParallelSigningLedger,
    export_commands,
    recorded_work,
    registrations,
)

from ledger.application import LedgerApplication  # noqa: E402
from ledger.signing.signatures import Envelope, signed_message  # noqa: E402
from ledger.storage.store import StoreConfig  # noqa: E402
from ledger.transparency.merkle import verify_consistency, verify_inclusion  # noqa: E402

LADDER = (10_000, 100_000, 1_000_000)
SEED = 2016
Figures = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """How much work each figure does (smaller in smoke mode)."""

    size: int
    sizes: tuple[int, ...]
    repeats: int
    workload_events: int  # the ledger whose history figures 1 and 2 replay
    append_commands: int  # figure 1: commands recorded one per save
    batch_events: int  # figure 2: events per save when batching
    raw_signatures: int  # figure 3: signatures for the raw Ed25519 rate
    queries: int  # figure 5: cadre-history queries per size
    proofs: int  # figure 6: proofs of each kind
    tracemalloc_up_to: int  # figure 7: tracemalloc runs at sizes up to this
    smoke: bool

    @classmethod
    def of(cls, size: int, smoke: bool, repeats: int | None) -> Plan:
        sizes = tuple(sorted({s for s in LADDER if s <= size} | {size}))
        if smoke:
            return cls(size, sizes, repeats or 1, min(size, 600), 60, 200, 500, 50, 50,
                       size, True)  # fmt: skip
        return cls(size, sizes, repeats or 3, 5000, 1000, 1000, 20_000, 2000, 2000,
                   100_000, False)  # fmt: skip


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def rnd(x: float, digits: int = 3) -> float:
    return float(f"{x:.{digits}g}") if x else 0.0


# ledgers and stores -------------------------------------------------------------------------
def open_ledger(path: Path, signer: str | None = None) -> LedgerApplication:
    app = LedgerApplication(StoreConfig.parse(str(path)))
    if signer:
        app.signer = bench_signers(SEED)[signer]
    return app


def fresh_ledger(path: Path, parallel_signing: bool = False) -> LedgerApplication:
    """A new ledger: the root key and the provincial discipline organ's recording key, which
    then signs (Art. 6: it carries out accountability, and only a discipline organ records
    纪律处分)."""
    s = bench_signers(SEED)
    cls = ParallelSigningLedger if parallel_signing else LedgerApplication
    app = cls(StoreConfig.parse(str(path)), s["root"])
    root, recorder = KEYS[0], KEYS[2]
    app.initialise(s["root"], root.holder, root.authority, root.kind)
    app.add_key(s["province"].public_raw, recorder.holder, recorder.authority, recorder.kind,
                recorder.role)  # fmt: skip
    app.signer = s["province"]
    return app


def copy_store(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")


def remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def product_cache_size() -> str | None:
    """The aggregate-cache size the ledger's store configuration sets (``None``: off)."""
    return StoreConfig.parse("x.db").env().get("AGGREGATE_CACHE_MAXSIZE")


@contextmanager
def aggregate_cache(maxsize: str | None) -> Iterator[None]:
    """``eventsourcing``'s aggregate cache for plain applications (read from the
    environment; the ledger's own setting, in its store configuration, wins over this)."""
    if not maxsize:
        yield
        return
    os.environ["AGGREGATE_CACHE_MAXSIZE"] = maxsize
    try:
        yield
    finally:
        del os.environ["AGGREGATE_CACHE_MAXSIZE"]


# profiles -----------------------------------------------------------------------------------
#: Functions whose share of time explains a figure: label → (file part, function name).
WATCH = {
    "Ed25519 sign": ("~", "sign' of 'cryptography"),
    "Ed25519 verify": ("~", "verify' of 'cryptography"),
    "SQLite commit (fsync)": ("~", "commit' of 'sqlite3"),
    "SQLite execute/executemany": ("~", "execute"),
    "LedgerApplication.registry (reload + verify the key registry)": ("application.py", "registry"),
    "LedgerApplication._authorise": ("application.py", "_authorise"),
    "Repository.get (load + replay aggregates)": ("eventsourcing/application.py", "get"),
    "SigningMapper.to_domain_event (verify on read)": ("mapper.py", "to_domain_event"),
    "SigningMapper.to_stored_event (encode + sign)": ("mapper.py", "to_stored_event"),
    "Merkle leaf rows (hash per event)": ("recorders.py", "leaf_rows"),
    "JSON encode": ("persistence.py", "encode"),
    "JSON decode": ("persistence.py", "decode"),
    "select_notifications": ("sqlite.py", "select_notifications"),
    "projections apply_page": ("handlers.py", "apply_page"),
    "projections Batch.flush (view writes)": ("batch.py", "flush"),
    "projections catch_up": ("api.py", "catch_up"),
    "verify: check_rows (parse, hash, signature, leaf)": ("verify.py", "check_rows"),
    "verify: Audit.apply (keys, versions, in order)": ("verify.py", "apply"),
    "verify: event rows read": ("checkpoints.py", "event_rows"),
    "verify: leaf table read": ("checkpoints.py", "leaf_rows"),
    "verify: Merkle subtrees": ("checkpoints.py", "subtree_hashes"),
    "importer: parse_line": ("importer.py", "parse_line"),
    "importer: execute": ("importer.py", "execute"),
    "Application.save": ("eventsourcing/application.py", "save"),
    "copy.deepcopy (aggregate cache copies)": ("copy.py", "deepcopy"),
}


def profile(fn: Callable[[], Any], watch: Sequence[str]) -> dict[str, Any]:
    """Run ``fn`` under cProfile; the share of wall time in each watched function
    (cumulative, so nested ones overlap) and the ten largest by own time."""
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    try:
        fn()
    finally:
        prof.disable()
    total = time.perf_counter() - started
    stats = pstats.Stats(prof)
    entries: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    shares: dict[str, float] = {}
    for label in watch:
        file_part, name = WATCH[label]
        cum = 0.0
        for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in entries.items():
            if file_part in file and (func == name or (file == "~" and name in func)):
                cum += ct
        shares[label] = round(cum / total, 3) if total else 0.0
    own = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:10]
    top = [
        {"function": _fname(k), "own_share": round(v[2] / total, 3), "calls": v[1]} for k, v in own
    ]
    return {"seconds_under_profiler": round(total, 3), "cumulative_share": shares,
            "top_own_time": top}  # fmt: skip


def _fname(key: tuple[str, int, str]) -> str:
    file, line, func = key
    if file == "~":
        return func
    parts = Path(file).parts
    short = "/".join(parts[-2:]) if len(parts) >= 2 else file
    return f"{short}:{line}({func})"


# figure 1: signed append, one command per save ----------------------------------------------
def _base_stores(work: Path, commands: Sequence[Command], batch: int) -> tuple[Path, Path]:
    """Units and cadres already registered, in a signed ledger and in a plain store."""
    signed, plain = work / "base-signed.db", work / "base-plain.db"
    app = fresh_ledger(signed)
    ledger_rec = DomainCommands(app, batch)
    for c in registrations(commands):
        ledger_rec.apply(c)
    ledger_rec.flush()
    app.close()
    papp = PlainApplication(plain)
    plain_rec = DomainCommands(papp, batch)
    for c in registrations(commands):
        plain_rec.apply(c)
    plain_rec.flush()
    papp.close()
    return signed, plain


def interleaved(
    recorders: dict[str, LedgerCommands | DomainCommands],
    commands: Sequence[Command],
    chunk: int = 20,
) -> dict[str, float]:
    """Events per second of each recorder over the same commands, run chunk by chunk in
    turn, so that every recorder meets the same disk and the same neighbours (an fsync costs
    what the other processes on the machine make it cost at that moment)."""
    spent = dict.fromkeys(recorders, 0.0)
    names = list(recorders)
    gc.collect()
    for k, start in enumerate(range(0, len(commands), chunk)):
        part = commands[start : start + chunk]
        for name in names[k % len(names) :] + names[: k % len(names)]:
            rec = recorders[name]
            t = time.perf_counter()
            for c in part:
                rec.apply(c)
            rec.flush()
            spent[name] += time.perf_counter() - t
    for rec in recorders.values():
        rec.app.close()
    return {name: len(commands) / t for name, t in spent.items()}


def figure_append(plan: Plan, work: Path, commands: Sequence[Command]) -> Figures:
    log("figure 1: signed append, one command per save")
    base_signed, base_plain = _base_stores(work, commands, plan.batch_events)
    todo = list(recorded_work(commands))[: plan.append_commands]
    cache = product_cache_size()
    variants: dict[str, tuple[Path, Callable[[Path], LedgerCommands | DomainCommands], str | None]]
    variants = {
        "ledger": (base_signed, lambda p: LedgerCommands(open_ledger(p, "province")), None),
        "plain": (base_plain, lambda p: DomainCommands(PlainApplication(p), 1), cache),
        "plain_uncached": (base_plain, lambda p: DomainCommands(PlainApplication(p), 1), None),
    }
    runs: dict[str, list[float]] = {k: [] for k in variants}
    ratios: list[float] = []
    for r in range(plan.repeats):
        recorders: dict[str, LedgerCommands | DomainCommands] = {}
        for name, (base, make, cached) in variants.items():
            path = work / f"append-{name}-{r}.db"
            copy_store(base, path)
            with aggregate_cache(cached):
                recorders[name] = make(path)
        rates = interleaved(recorders, todo)
        for name, rate in rates.items():
            runs[name].append(rate)
            remove_store(work / f"append-{name}-{r}.db")
        ratios.append(rates["ledger"] / rates["plain"])
    med = {k: median(v) for k, v in runs.items()}
    path = work / "append-profile.db"
    copy_store(base_signed, path)
    rec = LedgerCommands(open_ledger(path, "province"))

    def record_all() -> None:
        for c in todo:
            rec.apply(c)

    prof = profile(
        record_all,
        [
            "Ed25519 verify", "Ed25519 sign", "SQLite commit (fsync)",
            "LedgerApplication._authorise",
            "LedgerApplication.registry (reload + verify the key registry)",
            "Repository.get (load + replay aggregates)",
            "SigningMapper.to_domain_event (verify on read)",
            "SigningMapper.to_stored_event (encode + sign)", "Merkle leaf rows (hash per event)",
            "copy.deepcopy (aggregate cache copies)",
        ],
    )  # fmt: skip
    rec.app.close()
    remove_store(path)
    ratio = median(ratios)
    return {
        "what": "the generated history after registration (cases, moves), recorded through "
        "LedgerApplication commands, one command and one save (fsync) each, vs the same domain "
        "commands on plain eventsourcing (load, existence checks, command, save; same SQLite "
        "and aggregate-cache settings, no signatures, no Merkle leaves)",
        "commands": len(todo),
        "interleaving": "the recorders take turns, 20 commands each; ratio = median over "
        "repeats of ledger/plain within a repeat",
        "events_per_s": round(med["ledger"]),
        "baseline_events_per_s": round(med["plain"]),
        "ratio": round(ratio, 3),
        "target": ">= 0.9",
        "met": ratio >= 0.9,
        "aggregate_cache": f"AGGREGATE_CACHE_MAXSIZE={cache} on both (the ledger's store setting)",
        "plain_without_cache": {
            "events_per_s": round(med["plain_uncached"]),
            "ratio": round(med["ledger"] / med["plain_uncached"], 3),
        },
        "runs_events_per_s": {k: [round(x) for x in v] for k, v in runs.items()},
        "runs_ratio": [round(x, 3) for x in ratios],
        "profile_ledger": prof,
    }


# figure 2: bulk import ----------------------------------------------------------------------
def figure_import(plan: Plan, work: Path, commands: Sequence[Command]) -> Figures:
    from ledger.importer import import_lines

    log("figure 2: bulk import of historical records")
    lines = [json.dumps(c, ensure_ascii=False) for c in commands]
    n = len(lines)

    def importer(path: Path) -> Callable[[], float]:
        app = fresh_ledger(path)

        def run() -> float:
            started = time.perf_counter()
            report = import_lines(app, enumerate(lines, 1), batch_events=plan.batch_events)
            elapsed = time.perf_counter() - started
            if not report.ok:
                raise RuntimeError(f"import refused lines: {report.to_dict()['refused'][:3]}")
            app.close()
            return n / elapsed

        return run

    def replay(path: Path, signed: bool, batch: int, parallel: bool = False) -> Callable[[], float]:
        app: Any = fresh_ledger(path, parallel) if signed else PlainApplication(path)
        rec = DomainCommands(app, batch)

        def run() -> float:
            started = time.perf_counter()
            for line in lines:
                rec.apply(json.loads(line))
            rec.flush()
            elapsed = time.perf_counter() - started
            app.close()
            return n / elapsed

        return run

    variants: dict[str, Callable[[Path], Callable[[], float]]] = {
        "importer": importer,
        "plain_batched": lambda p: replay(p, False, plan.batch_events),
        "ledger_batched": lambda p: replay(p, True, plan.batch_events),
        "ledger_batched_2_signing_threads": lambda p: replay(p, True, plan.batch_events, True),
    }
    runs: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(plan.repeats):
        for name, make in variants.items():
            path = work / f"import-{name}-{r}.db"
            run = make(path)
            gc.collect()
            runs[name].append(run())
            remove_store(path)
    path = work / "import-plain1.db"
    plain_one = replay(path, False, 1)()
    remove_store(path)
    med = {k: median(v) for k, v in runs.items()}

    def profiled(make: Callable[[Path], Callable[[], float]], watch: list[str]) -> Any:
        path = work / "import-profile.db"
        run = make(path)
        out = profile(run, watch)
        remove_store(path)
        return out

    prof_importer = profiled(importer, [
        "importer: parse_line", "importer: execute", "LedgerApplication._authorise",
        "LedgerApplication.registry (reload + verify the key registry)",
        "Repository.get (load + replay aggregates)", "Ed25519 verify", "Ed25519 sign",
        "SQLite commit (fsync)",
    ])  # fmt: skip
    prof_batched = profiled(variants["ledger_batched"], [
        "Ed25519 sign", "SigningMapper.to_stored_event (encode + sign)", "JSON encode",
        "Merkle leaf rows (hash per event)", "SQLite execute/executemany",
        "SQLite commit (fsync)", "Application.save",
    ])  # fmt: skip
    ratio = med["importer"] / med["plain_batched"]
    batched = med["ledger_batched"] / med["plain_batched"]
    sign_share = prof_batched["cumulative_share"]["Ed25519 sign"]
    return {
        "what": "the generated history as `lifeledger import` JSONL (one command per line), "
        f"{n} lines; baseline: the same records on plain eventsourcing, {plan.batch_events} "
        "events per save (no signatures, no Merkle leaves)",
        "lines": n,
        "events_per_s": round(med["importer"]),
        "baseline_events_per_s": round(med["plain_batched"]),
        "ratio": round(ratio, 3),
        "target": ">= 0.8",
        "met": ratio >= 0.8,
        "importer_saves": f"{plan.batch_events} events per transaction (ledger.importer."
        "import_lines → execute → LedgerApplication command inside LedgerApplication.batch(), "
        "one app.save per transaction)",
        "plain_one_command_per_save_events_per_s": round(plain_one),
        "batched_signed_two_signing_threads": {
            "what": "the same batched saves with each save's signatures made on two threads "
            "(bench/workload.py ParallelSigningEventStore, a prototype); helps only where "
            "cryptography releases the GIL (>= 50)",
            "events_per_s": round(med["ledger_batched_2_signing_threads"]),
            "ratio": round(med["ledger_batched_2_signing_threads"] / med["plain_batched"], 3),
        },
        "batched_signed": {
            "events_per_s": round(med["ledger_batched"]),
            "ratio": round(batched, 3),
            "met": batched >= 0.8,
            "sign_share": sign_share,
            "ratio_if_signing_used_the_second_core": round(batched / (1 - sign_share / 2), 3),
        },
        "runs_events_per_s": {k: [round(x) for x in v] for k, v in runs.items()},
        "profile_importer_note": "each transaction runs on a helper thread (so that Ctrl-C "
        "cannot abandon it), which cProfile does not see: its time is the share of "
        "`_thread.lock.acquire`; profile_batched_signed shows what a transaction costs",
        "profile_importer": prof_importer,
        "profile_batched_signed": prof_batched,
    }


# figure 3: verify ---------------------------------------------------------------------------
def _signature_tasks(db: Path, limit: int) -> list[tuple[bytes, bytes, bytes]]:
    """(public key, signature, signed message) of the first ``limit`` events of a ledger."""
    from uuid import UUID

    app = open_ledger(db)
    keyring = app.load_keyring()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid LIMIT ?",
            (limit,),
        ).fetchall()
    finally:
        conn.close()
        app.close()
    import hashlib

    tasks = []
    for oid, version, topic, state in rows:
        env = Envelope.parse(bytes(state))
        msg = signed_message(UUID(oid), version, topic, hashlib.sha256(env.payload).digest())
        raw = keyring[env.key_id].public_bytes_raw()
        tasks.append((raw, env.signature, msg))
    return tasks


def _verify_all(tasks: Sequence[tuple[bytes, bytes, bytes]]) -> float:
    """Verify in this thread; returns the seconds spent in verification calls."""
    keys = {raw: Ed25519PublicKey.from_public_bytes(raw) for raw, _, _ in tasks}
    started = time.perf_counter()
    for raw, sig, msg in tasks:
        keys[raw].verify(sig, msg)
    return time.perf_counter() - started


def raw_verify_rates(tasks: Sequence[tuple[bytes, bytes, bytes]]) -> dict[str, float]:
    n = len(tasks)
    one = n / _verify_all(tasks)
    halves = [tasks[: n // 2], tasks[n // 2 :]]
    with ThreadPoolExecutor(2) as pool:
        started = time.perf_counter()
        list(pool.map(_verify_all, halves))
        threads = n / (time.perf_counter() - started)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_verify_all, [t[:50] for t in halves]))  # start the workers
        seconds = list(pool.map(_verify_all, halves))
        processes = n / max(seconds)
    return {"one_core": one, "two_threads": threads, "two_processes": processes}


def figure_verify(plan: Plan, dbs: dict[int, Path]) -> Figures:
    from ledger.audit.verify import VerifyOptions, verify_store

    size = plan.sizes[-1]
    log(f"figure 3: verify of the whole ledger ({size} events)")
    pinned = bench_signers(SEED)["root"].fingerprint
    tasks = _signature_tasks(dbs[size], plan.raw_signatures)
    variants: dict[str, dict[str, Any]] = {"verify": {}, "verify_1_worker": {"workers": 1}}
    if "parallel" in VerifyOptions.__dataclass_fields__:
        variants["verify_2_processes"] = {"parallel": "processes"}
    rates: dict[str, list[float]] = {k: [] for k in variants}
    raw: dict[str, list[float]] = {"one_core": [], "two_threads": [], "two_processes": []}
    for _ in range(plan.repeats):
        for name, extra in list(variants.items()):
            app = open_ledger(dbs[size])
            gc.collect()
            started = time.perf_counter()
            try:
                result = verify_store(app, VerifyOptions(root_fingerprint=pinned, **extra))
            except Exception as e:  # an optional variant the verifier cannot run (yet)
                if name == "verify":
                    raise
                log(f"figure 3: variant {name} failed: {e}")
                del variants[name], rates[name]
                continue
            finally:
                app.close()
            elapsed = time.perf_counter() - started
            if not result.ok and name != "verify":
                log(f"figure 3: variant {name} reports failures: {result.summary()[:500]}")
                del variants[name], rates[name]
                continue
            if not result.ok:
                raise RuntimeError(f"the generated ledger does not verify: {result.summary()}")
            rates[name].append(result.events / elapsed)
        for k, v in raw_verify_rates(tasks).items():
            raw[k].append(v)
    med = {k: median(v) for k, v in rates.items()}
    rmed = {k: median(v) for k, v in raw.items()}
    two_cores = max(rmed["two_processes"], rmed["two_threads"])
    small = plan.sizes[0]
    app = open_ledger(dbs[small])
    prof = profile(
        lambda: verify_store(app, VerifyOptions(root_fingerprint=pinned, workers=1)),
        ["Ed25519 verify", "verify: check_rows (parse, hash, signature, leaf)",
         "verify: Audit.apply (keys, versions, in order)", "verify: event rows read",
         "verify: leaf table read", "verify: Merkle subtrees"],
    )  # fmt: skip
    app.close()
    ratio = med["verify"] / two_cores
    return {
        "what": f"ledger.audit.verify.verify_store over the whole {size}-event ledger (signatures, "
        "keys as of each position, Art. 6 authorisation, versions, Merkle leaves re-hashed), "
        "vs raw Ed25519 verification of the same signatures on two cores",
        "events": size,
        "events_per_s": round(med["verify"]),
        "options": "VerifyOptions defaults (what `lifeledger verify` runs)",
        "variants_events_per_s": {k: round(v) for k, v in med.items()},
        "variants_ratio": {k: round(v / two_cores, 3) for k, v in med.items()},
        "raw_verify_per_s": {k: round(v) for k, v in rmed.items()},
        "baseline_events_per_s": round(two_cores),
        "ratio": round(ratio, 3),
        "ratio_to_one_core": round(med["verify"] / rmed["one_core"], 3),
        "target": ">= 0.85",
        "met": ratio >= 0.85,
        "gil_released_by_ed25519_verify": rmed["two_threads"] > 1.5 * rmed["one_core"],
        "runs_events_per_s": {k: [round(x) for x in v] for k, v in rates.items()},
        "profile_one_worker": {"events": small, **prof},
    }


# figures 4 and 5: projections -----------------------------------------------------------------
def raw_read_rate(db: Path, page: int) -> float:
    app = open_ledger(db)
    started = time.perf_counter()
    n, start = 0, 0
    while True:
        rows = app.recorder.select_notifications(start, page, inclusive_of_start=False)
        if not rows:
            break
        n += len(rows)
        start = rows[-1].id
    elapsed = time.perf_counter() - started
    app.close()
    return n / elapsed


def figure_rebuild(plan: Plan, dbs: dict[int, Path]) -> Figures:
    from projections.api import PAGE_SIZE, Projections

    size = plan.sizes[-1]
    log(f"figure 4: projection rebuild ({size} events)")
    rebuild, read = [], []
    for _ in range(plan.repeats):
        app = open_ledger(dbs[size])
        views = Projections(app)
        views.store  # noqa: B018 - open the view tables outside the timing
        gc.collect()
        started = time.perf_counter()
        n = views.rebuild()
        rebuild.append(n / (time.perf_counter() - started))
        views.close()
        app.close()
        read.append(raw_read_rate(dbs[size], PAGE_SIZE))
    app = open_ledger(dbs[plan.sizes[0]])
    views = Projections(app)
    views.store  # noqa: B018
    prof = profile(
        views.rebuild,
        ["select_notifications", "projections apply_page", "projections Batch.flush (view writes)",
         "SQLite execute/executemany", "SQLite commit (fsync)"],
    )  # fmt: skip
    views.close()
    app.close()
    ratio = median(rebuild) / median(read)
    return {
        "what": "projections.api.Projections.rebuild() (drop the views, replay the whole log in "
        f"pages of {PAGE_SIZE}), vs reading the same notifications raw "
        "(recorder.select_notifications, same page size)",
        "events": size,
        "events_per_s": round(median(rebuild)),
        "baseline_events_per_s": round(median(read)),
        "ratio": round(ratio, 3),
        "target": ">= 0.5",
        "met": ratio >= 0.5,
        "runs_events_per_s": {
            "rebuild": [round(x) for x in rebuild],
            "raw_read": [round(x) for x in read],
        },
        "profile": {"events": plan.sizes[0], **prof},
    }


def figure_cadre_history(plan: Plan, dbs: dict[int, Path], stats: dict[int, Stats]) -> Figures:
    from projections.api import Projections

    log("figure 5: cadre history query")
    out: dict[str, Any] = {}
    for size in plan.sizes:
        app = open_ledger(dbs[size])
        views = Projections(app)
        views.rebuild()
        rng = random.Random(size)
        numbers = stats[size].cadre_numbers
        for no in rng.sample(numbers, min(50, len(numbers))):  # warm up
            views.cadre_history(no)
        times: list[float] = []
        for _ in range(plan.repeats):
            for no in (rng.choice(numbers) for _ in range(plan.queries)):
                started = time.perf_counter()
                views.cadre_history(no)
                times.append((time.perf_counter() - started) * 1000)
        views.close()
        app.close()
        out[str(size)] = {
            "p50_ms": rnd(percentile(times, 50)),
            "p99_ms": rnd(percentile(times, 99)),
            "mean_ms": rnd(statistics.fmean(times)),
            "queries": len(times),
            "cadres": len(numbers),
        }
    largest = out[str(plan.sizes[-1])]
    smallest = out[str(plan.sizes[0])]
    flat = largest["p99_ms"] <= 1.5 * smallest["p99_ms"] + 0.2
    return {
        "what": "projections.api.Projections.cadre_history(personnel_no) for random cadres, "
        "after a rebuild (each query first checks the log for new events)",
        "by_size": out,
        "target": "p99 < 2 ms at 1M events, flat as the ledger grows",
        "met": largest["p99_ms"] < 2 and flat,
        "flat": flat,
        "largest_measured": plan.sizes[-1],
    }


# figure 6: proofs -----------------------------------------------------------------------------
def exported_proofs(plan: Plan, work: Path, dbs: dict[int, Path]) -> dict[str, Any]:
    """The product's own path: sign a checkpoint, export one cadre's proof document
    (``ledger.audit.proofs.export_cadre_proof``), verify it offline (``verify_proof``)."""
    from ledger.audit.proofs import export_cadre_proof, verify_proof
    from ledger.transparency.checkpoints import make_checkpoint

    signers = bench_signers(SEED)
    out: dict[str, Any] = {}
    for size in plan.sizes:
        path = work / f"proofs-{size}.db"
        copy_store(dbs[size], path)
        app = open_ledger(path)
        make_checkpoint(app, signers["root"])
        numbers = random.Random(size).sample(range(size // 10), 3)
        export, check, events = [], [], []
        for n in numbers:
            t = time.perf_counter()
            doc = export_cadre_proof(app, f"P{n:07d}")
            export.append(time.perf_counter() - t)
            data = json.dumps(doc).encode()
            t = time.perf_counter()
            report = verify_proof(data, signers["root"].fingerprint)
            check.append(time.perf_counter() - t)
            if not report:
                raise RuntimeError(f"an exported proof does not verify: {report.to_dict()}")
            events.append(len(doc["events"]))
        app.close()
        remove_store(path)
        out[str(size)] = {"export_ms": rnd(median(export) * 1000),
                          "verify_ms": rnd(median(check) * 1000),
                          "events_in_proof": int(median(events))}  # fmt: skip
    return out


def figure_proofs(plan: Plan, work: Path, dbs: dict[int, Path]) -> Figures:
    from ledger.transparency.tables import LedgerTables

    size = plan.sizes[-1]
    log(f"figure 6: inclusion and consistency proofs ({size} events)")
    app = open_ledger(dbs[size])
    started = time.perf_counter()
    tree = LedgerTables(app).load_tree()
    load_seconds = time.perf_counter() - started
    app.close()
    n = len(tree)
    root = tree.root()
    rng = random.Random(n)
    inc_gen, inc_ver, con_gen, con_ver = [], [], [], []
    for _ in range(plan.proofs):
        i = rng.randrange(n)
        leaf = tree.leaf(i)
        t0 = time.perf_counter()
        path = tree.inclusion_proof(i, n)
        t1 = time.perf_counter()
        verify_inclusion(leaf, i, n, path, root)
        t2 = time.perf_counter()
        inc_gen.append((t1 - t0) * 1000)
        inc_ver.append((t2 - t1) * 1000)
        m = rng.randrange(1, n)
        old_root = tree.root(m)  # what the auditor kept from an earlier checkpoint
        t0 = time.perf_counter()
        proof = tree.consistency_proof(m, n)
        t1 = time.perf_counter()
        verify_consistency(m, n, old_root, root, proof)
        t2 = time.perf_counter()
        con_gen.append((t1 - t0) * 1000)
        con_ver.append((t2 - t1) * 1000)

    def summary(gen: list[float], ver: list[float]) -> dict[str, float]:
        total = [g + v for g, v in zip(gen, ver, strict=True)]
        return {
            "generate_p50_ms": rnd(percentile(gen, 50)),
            "verify_p50_ms": rnd(percentile(ver, 50)),
            "total_p50_ms": rnd(percentile(total, 50)),
            "total_p99_ms": rnd(percentile(total, 99)),
        }

    inclusion, consistency = summary(inc_gen, inc_ver), summary(con_gen, con_ver)
    met = inclusion["total_p99_ms"] < 1 and consistency["total_p99_ms"] < 1
    log("figure 6: a cadre's proof document, exported and verified")
    exported = exported_proofs(plan, work, dbs)
    return {
        "what": "MerkleTree.inclusion_proof / consistency_proof over the stored leaves, and "
        "verify_inclusion / verify_consistency (RFC 9162 §2.1.3-2.1.4), random leaves and old "
        "sizes",
        "tree_size": n,
        "inclusion": inclusion,
        "consistency": consistency,
        "tree_load_seconds": round(load_seconds, 3),
        "cadre_proof_document": {
            "what": "make_checkpoint, then export_cadre_proof(personnel_no) (the cadre's "
            "events, their cases' and the key registry's, each with an inclusion proof) and "
            "verify_proof of the JSON, median of 3 cadres",
            "by_size": exported,
        },
        "target": "< 1 ms each (generate + verify, p99)",
        "met": met,
        "proofs_each": plan.proofs,
    }


# figure 7: peak memory in child processes -----------------------------------------------------
def child(op: str, db: Path, trace: bool) -> dict[str, Any]:
    """Run one verify or rebuild in this (fresh) process; report its memory."""
    import tracemalloc

    from ledger.audit.verify import verify_store

    app = open_ledger(db)
    views: Any = None
    if op == "rebuild":
        from projections.api import Projections

        views = Projections(app)
        views.store  # noqa: B018
    gc.collect()
    base = _reset_peak_rss()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    events = views.rebuild() if views is not None else verify_store(app).events
    seconds = time.perf_counter() - started
    peak_trace = tracemalloc.get_traced_memory()[1] if trace else None
    peak = _peak_rss()
    return {"events": events, "seconds": round(seconds, 3), "rss_before_kb": base,
            "rss_peak_kb": peak, "rss_growth_kb": peak - base,
            "tracemalloc_peak_kb": None if peak_trace is None else peak_trace // 1024}  # fmt: skip


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> int:
    """The resident set now, after resetting the kernel's high-water mark to it.

    ``ru_maxrss`` cannot serve: Linux carries it over from the parent across fork and exec.
    Writing 5 to ``/proc/self/clear_refs`` resets ``VmHWM`` (Linux ≥ 4.0).
    """
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def _peak_rss() -> int:
    return _status_kb("VmHWM")


def run_child(op: str, db: Path, trace: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", op, "--db", str(db)]
    if trace:
        cmd.append("--tracemalloc")
    out = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{op} child failed: {out.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def figure_memory(plan: Plan, dbs: dict[int, Path]) -> Figures:
    log("figure 7: peak memory of verify and of rebuild")
    out: dict[str, Any] = {}
    for op in ("verify", "rebuild"):
        by_size: dict[str, Any] = {}
        for size in plan.sizes:
            got = run_child(op, dbs[size], False)
            if size <= plan.tracemalloc_up_to:
                got["tracemalloc_peak_kb"] = run_child(op, dbs[size], True)["tracemalloc_peak_kb"]
            by_size[str(size)] = got
        first, last = by_size[str(plan.sizes[0])], by_size[str(plan.sizes[-1])]
        span = plan.sizes[-1] - plan.sizes[0]
        rss = (last["rss_growth_kb"] - first["rss_growth_kb"]) * 1024 / span if span else 0.0
        by_size["growth_bytes_per_event"] = round(rss, 1)
        heap: float | None = None
        if span and first["tracemalloc_peak_kb"] and last["tracemalloc_peak_kb"]:
            heap = (last["tracemalloc_peak_kb"] - first["tracemalloc_peak_kb"]) * 1024 / span
            by_size["heap_growth_bytes_per_event"] = round(heap, 1)
        by_size["flat"] = rss < 16 and (heap is None or heap < 16)
        out[op] = by_size
    return {
        "what": "peak resident set (VmHWM, reset after setup) of a fresh process running "
        "verify_store / Projections.rebuild, as growth over the process after setup, and the "
        "tracemalloc peak of the Python heap",
        **out,
        "target": "flat: does not grow with the ledger (streamed)",
        "met": bool(out["verify"]["flat"] and out["rebuild"]["flat"]),
    }


# machine, versions, report ---------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    except OSError:
        mem = "0"
    return {
        "platform": platform.platform(),
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem) / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return {
        "python": platform.python_version(),
        "eventsourcing": version("eventsourcing"),
        "cryptography": version("cryptography"),
        "sqlite": sqlite3.sqlite_version,
        "lifeledger": version("lifeledger"),
        "lifeledger_commit": commit,
    }


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _ratio_row(label: str, x: dict[str, Any], rate: float, ratio: float, met: bool) -> str:
    return (
        f"| {label} | {rate:,.0f} events/s | {x['baseline_events_per_s']:,} events/s | {ratio} "
        f"| {x['target']} | {_yes(met)} |"
    )


def _rows(key: str, x: dict[str, Any]) -> list[str]:
    """The table rows of one figure."""
    if key == "1_signed_append":
        return [_ratio_row("1. Signed append, one command per save", x, x["events_per_s"],
                           x["ratio"], x["met"])]  # fmt: skip
    if key == "2_bulk_import":
        b, p = x["batched_signed"], x["batched_signed_two_signing_threads"]
        return [
            _ratio_row("2. Bulk import (`lifeledger import`)", x, x["events_per_s"], x["ratio"],
                       x["met"]),
            _ratio_row("2b. The same import, batched signed saves", x, b["events_per_s"],
                       b["ratio"], b["met"]),
            _ratio_row("2c. Batched, signing on two threads (prototype)", x, p["events_per_s"],
                       p["ratio"], p["ratio"] >= 0.8),
        ]  # fmt: skip
    if key == "3_verify":
        return [_ratio_row("3. Verify the whole ledger", x, x["events_per_s"], x["ratio"],
                           x["met"])]  # fmt: skip
    if key == "4_rebuild":
        return [_ratio_row("4. Projection rebuild", x, x["events_per_s"], x["ratio"], x["met"])]
    if key == "5_cadre_history":
        cells = ", ".join(
            f"{int(s):,}: {v['p50_ms']} / {v['p99_ms']} ms" for s, v in x["by_size"].items()
        )
        return [f"| 5. Cadre history p50 / p99 | {cells} | — | — | {x['target']} | "
                f"{_yes(x['met'])} |"]  # fmt: skip
    if key == "6_proofs":
        i, c = x["inclusion"], x["consistency"]
        docs = ", ".join(
            f"{int(k):,}: {v['export_ms']:,} + {v['verify_ms']:,} ms"
            for k, v in x["cadre_proof_document"]["by_size"].items()
        )
        return [
            f"| 6. Proofs at {x['tree_size']:,}, generate + verify, p50 / p99 | inclusion "
            f"{i['total_p50_ms']} / {i['total_p99_ms']} ms; consistency {c['total_p50_ms']} / "
            f"{c['total_p99_ms']} ms | — | — | < 1 ms each | {_yes(x['met'])} |",
            f"| 6b. One cadre's proof document, export + verify | {docs} | — | — | — | — |",
        ]
    if key == "7_peak_memory":
        rows = []
        for op in ("verify", "rebuild"):
            y = x[op]
            sizes = [k for k in y if k.isdigit()]
            cells = ", ".join(
                f"{int(k):,}: {y[k]['rss_growth_kb'] / 1024:.1f} MB"
                + (f" (heap {y[k]['tracemalloc_peak_kb'] / 1024:.1f} MB)"
                   if y[k].get("tracemalloc_peak_kb") else "")
                for k in sizes
            )  # fmt: skip
            rows.append(f"| 7. Peak memory of {op} (RSS growth) | {cells} | — | — | flat | "
                        f"{_yes(y['flat'])} |")  # fmt: skip
        return rows
    return []


def table(results: dict[str, Any]) -> str:
    lines = [
        f"Size {results['config']['size']:,} events, {results['config']['repeats']} repeats, "
        f"{results['date']}, {results['machine']['cpu']} ({results['machine']['cores']} cores), "
        f"Python {results['versions']['python']}, eventsourcing "
        f"{results['versions']['eventsourcing']}, cryptography "
        f"{results['versions']['cryptography']}, SQLite {results['versions']['sqlite']}; "
        f"load average {results['machine']['load_average_at_start'][0]} at the start, "
        f"{results['machine'].get('load_average_at_end', ['?'])[0]} at the end.",
        "",
        "| Figure | Measured | Baseline | Ratio | Target | Met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, x in results["figures"].items():
        if "error" in x:
            lines.append(f"| {key} | not measured: {x['error']} | — | — | — | **no** |")
        else:
            lines += _rows(key, x)
    return "\n".join(lines)


def update_readme(text: str) -> None:
    readme = HERE / "README.md"
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    body = readme.read_text(encoding="utf-8")
    if start not in body or end not in body:
        raise SystemExit(f"{readme} has no {start} … {end} block")
    head, rest = body.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")


# main ------------------------------------------------------------------------------------------
FIGURES = ("1", "2", "3", "4", "5", "6", "7")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="lifeledger benchmarks (issue 7)")
    parser.add_argument("--size", type=int, default=100_000, help="largest ledger, in events")
    parser.add_argument("--smoke", action="store_true", help="tiny workloads, one repeat (CI)")
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (smoke: 1)")
    parser.add_argument("--only", default=",".join(FIGURES), help="figures to run, e.g. 3,4")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="results directory")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the ledgers here")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--child", choices=("verify", "rebuild"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.db, args.tracemalloc)))
        return 0
    plan = Plan.of(args.size, args.smoke, args.repeats)
    only = set(args.only.split(","))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="lifeledger-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "config": {
            "size": plan.size,
            "sizes": list(plan.sizes),
            "repeats": plan.repeats,
            "seed": SEED,
            "smoke": plan.smoke,
            "workdir": str(work),
            "plan": plan.__dict__,
        },
        "figures": {},
    }
    try:
        dbs: dict[int, Path] = {}
        stats: dict[int, Stats] = {}
        generation: dict[str, Any] = {}
        for size in sorted({*plan.sizes, plan.workload_events}):
            db = work / f"province-{size}.db"
            if not db.exists():
                log(f"generating a {size}-event province")
                stats[size] = generate(GeneratorConfig(size, SEED), db)
                generation[str(size)] = {
                    "seconds": round(stats[size].seconds, 2),
                    "events_per_s": round(stats[size].events_per_second),
                }
            else:
                manifest = json.loads(Path(f"{db}.json").read_text())
                fields = Stats.__dataclass_fields__
                stats[size] = Stats(**{k: v for k, v in manifest.items() if k in fields})
            dbs[size] = db
        results["generator"] = generation
        commands = export_commands(dbs[plan.workload_events])
        figures = results["figures"]
        steps: list[tuple[str, str, Callable[[], Figures]]] = [
            ("1", "1_signed_append", lambda: figure_append(plan, work, commands)),
            ("2", "2_bulk_import", lambda: figure_import(plan, work, commands)),
            ("3", "3_verify", lambda: figure_verify(plan, dbs)),
            ("4", "4_rebuild", lambda: figure_rebuild(plan, dbs)),
            ("5", "5_cadre_history", lambda: figure_cadre_history(plan, dbs, stats)),
            ("6", "6_proofs", lambda: figure_proofs(plan, work, dbs)),
            ("7", "7_peak_memory", lambda: figure_memory(plan, dbs)),
        ]
        for number, key, measure in steps:
            if number in only:
                t = time.perf_counter()
                try:
                    figures[key] = measure()
                except Exception as e:  # a figure whose code is not there yet: say so, go on
                    log(f"figure {number} failed: {type(e).__name__}: {e}")
                    figures[key] = {"error": f"{type(e).__name__}: {e}", "met": False}
                figures[key]["seconds"] = round(time.perf_counter() - t, 1)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}-{plan.size}{'-smoke' if plan.smoke else ''}.json"
    (args.out / name).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    text = table(results)
    print(text)
    print(f"\nresults: {args.out / name} ({results['seconds']} s)")
    if args.readme:
        update_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
