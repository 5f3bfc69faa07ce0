"""Start-up of the command line, as a person meets it: cold processes, wall time.

Each figure is a fresh process, timed from spawn to exit, interleaved with a bare
``python -c pass`` in the same run so that the machine's load cancels out; the figures quoted are
each command's median minus bare Python's median (issue 14: ``--help`` and completion at most
0.15 s above bare Python, ``cadre history`` on a 1M-event ledger at most 0.35 s above).

    python bench/startup_bench.py --ledger /tmp/province.db --runs 15 [--baseline REV]

Bytecode caches are allowed (``PYTHONDONTWRITEBYTECODE`` is dropped from the children's
environment) and every command runs once before timing: an installed lifeledger starts from
its ``.pyc`` files, and compiling the sources on every start would be a cost no user pays.
With ``--baseline``, ``cadre history`` is also timed with the code of that git revision
(unpacked with ``git archive``, first on ``PYTHONPATH``), on its own copy of the ledger (the
read models' schema may differ), interleaved with the others.

The ledger is a province made by ``bench/generate.py``; the cadre asked about is the one with the
most events in its history (the heaviest ordinary read). Its read models are caught up once
before timing, as they are on any ledger in use.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "lifeledger", *args]


def busiest_cadre(ledger: Path) -> tuple[str, int]:
    """The personnel number named by most case events (a person with a long history)."""
    sys.path.insert(0, str(ROOT))
    from ledger.signing.signatures import Envelope

    counts: Counter[str] = Counter()
    conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT state FROM stored_events WHERE topic LIKE 'ledger.case:%Assigned' LIMIT 200000"
        )
        for (state,) in rows:
            payload = json.loads(Envelope.parse(bytes(state)).payload)
            for key in ("party_code", "code", "personnel_no"):
                value = payload.get(key)
                if isinstance(value, str) and value.startswith("P"):
                    counts[value] += 1
    finally:
        conn.close()
    number, n = counts.most_common(1)[0]
    return number, n


def checkpointed(ledger: Path, into: Path) -> Path:
    """The ledger with a signed checkpoint, as a ledger in use has: a copy with one made by
    the generator's root key when it has none (a history is then proven complete against it,
    instead of every event of the log being read)."""
    import shutil

    conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        (count,) = conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()
    finally:
        conn.close()
    if count:
        return ledger
    copy = into / "ledger.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{ledger}{suffix}").exists():
            shutil.copy(f"{ledger}{suffix}", f"{copy}{suffix}")
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import bench_signers

    from ledger.application import LedgerApplication
    from ledger.storage.store import StoreConfig
    from ledger.transparency.checkpoints import make_checkpoint

    root = bench_signers(2016)["root"]
    app = LedgerApplication(StoreConfig.parse(str(copy)), root)
    try:
        make_checkpoint(app, root)
    finally:
        app.close()
    return copy


def baseline_copy(rev: str, ledger: Path, into: Path) -> tuple[Path, Path]:
    """The code at ``rev`` (unpacked) and a copy of the ledger for it."""
    import shutil
    import tarfile
    from io import BytesIO

    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "ledger", "projections", "cli", "lifeledger"],
        check=True,
        capture_output=True,
    ).stdout
    code = into / "code"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(code, filter="data")
    copy = into / "baseline.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{ledger}{suffix}").exists():
            shutil.copy(f"{ledger}{suffix}", f"{copy}{suffix}")
    return code, copy


def time_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time, and CPU time (user + system) of the child: the CPU time hardly depends on
    how many other processes share the cores, the wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # Run from a neutral directory: ``python -m`` puts the current directory first on the
    # path, which would shadow the code on PYTHONPATH with the tree the bench runs from.
    done = subprocess.run(
        command, env=env, capture_output=True, check=False, cwd=tempfile.gettempdir()
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command} failed: {done.stderr.decode(errors='replace')[:400]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--ledger", type=Path, help="a province from bench/generate.py")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--baseline", default=None, help="a git revision to time beside")
    args = parser.parse_args()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LIFELEDGER_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    completion = {**env, "_LIFELEDGER_COMPLETE": "bash_complete",
                  "COMP_WORDS": "lifeledger ca", "COMP_CWORD": "1"}  # fmt: skip
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        "bare python": ([sys.executable, "-c", "pass"], env),
        "lifeledger --help": (_cli("--help"), env),
        # the Chinese catalog (175 KB .mo) is read at start-up: its cost shows here
        "lifeledger --help (zh_CN)": (_cli("--help"), {**env, "LIFELEDGER_LANG": "zh_CN"}),
        "completion of a command name": (_cli(), completion),
    }
    cadre: dict[str, object] = {}
    tmp = tempfile.TemporaryDirectory()
    if args.ledger:
        args.ledger = checkpointed(args.ledger, Path(tmp.name))
        number, named = busiest_cadre(args.ledger)
        events = (
            sqlite3.connect(f"file:{args.ledger}?mode=ro", uri=True)
            .execute("SELECT count(*) FROM stored_events")
            .fetchone()[0]
        )
        history = _cli("--db", str(args.ledger), "cadre", "history", number)
        cases["cadre history"] = (history, env)
        cadre = {"personnel_no": number, "case_events_naming": named, "ledger_events": events}
        if args.baseline:
            code, copy = baseline_copy(args.baseline, args.ledger, Path(tmp.name))
            cases[f"cadre history ({args.baseline})"] = (
                _cli("--db", str(copy), "cadre", "history", number),
                {**env, "PYTHONPATH": str(code)},
            )
    for command, e in cases.values():  # catch up once, and write the bytecode caches
        time_once(command, e)
    times: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (command, e) in cases.items():  # interleaved: load hits all alike
            wall, used = time_once(command, e)
            times[name].append(wall)
            cpu[name].append(used)
    bare = statistics.median(times["bare python"])
    bare_cpu = statistics.median(cpu["bare python"])
    figures = {
        name: {
            "median_s": round(statistics.median(t), 4),
            "p90_s": round(sorted(t)[int(0.9 * (len(t) - 1))], 4),
            "above_bare_python_s": round(statistics.median(t) - bare, 4),
            "cpu_median_s": round(statistics.median(cpu[name]), 4),
            "cpu_above_bare_python_s": round(statistics.median(cpu[name]) - bare_cpu, 4),
        }
        for name, t in times.items()
    }
    result = {
        "what": "cold process wall time, median of interleaved runs, minus bare python",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "runs": args.runs,
        "baseline": args.baseline,
        "bytecode_cache": True,
        "cadre": cadre,
        "figures": figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-startup.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    tmp.cleanup()
    for name, f in figures.items():
        print(
            f"{name:32} median {f['median_s']:.3f} s  (+{f['above_bare_python_s']:.3f} s); "
            f"CPU {f['cpu_median_s']:.3f} s (+{f['cpu_above_bare_python_s']:.3f} s)"
        )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
