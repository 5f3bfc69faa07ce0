"""The recovery key (issue 13, point 8): made at ``init`` and kept offline, it alone (besides
the root itself) replaces the root key; it signs nothing else, only it replaces itself, and no
key revokes it. ``verify`` replays the registry through the same rules
(:mod:`ledger.domain.keys`), so a registry event that breaks them fails, named by position
and rule. On both stores; nothing is written on a refusal."""

from __future__ import annotations

from scenarios import refused

from ledger.application import LedgerApplication
from ledger.audit.verify import Check, verify_store
from ledger.domain import ids
from ledger.domain.keys import KeyRegistry
from ledger.domain.regulation import AdminLevel, AuthorityKind, KeyRole, UnitKind
from ledger.errors import KeyManagementError
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoints import make_checkpoint


def _with_recovery(app: LedgerApplication, root: Signer) -> Signer:
    """The ``app`` ledger (made without one, as before recovery keys) given its recovery key."""
    recovery = Signer.generate()
    app.signer = root
    app.add_recovery_key(recovery.public_raw)
    return recovery


def _admin(app: LedgerApplication, root: Signer) -> Signer:
    admin = Signer.generate()
    app.signer = root
    app.add_key(admin.public_raw, "管理员乙", "湖南省委组织部", AuthorityKind.ORGANISATION,
                KeyRole.ADMIN)  # fmt: skip
    return admin


def _registry_failures(app: LedgerApplication) -> list[tuple[Check, int | None, str | None, str]]:
    result = verify_store(app)
    return [
        (f.check, f.position, f.record, f.message)
        for f in result.failures
        if f.record == "key registry"
    ]


def test_a_ledger_without_a_recovery_key_verifies_and_the_root_adds_one(
    app: LedgerApplication, root_signer: Signer
) -> None:
    assert verify_store(app).ok
    assert app.registry().recovery is None
    recovery = _with_recovery(app, root_signer)
    standing = app.registry().recovery
    assert standing is not None and standing.key_id == recovery.key_id.hex()
    assert standing.holder == "省委组织部管理员 (recovery key)"
    assert verify_store(app).ok


def test_only_the_root_registers_a_recovery_key_and_only_one(
    app: LedgerApplication, root_signer: Signer
) -> None:
    admin = _admin(app, root_signer)
    app.signer = admin
    with refused(app, KeyManagementError, "key management") as info:
        app.add_recovery_key(Signer.generate().public_raw)
    assert str(info.value) == (
        f"signer key {admin.key_id.hex()} is not the root key {root_signer.key_id.hex()}; only "
        "the root registers the recovery key (key management: recovery key registered by the "
        "root only)"
    )
    recovery = _with_recovery(app, root_signer)
    with refused(app, KeyManagementError, "key management") as info:
        app.add_recovery_key(Signer.generate().public_raw)
    assert str(info.value) == (
        f"the recovery key {recovery.key_id.hex()} is active; it is replaced only by itself "
        "(`key rotate` signed with the recovery key) (key management: one recovery key at a "
        "time)"
    )


def test_the_recovery_key_replaces_a_lost_root_and_the_old_root_is_refused(
    app: LedgerApplication, root_signer: Signer
) -> None:
    recovery = _with_recovery(app, root_signer)
    fingerprint = app.root_fingerprint()
    app.signer = recovery
    new_root = Signer.generate()
    assert app.replace_root(new_root.public_raw) == new_root.key_id.hex()
    registry = app.registry()
    assert registry.root == new_root.key_id.hex()
    assert registry.record(root_signer.key_id.hex()).status == "rotated"
    assert app.root_fingerprint() == fingerprint  # the ledger auditors pinned is the same
    # the new root signs checkpoints and key changes
    app.signer = new_root
    make_checkpoint(app, new_root)
    app.add_key(Signer.generate().public_raw, "纪检干部丙", "长沙市纪委监委",
                AuthorityKind.DISCIPLINE, KeyRole.RECORDER)  # fmt: skip
    # the old root (in a thief's hands, say) signs nothing more
    app.signer = root_signer
    with refused(app, KeyManagementError, "key management") as info:
        app.add_key(Signer.generate().public_raw, "冒名者", "湖南省委组织部",
                    AuthorityKind.ORGANISATION, KeyRole.ADMIN)  # fmt: skip
    assert str(info.value) == (
        f"signer key {root_signer.key_id.hex()} (省委组织部管理员) was rotated and may not sign "
        "(key management: rotated key) Use the key that replaced it or ask for a new one."
    )
    result = verify_store(app)
    assert result.ok, [f.describe() for f in result.failures]


def test_the_recovery_key_signs_nothing_but_root_replacements(
    app: LedgerApplication, root_signer: Signer, discipline_signer: Signer
) -> None:
    recovery = _with_recovery(app, root_signer)
    app.signer = recovery
    rule = (
        f"signer key {recovery.key_id.hex()} is the recovery key; it may only replace the root "
        "key or itself (key management: recovery key signs root replacements only)"
    )
    with refused(app, KeyManagementError, "key management") as info:
        app.add_unit("CS-GOV", "长沙市某县人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    assert str(info.value) == rule
    with refused(app, KeyManagementError, "key management") as info:
        app.add_key(Signer.generate().public_raw, "x", "y", AuthorityKind.ORGANISATION,
                    KeyRole.ADMIN)  # fmt: skip
    assert "(key management: admin role required)" in str(info.value)
    with refused(app, KeyManagementError, "key management") as info:
        app.rotate_key(discipline_signer.key_id.hex(), Signer.generate().public_raw)
    assert "(key management: admin role required)" in str(info.value)
    with refused(app, KeyManagementError, "key management") as info:
        app.revoke_key(discipline_signer.key_id.hex(), "x")
    assert "(key management: admin role required)" in str(info.value)
    with refused(app, KeyManagementError, "key management") as info:
        make_checkpoint(app, recovery)
    assert "(key management: admin role required)" in str(info.value)


def test_only_the_recovery_key_replaces_itself_and_no_key_revokes_it(
    app: LedgerApplication, root_signer: Signer
) -> None:
    recovery = _with_recovery(app, root_signer)
    rec_id = recovery.key_id.hex()
    admin = _admin(app, root_signer)
    for signer in (root_signer, admin):
        app.signer = signer
        with refused(app, KeyManagementError, "key management") as info:
            app.rotate_key(rec_id, Signer.generate().public_raw)
        assert str(info.value) == (
            f"signer key {signer.key_id.hex()} may not rotate the recovery key {rec_id}; only "
            "the recovery key itself may replace it (key management: recovery key replaced by "
            "itself only)"
        )
        with refused(app, KeyManagementError, "key management") as info:
            app.revoke_key(rec_id, "遗失")
        assert str(info.value) == (
            f"the recovery key {rec_id} cannot be revoked; only the recovery key itself "
            "replaces it (key management: recovery key not revocable)"
        )
    app.signer = recovery
    second = Signer.generate()
    app.rotate_key(rec_id, second.public_raw)
    standing = app.registry().recovery
    assert standing is not None and standing.key_id == second.key_id.hex()
    assert verify_store(app).ok


def _forged_root_rotation(app: LedgerApplication, signer: Signer) -> tuple[int, str]:
    """What an insider holding a valid admin key could append, bypassing the commands: a
    rotation of the root to a key of their own, signed by their admin key and saved through
    the application (so the stored row, its signature and Merkle leaf are all genuine).
    Returns its log position (counted from 0, as verify names it) and the forged key id."""
    registry = app.repository.get(ids.REGISTRY_ID)
    assert isinstance(registry, KeyRegistry)
    forged = Signer.generate()
    registry._rotated(registry.root, forged.key_id.hex(), forged.public_raw.hex())
    positions = 0
    start = 0
    while page := app.recorder.select_notifications(start, 1000, inclusive_of_start=False):
        positions += len(page)
        start = page[-1].id
    app.signer = signer
    app.save(registry)
    return positions, forged.key_id.hex()


def test_a_forged_root_replacement_signed_by_an_admin_fails_verify_naming_position_and_rule(
    app: LedgerApplication, root_signer: Signer
) -> None:
    admin = _admin(app, root_signer)
    position, _ = _forged_root_rotation(app, admin)
    root = root_signer.key_id.hex()
    assert _registry_failures(app) == [
        (
            Check.AUTHORISATION,
            position,
            "key registry",
            f"signer key {admin.key_id.hex()} may not rotate the root key {root}; only the root "
            "key itself or the recovery key may replace it (key management: root replaced by "
            "the root or the recovery key only); the key change is ignored",
        )
    ]
    assert not verify_store(app).ok


def test_the_root_still_rotates_itself(app: LedgerApplication, root_signer: Signer) -> None:
    _with_recovery(app, root_signer)
    app.signer = root_signer
    new_root = Signer.generate()
    app.replace_root(new_root.public_raw)
    assert app.registry().root == new_root.key_id.hex()
    app.signer = new_root
    app.add_unit("CS-GOV", "长沙市某县人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    assert verify_store(app).ok
