"""Shared fixtures: every store-backed test runs on SQLite and on the real PostgreSQL.

PostgreSQL address from LIFELEDGER_TEST_PG (default the local server, database ``test``).
Where no server answers the PostgreSQL half is skipped with the reason, except under
CI=true, where it fails: CI must exercise the real server.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from ledger.application import LedgerApplication
from ledger.domain.regulation import AdminLevel, AuthorityKind, KeyRole, UnitKind
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig

# Messages in English unless a test asks for Chinese (tests/test_i18n.py): the assertions
# quote them exactly, whatever the locale of the machine running the suite.
os.environ["LIFELEDGER_LANG"] = "en"

PG_URL = os.environ.get("LIFELEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

# Commits on the shared PostgreSQL server do not wait for its disk (about 5 ms each on this
# machine, thousands in a run). A transaction is as atomic, ordered and visible to every other
# session as before; only a crash of the server itself could lose the last ones, and no test
# crashes the shared server: the restarts of tests/test_faults.py are on a private cluster,
# whose connections commit synchronously (tests/private_postgres.py). Every connection of the
# test processes and of their subprocesses reads this (libpq's PGOPTIONS), unless already set.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")

#: Where the run's temporary files go when the machine has a memory file system and TMPDIR
#: is not set: every ledger file, key file and private PostgreSQL cluster of the tests.
MEMORY_FOLDER = Path("/dev/shm")


def pytest_configure(config: pytest.Config) -> None:
    """Temporary files in memory: SQLite and PostgreSQL wait for the disk at every commit
    (fsync), which on a disk made the suite about a third slower, and no test is about the
    disk itself (a full disk is simulated with a file size limit, a crash kills processes,
    not the machine). The first process of a run (the only one, or pytest-xdist's controller)
    makes a fresh folder and exports it as TMPDIR, so the workers and every subprocess write
    there too; it is removed when the run ends. Set TMPDIR to choose a folder yourself."""
    if hasattr(config, "workerinput"):
        return  # the controller's environment is inherited
    # Fixtures of wider scope than a test (module templates) read too: never in the real
    # state folder of whoever runs the tests (each test then gets its own: _own_state_folder).
    os.environ["LIFELEDGER_STATE_DIR"] = str(Path(tempfile.gettempdir()) / "lifeledger-state")
    if "TMPDIR" in os.environ:
        return
    if not (MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK)):
        return
    folder = tempfile.mkdtemp(prefix="lifeledger-tests-", dir=MEMORY_FOLDER)
    # As /tmp: the tests that run a server or a command as another OS user reach into it.
    os.chmod(folder, 0o1777)
    os.environ["TMPDIR"] = folder
    tempfile.tempdir = None  # tempfile and pytest's tmp_path read TMPDIR afresh
    os.environ["LIFELEDGER_STATE_DIR"] = str(Path(folder) / "lifeledger-state")
    config.stash[_MEMORY_TMPDIR] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_MEMORY_TMPDIR, None)
    if folder is not None:
        for path in Path(folder).rglob("*"):  # folders a test left read-only
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o700)
        shutil.rmtree(folder, ignore_errors=True)


_MEMORY_TMPDIR = pytest.StashKey[str]()

#: The files that keep a worker longest, longest first (measured with ``--durations=0 -n 2``:
#: 40 s for the import's faults, half of it waiting for a stopped private PostgreSQL server to
#: be given up on, down to 8 s). They are collected
#: first, so that ``-n auto --dist loadfile`` starts them at once and ends with the short files,
#: every worker busy, not with one still in a long file after the others are done.
LONGEST_FIRST = (
    "test_faults.py",
    "test_properties.py",
    "test_faults_verify.py",
    "test_crash.py",
    "test_projections_follow.py",
    "test_case_index.py",
    "test_tamper.py",
    "test_verify.py",
    "test_trusted_reads.py",
    "test_documents.py",
    "test_documents_reports.py",
    "test_cli_find.py",
    "test_migrate.py",
    "test_art11_12_periods.py",
    "test_bench_smoke.py",
    "test_readme.py",
)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown when it is not loaded
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: a worker per core, plus one. About 50 s of a run is the fault tests
    waiting for a stopped PostgreSQL server to be given up on, using no CPU; the extra
    worker computes meanwhile (two cores, quiet machine: 3 min 6 s with two workers, 2 min
    59 s with three)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order kept


@pytest.fixture(autouse=True)
def _own_state_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every test reads with a workstation state folder of its own (``LIFELEDGER_STATE_DIR``,
    inherited by subprocesses): ledgers copied from one template share a root key, and what
    one test's reads remembered would otherwise be taken for a rollback in the next one."""
    monkeypatch.setenv("LIFELEDGER_STATE_DIR", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(autouse=True)
def _output_to_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands print as to a file or a pipe: tables take whole lines unless a test sets a
    width. pytest-xdist workers inherit ``COLUMNS=80``, which would fit every table to 80
    columns (leaving columns out) in the parallel run alone."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(autouse=True)
def _english_unless_asked() -> Iterator[None]:
    """Every test starts in English, whatever a test before it in the same worker chose:
    choosing Chinese in-process also sets ``LANGUAGE`` (for click's own texts), which the
    subprocesses of later tests would otherwise inherit."""
    from ledger.i18n import language, set_language

    os.environ["LIFELEDGER_LANG"] = "en"
    os.environ.pop("LANGUAGE", None)
    if language() != "en":
        set_language("en")
    yield
    os.environ["LIFELEDGER_LANG"] = "en"
    os.environ.pop("LANGUAGE", None)
    if language() != "en":
        set_language("en")


@cache
def postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    cfg = StoreConfig.parse(PG_URL)
    try:
        with psycopg.connect(cfg.conninfo, connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"no PostgreSQL server answers at {PG_URL}: {str(e).strip().splitlines()[0]}"


def require_postgres() -> None:
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires PostgreSQL: {problem}")
        pytest.skip(problem)


def drop_schema(url: str) -> None:
    cfg = StoreConfig.parse(url)
    with cfg.connect() as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(cfg.schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty ledger location on each store."""
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("ledger") / "ledger.db")
        return
    require_postgres()
    url = f"{PG_URL}?schema=t_{uuid.uuid4().hex[:16]}"
    try:
        yield url
    finally:
        drop_schema(url)


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("ledger") / "ledger.db")


@pytest.fixture(scope="session")
def root_signer() -> Signer:
    return Signer.generate()


@pytest.fixture(scope="session")
def discipline_signer() -> Signer:
    return Signer.generate()


@pytest.fixture(scope="session")
def petition_signer() -> Signer:
    return Signer.generate()


def new_ledger(
    url: str, root_signer: Signer, discipline_signer: Signer, petition_signer: Signer | None = None
) -> LedgerApplication:
    """The ``app`` fixture's ledger at ``url``: root key (organisation dept), a discipline-organ
    recorder key (the signer), a petition-agency key if given, one unit and three cadres."""
    ledger = LedgerApplication(StoreConfig.parse(url), root_signer)
    ledger.initialise(root_signer, "省委组织部管理员", "湖南省委组织部", AuthorityKind.ORGANISATION)
    ledger.add_key(
        discipline_signer.public_raw,
        "纪检干部甲",
        "长沙市纪委监委",
        AuthorityKind.DISCIPLINE,
        KeyRole.RECORDER,
    )
    if petition_signer is not None:
        ledger.add_key(
            petition_signer.public_raw,
            "信访干部乙",
            "长沙市信访局",
            AuthorityKind.PETITION,
            KeyRole.RECORDER,
        )
    ledger.signer = discipline_signer
    ledger.add_unit("CS-XF", "长沙市某区信访局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    for no, name, post in (
        ("P001", "王局长", "局长"),
        ("P002", "李副局长", "副局长"),
        ("P003", "张委员", "党组成员"),
    ):
        ledger.add_cadre(no, name, "CS-XF", post, dt.date(2015, 1, 5))
    return ledger


@pytest.fixture
def app(
    store_url: str, root_signer: Signer, discipline_signer: Signer, petition_signer: Signer
) -> Iterator[LedgerApplication]:
    """An initialised ledger: root key (organisation dept), a discipline-organ recorder key
    (the signer), a petition-agency key, one unit and three cadres."""
    ledger = new_ledger(store_url, root_signer, discipline_signer, petition_signer)
    try:
        yield ledger
    finally:
        ledger.close()
