"""Faults of the machine, not of the input: a full disk under SQLite, a PostgreSQL server
restarted or stopped under an import (under ``verify``: tests/test_faults_verify.py).

Each gives a clean ``Error: ...`` (never a traceback), loses nothing that was acknowledged,
leaves a ledger that verifies OK, and the next run completes: an import run again applies
exactly the lines that are missing.

A full disk is simulated with ``RLIMIT_FSIZE`` (no root needed): the child process may not
make any file longer than the limit, and with SIGXFSZ ignored such a write fails with EFBIG,
as a write to a full disk fails with ENOSPC. PostgreSQL is a private cluster of this module
(tests/private_postgres.py): the shared server of the other tests is never restarted.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cli_support import OPEN as CASE_OPEN
from cli_support import PASS, CliLedger, build_template, copy_of
from conftest import new_ledger
from fault_support import assert_verifies, finished, lifeledger, wait_for
from private_postgres import PrivateCluster, private_cluster
from psycopg import sql

from ledger.application import LedgerApplication
from ledger.errors import NotFoundError
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig

LINES = 120


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


def case_numbers(url: str, among: int = LINES) -> list[str]:
    """The numbers of the cases K-0000... that the ledger holds, read through the
    application (signatures checked)."""
    app = LedgerApplication(StoreConfig.parse(url), None)
    try:
        found = []
        for i in range(among):
            with contextlib.suppress(NotFoundError):
                found.append(app.case(f"K-{i:04d}").case_no)
        with contextlib.suppress(NotFoundError):
            found.append(app.case("C1").case_no)
        return found
    finally:
        app.close()


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
    assert case_numbers(str(ledger.db)) == [f"K-{i:04d}" for i in range(applied)]
    assert_verifies(str(ledger.db))

    code, out, err = finished(lifeledger(*args))
    assert (code, err) == (0, "")
    assert out == resumed_summary(applied)
    assert case_numbers(str(ledger.db)) == [f"K-{i:04d}" for i in range(LINES)]
    assert ledger.command_event_count() - before == LINES
    assert_verifies(str(ledger.db))


OPEN = CASE_OPEN[:-2]  # without its --facts
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
    assert case_numbers(str(ledger.db)) == ["C1"]
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
    the event in the write-ahead log. (The ledger is first made larger than the log of one
    long event, so the limit can fall between the two.)"""
    ledger.ok("import", str(history(ledger.dir)))
    size = ledger.db.stat().st_size
    args = ("--db", str(ledger.db), "--key", str(ledger.recorder), "case", "open", "C1",
            *OPEN, "--facts", LONG_FACTS)  # fmt: skip
    code, out, err = finished(lifeledger(*args, limit=size))
    assert (code, err) == (0, "")
    assert out.startswith("Case C1 opened on 2023-04-03")
    assert ledger.db.stat().st_size == size  # the file could not take the new pages
    assert Path(f"{ledger.db}-wal").stat().st_size > 0  # the acknowledged transaction
    assert case_numbers(str(ledger.db))[-1] == "C1"
    assert_verifies(str(ledger.db))


# --- PostgreSQL: a server restarted or stopped -------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    yield from private_cluster()


def ledger_in(cluster: PrivateCluster, root_signer: Signer, discipline_signer: Signer) -> str:
    """A new ledger (tests/conftest.py's) in a schema of its own on the private cluster."""
    url = f"{cluster.url}?schema=f_{uuid.uuid4().hex[:12]}"
    new_ledger(url, root_signer, discipline_signer).close()
    return url


def command_events(cluster: PrivateCluster, url: str) -> int:
    """The commands' events in the ledger at ``url`` (the import lines' records left out)."""
    table = sql.Identifier(StoreConfig.parse(url).schema, "lifeledger_events")
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE topic NOT LIKE 'ledger.imports:%'").format(table)
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
@pytest.mark.parametrize("fault", ["restart-fast", "restart-immediate", "down"])
def test_a_postgres_restart_during_an_import_loses_nothing_and_the_next_run_completes_it(
    cluster: PrivateCluster,
    root_signer: Signer,
    discipline_signer: Signer,
    tmp_path: Path,
    fault: str,
) -> None:
    """A restart (fast: open transactions rolled back; immediate: the server aborted and
    recovers from its WAL) is ridden out, or stops the import cleanly; a server that stays
    down stops it with an error. Either way the lines reported applied are in the ledger."""
    url = ledger_in(cluster, root_signer, discipline_signer)
    if fault == "down":  # each step's ten attempts wait 2 s each, not the default 5 s
        url += "&connect_timeout=2"
    key = tmp_path / "discipline.pem"
    discipline_signer.save(key, PASS)
    batch = history(tmp_path)
    before = command_events(cluster, url)
    args = ("--db", url, "--key", str(key), "import", "--batch-events", "20", str(batch))
    proc = lifeledger(*args)
    wait_for(proc, lambda: command_events(cluster, url) - before >= 20, "20 lines were applied")
    server = cluster.server_pid()
    if fault == "down":
        cluster.stop("fast")
        code, out, err = finished(proc)
        cluster.start()
    else:
        cluster.restart(fault.removeprefix("restart-"))
        code, out, err = finished(proc)
    assert cluster.server_pid() != server
    stored = command_events(cluster, url) - before
    described = re.escape(StoreConfig.parse(url).describe())
    if code == 0:  # the library reconnected: every line applied, once
        assert fault != "down"
        assert (out, err) == (resumed_summary(0), "")
        assert stored == LINES
    else:
        assert code == 1
        # The server went during a line's reads or during the commit of its transaction.
        assert re.fullmatch(rf"Error: cannot (read|write to) {described}: [^\n]+\n", err), err
        found = re.fullmatch(r"Imported: (\d+) line\(s\) applied, [^\n]*\n[^\n]*\n", out)
        assert found, out
        reported = int(found.group(1))
        assert out == stopped_summary(reported)
        # Nothing acknowledged is lost (a transaction whose commit was under way when the
        # server went may be in the log though not reported: the next run skips it).
        assert reported <= stored <= reported + 10
    assert case_numbers(url)[:stored] == [f"K-{i:04d}" for i in range(stored)]
    assert_verifies(url)

    code, out, err = finished(lifeledger(*args))
    assert (code, err) == (0, "")
    assert out == resumed_summary(stored)
    assert command_events(cluster, url) - before == LINES
    assert case_numbers(url) == [f"K-{i:04d}" for i in range(LINES)]
    assert_verifies(url)
