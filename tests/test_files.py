"""Files (issue 13, point 6): no command overwrites an existing file without --force, and none
overwrites the ledger's database or a key file, even with --force."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cli_support import CliLedger, ledger, opened, template

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
