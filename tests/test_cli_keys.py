"""`lifeledger key ...`: registering, rotating, revoking and listing signer keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import NEW_PASS, OPEN, PASS, CliLedger, invoke, ledger, template

from ledger.signing.signatures import Signer

__all__ = ["ledger", "template"]


def _add(ledger: CliLedger, out: Path, *extra: str, key: Path | None = None) -> dict[str, object]:
    data: dict[str, object] = ledger.json(
        "key", "add", "--holder", "纪检干部丙", "--authority", "长沙市纪委监委",
        "--authority-kind", "discipline", "--generate-for-holder", "--key-out", str(out),
        *extra, key=key or ledger.root,
    )  # fmt: skip
    return data


def test_an_admin_registers_a_new_recorder_key(ledger: CliLedger, tmp_path: Path) -> None:
    out = tmp_path / "new.pem"
    data = _add(ledger, out)
    assert sorted(data) == [
        "authority", "authority_kind", "fingerprint", "holder", "key_file", "key_id",
        "public_key", "replaced_by", "role", "status",
    ]  # fmt: skip
    assert data["role"] == "recorder" and data["status"] == "active"
    assert out.exists()
    # the new key opens with the new passphrase and may record
    result = ledger.run("case", "open", "K1", *OPEN, key=out,
                        env={"LIFELEDGER_PASSPHRASE": NEW_PASS})  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_recorder_key_may_not_register_keys(ledger: CliLedger, tmp_path: Path) -> None:
    out = tmp_path / "new.pem"
    err = ledger.refused(
        "key", "add", "--holder", "x", "--authority", "y", "--authority-kind", "discipline",
        "--generate-for-holder", "--key-out", str(out),
    )  # fmt: skip
    key_id = Signer.load(ledger.recorder, PASS).key_id.hex()[:16]
    assert err == (
        f"Error: signer key {key_id} (纪检干部甲) has role recorder; only an admin key registers, "
        "rotates or revokes keys (key management: admin role required)\n"
    )
    assert not out.exists()


def test_key_add_refuses_to_overwrite_a_file(ledger: CliLedger, tmp_path: Path) -> None:
    out = tmp_path / "taken.pem"
    out.write_text("x")
    err = ledger.refused(
        "key", "add", "--holder", "x", "--authority", "y", "--authority-kind", "discipline",
        "--generate-for-holder", "--key-out", str(out), key=ledger.root,
    )  # fmt: skip
    assert err == f"Error: key file {out} already exists; refusing to overwrite it\n"


def test_a_holder_rotates_their_own_key(ledger: CliLedger, tmp_path: Path) -> None:
    out = tmp_path / "rotated.pem"
    result = ledger.run("--json", "key", "rotate", "--key-out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["old_key_id"] != data["key_id"]
    assert result.stderr == f"Sign with the new key from now on: export LIFELEDGER_KEY={out}\n"
    # the old key may sign no more; the new one may
    err = ledger.refused("case", "open", "K1", *OPEN)
    assert f"signer key {data['old_key_id']} (纪检干部甲) was rotated and may not sign" in err
    ok = ledger.run("case", "open", "K1", *OPEN, key=out, env={"LIFELEDGER_PASSPHRASE": NEW_PASS})
    assert ok.exit_code == 0, ok.output


def test_an_admin_rotates_someone_elses_key_by_id_prefix(ledger: CliLedger, tmp_path: Path) -> None:
    keys = ledger.json("key", "list", key=None)["keys"]
    petition = next(k["key_id"] for k in keys if k["authority_kind"] == "petition")
    data = ledger.json("key", "rotate", "--key-id", petition[:8], "--key-out",
                       str(tmp_path / "p2.pem"), key=ledger.root)  # fmt: skip
    assert data["old_key_id"] == petition
    assert data["holder"] == "信访干部乙"


def test_a_recorder_may_not_rotate_someone_elses_key(ledger: CliLedger, tmp_path: Path) -> None:
    keys = ledger.json("key", "list", key=None)["keys"]
    petition = next(k["key_id"] for k in keys if k["authority_kind"] == "petition")
    err = ledger.refused("key", "rotate", "--key-id", petition, "--key-out",
                         str(tmp_path / "x.pem"))  # fmt: skip
    assert "only an admin key registers, rotates or revokes keys" in err
    assert not (tmp_path / "x.pem").exists()


def test_revoking_a_key_stops_it_signing(ledger: CliLedger) -> None:
    keys = ledger.json("key", "list", key=None)["keys"]
    recorder = next(k["key_id"] for k in keys if k["authority_kind"] == "discipline")
    result = ledger.ok("key", "revoke", recorder, "--reason", "key lost", key=ledger.root)
    assert result.stdout == f"Key {recorder} of 纪检干部甲 revoked: key lost\n"
    err = ledger.refused("case", "open", "K1", *OPEN)
    assert f"signer key {recorder} (纪检干部甲) was revoked and may not sign" in err
    listed = {k["key_id"]: k for k in ledger.json("key", "list", key=None)["keys"]}
    assert listed[recorder]["status"] == "revoked"
    assert listed[recorder]["reason"] == "key lost"


def test_a_key_cannot_revoke_itself(ledger: CliLedger) -> None:
    root = ledger.json("key", "list", key=None)["keys"][0]["key_id"]
    err = ledger.refused("key", "revoke", root, "--reason", "x", key=ledger.root)
    assert err == (
        "Error: a key cannot revoke itself; another admin key must sign the revocation "
        "(key management: no self-revocation)\n"
    )


def test_revoking_an_unknown_key(ledger: CliLedger) -> None:
    err = ledger.refused("key", "revoke", "ffff0000", "--reason", "x", key=ledger.root)
    assert err == (
        "Error: no signer key ffff0000 is registered in this ledger; see `lifeledger key list`\n"
    )


def test_key_list_shows_the_root_fingerprint_and_every_key(ledger: CliLedger) -> None:
    data = ledger.json("key", "list", key=None)
    assert len(data["root_fingerprint"]) == 64
    assert [(k["holder"], k["role"]) for k in data["keys"]] == [
        ("省委组织部管理员", "admin"), ("省委组织部管理员 (recovery key)", "recovery"),
        ("纪检干部甲", "recorder"), ("信访干部乙", "recorder"),
    ]  # fmt: skip
    assert sorted(data["keys"][0]) == [
        "authority", "authority_kind", "authority_kind_label", "ended_at", "holder", "key_id",
        "reason", "registered_at", "replaced_by", "role", "role_label", "status", "status_label",
    ]  # fmt: skip
    text = ledger.ok("key", "list", key=None).stdout
    assert text.startswith(f"Root fingerprint: {data['root_fingerprint']}\n")
    assert "信访工作机构" in text


def test_a_wrong_passphrase_is_an_error_not_a_traceback(ledger: CliLedger) -> None:
    err = ledger.refused("key", "revoke", "ffff", "--reason", "x", key=ledger.root,
                         env={"LIFELEDGER_PASSPHRASE": PASS + "!"})  # fmt: skip
    assert err == (
        f"Error: cannot open key file {ledger.root}: wrong passphrase or not a private key\n"
    )


def test_a_new_key_needs_its_own_passphrase_when_not_on_a_terminal(
    ledger: CliLedger, tmp_path: Path
) -> None:
    err = ledger.refused(
        "key", "add", "--holder", "x", "--authority", "y", "--authority-kind", "discipline",
        "--generate-for-holder", "--key-out", str(tmp_path / "k.pem"), key=ledger.root,
        env={"LIFELEDGER_NEW_PASSPHRASE": None},
    )  # fmt: skip
    assert err == (
        "Warning: this makes the holder's private key on your machine, so you have held a copy "
        "of it; the holder should make their own with `lifeledger key generate`\n"
        "Error: no passphrase: set LIFELEDGER_NEW_PASSPHRASE or run on a terminal\n"
    )


# the holder makes their own key ------------------------------------------------------------------
def test_the_holder_makes_the_key_and_the_admin_registers_only_the_public_key(
    ledger: CliLedger, tmp_path: Path
) -> None:
    private = tmp_path / "holder" / "own.pem"
    made = ledger.json("key", "generate", "--key-out", str(private), key=None)
    public = Path(made["public_key_file"])
    assert public == private.with_name("own.pem.pub")
    assert b"PRIVATE" not in public.read_bytes()
    before = ledger.event_count()
    added = ledger.json("key", "add", "--holder", "纪检干部丁", "--authority", "长沙市纪委监委",
                        "--authority-kind", "discipline", "--public-key", str(public),
                        key=ledger.root)  # fmt: skip
    assert (added["key_id"], added["fingerprint"]) == (made["key_id"], made["fingerprint"])
    assert added["key_file"] is None
    assert ledger.event_count() == before + 1
    ledger.ok("unit", "add", "CS-NEW", "--name", "新单位", "--kind", "administrative",
              "--level", "county", key=private,
              env={"LIFELEDGER_PASSPHRASE": NEW_PASS})  # fmt: skip


def test_key_add_without_a_public_key_or_the_explicit_option_is_bad_usage(
    ledger: CliLedger, tmp_path: Path
) -> None:
    before = ledger.event_count()
    for extra in ((), ("--key-out", str(tmp_path / "k.pem"))):
        result = ledger.run("key", "add", "--holder", "x", "--authority", "y",
                            "--authority-kind", "discipline", *extra, key=ledger.root)  # fmt: skip
        assert result.exit_code == 2, result.output
    assert (
        "Error: give the holder's --public-key FILE"
        in ledger.run(
            "key",
            "add",
            "--holder",
            "x",
            "--authority",
            "y",
            "--authority-kind",
            "discipline",
            key=ledger.root,
        ).stderr
    )
    assert not (tmp_path / "k.pem").exists()
    assert ledger.event_count() == before


def test_an_empty_output_path_for_a_new_key_is_bad_usage_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["key", "generate", "--key-out", ""])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith(
        "Error: Invalid value for '--key-out': an empty path names no file\n"
    )
    assert list(tmp_path.iterdir()) == []
