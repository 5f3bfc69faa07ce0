"""Faults of the machine, not of the input: a full disk under SQLite, a PostgreSQL server
restarted or stopped under an import and under ``verify``.

Each gives a clean ``Error: ...`` (never a traceback), loses nothing that was acknowledged,
leaves a ledger that verifies OK, and the next run completes: an import run again applies
exactly the lines that are missing.

A full disk is simulated with ``RLIMIT_FSIZE`` (no root needed): the child process may not
make any file longer than the limit, and with SIGXFSZ ignored such a write fails with EFBIG,
as a write to a full disk fails with ENOSPC. PostgreSQL is a private cluster of this module
(tests/private_postgres.py): the shared server of the other tests is never restarted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cli_support import PASS, CliLedger, build_template, copy_of
from conftest import new_ledger
from ledger_factory import LedgerFactory
from private_postgres import PrivateCluster, private_cluster

from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig

TIMEOUT = 180
LINES = 120

#: Run ``lifeledger ARGS`` with files limited to LIMIT bytes (argv: LIMIT ARGS...).
LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
sys.argv = ["lifeledger", *sys.argv[2:]]
from cli.main import main
main()
"""


def lifeledger(
    *args: str, limit: int | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``lifeledger ARGS`` in a process of its own (stdout and stderr are pipes, which the
    file size limit does not touch)."""
    code = textwrap.dedent(LIMITED) if limit is not None else "from cli.main import main; main()"
    head = [str(limit)] if limit is not None else []
    return subprocess.Popen(
        [sys.executable, "-c", code, *head, *args],
        env={**os.environ, "LIFELEDGER_PASSPHRASE": PASS, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=TIMEOUT)
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def case_line(i: int) -> str:
    return json.dumps(
        {
            "command": "case open", "case_no": f"K-{i:04d}", "incident_date": "2024-03-01",
            "opened_on": "2024-04-01", "ground": [12], "consequence": "adverse_impact",
            "facts": f"第{i}件：" + "推诿扯皮，造成不良影响。" * 40,
        },
        ensure_ascii=False,
    )  # fmt: skip


def history(directory: Path) -> Path:
    path = directory / "history.jsonl"
    path.write_text("".join(case_line(i) + "\n" for i in range(LINES)), encoding="utf-8")
    return path


def stopped_summary(applied: int) -> str:
    return (
        f"Imported: {applied} line(s) applied, 0 already applied, 0 refused, 0 blank.\n"
        f"Not attempted: lines {applied + 1}–{LINES}; resume from line {applied + 1}: run the "
        "same file again (lines already applied are skipped)\n"
    )


def resumed_summary(already: int) -> str:
    return (
        f"Imported: {LINES - already} line(s) applied, {already} already applied, 0 refused, "
        "0 blank.\n"
    )


# --- SQLite: a full disk ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> CliLedger:
    return build_template(tmp_path_factory.mktemp("faults-template"))


@pytest.fixture
def ledger(template: CliLedger, tmp_path: Path) -> CliLedger:
    return copy_of(template, tmp_path)


def case_numbers(ledger: CliLedger) -> list[str]:
    data = ledger.json("case", "list")
    return sorted(row["case_no"] for row in data)


def assert_verifies(db: str) -> None:
    proc = lifeledger("--db", db, "verify")
    code, out, err = finished(proc)
    assert code == 0, out + err
    assert out.startswith("Verification of "), out
    assert out.splitlines()[0].endswith(": OK"), out


def test_a_full_disk_stops_an_import_with_an_error_and_the_next_run_completes_it(
    ledger: CliLedger,
) -> None:
    batch = history(ledger.dir)
    before = ledger.command_event_count()
    # Transactions of 10 lines (20 events): the log's write-ahead file reaches the limit after
    # a few of them.
    args = ("--db", str(ledger.db), "--key", str(ledger.recorder), "import",
            "--batch-events", "20", str(batch))  # fmt: skip
    code, out, err = finished(lifeledger(*args, limit=200_000))
    assert code == 1
    assert err == f"Error: cannot write to SQLite file {ledger.db}: disk I/O error\n"
    applied = ledger.command_event_count() - before
    assert 0 < applied < LINES and applied % 10 == 0
    assert out == stopped_summary(applied)
    # What the summary acknowledged is there, whole; the ledger verifies.
    assert case_numbers(ledger) == [f"K-{i:04d}" for i in range(applied)]
    assert_verifies(str(ledger.db))

    code, out, err = finished(lifeledger(*args))
    assert (code, err) == (0, "")
    assert out == resumed_summary(applied)
    assert case_numbers(ledger) == [f"K-{i:04d}" for i in range(LINES)]
    assert ledger.command_event_count() - before == LINES
    assert_verifies(str(ledger.db))


OPEN = ("--incident-date", "2023-03-14", "--opened-on", "2023-04-03", "--ground", "11",
        "--consequence", "adverse_impact")  # fmt: skip
#: Facts at their limit (20,000 characters, 60,000 bytes): one event longer than the limit.
LONG_FACTS = "推诿扯皮" * 5_000


def test_a_full_disk_refuses_one_append_with_an_error_and_writes_nothing(
    ledger: CliLedger,
) -> None:
    before = ledger.db.read_bytes()
    args = ("--db", str(ledger.db), "--key", str(ledger.recorder), "case", "open", "C1",
            *OPEN, "--facts", LONG_FACTS)  # fmt: skip
    code, out, err = finished(lifeledger(*args, limit=40_000))
    assert (code, out) == (1, "")
    assert err == f"Error: cannot write to SQLite file {ledger.db}: disk I/O error\n"
    assert ledger.db.read_bytes() == before
    wal = Path(f"{ledger.db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert_verifies(str(ledger.db))

    code, out, err = finished(lifeledger(*args))
    assert (code, err) == (0, "")
    assert out.startswith("Case C1 opened on 2023-04-03")
    assert case_numbers(ledger) == ["C1"]
    assert_verifies(str(ledger.db))


def test_a_disk_too_full_to_open_the_ledger_is_an_error_not_a_corrupt_file(
    ledger: CliLedger,
) -> None:
    """SQLite needs room for its shared-memory index beside the file before it reads."""
    before = ledger.db.read_bytes()
    args = ("--db", str(ledger.db), "--key", str(ledger.recorder), "case", "open", "C1",
            *OPEN, "--facts", "推诿扯皮")  # fmt: skip
    code, out, err = finished(lifeledger(*args, limit=4_096))
    assert (code, out) == (1, "")
    assert err == f"Error: cannot open {ledger.db}: disk I/O error\n"
    assert ledger.db.read_bytes() == before
    assert_verifies(str(ledger.db))


def test_an_append_acknowledged_before_the_disk_filled_is_kept(ledger: CliLedger) -> None:
    """The limit lets the transaction into the write-ahead log but not the ledger file grow:
    the command succeeds, the copy into the file at exit fails, and the next reader finds
    the event in the write-ahead log."""
    size = ledger.db.stat().st_size
    args = ("--db", str(ledger.db), "--key", str(ledger.recorder), "case", "open", "C1",
            *OPEN, "--facts", "推诿扯皮，导致矛盾激化")  # fmt: skip
    code, out, err = finished(lifeledger(*args, limit=size))
    assert (code, err) == (0, "")
    assert out.startswith("Case C1 opened on 2023-04-03")
    assert ledger.db.stat().st_size == size  # the file could not take the new pages
    assert Path(f"{ledger.db}-wal").stat().st_size > 0  # the acknowledged transaction
    assert case_numbers(ledger) == ["C1"]
    assert_verifies(str(ledger.db))
