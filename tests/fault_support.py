"""What the fault tests share: ``lifeledger`` in a process of its own (optionally with a file
size limit, the simulated full disk), waiting for it, and checking that a ledger verifies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import pytest
from cli_support import PASS

TIMEOUT = 180

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


def assert_verifies(db: str) -> None:
    proc = lifeledger("--db", db, "verify")
    code, out, err = finished(proc)
    assert code == 0, out + err
    assert out.startswith("Verification of "), out
    assert out.splitlines()[0].endswith(": OK"), out


def wait_for(proc: subprocess.Popen[str], ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the command ended before {what}: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)
