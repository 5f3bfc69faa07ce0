"""Signed append throughput with 1, 2 and 4 concurrent writer processes, SQLite and PostgreSQL.

    python bench/concurrency_bench.py                      # both stores, 1/2/4 writers, 5 s each
    python bench/concurrency_bench.py --seconds 2 --stores sqlite

Each writer is an OS process (multiprocessing, spawn) with its own ``LedgerApplication`` and its
own registered Ed25519 key, as an official's workstation would be. Every command goes through
the one write path: the key is checked in the registry, the aggregate's rules run, the event is
signed and saved with its Merkle leaf in one transaction (one commit, hence one fsync on SQLite).

Two workloads, each on a fresh ledger:

* ``distinct`` — each writer records its own cases (open, assign, hear; one event per command):
  the throughput of independent officials;
* ``hot`` — every writer hears the same party of the same case: every command conflicts with
  the others' and is retried against the new state (``LedgerApplication._update``).

Every run ends with a full verification of the ledger (signatures, keys, versions, re-hashed
Merkle leaves), which must pass. Results: a Markdown table on stdout and
``bench/results/concurrency-<date>.json`` with the machine and versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: the ledger packages
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from ledger.application import LedgerApplication  # noqa: E402
from ledger.audit.verify import verify_store  # noqa: E402
from ledger.domain.regulation import (  # noqa: E402
    AdminLevel,
    AuthorityKind,
    KeyRole,
    PartyType,
    Responsibility,
    ResultElement,
    UnitKind,
)
from ledger.errors import ConcurrentWriteError  # noqa: E402
from ledger.signing.signatures import Signer  # noqa: E402
from ledger.storage.store import StoreConfig  # noqa: E402
from ledger.transparency.tables import LedgerTables  # noqa: E402

PG_URL = os.environ.get("LIFELEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
HOT_CASE = "长纪案〔2024〕热1号"
FACTS = "对群众反映的征地补偿信访事项逾期未办结，引发重复越级上访，造成不良影响。"
D = dt.date


@dataclass(frozen=True)
class Run:
    """One measurement: a store, a workload, a number of writers."""

    store: str
    workload: str
    writers: int
    seconds: float
    commands: int
    events: int
    refused: int
    commands_per_s: float
    events_per_s: float
    p50_ms: float
    p95_ms: float
    verify_s: float
    verified: bool


def _writer(
    url: str, raw: bytes, wid: int, workload: str, seconds: float, start: Any, out: Any
) -> None:
    """One workstation: record commands for ``seconds`` from the common start signal."""
    app = LedgerApplication(
        StoreConfig.parse(url), Signer(Ed25519PrivateKey.from_private_bytes(raw))
    )
    latencies: list[float] = []
    done = refused = 0
    start.wait()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    n = 0
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        try:
            if workload == "hot":
                app.hear(HOT_CASE, PartyType.PERSON, "P001", D(2024, 4, 3), f"w{wid}-{n}")
            else:
                case_no, step = f"W{wid}-{n // 3}", n % 3
                if step == 0:
                    app.open_case(case_no, D(2024, 3, 1), [12], FACTS, D(2024, 4, 1),
                                  results=[ResultElement.ADVERSE_IMPACT])  # fmt: skip
                elif step == 1:
                    app.assign(case_no, PartyType.PERSON, "P001", Responsibility.DIRECT,
                               D(2024, 4, 2))  # fmt: skip
                else:
                    app.hear(case_no, PartyType.PERSON, "P001", D(2024, 4, 3), "称已多次协调")
            done += 1
        except ConcurrentWriteError:
            refused += 1
        latencies.append(time.perf_counter() - t)
        n += 1
    out.put({"done": done, "refused": refused, "elapsed": time.perf_counter() - t0,
             "latencies": latencies})  # fmt: skip
    app.close()


def _ledger(url: str, writers: int) -> tuple[LedgerApplication, list[bytes]]:
    root = Signer.generate()
    app = LedgerApplication(StoreConfig.parse(url), root)
    app.initialise(root, "省委组织部管理员", "湖南省委组织部", AuthorityKind.ORGANISATION)
    keys = [Ed25519PrivateKey.generate() for _ in range(writers)]
    for n, key in enumerate(keys):
        app.add_key(Signer(key).public_raw, f"纪检干部{n}", "长沙市纪委监委",
                    AuthorityKind.DISCIPLINE, KeyRole.RECORDER)  # fmt: skip
    app.add_unit("CS-XF", "长沙市某区信访局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    app.add_cadre("P001", "王局长", "CS-XF", "局长", D(2015, 1, 5))
    app.open_case(HOT_CASE, D(2024, 3, 1), [12], FACTS, D(2024, 4, 1),
                  results=[ResultElement.ADVERSE_IMPACT])  # fmt: skip
    app.assign(HOT_CASE, PartyType.PERSON, "P001", Responsibility.DIRECT, D(2024, 4, 2))
    return app, [k.private_bytes_raw() for k in keys]


def measure(store: str, url: str, workload: str, writers: int, seconds: float) -> Run:
    app, keys = _ledger(url, writers)
    before_events = LedgerTables(app).leaf_count()
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, keys[w], w, workload, seconds, start, out))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.5)  # let every process import and open its application before the start
    start.set()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    elapsed = max(r["elapsed"] for r in results)
    commands = sum(r["done"] for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    t = time.perf_counter()
    result = verify_store(app)
    verify_s = time.perf_counter() - t
    events = result.events - before_events
    app.close()
    return Run(
        store=store,
        workload=workload,
        writers=writers,
        seconds=round(elapsed, 2),
        commands=commands,
        events=events,
        refused=sum(r["refused"] for r in results),
        commands_per_s=round(commands / elapsed, 1),
        events_per_s=round(events / elapsed, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 2) if latencies else 0.0,
        p95_ms=round(latencies[int(len(latencies) * 0.95)] * 1000, 2) if latencies else 0.0,
        verify_s=round(verify_s, 2),
        verified=bool(result),
    )


def raw_commits(store: str, url: str, seconds: float) -> float:
    """The store's own limit: one-row INSERT + COMMIT per transaction, one connection, no
    signing and no ledger (what one ledger command's commit is bounded by)."""
    payload = os.urandom(600)
    n = 0
    if store == "sqlite":
        import sqlite3

        db = sqlite3.connect(url, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, state BLOB)")
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            db.execute("BEGIN")
            db.execute("INSERT INTO t (state) VALUES (?)", (payload,))
            db.execute("COMMIT")
            n += 1
        elapsed = time.perf_counter() - t0
        db.close()
        return n / elapsed
    from psycopg import sql

    cfg = StoreConfig.parse(url)
    cfg.prepare()
    table = sql.Identifier(cfg.schema, "t")
    with cfg.connect() as conn:
        conn.execute(
            sql.SQL("CREATE TABLE {} (id bigserial PRIMARY KEY, state bytea)").format(table)
        )
        insert = sql.SQL("INSERT INTO {} (state) VALUES (%s)").format(table)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            conn.execute(insert, (payload,))
            n += 1
        elapsed = time.perf_counter() - t0
    return n / elapsed


def _drop_schema(url: str) -> None:
    from psycopg import sql

    cfg = StoreConfig.parse(url)
    with cfg.connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(cfg.schema)))


def _psycopg_impl() -> str:
    import psycopg

    return f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__})"


def table(runs: list[Run]) -> str:
    lines = [
        "| store | workload | writers | commands/s | events/s | refused | p50 ms | p95 ms "
        "| verify |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        lines.append(
            f"| {r.store} | {r.workload} | {r.writers} | {r.commands_per_s:,.0f} | "
            f"{r.events_per_s:,.0f} | {r.refused} | {r.p50_ms} | {r.p95_ms} | "
            f"{'OK' if r.verified else 'FAILED'} ({r.events} events, {r.verify_s} s) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each run.")
    parser.add_argument("--writers", default="1,2,4", help="Comma-separated writer counts.")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite and/or postgres.")
    parser.add_argument("--workloads", default="distinct,hot", help="distinct and/or hot.")
    parser.add_argument("--out", type=Path, help="JSON results (default bench/results/...).")
    args = parser.parse_args()
    load_before = os.getloadavg()
    runs: list[Run] = []
    baselines: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for store in args.stores.split(","):
            url = (
                str(Path(tmp) / "raw.db")
                if store == "sqlite"
                else f"{PG_URL}?schema=bench_{uuid.uuid4().hex[:12]}"
            )
            try:
                baselines[store] = round(raw_commits(store, url, args.seconds), 1)
            finally:
                if store == "postgres":
                    _drop_schema(url)
            print(f"{store}: raw commits/s {baselines[store]:,.0f}", file=sys.stderr, flush=True)
            for workload in args.workloads.split(","):
                for writers in (int(w) for w in args.writers.split(",")):
                    if store == "sqlite":
                        url = str(Path(tmp) / f"{workload}-{writers}.db")
                    else:
                        url = f"{PG_URL}?schema=bench_{uuid.uuid4().hex[:12]}"
                    try:
                        run = measure(store, url, workload, writers, args.seconds)
                    finally:
                        if store == "postgres":
                            _drop_schema(url)
                    runs.append(run)
                    print(table([run]).splitlines()[-1], file=sys.stderr, flush=True)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "psycopg_impl": _psycopg_impl(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "seconds_per_run": args.seconds,
        "raw_commits_per_s": baselines,
        "runs": [asdict(r) for r in runs],
    }
    out = args.out or HERE / "results" / f"concurrency-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(runs))
    print()
    for store, rate in baselines.items():
        print(f"- {store}: raw one-row INSERT+COMMIT, one connection: {rate:,.0f}/s")
    print(f"\n(results: {out})")
    if not all(r.verified for r in runs):
        raise SystemExit("a ledger failed verification")


if __name__ == "__main__":
    main()
