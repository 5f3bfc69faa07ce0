"""A store that cannot be used is reported as a StoreError that says which and why — through
the CLI as ``Error: ...`` and exit 1, never a traceback — and is left untouched: an
unreachable or refusing PostgreSQL server, a file or schema of another program, a file that is
not a database. Roles without DDL rights (officials' workstations, auditors, read-only
replicas) open an existing ledger; a dropped connection is re-established.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from conftest import PG_URL, drop_schema, require_postgres
from psycopg import sql
from scenarios import open_case

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.domain.regulation import AdminLevel, UnitKind
from ledger.errors import StoreError
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig

CLOSED_PORT = "postgresql://postgres@127.0.0.1:1/test"
CLOSED_PORT_ERROR = (
    "cannot connect to PostgreSQL postgres@127.0.0.1:1/test schema lifeledger: connection "
    'failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
)


def run_cli(*args: str, env: dict[str, str | None] | None = None) -> Any:
    base: dict[str, str | None] = {"LIFELEDGER_DB": None, "LIFELEDGER_KEY": None}
    return CliRunner().invoke(cli, list(args), env={**base, **(env or {})},
                              prog_name="lifeledger")  # fmt: skip


def assert_cli_error(result: Any, message: str) -> None:
    """Refused with exactly ``Error: MESSAGE`` on stderr, exit 1, nothing on stdout."""
    assert result.exit_code == 1, result.output
    assert (result.stdout, result.stderr) == ("", f"Error: {message}\n")
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception


def admin(statement: sql.Composable | str) -> None:
    cfg = StoreConfig.parse(PG_URL)
    with psycopg.connect(
        host=cfg.host,
        port=cfg.port,
        dbname=cfg.dbname,
        user=cfg.user,
        autocommit=True,
        application_name="lifeledger-test-admin",
    ) as conn:
        conn.execute(statement)


# --- PostgreSQL that cannot be reached or refuses --------------------------------------------


def test_an_unreachable_postgres_server_is_a_clear_store_error() -> None:
    with pytest.raises(StoreError) as raised:
        LedgerApplication(StoreConfig.parse(CLOSED_PORT))
    assert str(raised.value) == (
        "cannot connect to PostgreSQL postgres@127.0.0.1:1/test schema lifeledger: connection "
        'failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )


@pytest.mark.parametrize(
    "args",
    [
        ["verify"],
        ["case", "show", "C1"],
        ["cadre", "history", "P001"],
        ["init", "--holder", "管理员", "--authority", "省委组织部", "--key-out", "k.pem"],
    ],
)
def test_the_cli_reports_an_unreachable_server_as_an_error_without_a_traceback(
    args: list[str], tmp_path: Path
) -> None:
    with contextlib.chdir(tmp_path):
        result = run_cli("--db", CLOSED_PORT, *args, env={"LIFELEDGER_NEW_PASSPHRASE": "pass"})
        assert_cli_error(result, CLOSED_PORT_ERROR)
        assert not Path("k.pem").exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (PG_URL.rsplit("/", 1)[0] + "/no_such_database_lifeledger",
         'database "no_such_database_lifeledger" does not exist'),
        (PG_URL.replace("postgres@", "no_such_role_lifeledger@", 1),
         'role "no_such_role_lifeledger" does not exist'),
    ],
)  # fmt: skip
def test_a_server_that_refuses_the_database_or_role_gives_its_reason(url: str, reason: str) -> None:
    require_postgres()
    cfg = StoreConfig.parse(url)
    message = (
        f"cannot connect to {cfg.describe()}: connection failed: connection to server at "
        f'"{cfg.host}", port {cfg.port} failed: FATAL:  {reason}'
    )
    with pytest.raises(StoreError) as raised:
        LedgerApplication(cfg)
    assert str(raised.value) == message
    assert_cli_error(run_cli("--db", url, "verify"), message)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@host/db",
         "unsupported database URL 'mysql://user@host/db': give a file path (SQLite), a "
         "postgresql:// URL or a libpq connection string (host=... dbname=...)"),
        (f"{PG_URL}?schema=bad-name", "schema name 'bad-name' must be letters, digits and _"),
    ],
)  # fmt: skip
def test_a_malformed_store_address_is_refused_before_connecting(url: str, message: str) -> None:
    with pytest.raises(StoreError) as raised:
        StoreConfig.parse(url)
    assert str(raised.value) == message
    assert_cli_error(run_cli("--db", url, "verify"), message)


@pytest.fixture
def pg_schema() -> Iterator[str]:
    require_postgres()
    url = f"{PG_URL}?schema=e_{uuid.uuid4().hex[:16]}"
    try:
        yield url
    finally:
        drop_schema(url)


@pytest.mark.postgres
def test_a_schema_of_another_program_is_refused_and_left_untouched(pg_schema: str) -> None:
    schema = StoreConfig.parse(pg_schema).schema
    admin(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    admin(sql.SQL("CREATE TABLE {} (id int)").format(sql.Identifier(schema, "invoices")))
    with pytest.raises(StoreError, match="holds tables of another program, not a ledger"):
        LedgerApplication(StoreConfig.parse(pg_schema))
    assert_cli_error(
        run_cli("--db", pg_schema, "verify"),
        f"{StoreConfig.parse(pg_schema).describe()} holds tables of another program, not a "
        "ledger; give the ledger a schema of its own (?schema=name)",
    )
    cfg = StoreConfig.parse(PG_URL)
    with psycopg.connect(host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user) as c:
        tables = c.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
    assert tables == [("invoices",)]


@pytest.mark.postgres
def test_an_empty_schema_is_reported_as_holding_no_ledger(pg_schema: str) -> None:
    assert_cli_error(
        run_cli("--db", pg_schema, "case", "show", "C1"),
        f"{StoreConfig.parse(pg_schema).describe()} holds no ledger; run `lifeledger init` first",
    )


# --- files that are not ledgers ------------------------------------------------------------


def foreign_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    conn.close()
    return path


def test_an_sqlite_file_of_another_program_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = foreign_sqlite(tmp_path / "accounts.db")
    before = path.read_bytes()
    message = f"{path} is an SQLite database of another program, not a ledger"
    with pytest.raises(StoreError, match=re.escape(message)):
        StoreConfig.parse(str(path)).check_sqlite_file(must_exist=False)
    assert_cli_error(run_cli("--db", str(path), "verify"), message)
    assert_cli_error(
        run_cli("--db", str(path), "init", "--holder", "管理员", "--authority", "省委组织部",
                "--key-out", str(tmp_path / "k.pem"), env={"LIFELEDGER_NEW_PASSPHRASE": "p"}),
        message,
    )  # fmt: skip
    assert path.read_bytes() == before
    assert not (tmp_path / "k.pem").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"case_no,facts\nC1,late\n", "is not a lifeledger database (not an SQLite file)"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "is not a lifeledger database (not an SQLite file)"),
        (
            b"SQLite format 3\x00" + b"\xff" * 84 + b"garbage" * 200,
            "is not a readable SQLite database: file is not a database",
        ),
    ],
    ids=["csv", "png", "corrupt-sqlite"],
)
def test_a_file_that_is_not_a_ledger_database_is_refused_and_left_untouched(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(content)
    message = f"{path} {message}"
    with pytest.raises(StoreError, match=re.escape(message)):
        StoreConfig.parse(str(path)).check_sqlite_file(must_exist=True)
    for args in (["verify"], ["case", "show", "C1"], ["projections", "rebuild"]):
        assert_cli_error(run_cli("--db", str(path), *args), message)
    assert path.read_bytes() == content


def test_a_directory_or_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    assert_cli_error(
        run_cli("--db", str(tmp_path), "verify"), f"cannot read {tmp_path}: Is a directory"
    )
    missing = tmp_path / "nowhere" / "ledger.db"
    assert_cli_error(
        run_cli("--db", str(missing), "verify"),
        f"no ledger at {missing}; create one with `lifeledger init` or give --db",
    )
    assert not missing.parent.exists()


# --- roles without DDL rights, and a dropped connection -----------------------------------


@pytest.fixture
def role() -> Iterator[str]:
    """A login role of this test alone (roles are global to the server)."""
    require_postgres()
    name = f"ll_{uuid.uuid4().hex[:12]}"
    admin(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        admin(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        admin(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def as_role(url: str, role: str) -> str:
    return url.replace("postgres@", f"{role}@", 1)


postgres_only = pytest.mark.parametrize("store_url", ["postgres"], indirect=True)


@postgres_only
def test_a_read_only_auditor_role_verifies_without_any_ddl_and_cannot_write(
    app: LedgerApplication, role: str, discipline_signer: Signer
) -> None:
    open_case(app)
    schema = sql.Identifier(app.store.schema)
    r = sql.Identifier(role)
    admin(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, r))
    admin(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, r))
    admin(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(r))
    auditor = LedgerApplication(StoreConfig.parse(as_role(app.store.url, role)), discipline_signer)
    try:
        result = verify_store(auditor)
        assert result, result.summary()
        assert result.events == verify_store(app).events
        with pytest.raises(StoreError, match=r"cannot write to .*permission denied"):
            open_case(auditor, "长纪案〔2024〕99号")
    finally:
        auditor.close()
    result = run_cli("--db", as_role(app.store.url, role), "verify")
    assert result.exit_code == 0, result.output
    assert ": OK" in result.stdout


@postgres_only
def test_a_workstation_role_with_only_row_privileges_records_and_verifies(
    app: LedgerApplication, role: str, discipline_signer: Signer
) -> None:
    """The grants the operators' notes give an official's workstation: no CREATE, no
    ownership; UPDATE on the events table only because LOCK ... EXCLUSIVE requires it."""
    schema = sql.Identifier(app.store.schema)
    r = sql.Identifier(role)
    for statement in (
        "GRANT USAGE ON SCHEMA {s} TO {r}",
        "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {s} TO {r}",
        "GRANT UPDATE ON {s}.lifeledger_events TO {r}",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
    ):
        admin(sql.SQL(statement).format(s=schema, r=r))
    workstation = LedgerApplication(
        StoreConfig.parse(as_role(app.store.url, role)), discipline_signer
    )
    try:
        open_case(workstation)
        workstation.add_unit("CS-GOV", "长沙市某县人民政府", UnitKind.ADMINISTRATIVE,
                             AdminLevel.COUNTY)  # fmt: skip
        result = verify_store(workstation)
        assert result, result.summary()
    finally:
        workstation.close()
    assert app.case("长纪案〔2024〕1号").case_no == "长纪案〔2024〕1号"


@postgres_only
def test_a_connection_dropped_by_the_server_is_re_established(
    app: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"lifeledger-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)  # libpq names this test's own connections
    mine = LedgerApplication(app.store, app.signer)
    try:
        open_case(mine, "长纪案〔2024〕前")
        before = backends(name)
        assert before, "the ledger holds no connection to terminate"
        terminated = admin_rows(
            sql.SQL(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = {}"
            ).format(sql.Literal(name))
        )
        assert sorted(terminated) == [(pid, True) for pid in before]
        deadline = time.monotonic() + 10
        while backends(name) and time.monotonic() < deadline:  # the server ends them
            time.sleep(0.05)
        assert backends(name) == []
        open_case(mine, "长纪案〔2024〕后")  # reconnects (the library retries the insert)
        after = backends(name)
        assert after and not set(after) & set(before)  # new server processes
        assert mine.case("长纪案〔2024〕前").case_no == "长纪案〔2024〕前"
        assert mine.case("长纪案〔2024〕后").case_no == "长纪案〔2024〕后"
        assert verify_store(mine)
    finally:
        mine.close()


def admin_rows(statement: sql.Composable) -> list[tuple[Any, ...]]:
    cfg = StoreConfig.parse(PG_URL)
    with psycopg.connect(
        host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user, autocommit=True,
        application_name="lifeledger-test-admin",
    ) as conn:  # fmt: skip
        return conn.execute(statement).fetchall()


def backends(application: str) -> list[int]:
    """The server process ids of the connections named ``application``."""
    rows = admin_rows(
        sql.SQL("SELECT pid FROM pg_stat_activity WHERE application_name = {} ORDER BY pid").format(
            sql.Literal(application)
        )
    )
    return [int(r[0]) for r in rows]


@pytest.mark.postgres
def test_a_server_that_went_away_is_told_from_an_error_about_the_data() -> None:
    """A connection that fails is the server gone (verify then says it stopped and concludes
    nothing); a missing table is about the data, and is reported as itself."""
    from ledger.errors import StoreError, went_away

    require_postgres()
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2)
    assert went_away(refused.value)
    wrapped = StoreError("cannot read")
    wrapped.__cause__ = refused.value
    assert went_away(wrapped)
    with psycopg.connect(PG_URL, autocommit=True) as conn, pytest.raises(psycopg.Error) as missing:
        conn.execute("SELECT * FROM no_such_table_anywhere")
    assert missing.value.sqlstate == "42P01"
    assert not went_away(missing.value)
    assert not went_away(StoreError("no case X"))
