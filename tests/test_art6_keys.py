"""Art. 6: accountability is carried out by discipline-inspection/supervision organs and
organisation/personnel departments (由纪检监察机关、组织人事部门负责实施), so only their keys
record it; and the signer keys themselves: registered by an admin key, rotated, revoked, with
validity judged by position in the log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scenarios import (
    CASE,
    DECIDED,
    HEARD,
    PERSON,
    UNIT_CODE,
    D,
    bring_to_hearing,
    decided_case,
    document,
    open_case,
    refused,
)

from ledger.application import LedgerApplication
from ledger.domain.regulation import AppealOutcome, AuthorityKind, KeyRole, Responsibility
from ledger.errors import KeyManagementError, NotAuthorisedError
from ledger.signing.signatures import Signer

KEY_MANAGEMENT = "key management"


@pytest.fixture
def reader(app: LedgerApplication) -> Iterator[LedgerApplication]:
    """A second application on the same store, with no signer and an empty key cache."""
    other = LedgerApplication(app.store)
    try:
        yield other
    finally:
        other.close()


# --- Art. 6: who may record accountability --------------------------------------------------


def test_a_petition_agency_key_cannot_open_a_case(
    app: LedgerApplication, petition_signer: Signer
) -> None:
    app.signer = petition_signer
    with refused(app, NotAuthorisedError, "Art. 6") as info:
        open_case(app)
    assert "信访工作机构" in str(info.value)


def test_a_petition_agency_key_cannot_decide_a_case(
    app: LedgerApplication, petition_signer: Signer
) -> None:
    open_case(app)
    bring_to_hearing(app)
    app.signer = petition_signer
    with refused(app, NotAuthorisedError, "Art. 6"):
        app.decide(CASE, PERSON, "P001", document())


def test_a_petition_agency_key_cannot_hear_assign_or_close(
    app: LedgerApplication, petition_signer: Signer
) -> None:
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, D(2024, 4, 2))
    app.signer = petition_signer
    with refused(app, NotAuthorisedError, "Art. 6"):
        app.assign(CASE, PERSON, "P002", Responsibility.DIRECT, D(2024, 4, 2))
    with refused(app, NotAuthorisedError, "Art. 6"):
        app.hear(CASE, PERSON, "P001", HEARD, "作了说明。")
    with refused(app, NotAuthorisedError, "Art. 6"):
        app.close_case(CASE, D(2024, 6, 1), "结案。")


def test_an_organisation_department_key_may_carry_out_accountability(
    app: LedgerApplication, root_signer: Signer
) -> None:
    app.signer = root_signer  # 湖南省委组织部, 组织人事部门
    open_case(app)
    assert app.case(CASE).opening_authority == "湖南省委组织部"
    assert AuthorityKind.ORGANISATION.may_hold_accountable
    assert AuthorityKind.DISCIPLINE.may_hold_accountable
    assert not AuthorityKind.PETITION.may_hold_accountable
    assert not AuthorityKind.AUDIT.may_hold_accountable


# --- key management -------------------------------------------------------------------------


def test_a_recorder_key_cannot_register_keys(app: LedgerApplication) -> None:
    with refused(app, KeyManagementError, KEY_MANAGEMENT) as info:
        app.add_key(
            Signer.generate().public_raw, "某人", "长沙市纪委监委", AuthorityKind.DISCIPLINE,
            KeyRole.RECORDER,
        )  # fmt: skip
    assert "admin" in str(info.value)


def test_a_recorder_key_cannot_revoke_or_rotate_another_key(
    app: LedgerApplication, petition_signer: Signer
) -> None:
    with refused(app, KeyManagementError, KEY_MANAGEMENT):
        app.revoke_key(petition_signer.key_id.hex(), "离岗")
    with refused(app, KeyManagementError, KEY_MANAGEMENT):
        app.rotate_key(petition_signer.key_id.hex(), Signer.generate().public_raw)


def test_an_unregistered_key_is_refused(app: LedgerApplication) -> None:
    app.signer = Signer.generate()
    with refused(app, KeyManagementError, KEY_MANAGEMENT) as info:
        open_case(app)
    assert "not registered" in str(info.value)


def test_a_rotated_key_can_no_longer_sign_and_its_earlier_events_still_read(
    app: LedgerApplication, discipline_signer: Signer, reader: LedgerApplication
) -> None:
    open_case(app)
    successor = Signer.generate()
    app.rotate_key(discipline_signer.key_id.hex(), successor.public_raw)  # the holder rotates
    with refused(app, KeyManagementError, KEY_MANAGEMENT) as info:
        bring_to_hearing(app)
    assert "rotated" in str(info.value)
    record = app.registry().record(discipline_signer.key_id.hex())
    assert record.status == "rotated"
    assert record.replaced_by == successor.key_id.hex()
    assert reader.case(CASE).opened_on == D(2024, 4, 1)
    app.signer = successor
    bring_to_hearing(app)
    assert reader.case(CASE).party(PERSON, "P001").hearings


def test_a_replacement_key_keeps_the_authority_so_it_decides_the_appeal(
    app: LedgerApplication, discipline_signer: Signer
) -> None:
    decided_case(app, decided_on=D(2025, 3, 3))
    app.receive(CASE, PERSON, "P001", D(2025, 3, 3))
    app.appeal(CASE, PERSON, "P001", D(2025, 3, 10), "对认定事实有异议。")
    successor = Signer.generate()
    app.rotate_key(discipline_signer.key_id.hex(), successor.public_raw)
    app.signer = successor
    app.decide_appeal(CASE, PERSON, "P001", D(2025, 3, 20), AppealOutcome.UPHELD, "事实清楚。")
    assert app.case(CASE).party(PERSON, "P001").decision.appeal.outcome == "upheld"


def test_a_revoked_keys_later_attempts_are_refused_and_its_events_still_read(
    app: LedgerApplication,
    root_signer: Signer,
    discipline_signer: Signer,
    reader: LedgerApplication,
) -> None:
    decided_case(app)
    app.signer = root_signer
    app.revoke_key(discipline_signer.key_id.hex(), "持有人调离纪委监委")
    app.signer = discipline_signer
    with refused(app, KeyManagementError, KEY_MANAGEMENT) as info:
        app.announce(CASE, PERSON, "P001", DECIDED, "王局长本人")
    assert "revoked" in str(info.value)
    with refused(app, KeyManagementError, KEY_MANAGEMENT):
        app.add_cadre("P009", "新干部", UNIT_CODE, "科员", D(2020, 1, 1))
    assert reader.registry().record(discipline_signer.key_id.hex()).status == "revoked"
    assert reader.case(CASE).party(PERSON, "P001").decision.decided_on == DECIDED


def test_a_key_cannot_revoke_itself_nor_be_revoked_twice_nor_without_reason(
    app: LedgerApplication, root_signer: Signer, petition_signer: Signer
) -> None:
    app.signer = root_signer
    with refused(app, KeyManagementError, KEY_MANAGEMENT) as info:
        app.revoke_key(root_signer.key_id.hex(), "测试")
    assert "(key management: no self-revocation)" in str(info.value)
    with refused(app, KeyManagementError, KEY_MANAGEMENT) as info:
        app.revoke_key(petition_signer.key_id.hex(), " ")
    assert "(key management: reason required)" in str(info.value)
    app.revoke_key(petition_signer.key_id.hex(), "机构调整")
    with refused(app, KeyManagementError, KEY_MANAGEMENT) as info:
        app.revoke_key(petition_signer.key_id.hex(), "再次撤销")
    assert "(key management: key already revoked)" in str(info.value)
