"""Bad input never corrupts (hypothesis): random and malformed commands, dates, identifiers and
Unicode — control characters, lone surrogates, right-to-left text, emoji, ~100 kB text — thrown
at the application, at the JSON import path and at the CLI.

Each command is either accepted, or refused with a LedgerError subclass having written nothing
(CLI: exit 1 with ``Error: ...``, or exit 2 for usage), never another exception or a traceback;
the ledger verifies clean afterwards. One fresh SQLite ledger per test function.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from cli_support import subcommands
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scenarios import decided_case

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.commands import COMMANDS, execute
from ledger.domain.case_rules import TeamMember
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.ids import case_id
from ledger.domain.limits import LONG_TEXT
from ledger.domain.regulation import (
    AdminLevel,
    AppealOutcome,
    AuthorityKind,
    KeyRole,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    Severity,
    TeamRole,
    UnitKind,
)
from ledger.errors import LedgerError
from ledger.importer import import_lines
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.tables import LedgerTables
from projections.api import Projections

PASSPHRASE = "correct horse battery staple"
SERIAL = itertools.count(1)
FUZZ = settings(
    max_examples=400,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- values ---------------------------------------------------------------------------------

SPECIAL = [
    "", " ", "\t", "\n", "\x00", "a\x00b", "\x1b[2J\x1b[31mOK", "\x7f", "\x85", "\u2028",
    "\u202eevil.exe\u202c", "مرحبا بالعالم", "שלום עולם", "🙂", "👨‍👩‍👧‍👦", "\ufeffBOM", "\ud800",
    "a\udcffb", "e\u0301", "Ω≈ç√∫", "湘纪〔2024〕1号", "长纪案〔2024〕1号", "P001", "CS-XF", "C1",
    "%s%n{0}", "'; DROP TABLE stored_events; --", "null", "1e309", "-1", "0", "--help", "-",
    "\\", '"', "Robert'); --", "\U0010ffff", "\uffff",
]  # fmt: skip
LONG = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["推诿扯皮，", "a", "🙂", "\u202eمرحبا", "x\x00"]),
    st.integers(15_000, 34_000),
)  # about 100 kB of UTF-8
NASTY = st.sampled_from(SPECIAL)
PLAIN = st.sampled_from(["推诿扯皮，造成不良影响", "称已多次协调", "长沙市纪委监委", "局长", "x"])
TEXT = st.one_of(
    NASTY,
    st.builds(lambda a, t: f"{a}{t}{a}", PLAIN, NASTY),  # plausible text around a nasty bit
    PLAIN,
    st.text(max_size=30),
    st.text(st.characters(exclude_categories=()), max_size=12),  # surrogates included
    LONG,
)
DATE = st.one_of(
    st.dates(dt.date(2016, 1, 1), dt.date(2024, 12, 31)),
    st.dates(dt.date(2016, 1, 1), dt.date(2024, 12, 31)),
    st.dates(),  # year 1 to 9999: the future too
)


def known_or(values: list[str]) -> st.SearchStrategy[str]:
    """Mostly a record that exists (so commands get far), else any text."""
    return st.one_of(st.sampled_from(values), st.sampled_from(values), TEXT)


KNOWN_CASES = ["长纪案〔2024〕1号", "C1"]
CASE_NO = known_or(KNOWN_CASES)
PERSON_NO = known_or(["P001", "P002", "P003", "P999"])
UNIT_CODE = known_or(["CS-XF", "CS-GOV"])
PARTY = st.sampled_from(PartyType)
GROUNDS = st.one_of(st.just([12]), st.lists(st.integers(-3, 20), max_size=4))


def measures() -> st.SearchStrategy[Measures]:
    return st.builds(
        Measures,
        st.lists(st.sampled_from(Measure), max_size=3).map(tuple),
        st.none() | st.sampled_from(Severity),
        TEXT,
    )


def document() -> st.SearchStrategy[DecisionDocument]:
    return st.builds(
        DecisionDocument,
        number=TEXT, decided_on=DATE, facts=TEXT, basis=TEXT, measures=measures(),
        approving_authority=TEXT, effective_date=st.none() | DATE, appeal_authority=TEXT,
        appeal_period_days=st.sampled_from([15, 15, 0, -1, 30]),
    )  # fmt: skip


#: Every write command of the application, with strategies for its arguments.
APP_COMMANDS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "add_unit": st.tuples(UNIT_CODE, TEXT, st.sampled_from(UnitKind), st.sampled_from(AdminLevel)),
    "add_cadre": st.tuples(PERSON_NO, TEXT, UNIT_CODE, TEXT, DATE),
    "move_cadre": st.tuples(PERSON_NO, UNIT_CODE, TEXT, DATE),
    "retire_cadre": st.tuples(PERSON_NO, DATE),
    "open_case": st.tuples(
        CASE_NO,
        DATE,
        GROUNDS,
        TEXT,
        DATE,
        st.lists(st.sampled_from(ResultElement), max_size=3),
        TEXT,
    ),
    "assign": st.tuples(
        CASE_NO,
        PARTY,
        st.one_of(PERSON_NO, UNIT_CODE),
        st.sampled_from(Responsibility),
        DATE,
        st.booleans(),
    ),
    "record_objection": st.tuples(CASE_NO, PERSON_NO, DATE, TEXT),
    "assign_team": st.tuples(
        CASE_NO,
        UNIT_CODE,
        st.lists(
            st.builds(TeamMember, PERSON_NO, st.sampled_from(TeamRole), st.booleans()), max_size=3
        ),
        DATE,
    ),
    "hear": st.tuples(CASE_NO, PARTY, st.one_of(PERSON_NO, UNIT_CODE), DATE, TEXT),
    "decide": st.tuples(CASE_NO, PARTY, st.one_of(PERSON_NO, UNIT_CODE), document()),
    "announce": st.tuples(CASE_NO, PARTY, PERSON_NO, DATE, TEXT),
    "enter_in_file": st.tuples(CASE_NO, PERSON_NO, DATE, TEXT, TEXT),
    "receive": st.tuples(CASE_NO, PARTY, PERSON_NO, DATE),
    "appeal": st.tuples(CASE_NO, PARTY, PERSON_NO, DATE, TEXT),
    "decide_appeal": st.tuples(
        CASE_NO,
        PARTY,
        PERSON_NO,
        DATE,
        st.sampled_from(AppealOutcome),
        TEXT,
        st.none() | measures(),
    ),
    "refer": st.tuples(CASE_NO, PARTY, PERSON_NO, DATE, TEXT, TEXT),
    "close_case": st.tuples(CASE_NO, DATE, TEXT),
    "add_key": st.tuples(
        st.binary(min_size=0, max_size=40),
        TEXT,
        TEXT,
        st.sampled_from(AuthorityKind),
        st.sampled_from(KeyRole),
    ),
    "revoke_key": st.tuples(st.one_of(st.text(max_size=20), st.sampled_from(["00" * 8])), TEXT),
    "case": st.tuples(CASE_NO),
    "cadre": st.tuples(PERSON_NO),
    "unit": st.tuples(UNIT_CODE),
}


def event_count(app: LedgerApplication) -> int:
    return LedgerTables(app).leaf_count()


def assert_accepted_or_refused(app: LedgerApplication, call: Callable[[], Any], label: str) -> None:
    """The command is recorded, or refused with a ledger error and nothing written."""
    before = event_count(app)
    try:
        call()
    except LedgerError as e:
        assert str(e).strip(), f"{type(e).__name__} without a message"
        assert event_count(app) == before, f"refused ({e}) but something was written"
        event(f"{label}: {type(e).__name__}")
    else:
        event(f"{label}: accepted" + (" (recorded)" if event_count(app) > before else ""))


#: One fresh SQLite ledger per test function (not per example): the conftest ``app`` on SQLite.
sqlite_only = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


@pytest.fixture
def ledger(app: LedgerApplication) -> Iterator[LedgerApplication]:
    """The conftest ledger, with one decided case to act on; verified clean at the end."""
    decided_case(app)
    yield app
    result = verify_store(app)
    assert result, result.summary()


@sqlite_only
@FUZZ
@given(data=st.data())
def test_application_commands_with_random_input_are_recorded_or_refused(
    ledger: LedgerApplication, root_signer: Signer, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(APP_COMMANDS)), label="command")
    args = data.draw(APP_COMMANDS[name], label="args")
    if name == "add_key" and data.draw(st.booleans(), label="as root"):
        with ledger._signed_by(root_signer):  # key management needs an admin key
            assert_accepted_or_refused(ledger, lambda: ledger.add_key(*args), "add_key as root")
        return
    assert_accepted_or_refused(ledger, lambda: getattr(ledger, name)(*args), name)


# --- the JSON import path -----------------------------------------------------------------

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=6,
)  # fmt: skip


def _params(path: str) -> list[click.Parameter]:
    command: Any = cli
    for part in path.split():
        command = subcommands(command)[part]
    return list(command.params)


def _field_names(path: str) -> list[str]:
    return [p.name for p in _params(path) if p.name and p.name != "as_json"]


def plausible(name: str) -> st.SearchStrategy[Any]:
    """Values that often fit the field (so that commands get far), and often do not."""
    if name in ("on", "date", "since", "incident_date", "opened_on", "effective_date"):
        return st.one_of(DATE.map(str), TEXT, st.integers())
    if name == "ground":
        return st.one_of(st.lists(st.integers(0, 17) | st.sampled_from(["十一", "(十二)"]),
                                  max_size=3), st.integers(), TEXT)  # fmt: skip
    if name == "case_no":
        return CASE_NO
    if name in ("person", "personnel_no", "member"):
        return PERSON_NO
    if name in ("unit", "unit_code", "code"):
        return UNIT_CODE
    return JSON_VALUE


@st.composite
def import_line(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    command = draw(st.sampled_from([*sorted(COMMANDS), "case explode", ""]))
    names = _field_names(command) if command in COMMANDS else []
    fields = {n: draw(plausible(n)) for n in names if draw(st.integers(0, 4))}
    fields.update(draw(st.dictionaries(st.text(max_size=10), JSON_VALUE, max_size=2)))
    return command, fields


@sqlite_only
@FUZZ
@given(line=import_line())
def test_import_lines_with_random_fields_are_recorded_or_refused(
    ledger: LedgerApplication, line: tuple[str, dict[str, Any]]
) -> None:
    command, fields = line
    assert_accepted_or_refused(ledger, lambda: execute(ledger, command, fields), command)


@sqlite_only
@settings(FUZZ, max_examples=60)
@given(text=st.one_of(TEXT, st.binary().map(lambda b: b.decode("utf-8", "replace"))))
def test_malformed_import_lines_are_reported_never_raised(
    ledger: LedgerApplication, text: str
) -> None:
    before = event_count(ledger)
    report = import_lines(ledger, [(1, text)])
    assert report.applied + len(report.refused) + report.blank == 1
    if not report.applied:
        assert event_count(ledger) == before


# --- the CLI --------------------------------------------------------------------------------

#: Not fuzzed: they make new ledgers or stores elsewhere (covered by their own tests).
SKIPPED = {"demo", "init", "migrate", "import"}


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(subcommands(group).items()):
        if not prefix and name in SKIPPED:
            continue
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*prefix, name))
            if command.invoke_without_command:
                yield (*prefix, name)
        else:
            yield (*prefix, name)


CLI_COMMANDS = sorted(_leaf_commands(cli))
CLI_WORDS = {word for path in CLI_COMMANDS for word in path}


def _value(param: click.Parameter) -> st.SearchStrategy[str]:
    """A command-line word for this parameter: a fitting one, or any text."""
    kind = param.type
    fitting: st.SearchStrategy[str]
    if isinstance(kind, click.Choice):
        fitting = st.sampled_from([str(c) for c in kind.choices])
    elif isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        fitting = st.integers(-2, 40).map(str)
    elif kind.name == "date":
        fitting = DATE.map(str)
    elif isinstance(kind, click.Path | click.File):
        fitting = st.sampled_from(["out.json", "missing/dir/x", "-", ""])
    elif param.name in ("case_no", "person", "personnel_no", "member", "unit", "unit_code"):
        fitting = plausible(param.name)
    else:
        fitting = TEXT
    # An operating system cannot pass NUL in an argument (argv holds C strings).
    return st.one_of(fitting, fitting, TEXT).map(lambda v: v.replace("\x00", ""))


@st.composite
def cli_args(draw: st.DrawFn) -> list[str]:
    path = draw(st.sampled_from(CLI_COMMANDS), label="command")
    args = list(path)
    for param in _params(" ".join(path)):
        if param.name in ("as_json", "help"):
            continue
        if not param.required and not draw(st.integers(0, 2)):
            continue
        if isinstance(param, click.Argument):
            args.append(draw(_value(param)))
            continue
        assert isinstance(param, click.Option)
        flag = param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
        if param.is_flag:
            args.append(flag)
            continue
        for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
            args += [flag, draw(_value(param))]
    if draw(st.integers(0, 9)) == 0:
        args.insert(draw(st.integers(0, len(args))), draw(TEXT).replace("\x00", ""))
    return args


@pytest.fixture
def cli_ledger(ledger: LedgerApplication, discipline_signer: Signer, tmp_path: Path) -> Path:
    key = tmp_path / "discipline.pem"
    discipline_signer.save(key, PASSPHRASE)
    return key


@sqlite_only
@settings(FUZZ, max_examples=400)
@given(args=cli_args())
def test_cli_commands_with_random_arguments_succeed_or_fail_cleanly(
    ledger: LedgerApplication, cli_ledger: Path, args: list[str], tmp_path_factory: Any
) -> None:
    before = event_count(ledger)
    workdir = tmp_path_factory.mktemp("cwd")
    runner = CliRunner()
    with contextlib.chdir(workdir):  # files the command writes land in a fresh directory
        result = runner.invoke(
            cli,
            ["--db", ledger.store.url, "--key", str(cli_ledger), *args],
            env={
                "LIFELEDGER_PASSPHRASE": PASSPHRASE,
                "LIFELEDGER_NEW_PASSPHRASE": PASSPHRASE,
                "LIFELEDGER_DB": None,
                "LIFELEDGER_KEY": None,
            },
            catch_exceptions=False,  # anything unexpected fails the test with its traceback
            prog_name="lifeledger",
        )
    known = [a for a in args if a in CLI_WORDS][:2]  # random words are not valid labels
    event(f"{' '.join(known)}: exit {result.exit_code}")
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    if result.exit_code == 2:
        assert "Usage:" in result.stderr or result.stderr.startswith("Error: "), result.output
    elif result.exit_code == 1:  # refused, or a verification that found something (FAILED)
        refused = any(line.startswith("Error: ") for line in result.stderr.splitlines())
        assert refused or "FAILED" in result.output, (args, result.output)
        assert event_count(ledger) == before, f"exit 1 but something was written: {args}"


@sqlite_only
def test_a_unicode_text_at_the_facts_limit_reads_back_exactly(ledger: LedgerApplication) -> None:
    """Facts at their limit (ledger/domain/limits.py) in mixed scripts, RTL marks and emoji
    are kept to the last character."""
    text = ("推诿扯皮，\u202eمرحبا\u202c 🙂👨‍👩‍👧 שלום\n" * 4000)[:LONG_TEXT]
    ledger.open_case("长纪案〔2024〕长", dt.date(2024, 3, 1), [12], text, dt.date(2024, 4, 1),
                     results=[ResultElement.ADVERSE_IMPACT])  # fmt: skip
    assert ledger.case("长纪案〔2024〕长").facts == text
    copy = LedgerApplication(StoreConfig.parse(ledger.store.url), None)
    try:
        assert copy.case("长纪案〔2024〕长").facts == text
    finally:
        copy.close()
    assert len(text) == LONG_TEXT
    assert len(json.dumps(text, ensure_ascii=False).encode()) > 40_000


def texts_on_record(url: str, case_no: str) -> dict[str, str]:
    """Every text of the case's events as a fresh application reads them from the store
    (each event's signature checked): the opening's facts, each hearing's statement and
    defence, the closing summary."""
    fields = {"Opened": "facts", "DefenceHeard": "statement", "Closed": "summary"}
    reader = LedgerApplication(StoreConfig.parse(url), None)
    try:
        return {
            type(e).__name__: getattr(e, fields[type(e).__name__])
            for e in reader.events.get(case_id(case_no))
            if type(e).__name__ in fields
        }
    finally:
        reader.close()


def run_whole_case(
    app: LedgerApplication, case_no: str, facts: str, statement: str, summary: str
) -> int:
    """Open, assign, hear and close a case; returns how many steps were recorded (a refused
    step having written nothing)."""
    steps: list[Callable[[], Any]] = [
        lambda: app.open_case(
            case_no, dt.date(2024, 3, 1), [12], facts, dt.date(2024, 4, 1),
            results=[ResultElement.ADVERSE_IMPACT],
        ),
        lambda: app.assign(
            case_no, PartyType.PERSON, "P001", Responsibility.DIRECT, dt.date(2024, 4, 2)
        ),
        lambda: app.hear(case_no, PartyType.PERSON, "P001", dt.date(2024, 4, 3), statement),
        lambda: app.close_case(case_no, dt.date(2024, 4, 4), summary),
    ]  # fmt: skip
    done = 0
    for step in steps:
        before = event_count(app)
        try:
            step()
        except LedgerError as e:
            assert event_count(app) == before
            event(f"step {done + 1} refused: {type(e).__name__}")
            break
        done += 1
    event(f"steps recorded: {done}")
    return done


def assert_read_back_exactly(
    app: LedgerApplication, case_no: str, done: int, texts: dict[str, str]
) -> None:
    """The texts of the ``done`` recorded steps, read back exactly: from the store by a fresh
    application, from the case's state, and by the read models (never wedged by what the
    ledger accepted)."""
    written = unicodedata.normalize("NFKC", case_no).strip()  # one written form (issue 13.7)
    expected = {"Opened": texts["Opened"]}
    if done >= 3:
        expected["DefenceHeard"] = texts["DefenceHeard"]
    if done == 4:
        expected["Closed"] = texts["Closed"]
    assert texts_on_record(app.store.url, written) == expected
    case = app.case(written)
    assert (case.case_no, case.facts) == (written, texts["Opened"])
    assert case.state.close_summary == (texts["Closed"] if done == 4 else None)
    views = Projections(app)
    try:
        views.catch_up()
        assert views.case_state(written).case_no == written
    finally:
        views.close()


@settings(FUZZ, max_examples=80)
@given(case_no=TEXT, facts=TEXT, statement=TEXT, summary=TEXT)
def test_free_text_through_a_whole_case_is_kept_exactly_or_refused_on_both_stores(
    ledger: LedgerApplication, case_no: str, facts: str, statement: str, summary: str
) -> None:
    """A case whose every text is odd: each step recorded with its text read back exactly,
    or refused having written nothing."""
    case_no = f"{case_no}〔{next(SERIAL)}〕"  # a new case each time
    done = run_whole_case(ledger, case_no, facts, statement, summary)
    if done:
        texts = {"Opened": facts, "DefenceHeard": statement, "Closed": summary}
        assert_read_back_exactly(ledger, case_no, done, texts)


#: Text the ledger must accept: any character but controls (tab and line breaks allowed) and
#: lone surrogates, not blank, up to the field's limit (LONG_TEXT characters).
VALID_CHARACTERS = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r")
VALID_TEXT = st.one_of(
    st.text(VALID_CHARACTERS, min_size=1, max_size=60),
    st.builds(
        lambda unit, n: (unit * n)[:LONG_TEXT],
        st.sampled_from(["推诿扯皮，", "称已多次协调。\n", "🙂\u202eمرحبا", "Ω≈ç√∫ "]),
        st.integers(400, LONG_TEXT),
    ),  # long texts, up to the limit exactly
).filter(lambda t: t.strip() != "")


@settings(FUZZ, max_examples=60)
@given(facts=VALID_TEXT, statement=VALID_TEXT, summary=VALID_TEXT)
def test_valid_texts_through_a_whole_case_are_all_accepted_and_kept_exactly_on_both_stores(
    ledger: LedgerApplication, facts: str, statement: str, summary: str
) -> None:
    """Nothing valid is refused, and nothing accepted is changed: every step of the case is
    recorded, and every text (facts, statement and defence, closing summary) is read back to
    the last character."""
    case_no = f"长纪案〔2025〕性{next(SERIAL)}号"  # not the fixture's case
    assert run_whole_case(ledger, case_no, facts, statement, summary) == 4
    texts = {"Opened": facts, "DefenceHeard": statement, "Closed": summary}
    assert_read_back_exactly(ledger, case_no, 4, texts)
