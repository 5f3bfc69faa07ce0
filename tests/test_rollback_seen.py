"""A workstation refuses a ledger that went back since it last read it (README, threat model;
``ledger/transparency/seen.py``): it remembers the latest checkpoint it verified and the log
it read, on both stores, as a transparency log's client keeps the latest tree head it saw.

Each rollback is what an insider with write access to the store and no key would do: delete
the latest checkpoint with the events after the previous one (their leaves and index rows),
or the events after the latest checkpoint, then rebuild the read models so that every read's
own checks pass."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from scenarios import open_case
from test_trusted_reads import CASE_1, ledger, refused, run, shown, tables

from ledger.application import LedgerApplication
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoint import Checkpoint, sign_note
from ledger.transparency.checkpoints import make_checkpoint, origin_for
from ledger.transparency.seen import STATE_ENV, state_for
from ledger.transparency.stored_tree import StoredTree
from ledger.transparency.tables import LedgerTables

__all__ = ["ledger"]
CASE_3 = "湘纪追〔2024〕3号"
CASE_4 = "湘纪追〔2024〕4号"
READS = (
    ("cadre", "history", "P001"),
    ("case", "show", CASE_1),
    ("case", "list"),
    ("unit", "rating", "CS-XF", "--year", "2024"),
    ("report", "annual", "--year", "2024"),
    ("deadlines", "--as-of", "2024-04-20"),
)


def _log_size(app: LedgerApplication) -> int:
    return len(LedgerTables(app).load_tree())


def _cut(app: LedgerApplication, keep: int, *, checkpoints_above: int | None) -> None:
    """Delete every event from log position ``keep`` on, with its leaf and index rows (and
    the checkpoints above ``checkpoints_above``), then rebuild the read models from what is
    left: no read's own check can tell."""
    with tables(app) as t:
        p = t.prefix
        ((nid,),) = t.rows("SELECT notification_id FROM {merkle_leaves} WHERE leaf_index = ?",
                           (keep,))  # fmt: skip
        t.run("DELETE FROM {events} WHERE {position} >= ?", (nid,))
        for table in ("merkle_leaves", "person_events", "case_index_events"):
            t.conn.execute(f"DELETE FROM {p}{table} WHERE leaf_index >= {int(keep)}")
        if checkpoints_above is not None:
            t.conn.execute(f"DELETE FROM {p}checkpoints WHERE tree_size > {checkpoints_above}")
    result = run(app, "projections", "rebuild")
    assert result.exit_code == 0, result.output


def _state_file(app: LedgerApplication) -> Path:
    return state_for(app).note_path


def test_a_read_after_the_latest_checkpoint_and_its_events_were_deleted_is_refused(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    first, _new = make_checkpoint(ledger, root_signer)
    open_case(ledger, CASE_3)
    latest, _new = make_checkpoint(ledger, root_signer)
    before = shown(ledger, "cadre", "history", "P001")
    kept = _state_file(ledger)
    assert kept.read_bytes() == latest.note
    _cut(ledger, first.tree_size, checkpoints_above=first.tree_size)
    # Every read refuses now, naming what this workstation saw and what is there now.
    for args in READS:
        error = refused(ledger, *args)
        assert error.startswith(
            "Error: the ledger was rolled back: its latest checkpoint is older than the one "
            "this workstation verified: on "
        ), error
        assert (
            f"this workstation read checkpoint {latest.tree_size} and a log of "
            f"{latest.tree_size} events; "
        ) in error
        assert (
            f"now holds checkpoint {first.tree_size} and a log of {first.tree_size} events. "
            f"Nothing is shown. Run `lifeledger verify --checkpoint {kept}` (the checkpoint "
            "this workstation kept) to see what is missing; a ledger knowingly restored from "
            "a backup is accepted with `lifeledger checkpoint forget`.\n"
        ) in error, error
    # The kept note is a checkpoint file `verify` reads, and it proves the rollback.
    audit = run(ledger, "--json", "verify", "--checkpoint", str(kept))
    assert audit.exit_code == 1
    assert any(f["check"] == "rollback" for f in json.loads(audit.stdout)["failures"])
    # Under --json: the kind and where.
    doc = json.loads(run(ledger, "--json", "cadre", "history", "P001").stderr)
    assert doc["kind"] == "RollbackError"
    assert doc["where"]["seen_checkpoint"] == latest.tree_size
    assert doc["where"]["checkpoint"] == first.tree_size
    assert doc["where"]["checkpoint_file"] == str(kept)
    # Forgetting is a deliberate step: the state is set aside, and the ledger read afresh.
    forgot = shown(ledger, "checkpoint", "forget")
    assert forgot.startswith(f"Forgot checkpoint {latest.tree_size} and a log of ")
    assert not kept.exists() and list(kept.parent.glob(f"{kept.name}.forgotten-*"))
    assert shown(ledger, "cadre", "history", "P001") != before
    assert json.loads(shown(ledger, "--json", "checkpoint", "seen"))["remembered"]["checkpoint"] \
        == first.tree_size  # fmt: skip


def test_a_read_after_the_events_after_the_latest_checkpoint_were_deleted_is_refused(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    cp, _new = make_checkpoint(ledger, root_signer)
    open_case(ledger, CASE_3)
    size = _log_size(ledger)
    shown(ledger, "case", "list")
    _cut(ledger, cp.tree_size, checkpoints_above=None)
    error = refused(ledger, "case", "show", CASE_1)
    assert error.startswith("Error: the log was cut short: on "), error
    assert f"read checkpoint {cp.tree_size} and a log of {size} events; " in error
    assert f"now holds checkpoint {cp.tree_size} and a log of {cp.tree_size} events. " in error


def test_a_tail_replaced_by_other_events_is_refused_at_the_last_position_read(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    cp, _new = make_checkpoint(ledger, root_signer)
    open_case(ledger, CASE_3)
    size = _log_size(ledger)
    shown(ledger, "case", "list")
    _cut(ledger, cp.tree_size, checkpoints_above=None)
    # Honest writers append again after the cut: the log grows back past what was read.
    open_case(ledger, CASE_4)
    open_case(ledger, "湘纪追〔2024〕5号")
    assert _log_size(ledger) >= size
    error = refused(ledger, "case", "list")
    assert error.startswith(
        f"Error: the event at log position {size - 1} is not the one this workstation read "
        "there: on "
    ), error


def test_a_legitimate_append_and_a_new_checkpoint_are_accepted_and_remembered(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    first, _new = make_checkpoint(ledger, root_signer)
    shown(ledger, "case", "list")
    seen = json.loads(shown(ledger, "--json", "checkpoint", "seen"))["remembered"]
    assert (seen["checkpoint"], seen["log"]) == (first.tree_size, first.tree_size)
    open_case(ledger, CASE_3)
    shown(ledger, "case", "list")  # the log grew, no new checkpoint
    assert json.loads(shown(ledger, "--json", "checkpoint", "seen"))["remembered"]["log"] == (
        _log_size(ledger)
    )
    open_case(ledger, CASE_4)
    second, _new = make_checkpoint(ledger, root_signer)
    shown(ledger, "cadre", "history", "P001")  # consistent with the first: accepted
    seen = json.loads(shown(ledger, "--json", "checkpoint", "seen"))["remembered"]
    assert (seen["checkpoint"], seen["log"]) == (second.tree_size, second.tree_size)
    assert Path(seen["checkpoint_file"]).read_bytes() == second.note
    assert oct(os.stat(seen["checkpoint_file"]).st_mode & 0o777) == "0o600"


def test_a_checkpoint_signed_over_another_history_at_the_same_size_is_refused(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    cp, _new = make_checkpoint(ledger, root_signer)
    shown(ledger, "case", "list")
    origin = origin_for(root_signer.fingerprint)
    other = sign_note(Checkpoint(origin, cp.tree_size, b"\x42" * 32).body(), origin,
                      root_signer.private_key)  # fmt: skip
    with tables(ledger) as t:
        t.conn.execute(
            f"UPDATE {t.prefix}checkpoints SET note = {t.mark}, root = {t.mark} "
            f"WHERE tree_size = {t.mark}",
            (other, b"\x42" * 32, cp.tree_size),
        )
    error = refused(ledger, "case", "show", CASE_1)
    assert error.startswith(
        f"Error: checkpoint {cp.tree_size} differs from the checkpoint of the same size this "
        "workstation verified: two histories were signed: on "
    ), error


def test_reads_work_when_the_state_folder_cannot_be_written(
    ledger: LedgerApplication, root_signer: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_checkpoint(ledger, root_signer)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(STATE_ENV, str(blocker / "state"))
    for args in READS:
        shown(ledger, *args)
    assert not (blocker / "state").exists()


def test_a_remembered_state_is_checked_even_where_it_can_no_longer_be_written(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    first, _new = make_checkpoint(ledger, root_signer)
    open_case(ledger, CASE_3)
    make_checkpoint(ledger, root_signer)
    shown(ledger, "case", "list")
    state = state_for(ledger)
    lock = state.directory / (state.path.stem + ".lock")
    lock.unlink()
    lock.mkdir()  # every later write of the state fails
    _cut(ledger, first.tree_size, checkpoints_above=first.tree_size)
    assert "the ledger was rolled back" in refused(ledger, "case", "list")


def test_the_stored_tree_gives_the_same_consistency_proofs_as_the_tree_in_memory(
    ledger: LedgerApplication, root_signer: Signer
) -> None:
    make_checkpoint(ledger, root_signer)
    tables_ = LedgerTables(ledger)
    tree = tables_.load_tree()
    stored = StoredTree(tables_)
    size = len(tree)
    for old in range(1, size + 1):
        for new in range(old, size + 1, 3):
            assert stored.consistency_proof(old, new) == tree.consistency_proof(old, new)


def test_an_empty_state_variable_does_not_turn_the_check_off(
    ledger: Any, root_signer: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATE_ENV, "")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    make_checkpoint(ledger, root_signer)
    shown(ledger, "case", "list")
    assert list((tmp_path / "xdg" / "lifeledger").glob("lifeledger_*.json"))


def test_a_printed_document_of_a_rolled_back_ledger_is_refused_before_it_is_written(
    ledger: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    first, _new = make_checkpoint(ledger, root_signer)
    open_case(ledger, CASE_3)
    make_checkpoint(ledger, root_signer)
    out = tmp_path / "decision.docx"
    args = ("document", "decision", CASE_1, "--party", "P001", "--out", str(out))
    shown(ledger, *args)
    out.unlink()
    _cut(ledger, first.tree_size, checkpoints_above=first.tree_size)
    assert "the ledger was rolled back" in refused(ledger, *args)
    assert not out.exists()
