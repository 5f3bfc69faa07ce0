"""Find and list (issue 14): ``case list`` with filters, ``cadre search`` in Chinese and pinyin,
``unit list`` and ``unit history`` — and none of them shows a view column: a row deleted,
added or edited by an insider is refused or has no effect (DESIGN, "Trust model").

The ledger (both stores): case 1 names the unit CS-XF and its head P001 (王局长, decision
modified on appeal), case 2 names P002 (李副局长); both opened on 2024-04-01 on Art. 4 (十二),
their announcements long overdue, case 1's written appeal notice too.
"""

from __future__ import annotations

import json
from typing import Any

from scenarios import UNIT, bring_to_hearing, open_case
from test_trusted_reads import (
    CASE_1,
    CASE_2,
    REBUILD,
    ledger,
    refused,
    run,
    shown,
    signature_refusal,
    tables,
)

from ledger.domain import ids
from ledger.domain.regulation import AdminLevel, UnitKind

__all__ = ["ledger"]
CASE_3 = "湘纪追〔2024〕3号"
ANNOUNCE = "宣布决定（30日内）"
NOTICE = "书面告知申诉处理决定（收到申诉后30日内）"
HEAD = (
    "case               opened      authority       status  Art. 4  parties     next due    overdue"
)
RULE = (
    "-----------------  ----------  --------------  ------  ------  ----------  ----------  "
    "------------------------------------------------------------"
)
LINE_1 = (
    f"{CASE_1}  2024-04-01  长沙市纪委监委  办理中  12      CS-XF,P001  2024-05-15  "
    f"{ANNOUNCE}、{NOTICE}"
)
LINE_2 = f"{CASE_2}  2024-04-01  长沙市纪委监委  办理中  12      P002        2024-05-15  {ANNOUNCE}"
#: What the case index proved (none of these ledgers has a checkpoint yet).
UNPROVEN = "Case set: not provable, no checkpoint yet.\n"
BOTH = (
    f"2 cases:\n{HEAD}\n{RULE}\n{LINE_1}\n{LINE_2}\n{UNPROVEN}Next: lifeledger case show {CASE_1}\n"
)


# case list --------------------------------------------------------------------------------------
def test_case_list_shows_every_case_with_its_overdue_duties_and_the_next_command(
    ledger: Any,
) -> None:
    assert shown(ledger, "case", "list") == BOTH
    assert shown(ledger, "case", "list", "--overdue", "--ground", "十二", "--year", "2024") == BOTH
    assert (
        shown(ledger, "case", "list", "--authority", "长沙市纪委监委", "--status", "open") == BOTH
    )


def test_case_list_filters_by_party_status_year_ground_authority_and_region(ledger: Any) -> None:
    assert shown(ledger, "case", "list", "--party", "P002") == (
        "1 case:\n"
        "case               opened      authority       status  Art. 4  parties  next due    "
        "overdue\n"
        "-----------------  ----------  --------------  ------  ------  -------  ----------  "
        "------------------\n"
        f"{LINE_2.replace('P002        ', 'P002     ')}\n"
        f"{UNPROVEN}Next: lifeledger case show {CASE_2}\n"
    )
    assert [c["case_no"] for c in _json(ledger, "case", "list", "--party", "CS-XF")] == [CASE_1]
    none = f"No case matches.\n{UNPROVEN}"
    assert shown(ledger, "case", "list", "--status", "closed") == none
    assert shown(ledger, "case", "list", "--year", "2023") == none
    assert shown(ledger, "case", "list", "--ground", "3") == none
    assert shown(ledger, "case", "list", "--authority", "长沙市信访局") == none
    assert shown(ledger, "case", "list", "--party", "P003") == none
    # The fixture's unit records no region: no case is of a region.
    assert shown(ledger, "case", "list", "--region", "430100") == none
    assert refused(ledger, "case", "list", "--region", "110000").startswith(
        "Error: 110000 is not a GB/T 2260 division code of Hunan (43xxxx, county level or above)"
    )


def test_case_list_by_region_takes_the_divisions_within_it(ledger: Any) -> None:
    ledger.add_unit("FR-XF", "芙蓉区信访局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY, "430102")
    open_case(ledger, CASE_3)
    bring_to_hearing(ledger, CASE_3, UNIT, "FR-XF")
    for region in ("430102", "430100", "430000"):
        assert [c["case_no"] for c in _json(ledger, "case", "list", "--region", region)] == [CASE_3]
    assert shown(ledger, "case", "list", "--region", "430200") == f"No case matches.\n{UNPROVEN}"


def test_case_list_in_every_format(ledger: Any) -> None:
    header = (
        "case_no,opened_on,opening_authority,status_label,grounds,parties,next_due,overdue_labels"
    )
    assert shown(ledger, "case", "list", "--format", "csv") == (
        f"{header}\n"
        f'{CASE_1},2024-04-01,长沙市纪委监委,办理中,12,"CS-XF,P001",2024-05-15,{ANNOUNCE}、{NOTICE}\n'
        f"{CASE_2},2024-04-01,长沙市纪委监委,办理中,12,P002,2024-05-15,{ANNOUNCE}\n"
    )
    assert shown(ledger, "case", "list", "--format", "tsv").splitlines()[2] == (
        f"{CASE_2}\t2024-04-01\t长沙市纪委监委\t办理中\t12\tP002\t2024-05-15\t{ANNOUNCE}"
    )
    assert shown(ledger, "case", "list", "--format", "markdown").splitlines()[:2] == [
        "| " + header.replace(",", " | ") + " |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines = shown(ledger, "case", "list", "--format", "jsonl").splitlines()
    assert [json.loads(line)["overdue"] for line in lines] == [
        ["announcement", "appeal_notice"], ["announcement"],
    ]  # fmt: skip
    doc = json.loads(shown(ledger, "case", "list", "--json"))
    assert doc["next"] == f"lifeledger case show {CASE_1}"
    assert doc["cases"][1] == {
        "case_no": CASE_2, "opened_on": "2024-04-01", "opening_authority": "长沙市纪委监委",
        "status": "open", "status_label": "办理中", "grounds": [12], "parties": ["P002"],
        "next_due": "2024-05-15", "overdue": ["announcement"], "overdue_labels": [ANNOUNCE],
    }  # fmt: skip


def _json(ledger: Any, *args: str) -> Any:
    doc = json.loads(shown(ledger, *args, "--json"))
    return doc[next(k for k in doc if k not in ("next", "query", "unit_code", "completeness"))]


# cadre search -----------------------------------------------------------------------------------
def test_cadre_search_finds_names_in_chinese_and_pinyin_numbers_and_units(ledger: Any) -> None:
    assert shown(ledger, "cadre", "search", "wang") == (
        "Cadres matching wang:\n"
        "personnel no  name    pinyin         post  unit   unit name         retired  matched\n"
        "------------  ------  -------------  ----  -----  ----------------  -------  -------\n"
        "P001          王局长  wang ju zhang  局长  CS-XF  长沙市某区信访局  —        name\n"
        "Next: lifeledger cadre history P001\n"
    )

    def found(text: str) -> list[tuple[str, str]]:
        return [(c["personnel_no"], c["matched"]) for c in _json(ledger, "cadre", "search", text)]

    assert found("王") == [("P001", "name")]
    assert found("李副") == [("P002", "name")]
    assert found("Li Fu") == [("P002", "name")]
    assert found("lfj") == [("P002", "name")]
    assert found("weiyuan") == [("P003", "name")]
    assert found("p00") == [("P001", "personnel number"), ("P002", "personnel number"),
                            ("P003", "personnel number")]  # fmt: skip
    assert found("信访局") == [("P001", "unit"), ("P002", "unit"), ("P003", "unit")]
    assert shown(ledger, "cadre", "search", "何伟") == (
        "No cadre's name, personnel number or unit matches 何伟.\n"
    )


# unit list and unit history ---------------------------------------------------------------------
def test_unit_list_and_a_units_history_of_decisions(ledger: Any) -> None:
    assert shown(ledger, "unit", "list") == (
        "1 unit:\n"
        "code   name              kind (Art. 2)  level     region  region name\n"
        "-----  ----------------  -------------  --------  ------  -----------\n"
        "CS-XF  长沙市某区信访局  行政机关       县市区级  —       —\n"
        "Next: lifeledger unit history CS-XF\n"
    )
    assert shown(ledger, "unit", "history", "CS-XF") == (
        "Decisions of unit CS-XF:\n"
        "decided     case               party  post    decision           measures in force  "
        "status\n"
        "----------  -----------------  -----  ------  -----------------  -----------------  "
        "------\n"
        f"2024-04-15  {CASE_1}  P001   局长    长纪决〔2024〕7号  诫勉谈话           已变更\n"
        f"2024-04-15  {CASE_1}  CS-XF  —       长纪决〔2024〕7号  责令作出书面检查   生效\n"
        f"2024-04-15  {CASE_2}  P002   副局长  长纪决〔2024〕7号  诫勉谈话           生效\n"
        f"{UNPROVEN}"
        f"Next: lifeledger case show {CASE_1}\n"
    )
    assert refused(ledger, "unit", "history", "CS-XX") == "Error: no unit with code CS-XX\n"


# the trust model ---------------------------------------------------------------------------------
def test_a_deleted_case_row_is_refused_and_an_edited_one_changes_nothing(ledger: Any) -> None:
    with tables(ledger) as t:
        opened_at, leaf, _ = t.event_of(CASE_2, ".Opened")
        t.run("UPDATE {proj_cases} SET status = 'closed', opening_authority = 'x', "
              "grounds = '3' WHERE opened_at = ?", (opened_at,))  # fmt: skip
    assert shown(ledger, "case", "list", "--status", "open", "--ground", "12") == BOTH
    assert shown(ledger, "case", "list", "--status", "closed") == f"No case matches.\n{UNPROVEN}"
    assert shown(ledger, "unit", "history", "CS-XF").count(CASE_2) == 1
    with tables(ledger) as t:
        t.run("DELETE FROM {proj_cases} WHERE opened_at = ?", (opened_at,))
    incomplete = (
        "Error: the read models are incomplete: proj_cases has no row for the record whose "
        f"first event (AccountabilityCase.Opened) is at log position {leaf}. Nothing is shown "
        f"from them. {REBUILD}\n"
    )
    assert refused(ledger, "case", "list") == incomplete
    assert refused(ledger, "unit", "history", "CS-XF") == incomplete
    assert refused(ledger, "unit", "list") == incomplete
    assert refused(ledger, "cadre", "search", "wang") == incomplete


def test_a_renamed_or_deleted_cadre_or_unit_row_is_never_shown(ledger: Any) -> None:
    before = shown(ledger, "cadre", "search", "wang")
    units = shown(ledger, "unit", "list")
    with tables(ledger) as t:
        t.run(f"UPDATE {t.prefix}proj_cadres SET name = '何伟' WHERE personnel_no = 'P001'")
        t.run(f"UPDATE {t.prefix}proj_units SET name = '伪造单位', kind = 'party'")
    assert shown(ledger, "cadre", "search", "wang") == before
    assert shown(ledger, "cadre", "search", "hewei").startswith("No cadre")
    assert shown(ledger, "unit", "list") == units
    with tables(ledger) as t:
        t.run(f"UPDATE {t.prefix}proj_cadres SET personnel_no = 'P009' WHERE personnel_no = 'P001'")
    assert refused(ledger, "cadre", "search", "wang") == (
        "Error: the read model row proj_cadres (personnel_no=P009) does not match the checked "
        "events of cadre P009: the read models were altered. Nothing is shown from them. "
        f"{REBUILD}\n"
    )
    with tables(ledger) as t:
        t.run(f"DELETE FROM {t.prefix}proj_cadres WHERE personnel_no = 'P009'")
        oid: Any = ids.cadre_id("P001")
        ((nid,),) = t.rows(
            "SELECT {position} FROM {events} WHERE originator_id = ? AND originator_version = 1",
            (oid.hex if t.mark == "?" else oid,),
        )
        ((leaf,),) = t.rows("SELECT leaf_index FROM {merkle_leaves} WHERE notification_id = ?",
                            (nid,))  # fmt: skip
    assert refused(ledger, "cadre", "search", "wang") == (
        "Error: the read models are incomplete: proj_cadres has no row for the record whose "
        f"first event (Cadre.Registered) is at log position {leaf}. Nothing is shown from them. "
        f"{REBUILD}\n"
    )


def test_an_edited_event_is_refused_by_every_list_that_would_show_it(ledger: Any) -> None:
    with tables(ledger) as t:
        nid, leaf, state = t.event_of(CASE_1, ".AppealDecided")
        forged = state.replace(b'"outcome":"modified"', b'"outcome":"revoked"')
        t.run("UPDATE {events} SET state = ? WHERE {position} = ?", (forged, nid))
    expected = signature_refusal(ledger, CASE_1, leaf, "AppealDecided")
    assert refused(ledger, "case", "list") == expected
    assert refused(ledger, "unit", "history", "CS-XF") == expected


# one way of counting positions, one set of labels -----------------------------------------------
def test_key_list_and_verify_count_log_positions_alike_and_label_statuses_alike(
    ledger: Any,
) -> None:
    listed = json.loads(shown(ledger, "key", "list", "--json"))["keys"]
    verified = json.loads(run(ledger, "--json", "verify").stdout)["keys"]
    assert [(k["key_id"], k["registered_at"], k["ended_at"], k["status"]) for k in listed] == [
        (k["key_id"], k["registered_at"], k["ended_at"], k["status"]) for k in verified
    ]
    assert listed[0]["registered_at"] == 0  # the root key: the log's first leaf
    rows = [line.split() for line in shown(ledger, "key", "list").splitlines()[3:-1]]
    assert [(r[4], r[5]) for r in rows] == [
        ("密钥管理", "有效"),
        ("记录", "有效"),
        ("记录", "已吊销"),
    ]
    assert shown(ledger, "key", "list").splitlines()[-1] == "Next: lifeledger verify"
    csv = shown(ledger, "key", "list", "--format", "csv").splitlines()
    assert csv[0] == (
        "key_id,holder,authority,authority_kind_label,role_label,status_label,registered_at,"
        "ended_at,reason"
    )
    assert csv[3].endswith(",记录,已吊销,{},{},密钥遗失".format(*rows[2][6:8]))
