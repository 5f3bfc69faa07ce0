"""Verified reads against the unverified reads they replace, and verify's read-model audit.

    python bench/trusted_reads_bench.py --db /tmp/province.db [--baseline REV] [--repeats 30]

The ledger is one that ``bench/generate.py`` wrote. Each read (``case show`` of the case with
the most events, ``case timeline`` of it, ``deadlines`` on the simulated present,
``report annual`` for a busy year, ``unit rating`` of the unit named in the most cases, and
``key list``) is timed in-process, ``--repeats`` times after two warm-up calls, first by this
tree's code and then by the code at ``--baseline`` (default: the commit before issue 10's
verified reads; unpacked with ``git archive`` into a temporary directory and run as a child
process on the same file), alternating, so both see the same machine in the same run. The
read models are caught up before timing; both versions read the same view tables.

Then ``verify``: the signature pass (``Verifier.run``) and the read-model audit
(:func:`projections.audit.audit_read_models`) on the same ledger, timed separately.

Writes ``bench/results/<UTC time>-<events>-trusted-reads.json`` and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The last commit of main before issue 10's verified reads: today's unverified reads.
BASELINE = "b65283f"

OPS = ("case show", "case timeline", "deadlines", "report annual", "unit rating", "key list")
#: Run in a child process with PYTHONPATH set to one version of the code: times every read.
CHILD = r"""
import datetime as dt, hashlib, json, os, sys, time
import ledger
# The layout of the code given (an editable install could resolve a missing module elsewhere).
if os.path.isdir(os.path.join(os.path.dirname(ledger.__file__), "storage")):
    from ledger.storage.store import StoreConfig
else:
    from ledger.store import StoreConfig
from ledger.application import LedgerApplication
from projections.api import Projections

db, repeats, plan = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
app = LedgerApplication(StoreConfig.parse(db))
p = Projections(app)
p.catch_up()
ops = {
    "case show": lambda: p.case_state(plan["case"]),
    "case timeline": lambda: p.timeline(plan["case"]),
    "deadlines": lambda: p.deadlines(dt.date.fromisoformat(plan["as_of"])),
    "report annual": lambda: p.annual_report(plan["year"]),
    "unit rating": lambda: p.unit_rating(plan["unit"], plan["year"]),
    "key list": lambda: p.keys(),
}
out = {}
answers = {}
for name, op in ops.items():
    if name not in plan.get("ops", ops):
        continue
    answers[name] = hashlib.sha256(repr(op()).encode()).hexdigest()
    op()
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        op()
        runs.append(time.perf_counter() - t)
    out[name] = runs
print(json.dumps({"runs": out, "answers": answers}))
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def plan_for(db: Path) -> dict[str, Any]:
    """The case with the most events, the unit named in the most cases, a busy year."""
    conn = sqlite3.connect(db)
    try:
        ((case_id, _),) = conn.execute(
            "SELECT originator_id, COUNT(*) AS n FROM stored_events WHERE topic LIKE "
            "'%AccountabilityCase.%' GROUP BY originator_id ORDER BY n DESC LIMIT 1"
        ).fetchall()
        ((case_no,),) = conn.execute(
            "SELECT case_no FROM proj_cases WHERE case_id = ?", (case_id,)
        ).fetchall()
        ((unit, _),) = conn.execute(
            "SELECT code, COUNT(*) AS n FROM proj_case_parties WHERE party_type = 'unit' "
            "GROUP BY code ORDER BY n DESC LIMIT 1"
        ).fetchall()
        ((year, _),) = conn.execute(
            "SELECT year, COUNT(*) AS n FROM proj_case_years GROUP BY year ORDER BY n DESC LIMIT 1"
        ).fetchall()
        ((events,),) = conn.execute("SELECT COUNT(*) FROM stored_events").fetchall()
    finally:
        conn.close()
    return {"case": case_no, "unit": unit, "year": int(year), "as_of": "2026-06-30",
            "events": int(events)}  # fmt: skip


def baseline_tree(rev: str, into: Path) -> Path:
    """The code at ``rev``, unpacked (no work tree or branch is touched)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "ledger", "projections"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def time_reads(
    code: Path, db: Path, repeats: int, plan: dict[str, Any]
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Each read's times, and a digest of each answer (both versions must agree)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(repeats), json.dumps(plan)],
        check=True, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    data = json.loads(result.stdout)
    return data["runs"], data["answers"]


def catch_up(db: Path) -> None:
    """Build the read models once, with this tree's code."""
    catch_up_with(ROOT, db)


def catch_up_with(code: Path, db: Path) -> None:
    """Build the read models once, with the code in ``code``."""
    subprocess.run(
        [sys.executable, "-c", CHILD.split("ops = {")[0], str(db), "0", "{}"],
        check=True, env={**os.environ, "PYTHONPATH": str(code)}, cwd=tempfile.gettempdir(),
    )  # fmt: skip


def time_verify(db: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from ledger.application import LedgerApplication
    from ledger.audit.verify import StoreSource, Verifier, VerifyOptions
    from ledger.storage.store import StoreConfig
    from projections.audit import audit_read_models

    app = LedgerApplication(StoreConfig.parse(str(db)))
    try:
        result = Verifier(VerifyOptions(workers=2, parallel="auto")).run(StoreSource(app))
        assert result, result.summary()
        started = time.perf_counter()
        audit = audit_read_models(app)
        audit_seconds = time.perf_counter() - started
        assert audit, audit.summary()
    finally:
        app.close()
    return {
        "signature_pass_s": result.seconds,
        "read_model_audit_s": audit_seconds,
        "audit_rows": audit.rows,
        "audit_to_signatures": audit_seconds / result.seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two codes")
    parser.add_argument("--skip", default="", help='reads left out, e.g. "report annual"')
    parser.add_argument("--no-verify", action="store_true", help="leave out the verify figures")
    args = parser.parse_args()
    load_start = os.getloadavg()
    catch_up(args.db)
    plan = plan_for(args.db)
    skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
    plan["ops"] = [op for op in OPS if op not in skipped]
    print(f"plan: {plan}", file=sys.stderr)
    runs: dict[str, dict[str, list[float]]] = {"verified": {}, "baseline": {}}
    answers: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_tree(args.baseline, Path(tmp))
        # The baseline reads its own copy: the two versions' read models differ in schema
        # (and tables), and each would rebuild the other's.
        base_db = Path(tmp) / "baseline.db"
        with sqlite3.connect(args.db) as source, sqlite3.connect(base_db) as copy:
            source.backup(copy)
        catch_up_with(base, base_db)
        for _ in range(args.rounds):
            for label, code, db in (("verified", ROOT, args.db), ("baseline", base, base_db)):
                times, answers[label] = time_reads(code, db, args.repeats, plan)
                for op, values in times.items():
                    runs[label].setdefault(op, []).extend(values)
    # The verified reads must give exactly the answers of the unverified ones on a clean ledger.
    same = {op: answers["verified"][op] == answers["baseline"][op] for op in answers["verified"]}
    print(f"same answers: {same}", file=sys.stderr)
    reads = {
        op: {
            "verified_p50_ms": percentile(runs["verified"][op], 0.5) * 1000,
            "verified_p99_ms": percentile(runs["verified"][op], 0.99) * 1000,
            "baseline_p50_ms": percentile(runs["baseline"][op], 0.5) * 1000,
            "baseline_p99_ms": percentile(runs["baseline"][op], 0.99) * 1000,
            "ratio_p50": percentile(runs["verified"][op], 0.5)
            / percentile(runs["baseline"][op], 0.5),
        }
        for op in runs["verified"]
    }
    if not args.no_verify:
        catch_up(args.db)  # the baseline's code may have rebuilt the views in its own schema
    verify = {} if args.no_verify else time_verify(args.db)
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    results = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit,
        "baseline": args.baseline,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_start": load_start,
            "load_end": os.getloadavg(),
        },
        "plan": plan,
        "repeats": args.repeats * args.rounds,
        "reads": reads,
        "same_answers": same,
        "verify": verify,
        "runs_s": runs,
    }
    out = (
        ROOT
        / "bench"
        / "results"
        / (f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{plan['events']}-trusted-reads.json")
    )
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"| read ({plan['events']:,} events) | verified p50 / p99 ms | unverified p50 / p99 ms "
          "| ratio p50 |")  # fmt: skip
    print("| --- | ---: | ---: | ---: |")
    for op, r in reads.items():
        print(
            f"| {op} | {r['verified_p50_ms']:.2f} / {r['verified_p99_ms']:.2f} | "
            f"{r['baseline_p50_ms']:.2f} / {r['baseline_p99_ms']:.2f} | {r['ratio_p50']:.2f} |"
        )
    if verify:
        print(
            f"verify: signature pass {verify['signature_pass_s']:.2f} s, read-model audit "
            f"{verify['read_model_audit_s']:.2f} s ({verify['audit_to_signatures']:.2f} of it)"
        )
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
