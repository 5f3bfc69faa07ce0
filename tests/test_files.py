"""Files (issue 13, point 6): no command overwrites an existing file without --force, and none
overwrites the ledger's database or a key file, even with --force."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cli_support import CliLedger, decided, invoke, ledger, opened, template

from ledger.application import LedgerApplication
from ledger.signing.signatures import Signer

__all__ = ["ledger", "template"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_proof_is_never_written_over_the_ledger_even_with_force(ledger: CliLedger) -> None:
    opened(ledger)
    ledger.ok("checkpoint", key=ledger.root)
    before = _digest(ledger.db)
    for extra in ((), ("--force",)):
        err = ledger.refused("proof", "case", "C1", "--out", str(ledger.db), *extra, key=None)
        assert err == (
            f"Error: {ledger.db} is the ledger's database; no command overwrites it, "
            "not even with --force\n"
        )
    assert _digest(ledger.db) == before


@pytest.mark.parametrize("force", [False, True])
def test_a_bundle_is_never_written_over_a_key_file(ledger: CliLedger, force: bool) -> None:
    before = _digest(ledger.recorder)
    extra = ("--force",) if force else ()
    err = ledger.refused("bundle", "export", str(ledger.recorder), *extra, key=None)
    assert err == (
        f"Error: {ledger.recorder} is a key file; no command overwrites a key file, "
        "not even with --force\n"
    )
    assert _digest(ledger.recorder) == before


def test_a_bundle_is_never_written_over_another_sqlite_database(
    ledger: CliLedger, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    other.write_bytes(ledger.db.read_bytes())
    err = ledger.refused("bundle", "export", str(other), "--force", key=None)
    assert err == (
        f"Error: {other} is a SQLite database; no command overwrites it, not even with --force\n"
    )


def test_a_link_to_the_ledger_is_refused_like_the_ledger(ledger: CliLedger, tmp_path: Path) -> None:
    opened(ledger)
    ledger.ok("checkpoint", key=ledger.root)
    link = tmp_path / "innocent.json"
    link.symlink_to(ledger.db)
    err = ledger.refused("proof", "case", "C1", "--out", str(link), "--force", key=None)
    assert err == (
        f"Error: {link} is the ledger's database; no command overwrites it, not even with --force\n"
    )


def test_a_proof_overwrites_an_existing_file_only_with_force(
    ledger: CliLedger, tmp_path: Path
) -> None:
    opened(ledger)
    ledger.ok("checkpoint", key=ledger.root)
    out = tmp_path / "proof.json"
    out.write_text("keep me")
    err = ledger.refused("proof", "case", "C1", "--out", str(out), key=None)
    assert err == f"Error: {out} already exists; give --force to overwrite it\n"
    assert out.read_text() == "keep me"
    ledger.ok("proof", "case", "C1", "--out", str(out), "--force", key=None)
    assert json.loads(out.read_text())["format"]


def test_import_never_writes_its_rejects_over_an_existing_file(
    ledger: CliLedger, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.jsonl"
    rejects.write_text("earlier rejects\n")
    source = tmp_path / "in.jsonl"
    source.write_text('{"command": "cadre retire", "personnel_no": "P404", "on": "2023-01-01"}\n')
    before = ledger.event_count()
    err = ledger.refused("import", str(source), "--rejects", str(rejects))
    assert err == f"Error: {rejects} already exists; give --force to overwrite it\n"
    assert rejects.read_text() == "earlier rejects\n"
    assert ledger.event_count() == before
    err = ledger.refused("import", str(source), "--rejects", str(ledger.root))
    assert err == (
        f"Error: {ledger.root} is a key file; no command overwrites a key file, "
        "not even with --force\n"
    )


# every command that writes a file -------------------------------------------------------------
#: Each command that writes a file: its arguments around the file, the file's suffix, the key
#: it signs with, whether it takes --force, and the refusal of a file that exists.
KEY_EXISTS = "Error: key file {path} already exists; refusing to overwrite it\n"
OTHER_EXISTS = "Error: {path} already exists; give --force to overwrite it\n"
WRITERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str | None, bool, str]] = {
    "proof case": (("proof", "case", "C1", "--out"), (), ".json", None, True, OTHER_EXISTS),
    "proof cadre": (("proof", "cadre", "P001", "--out"), (), ".json", None, True, OTHER_EXISTS),
    "bundle export": (("bundle", "export"), (), ".bundle", None, True, OTHER_EXISTS),
    "document decision": (("document", "decision", "C1", "--party", "P001", "--out"), (),
                          ".docx", None, True, OTHER_EXISTS),
    "document file-entry": (("document", "file-entry", "C1", "--party", "P001", "--out"), (),
                            ".docx", None, True, OTHER_EXISTS),
    "report annual xlsx": (("report", "annual", "--year", "2023", "--format", "xlsx", "--out"),
                           (), ".xlsx", None, True, OTHER_EXISTS),
    "report annual docx": (("report", "annual", "--year", "2023", "--format", "docx", "--out"),
                           (), ".docx", None, True, OTHER_EXISTS),
    "document appeal-notice": (("document", "appeal-notice", "C1", "--party", "P001", "--out"),
                               (), ".docx", None, True, OTHER_EXISTS),
    "report annual pdf": (("report", "annual", "--year", "2023", "--format", "pdf", "--out"),
                          (), ".pdf", None, True, OTHER_EXISTS),
    "import --rejects": (("import", "IN", "--rejects"), (), ".jsonl", "recorder", False,
                         OTHER_EXISTS),
    "key generate": (("key", "generate", "--key-out"), (), ".pem", None, False, KEY_EXISTS),
    "key generate --public-out": (("key", "generate", "--key-out", "NEW", "--public-out"), (),
                                  ".pub", None, False, OTHER_EXISTS),
    "key add": (("key", "add", "--holder", "某", "--authority", "长沙市纪委监委",
                 "--authority-kind", "discipline", "--generate-for-holder", "--key-out"), (),
                ".pem", "root", False, KEY_EXISTS),
    "key rotate": (("key", "rotate", "--key-out"), (), ".pem", "recorder", False, KEY_EXISTS),
    "key recover": (("key", "recover", "--key-out"), (), ".pem", "recovery", False, KEY_EXISTS),
    "key add-recovery": (("key", "add-recovery", "--key-out"), (), ".pem", "root", False,
                         KEY_EXISTS),
    "init": (("--db", "NEWDB", "init", "--holder", "某", "--authority", "湖南省委组织部",
              "--key-out"), (), ".pem", None, False, KEY_EXISTS),
}  # fmt: skip


def _prepared(ledger: CliLedger, tmp_path: Path) -> None:
    """A decided case C1 under a checkpoint: every writer has something to write."""
    decided(ledger)
    ledger.ok("checkpoint", key=ledger.root)
    (tmp_path / "in.jsonl").write_text(
        '{"command": "cadre retire", "personnel_no": "P404", "on": "2023-01-01"}\n'
    )


def _run_writer(
    ledger: CliLedger, tmp_path: Path, writer: str, target: Path, force: bool
) -> tuple[int, str, str]:
    before, after, _, key, _, _ = WRITERS[writer]
    replace = {"IN": str(tmp_path / "in.jsonl"), "NEW": str(tmp_path / "fresh.pem"),
               "NEWDB": str(tmp_path / "fresh.db")}  # fmt: skip
    args = [replace.get(a, a) for a in (*before, str(target), *after)]
    keys = {"root": ledger.root, "recorder": ledger.recorder,
            "recovery": ledger.root.with_name("root.recovery.pem")}  # fmt: skip
    extra = ("--force",) if force else ()
    chosen = keys[key] if key else None
    # init runs on a database of its own; the others on the test ledger
    on_own_db = args[0] == "--db"
    result = invoke([*args, *extra]) if on_own_db else ledger.run(*args, *extra, key=chosen)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("writer", list(WRITERS))
def test_no_command_writes_over_the_ledger_a_key_file_or_an_existing_file(
    ledger: CliLedger, tmp_path: Path, writer: str
) -> None:
    _prepared(ledger, tmp_path)
    suffix, takes_force, exists = WRITERS[writer][2], WRITERS[writer][4], WRITERS[writer][5]
    ledger_link = tmp_path / f"ledger-link{suffix}"
    ledger_link.symlink_to(ledger.db)
    key_copy = tmp_path / f"key-copy{suffix}"
    key_copy.write_bytes(ledger.recorder.read_bytes())
    kept = tmp_path / f"kept{suffix}"
    kept.write_text("keep me")
    is_key_command = exists == KEY_EXISTS
    cases = [
        (ledger_link, False, exists if is_key_command else (
            f"Error: {ledger_link} is the ledger's database; no command overwrites it, not even "
            "with --force\n")),
        (key_copy, False, exists if is_key_command else (
            f"Error: {key_copy} is a key file; no command overwrites a key file, not even with "
            "--force\n")),
        (kept, False, exists),
    ]  # fmt: skip
    if takes_force:
        cases += [(ledger_link, True, cases[0][2]), (key_copy, True, cases[1][2])]
    db_before, events_before = _digest(ledger.db), ledger.event_count()
    for target, force, message in cases:
        content = target.read_bytes()
        code, stdout, stderr = _run_writer(ledger, tmp_path, writer, target, force)
        assert (code, stdout, stderr) == (1, "", message.format(path=target)), (target, force)
        assert target.read_bytes() == content
    assert (_digest(ledger.db), ledger.event_count()) == (db_before, events_before)
    assert not (tmp_path / "fresh.db").exists()
    assert not (tmp_path / "fresh.pem").exists()


def test_on_either_store_an_export_never_replaces_a_key_file_and_a_file_only_with_force(
    app: LedgerApplication, store_url: str, root_signer: Signer, tmp_path: Path
) -> None:
    key = tmp_path / "root.pem"
    root_signer.save(key, "passphrase")
    kept = tmp_path / "kept.bundle"
    kept.write_text("keep me")
    size = app.recorder.max_notification_id()
    key_bytes = key.read_bytes()
    for target, extra, message in (
        (key, ("--force",), f"{key} is a key file; no command overwrites a key file, not even "
                            "with --force"),
        (kept, (), f"{kept} already exists; give --force to overwrite it"),
    ):  # fmt: skip
        result = invoke(["--db", store_url, "bundle", "export", str(target), *extra])
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert (key.read_bytes(), kept.read_text()) == (key_bytes, "keep me")
    assert app.recorder.max_notification_id() == size
    forced = invoke(["--db", store_url, "bundle", "export", str(kept), "--force"])
    assert forced.exit_code == 0, forced.output
    assert kept.read_text() != "keep me"


def test_the_demo_never_writes_its_documents_over_the_ledger_or_an_earlier_file(
    ledger: CliLedger, tmp_path: Path
) -> None:
    db = tmp_path / "demo.db"
    decision = tmp_path / "demo-decision-CS-2023-015-P2001.docx"
    decision.symlink_to(ledger.db)
    before = _digest(ledger.db)
    result = invoke(["--db", str(db), "demo"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {decision} already exists; remove it (from an earlier demo) or give another --db\n"
    )
    assert _digest(ledger.db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [decision.name, "ledger.db"]
