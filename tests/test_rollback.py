"""Rollback (issue 13, point 5): without a checkpoint kept outside the ledger, `verify` says
that a truncation before the last stored checkpoint cannot be excluded; with one (a file or a
folder of kept checkpoints) the truncation is found. On both stores."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from cli_support import invoke
from psycopg import sql

from ledger.application import LedgerApplication
from ledger.domain.regulation import AdminLevel, UnitKind
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoints import make_checkpoint


def _truncate(app: LedgerApplication, keep: int) -> None:
    """An insider deletes every stored checkpoint and the log after notification ``keep``."""
    cfg = app.store
    if cfg.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(str(cfg.path)) as conn:
            conn.execute("DELETE FROM checkpoints")
            conn.execute("DELETE FROM merkle_leaves WHERE notification_id > ?", (keep,))
            conn.execute("DELETE FROM stored_events WHERE rowid > ?", (keep,))
        return
    with psycopg.connect(host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user,
                         autocommit=True) as conn:  # fmt: skip
        s = cfg.schema
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(s, "checkpoints")))
        conn.execute(sql.SQL("DELETE FROM {} WHERE notification_id > %s").format(
            sql.Identifier(s, "merkle_leaves")), (keep,))  # fmt: skip
        conn.execute(sql.SQL("DELETE FROM {} WHERE notification_id > %s").format(
            sql.Identifier(s, "lifeledger_events")), (keep,))  # fmt: skip


def test_verify_says_rollback_cannot_be_excluded_without_an_outside_checkpoint(
    app: LedgerApplication, store_url: str, root_signer: Signer, tmp_path: Path
) -> None:
    make_checkpoint(app, root_signer)
    size = app.recorder.max_notification_id()
    result = invoke(["--db", store_url, "--json", "verify"])
    assert result.exit_code == 0, result.output
    warning = (
        "Warning: no checkpoint kept outside the ledger was given (--checkpoint FILE or "
        "--checkpoint-dir DIR): a truncation of the log before the last stored checkpoint "
        f"(size {size}) cannot be excluded\n"
    )
    # Under --json the warning is part of the document (stdout stays one JSON document and
    # stderr is kept for refusals); in a table it goes to stderr.
    assert result.stderr == "", result.stderr
    assert json.loads(result.stdout)["rollback"] == {
        "external_checkpoints": 0, "excluded": False, "note": warning.rstrip("\n"),
    }  # fmt: skip
    table = invoke(["--db", store_url, "verify"])
    assert table.exit_code == 0, table.output
    assert table.stderr.endswith(warning), table.stderr


def test_a_truncation_that_passes_without_an_outside_checkpoint_fails_with_one(
    app: LedgerApplication, store_url: str, root_signer: Signer, tmp_path: Path
) -> None:
    keep = app.recorder.max_notification_id()
    assert keep is not None
    for i in range(3):  # the tail names no person: units
        app.add_unit(f"CS-T{i}", f"单位{i}", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    make_checkpoint(app, root_signer)
    kept = tmp_path / "kept"
    kept.mkdir()
    shown = invoke(["--db", store_url, "checkpoint", "show"])
    assert shown.exit_code == 0, shown.output
    (kept / "latest.note").write_text(shown.stdout, encoding="utf-8")
    app.close()
    _truncate(app, keep)

    unaware = invoke(["--db", store_url, "--json", "verify"])
    assert unaware.exit_code == 0, unaware.output  # nothing inside the ledger shows it
    assert json.loads(unaware.stdout)["rollback"]["note"].endswith(
        "a truncation of the log before any checkpoint (none is stored) cannot be excluded"
    )
    aware = invoke(["--db", store_url, "--json", "verify", "--checkpoint-dir", str(kept)])
    assert aware.exit_code == 1, aware.output
    report = json.loads(aware.stdout)
    assert report["rollback"] == {
        "external_checkpoints": 1,
        "excluded": True,
        "note": "rollback: checked against 1 checkpoint(s) kept outside the ledger",
    }
    assert [f["message"] for f in report["failures"] if f["check"] == "rollback"] == [
        f"checkpoint {keep + 3} was signed, but the log holds only {keep} events: 3 were removed "
        "since (truncated, rolled back or deleted)"
    ]
