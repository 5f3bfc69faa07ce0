"""The semantic audit (issue 13 point 4): ``verify`` replays every record through the same rule
predicates the write path uses and names an event the Measures would have refused, even when it
carries a valid signature: its position, its record, the rule and the article.

Each forged event below is made with a valid key by triggering the event on the aggregate
directly and saving it (what an insider holding a key could do, bypassing the commands)."""

from __future__ import annotations

from scenarios import (
    CASE,
    D,
    bring_to_hearing,
    document,
    open_case,
    person_measures,
    received_case,
)

from ledger.application import LedgerApplication
from ledger.audit.verify import Check, verify_store
from ledger.domain import ids
from ledger.domain.authority import Jurisdiction
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.regulation import AdminLevel, AuthorityKind, KeyRole, Measure, UnitKind
from ledger.signing.signatures import Signer


def log_size(app: LedgerApplication) -> int:
    count, start = 0, 0
    while page := app.recorder.select_notifications(start, 1000, inclusive_of_start=False):
        count += len(page)
        start = page[-1].id
    return count


def measures_failures(app: LedgerApplication) -> list[tuple[int | None, str | None, str]]:
    result = verify_store(app)
    return [(f.position, f.record, f.message) for f in result.failures if f.check is Check.MEASURES]


def test_a_clean_ledger_has_no_semantic_finding(app: LedgerApplication) -> None:
    received_case(app, D(2025, 3, 3))
    assert measures_failures(app) == []
    assert verify_store(app).ok


def test_a_closed_event_inserted_while_the_appeal_period_runs_is_named(
    app: LedgerApplication,
) -> None:
    received_case(app, D(2025, 3, 3))  # announced and received; may appeal until 2025-03-18
    case = app.repository.get(ids.case_id(CASE))
    assert isinstance(case, AccountabilityCase)
    case._closed(on=D(2025, 3, 4), summary="结案。")  # the command would refuse it
    position = log_size(app)
    app.save(case)
    assert measures_failures(app) == [
        (
            position,
            f"case {CASE}",
            "the Measures would have refused it (Art. 11: file entry before closing): the "
            "decision for person:P001 is not yet entered in the personnel file (人事档案)",
        )
    ]


def test_a_retirement_dated_before_the_post_began_is_named(app: LedgerApplication) -> None:
    cadre = app.repository.get(ids.cadre_id("P001"))
    assert isinstance(cadre, Cadre)
    cadre._retired(on=D(2010, 1, 1))  # the post began on 2015-01-05
    position = log_size(app)
    app.save(cadre)
    assert measures_failures(app) == [
        (
            position,
            "cadre P001",
            "the Measures would have refused it (InvalidInputError): retirement on 2010-01-01 "
            "precedes the current post (2015-01-05)",
        )
    ]


def test_a_sanction_recorded_by_an_organisation_department_is_named(
    app: LedgerApplication, root_signer: Signer, discipline_signer: Signer
) -> None:

    open_case(app)
    bring_to_hearing(app)
    app.signer = root_signer  # 湖南省委组织部: an organisation department
    case = app.repository.get(ids.case_id(CASE))
    doc = document(
        measures=person_measures(Measure.DISCIPLINARY_SANCTION, sanction="党内警告"),
        appeal_authority="湖南省委组织部",
    )
    case._decision_issued(party_type="person", party_code="P001", document=doc.to_dict(),
                          deciding_authority="湖南省委组织部",
                          announce_due=D(2024, 5, 15))  # fmt: skip
    position = log_size(app)
    app.save(case)
    app.signer = discipline_signer
    assert measures_failures(app) == [
        (
            position,
            f"case {CASE}",
            "the Measures would have refused it (Art. 6: 纪律处分 only by a discipline organ): "
            "湖南省委组织部 (组织人事部门) may not impose 纪律处分; only a 纪检监察机关 records a "
            "disciplinary sanction",
        )
    ]


def test_a_finding_by_an_authority_that_does_not_cover_the_cadre_is_named(
    app: LedgerApplication, root_signer: Signer
) -> None:
    """Art. 6 干部管理权限: a county-level organ (宁乡市) against a cadre the city manages."""
    county = Signer.generate()
    app.signer = root_signer
    app.add_key(county.public_raw, "县纪委干部", "宁乡市纪委监委", AuthorityKind.DISCIPLINE,
                KeyRole.RECORDER, Jurisdiction(AdminLevel.COUNTY, "430182"))  # fmt: skip
    app.add_unit("CS-GOV", "长沙市人民政府", UnitKind.ADMINISTRATIVE, AdminLevel.CITY, "430100")
    app.add_cadre("P010", "副市长甲", "CS-GOV", "副市长", D(2020, 1, 6))
    app.signer = county
    open_case(app)
    case = app.repository.get(ids.case_id(CASE))
    case._assigned(party_type="person", party_code="P010", responsibility="direct",
                   on=D(2024, 4, 2), individual_decision=False, team_role=None)  # fmt: skip
    position = log_size(app)
    app.save(case)
    assert measures_failures(app) == [
        (
            position,
            f"case {CASE}",
            "the Measures would have refused it (Art. 6: 干部管理权限): 宁乡市纪委监委 (县市区级 "
            "宁乡市 430182) does not cover cadre P010, 市管 in 市州级 长沙市 430100 on 2024-04-02",
        )
    ]
