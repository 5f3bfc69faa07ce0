"""Faults of the machine under ``verify``: a PostgreSQL server restarted (ridden out, the
report is OK) or stopped (a clean error that concludes nothing, and verify passes once the
server is back). The server is a private cluster of this module (tests/private_postgres.py):
the shared server of the other tests is never restarted. (The import's faults and the full
disk: tests/test_faults.py.)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from conftest import new_ledger
from fault_support import assert_verifies, finished, lifeledger, wait_for
from ledger_factory import LedgerFactory
from private_postgres import PrivateCluster, private_cluster

from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    yield from private_cluster()


@pytest.fixture(scope="module")
def large_ledger(cluster: PrivateCluster) -> str:
    """A ledger that takes verify some seconds: 300 generated cases (about 4,000 events)."""
    url = f"{cluster.url}?schema=large"
    signer = Signer.generate()
    app = new_ledger(url, signer, Signer.generate())
    try:
        LedgerFactory(app, seed=3).generate(300, active=10)
    finally:
        app.close()
    return url


def connected(cluster: PrivateCluster, application: str) -> bool:
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (application,)
        ).fetchone()
    return row is not None and int(row[0]) > 0


def verify_under(cluster: PrivateCluster, url: str) -> tuple[subprocess.Popen[str], int]:
    """``lifeledger verify`` started and into its scan of the log, then held (SIGSTOP) so that
    the fault comes while it runs however fast the machine; :func:`resume` lets it go on.
    Returns it and the server's pid."""
    name = f"verify-{uuid.uuid4().hex[:8]}"
    proc = lifeledger("--db", url, "verify", "--workers", "1", env={"PGAPPNAME": name})
    wait_for(proc, lambda: connected(cluster, name), "verify connected")
    time.sleep(0.1)  # past opening the store, into the scan of the log (0.5 s was past the
    # scan on a fast client: verify had done all its reading when it was held)
    os.kill(proc.pid, signal.SIGSTOP)
    assert proc.poll() is None, "verify ended before the fault: the ledger is too small"
    return proc, cluster.server_pid()


def resume(proc: subprocess.Popen[str]) -> None:
    """Let a verify held by :func:`verify_under` go on, after the fault."""
    os.kill(proc.pid, signal.SIGCONT)


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_verify_rides_out_a_postgres_restart_and_reports_ok(
    cluster: PrivateCluster, large_ledger: str, mode: str
) -> None:
    proc, server = verify_under(cluster, large_ledger)
    cluster.restart(mode)
    assert cluster.server_pid() != server
    assert proc.poll() is None, "verify ended during the restart: the ledger is too small"
    resume(proc)
    code, out, err = finished(proc)
    assert code == 0, out + err
    assert out.splitlines()[0] == (
        f"Verification of {StoreConfig.parse(large_ledger).describe()}: OK"
    )


@pytest.mark.postgres
def test_verify_stops_with_an_error_when_postgres_goes_down_and_passes_once_it_is_back(
    cluster: PrivateCluster, large_ledger: str
) -> None:
    url = f"{large_ledger}&connect_timeout=2"  # ten attempts of 2 s each, not of 5 s
    proc, _ = verify_under(cluster, url)
    cluster.stop("fast")
    resume(proc)
    try:
        code, out, err = finished(proc)
    finally:
        cluster.start()
    assert (code, out) == (1, "")  # no report: nothing is concluded, not even "FAILED"
    described = re.escape(StoreConfig.parse(url).describe())
    assert re.fullmatch(
        rf"Error: verification stopped after [\d,]+ events: {described} stopped answering "
        r"\([^\n]+\); nothing is concluded about the ledger: run verify again\n",
        err,
    ), err
    assert_verifies(large_ledger)
