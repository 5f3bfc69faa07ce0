"""The README's "Recovering a lost root key", performed step by step through the CLI on both
stores (issue 13, point 8): init makes the recovery key and says to move it offline; the root
key file is lost; the recovery key replaces the root; the new root signs checkpoints and key
changes; the old root key is refused; `verify` is OK with the fingerprint unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli_support import NEW_PASS, PASS, invoke

RECOVERY_PASS = "kept in the safe with the key"


def _ok(*args: str, env: dict[str, str | None] | None = None) -> str:
    result = invoke(list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_lost_root_key_is_replaced_with_the_recovery_key_as_the_readme_says(
    store_url: str, tmp_path: Path
) -> None:
    db = ["--db", store_url]
    root, offline = tmp_path / "root.pem", tmp_path / "safe"
    offline.mkdir()
    created = invoke([*db, "--json", "init", "--holder", "刘敏（密钥管理员）", "--authority",
                      "湖南省委组织部", "--key-out", str(root)],
                     env={"LIFELEDGER_RECOVERY_PASSPHRASE": RECOVERY_PASS})  # fmt: skip
    assert created.exit_code == 0, created.output
    init = json.loads(created.stdout)
    recovery = tmp_path / "root.recovery.pem"
    assert init["recovery_key_file"] == str(recovery)
    assert (recovery.stat().st_mode & 0o777) == 0o600
    assert (
        f"Move {recovery} offline now (removable media in a safe) and delete it here: it alone "
        "can replace a lost or stolen root key (`lifeledger key recover`)."
    ) in created.stderr
    shutil.move(recovery, offline / recovery.name)  # 1. the recovery key goes to the safe
    stolen = tmp_path / "old-root-copy.pem"
    shutil.copyfile(root, stolen)  # (a copy, to show the old root is refused afterwards)
    root.unlink()  # the root key file is lost

    # 2. the recovery key replaces the root
    recovered = invoke([*db, "--key", str(offline / recovery.name), "--json", "key", "recover",
                        "--key-out", str(tmp_path / "root-2.pem")],
                       env={"LIFELEDGER_PASSPHRASE": RECOVERY_PASS})  # fmt: skip
    assert recovered.exit_code == 0, recovered.output
    data = json.loads(recovered.stdout)
    assert data["old_key_id"] == init["root_key_id"]
    assert data["root_fingerprint"] == init["root_fingerprint"]
    new_root = ["--key", str(tmp_path / "root-2.pem")]
    new_root_env: dict[str, str | None] = {"LIFELEDGER_PASSPHRASE": NEW_PASS}

    # 3. the new root signs checkpoints and key changes
    _ok(*db, *new_root, "checkpoint", "make", env=new_root_env)
    _ok("key", "generate", "--key-out", str(tmp_path / "chenfeng.pem"))
    _ok(*db, *new_root, "key", "add", "--holder", "陈峰", "--authority", "长沙市纪委监委",
        "--authority-kind", "discipline", "--public-key", str(tmp_path / "chenfeng.pem.pub"),
        env=new_root_env)  # fmt: skip

    # 4. the old root key is refused; verify is OK; the pinned fingerprint is unchanged
    refused = invoke([*db, "--key", str(stolen), "key", "add", "--holder", "冒名者",
                      "--authority", "湖南省委组织部", "--authority-kind", "organisation",
                      "--role", "admin", "--public-key", str(tmp_path / "chenfeng.pem.pub")],
                     env={"LIFELEDGER_PASSPHRASE": PASS})  # fmt: skip
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: signer key {init['root_key_id']} (刘敏（密钥管理员）) was rotated and may not "
        "sign (key management: rotated key) Use the key that replaced it or ask for a new "
        "one.\n"
    )
    verified = invoke([*db, "--json", "verify", "--root-fingerprint", init["root_fingerprint"]])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["ok"] is True
    keys = json.loads(_ok(*db, "--json", "key", "list"))
    assert [(k["role"], k["status"]) for k in keys["keys"]] == [
        ("admin", "rotated"), ("recovery", "active"), ("admin", "active"),
        ("recorder", "active"),
    ]  # fmt: skip


def test_a_ledger_without_a_recovery_key_gets_one_from_its_root(
    store_url: str, tmp_path: Path
) -> None:
    """A ledger made before recovery keys (built through the library, without one) verifies,
    and `key add-recovery`, signed by its root, gives it one, once."""
    from conftest import new_ledger

    from ledger.signing.signatures import Signer

    root, recorder = Signer.generate(), Signer.generate()
    new_ledger(store_url, root, recorder).close()
    root.save(tmp_path / "root.pem", PASS)
    db = ["--db", store_url]
    assert json.loads(_ok(*db, "--json", "verify"))["ok"] is True
    out = tmp_path / "recovery.pem"
    added = invoke([*db, "--key", str(tmp_path / "root.pem"), "--json", "key", "add-recovery",
                    "--key-out", str(out)])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["key_file"] == str(out)
    again = invoke([*db, "--key", str(tmp_path / "root.pem"), "key", "add-recovery",
                    "--key-out", str(tmp_path / "second.pem")])  # fmt: skip
    assert again.exit_code == 1
    assert again.stderr.endswith("(key management: one recovery key at a time)\n")
    assert not (tmp_path / "second.pem").exists()
    assert json.loads(_ok(*db, "--json", "verify"))["ok"] is True
