"""`lifeledger migrate`: a ledger copied between SQLite and PostgreSQL keeps every stored byte,
its order, its Merkle root, checkpoints and cosignatures, and verifies; a non-empty target,
an empty source or a failed copy never leaves a half-copied ledger behind."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import invoke
from click.testing import CliRunner
from conftest import PG_URL, drop_schema, require_postgres
from scenarios import CASE, decided_case, open_case

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.domain.regulation import AdminLevel, AuthorityKind, KeyRole, UnitKind
from ledger.errors import AlreadyExistsError, StoreError, VerificationError
from ledger.migrate import migrate
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import cosign_checkpoint, make_checkpoint
from ledger.transparency.tables import LedgerTables
from projections.api import Projections


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store to migrate into, of each kind."""
    if request.param == "sqlite":
        yield str(tmp_path / "target.db")
        return
    require_postgres()
    url = f"{PG_URL}?schema=m_{uuid.uuid4().hex[:16]}"
    try:
        yield url
    finally:
        drop_schema(url)


def rows(app: LedgerApplication) -> list[tuple[Any, ...]]:
    """Every stored event in log order: identity, topic and the exact state bytes."""
    out: list[tuple[Any, ...]] = []
    start = 0
    while True:
        page = app.recorder.select_notifications(start, 500, inclusive_of_start=False)
        if not page:
            return out
        out += [
            (uuid.UUID(str(n.originator_id)), n.originator_version, n.topic, bytes(n.state))
            for n in page
        ]
        start = page[-1].id


def populated(app: LedgerApplication, root_signer: Signer) -> None:
    """A decided case, a second case, a checkpoint with a cosignature, then more events
    after the checkpoint."""
    decided_case(app)
    make_checkpoint(app, root_signer)
    cosign_checkpoint(app, Signer.generate(), "audit.example/w1")
    open_case(app, "长纪案〔2024〕2号")


def open_store(url: str) -> LedgerApplication:
    return LedgerApplication(StoreConfig.parse(url), None)


def test_a_ledger_is_copied_byte_for_byte_in_order_with_its_root_and_checkpoints(
    app: LedgerApplication, root_signer: Signer, target_url: str
) -> None:
    populated(app, root_signer)
    report = migrate(app.store, StoreConfig.parse(target_url), page_size=7)
    copy = open_store(target_url)
    try:
        assert rows(copy) == rows(app)
        source, target = LedgerTables(app), LedgerTables(copy)
        assert [leaf.leaf_hash for leaf in target.iter_leaves()] == [
            leaf.leaf_hash for leaf in source.iter_leaves()
        ]
        assert target.checkpoints() == source.checkpoints()
        assert target.cosignatures() == source.cosignatures()
        assert len(target.cosignatures()) == 1
        result = verify_store(copy)
        assert result, result.summary()
        assert result.root == verify_store(app).root == report.root
        assert result.checkpoints == 1 and result.cosignatures == 1
        assert report.events == len(rows(app)) and report.checkpoints == 1
        assert report.verification.signatures == report.events
    finally:
        copy.close()


def test_the_copy_takes_new_commands_and_its_read_models_match_the_source(
    app: LedgerApplication, root_signer: Signer, discipline_signer: Signer, target_url: str
) -> None:
    populated(app, root_signer)
    migrate(app.store, StoreConfig.parse(target_url))
    copy = LedgerApplication(StoreConfig.parse(target_url), discipline_signer)
    source_views, copy_views = Projections(app), Projections(copy)
    try:
        assert copy_views.case_state(CASE) == source_views.case_state(CASE)
        assert copy_views.cases() == source_views.cases()
        # The case index and its map came along: the copy's case set is complete as of the
        # copied checkpoint, as the source's is.
        assert copy_views.case_list_checked() == source_views.case_list_checked()
        assert copy_views.case_list_checked()[1] is not None
        assert copy_views.case_list_checked()[1].complete_as_of is not None
        open_case(copy, "长纪案〔2024〕3号")
        make_checkpoint(copy, root_signer)
        assert verify_store(copy)
        assert "长纪案〔2024〕3号" in [c.case_no for c in copy_views.cases()]
    finally:
        copy_views.close()
        source_views.close()
        copy.close()


def test_a_target_that_is_not_empty_is_refused_and_left_as_it_was(
    app: LedgerApplication, root_signer: Signer, target_url: str
) -> None:
    populated(app, root_signer)
    migrate(app.store, StoreConfig.parse(target_url))
    copy = open_store(target_url)
    before = rows(copy)
    with pytest.raises(AlreadyExistsError, match="is not empty"):
        migrate(app.store, StoreConfig.parse(target_url))
    assert rows(copy) == before
    copy.close()


def test_a_store_without_a_ledger_is_not_a_source(tmp_path: Path, target_url: str) -> None:
    with pytest.raises(StoreError, match="no ledger at"):
        migrate(StoreConfig.parse(str(tmp_path / "missing.db")), StoreConfig.parse(target_url))


def test_an_empty_postgres_schema_is_not_a_source(tmp_path: Path) -> None:
    require_postgres()
    url = f"{PG_URL}?schema=m_{uuid.uuid4().hex[:16]}"
    try:
        with pytest.raises(StoreError, match="holds no ledger"):
            migrate(StoreConfig.parse(url), StoreConfig.parse(str(tmp_path / "t.db")))
    finally:
        drop_schema(url)


def test_a_ledger_is_not_migrated_onto_itself(app: LedgerApplication) -> None:
    with pytest.raises(StoreError, match="same store"):
        migrate(app.store, StoreConfig.parse(app.store.url))


def test_a_copy_that_fails_midway_leaves_the_target_empty_and_can_be_run_again(
    app: LedgerApplication, root_signer: Signer, target_url: str
) -> None:
    populated(app, root_signer)

    def crash(phase: str, done: int, total: int) -> None:
        if phase == "copy" and done >= 10:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C mid-copy

    with pytest.raises(KeyboardInterrupt):
        migrate(app.store, StoreConfig.parse(target_url), page_size=5, progress=crash)
    copy = open_store(target_url)
    try:
        assert rows(copy) == []
        assert LedgerTables(copy).leaf_count() == 0
        assert LedgerTables(copy).checkpoints() == []
    finally:
        copy.close()
    report = migrate(app.store, StoreConfig.parse(target_url), page_size=5)
    assert report.verification and report.events == len(rows(app))


def test_a_tampered_source_gives_a_copy_that_is_reported_as_failing(
    sqlite_url: str, root_signer: Signer, discipline_signer: Signer, target_url: str
) -> None:
    app = LedgerApplication(StoreConfig.parse(sqlite_url), root_signer)
    app.initialise(root_signer, "管理员", "湖南省委组织部", AuthorityKind.ORGANISATION)
    app.add_key(
        discipline_signer.public_raw, "纪检干部甲", "长沙市纪委监委", AuthorityKind.DISCIPLINE,
        KeyRole.RECORDER,
    )  # fmt: skip
    app.close()
    with sqlite3.connect(sqlite_url) as conn:  # an insider edits the stored bytes
        state = conn.execute(
            "SELECT state FROM stored_events WHERE originator_version = 2"
        ).fetchone()[0]
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_version = 2",
            (state.replace("纪检干部甲".encode(), "纪检干部乙".encode()),),
        )
    with pytest.raises(VerificationError, match="does not verify"):
        migrate(StoreConfig.parse(sqlite_url), StoreConfig.parse(target_url))


def test_events_recorded_during_the_copy_are_left_out_and_reported(
    app: LedgerApplication, root_signer: Signer, target_url: str
) -> None:
    populated(app, root_signer)
    copied = len(rows(app))

    def meanwhile(phase: str, done: int, total: int) -> None:
        if phase == "copy" and done == 0:  # a workstation records while the copy runs
            open_case(app, "长纪案〔2024〕迟")

    report = migrate(app.store, StoreConfig.parse(target_url), progress=meanwhile)
    assert report.events == copied and report.source_grew_by == 1
    assert (
        "1 event(s) were recorded in the source while it was being copied" in (report.warnings()[0])
    )
    assert report.verification
    copy = open_store(target_url)
    try:
        assert rows(copy) == rows(app)[:copied]
    finally:
        copy.close()


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(
        cli, list(args), env={"LIFELEDGER_DB": None, "LIFELEDGER_KEY": None},
        prog_name="lifeledger",
    )  # fmt: skip


def test_the_cli_migrates_and_reports_the_copy_as_json(
    app: LedgerApplication, root_signer: Signer, target_url: str
) -> None:
    populated(app, root_signer)
    result = run_cli("--json", "migrate", "--from", app.store.url, "--to", target_url)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["events"] == data["tree_size"] == data["signatures_verified"] == len(rows(app))
    assert data["checkpoints"] == data["cosignatures"] == 1
    again = run_cli("migrate", "--from", app.store.url, "--to", target_url)
    assert again.exit_code == 1
    assert again.stderr == (
        f"Error: {StoreConfig.parse(target_url).describe()} is not empty (it holds events, "
        "Merkle leaves, checkpoints, cosignatures); migrate only into an empty store: a new "
        "SQLite file, or a new PostgreSQL schema (?schema=name)\n"
    )
    assert "Traceback" not in again.output


def test_the_cli_reports_a_foreign_or_unreachable_store_without_a_traceback(
    app: LedgerApplication, tmp_path: Path
) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    closed_port = "postgresql://postgres@127.0.0.1:1/test?schema=nowhere"
    refused = (
        "cannot connect to PostgreSQL postgres@127.0.0.1:1/test schema nowhere: connection "
        'failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )
    for source, target, message in (
        (app.store.url, str(foreign),
         f"{foreign} is an SQLite database of another program, not a ledger"),
        (str(text), str(tmp_path / "new.db"),
         f"{text} is not a lifeledger database (not an SQLite file)"),
        (app.store.url, closed_port, refused),
        (closed_port, str(tmp_path / "new.db"), refused),
    ):  # fmt: skip
        result = run_cli("migrate", "--from", source, "--to", target)
        assert result.exit_code == 1, result.output
        assert result.stderr == f"Error: {message}\n"
        assert "Traceback" not in result.output
    assert not (tmp_path / "new.db").exists()


def test_the_cli_requires_both_ends(app: LedgerApplication) -> None:
    result = run_cli("migrate", "--from", app.store.url)
    assert result.exit_code == 2
    assert "--to" in result.stderr


def test_a_migration_whose_copy_fails_verification_leaves_no_ledger_behind(
    sqlite_url: str, root_signer: Signer, target_url: str
) -> None:
    app = LedgerApplication(StoreConfig.parse(sqlite_url), root_signer)
    app.initialise(root_signer, "管理员", "湖南省委组织部", AuthorityKind.ORGANISATION)
    app.close()
    with sqlite3.connect(sqlite_url) as conn:  # an insider edits the stored bytes
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE originator_version = 1"
        ).fetchone()
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_version = 1",
            (state.replace("管理员".encode(), "管理猿".encode()),),
        )
    secret = "s3cret-Pw"  # PostgreSQL here trusts; the password is only carried in the URL
    target = target_url.replace("://postgres@", f"://postgres:{secret}@")
    where = StoreConfig.parse(target_url).describe()
    result = invoke(["migrate", "--from", sqlite_url, "--to", target])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: the copy in {where} does not verify (1 failure(s); first: [signature] "
        "position 0, key registry, KeyRegistry.Created v1: the root key's signature on the "
        "registry's first event fails); the copy was removed. Verify the source with "
        "`lifeledger verify`\n"
    )
    after = invoke(["--db", target, "verify"])
    assert after.exit_code == 1
    assert after.stderr == (
        f"Error: {where} holds no ledger; run `lifeledger init` first\n"
        if where.startswith("PostgreSQL")
        else f"Error: no ledger at {target}; create one with `lifeledger init` or give --db\n"
    )
    assert secret not in result.output + after.output


def test_a_source_whose_leaves_and_events_disagree_is_not_copied_at_all(
    sqlite_url: str, root_signer: Signer, target_url: str
) -> None:
    app = LedgerApplication(StoreConfig.parse(sqlite_url), root_signer)
    app.initialise(root_signer, "管理员", "湖南省委组织部", AuthorityKind.ORGANISATION)
    app.add_unit("CS-XF", "长沙市某区信访局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    app.close()
    with sqlite3.connect(sqlite_url) as conn:  # an insider removes the last leaf
        conn.execute("DELETE FROM merkle_leaves WHERE leaf_index = "
                     "(SELECT max(leaf_index) FROM merkle_leaves)")  # fmt: skip
        events = conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
    result = invoke(["migrate", "--from", app.store.url, "--to", target_url])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the source's log holds {events} event(s) but its Merkle leaf table "
        f"{events - 1}: verify the source (SQLite file {app.store.url}) with `lifeledger "
        "verify`; nothing was kept in the target\n"
    )
    after = invoke(["--db", target_url, "verify"])
    assert after.exit_code == 1
