"""Operators (issue 13, point 9): no password in any message, no failed migration that leaves a
target verifying OK, read-only copies verified and exported, completion that never writes, and
`projections rebuild` counting events (not PostgreSQL sequence positions), on both stores."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from cli_support import invoke
from click.shell_completion import ShellComplete
from conftest import new_ledger
from psycopg import sql
from scenarios import decided_case, open_case

from cli.main import cli
from cli.redact import redact
from ledger.application import LedgerApplication
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint


def _pg(url: str) -> psycopg.Connection[tuple[object, ...]]:
    cfg = StoreConfig.parse(url)
    return psycopg.connect(
        host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user, autocommit=True
    )


def _snapshot(url: str) -> object:
    """Everything a write could change: the SQLite file's bytes, or every table of the
    PostgreSQL schema with its row count."""
    cfg = StoreConfig.parse(url)
    if cfg.kind == "sqlite":
        assert cfg.path is not None
        return hashlib.sha256(cfg.path.read_bytes()).hexdigest()
    with _pg(url) as conn:
        tables = [
            str(t)
            for (t,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (cfg.schema,)
            )
        ]
        return {
            t: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(cfg.schema, t))
            ).fetchone()
            for t in tables
        }


# passwords ---------------------------------------------------------------------------------------
def test_a_password_in_a_database_url_never_appears_in_an_error(tmp_path: Path) -> None:
    secret = "s3cret-Pw"
    outcomes = []
    for args in (
        ["--db", f"postgres+psycopg://auditor:{secret}@127.0.0.1:5432/test", "verify"],
        ["--db", f"postgresql://auditor:{secret}@127.0.0.1:1/test", "verify"],
        ["migrate", "--from", f"postgresql://owner:{secret}@127.0.0.1:1/test",
         "--to", str(tmp_path / "t.db")],
        ["migrate", "--from", f"mysql://owner:{secret}@db/x", "--to", str(tmp_path / "t.db")],
    ):  # fmt: skip
        result = invoke(args)
        assert secret not in result.output
        outcomes.append((result.exit_code, result.stderr))
    unsupported = (
        "give a file path (SQLite), a postgresql:// URL or a libpq connection string "
        "(host=... dbname=...)"
    )
    refused = (
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )
    assert outcomes == [
        (1, "Error: unsupported database URL 'postgres+psycopg://auditor:***@127.0.0.1:5432/test'"
            f": {unsupported}\n"),
        (1, f"Error: cannot connect to PostgreSQL auditor@127.0.0.1:1/test schema lifeledger: "
            f"{refused}\n"),
        (1, f"Error: cannot connect to PostgreSQL owner@127.0.0.1:1/test schema lifeledger: "
            f"{refused}\n"),
        (1, f"Error: unsupported database URL 'mysql://owner:***@db/x': {unsupported}\n"),
    ]  # fmt: skip
    assert not (tmp_path / "t.db").exists()


def test_passwords_in_connection_strings_are_masked() -> None:
    assert redact("host=db password=hunter2 user=x") == "host=db password=*** user=x"
    assert redact("postgresql://u:p%40ss@h/db") == "postgresql://u:***@h/db"
    assert redact("reason: hunter2 rejected", ("hunter2",)) == "reason: *** rejected"
    # libpq reads a user part up to "@" (it stops looking at "/"): "?" and "#" are password
    assert redact("postgresql://u:pa?s#s@h/db") == "postgresql://u:***@h/db"
    assert redact("--db=postgresql://u:pw@h/db") == "--db=postgresql://u:***@h/db"
    assert (
        redact("1postgres://u:pw@h x=postgres://a:b@c")
        == "1postgres://u:***@h x=postgres://a:***@c"
    )


def test_masking_a_long_argument_in_an_error_message_is_linear_and_exact() -> None:
    """An error quoting a long argument (a pasted document, a random fuzz input) is masked in
    one pass: text that cannot hold a URL password comes back unchanged, and one buried in
    it is masked (the earlier pattern retried at every letter and took seconds here)."""
    for filler in ("a" * 200_000, "a://" * 50_000, "a://b:" * 40_000, "a1" * 100_000):
        assert redact(filler) == filler
        assert redact(filler + " postgresql://u:s3cret@h/db") == filler + " postgresql://u:***@h/db"


# rebuild count -----------------------------------------------------------------------------------
def test_rebuild_reports_the_number_of_events_on_both_stores(
    app: LedgerApplication, store_url: str
) -> None:
    open_case(app)
    if app.store.kind == "postgres":  # rolled-back inserts leave gaps in the sequence
        cfg = app.store
        with _pg(store_url) as conn:
            seq = conn.execute(
                "SELECT pg_get_serial_sequence(%s, 'notification_id')",
                (f"{cfg.schema}.lifeledger_events",),
            ).fetchone()
            assert seq is not None and seq[0]
            for _ in range(50):
                conn.execute("SELECT nextval(%s)", (seq[0],))
        open_case(app, "长纪案〔2024〕2号")
    events = 0
    start = 0
    while page := app.recorder.select_notifications(start, 500, inclusive_of_start=False):
        events += len(page)
        start = page[-1].id
    result = invoke(["--db", store_url, "--json", "projections", "rebuild"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events"] == events


# read-only copies and completion -----------------------------------------------------------------
def test_completion_never_writes_to_the_ledger(app: LedgerApplication, store_url: str) -> None:
    open_case(app)
    before = _snapshot(store_url)
    completer = ShellComplete(cli, {}, "lifeledger", "_LIFELEDGER_COMPLETE")
    saved = os.environ.get("PGOPTIONS")
    try:
        values = [
            c.value for c in completer.get_completions(["--db", store_url, "case", "show"], "")
        ]
    finally:
        if saved is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = saved
    assert isinstance(values, list)
    assert _snapshot(store_url) == before


def _as_unprivileged(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run lifeledger as a user the file permissions bind (root is not bound by them)."""
    command = [sys.executable, "-c", "from cli.main import main; main()", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot drop privileges")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {**os.environ, "LIFELEDGER_DB": "", "HOME": "/tmp"}
    env.pop("LIFELEDGER_DB")
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd="/", timeout=120, check=False
    )


@pytest.mark.parametrize("views", [False, True], ids=["log only", "read models built"])
def test_verify_and_bundle_export_work_on_a_read_only_copy_in_a_read_only_folder(
    sqlite_url: str, root_signer: Signer, discipline_signer: Signer, views: bool
) -> None:
    """The read-model audit reads the copy through a read-only connection and recomputes
    in memory: nothing is written beside the file, and a clean copy verifies."""
    app = new_ledger(sqlite_url, root_signer, discipline_signer)
    decided_case(app)
    make_checkpoint(app, root_signer)
    if views:
        from projections.api import Projections

        with Projections(app) as built:
            built.catch_up()
    app.close()
    base = Path(tempfile.mkdtemp(prefix="lifeledger-ro-"))
    try:
        folder = base / "copy"
        folder.mkdir()
        out = base / "out"
        out.mkdir()
        shutil.copyfile(sqlite_url, folder / "ledger.db")
        for extra in ("-wal", "-shm"):
            assert not (folder / f"ledger.db{extra}").exists()
        (folder / "ledger.db").chmod(0o444)
        folder.chmod(0o555)
        base.chmod(0o755)
        out.chmod(0o777)
        before = hashlib.sha256((folder / "ledger.db").read_bytes()).hexdigest()
        result = _as_unprivileged(["--db", str(folder / "ledger.db"), "--json", "verify"])
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["ok"] is True
        audited = data["read_models"]
        if views:
            assert (audited["ok"], audited["position"], audited["tables"]) == (
                True, data["events"], 8,
            )  # fmt: skip
        else:
            assert (audited["position"], audited["tables"]) == (None, 0)
        bundle = out / "ledger.bundle"
        result = _as_unprivileged(["--db", str(folder / "ledger.db"), "bundle", "export",
                                   str(bundle)])  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert bundle.stat().st_size > 0
        assert sorted(p.name for p in folder.iterdir()) == ["ledger.db"]
        assert hashlib.sha256((folder / "ledger.db").read_bytes()).hexdigest() == before
    finally:
        folder.chmod(stat.S_IRWXU)
        shutil.rmtree(base)
