"""PostgreSQL connection strings are libpq's (issue 14, point 5): a URL or ``key=value`` words
and the ``PG*`` environment reach libpq unchanged, for lifeledger's own connections and for
the library's pool alike; only ``schema`` is lifeledger's. Run against the real server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cli_support import invoke
from conftest import drop_schema, new_ledger, require_postgres

from ledger.application import LedgerApplication
from ledger.errors import StoreError
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig

pytestmark = pytest.mark.postgres

SOCKET_DIR = "/var/run/postgresql"
SECRET = "s3cret-Pw"


@pytest.fixture
def schema() -> Iterator[str]:
    require_postgres()
    name = f"c_{uuid.uuid4().hex[:16]}"
    yield name
    drop_schema(f"postgresql://postgres@127.0.0.1:5432/test?schema={name}")


def _both_connections(app: LedgerApplication, query: str) -> tuple[Any, Any]:
    """``query``'s answer on lifeledger's own connection and on the library's pool."""
    with app.store.connect() as own:
        row = own.execute(query).fetchone()
        assert row is not None
        mine = row[0]
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    with datastore.get_connection() as pooled:
        theirs = next(iter(pooled.execute(query).fetchone().values()))
    return mine, theirs


def _ledger(url: str, signers: tuple[Signer, Signer]) -> LedgerApplication:
    return new_ledger(url, *signers)


def test_a_key_value_connection_string_holds_a_ledger_in_its_schema(
    schema: str, root_signer: Signer, discipline_signer: Signer
) -> None:
    url = f"host=127.0.0.1 port=5432 dbname=test user=postgres schema={schema}"
    app = _ledger(url, (root_signer, discipline_signer))
    try:
        assert app.store.kind == "postgres" and app.store.schema == schema
        assert _both_connections(app, "SELECT current_database()") == ("test", "test")
    finally:
        app.close()
    result = invoke(["--db", url, "--json", "verify"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    with psycopg.connect("host=127.0.0.1 dbname=test user=postgres") as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))}  # fmt: skip
    assert "lifeledger_events" in tables


def test_a_url_with_sslmode_disable_or_prefer_connects_without_tls_on_every_connection(
    schema: str, root_signer: Signer, discipline_signer: Signer
) -> None:
    for mode in ("disable", "prefer"):
        url = f"postgresql://postgres@127.0.0.1:5432/test?sslmode={mode}&schema={schema}"
        app = _ledger(url, (root_signer, discipline_signer)) if mode == "disable" else (
            LedgerApplication(StoreConfig.parse(url), None))  # fmt: skip
        try:
            assert app.store.conninfo == f"postgresql://postgres@127.0.0.1:5432/test?sslmode={mode}"
            query = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            assert _both_connections(app, query) == (False, False)
        finally:
            app.close()


def test_sslmode_require_reaches_libpq_and_is_not_silently_dropped(schema: str) -> None:
    """The server here has no TLS: libpq refuses ``sslmode=require``, which proves it was given
    (a hand-parsed URL used to drop it and connect in clear)."""
    with psycopg.connect("host=127.0.0.1 dbname=test user=postgres") as conn:
        if conn.execute("SHOW ssl").fetchone() != ("off",):
            pytest.skip("the server offers TLS: require would succeed")
    url = f"postgresql://postgres@127.0.0.1:5432/test?sslmode=require&schema={schema}"
    result = invoke(["--db", url, "verify"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: cannot connect to PostgreSQL postgres@127.0.0.1:5432/test schema {schema}: "
    )
    assert "SSL" in result.stderr


def test_pguser_from_the_environment_is_the_user_of_every_connection(
    schema: str, root_signer: Signer, discipline_signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGUSER", "root")
    monkeypatch.setenv("PGDATABASE", "test")
    url = f"postgresql://127.0.0.1:5432?schema={schema}"
    app = _ledger(url, (root_signer, discipline_signer))
    try:
        assert app.store.describe() == f"PostgreSQL root@127.0.0.1:5432/test schema {schema}"
        assert _both_connections(app, "SELECT current_user") == ("root", "root")
    finally:
        app.close()
    result = invoke(["--db", f"host=127.0.0.1 schema={schema}", "--json", "verify"],
                    env={"PGUSER": "root", "PGDATABASE": "test"})  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_unix_socket_host_connects_through_the_socket(
    schema: str, root_signer: Signer, discipline_signer: Signer
) -> None:
    if not Path(SOCKET_DIR, ".s.PGSQL.5432").exists():
        pytest.skip(f"the server does not listen on a socket in {SOCKET_DIR} here")
    url = f"host={SOCKET_DIR} dbname=test user=postgres schema={schema}"
    app = _ledger(url, (root_signer, discipline_signer))
    try:
        assert app.store.describe() == (
            f"PostgreSQL postgres@{SOCKET_DIR}:5432/test schema {schema}"
        )
        # inet_server_addr() is NULL on a Unix-socket connection
        assert _both_connections(app, "SELECT inet_server_addr()") == (None, None)
    finally:
        app.close()
    result = invoke(["--db", f"postgresql:///test?host={SOCKET_DIR}&schema={schema}", "verify"])
    assert result.exit_code == 0, result.output
    # No host at all: libpq's default socket (this build's is SOCKET_DIR)
    default = StoreConfig.parse(f"dbname=test user=postgres schema={schema}")
    assert default.describe() == f"PostgreSQL postgres@(local socket):5432/test schema {schema}"
    result = invoke(["--db", f"dbname=test user=postgres schema={schema}", "verify"])
    assert result.exit_code == 0, result.output


def test_a_password_in_any_connection_string_never_appears_in_a_message(tmp_path: Path) -> None:
    require_postgres()
    for db in (
        f"postgresql://auditor:{SECRET}@127.0.0.1:1/test?sslmode=disable",
        f"host=127.0.0.1 port=1 dbname=test user=auditor password={SECRET}",
        f"host=127.0.0.1 port=1 user=auditor password='{SECRET}' schema=x",
        f"host=127.0.0.1 password={SECRET} no_such_option=1",
        f"postgresql://auditor:{SECRET}@127.0.0.1:5432/test?no_such_option=1",
    ):
        for args in (["--db", db, "verify"], ["--json", "--db", db, "verify"],
                     ["migrate", "--from", db, "--to", str(tmp_path / "t.db")]):  # fmt: skip
            result = invoke(args)
            assert result.exit_code == 1, result.output
            assert SECRET not in result.output, args
            assert "***" in result.stderr or "cannot connect" in result.stderr, result.stderr


def test_an_unreadable_connection_string_is_refused_with_libpq_s_reason() -> None:
    require_postgres()
    with pytest.raises(StoreError) as refused:
        StoreConfig.parse(f"host=db password={SECRET} no_such_option=1")
    assert str(refused.value) == (
        "unreadable PostgreSQL connection string 'host=db password=*** no_such_option=1': "
        'invalid connection option "no_such_option"'
    )


def test_a_path_that_merely_contains_an_equals_sign_stays_an_sqlite_file() -> None:
    assert StoreConfig.parse("exports/run=3.db").kind == "sqlite"
    assert StoreConfig.parse("weird=name.db").kind == "sqlite"


def test_the_demo_hint_quotes_the_connection_string_and_masks_its_password(
    schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"host=127.0.0.1 dbname=test user=postgres password={SECRET} schema={schema}"
    monkeypatch.chdir(tmp_path)
    result = invoke(["--db", db, "demo", "--keys-dir", str(tmp_path / "keys")])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    masked = f"host=127.0.0.1 dbname=test user=postgres password=*** schema={schema}"
    hint = f"  lifeledger --db '{masked}'"
    assert f"{hint} deadlines\n" in result.output


def test_connect_timeout_from_the_string_or_pgconnect_timeout_sets_each_attempt_s_wait(
    schema: str, root_signer: Signer, discipline_signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpq's ``connect_timeout`` is the wait of each of the library's ten attempts, for the
    pool as for lifeledger's own connections (a server that stays down is given up on after
    about ten times it); libpq's minimum of 2 s holds, and 5 s when nothing sets it."""
    base = f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    assert StoreConfig.parse(base).connect_timeout == 5
    assert StoreConfig.parse(f"{base}&connect_timeout=3").connect_timeout == 3
    assert StoreConfig.parse(f"{base}&connect_timeout=1").connect_timeout == 2
    assert StoreConfig.parse(f"{base}&connect_timeout=0").connect_timeout == 5
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "7")
    assert StoreConfig.parse(base).connect_timeout == 7
    assert StoreConfig.parse(f"{base}&connect_timeout=3").connect_timeout == 3
    app = _ledger(base, (root_signer, discipline_signer))
    try:
        assert app.recorder.datastore.pool.timeout == 7  # type: ignore[attr-defined]
    finally:
        app.close()
