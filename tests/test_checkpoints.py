"""Signed checkpoints (C2SP), auditors' cosignatures, and proofs of one person's history."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_verify_support import bulk_cases, record_case, sqlite

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.checkpoint import Checkpoint, open_note, parse_vkey, verify_cosignature, verify_note
from ledger.checkpoints import (
    LedgerTables,
    cosign_checkpoint,
    cosigner_vkey,
    make_checkpoint,
    note_vkey,
    origin_for,
)
from ledger.errors import AlreadyExists, NotAuthorised, NotFound, ProofError
from ledger.merkle import root_from_leaves
from ledger.proofs import export_cadre_proof, export_case_proof, verify_proof
from ledger.signing import Signer
from ledger.verify import Check, VerifyOptions, verify_store

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
    assert body == f"{origin}\n{cp.tree_size}\n{base64.b64encode(cp.root).decode()}\n".encode()
    assert [s.name for s in signatures] == [origin]
    assert cp.note.decode().splitlines()[4].startswith(f"— {origin} ")
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
    with pytest.raises(NotAuthorised, match="only an admin key"):
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
    with pytest.raises(AlreadyExists):
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
    assert [(c["tree_size"], c["cosigned_by"]) for c in listed] == [(7, [AUDITOR])]
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


def test_a_proof_of_an_unknown_cadre_or_without_checkpoint_is_refused(
    app: LedgerApplication, root_signer: Signer
) -> None:
    with pytest.raises(NotFound, match="no checkpoint yet"):
        export_cadre_proof(app, "P001")
    make_checkpoint(app, root_signer)
    with pytest.raises(NotFound, match="P999"):
        export_cadre_proof(app, "P999")


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
