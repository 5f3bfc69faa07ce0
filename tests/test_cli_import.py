"""The command table behind the CLI and `import` (ledger/importer.py), on both stores."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import click
import psycopg
import pytest
from cli_support import CliLedger, build_template, copy_of, subcommands
from psycopg import sql

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.commands import COMMANDS, Fields, execute, parse_ground
from ledger.domain import topics
from ledger.domain.imports import ImportedLine
from ledger.domain.regulation import Responsibility, ResultElement
from ledger.errors import InvalidInputError
from ledger.importer import import_lines, parse_line
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.tables import LedgerTables

CASE = {"case_no": "I1"}
WHOLE_CASE: list[tuple[str, dict[str, object]]] = [
    ("case open", {**CASE, "incident_date": "2023-03-14", "opened_on": "2023-04-03",
                   "ground": ["十一", 12], "result": ["conflict_intensified", "adverse_impact"],
                   "facts": "f"}),
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
    ("case notify-appeal", {**CASE, "person": "P001", "on": "2023-06-09", "to": "本人及所在单位"}),
    ("case refer", {**CASE, "person": "P002", "on": "2023-06-10", "organ": "检察院",
                    "reason": "涉嫌犯罪"}),
    ("case close", {**CASE, "on": "2023-07-01", "summary": "结案"}),
]  # fmt: skip


def test_every_importable_command_is_a_cli_command_with_the_same_name() -> None:
    for name in COMMANDS:
        group, _, sub = name.partition(" ")
        command = subcommands(cli)[group]
        assert isinstance(command, click.Group) and sub in subcommands(command), name


def test_a_whole_case_runs_through_the_command_table(app: LedgerApplication) -> None:
    for name, fields in WHOLE_CASE:
        outcome = execute(app, name, fields)
        assert outcome.command == name
    case = app.case("I1")
    assert case.status == "closed"
    assert case.parties["person:P001"].decision.revoked is True
    assert case.parties["person:P003"].responsibility == "none"


def test_fields_refuse_what_the_command_does_not_take(app: LedgerApplication) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown field\(s\) colour"):
        execute(app, "cadre retire", {"personnel_no": "P001", "on": "2023-01-01",
                                      "colour": "red"})  # fmt: skip


def test_fields_accept_dashed_names_and_refuse_the_same_field_twice() -> None:
    f = Fields("case open", {"incident-date": "2023-01-02"})
    assert f.date("incident_date") == dt.date(2023, 1, 2)
    with pytest.raises(InvalidInputError, match="given twice"):
        Fields("case open", {"incident-date": "x", "incident_date": "y"})


def test_fields_name_the_bad_value() -> None:
    with pytest.raises(InvalidInputError) as e:
        Fields("case hear", {"on": "2023-02-30"}).date("on")
    assert str(e.value) == "case hear: 'on' is not a date: '2023-02-30'; use YYYY-MM-DD"
    with pytest.raises(InvalidInputError) as e:
        Fields("case assign", {"responsibility": "some"}).enum("responsibility", Responsibility)
    assert str(e.value).startswith("case assign: 'responsibility' must be one of collective,")


@pytest.mark.parametrize(
    ("given", "number"),
    [(11, 11), ("11", 11), ("十一", 11), ("（十一）", 11), ("(三)", 3), (17, 17)],
)
def test_grounds_are_given_by_number_or_numeral(given: object, number: int) -> None:
    assert parse_ground(given) == number


def test_a_ground_that_is_neither_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"is not a ground of Art\. 4"):
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


# transactions of many lines ---------------------------------------------------------------------
def _line(command: str, **fields: object) -> str:
    return json.dumps({"command": command, **fields}, ensure_ascii=False)


def _open(case_no: str, facts: str = "推诿扯皮") -> str:
    return _line("case open", case_no=case_no, incident_date="2024-03-01",
                 opened_on="2024-04-01", ground=[12], consequence="adverse_impact",
                 facts=facts)  # fmt: skip


def _assign(case_no: str, person: str = "P001") -> str:
    return _line("case assign", case_no=case_no, person=person, responsibility="direct",
                 on="2024-04-10")  # fmt: skip


def _hear(case_no: str, statement: str = "称已多次协调") -> str:
    return _line("case hear", case_no=case_no, person="P001", on="2024-04-20",
                 statement=statement)  # fmt: skip


def _numbered(*lines: str) -> list[tuple[int, str]]:
    return list(enumerate(lines, start=1))


def _events(app: LedgerApplication) -> int:
    """The commands' events in the log: every leaf but the import lines' idempotency records
    (one per applied line, counted by `_records`)."""
    return LedgerTables(app).leaf_count() - _records(app)


def _records(app: LedgerApplication) -> int:
    count, start = 0, 0
    while page := app.recorder.select_notifications(
        start, 1000, inclusive_of_start=False, topics=[topics.event_topic(ImportedLine, "Applied")]
    ):
        count += len(page)
        start = page[-1].id
    return count


def _topics_after(app: LedgerApplication, skip: int) -> list[str]:
    """The commands' event names after the first ``skip`` (idempotency records left out)."""
    out: list[Any] = []
    start = 0
    while page := app.recorder.select_notifications(start, 1000, inclusive_of_start=False):
        out += [n for n in page if not n.topic.startswith("ledger.imports:")]
        start = page[-1].id
    return [n.topic.rsplit(".", 1)[-1] for n in out[skip:]]


def test_a_refused_line_inside_a_transaction_is_reported_and_the_others_committed(
    app: LedgerApplication,
) -> None:
    before = _events(app)
    rejected: list[int] = []
    report = import_lines(
        app,
        _numbered(_open("K1"), _assign("K1"), _hear("K2"), "", _hear("K1"), _open("K2")),
        on_refused=lambda n, _text: rejected.append(n),
    )
    assert (report.applied, report.blank, report.transactions) == (4, 1, 1)
    assert [(r.line, r.command, r.error) for r in report.refused] == [
        (3, "case hear", "no case K2")
    ]
    assert rejected == [3]
    assert report.not_attempted_from is None
    assert _events(app) == before + 4
    assert _topics_after(app, before) == [
        "Opened", "ResponsibilityAssigned", "DefenceHeard", "Opened",
    ]  # fmt: skip
    assert verify_store(app)


def test_a_case_opened_twice_in_one_file_is_refused_the_second_time(
    app: LedgerApplication,
) -> None:
    before = _events(app)
    report = import_lines(
        app, _numbered(_open("K1"), _assign("K1"), _open("K1", "另一份事实"), _hear("K1"))
    )
    assert report.applied == 3
    assert [(r.line, r.error) for r in report.refused] == [(3, "case K1 is already open")]
    assert _events(app) == before + 3
    assert app.case("K1").facts == "推诿扯皮"
    again = import_lines(app, _numbered(_open("K1")))  # the very line: already applied
    assert (again.applied, again.already_applied, again.refused) == (0, 1, [])
    other = import_lines(app, _numbered(_open("K1", "又一份事实")))
    assert [(r.line, r.error) for r in other.refused] == [(1, "case K1 is already open")]
    assert _events(app) == before + 3


def test_a_line_keyed_by_its_id_is_applied_once_however_its_text_is_written_again(
    app: LedgerApplication,
) -> None:
    keyed = json.loads(_open("K1"))
    first = import_lines(app, _numbered(json.dumps({"id": "K1-open", **keyed})))
    assert (first.applied, first.already_applied) == (1, 0)
    before, records = _events(app), _records(app)
    rewritten = json.dumps({"id": "K1-open", **keyed, "facts": "推诿扯皮（复核后改写）"})
    again = import_lines(app, _numbered(rewritten, _assign("K1")))
    assert (again.applied, again.already_applied, again.refused) == (1, 1, [])
    assert app.case("K1").facts == "推诿扯皮"
    assert (_events(app), _records(app)) == (before + 1, records + 1)  # the assignment only


def test_a_line_without_an_id_is_keyed_by_its_content_and_its_place_among_equal_lines(
    app: LedgerApplication,
) -> None:
    reordered = json.dumps(dict(reversed(list(json.loads(_open("K1")).items()))))
    first = import_lines(app, _numbered(_open("K1"), _assign("K1")))
    assert (first.applied, first.already_applied) == (2, 0)
    before = _events(app), _records(app)
    again = import_lines(app, _numbered(reordered, _assign("K1"), _assign("K1")))
    # the same fields in another order are the same line; a second equal line is a new one
    assert (again.applied, again.already_applied) == (0, 2)
    assert [(r.line, r.error) for r in again.refused] == [
        (3, "个人 P001 already has a responsibility finding in case K1")
    ]
    assert (_events(app), _records(app)) == before


def test_a_line_refused_after_its_event_was_made_leaves_its_case_untouched(
    app: LedgerApplication,
) -> None:
    before = _events(app)
    report = import_lines(
        app, _numbered(_open("K1"), _assign("K1"), _hear("K1", "称\u0001已协调"), _hear("K1"))
    )
    assert report.applied == 3
    assert [r.line for r in report.refused] == [3]
    assert "U+0001" in report.refused[0].error
    assert _events(app) == before + 3
    assert app.case("K1").parties["person:P001"].hearings == [dt.date(2024, 4, 20)]
    assert verify_store(app)


def test_lines_are_committed_in_transactions_of_the_given_size_in_file_order(
    app: LedgerApplication,
) -> None:
    before = _events(app)
    lines = [f(f"K{i}") for i in range(4) for f in (_open, _assign, _hear)]
    # Each line makes two events (its command's and its idempotency record): 10 events are
    # five lines, so 12 lines take three transactions.
    report = import_lines(app, _numbered(*lines), batch_events=10)
    assert report.ok
    assert (report.applied, report.transactions) == (12, 3)
    assert _events(app) == before + 12
    assert _topics_after(app, before) == ["Opened", "ResponsibilityAssigned", "DefenceHeard"] * 4
    assert verify_store(app)


def test_a_stop_on_error_import_commits_the_lines_before_the_refused_one(
    app: LedgerApplication,
) -> None:
    before = _events(app)
    lines = _numbered(_open("K1"), _assign("K1"), _hear("K9"), _hear("K1"), _open("K2"))
    report = import_lines(app, lines, stop_on_error=True, total_lines=5)
    assert (report.applied, report.not_attempted_from, report.last_line) == (2, 4, 5)
    assert _events(app) == before + 2
    resumed = import_lines(app, lines[3:], total_lines=5)
    assert resumed.ok and resumed.applied == 2
    assert _events(app) == before + 4


def test_an_interrupt_commits_the_lines_already_applied_and_reports_the_next(
    app: LedgerApplication,
) -> None:
    before = _events(app)

    def lines() -> Iterator[tuple[int, str]]:
        yield from _numbered(_open("K1"), _assign("K1"), _open("K2"), _assign("K2"), _open("K3"))
        raise KeyboardInterrupt

    # two lines to a transaction (each line: its command's event and its idempotency record)
    report = import_lines(app, lines(), total_lines=9, batch_events=4)
    assert (report.applied, report.transactions, report.interrupted) == (5, 3, True)
    assert report.interrupted_at is None
    assert report.to_dict()["not_attempted"] == {"from_line": 6, "to_line": 9}
    assert _events(app) == before + 5


def _other_writer(app: LedgerApplication, signer: Signer) -> LedgerApplication:
    return LedgerApplication(StoreConfig.parse(app.store.url), signer)


def test_a_concurrent_write_makes_the_transaction_redo_its_lines_one_at_a_time(
    app: LedgerApplication, discipline_signer: Signer
) -> None:
    app.open_case("E", dt.date(2024, 3, 1), [12], "推诿扯皮", dt.date(2024, 4, 1),
                  [ResultElement.ADVERSE_IMPACT])  # fmt: skip
    execute(app, *parse_line(_assign("E")))
    before = _events(app)

    def lines() -> Iterator[tuple[int, str]]:
        yield 1, _open("K1")
        yield 2, _hear("E")  # the batch now holds case E at version 3
        other = _other_writer(app, discipline_signer)
        try:  # another official records a finding in case E meanwhile: E is at version 3
            execute(other, *parse_line(_assign("E", "P002")))
        finally:
            other.close()
        yield 3, _assign("K1")

    report = import_lines(app, lines())
    assert report.ok
    assert (report.applied, report.transactions) == (3, 3)  # redone, one line each
    assert _events(app) == before + 4
    assert _topics_after(app, before) == [
        "ResponsibilityAssigned", "Opened", "DefenceHeard", "ResponsibilityAssigned",
    ]  # fmt: skip
    case = app.case("E")
    assert sorted(case.parties) == ["person:P001", "person:P002"]
    assert case.parties["person:P001"].hearings == [dt.date(2024, 4, 20)]
    assert verify_store(app)


def test_a_case_opened_by_another_writer_meanwhile_is_refused_on_the_redo(
    app: LedgerApplication, discipline_signer: Signer
) -> None:
    before = _events(app)

    def lines() -> Iterator[tuple[int, str]]:
        yield 1, _open("K1")
        other = _other_writer(app, discipline_signer)
        try:
            execute(other, *parse_line(_open("K1", "另一位官员录入")))
        finally:
            other.close()
        yield 2, _assign("K1")

    report = import_lines(app, lines())
    assert report.applied == 1
    assert [(r.line, r.error) for r in report.refused] == [(1, "case K1 is already open")]
    assert _events(app) == before + 2
    assert app.case("K1").facts == "另一位官员录入"
    assert list(app.case("K1").parties) == ["person:P001"]
    assert verify_store(app)


def test_a_key_revoked_by_another_writer_during_an_import_refuses_the_lines_not_yet_committed(
    app: LedgerApplication, root_signer: Signer, discipline_signer: Signer
) -> None:
    before = _events(app)

    def lines() -> Iterator[tuple[int, str]]:
        yield 1, _open("K1")
        yield 2, _open("K2")
        admin = _other_writer(app, root_signer)
        try:
            admin.revoke_key(discipline_signer.key_id.hex(), "密钥遗失")
        finally:
            admin.close()
        yield 3, _open("K3")

    report = import_lines(app, lines(), batch_events=2)
    assert report.applied == 2  # lines 1-2 committed before the revocation
    assert [r.line for r in report.refused] == [3]
    assert "was revoked and may not sign" in report.refused[0].error
    assert _topics_after(app, before) == ["Opened", "Opened", "KeyRevoked"]
    assert verify_store(app)
    later = import_lines(app, _numbered(_open("K4"), _open("K5")))  # checked at the start
    assert [r.line for r in later.refused] == [1, 2]
    assert _events(app) == before + 3


@pytest.fixture(scope="module")
def cli_template(tmp_path_factory: pytest.TempPathFactory) -> CliLedger:
    return build_template(tmp_path_factory.mktemp("cli-template"))


def test_the_import_command_takes_the_transaction_size(
    cli_template: CliLedger, tmp_path: Path
) -> None:
    ledger = copy_of(cli_template, tmp_path)
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([_open("K1"), _assign("K1"), _hear("K1")]) + "\n", encoding="utf-8")
    before, commands = ledger.event_count(), ledger.command_event_count()
    data = ledger.json("import", "--batch-events", "4", str(path))  # two lines a transaction
    assert (data["applied"], data["transactions"], data["error"], data["ok"]) == (3, 2, None, True)
    assert ledger.command_event_count() == commands + 3
    assert ledger.event_count() == before + 6  # and the three lines' idempotency records
    assert "--batch-events" in ledger.ok("import", "--help").stdout


def test_imported_cases_are_listed_by_the_read_models(
    cli_template: CliLedger, tmp_path: Path
) -> None:
    ledger = copy_of(cli_template, tmp_path)
    path = tmp_path / "in.jsonl"
    path.write_text(_open("K1") + "\n", encoding="utf-8")
    ledger.ok("import", str(path))
    # The import line's own record (idempotency) has no view row; the census counts it.
    assert [row["case_no"] for row in ledger.json("case", "list")["cases"]] == ["K1"]
    assert ledger.ok("deadlines").stdout
    ledger.ok("import", str(path))  # again: already applied, nothing new
    assert [row["case_no"] for row in ledger.json("case", "list")["cases"]] == ["K1"]


def _rename_table(app: LedgerApplication, old: str, new: str) -> None:
    """Another program renames one of the ledger's tables (a real store failure)."""
    cfg = app.store
    if cfg.kind == "sqlite":
        with closing(sqlite3.connect(str(cfg.path))) as conn:
            conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
            conn.commit()
        return
    with psycopg.connect(
        host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user, autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {} RENAME TO {}").format(
                sql.Identifier(cfg.schema, old), sql.Identifier(new)
            )
        )


def test_a_transaction_the_store_cannot_write_stops_the_import_at_its_first_line(
    app: LedgerApplication,
) -> None:
    before = _events(app)
    lines = _numbered(_open("K1"), _assign("K1"), _open("K2"), _assign("K2"), _open("K3"))

    def failing() -> Iterator[tuple[int, str]]:
        for number, text in lines:
            if number == 4:  # lines 1-2 are committed, 3 waits in the second transaction
                _rename_table(app, "merkle_leaves", "merkle_leaves_away")
            yield number, text

    report = import_lines(app, failing(), batch_events=4)  # two lines to a transaction
    _rename_table(app, "merkle_leaves_away", "merkle_leaves")
    assert (report.applied, report.refused, report.not_attempted_from) == (2, [], 3)
    assert report.error is not None and report.error.startswith("cannot write to ")
    assert report.last_line == 5 and report.ok is False
    assert _events(app) == before + 2
    resumed = import_lines(app, lines[2:])
    assert resumed.ok and resumed.applied == 3
    assert _events(app) == before + 5
    assert verify_store(app)
