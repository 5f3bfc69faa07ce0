"""A PostgreSQL server of one test module's own, to restart and stop at will.

The shared server at 127.0.0.1:5432 serves every other test running at the same time, so a
test that restarts its store runs this private cluster instead: ``initdb`` into a fresh
directory under /tmp and ``pg_ctl`` on a free port, from the server binaries of the installed
PostgreSQL (``/usr/lib/postgresql/N/bin``). ``initdb`` refuses to run as root; a test run as
root runs the server as the ``postgres`` OS user (``runuser``), the way the packaged server
runs. Where neither works the test is skipped with the reason, except under ``CI=true``,
where it fails: CI must exercise the restarts.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

TIMEOUT = 60


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> tuple[int, ...]:
    part = Path(path).parent.parent.name
    return tuple(int(x) for x in part.split(".") if x.isdigit())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateCluster:
    """One server: its data directory, port and the OS user it runs as (None: ourselves)."""

    bin: Path
    home: Path
    port: int
    os_user: str | None

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if self.os_user is not None:
            command = ["runuser", "-u", self.os_user, "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=self.home
        )

    def _ctl(self, *args: str) -> None:
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.home / "server.log"), "-w", *args
        )
        if done.returncode != 0:
            log = (self.home / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed: {done.stderr}\n{log}")

    def init(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()}")

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=on "
            "-c max_connections=40"
        )

    def start(self) -> None:
        self._ctl("start", "-o", self._options())

    def stop(self, mode: str = "fast") -> None:
        """``fast``: roll back open transactions and close every connection; ``immediate``:
        abort the server without a clean shutdown (crash recovery at the next start)."""
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode, "-o", self._options())

    def server_pid(self) -> int:
        """The postmaster's process id (it changes with every restart)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.home, ignore_errors=True)


def _why_not(bin_dir: Path | None) -> str | None:
    if bin_dir is None:
        return "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser to run the server as the postgres user"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres OS user to run initdb as"
    return None


def private_cluster() -> Iterator[PrivateCluster]:
    """A started private cluster, destroyed afterwards (the body of a fixture)."""
    bin_dir = _bin_dir()
    problem = _why_not(bin_dir)
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires a private PostgreSQL cluster: {problem}")
        pytest.skip(problem)
    assert bin_dir is not None
    home = Path(tempfile.mkdtemp(prefix="lifeledger-pg-"))
    os_user = None
    if os.geteuid() == 0:
        os_user = "postgres"
        entry = pwd.getpwnam(os_user)
        os.chown(home, entry.pw_uid, entry.pw_gid)
    cluster = PrivateCluster(bin_dir, home, _free_port(), os_user)
    # The tests restart and abort this server: every commit acknowledged to them must be on
    # its disk, so the connections made meanwhile (this process's and its subprocesses') wait
    # for it, whatever tests/conftest.py chose for the shared server.
    with pytest.MonkeyPatch.context() as env:
        env.delenv("PGOPTIONS", raising=False)
        try:
            cluster.init()
            cluster.start()
            with psycopg.connect(cluster.url) as conn:
                assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
            yield cluster
        finally:
            cluster.destroy()
