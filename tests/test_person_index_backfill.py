"""A ledger recorded before the person index existed (Art. 8), on SQLite and PostgreSQL.

Such a ledger was built the way the versions before the index built it: the recorder wrote no
index rows and every checkpoint was signed without the person-index line. The first
`lifeledger checkpoint` after the upgrade builds the index from the whole log and commits it;
`cadre history` says that completeness is not provable before that checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import new_ledger
from verify_support import record_case

import ledger.storage.postgres_recorder as postgres_recorder
import ledger.storage.recorders as recorders
from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.proofs import export_cadre_proof, verify_proof
from ledger.audit.verify import verify_store
from ledger.errors import InvalidInputError, ProofError
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoint import Checkpoint, sign_note
from ledger.transparency.checkpoints import make_checkpoint, origin_for
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.tables import LedgerTables, StoredCheckpoint, StoredTree, utc_now

PASSPHRASE = "correct horse"


@pytest.fixture
def old_ledger(
    store_url: str,
    root_signer: Signer,
    discipline_signer: Signer,
    petition_signer: Signer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LedgerApplication]:
    """P001's first case recorded and checkpointed as before the index: no index rows, and a
    checkpoint without the person-index line."""
    with monkeypatch.context() as before_the_index:
        for module in (recorders, postgres_recorder):
            before_the_index.setattr(module, "chain_rows", lambda *a, **k: [])
        app = new_ledger(store_url, root_signer, discipline_signer, petition_signer)
        record_case(app, "湘纪追〔2024〕1号", "P001")
    old_checkpoint(app, root_signer)
    try:
        yield app
    finally:
        app.close()


def old_checkpoint(app: LedgerApplication, signer: Signer) -> int:
    """A checkpoint as signed before the person index: origin, size, root, no extension."""
    tables = LedgerTables(app)
    size = tables.leaf_count()
    root = StoredTree(tables).root(size)
    origin = origin_for(app.root_fingerprint())
    note = sign_note(Checkpoint(origin, size, root).body(), origin, signer.private_key)
    tables.insert_checkpoint(StoredCheckpoint(size, root, note, utc_now()))
    return size


def run(app: LedgerApplication, *args: str, key: Path | None = None) -> Result:
    keyed = ["--key", str(key)] if key else []
    runner = CliRunner(env={"LIFELEDGER_PASSPHRASE": PASSPHRASE})
    return runner.invoke(cli, ["--db", app.store.url, *keyed, *args])


def test_an_old_ledger_reads_whole_from_the_log_and_says_completeness_is_not_provable(
    old_ledger: LedgerApplication,
) -> None:
    app = old_ledger
    # Upgraded: the recorder now writes index rows, whose chains miss the earlier events.
    record_case(app, "湘纪追〔2024〕2号", "P001")
    events = LedgerTables(app).leaf_count()
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 0, shown.output
    assert "湘纪追〔2024〕1号" in shown.stdout and "湘纪追〔2024〕2号" in shown.stdout
    assert shown.stdout.splitlines()[-1] == (
        "Completeness: not provable. The ledger's 1 checkpoint(s) were signed before it had the "
        "person index; every event was read from the log itself. `lifeledger checkpoint` "
        "builds the index and commits it in the next checkpoint; 13 later event(s) naming "
        f"P001 checked directly (of {events} appended since)."
    )
    # The old checkpoint is not a failure; the index rows are not compared until built.
    assert verify_store(app).ok, verify_store(app).failures


def test_the_next_checkpoint_builds_the_index_from_the_whole_log_and_commits_it(
    old_ledger: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    app = old_ledger
    first_size = LedgerTables(app).leaf_count()
    record_case(app, "湘纪追〔2024〕2号", "P001")
    key = tmp_path / "root.pem"
    root_signer.save(key, PASSPHRASE)
    made = run(app, "checkpoint", key=key)
    assert made.exit_code == 0, made.output
    size = LedgerTables(app).leaf_count()
    assert made.stdout.startswith(f"Checkpoint of size {size} signed and stored.")
    assert "lifeledger/person-index/v1 " in made.stdout
    rows = [r for r in PersonTables(app).all_rows() if r[0] == "P001"]
    assert [r[1] for r in rows] == list(range(1, 14))  # registration, then 6 + 6 case events
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[-1] == (
        f"Complete as of checkpoint {size} (person index); 0 later event(s) naming P001 "
        "checked directly (of 0 appended since). Completeness is not provable as of the 1 "
        f"earlier checkpoint(s), signed before the ledger had the person index (the first to "
        f"carry it is checkpoint {size})."
    )
    result = verify_store(app)
    assert result.ok, result.failures
    proof = json.dumps(export_cadre_proof(app, "P001"), ensure_ascii=False).encode()
    assert str(verify_proof(proof, app.root_fingerprint()).completeness).startswith(
        f"complete as of checkpoint {size}"
    )
    with pytest.raises(ProofError) as refused:
        export_cadre_proof(app, "P001", first_size)
    assert str(refused.value) == (
        f"checkpoint {first_size} was signed before this ledger had the person index: "
        f"completeness cannot be proven as of it; the first that does is checkpoint {size}"
    )


def test_an_old_ledger_with_nothing_new_since_its_checkpoint_is_told_to_wait_for_an_event(
    old_ledger: LedgerApplication, root_signer: Signer
) -> None:
    size = LedgerTables(old_ledger).leaf_count()
    with pytest.raises(InvalidInputError) as refused:
        make_checkpoint(old_ledger, root_signer)
    assert str(refused.value) == (
        f"checkpoint {size} was signed before this ledger had the person index, and no event "
        "was appended since: the index can only be committed in a new checkpoint, after the "
        "next event; no checkpoint was made"
    )


def test_an_old_ledger_never_checkpointed_gets_its_index_built_by_its_first_checkpoint(
    store_url: str,
    root_signer: Signer,
    discipline_signer: Signer,
    petition_signer: Signer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as before_the_index:
        for module in (recorders, postgres_recorder):
            before_the_index.setattr(module, "chain_rows", lambda *a, **k: [])
        app = new_ledger(store_url, root_signer, discipline_signer, petition_signer)
        record_case(app, "湘纪追〔2024〕1号", "P001")
    try:
        assert PersonTables(app).misses_log_start()
        cp, _ = make_checkpoint(app, root_signer)
        assert not PersonTables(app).misses_log_start()
        assert verify_store(app).ok
        shown = run(app, "cadre", "history", "P001")
        assert shown.stdout.splitlines()[-1] == (
            f"Complete as of checkpoint {cp.tree_size} (person index); 0 later event(s) naming "
            "P001 checked directly (of 0 appended since)."
        )
    finally:
        app.close()


def test_a_checkpoint_without_the_index_after_one_with_it_fails_verify(
    old_ledger: LedgerApplication, root_signer: Signer
) -> None:
    app = old_ledger
    record_case(app, "湘纪追〔2024〕2号", "P001")
    make_checkpoint(app, root_signer)
    record_case(app, "湘纪追〔2024〕3号", "P001")
    size = old_checkpoint(app, root_signer)  # an admin key signing the old way again
    messages = [f.message for f in verify_store(app).failures]
    # (the map nodes kept as of that checkpoint are also named: none were built for it)
    assert messages[0] == (
        f"checkpoint {size} carries no person-index root, though an earlier checkpoint did: "
        "nothing proves a person's history complete at it"
    )
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 1
    assert shown.stderr == (
        f"Error: checkpoint {size} carries no person index; run `lifeledger verify`\n"
    )
