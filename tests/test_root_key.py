"""The root key (issue 13, point 8): no admin key may revoke it or rotate it; the root alone
replaces itself. On both stores, nothing written on a refusal."""

from __future__ import annotations

from scenarios import refused

from ledger.application import LedgerApplication
from ledger.domain.regulation import AuthorityKind, KeyRole
from ledger.errors import KeyManagementError
from ledger.signing.signatures import Signer


def _second_admin(app: LedgerApplication, root_signer: Signer) -> Signer:
    admin = Signer.generate()
    app.signer = root_signer
    app.add_key(admin.public_raw, "管理员乙", "湖南省委组织部", AuthorityKind.ORGANISATION,
                KeyRole.ADMIN)  # fmt: skip
    app.signer = admin
    return admin


def test_no_admin_key_may_revoke_the_root(app: LedgerApplication, root_signer: Signer) -> None:
    _second_admin(app, root_signer)
    root = root_signer.key_id.hex()
    with refused(app, KeyManagementError, "key management") as info:
        app.revoke_key(root, "被盗用")
    assert str(info.value) == (
        f"the root key {root} cannot be revoked by an admin key; the root key replaces itself "
        "with `key rotate` (key management: root not revocable)"
    )


def test_no_admin_key_may_rotate_the_root_but_the_root_may(
    app: LedgerApplication, root_signer: Signer
) -> None:
    admin = _second_admin(app, root_signer)
    root = root_signer.key_id.hex()
    with refused(app, KeyManagementError, "key management") as info:
        app.rotate_key(root, Signer.generate().public_raw)
    assert str(info.value) == (
        f"signer key {admin.key_id.hex()} may not rotate the root key {root}; only the root key "
        "itself or the recovery key may replace it (key management: root replaced by the root "
        "or the recovery key only)"
    )
    app.signer = root_signer
    new_root = Signer.generate()
    new_id = app.rotate_key(root, new_root.public_raw)
    assert app.registry().root == new_id
    app.signer = admin
    with refused(app, KeyManagementError, "key management"):
        app.revoke_key(new_id, "被盗用")
