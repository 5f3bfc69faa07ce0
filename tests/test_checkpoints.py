"""Signed checkpoints (C2SP), auditors' cosignatures, and proofs of one person's history."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from verify_support import bulk_cases, record_case, sqlite

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.proofs import export_cadre_proof, export_case_proof, verify_proof
from ledger.audit.verify import Check, VerifyOptions, verify_store
from ledger.errors import (
    AlreadyExistsError,
    KeyManagementError,
    NotFoundError,
    ProofError,
)
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoint import (
    Checkpoint,
    open_note,
    parse_vkey,
    verify_cosignature,
    verify_note,
)
from ledger.transparency.checkpoints import (
    cosign_checkpoint,
    cosigner_vkey,
    make_checkpoint,
    note_vkey,
    origin_for,
)
from ledger.transparency.merkle import root_from_leaves
from ledger.transparency.tables import LedgerTables

PASSPHRASE = "correct horse"
AUDITOR = "audit.hunan.example/w1"


def test_a_checkpoint_is_a_c2sp_signed_note_of_the_whole_log(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号")
    cp, new = make_checkpoint(app, root_signer)
    assert new
    assert cp.tree_size == 15 == len(list(LedgerTables(app).iter_leaves()))
    origin = origin_for(root_signer.fingerprint)
    body, signatures = open_note(cp.note)
    head = f"{origin}\n{cp.tree_size}\n{base64.b64encode(cp.root).decode()}\n".encode()
    assert body.startswith(head)
    person_line, case_line, dates_line = body[len(head) :].decode().splitlines()
    assert person_line.startswith("lifeledger/person-index/v1 ")
    assert case_line.startswith("lifeledger/case-index/v1 ")
    assert dates_line.startswith("lifeledger/case-dates/v1 ")
    assert [s.name for s in signatures] == [origin]
    assert cp.note.decode().splitlines()[7].startswith(f"— {origin} ")
    verified = verify_note(
        cp.note, {origin: parse_vkey(note_vkey(origin, root_signer.public_raw)).public_key()}
    )
    assert verified.names == {origin}
    leaves = [leaf.leaf_hash for leaf in LedgerTables(app).iter_leaves()]
    assert Checkpoint.parse(body).root == root_from_leaves(leaves)


def test_no_new_checkpoint_is_signed_without_new_events(
    app: LedgerApplication, root_signer: Signer
) -> None:
    first, _ = make_checkpoint(app, root_signer)
    again, new = make_checkpoint(app, root_signer)
    assert not new and again == first
    bulk_cases(app, 10)
    later, new = make_checkpoint(app, root_signer)
    assert new and later.tree_size == first.tree_size + 10
    assert [c.tree_size for c in LedgerTables(app).checkpoints()] == [
        first.tree_size,
        later.tree_size,
    ]


def test_only_an_admin_key_signs_checkpoints(
    app: LedgerApplication, discipline_signer: Signer
) -> None:
    with pytest.raises(KeyManagementError, match="only an admin key"):
        make_checkpoint(app, discipline_signer)
    assert LedgerTables(app).checkpoints() == []


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_rewritten_leaf_table_is_never_signed_over(
    app: LedgerApplication, root_signer: Signer
) -> None:
    make_checkpoint(app, root_signer)
    bulk_cases(app, 5)
    with sqlite(app) as conn:
        conn.execute("UPDATE merkle_leaves SET leaf_hash = ? WHERE leaf_index = 3", (b"\1" * 32,))
    with pytest.raises(ProofError, match="no longer hash to the root of checkpoint 7"):
        make_checkpoint(app, root_signer)
    assert len(LedgerTables(app).checkpoints()) == 1


def test_an_auditor_cosigns_and_verify_requires_named_witnesses(
    app: LedgerApplication, root_signer: Signer
) -> None:
    auditor = Signer.generate()
    cp, _ = make_checkpoint(app, root_signer)
    cosignature = cosign_checkpoint(app, auditor, AUDITOR, timestamp=1_700_000_000)
    assert cosignature.tree_size == cp.tree_size
    assert cosignature.vkey == cosigner_vkey(AUDITOR, auditor.public_raw)
    when = verify_cosignature(
        cp.body(), cosignature.signature(), parse_vkey(cosignature.vkey).public_key()
    )
    assert when == 1_700_000_000
    with pytest.raises(AlreadyExistsError):
        cosign_checkpoint(app, auditor, AUDITOR)
    witness = (cosignature.vkey,)
    result = verify_store(app, VerifyOptions(witnesses=witness))
    assert result and result.cosignatures == 1
    assert result.witnessed == (f"{AUDITOR}@{cp.tree_size}",)
    other = cosigner_vkey("other.example/w", Signer.generate().public_raw)
    missing = verify_store(app, VerifyOptions(witnesses=(other,)))
    assert [(f.check, f.message) for f in missing.failures] == [
        (
            Check.COSIGNATURE,
            "witness other.example/w has cosigned no checkpoint that matches this log",
        )
    ]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_forged_cosignature_is_reported(app: LedgerApplication, root_signer: Signer) -> None:
    auditor = Signer.generate()
    make_checkpoint(app, root_signer)
    cosign_checkpoint(app, auditor, AUDITOR)
    with sqlite(app) as conn:
        (line,) = conn.execute("SELECT line FROM cosignatures").fetchone()
        text = line.decode().split(" ")
        raw = bytearray(base64.b64decode(text[-1]))
        raw[-1] ^= 1
        text[-1] = base64.b64encode(bytes(raw)).decode() + "\n"
        conn.execute("UPDATE cosignatures SET line = ?", (" ".join(text).encode(),))
    result = verify_store(app)
    assert [f.check for f in result.failures] == [Check.COSIGNATURE]
    assert "the cosignature does not verify" in result.failures[0].message


def test_checkpoint_commands_make_list_show_and_cosign(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    root_key = tmp_path / "root.pem"
    root_signer.save(root_key, PASSPHRASE)
    auditor = Signer.generate()
    auditor_key = tmp_path / "auditor.pem"
    auditor.save(auditor_key, PASSPHRASE)
    runner = CliRunner(env={"LIFELEDGER_PASSPHRASE": PASSPHRASE})
    db = ["--db", app.store.url]
    made = runner.invoke(cli, [*db, "--key", str(root_key), "checkpoint"])
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("Checkpoint of size 7 signed and stored.")
    again = runner.invoke(cli, [*db, "--key", str(root_key), "--json", "checkpoint", "make"])
    assert json.loads(again.stdout)["new"] is False
    cosigned = runner.invoke(
        cli, [*db, "--key", str(auditor_key), "checkpoint", "cosign", "--name", AUDITOR,
              "--root-fingerprint", root_signer.fingerprint],
    )  # fmt: skip
    assert cosigned.exit_code == 0, cosigned.output
    assert cosigner_vkey(AUDITOR, auditor.public_raw) in cosigned.stdout
    listed = json.loads(runner.invoke(cli, [*db, "--json", "checkpoint", "list"]).stdout)
    assert [(c["tree_size"], c["cosigned_by"]) for c in listed["checkpoints"]] == [(7, [AUDITOR])]
    shown = runner.invoke(cli, [*db, "checkpoint", "show"]).stdout
    assert shown.splitlines()[0] == origin_for(root_signer.fingerprint)
    assert shown.splitlines()[-1].startswith(f"— {AUDITOR} ")
    kept = tmp_path / "kept.note"
    kept.write_text(shown + "\n")
    verified = runner.invoke(cli, [*db, "verify", "--checkpoint", str(kept), "--witness",
                                   cosigner_vkey(AUDITOR, auditor.public_raw)])  # fmt: skip
    assert verified.exit_code == 0, verified.output
    refused = runner.invoke(cli, [*db, "--key", str(tmp_path / "auditor.pem"), "checkpoint"])
    assert refused.exit_code == 1 and "not registered" in refused.output


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_cosigning_is_refused_when_the_ledger_does_not_verify(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    make_checkpoint(app, root_signer)
    with sqlite(app) as conn:
        conn.execute("UPDATE stored_events SET topic = topic || 'x' WHERE rowid = 5")
    auditor_key = tmp_path / "auditor.pem"
    Signer.generate().save(auditor_key, PASSPHRASE)
    result = CliRunner(env={"LIFELEDGER_PASSPHRASE": PASSPHRASE}).invoke(
        cli, ["--db", app.store.url, "--key", str(auditor_key), "checkpoint", "cosign",
              "--name", AUDITOR],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "refusing to cosign" in result.output
    assert LedgerTables(app).cosignatures() == []


# --- proofs of one person's history ---------------------------------------------------------


def test_a_cadres_history_is_proven_on_its_own(app: LedgerApplication, root_signer: Signer) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    record_case(app, "湘纪追〔2024〕2号", "P002")
    bulk_cases(app, 40)
    record_case(app, "湘纪追〔2024〕3号", "P001")
    make_checkpoint(app, root_signer)
    record_case(app, "湘纪追〔2024〕4号", "P001")  # not covered by the checkpoint yet
    doc = export_cadre_proof(app, "P001")
    topics = [e["topic"].split(":")[1] for e in doc["events"]]
    assert topics.count("AccountabilityCase.PersonnelFileEntered") == 2
    assert topics.count("KeyRegistry.KeyRegistered") == 2 and "Cadre.Registered" in topics
    assert doc["events_after_checkpoint"] == 8
    app.close()
    report = verify_proof(json.dumps(doc).encode(), root_signer.fingerprint)
    assert report, report.result.summary()
    assert report.records == ("cadre P001", "case 湘纪追〔2024〕1号", "case 湘纪追〔2024〕3号")
    assert report.result.events == len(doc["events"]) == 3 + 1 + 16
    assert report.result.checkpoints == 1


def test_an_edited_proof_fails_and_says_where(app: LedgerApplication, root_signer: Signer) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    make_checkpoint(app, root_signer)
    doc = export_case_proof(app, "湘纪追〔2024〕1号")
    entry = next(e for e in doc["events"] if e["topic"].endswith(".PersonnelFileEntered"))
    state = base64.b64decode(entry["state"]).replace("档-".encode(), "卷-".encode())
    entry["state"] = base64.b64encode(state).decode()
    report = verify_proof(json.dumps(doc).encode(), root_signer.fingerprint)
    assert not report
    assert {(f.check, f.position) for f in report.result.failures} == {
        (Check.SIGNATURE, entry["position"]), (Check.CHECKPOINT, entry["position"]),
    }  # fmt: skip
    assert all(f.case_no == "湘纪追〔2024〕1号" for f in report.result.failures)
    foreign = verify_proof(json.dumps(export_case_proof(app, "湘纪追〔2024〕1号")).encode(),
                           Signer.generate().fingerprint)  # fmt: skip
    assert not foreign


def test_a_proof_without_checkpoint_is_refused_and_an_unknown_number_proves_absent(
    app: LedgerApplication, root_signer: Signer
) -> None:
    with pytest.raises(NotFoundError, match="no checkpoint yet"):
        export_cadre_proof(app, "P001")
    cp, _ = make_checkpoint(app, root_signer)
    doc = export_cadre_proof(app, "P999")
    assert doc["completeness"]["count"] == 0
    report = verify_proof(json.dumps(doc).encode(), root_signer.fingerprint)
    assert report, report.result.failures
    assert report.completeness == f"no accountability on record as of checkpoint {cp.tree_size}"


def test_proof_commands_export_and_verify(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P003")
    make_checkpoint(app, root_signer)
    runner = CliRunner()
    out = tmp_path / "p003.proof.json"
    made = runner.invoke(cli, ["--db", app.store.url, "proof", "cadre", "P003", "--out", str(out)])
    assert made.exit_code == 0, made.output
    ok = runner.invoke(
        cli, ["proof", "verify", str(out), "--root-fingerprint", root_signer.fingerprint]
    )
    assert ok.exit_code == 0, ok.output
    assert "Records proven: cadre P003, case 湘纪追〔2024〕1号" in ok.stdout
    bad = runner.invoke(cli, ["proof", "verify", str(out), "--root-fingerprint", "ab" * 32])
    assert bad.exit_code == 1


# --- the tree without holding it: compact ranges and stored subtrees ----------------------------


def test_a_compact_range_gives_every_root_of_the_tree_in_log_n_hashes() -> None:
    from ledger.transparency.merkle import MerkleTree
    from ledger.transparency.ranges import CompactRange, subtree_hashes

    leaves = [bytes([i % 251]) * 32 for i in range(1_100)]
    tree = MerkleTree(leaves)
    one_by_one, in_batches = CompactRange(), CompactRange()
    cuts = [1, 3, 256, 257, 700, 1_024, 1_099]
    roots = {}
    for start in range(0, len(leaves), 300):
        batch = b"".join(leaves[start : start + 300])
        for height, digest in subtree_hashes(start, batch, cuts):
            in_batches.push(height, digest)
            if in_batches.size in cuts:
                roots[in_batches.size] = in_batches.root()
    for size, leaf in enumerate(leaves, start=1):
        one_by_one.append(leaf)
        assert one_by_one.root() == tree.root(size)
        assert len(one_by_one._nodes) == bin(size).count("1")
    assert in_batches.root() == tree.root()
    assert roots == {size: tree.root(size) for size in cuts}


def test_inclusion_proofs_from_the_stored_subtrees_equal_those_of_the_whole_tree(
    app: LedgerApplication, root_signer: Signer
) -> None:
    from ledger.transparency.stored_tree import StoredTree
    from ledger.transparency.tables import NODES_TABLE

    bulk_cases(app, 1_200)
    cp, _ = make_checkpoint(app, root_signer)
    tables = LedgerTables(app)
    tree = tables.load_tree()
    sizes = (cp.tree_size, 1_024, 700, 256, 255, 2)
    for cached in (True, False):
        stored = StoredTree(tables)
        for size in sizes:
            assert stored.root(size) == tree.root(size)
            for index in {0, 1, size // 3, size - 2, size - 1}:
                assert stored.inclusion_proof(index, size) == tree.inclusion_proof(index, size)
        if cached:
            assert stored._computed == []  # the checkpoint left every subtree needed
            _drop_nodes(app, NODES_TABLE)
        else:
            assert stored._computed  # computed from the leaves, and kept for next time
            stored.save()
            assert StoredTree(tables).root(cp.tree_size) == cp.root


def _drop_nodes(app: LedgerApplication, table: str) -> None:
    from ledger.storage.postgres_recorder import PostgresLedgerRecorder
    from ledger.storage.recorders import SQLiteLedgerRecorder

    recorder = app.recorder
    if isinstance(recorder, PostgresLedgerRecorder):
        with recorder.datastore.transaction(commit=True) as curs:
            curs.execute(f'DELETE FROM "{recorder.datastore.schema}".{table}')
    else:
        assert isinstance(recorder, SQLiteLedgerRecorder)
        with recorder.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {table}")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_tampered_subtree_cache_yields_no_proof(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    bulk_cases(app, 600)
    make_checkpoint(app, root_signer)
    with sqlite(app) as conn:
        conn.execute("UPDATE merkle_nodes SET hash = ? WHERE height = 9 AND idx = 0", (b"\1" * 32,))
    with pytest.raises(ProofError, match="do not reproduce checkpoint"):
        export_cadre_proof(app, "P001")


def test_a_cadres_proof_is_the_same_found_through_the_views_or_the_log(
    app: LedgerApplication, root_signer: Signer
) -> None:
    from ledger.domain.case_rules import TeamMember
    from ledger.domain.regulation import ResultElement, TeamRole
    from projections.api import Projections

    record_case(app, "湘纪追〔2024〕1号", "P001")
    record_case(app, "湘纪追〔2024〕3号", "P003")
    team_case = "湘纪追〔2024〕2号"  # P001 objected to the team's decision (Art. 5)
    app.open_case(team_case, dt.date(2023, 11, 2), [11], "集体研究决定推诿信访事项",
                  dt.date(2024, 1, 8),
                  [ResultElement.CONFLICT_INTENSIFIED, ResultElement.ADVERSE_IMPACT])  # fmt: skip
    app.record_objection(team_case, "P001", dt.date(2023, 10, 30), "会上明确反对该决策，未被采纳。")
    team = [TeamMember("P002", TeamRole.PRINCIPAL_HEAD), TeamMember("P003", TeamRole.MEMBER)]
    app.assign_team(team_case, "CS-XF", team, dt.date(2024, 1, 15))
    make_checkpoint(app, root_signer)
    from_log = export_cadre_proof(app, "P001")
    views = Projections(app)
    views.rebuild()
    views.close()
    from_views = export_cadre_proof(app, "P001")
    assert from_views["events"] == from_log["events"]
    assert set(from_views["records"].values()) == {
        "cadre P001", "case 湘纪追〔2024〕1号", "case 湘纪追〔2024〕2号",
    }  # fmt: skip
