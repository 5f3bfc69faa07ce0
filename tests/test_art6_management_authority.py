"""Art. 6 "信访工作责任追究，按照干部管理权限和有关规定执行。由纪检监察机关、组织人事部门负责实施。"
(issue 12 point 2): an authority's level and region (GB/T 2260, the code in force on the event's
date) must cover where the cadre or unit is managed; 纪律处分 only by a discipline organ."""

from __future__ import annotations

from scenarios import (
    ASSIGNED,
    CASE,
    HEARD,
    PERSON,
    UNIT,
    D,
    document,
    open_case,
    person_measures,
    refused,
)

from ledger.application import LedgerApplication
from ledger.domain.authority import Jurisdiction
from ledger.domain.divisions import hunan
from ledger.domain.regulation import (
    AdminLevel,
    AuthorityKind,
    KeyRole,
    Measure,
    Responsibility,
    UnitKind,
)
from ledger.errors import InvalidInputError, NotAuthorisedError
from ledger.signing.signatures import Signer

CITY = Jurisdiction(AdminLevel.CITY, "430100")  # 长沙市
NINGXIANG = Jurisdiction(AdminLevel.COUNTY, "430182")  # 宁乡市 (宁乡县 430124 before 2017-11)


def signer_for(app: LedgerApplication, root: Signer, authority: str, where: Jurisdiction,
               kind: AuthorityKind = AuthorityKind.DISCIPLINE) -> Signer:  # fmt: skip
    key = Signer.generate()
    previous, app.signer = app.signer, root
    app.add_key(key.public_raw, f"{authority}干部", authority, kind, KeyRole.RECORDER, where)
    app.signer = previous
    return key


def test_gb_t_2260_codes_are_read_as_in_force_on_the_events_date() -> None:
    divisions = hunan()
    assert divisions.in_force("430124", D(2016, 9, 1)) == "430124"
    assert divisions.in_force("430124", D(2018, 1, 1)) == "430182"
    assert divisions.in_force("430182", D(2016, 9, 1)) == "430124"
    assert divisions.in_force("430221", D(2019, 5, 1)) == "430212"  # 株洲县 → 渌口区
    assert divisions.name("430124", D(2018, 1, 1)) == "宁乡市"
    assert divisions.contains("430100", "430124", D(2016, 9, 1))
    assert not divisions.contains("430200", "430124", D(2016, 9, 1))


def test_art_6_a_county_authority_may_not_hold_a_city_managed_cadre_accountable(
    app: LedgerApplication, root_signer: Signer
) -> None:
    app.add_unit("CS-GOV", "长沙市人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.CITY, "430100")
    app.add_cadre("P010", "副市长甲", "CS-GOV", "副市长", D(2020, 1, 6))
    app.signer = signer_for(app, root_signer, "宁乡市纪委监委", NINGXIANG)
    open_case(app)
    with refused(app, NotAuthorisedError, "Art. 6") as info:
        app.assign(CASE, PERSON, "P010", Responsibility.DIRECT, ASSIGNED)
    assert str(info.value) == (
        "宁乡市纪委监委 (县市区级 宁乡市 430182) does not cover cadre P010, 市管 in 市州级 长沙市 "
        "430100 on 2024-04-02 (Art. 6: 干部管理权限) The case goes to an authority at that level "
        "or above, in a region that holds it."
    )


def test_art_6_a_city_authority_covers_a_county_unit_under_its_old_and_new_code(
    app: LedgerApplication, root_signer: Signer
) -> None:
    """宁乡县 was registered under 430124; in 2024 its code in force is 430182."""
    app.add_unit("NX-GOV", "宁乡县人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY, "430124")
    app.signer = signer_for(app, root_signer, "长沙市纪委监委", CITY)
    open_case(app)
    app.assign(CASE, UNIT, "NX-GOV", Responsibility.COLLECTIVE, ASSIGNED)
    county = signer_for(app, root_signer, "宁乡市纪委监委", NINGXIANG)
    app.signer = county
    app.hear(CASE, UNIT, "NX-GOV", HEARD, "县政府书面说明。")  # the county organ covers its own
    assert app.case(CASE).party(UNIT, "NX-GOV").hearings


def test_art_6_a_cadre_managed_as_stated_overrides_the_unit(
    app: LedgerApplication, root_signer: Signer
) -> None:
    app.add_unit("NX-TOWN", "宁乡市某镇人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.TOWNSHIP,
                 "430182")  # fmt: skip
    app.add_cadre("P020", "镇长乙", "NX-TOWN", "镇长", D(2020, 1, 6),
                  Jurisdiction(AdminLevel.COUNTY, "430182"))  # 县管  # fmt: skip
    app.signer = signer_for(app, root_signer, "宁乡市某镇纪委", Jurisdiction(AdminLevel.TOWNSHIP,
                                                                        "430182"))  # fmt: skip
    open_case(app)
    with refused(app, NotAuthorisedError, "Art. 6") as info:
        app.assign(CASE, PERSON, "P020", Responsibility.DIRECT, ASSIGNED)
    assert str(info.value) == (
        "宁乡市某镇纪委 (乡镇级 宁乡市 430182) does not cover cadre P020, 县管 in 县市区级 宁乡市 "
        "430182 on 2024-04-02 (Art. 6: 干部管理权限) The case goes to an authority at that level "
        "or above, in a region that holds it."
    )


def test_art_6_only_a_discipline_organ_records_a_disciplinary_sanction(
    app: LedgerApplication, root_signer: Signer
) -> None:
    app.signer = root_signer  # 湖南省委组织部: an organisation department
    open_case(app)
    app.assign(CASE, PERSON, "P001", Responsibility.DIRECT, ASSIGNED)
    app.hear(CASE, PERSON, "P001", HEARD, "陈述。")
    sanction = document(
        measures=person_measures(Measure.DISCIPLINARY_SANCTION, sanction="党内警告"),
        appeal_authority="湖南省委组织部",
    )
    with refused(app, NotAuthorisedError, "Art. 6") as info:
        app.decide(CASE, PERSON, "P001", sanction)
    assert str(info.value) == (
        "湖南省委组织部 (组织人事部门) may not impose 纪律处分; only a 纪检监察机关 records a "
        "disciplinary sanction (Art. 6: 纪律处分 only by a discipline organ)"
    )


def test_art_6_a_region_that_is_no_hunan_division_is_refused(app: LedgerApplication) -> None:
    with refused(app, InvalidInputError, None) as info:
        app.add_unit("X", "外省单位", UnitKind.ADMINISTRATIVE, AdminLevel.CITY, "110100")
    assert str(info.value) == (
        "110100 is not a GB/T 2260 division code of Hunan (43xxxx, county level or above) in "
        "the revisions held (201607, 201711, 201904, 201912, 202102)"
    )
