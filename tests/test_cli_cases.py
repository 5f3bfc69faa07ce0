"""`lifeledger case ...`: every recording command's success and refusal, through the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cli_support import (
    DECISION,
    OPEN,
    CliLedger,
    decided,
    heard,
    ledger,
    opened,
    received,
    template,
)

__all__ = ["ledger", "template"]


ITEMS = "Art. 4 items (一)…(十六)"
GROUND_11 = (
    "（十一）在处理信访事项过程中，工作作风简单粗暴、敷衍塞责、推诿扯皮，导致矛盾激化，"
    "造成不良影响或者严重后果"
)


# open -----------------------------------------------------------------------------------------
def test_art_4_opening_a_case_prints_each_ground_in_full_with_its_results(
    ledger: CliLedger,
) -> None:
    result = ledger.ok("case", "open", "C1", *OPEN, "--ground", "十二")
    assert result.stdout == (
        "Case C1 opened on 2023-04-03, incident 2023-03-14; grounds (Art. 4):\n"
        f"  {GROUND_11} — 导致矛盾激化、造成不良影响\n"
        "  （十二）对信访事项应当受理、登记、转送、交办、答复而未按照规定办理或者逾期未办结，或者"
        "应当履行督查督办职责而未履行，造成不良影响或者严重后果 — 造成不良影响\n"
    )


def test_opening_a_case_as_json_gives_the_recorded_fields(ledger: CliLedger) -> None:
    data = ledger.json("case", "open", "C1", *OPEN)
    assert data == {
        "command": "case open",
        "case_no": "C1",
        "incident_date": "2023-03-14",
        "opened_on": "2023-04-03",
        "grounds": [11],
        "results": {"11": ["conflict_intensified", "adverse_impact"]},
        "lifetime": True,
        "warnings": [],
    }


def test_json_flag_works_after_the_command_too(ledger: CliLedger) -> None:
    result = ledger.ok("case", "open", "C1", *OPEN, "--json")
    assert '"case_no": "C1"' in result.stdout


def test_an_unknown_ground_is_refused_under_art_4_and_nothing_is_written(
    ledger: CliLedger,
) -> None:
    before = ledger.event_count()
    err = ledger.refused("case", "open", "C1", *OPEN, "--ground", "17")
    assert err == f"Error: ground 17 is not one of {ITEMS} (1–16) (Art. 4: unknown ground)\n"
    assert ledger.event_count() == before


def test_art_4_a_ground_is_refused_without_the_result_its_item_names(ledger: CliLedger) -> None:
    before = ledger.event_count()
    err = ledger.refused(
        "case", "open", "C1", "--incident-date", "2023-03-14", "--opened-on", "2023-04-03",
        "--ground", "11", "--result", "adverse_impact", "--facts", "f",
    )  # fmt: skip
    assert err == (
        "Error: ground （十一）在处理信访事项过程中，工作作风简单粗暴、敷衍塞责、推诿扯皮，导致矛盾"
        "激化，造成不良影响或者严重后果 applies only where the situation 导致矛盾激化; no such "
        "result is recorded for it (Art. 4: item （十一） result element required) Record it "
        "with --result 11:conflict_intensified.\n"
    )
    assert ledger.event_count() == before


def test_ground_16_without_the_other_regulation_is_refused(ledger: CliLedger) -> None:
    err = ledger.refused(
        "case", "open", "C1", "--incident-date", "2023-03-14", "--opened-on", "2023-04-03",
        "--ground", "16", "--facts", "f",
    )  # fmt: skip
    assert err == (
        "Error: ground (十六) 依照有关规定应当追究责任的其他情形 must name the other regulation "
        "relied on (Art. 4: (十六) names its regulation)\n"
    )
    data = ledger.json(
        "case", "open", "C1", "--incident-date", "2023-03-14", "--opened-on", "2023-04-03",
        "--ground", "16", "--facts", "f", "--other-regulation", "《中国共产党问责条例》",
    )  # fmt: skip
    assert data["grounds"] == [16]


def test_an_incident_before_the_measures_is_recorded_with_a_warning(ledger: CliLedger) -> None:
    result = ledger.run(
        "--json", "case", "open", "OLD", "--incident-date", "2015-11-20", "--opened-on",
        "2016-09-05", "--ground", "6", "--facts", "f",
    )  # fmt: skip
    assert result.exit_code == 0
    warning = (
        "the incident of 2015-11-20 precedes 2016-06-23: recorded, but outside Art. 8 "
        "lifetime accountability (终身责任追究)"
    )
    assert result.stderr == f"Warning: {warning}\n"
    assert '"lifetime": false' in result.stdout
    assert warning in result.stdout


def test_a_case_number_cannot_be_opened_twice(ledger: CliLedger) -> None:
    opened(ledger)
    assert ledger.refused("case", "open", "C1", *OPEN) == "Error: case C1 is already open\n"


def test_a_petition_agency_key_may_not_open_a_case(ledger: CliLedger) -> None:
    err = ledger.refused("case", "open", "C1", *OPEN, key=ledger.petition)
    assert err == (
        "Error: 信访干部乙 (长沙市信访局, 信访工作机构) may not open accountability cases; "
        "accountability is carried out by 纪检监察机关 and 组织人事部门 "
        "(Art. 6: only discipline organs and organisation departments)\n"
    )


def test_a_future_date_is_refused(ledger: CliLedger) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    err = ledger.refused(
        "case", "open", "C1", "--incident-date", "2023-03-14", "--opened-on", tomorrow,
        "--ground", "6", "--facts", "f",
    )  # fmt: skip
    assert err.startswith(f"Error: {tomorrow} is in the future")


def test_a_malformed_date_is_bad_usage(ledger: CliLedger) -> None:
    result = ledger.run("case", "open", "C1", *OPEN[2:], "--incident-date", "2023-02-30",
                        "--opened-on", "2023-04-03")  # fmt: skip
    assert result.exit_code == 2
    assert "'2023-02-30' is not a date; use YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.output


def test_recording_without_a_key_says_how_to_give_one(ledger: CliLedger) -> None:
    err = ledger.refused("case", "open", "C1", *OPEN, key=None)
    assert err == (
        "Error: no signer key given: use --key PATH or set LIFELEDGER_KEY (every event is "
        "signed by the official who records it)\n"
    )


# assign, objection, team ----------------------------------------------------------------------
def test_assigning_direct_responsibility_to_a_person(ledger: CliLedger) -> None:
    opened(ledger)
    data = ledger.json("case", "assign", "C1", "--person", "P001", "--responsibility", "direct",
                       "--on", "2023-04-10")  # fmt: skip
    assert data == {
        "command": "case assign",
        "case_no": "C1",
        "party": {"type": "person", "code": "P001"},
        "responsibility": "direct",
        "on": "2023-04-10",
        "individual_decision": False,
        "warnings": [],
    }


def test_a_unit_bears_collective_responsibility_by_default(ledger: CliLedger) -> None:
    opened(ledger)
    result = ledger.ok("case", "assign", "C1", "--unit", "CS-XF", "--on", "2023-04-10")
    assert result.stdout == "Case C1: 单位 CS-XF bears 集体责任 (Art. 5)\n"


def test_a_unit_cannot_bear_direct_responsibility(ledger: CliLedger) -> None:
    opened(ledger)
    err = ledger.refused("case", "assign", "C1", "--unit", "CS-XF", "--responsibility", "direct",
                         "--on", "2023-04-10")  # fmt: skip
    assert err == (
        "Error: a unit bears collective responsibility (集体责任), not 直接责任 "
        "(Art. 5: units bear collective responsibility)\n"
    )


def test_a_person_needs_a_responsibility(ledger: CliLedger) -> None:
    opened(ledger)
    err = ledger.refused("case", "assign", "C1", "--person", "P001", "--on", "2023-04-10")
    assert err == "Error: case assign: 'responsibility' is required (option --responsibility)\n"


def test_assigning_in_an_unknown_case_or_to_an_unknown_cadre(ledger: CliLedger) -> None:
    assert ledger.refused("case", "assign", "NOPE", "--unit", "CS-XF", "--on", "2023-04-10") == (
        "Error: no case NOPE\n"
    )
    opened(ledger)
    assert ledger.refused(
        "case", "assign", "C1", "--person", "P999", "--responsibility", "direct",
        "--on", "2023-04-10",
    ) == "Error: no cadre with personnel number P999\n"  # fmt: skip


def test_the_party_is_named_by_exactly_one_option(ledger: CliLedger) -> None:
    opened(ledger)
    for extra in ([], ["--person", "P001", "--unit", "CS-XF"]):
        result = ledger.run("case", "hear", "C1", "--on", "2023-04-20", "--statement", "s", *extra)
        assert result.exit_code == 2
        assert result.stderr.endswith(
            "Error: name the party: --person PERSONNEL_NO or --unit UNIT_CODE\n"
        )


def test_a_team_finding_derives_each_members_share(ledger: CliLedger) -> None:
    opened(ledger)
    ledger.ok("case", "objection", "C1", "--person", "P003", "--on", "2023-01-05",
              "--text", "会上明确反对，记录在案")  # fmt: skip
    data = ledger.json(
        "case", "assign-team", "C1", "--unit", "CS-XF", "--head", "P001", "--in-charge", "P002",
        "--member", "P003", "--on", "2023-04-10",
    )  # fmt: skip
    assert data["members"] == [
        {"personnel_no": "P001", "team_role": "principal_head", "participated": True,
         "responsibility": "primary_leadership"},
        {"personnel_no": "P002", "team_role": "leader_in_charge", "participated": True,
         "responsibility": "primary_leadership"},
        {"personnel_no": "P003", "team_role": "member", "participated": True,
         "responsibility": "none"},
    ]  # fmt: skip


def test_an_absent_member_bears_no_leadership_responsibility(ledger: CliLedger) -> None:
    opened(ledger)
    result = ledger.ok("case", "assign-team", "C1", "--unit", "CS-XF", "--head", "P001",
                       "--absent", "P002", "--on", "2023-04-10")  # fmt: skip
    assert result.stdout == (
        "Case C1: unit CS-XF bears 集体责任; P001 主要领导责任, P002 不承担领导责任 (Art. 5)\n"
    )


def test_an_objection_stated_at_the_hearing_is_recorded_and_blocks_a_leadership_decision(
    ledger: CliLedger,
) -> None:
    """Art. 5: an objection is recorded whenever it comes to light, even after a leadership
    finding; a decision on that finding is refused until the finding is corrected."""
    opened(ledger)
    ledger.ok("case", "assign", "C1", "--person", "P002", "--responsibility",
              "important_leadership", "--on", "2023-04-10")  # fmt: skip
    ledger.ok("case", "hear", "C1", "--person", "P002", "--on", "2023-04-20",
              "--statement", "称曾在会上明确反对")  # fmt: skip
    result = ledger.ok("case", "objection", "C1", "--person", "P002", "--on", "2023-04-20",
                       "--text", "会上明确反对，会议记录在案", "--at-hearing")  # fmt: skip
    assert result.stdout == (
        "Case C1: objection of P002 of 2023-04-20, stated at the hearing (Art. 9), recorded; if "
        "overruled they bear no leadership responsibility (Art. 5)\n"
    )
    before = ledger.event_count()
    err = ledger.refused("case", "decide", "C1", "--person", "P002", *DECISION,
                         "--measure", "admonition_talk")  # fmt: skip
    assert err == (
        "Error: cadre P002 explicitly objected to the wrong decision on 2023-04-20 and was "
        "overruled; they bear no leadership responsibility (不承担领导责任) (Art. 5: overruled "
        "objection bears no leadership responsibility) Correct the finding first "
        "(`case correct-finding`).\n"
    )
    assert ledger.event_count() == before
    result = ledger.ok("case", "correct-finding", "C1", "--person", "P002", "--responsibility",
                       "none", "--on", "2023-04-21", "--reason", "会议记录证实其反对")  # fmt: skip
    assert result.stdout == (
        "Case C1: finding for 个人 P002 corrected on 2023-04-21 to 不承担领导责任 (none): "
        "会议记录证实其反对 (Art. 5)\n"
    )


# hear and decide ------------------------------------------------------------------------------
def test_a_decision_is_refused_before_the_party_is_heard(ledger: CliLedger) -> None:
    opened(ledger)
    ledger.ok("case", "assign", "C1", "--person", "P001", "--responsibility", "direct",
              "--on", "2023-04-10")  # fmt: skip
    before = ledger.event_count()
    err = ledger.refused("case", "decide", "C1", "--person", "P001", *DECISION,
                         "--measure", "transfer")  # fmt: skip
    assert err == (
        "Error: no statement and defence (说明和申辩) of 个人 P001 is on record in case C1 "
        "(Art. 9: hearing before decision) Record it with `case hear` first.\n"
    )
    assert ledger.event_count() == before


def test_a_decision_with_combined_measures_as_json(ledger: CliLedger) -> None:
    heard(ledger)
    data = ledger.json(
        "case", "decide", "C1", "--person", "P001", *DECISION, "--measure", "transfer",
        "--measure", "disciplinary_sanction", "--sanction", "党内警告",
    )  # fmt: skip
    assert data == {
        "command": "case decide",
        "case_no": "C1",
        "party": {"type": "person", "code": "P001"},
        "number": "长纪责〔2023〕15号",
        "on": "2023-05-08",
        "measures": ["transfer", "disciplinary_sanction"],
        "severity": None,
        "sanction": "党内警告",
        "announce_due": "2023-06-07",
        "warnings": [],
    }


def test_a_decision_text_names_the_measures_and_the_announcement_deadline(
    ledger: CliLedger,
) -> None:
    heard(ledger)
    result = ledger.ok("case", "decide", "C1", "--person", "P001", *DECISION,
                       "--measure", "admonition_talk")  # fmt: skip
    assert result.stdout == (
        "Case C1: 《责任追究决定书》 长纪责〔2023〕15号 for 个人 P001: 诫勉谈话; "
        "announce by 2023-06-07 (Art. 11; a rest day extends it: 民法典 art. 203 practice, not the "
        "Measures)\n"
    )


def test_a_decision_without_a_measure_is_refused_under_art_10(ledger: CliLedger) -> None:
    heard(ledger)
    err = ledger.refused("case", "decide", "C1", "--person", "P001", *DECISION)
    assert err == "Error: the decision names no measure (方式) (Art. 10: measures required)\n"


def test_a_unit_measure_on_a_person_is_refused_under_art_7(ledger: CliLedger) -> None:
    heard(ledger)
    err = ledger.refused("case", "decide", "C1", "--person", "P001", *DECISION,
                         "--measure", "circulated_criticism")  # fmt: skip
    assert err == (
        "Error: 通报批评 (circulated_criticism) is a measure for a 单位, not for a 个人 "
        "(Art. 7: measure not for this party)\n"
    )


def test_a_disciplinary_sanction_must_be_named(ledger: CliLedger) -> None:
    heard(ledger)
    err = ledger.refused("case", "decide", "C1", "--person", "P001", *DECISION,
                         "--measure", "disciplinary_sanction")  # fmt: skip
    assert err == (
        "Error: 纪律处分 must name the disciplinary sanction imposed (e.g. 党内警告) "
        "(Art. 7: sanction named)\n"
    )


def test_a_units_severity_alone_fixes_its_measure(ledger: CliLedger) -> None:
    opened(ledger)
    ledger.ok("case", "assign", "C1", "--unit", "CS-XF", "--on", "2023-04-10")
    ledger.ok("case", "hear", "C1", "--unit", "CS-XF", "--on", "2023-04-20", "--statement", "s")
    data = ledger.json("case", "decide", "C1", "--unit", "CS-XF", *DECISION,
                       "--severity", "serious")  # fmt: skip
    assert data["measures"] == ["circulated_criticism"]
    assert data["severity"] == "serious"


def test_an_unknown_measure_is_bad_usage(ledger: CliLedger) -> None:
    heard(ledger)
    result = ledger.run("case", "decide", "C1", "--person", "P001", *DECISION,
                        "--measure", "beheading")  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for '--measure'" in result.stderr


# announce, file, receive, appeal --------------------------------------------------------------
def test_a_late_announcement_is_recorded_with_a_warning(ledger: CliLedger) -> None:
    decided(ledger)
    result = ledger.run("--json", "case", "announce", "C1", "--person", "P001",
                        "--on", "2023-06-20", "--to", "本人及所在单位")  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: announced on 2023-06-20, after the 30-day period of Art. 11 ended on "
        "2023-06-07 (a rest day extends it: 民法典 art. 203 practice, not the Measures): recorded "
        "and flagged overdue\n"
    )
    assert '"overdue": true' in result.stdout


def test_announcing_before_any_decision_is_refused(ledger: CliLedger) -> None:
    heard(ledger)
    err = ledger.refused("case", "announce", "C1", "--person", "P001", "--on", "2023-06-01",
                         "--to", "本人")  # fmt: skip
    assert err == (
        "Error: no 《责任追究决定书》 has been issued to 个人 P001 in case C1 "
        "(Art. 10: decision first)\n"
    )


def test_the_personnel_file_entry(ledger: CliLedger) -> None:
    decided(ledger)
    data = ledger.json("case", "file", "C1", "--person", "P001", "--on", "2023-05-15",
                       "--file-ref", "档案〔2023〕P001", "--custodian", "区委组织部")  # fmt: skip
    assert data["file_ref"] == "档案〔2023〕P001"
    assert data["custodian"] == "区委组织部"


def test_receipt_starts_the_appeal_period(ledger: CliLedger) -> None:
    decided(ledger)
    data = ledger.json("case", "receive", "C1", "--person", "P001", "--on", "2023-05-10")
    assert data["appeal_due"] == "2023-05-25"


def test_an_appeal_within_15_days_and_its_modified_decision(ledger: CliLedger) -> None:
    received(ledger)
    data = ledger.json("case", "appeal", "C1", "--person", "P001", "--on", "2023-05-19",
                       "--text", "请求撤销")  # fmt: skip
    assert data["decision_due"] == "2023-06-19"
    result = ledger.ok(
        "case", "appeal-decide", "C1", "--person", "P001", "--on", "2023-06-09",
        "--outcome", "modified", "--reason", "情节较轻", "--measure", "admonition_talk",
    )  # fmt: skip
    assert result.stdout == (
        "Case C1: appeal of 个人 P001 decided on 2023-06-09: 变更, now 诫勉谈话 (Art. 12)\n"
    )


def test_an_appeal_after_15_days_is_refused(ledger: CliLedger) -> None:
    received(ledger)
    before = ledger.event_count()
    err = ledger.refused("case", "appeal", "C1", "--person", "P001", "--on", "2023-05-26",
                         "--text", "请求撤销")  # fmt: skip
    assert err == (
        "Error: the appeal of 2023-05-26 is outside the 15-day period that began with receipt "
        "on 2023-05-10 and ended on 2023-05-25 (Art. 12: appeal within 15 days)\n"
    )
    assert ledger.event_count() == before


def test_an_appeal_decision_before_an_appeal_is_refused(ledger: CliLedger) -> None:
    received(ledger)
    err = ledger.refused("case", "appeal-decide", "C1", "--person", "P001", "--on", "2023-06-09",
                         "--outcome", "upheld", "--reason", "r")  # fmt: skip
    assert err == "Error: no appeal by 个人 P001 is on record in case C1 (Art. 12: appeal first)\n"


def test_a_modified_appeal_decision_needs_its_measures(ledger: CliLedger) -> None:
    received(ledger)
    ledger.ok("case", "appeal", "C1", "--person", "P001", "--on", "2023-05-19", "--text", "t")
    err = ledger.refused("case", "appeal-decide", "C1", "--person", "P001", "--on", "2023-06-09",
                         "--outcome", "modified", "--reason", "r")  # fmt: skip
    assert err == "Error: a modified decision names the measures that now apply\n"


def test_a_referral_to_the_judicial_organs(ledger: CliLedger) -> None:
    heard(ledger)
    data = ledger.json("case", "refer", "C1", "--person", "P001", "--on", "2023-05-01",
                       "--organ", "长沙市某区人民检察院", "--reason", "涉嫌玩忽职守罪")  # fmt: skip
    assert data["organ"] == "长沙市某区人民检察院"


# close ----------------------------------------------------------------------------------------
def test_closing_waits_for_every_art_11_and_art_12_step_and_a_reopening_states_why(
    ledger: CliLedger,
) -> None:
    """Closing never cuts off Art. 12; a closed case reopens only by a signed, reasoned event."""
    decided(ledger)

    def close(on: str) -> str:
        before = ledger.event_count()
        err = ledger.refused("case", "close", "C1", "--on", on, "--summary", "结案")
        assert ledger.event_count() == before
        return err

    assert close("2023-07-01") == (
        "Error: the decision for person:P001 has not been announced "
        "(Art. 11: announce before closing)\n"
    )
    ledger.ok("case", "announce", "C1", "--person", "P001", "--on", "2023-05-12", "--to", "本人")
    assert close("2023-07-01") == (
        "Error: the decision for person:P001 is not yet entered in the personnel file (人事档案) "
        "(Art. 11: file entry before closing)\n"
    )
    ledger.ok("case", "file", "C1", "--person", "P001", "--on", "2023-05-15", "--file-ref", "R",
              "--custodian", "长沙市委组织部干部档案室")  # fmt: skip
    assert close("2023-07-01") == (
        "Error: receipt of the decision by person:P001 is not recorded; its 15-day appeal period "
        "has not started (Art. 12: receipt before closing)\n"
    )
    ledger.ok("case", "receive", "C1", "--person", "P001", "--on", "2023-06-25")
    assert close("2023-07-10") == (
        "Error: person:P001 may appeal until 2023-07-10; close after that day "
        "(Art. 12: appeal period running)\n"
    )
    result = ledger.ok("case", "close", "C1", "--on", "2023-07-11", "--summary", "结案")
    assert result.stdout == (
        "Case C1 closed on 2023-07-11 (已结案); it takes no further events unless reopened\n"
    )
    err = ledger.refused("case", "hear", "C1", "--person", "P001", "--on", "2023-07-12",
                         "--statement", "s")  # fmt: skip
    assert err == (
        "Error: case C1 is closed (已结案); it takes no further events (closed case) "
        "Reopen it with `case reopen --reason …` if there are new facts.\n"
    )
    result = ledger.ok("case", "reopen", "C1", "--on", "2023-07-20", "--reason",
                       "新的信访件反映同一问题")  # fmt: skip
    assert result.stdout == "Case C1 reopened on 2023-07-20: 新的信访件反映同一问题\n"
    timeline = ledger.ok("case", "timeline", "C1").stdout
    assert "case reopened (重新办理): 新的信访件反映同一问题" in timeline


# show and timeline ----------------------------------------------------------------------------
def test_case_show_as_json_gives_the_whole_state(ledger: CliLedger) -> None:
    received(ledger)
    data = ledger.json("case", "show", "C1", key=None)
    assert data["case_no"] == "C1"
    assert data["grounds"] == [{
        "number": 11, "label": GROUND_11, "results": ["conflict_intensified", "adverse_impact"],
        "results_label": "导致矛盾激化、造成不良影响"}]  # fmt: skip
    (party,) = data["parties"]
    assert party["responsibility"] == "direct"
    assert party["decision"]["number"] == "长纪责〔2023〕15号"
    assert party["decision"]["received_on"] == "2023-05-10"
    assert party["decision"]["appeal_due"] == "2023-05-25"


def test_case_show_reads_without_a_key_and_labels_in_chinese(ledger: CliLedger) -> None:
    received(ledger)
    text = ledger.ok("case", "show", "C1", key=None).stdout
    assert text.startswith("Case C1  [办理中]\n")
    assert (
        "（十一）在处理信访事项过程中，工作作风简单粗暴、敷衍塞责、推诿扯皮，导致矛盾激化" in text
    )
    assert "个人 P001 王局长 — 直接责任" in text
    assert "announcement due by 2023-06-07 (Art. 11): not yet" in text
    assert "received 2023-05-10; appeal possible until 2023-05-25 (Art. 12)" in text


def test_showing_an_unknown_case(ledger: CliLedger) -> None:
    assert ledger.refused("case", "show", "NOPE", key=None) == "Error: no case NOPE\n"


def test_the_timeline_names_who_signed_each_event(ledger: CliLedger) -> None:
    received(ledger)
    data = ledger.json("case", "timeline", "C1", key=None)
    assert data["as_of"] is None
    assert [e["event"] for e in data["events"]] == [
        "Opened", "ResponsibilityAssigned", "DefenceHeard", "DecisionIssued", "DecisionReceived",
    ]  # fmt: skip
    assert {e["key_holder"] for e in data["events"]} == {"纪检干部甲"}
    assert {e["key_status_then"] for e in data["events"]} == {"active"}
    text = ledger.ok("case", "timeline", "C1", key=None).stdout
    assert text.splitlines()[1].split() == [
        "date", "recorded", "event", "signed", "by", "key", "status", "what", "changed",
    ]  # fmt: skip
    assert "立案" in text and "纪检干部甲" in text


def test_the_timeline_as_of_a_business_date_shows_the_events_dated_up_to_it(
    ledger: CliLedger,
) -> None:
    received(ledger)
    data = ledger.json("case", "timeline", "C1", "--business-as-of", "2023-04-30", key=None)
    assert (data["as_of"], data["business_as_of"]) == (None, "2023-04-30")
    assert [e["business_date"] for e in data["events"]] == [
        "2023-04-03", "2023-04-10", "2023-04-20",
    ]  # fmt: skip
    text = ledger.ok("case", "timeline", "C1", "--business-as-of", "2023-04-30", key=None).stdout
    assert text.startswith("Case C1: events dated on or before 2023-04-30\n")


def test_the_timeline_as_of_a_day_goes_by_when_events_were_recorded_not_by_their_dates(
    ledger: CliLedger,
) -> None:
    """Issue 13: events of 2023 recorded now were not on record in 2024."""
    received(ledger)
    data = ledger.json("case", "timeline", "C1", "--as-of", "2024-12-31", key=None)
    assert (data["as_of"], data["events"]) == ("2024-12-31", [])
    text = ledger.ok("case", "timeline", "C1", "--as-of", "2024-12-31", key=None).stdout
    assert text.startswith("Case C1: what was on record at the end of 2024-12-31\n")


def test_the_timeline_shows_a_key_rotated_since(ledger: CliLedger, tmp_path: Path) -> None:
    opened(ledger)
    ledger.ok("key", "rotate", "--key-out", str(tmp_path / "new.pem"))
    (event,) = ledger.json("case", "timeline", "C1", key=None)["events"]
    assert (event["key_status_then"], event["key_status_now"]) == ("active", "rotated")
    assert "有效, now 已轮换" in ledger.ok("case", "timeline", "C1", key=None).stdout
