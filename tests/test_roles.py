"""PostgreSQL roles (issue 13, point 9), made by `lifeledger db-roles`: a reader cannot
write, alter or drop anything; a writer can only append; an auditor verifies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from cli_support import invoke
from conftest import PG_URL, drop_schema, new_ledger, require_postgres
from psycopg import sql
from scenarios import open_case

from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig

pytestmark = pytest.mark.postgres


def _connect(user: str) -> psycopg.Connection[tuple[object, ...]]:
    cfg = StoreConfig.parse(PG_URL)
    return psycopg.connect(
        host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=user, autocommit=True
    )


def _url(user: str, schema: str) -> str:
    cfg = StoreConfig.parse(PG_URL)
    return f"postgresql://{user}@{cfg.host}:{cfg.port}/{cfg.dbname}?schema={schema}"


@pytest.fixture
def roles(root_signer: Signer, discipline_signer: Signer) -> Iterator[tuple[str, str]]:
    """A ledger in its own schema with the roles of `db-roles` applied and one login
    per role kind; yields (schema, prefix)."""
    require_postgres()
    schema = f"r_{uuid.uuid4().hex[:12]}"
    prefix = f"t{uuid.uuid4().hex[:8]}"
    superuser = StoreConfig.parse(PG_URL).user
    url = _url(superuser, schema)
    logins = [f"{prefix}_{k}_login" for k in ("writer", "reader", "auditor")]
    try:
        new_ledger(url, root_signer, discipline_signer).close()
        assert invoke(["--db", url, "projections", "rebuild"]).exit_code == 0
        result = invoke(["--db", url, "db-roles", "--prefix", prefix])
        assert result.exit_code == 0, result.output
        with _connect(superuser) as conn:
            conn.execute(result.stdout.encode())
            for kind, login in zip(("writer", "reader", "auditor"), logins, strict=True):
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                        sql.Identifier(login), sql.Identifier(f"{prefix}_{kind}")
                    )
                )
        yield schema, prefix
    finally:
        drop_schema(url)
        with _connect(superuser) as conn:
            for role in [*logins, *(f"{prefix}_{k}" for k in
                                    ("writer", "reader", "auditor", "owner"))]:  # fmt: skip
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


ATTEMPTS = {
    "insert an event": "INSERT INTO {s}.lifeledger_events (originator_id, originator_version, "
    "topic, state) VALUES (gen_random_uuid(), 1, 'x', '\\x00')",
    "update an event": "UPDATE {s}.lifeledger_events SET topic = 'x'",
    "delete a leaf": "DELETE FROM {s}.merkle_leaves",
    "update a leaf": "UPDATE {s}.merkle_leaves SET leaf_hash = leaf_hash",
    "truncate checkpoints": "TRUNCATE {s}.checkpoints",
    "insert a checkpoint": "INSERT INTO {s}.checkpoints (tree_size, root, note, created_at) "
    "VALUES (999, '\\x00', 'x', now())",
    "write a read model": "DELETE FROM {s}.proj_cases",
    "drop the events": "DROP TABLE {s}.lifeledger_events",
    "alter the events": "ALTER TABLE {s}.lifeledger_events ADD COLUMN x int",
    "drop the trigger": "DROP TRIGGER append_only ON {s}.lifeledger_events",
    "create a table": "CREATE TABLE {s}.mine (i int)",
}


def _refusal(user: str, schema: str, statement: str) -> str:
    with _connect(user) as conn:
        try:
            conn.execute(statement.format(s=schema).encode())
        except psycopg.Error as e:
            return f"{e.sqlstate}"
    return "done"


def test_a_reader_cannot_write_alter_or_drop_anything(roles: tuple[str, str]) -> None:
    schema, prefix = roles
    reader = f"{prefix}_reader_login"
    outcomes = {what: _refusal(reader, schema, stmt) for what, stmt in ATTEMPTS.items()}
    assert outcomes == dict.fromkeys(ATTEMPTS, "42501")  # insufficient_privilege, every one
    with _connect(reader) as conn:
        row = conn.execute(f"SELECT count(*) FROM {schema}.lifeledger_events".encode()).fetchone()
    assert row is not None and row[0] > 0


def test_a_writer_can_only_append(roles: tuple[str, str], discipline_signer: Signer) -> None:
    schema, prefix = roles
    writer = f"{prefix}_writer_login"
    app = LedgerApplication(StoreConfig.parse(_url(writer, schema)), discipline_signer)
    try:
        open_case(app)  # appends: event, leaf, in one transaction
        assert app.case("长纪案〔2024〕1号").status == "open"
    finally:
        app.close()
    outcomes = {what: _refusal(writer, schema, stmt) for what, stmt in ATTEMPTS.items()}
    assert outcomes == {
        "insert an event": "done",  # appending is what a writer is for (verify finds a forgery)
        "update an event": "P0001",  # the trigger: 'the ledger is append-only'
        "delete a leaf": "42501",
        "update a leaf": "42501",
        "truncate checkpoints": "42501",
        "insert a checkpoint": "done",
        "write a read model": "done",  # a cache, rebuilt from the log
        "drop the events": "42501",
        "alter the events": "42501",
        "drop the trigger": "42501",
        "create a table": "42501",
    }


def test_an_auditor_verifies_without_writing(roles: tuple[str, str]) -> None:
    schema, prefix = roles
    auditor = f"{prefix}_auditor_login"
    app = LedgerApplication(StoreConfig.parse(_url(auditor, schema)))
    try:
        result = verify_store(app)
    finally:
        app.close()
    assert result, result.summary()
    outcomes = {what: _refusal(auditor, schema, stmt) for what, stmt in ATTEMPTS.items()}
    assert outcomes == dict.fromkeys(ATTEMPTS, "42501")


def test_a_reader_reads_a_ledger_made_before_the_case_index(roles: tuple[str, str]) -> None:
    """A ledger whose schema predates the case index: a reader may not create its tables,
    and reads it as it is, saying the case set is not provable yet."""
    schema, prefix = roles
    with _connect(StoreConfig.parse(PG_URL).user) as conn:
        for table in ("case_index_events", "case_index_nodes"):
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(schema, table)))
    result = invoke(["--db", _url(f"{prefix}_reader_login", schema), "case", "list"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "No case matches.\nCase set: not provable, no checkpoint yet.\n"
