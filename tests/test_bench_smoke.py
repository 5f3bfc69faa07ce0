"""The benchmarks still run: a tiny ``bench/run.py`` in a subprocess, as CI runs it.

Benchmarks are programs, not timed tests: nothing here judges a figure, only that all seven
are produced, with the machine, the versions and the date that make them reproducible.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
FIGURES = {
    "1_signed_append",
    "2_bulk_import",
    "3_verify",
    "4_rebuild",
    "5_cadre_history",
    "6_proofs",
    "7_peak_memory",
}


def test_the_smoke_run_writes_all_seven_figures_with_machine_versions_and_date(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--size",
            "1000",
            "--smoke",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (path,) = tmp_path.glob("*-1000-smoke.json")
    results = json.loads(path.read_text())
    assert set(results["figures"]) == FIGURES
    errors = {k: v["error"] for k, v in results["figures"].items() if "error" in v}
    assert not errors, errors
    assert results["machine"]["cores"] and results["versions"]["eventsourcing"]
    assert results["date"].startswith("20")
    assert "| 3. Verify the whole ledger |" in done.stdout


def _ledger_digest(db: Path) -> str:
    digest = hashlib.sha256()
    with sqlite3.connect(db) as conn:
        for row in conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_the_generator_writes_the_same_ledger_byte_for_byte_from_the_same_seed(
    tmp_path: Path,
) -> None:
    dbs = [tmp_path / "a.db", tmp_path / "b.db"]
    for db in dbs:
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), "--size", "1000", "--out", str(db)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    assert _ledger_digest(dbs[0]) == _ledger_digest(dbs[1])
    manifest = json.loads(Path(f"{dbs[0]}.json").read_text())
    assert manifest["events"] == 1000


def test_the_completeness_bench_runs_at_a_tiny_size_and_writes_every_figure(
    tmp_path: Path,
) -> None:
    """The bench behind issue 10's figures builds real cases: a rule change must not break it."""
    out = tmp_path / "completeness.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "completeness_bench.py"),
            *("--size", "1000", "--workdir", str(tmp_path), "--reads", "3", "--persons", "2"),
            *("--append-events", "30", "--tail", "50", "--rounds", "1", "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    assert {"first_checkpoint", "checkpoint", "cadre_history", "proof_cadre", "append"} <= set(
        results
    )
    assert results["cadre_history"]["verified"]["p99_ms"] > 0
