"""What proving a cadre's history complete costs (issue 10, part 2: the person index).

On a synthetic province (``generate.py``) of ``--size`` events, in one run:

1. ``cadre history`` in-process (``Projections.cadre_history``), p50/p99 over ``--reads`` reads
   of a person with 31 events (registered, then five whole cases) and of the ``--persons``
   persons with the most events: the verified read (index checked against the latest signed
   checkpoint, every event's signature checked, events after it read from the log) against
   today's unverified read (the cases found through ``proj_case_parties``, no check), with the
   same replay and formatting code.
2. ``proof cadre``: export and offline verify times, the document's size, and the size of its
   completeness part (map path, count, chain value).
3. A checkpoint after ``--tail`` new events: total time and the part spent on the index map
   (rehashing only the persons named since the previous checkpoint), and a first checkpoint
   that builds the whole map.
4. Append throughput through the application (signed commands, one event each) with the chain
   rows written and without (the recorder's ``chain_rows`` replaced by a no-op), interleaved
   on fresh ledgers, ``--rounds`` rounds: the ratio is measured within one run.

    python bench/completeness_bench.py --size 100000 --workdir /tmp/bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import KEYS, GeneratorConfig, bench_signers, generate

import ledger.storage.recorders as recorders
from ledger.application import LedgerApplication
from ledger.audit.proofs import export_cadre_proof, verify_proof
from ledger.domain import ids
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import (
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    Severity,
)
from ledger.storage.store import StoreConfig
from ledger.transparency import checkpoints as service
from ledger.transparency.person_index import CADRE, CASE
from ledger.transparency.person_record import IndexedEvent, PersonRecord
from ledger.transparency.person_tables import PersonTables
from projections import log as views_log
from projections.api import Projections
from projections.queries import Reader

SEED = 2016
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_PERSON = "PBENCH30"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def ms(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(pct(values, 50) * 1000, 3),
        "p99_ms": round(pct(values, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


# the ledger -------------------------------------------------------------------------------
def open_app(path: Path, signer: str = "organisation") -> LedgerApplication:
    app = LedgerApplication(StoreConfig.parse(str(path)), bench_signers(SEED)["root"])
    app.signer = bench_signers(SEED)[signer]
    return app


def document(number: str) -> DecisionDocument:
    return DecisionDocument(
        number=number,
        decided_on=dt.date(2024, 3, 1),
        facts="推诿敷衍信访事项",
        basis="第四条第（三）项",
        measures=Measures((Measure.ADMONITION_TALK,), Severity.MINOR),
        approving_authority="中共湖南省委组织部",
        effective_date=dt.date(2024, 3, 1),
        appeal_authority="中共湖南省委组织部",
    )


def whole_case(app: LedgerApplication, case_no: str, person: str) -> None:
    """Eight events, six naming the person (assign, hear, decide, announce, file, receive)."""
    app.open_case(case_no, dt.date(2023, 11, 2), [3], "推诿敷衍信访事项", dt.date(2024, 1, 8),
                  [ResultElement.PETITION_ARISEN, ResultElement.ADVERSE_IMPACT])  # fmt: skip
    app.assign(case_no, PartyType.PERSON, person, Responsibility.DIRECT, dt.date(2024, 1, 15))
    app.hear(case_no, PartyType.PERSON, person, dt.date(2024, 2, 1), "本人陈述")
    app.decide(case_no, PartyType.PERSON, person, document(f"{case_no}-决"))
    app.announce(case_no, PartyType.PERSON, person, dt.date(2024, 3, 11), "本人及所在单位")
    app.enter_in_file(case_no, person, dt.date(2024, 3, 12), f"档-{case_no}", "省委组织部")
    app.receive(case_no, PartyType.PERSON, person, dt.date(2024, 3, 11))
    app.close_case(case_no, dt.date(2024, 4, 30), "责任追究完毕")


def top_persons(app: LedgerApplication, n: int) -> list[tuple[str, int]]:
    rows = PersonTables(app).select(
        "SELECT personnel_no, COUNT(*) FROM {p} GROUP BY personnel_no "
        "ORDER BY COUNT(*) DESC, personnel_no LIMIT ?",
        (n,),
        p="person_events",
    )
    return [(str(p), int(c)) for p, c in rows]


# the unverified read of today -------------------------------------------------------------
def unverified_history(views: Projections, personnel_no: str) -> Any:
    """The read before the person index: cases from ``proj_case_parties``, cadre events by
    aggregate id, nothing checked; the same replay and formatting (``Reader.cadre_history``)."""

    def ask(r: Reader) -> Any:
        cases = r.named_in("person", personnel_no)
        marks = ", ".join("?" for _ in cases) or "NULL"
        r.cur.execute(
            r.store.sql(f"SELECT case_id FROM {{proj_cases}} WHERE opened_at IN ({marks})"),
            tuple(cases),
        )
        case_ids = [ids.UUID(str(c)) for (c,) in r.cur.fetchall()]
        cadre = ids.cadre_id(personnel_no)
        own = views_log.case_events(r.store, r.cur, [cadre], r.position)[cadre]
        events = tuple(IndexedEvent(n, n, cadre, 1, CADRE + "x", st) for n, _, st in own) + tuple(
            IndexedEvent(0, 0, c, 1, CASE + "x", b"") for c in case_ids
        )
        record = PersonRecord(personnel_no, None, events, 0, 0, None, None)
        return r.cadre_history(personnel_no, None, record)

    views.catch_up()
    with views.store.read() as cur:
        from projections.api import _position

        return ask(Reader(views.store, cur, _position(views.store, cur), views._unwrap))


# the same read by two versions of the code, in one run -------------------------------------
#: Run in a child process with PYTHONPATH set to one version of the code: times
#: ``cadre history`` (verified) for each person, in-process.
CHILD = r"""
import json, os, sys, time
import ledger
if os.path.isdir(os.path.join(os.path.dirname(ledger.__file__), "storage")):
    from ledger.storage.store import StoreConfig
else:
    from ledger.store import StoreConfig
from ledger.application import LedgerApplication
from projections.api import Projections

db, reads, persons = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
p = Projections(LedgerApplication(StoreConfig.parse(db)))
p.catch_up()
runs = {n: [] for n in persons}
for n in persons:
    p.cadre_history(n)
for _ in range(reads):
    for n in persons:
        t = time.perf_counter()
        p.cadre_history(n)
        runs[n].append(time.perf_counter() - t)
# Ed25519 verifications in one read of each person (does not depend on the machine's load).
import cProfile, pstats
import projections.trusted as trusted
if hasattr(trusted, "PARALLEL_FROM"):  # the code before projections.signature_checks
    trusted.PARALLEL_FROM = 10**9  # one thread, so that the profiler sees every verification
else:
    import projections.signature_checks as checks
    checks.IN_THREADS = False
counts = {}
for n in persons:
    prof = cProfile.Profile()
    prof.runcall(p.cadre_history, n)
    stats = pstats.Stats(prof).stats
    counts[n] = sum(  # OpenSSL's method (before libsodium), or ledger/signing/ed25519.py
        v[1] for k, v in stats.items()
        if ("verify" in k[2] and "Ed25519" in k[2])
        or (k[2] == "verifies" and k[0].endswith("ed25519.py"))
    )
print(json.dumps({"runs": runs, "ed25519_verifies": counts}))
"""


def baseline_reads(
    path: Path, persons: list[str], reads: int, rev: str, rounds: int
) -> dict[str, Any]:
    """``cadre history`` by this tree's code and by the code at ``rev`` (unpacked with
    ``git archive``), each in a child process on its own copy of the ledger (the read models'
    schema may differ), alternating ``rounds`` times so that both meet the same load."""
    import shutil
    import tarfile
    import tempfile
    from io import BytesIO

    root = Path(__file__).resolve().parent.parent
    times: dict[str, list[float]] = {"this tree": [], rev: []}
    verifies: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "code"
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", rev, "ledger", "projections"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(base, filter="data")  # fmt: skip
        trees = {"this tree": root, rev: base}
        copies = {}
        for label in trees:
            copy = Path(tmp) / f"{'base' if label == rev else 'this'}.db"
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{path}{suffix}").exists():
                    shutil.copy(f"{path}{suffix}", f"{copy}{suffix}")
            copies[label] = copy
        for _ in range(rounds):
            for label, code in trees.items():
                env = {**os.environ, "PYTHONPATH": str(code)}
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, str(copies[label]), str(reads),
                     json.dumps(persons)],
                    check=True, capture_output=True, text=True, env=env, cwd=tmp,
                )  # fmt: skip
                data = json.loads(out.stdout)
                times[label] += [t for ts in data["runs"].values() for t in ts]
                verifies[label] = data["ed25519_verifies"]
    mine, theirs = times["this tree"], times[rev]
    return {
        "baseline": rev,
        "rounds": rounds,
        "this_tree": ms(mine),
        "baseline_code": ms(theirs),
        "ratio_p50": round(pct(mine, 50) / pct(theirs, 50), 3),
        "ratio_p99": round(pct(mine, 99) / pct(theirs, 99), 3),
        "ed25519_verifies_per_read": {"this_tree": verifies["this tree"],
                                      "baseline_code": verifies[rev]},
    }  # fmt: skip


# the figures ------------------------------------------------------------------------------
def reads(app: LedgerApplication, persons: list[str], repeats: int) -> dict[str, Any]:
    views = Projections(app)
    views.catch_up()
    verified: dict[str, list[float]] = {p: [] for p in persons}
    plain: dict[str, list[float]] = {p: [] for p in persons}
    for _ in range(repeats):  # interleaved, so load changes hit both alike
        for p in persons:
            t, a = timed(lambda p=p: views.cadre_history(p))
            verified[p].append(t)
            t, b = timed(lambda p=p: unverified_history(views, p))
            plain[p].append(t)
            assert [e.case_no for e in a.entries] == [e.case_no for e in b.entries], p
    views.close()
    all_v = [t for ts in verified.values() for t in ts]
    all_p = [t for ts in plain.values() for t in ts]
    return {
        "verified": ms(all_v),
        "unverified": ms(all_p),
        "ratio_p50": round(pct(all_v, 50) / pct(all_p, 50), 2),
        "per_person": {
            p: {"verified": ms(verified[p]), "unverified": ms(plain[p])} for p in persons
        },
    }


def proofs(app: LedgerApplication, persons: list[str], fingerprint: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in persons:
        t_export, doc = timed(lambda p=p: export_cadre_proof(app, p))
        raw = json.dumps(doc, ensure_ascii=False).encode()
        t_verify, report = timed(lambda raw=raw: verify_proof(raw, fingerprint))
        assert report, report.result.failures
        completeness = json.dumps(doc["completeness"]).encode()
        out[p] = {
            "events_in_document": len(doc["events"]),
            "events_naming_person": doc["completeness"]["count"],
            "export_ms": round(t_export * 1000, 2),
            "verify_ms": round(t_verify * 1000, 2),
            "document_bytes": len(raw),
            "completeness_bytes": len(completeness),
            "map_path_siblings": len(doc["completeness"]["map_proof"]["siblings"]),
            "checkpoint_note_bytes": len(doc["checkpoint"]["note"].encode()),
            "verdict": report.completeness,
        }
    return out


def checkpoint_cost(app: LedgerApplication, tail: int) -> dict[str, Any]:
    """Checkpoint after ``tail`` new events; the index part timed inside the same call."""
    spent: list[float] = []
    original = PersonTables.advance

    def advance(self: PersonTables, size: int) -> bytes:
        t, root = timed(lambda: original(self, size))
        spent.append(t)
        return root

    PersonTables.advance = advance  # type: ignore[method-assign]
    try:
        root = bench_signers(SEED)["root"]
        people = [p for p, _ in top_persons(app, 60) if p != BENCH_PERSON]
        previous = service.LedgerTables(app).checkpoints()[-1].tree_size
        i = 0
        before = app.recorder.max_notification_id() or 0
        while (app.recorder.max_notification_id() or 0) - before < tail:
            whole_case(app, f"BENCH-TAIL-{i:05d}", people[i % len(people)])
            i += 1
        total, (cp, _) = timed(lambda: service.make_checkpoint(app, root))
    finally:
        PersonTables.advance = original  # type: ignore[method-assign]
    persons = len(PersonTables(app).changes(previous, cp.tree_size))
    return {
        "events_since_previous": cp.tree_size - previous,
        "persons_rehashed": persons,
        "checkpoint_ms": round(total * 1000, 1),
        "index_ms": round(spent[-1] * 1000, 1),
        "index_share": round(spent[-1] / total, 3),
        "tree_size": cp.tree_size,
    }


def appends(work: Path, events: int, rounds: int) -> dict[str, Any]:
    """Signed single-event commands per second with and without the chain rows."""
    s = bench_signers(SEED)
    results: dict[str, list[float]] = {"with_index": [], "without_index": []}
    original = recorders.chain_rows
    for r in range(rounds):
        for mode in ("with_index", "without_index"):
            path = work / f"append-{mode}-{r}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            if mode == "without_index":
                recorders.chain_rows = lambda *a, **k: []  # type: ignore[assignment]
            try:
                app = LedgerApplication(StoreConfig.parse(str(path)), s["root"])
                root, org = KEYS[0], KEYS[1]
                app.initialise(s["root"], root.holder, root.authority, root.kind)
                app.add_key(s["organisation"].public_raw, org.holder, org.authority, org.kind,
                            org.role)  # fmt: skip
                app.signer = s["organisation"]
                app.add_unit("U1", "某单位", *_unit_kind())
                for k in range(20):
                    app.add_cadre(f"A{k:03d}", "某干部", "U1", "科员", dt.date(2015, 1, 5))
                start = app.recorder.max_notification_id() or 0
                t0 = time.perf_counter()
                k = 0
                while (app.recorder.max_notification_id() or 0) - start < events:
                    whole_case(app, f"AP-{k:05d}", f"A{k % 20:03d}")
                    k += 1
                elapsed = time.perf_counter() - t0
                done = (app.recorder.max_notification_id() or 0) - start
                results[mode].append(done / elapsed)
                app.close()
            finally:
                recorders.chain_rows = original
    with_, without = (
        statistics.median(results["with_index"]),
        statistics.median(results["without_index"]),
    )
    return {
        "events_per_round": events,
        "events_per_second": {k: [round(v, 1) for v in vs] for k, vs in results.items()},
        "median_with": round(with_, 1),
        "median_without": round(without, 1),
        "ratio_with_to_without": round(with_ / without, 3),
    }


def _unit_kind() -> tuple[Any, Any]:
    from ledger.domain.regulation import AdminLevel, UnitKind

    return UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY


def ed25519_scale(n: int = 2000) -> dict[str, float]:
    """One Ed25519 verify and one SHA-256 of 300 bytes on this machine, now: the scale that
    the read timings (which do ~40 verifies) depend on."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    message = bytes(300)
    signature, public = key.sign(message), key.public_key()
    t, _ = timed(lambda: [public.verify(signature, message) for _ in range(n)])
    return {"ed25519_verify_us": round(t / n * 1e6, 1)}


def machine() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()  # fmt: skip
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "commit": commit,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lifeledger-bench"))
    parser.add_argument("--persons", type=int, default=10)
    parser.add_argument("--reads", type=int, default=100)
    parser.add_argument("--tail", type=int, default=1000)
    parser.add_argument("--append-events", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--only", default="reads,proofs,checkpoint,append",
        help="figures to run (comma-separated): reads, proofs, checkpoint, append",
    )  # fmt: skip
    parser.add_argument(
        "--baseline", default=None,
        help="also time cadre history with the code of this git revision, same run",
    )  # fmt: skip
    parser.add_argument("--baseline-rounds", type=int, default=3)
    args = parser.parse_args(argv)
    only = {f.strip() for f in args.only.split(",") if f.strip()}
    args.workdir.mkdir(parents=True, exist_ok=True)
    base = args.workdir / f"province-{args.size}.db"
    if not base.exists():
        say(f"generating {args.size} events into {base}")
        generate(GeneratorConfig(size=args.size), base)
    path = args.workdir / f"completeness-{args.size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
        if Path(f"{base}{suffix}").exists():
            Path(f"{path}{suffix}").write_bytes(Path(f"{base}{suffix}").read_bytes())
    result: dict[str, Any] = {"size": args.size, "machine": machine(), "args": {
        k: str(v) for k, v in vars(args).items()}}  # fmt: skip
    app = open_app(path)
    fingerprint = app.root_fingerprint()
    say("first checkpoint (whole map)")
    t_first, (first, _) = timed(lambda: service.make_checkpoint(app, bench_signers(SEED)["root"]))
    persons_in_map = len(PersonTables(app).changes(0, first.tree_size))
    result["first_checkpoint"] = {"tree_size": first.tree_size, "ms": round(t_first * 1000, 1),
                                  "persons": persons_in_map}  # fmt: skip
    say("a person with 31 events")
    unit = app.cadre(top_persons(app, 1)[0][0]).posts[-1].unit_code
    app.add_cadre(BENCH_PERSON, "基准干部", unit, "科长", dt.date(2015, 1, 5))
    for i in range(5):
        whole_case(app, f"BENCH-{i}", BENCH_PERSON)
    if "checkpoint" in only:
        say(f"checkpoint after {args.tail} more events")
        result["checkpoint"] = checkpoint_cost(app, args.tail)
    else:
        service.make_checkpoint(app, bench_signers(SEED)["root"])
    # a few events after the checkpoint, as a reader meets them between checkpoints
    whole_case(app, "BENCH-AFTER", BENCH_PERSON)
    others = [p for p, _ in top_persons(app, args.persons + 1) if p != BENCH_PERSON]
    persons = [BENCH_PERSON, *others[: args.persons]]
    result["scale_before_reads"] = ed25519_scale()
    if "reads" in only:
        say(f"cadre history x{args.reads} for {len(persons)} persons")
        result["cadre_history"] = reads(app, persons, args.reads)
        result["cadre_history"]["events_after_checkpoint"] = 8
    if args.baseline:
        say(f"cadre history by this tree and by {args.baseline}, alternating")
        app.close()
        result["cadre_history_against_baseline"] = baseline_reads(
            path, persons, args.reads, args.baseline, args.baseline_rounds
        )
        app = open_app(path)
    result["scale_after_reads"] = ed25519_scale()
    if "proofs" in only:
        say("proofs")
        result["proof_cadre"] = proofs(app, persons[:3], fingerprint)
    app.close()
    if "append" in only:
        say("append throughput with and without the chain rows")
        result["append"] = appends(args.workdir, args.append_events, args.rounds)
    result["machine"]["load_average_end"] = os.getloadavg()
    out = args.out or RESULTS / (
        f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{args.size}-completeness.json"
    )
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    say(f"wrote {out}")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1,
                     ensure_ascii=False)[:4000])  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
