"""Offline bundles: exported from either store, verified with no database; edits are caught."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from verify_support import bulk_cases, found, record_case

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.bundle import BUNDLE_FORMAT, BUNDLE_VERSION, export_bundle, verify_bundle
from ledger.audit.verify import Check, VerificationResult
from ledger.errors import AlreadyExistsError, InvalidInputError
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoints import make_checkpoint

CASE = "湘纪追〔2024〕7号"


@pytest.fixture
def bundle(app: LedgerApplication, root_signer: Signer, tmp_path: Path) -> Path:
    """A ledger with a case, bulk events and two checkpoints, exported."""
    record_case(app, CASE)
    make_checkpoint(app, root_signer)
    bulk_cases(app, 120)
    make_checkpoint(app, root_signer)
    record_case(app, "湘纪追〔2024〕8号", "P002")  # after the last checkpoint
    path = tmp_path / "ledger.bundle.jsonl"
    export_bundle(app, path)
    return path


def lines_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def write_lines(path: Path, lines: list[dict[str, object]]) -> Path:
    out = path.with_name("edited.jsonl")
    out.write_bytes(b"".join(json.dumps(x, ensure_ascii=False).encode() + b"\n" for x in lines))
    return out


def check(path: Path, root: Signer) -> VerificationResult:
    return verify_bundle(path, root.fingerprint)


def test_a_bundle_exported_from_either_store_verifies_offline(
    bundle: Path, root_signer: Signer, app: LedgerApplication
) -> None:
    app.close()  # no database is touched from here on
    result = check(bundle, root_signer)
    assert result, result.summary()
    assert result.events == result.tree_size == result.signatures
    assert result.checkpoints == 2 and result.latest_checkpoint == result.events - 8
    lines = lines_of(bundle)
    assert lines[0]["kind"] == "header"
    assert lines[0]["format"] == BUNDLE_FORMAT and lines[0]["version"] == BUNDLE_VERSION
    assert lines[-1] == {
        "kind": "end", "events": result.events, "leaves": result.events, "checkpoints": 2,
        "cosignatures": 0,
    }  # fmt: skip
    kinds = [x["kind"] for x in lines]
    assert kinds.count("consistency") == 1
    first = next(x for x in lines if x["kind"] == "event")
    assert first["position"] == 0 and first["topic"] == "ledger.keys:KeyRegistry.Created"
    assert base64.b64decode(str(first["state"])).startswith(b"LLS1")


def test_exporting_over_an_existing_file_is_refused(bundle: Path, app: LedgerApplication) -> None:
    with pytest.raises(AlreadyExistsError):
        export_bundle(app, bundle)


def test_a_byte_changed_in_a_bundle_event_is_reported_at_its_position(
    bundle: Path, root_signer: Signer
) -> None:
    lines = lines_of(bundle)
    target = next(
        x for x in lines if x["kind"] == "event" and str(x["topic"]).endswith(".DecisionIssued")
    )
    state = bytearray(base64.b64decode(str(target["state"])))
    state[-30] ^= 0x20
    target["state"] = base64.b64encode(bytes(state)).decode()
    result = check(write_lines(bundle, lines), root_signer)
    position = int(str(target["position"]))
    assert found(result) == {("signature", position), ("leaf", position), ("checkpoint", None)}
    assert {f.case_no for f in result.failures if f.position is not None} == {CASE}


def test_an_event_line_removed_from_a_bundle_is_reported(bundle: Path, root_signer: Signer) -> None:
    lines = lines_of(bundle)
    index = next(
        i for i, x in enumerate(lines)
        if x["kind"] == "event" and str(x["topic"]).endswith(".DefenceHeard")
    )  # fmt: skip
    position = int(str(lines[index]["position"]))
    del lines[index]
    result = check(write_lines(bundle, lines), root_signer)
    checks = found(result)
    assert ("leaf", position) in checks  # its leaf is still in the bundle
    assert ("version", position) in checks  # the case's next event follows a gap
    assert ("format", None) in checks  # the end line's count no longer matches
    events = sum(1 for x in lines if x["kind"] == "event")
    assert [f.message for f in result.failures if "lines were" in f.message] == [
        f"the bundle holds {events} events, but its end line says {events + 1}: lines were "
        "removed or added"
    ]
    assert (position, f"the bundle numbers this event {position + 1}, but it is at position "
            f"{position}") in [(f.position, f.message) for f in result.failures]  # fmt: skip


def test_a_checkpoint_edited_in_a_bundle_is_reported(bundle: Path, root_signer: Signer) -> None:
    lines = lines_of(bundle)
    cp = next(x for x in lines if x["kind"] == "checkpoint")
    note = str(cp["note"]).split("\n")
    size, root = int(note[1]), note[2]
    note[1] = str(size - 1)  # claim a smaller tree under the same signature
    cp["note"] = "\n".join(note)
    result = check(write_lines(bundle, lines), root_signer)
    messages = [f.message for f in result.failures if f.check is Check.CHECKPOINT]
    assert messages == [
        f"the stored size/root ({size}, {root}) differ from the signed note ({size - 1}, {root}): "
        "the row was edited",
        f"the checkpoint is not signed by an admin key valid at size {size - 1}: a known key's "
        "signature does not verify",
    ]


def test_a_consistency_proof_edited_in_a_bundle_is_reported(
    bundle: Path, root_signer: Signer
) -> None:
    lines = lines_of(bundle)
    proof = next(x for x in lines if x["kind"] == "consistency")
    nodes = list(proof["proof"])  # type: ignore[call-overload]
    nodes[0] = base64.b64encode(b"\x07" * 32).decode()
    proof["proof"] = nodes
    result = check(write_lines(bundle, lines), root_signer)
    assert found(result) == {("consistency", None)}
    assert "are not one history" in result.failures[0].message


def test_a_truncated_bundle_and_a_foreign_root_are_reported(
    bundle: Path, root_signer: Signer
) -> None:
    lines = lines_of(bundle)
    result = check(write_lines(bundle, lines[:-40]), root_signer)
    assert not result
    assert "the bundle has no end line: it was truncated" in [f.message for f in result.failures]
    pinned = Signer.generate().fingerprint
    foreign = verify_bundle(bundle, pinned)
    assert [f.message for f in foreign.failures if f.check is Check.KEY] == [
        f"the root key's fingerprint is {root_signer.fingerprint}, not the pinned {pinned}: this "
        "is not the ledger you trust (everything below is relative to that other root)"
    ]


def test_a_file_that_is_not_a_bundle_is_refused(tmp_path: Path, root_signer: Signer) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(InvalidInputError, match="not a lifeledger bundle"):
        verify_bundle(path, root_signer.fingerprint)


def test_bundle_commands_export_and_verify(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    record_case(app, CASE)
    make_checkpoint(app, root_signer)
    runner = CliRunner()
    out = tmp_path / "b.jsonl"
    db = ["--db", app.store.url]
    exported = runner.invoke(cli, [*db, "--json", "bundle", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["events"] == 15
    ok = runner.invoke(
        cli, ["bundle", "verify", str(out), "--root-fingerprint", root_signer.fingerprint]
    )
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.stdout.splitlines()[0]
    lines = lines_of(out)
    for x in lines:
        if x["kind"] == "event" and str(x["topic"]).endswith(".Closed"):
            x["topic"] = str(x["topic"]).replace(".Closed", ".Opened")
    edited = write_lines(out, lines)
    bad = runner.invoke(
        cli, ["bundle", "verify", str(edited), "--root-fingerprint", root_signer.fingerprint]
    )
    assert bad.exit_code == 1
    assert (
        "[signature] position 14, case 湘纪追〔2024〕7号, AccountabilityCase.Opened v8"
        in bad.stdout
    )
    missing = runner.invoke(cli, ["bundle", "verify", str(out)])
    assert missing.exit_code == 2  # --root-fingerprint is required
    not_bundle = runner.invoke(
        cli, ["bundle", "verify", __file__, "--root-fingerprint", root_signer.fingerprint]
    )
    assert not_bundle.exit_code == 1 and "Error:" in not_bundle.output
