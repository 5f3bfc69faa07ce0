"""The command table behind the CLI and `import` (ledger/importer.py), on both stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import click
import pytest

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.errors import InvalidInput
from ledger.importer import COMMANDS, Fields, execute, import_lines, parse_ground
from ledger.regulation import Responsibility

CASE = {"case_no": "I1"}
WHOLE_CASE: list[tuple[str, dict[str, object]]] = [
    ("case open", {**CASE, "incident_date": "2023-03-14", "opened_on": "2023-04-03",
                   "ground": ["十一", 12], "consequence": "adverse_impact", "facts": "f"}),
    ("case objection", {**CASE, "person": "P003", "on": "2023-01-05", "text": "反对"}),
    ("case assign-team", {**CASE, "unit": "CS-XF", "head": "P001", "in_charge": ["P002"],
                          "member": ["P003"], "on": "2023-04-10"}),
    ("case hear", {**CASE, "person": "P001", "on": "2023-04-20", "statement": "s"}),
    ("case decide", {**CASE, "person": "P001", "number": "N1", "date": "2023-05-08",
                     "facts": "f", "basis": "b", "measure": "transfer",
                     "approving_authority": "A", "effective_date": "2023-05-08",
                     "appeal_authority": "长沙市纪委监委"}),
    ("case receive", {**CASE, "person": "P001", "on": "2023-05-10"}),
    ("case announce", {**CASE, "person": "P001", "on": "2023-05-12", "to": "本人"}),
    ("case file", {**CASE, "person": "P001", "on": "2023-05-15", "file_ref": "R",
                   "custodian": "C"}),
    ("case appeal", {**CASE, "person": "P001", "on": "2023-05-19", "text": "t"}),
    ("case appeal-decide", {**CASE, "person": "P001", "on": "2023-06-09", "outcome": "revoked",
                            "reason": "r"}),
    ("case refer", {**CASE, "person": "P002", "on": "2023-06-10", "organ": "检察院",
                    "reason": "涉嫌犯罪"}),
    ("case close", {**CASE, "on": "2023-07-01", "summary": "结案"}),
]  # fmt: skip


def test_every_importable_command_is_a_cli_command_with_the_same_name() -> None:
    for name in COMMANDS:
        group, _, sub = name.partition(" ")
        command = cli.commands[group]
        assert isinstance(command, click.Group) and sub in command.commands, name


def test_a_whole_case_runs_through_the_command_table(app: LedgerApplication) -> None:
    for name, fields in WHOLE_CASE:
        outcome = execute(app, name, fields)
        assert outcome.command == name
    case = app.case("I1")
    assert case.status == "closed"
    assert case.parties["person:P001"]["decision"]["revoked"] is True
    assert case.parties["person:P003"]["responsibility"] == "none"


def test_fields_refuse_what_the_command_does_not_take(app: LedgerApplication) -> None:
    with pytest.raises(InvalidInput, match=r"unknown field\(s\) colour"):
        execute(app, "cadre retire", {"personnel_no": "P001", "on": "2023-01-01",
                                      "colour": "red"})  # fmt: skip


def test_fields_accept_dashed_names_and_refuse_the_same_field_twice() -> None:
    f = Fields("case open", {"incident-date": "2023-01-02"})
    assert f.date("incident_date") == dt.date(2023, 1, 2)
    with pytest.raises(InvalidInput, match="given twice"):
        Fields("case open", {"incident-date": "x", "incident_date": "y"})


def test_fields_name_the_bad_value() -> None:
    with pytest.raises(InvalidInput) as e:
        Fields("case hear", {"on": "2023-02-30"}).date("on")
    assert str(e.value) == "case hear: 'on' is not a date: '2023-02-30'; use YYYY-MM-DD"
    with pytest.raises(InvalidInput) as e:
        Fields("case assign", {"responsibility": "some"}).enum("responsibility", Responsibility)
    assert str(e.value).startswith("case assign: 'responsibility' must be one of collective,")


@pytest.mark.parametrize(
    ("given", "number"),
    [(11, 11), ("11", 11), ("十一", 11), ("（十一）", 11), ("(三)", 3), (17, 17)],
)
def test_grounds_are_given_by_number_or_numeral(given: object, number: int) -> None:
    assert parse_ground(given) == number


def test_a_ground_that_is_neither_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"is not a ground of Art\. 4"):
        parse_ground("eleven")


def test_an_interrupted_import_reports_where_it_stopped(app: LedgerApplication) -> None:
    def lines() -> Iterator[tuple[int, str]]:
        yield 1, '{"command": "cadre retire", "personnel_no": "P003", "on": "2023-01-01"}'
        yield 2, ""
        raise KeyboardInterrupt

    report = import_lines(app, lines(), total_lines=5)
    assert (report.applied, report.blank, report.interrupted) == (1, 1, True)
    assert report.interrupted_at is None
    assert report.to_dict()["not_attempted"] == {"from_line": 3, "to_line": 5}
    assert report.ok is False


def test_a_refused_line_is_reported_and_the_next_applied(app: LedgerApplication) -> None:
    lines = [
        (1, '{"command": "cadre retire", "personnel_no": "P999", "on": "2023-01-01"}'),
        (2, '{"command": "cadre retire", "personnel_no": "P003", "on": "2023-01-01"}'),
    ]
    report = import_lines(app, lines)
    assert report.applied == 1
    assert [(r.line, r.error) for r in report.refused] == [
        (1, "no cadre with personnel number P999")
    ]
