"""What committing the case set costs (issue 10: the case index, Art. 13, 14).

On a copy of a synthetic province (``generate.py``; the original is never written), the same
steps by this tree's code and by the code at ``--baseline`` (unpacked with ``git archive``),
each in a child process on its own copy, alternating ``--rounds`` times so that both meet the
same load on a shared machine:

1. the first checkpoint of the ledger (this tree: it also builds the case index from the
   whole log, once);
2. a checkpoint after ``--tail`` new events (the steady state: only the keys named since the
   previous checkpoint are rehashed);
3. after a few more events, ``unit rating`` (the unit named in the most cases, the year with
   the most decisions against it), ``report annual`` (the year with the most cases) and
   ``deadlines`` (on a day in 2024 and on the simulated present), in-process, ``--reads``
   times each; ``case list`` and ``unit history`` (every case replayed) ``--whole`` times.

Wall time and CPU time (``time.process_time``) of each; the ratios are this tree's over the
baseline's, measured in one run.

    python bench/case_index_bench.py --db /tmp/bench/province-100000.db --baseline 775e487
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

#: One version of the code, in a child process: the steps on one copy of the ledger.
CHILD = r"""
import datetime as dt, json, sys, time
from generate import bench_signers
from ledger.application import LedgerApplication
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import Measure, PartyType, Responsibility, ResultElement, Severity
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint
from projections.api import Projections

db, tail, reads, whole = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
signers = bench_signers(2016)
app = LedgerApplication(StoreConfig.parse(db), signers["root"])
app.signer = signers["organisation"]
out = {}

def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c

def checkpoint():
    signer, app.signer = app.signer, signers["root"]
    try:
        make_checkpoint(app, signers["root"])
    finally:
        app.signer = signer

def whole_case(no, person):
    d = dt.date
    app.open_case(no, d(2023, 11, 2), [3], "推诿敷衍信访事项", d(2024, 1, 8),
                  [ResultElement.PETITION_ARISEN, ResultElement.ADVERSE_IMPACT])
    app.assign(no, PartyType.PERSON, person, Responsibility.DIRECT, d(2024, 1, 15))
    app.hear(no, PartyType.PERSON, person, d(2024, 2, 1), "本人陈述")
    app.decide(no, PartyType.PERSON, person, DecisionDocument(
        number=f"{no}-决", decided_on=d(2024, 3, 1), facts="推诿敷衍信访事项",
        basis="第四条第（三）项", measures=Measures((Measure.ADMONITION_TALK,), Severity.MINOR),
        approving_authority="中共湖南省委组织部", effective_date=d(2024, 3, 1),
        appeal_authority="中共湖南省委组织部"))
    app.announce(no, PartyType.PERSON, person, d(2024, 3, 11), "本人及所在单位")
    app.enter_in_file(no, person, d(2024, 3, 12), f"档-{no}", "省委组织部")
    app.receive(no, PartyType.PERSON, person, d(2024, 3, 11))
    app.close_case(no, d(2024, 4, 30), "责任追究完毕")

views = Projections(app)
views.catch_up()
with views.store.read() as cur:
    cur.execute(views.store.sql(
        "SELECT code FROM {proj_case_parties} WHERE party_type = 'unit' GROUP BY code "
        "ORDER BY COUNT(*) DESC, code LIMIT 1"))
    unit = cur.fetchone()[0]
    cur.execute(views.store.sql(
        "SELECT year FROM {proj_case_years} GROUP BY year ORDER BY COUNT(*) DESC LIMIT 1"))
    year = int(cur.fetchone()[0])
    cur.execute(views.store.sql(
        "SELECT personnel_no FROM {proj_cadres} ORDER BY personnel_no LIMIT 40"))
    people = [r[0] for r in cur.fetchall()]
rated = max(range(2016, 2026), key=lambda y: len(views.unit_rating(unit, y).reasons))
out["first_checkpoint"] = timed(checkpoint)
before = app.recorder.max_notification_id()
i = 0

def append_tail():
    global i
    while app.recorder.max_notification_id() - before < tail:
        whole_case(f"BENCH-CI-{i:05d}", people[i % len(people)])
        i += 1

out["append_tail"] = timed(append_tail)
out["tail_checkpoint"] = timed(checkpoint)
whole_case("BENCH-CI-AFTER", people[0])
views.catch_up()
asks = {
    "unit_rating": lambda: views.unit_rating(unit, rated),
    "report_annual": lambda: views.annual_report(year),
    "deadlines": lambda: views.deadlines(dt.date(2024, 3, 20)),
    # the simulated present of generate.py: the open cases' periods
    "deadlines_present": lambda: views.deadlines(dt.date(2026, 6, 30)),
}
for name, ask in asks.items():
    ask()
    out[name] = [timed(ask) for _ in range(reads)]
views.case_list()
out["case_list"] = [timed(views.case_list) for _ in range(whole)]
out["unit_history"] = [timed(lambda: views.unit_history(unit)) for _ in range(whole)]
out["where"] = {"unit": unit, "rating_year": rated, "report_year": year, "tail_events": tail}
print(json.dumps(out))
"""


def _median(pairs: list[list[float]], which: int) -> float:
    return statistics.median(p[which] for p in pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the ledger to copy (read only)")
    parser.add_argument("--baseline", required=True, help="git revision of the code before")
    parser.add_argument("--tail", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--whole", type=int, default=2, help="case list / unit history reads")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    runs: dict[str, list[dict[str, Any]]] = {"this tree": [], args.baseline: []}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "code"
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline, "ledger", "projections"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(base, filter="data")
        trees = {"this tree": ROOT, args.baseline: base}
        for r in range(args.rounds):
            for label, code in trees.items():
                copy = Path(tmp) / f"ledger-{r}-{'base' if code == base else 'this'}.db"
                shutil.copy(args.db, copy)
                env = {**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{BENCH}"}
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(copy), str(args.tail), str(args.reads),
                     str(args.whole)],
                    check=True, capture_output=True, text=True, env=env, cwd=tmp,
                )  # fmt: skip
                runs[label].append(json.loads(done.stdout))
                copy.unlink()
                print(f"round {r + 1}: {label} done", file=sys.stderr)
    result: dict[str, Any] = {"db": str(args.db), "baseline": args.baseline, "tail": args.tail}
    result["where"] = runs["this tree"][0]["where"]
    for step in ("first_checkpoint", "append_tail", "tail_checkpoint"):
        mine = [r[step] for r in runs["this tree"]]
        theirs = [r[step] for r in runs[args.baseline]]
        result[step] = _figures(mine, theirs)
    steps = ("unit_rating", "report_annual", "deadlines", "deadlines_present", "case_list",
             "unit_history")  # fmt: skip
    for step in steps:
        mine = [p for r in runs["this tree"] for p in r[step]]
        theirs = [p for r in runs[args.baseline] for p in r[step]]
        result[step] = _figures(mine, theirs)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")
    return 0


def _figures(mine: list[list[float]], theirs: list[list[float]]) -> dict[str, float]:
    """Median wall and CPU milliseconds of both, and this tree's over the baseline's."""
    out = {
        "this_tree_wall_ms": round(_median(mine, 0) * 1000, 1),
        "baseline_wall_ms": round(_median(theirs, 0) * 1000, 1),
        "this_tree_cpu_ms": round(_median(mine, 1) * 1000, 1),
        "baseline_cpu_ms": round(_median(theirs, 1) * 1000, 1),
    }
    out["wall_ratio"] = round(out["this_tree_wall_ms"] / max(out["baseline_wall_ms"], 1e-9), 3)
    out["cpu_ratio"] = round(out["this_tree_cpu_ms"] / max(out["baseline_cpu_ms"], 1e-9), 3)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
