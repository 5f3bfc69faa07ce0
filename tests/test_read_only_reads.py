"""Read commands never write (issue 13, point 9): each read command on a read-only copy of a
ledger (a read-only file in a read-only folder; on PostgreSQL, a read-only role) prints what
it prints on the writable original, and leaves the copy byte for byte (and its mtime) as it
was. The copy's read models lag the log, so every read must catch up, in memory."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from cli_support import invoke
from click.shell_completion import ShellComplete
from conftest import PG_URL, drop_schema, new_ledger, require_postgres
from psycopg import sql
from scenarios import CASE, PERSON, decided_case, person_measures

from cli.main import cli
from ledger.domain.regulation import AdminLevel, AppealOutcome, Measure, UnitKind
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint
from projections.api import Projections

D = dt.date
Run = Callable[[list[str]], tuple[int, str]]

#: Every read command (with OUT for an output file the command writes outside the ledger).
#: ``verify`` first: it audits the stored views as it finds them, and the reads after it bring
#: the writable original's views up to date (the read-only copy's stay as they were).
READS: list[tuple[str, ...]] = [
    ("verify",),
    ("case", "show", CASE),
    ("case", "list"),
    ("case", "timeline", CASE),
    ("cadre", "history", "P001"),
    ("cadre", "search", "王"),
    ("deadlines", "--as-of", "2024-05-01"),
    ("unit", "rating", "CS-XF", "--year", "2024"),
    ("unit", "list"),
    ("unit", "history", "CS-XF"),
    ("report", "annual", "--year", "2024"),
    ("key", "list"),
    ("checkpoint", "list"),
    ("checkpoint", "show"),
    ("proof", "case", CASE, "--out", "OUT/case.proof"),
    ("proof", "cadre", "P001", "--out", "OUT/cadre.proof"),
    ("bundle", "export", "OUT/ledger.bundle"),
    ("document", "decision", CASE, "--party", "P001", "--out", "OUT/decision.docx"),
    ("document", "file-entry", CASE, "--party", "P001", "--out", "OUT/file.docx"),
    ("document", "appeal-notice", CASE, "--party", "P001", "--out", "OUT/notice.docx"),
    ("document", "verify", "OUT/decision.docx"),
    ("document", "check", "CODE"),  # the decision's verification code, printed above
    ("report", "annual", "--year", "2024", "--format", "xlsx", "--out", "OUT/report.xlsx"),
]


def _build(url: str, root: Signer, recorder: Signer) -> None:
    """A decided, announced, appealed case and a checkpoint; the read models built, then
    more events recorded after them (so that every read has to catch up)."""
    app = new_ledger(url, root, recorder)
    try:
        decided_case(app)
        app.announce(CASE, PERSON, "P001", D(2024, 4, 18), "王局长本人及长沙市某区信访局")
        app.receive(CASE, PERSON, "P001", D(2024, 4, 16))
        make_checkpoint(app, root)
        with Projections(app) as views:
            views.catch_up()
        app.appeal(CASE, PERSON, "P001", D(2024, 4, 25), "请求从轻处理")
        app.decide_appeal(
            CASE, PERSON, "P001", D(2024, 5, 10), AppealOutcome.MODIFIED, "事后积极整改",
            person_measures(Measure.ADMONITION_TALK),
        )  # fmt: skip
        app.add_unit("CS-GOV", "长沙市某县人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
        make_checkpoint(app, root)
    finally:
        app.close()


def _outputs(
    db: str, out: Path, run: Run, *, as_json: bool = True, code: str = ""
) -> dict[tuple[str, ...], tuple[int, object]]:
    """Each read command's exit code and output (JSON, or the text a person reads). A file
    written outside the ledger names its source and the time it was made, so its size is left
    out; so are verify's timings (its text, which prints them, is not compared). The ledger's
    own name (its path, the role) is written DB. ``code``: the decision's verification code,
    as the JSON pass found it."""
    found: dict[tuple[str, ...], tuple[int, object]] = {}
    code_of_decision = code
    for args in READS:
        argv = [a.replace("OUT", str(out)).replace("CODE", code_of_decision) for a in args]
        exit_code, stdout = run(["--db", db, *(["--json"] if as_json else []), *argv])
        stdout = stdout.replace(str(out), "OUT").replace(StoreConfig.parse(db).describe(), "DB")
        if not as_json:
            found[args] = (exit_code, None if args == ("verify",) else stdout)
            continue
        data = json.loads(stdout) if exit_code == 0 else stdout
        if isinstance(data, dict) and "OUT" in " ".join(args):
            data.pop("bytes", None)
        if args == ("verify",) and isinstance(data, dict):  # how long it took
            for timed in (data, data["read_models"]):
                timed.pop("seconds")
                timed.pop("events_per_second", None)
        if args[:2] == ("document", "decision") and isinstance(data, dict):
            code_of_decision = data["code"]
        found[args] = (exit_code, data)
    return found


def _differing(
    got: dict[tuple[str, ...], tuple[int, object]],
    expected: dict[tuple[str, ...], tuple[int, object]],
) -> list[tuple[str, ...]]:
    return [args for args in READS if got[args] != expected[args]]


def _in_process(args: list[str]) -> tuple[int, str]:
    result = invoke(args)
    return result.exit_code, result.stdout


#: Runs each command line it reads (a JSON list a line) in-process and answers with its exit code
#: and output (a JSON object a line): one interpreter start-up for every read of a pass.
SERVE = """
import json, sys
from click.testing import CliRunner
from cli.main import cli
for line in sys.stdin:
    r = CliRunner().invoke(cli, json.loads(line), prog_name="lifeledger")
    print(json.dumps({"code": r.exit_code, "stdout": r.stdout}), flush=True)
"""


@pytest.fixture
def unprivileged() -> Iterator[Run]:
    """Commands run in a process of their own, as a user the file permissions bind (root is
    not bound by them), one after the other in that one process."""
    command = [sys.executable, "-c", SERVE]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot drop privileges")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFELEDGER_")}
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, env={**env, "HOME": "/tmp"}, cwd="/")  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def run(args: list[str]) -> tuple[int, str]:
        stdin.write(json.dumps(args) + "\n")
        stdin.flush()
        line = stdout.readline()
        assert line, f"the unprivileged process ended at {args}"
        answer = json.loads(line)
        return int(answer["code"]), str(answer["stdout"])

    try:
        yield run
    finally:
        stdin.close()
        process.wait(timeout=300)


def _fingerprint(path: Path) -> tuple[str, int, list[str]]:
    return (
        hashlib.sha256(path.read_bytes()).hexdigest(),
        path.stat().st_mtime_ns,
        sorted(p.name for p in path.parent.iterdir()),
    )


@pytest.fixture
def read_only_copy(
    sqlite_url: str, root_signer: Signer, discipline_signer: Signer
) -> Iterator[tuple[str, Path, Path]]:
    """The original ledger, and a copy in a read-only folder with its own output folder."""
    _build(sqlite_url, root_signer, discipline_signer)
    base = Path(tempfile.mkdtemp(prefix="lifeledger-ro-"))
    folder, out = base / "copy", base / "out"
    folder.mkdir()
    out.mkdir()
    copy = folder / "ledger.db"
    shutil.copyfile(sqlite_url, copy)
    copy.chmod(0o444)
    folder.chmod(0o555)
    base.chmod(0o755)
    out.chmod(0o777)
    try:
        yield sqlite_url, copy, out
    finally:
        folder.chmod(stat.S_IRWXU)
        shutil.rmtree(base)


def test_every_read_command_on_a_read_only_sqlite_copy_prints_the_same_and_writes_nothing(
    read_only_copy: tuple[str, Path, Path], tmp_path: Path, unprivileged: Run
) -> None:
    original, copy, out = read_only_copy
    before = _fingerprint(copy)
    mine = tmp_path / "out"
    mine.mkdir()
    # The original's outputs in-process (the process is not what is compared; 23 fewer
    # interpreter start-ups); the read-only copy's as another user, where file modes bind
    # (in one process of that user's: 22 fewer start-ups again).
    expected = _outputs(original, mine, _in_process)
    assert all(code == 0 for code, _ in expected.values()), expected
    as_nobody = _outputs(str(copy), out, unprivileged)
    assert _fingerprint(copy) == before
    assert _differing(as_nobody, expected) == []


def test_read_commands_as_root_leave_a_read_only_copy_untouched(
    read_only_copy: tuple[str, Path, Path], tmp_path: Path
) -> None:
    """Root is not stopped by the file's mode: the commands themselves (and shell completion)
    open a file whose mode allows no write read-only (SQLite ``mode=ro&immutable=1``). The text
    a person reads is the same too."""
    original, copy, out = read_only_copy
    before = _fingerprint(copy)
    mine = tmp_path / "out"
    mine.mkdir()
    expected = _outputs(original, mine, _in_process)
    as_root = _outputs(str(copy), out, _in_process)
    decision = next(args for args in READS if args[:2] == ("document", "decision"))
    code = str(expected[decision][1]["code"])  # type: ignore[index]
    texts = _outputs(original, mine, _in_process, as_json=False, code=code)
    assert _differing(_outputs(str(copy), out, _in_process, as_json=False, code=code), texts) == []
    completer = ShellComplete(cli, {}, "lifeledger", "_LIFELEDGER_COMPLETE")
    for command in ("show", "timeline"):  # case numbers complete from the ledger's log
        found = completer.get_completions(["--db", str(copy), "case", command], "")
        assert [c.value for c in found] == [CASE]
    assert _fingerprint(copy) == before
    assert _differing(as_root, expected) == []


@pytest.mark.postgres
def test_every_read_command_with_a_read_only_postgresql_role_prints_the_same_and_writes_nothing(
    root_signer: Signer, discipline_signer: Signer, tmp_path: Path
) -> None:
    """The reader role of `db-roles` may not write anything, the read models included: its
    reads catch up in temporary tables of their own session."""
    require_postgres()
    schema, prefix = f"r_{uuid.uuid4().hex[:12]}", f"t{uuid.uuid4().hex[:8]}"
    cfg = StoreConfig.parse(PG_URL)
    url = f"postgresql://{cfg.user}@{cfg.host}:{cfg.port}/{cfg.dbname}?schema={schema}"
    login = f"{prefix}_reader_login"
    try:
        _build(url, root_signer, discipline_signer)
        made = invoke(["--db", url, "db-roles", "--prefix", prefix])
        assert made.exit_code == 0, made.output
        with _superuser() as conn:
            conn.execute(made.stdout.encode())
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                sql.Identifier(login), sql.Identifier(f"{prefix}_reader")))  # fmt: skip
        before = _schema_snapshot(schema)
        as_reader = _outputs(url.replace(f"//{cfg.user}@", f"//{login}@"),
                             _folder(tmp_path / "b"), _in_process)  # fmt: skip
        assert _schema_snapshot(schema) == before
        expected = _outputs(url, _folder(tmp_path / "a"), _in_process)
        assert all(code == 0 for code, _ in expected.values()), expected
        assert _differing(as_reader, expected) == []
    finally:
        drop_schema(url)
        with _superuser() as conn:
            for role in [login, *(f"{prefix}_{k}" for k in
                                  ("writer", "reader", "auditor", "owner"))]:  # fmt: skip
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _superuser() -> psycopg.Connection[tuple[object, ...]]:
    cfg = StoreConfig.parse(PG_URL)
    return psycopg.connect(host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user,
                           autocommit=True)  # fmt: skip


def _schema_snapshot(schema: str) -> dict[str, object]:
    """Every table of the schema, its rows hashed."""
    with _superuser() as conn:
        listed = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (schema,)
        )
        tables = [str(t) for (t,) in listed]
        rows = "SELECT count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM {} x"
        return {
            t: conn.execute(sql.SQL(rows).format(sql.Identifier(schema, t))).fetchone()
            for t in tables
        }


def _folder(path: Path) -> Path:
    path.mkdir()
    return path
