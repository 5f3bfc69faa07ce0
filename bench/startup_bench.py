"""Start-up of the command line, as a person meets it: cold processes, wall time.

Each figure is a fresh process, timed from spawn to exit, interleaved with a bare
``python -c pass`` in the same run so that the machine's load cancels out; the figures quoted are
each command's median minus bare Python's median (issue 14: ``--help`` and completion at most
0.15 s above bare Python, ``cadre history`` on a 1M-event ledger at most 0.35 s above).

    python bench/startup_bench.py --ledger /tmp/province.db --runs 15

The ledger is a province made by ``bench/generate.py``; the cadre asked about is the one with the
most events in its history (the heaviest ordinary read). Its read models are caught up once
before timing, as they are on any ledger in use.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
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


def time_once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command} failed: {done.stderr.decode(errors='replace')[:400]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--ledger", type=Path, help="a province from bench/generate.py")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFELEDGER_")}
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
    if args.ledger:
        number, named = busiest_cadre(args.ledger)
        events = (
            sqlite3.connect(f"file:{args.ledger}?mode=ro", uri=True)
            .execute("SELECT count(*) FROM stored_events")
            .fetchone()[0]
        )
        history = _cli("--db", str(args.ledger), "cadre", "history", number)
        subprocess.run(history, env=env, capture_output=True, check=False)  # catch up once
        cases["cadre history"] = (history, env)
        cadre = {"personnel_no": number, "case_events_naming": named, "ledger_events": events}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (command, e) in cases.items():  # interleaved: load hits all alike
            times[name].append(time_once(command, e))
    bare = statistics.median(times["bare python"])
    figures = {
        name: {
            "median_s": round(statistics.median(t), 4),
            "p90_s": round(sorted(t)[int(0.9 * (len(t) - 1))], 4),
            "above_bare_python_s": round(statistics.median(t) - bare, 4),
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
        "cadre": cadre,
        "figures": figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-startup.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    for name, f in figures.items():
        print(f"{name:32} median {f['median_s']:.3f} s  (+{f['above_bare_python_s']:.3f} s)")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
