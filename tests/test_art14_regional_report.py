"""Art. 14 "信访工作机构应当将本地区每年度信访工作责任追究情况汇总书面报告同级党委、政府，按规定
权限视情况予以通报。" (issue 12 point 7): the report covers the cases of the units and cadres of a
region and the divisions within it (GB/T 2260), whoever opened them; the report and its 通报 are
signed events of the petition work agency."""

from __future__ import annotations

from scenarios import PERSON, UNIT, D, bring_to_decision, open_case, refused

from ledger.application import LedgerApplication
from ledger.domain.regulation import AdminLevel, Responsibility, UnitKind
from ledger.errors import AlreadyExistsError, InvalidInputError, NotAuthorisedError
from ledger.signing.signatures import Signer
from projections.api import Projections


def regions(app: LedgerApplication) -> None:
    """Three units: 宁乡 (430124 → 430182), 芙蓉区 (430102), 株洲市天元区 (430211)."""
    for code, name, region in (
        ("NX", "宁乡县信访局", "430124"),
        ("FR", "芙蓉区信访局", "430102"),
        ("TY", "天元区信访局", "430211"),
    ):
        app.add_unit(code, name, UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY, region)
    app.add_cadre("P101", "宁乡干部", "NX", "局长", D(2015, 3, 2))


def test_art_14_the_regional_report_counts_the_cases_of_its_units_and_cadres(
    app: LedgerApplication, root_signer: Signer
) -> None:
    regions(app)
    open_case(app, "A1")
    bring_to_decision(app, "A1", PERSON, "P101", Responsibility.DIRECT)
    open_case(app, "A2")
    bring_to_decision(app, "A2", UNIT, "FR")
    app.signer = root_signer  # another authority's case still counts for its region
    open_case(app, "A3")
    app.assign("A3", UNIT, "TY", Responsibility.COLLECTIVE, D(2024, 4, 2))
    p = Projections(app)
    changsha = p.annual_report(2024, region="430100")
    assert (changsha.region, changsha.region_name, changsha.cases_opened) == ("430100", "长沙市", 2)
    assert [(c.code, c.label, c.count) for c in changsha.sub_regions] == [
        ("430102", "芙蓉区", 1),
        ("430182", "宁乡市", 1),
    ]
    hunan = p.annual_report(2024, region="430000")
    assert hunan.cases_opened == 3
    assert [(c.code, c.count) for c in hunan.sub_regions] == [("430100", 2), ("430200", 1)]
    county = p.annual_report(2024, region="430182")
    assert (county.cases_opened, county.decisions_issued) == (1, 1)
    assert p.annual_report(2024).cases_opened == 3  # every case, A1 to A3


def test_art_14_the_report_and_its_circulation_are_the_petition_agencys_signed_events(
    app: LedgerApplication, petition_signer: Signer
) -> None:
    with refused(app, NotAuthorisedError, "Art. 14") as info:
        app.report_region("430100", 2024, "中共长沙市委、长沙市人民政府", D(2025, 1, 20))
    assert str(info.value) == (
        "长沙市纪委监委 (纪检监察机关) does not report or circulate the annual accountability "
        "report; the 信访工作机构 does (Art. 14: reported by the petition work agency)"
    )
    app.signer = petition_signer
    with refused(app, InvalidInputError, None) as info:
        app.report_region("430100", 2024, "中共长沙市委、长沙市人民政府", D(2024, 12, 31))
    assert str(info.value) == "the report on 2024 is made after that year ends, not on 2024-12-31"
    app.report_region("430100", 2024, "中共长沙市委、长沙市人民政府", D(2025, 1, 20))
    with refused(app, InvalidInputError, None) as info:
        app.circulate_report("430100", 2024, D(2025, 1, 19), "全市信访工作机构")
    assert str(info.value) == "the 通报 on 2025-01-19 cannot precede the report on 2025-01-20"
    app.circulate_report("430100", 2024, D(2025, 2, 3), "全市信访工作机构")
    with refused(app, AlreadyExistsError, None) as info:
        app.circulate_report("430100", 2024, D(2025, 2, 4), "全市信访工作机构")
    assert str(info.value) == "the report was already circulated on 2025-02-03"
