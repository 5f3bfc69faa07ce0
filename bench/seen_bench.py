"""What the rollback check of every read costs (``ledger/transparency/seen.py``).

    python bench/seen_bench.py --ledger /tmp/bench/province-100000.db --runs 15 [--baseline REV]

Works on a copy of the ledger (the original is never written): one checkpoint is made over the
whole log (the bench's deterministic root key) and the read models are caught up once. Then:

1. cold ``cadre history`` of the cadre with the most events, a fresh process each time, with
   this tree's code (the check on) and, with ``--baseline``, the code of that revision (before
   the check), interleaved; medians of wall time;
2. in one process: ``Projections.cadre_history`` with and without the check, and the check
   alone in its three states: nothing new since the last read (the usual case), the log grown
   by one event, and a new checkpoint (note signature and an RFC 9162 consistency proof from
   the stored tree).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def _cadre(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT personnel_no FROM person_events GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()
    return str(row[0])


def _prepare(db: Path) -> None:
    from generate import bench_signers

    from ledger.application import LedgerApplication
    from ledger.storage.store import StoreConfig
    from ledger.transparency.checkpoints import make_checkpoint
    from projections.api import Projections

    signers = bench_signers(2016)
    app = LedgerApplication(StoreConfig.parse(str(db)), signers["root"])
    make_checkpoint(app, signers["root"])
    with Projections(app) as p:
        p.catch_up()
    app.close()


def _cold(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _in_process(db: Path, cadre: str, runs: int, state: Path) -> dict[str, float]:
    from generate import bench_signers

    from ledger.application import LedgerApplication
    from ledger.storage.store import StoreConfig
    from ledger.transparency.checkpoints import make_checkpoint
    from ledger.transparency.seen import check_seen
    from projections.api import Projections

    signers = bench_signers(2016)
    app = LedgerApplication(StoreConfig.parse(str(db)), signers["root"])

    def read(check: bool) -> float:
        start = time.perf_counter()
        p = Projections(app, reading=True)
        if check:
            p.after_read = lambda: check_seen(app, state)
        p.cadre_history(cadre)
        p.close()
        return time.perf_counter() - start

    def alone() -> float:
        start = time.perf_counter()
        check_seen(app, state)
        return time.perf_counter() - start

    read(True)  # remembered once; everything loaded
    off, on, same = [], [], []
    for i in range(runs):  # alternated, so that drift in the machine's load cancels out
        for check in (i % 2 == 0, i % 2 == 1):
            (on if check else off).append(read(check))
        same.append(alone())
    grown, new_cp = [], []
    for _ in range(min(runs, 5)):
        grown.append(_grow_and_check(app, signers, state))
        make_checkpoint(app, signers["root"])
        new_cp.append(alone())
    app.close()
    ms = lambda xs: round(statistics.median(xs) * 1000, 2)  # noqa: E731
    return {
        "cadre_history_without_check_ms": ms(off),
        "cadre_history_with_check_ms": ms(on),
        "check_nothing_new_ms": ms(same),
        "check_log_grown_ms": ms(grown),
        "check_new_checkpoint_ms": ms(new_cp),
    }


def _grow_and_check(app: Any, signers: dict[str, Any], state: Path) -> float:
    """Append one signed event (a unit registered), then time the check alone."""
    from ledger.domain.regulation import AdminLevel, UnitKind
    from ledger.transparency.seen import check_seen

    app.signer = signers["organisation"]
    code = f"SEEN-{time.perf_counter_ns() % 10**9}"
    app.add_unit(code, "基准单位", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    start = time.perf_counter()
    check_seen(app, state)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ledger", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="git revision of the code before the check")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="seen-bench-"))
    db = work / "ledger.db"
    shutil.copyfile(args.ledger, db)
    _prepare(db)
    cadre = _cadre(db)
    env = {**os.environ, "LIFELEDGER_STATE_DIR": str(work / "state"), "LIFELEDGER_LANG": "en"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    after = [sys.executable, "-c", "from cli.main import main; main()"]
    cmds = {"after": (after, {**env, "PYTHONPATH": str(ROOT)})}
    if args.baseline:
        base = work / "baseline"
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        cmds["before"] = (after, {**env, "PYTHONPATH": str(base)})
    tail = ["--db", str(db), "cadre", "history", cadre]
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for cmd, e in cmds.values():
        _cold([*cmd, *tail], e)  # bytecode compiled, state remembered
    for _ in range(args.runs):
        for name, (cmd, e) in cmds.items():
            times[name].append(_cold([*cmd, *tail], e))
    out: dict[str, object] = {
        "ledger": str(args.ledger),
        "cadre": cadre,
        "runs": args.runs,
        **{f"cold_cadre_history_{k}_s": round(statistics.median(v), 3) for k, v in times.items()},
    }
    out.update(_in_process(db, cadre, args.runs, work / "state-in-process"))
    print(json.dumps(out, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
