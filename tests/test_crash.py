"""SIGKILL in the middle of a bulk write, a projection update or a migration.

The store's transactions are the unit of atomicity: a killed ``lifeledger import`` leaves the
lines it had committed, each whole with its idempotency record, and a ledger that verifies
clean; running the same file again completes it with nothing twice, to the very ledger one
clean run gives. A killed projection update resumes to exactly
what a clean rebuild gives. A killed migration leaves the target empty.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_URL, drop_schema, new_ledger, require_postgres
from ledger_factory import LedgerFactory
from scenarios import open_case

from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.domain.regulation import AuthorityKind, KeyRole
from ledger.errors import NotFoundError
from ledger.migrate import migrate
from ledger.signing.signatures import Envelope, Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint
from ledger.transparency.tables import LedgerTables
from projections import schema
from projections.api import Projections

PASSPHRASE = "correct horse battery staple"
LINES = 400
TIMEOUT = 120


def python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A separate Python process running ``code`` (it must not share our connections)."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(proc: subprocess.Popen[str], ready: Any, what: str) -> None:
    """SIGKILL ``proc`` as soon as ``ready()`` holds; fail if it ended first."""
    deadline = time.monotonic() + TIMEOUT
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the process ended before {what}: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL


def event_count(app: LedgerApplication) -> int:
    return LedgerTables(app).leaf_count()


def case_line(i: int) -> str:
    return json.dumps(
        {
            "command": "case open", "case_no": f"K-{i:04d}", "incident_date": "2024-03-01",
            "opened_on": "2024-04-01", "ground": [12], "consequence": "adverse_impact",
            "facts": f"第{i}件：推诿扯皮，造成不良影响",
        },
        ensure_ascii=False,
    )  # fmt: skip


def hear_line(i: int) -> str:
    return json.dumps(
        {
            "command": "case hear", "case_no": f"K-{i:04d}", "person": "P001",
            "on": "2024-04-20", "statement": f"第{i}件：称已多次协调",
        },
        ensure_ascii=False,
    )  # fmt: skip


def assign_line(i: int) -> str:
    return json.dumps(
        {
            "command": "case assign", "case_no": f"K-{i:04d}", "person": "P001",
            "responsibility": "direct", "on": "2024-04-10",
        }
    )  # fmt: skip


def _official(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path, signer: Signer | None = None
) -> Path:
    """A recorder key file registered in ``app`` (and a checkpoint before the import)."""
    key = tmp_path / "official.pem"
    signer = signer or Signer.generate()
    signer.save(key, PASSPHRASE)
    recorder = app.signer
    app.signer = root_signer
    app.add_key(
        signer.public_raw, "纪检干部丙", "长沙市纪委监委", AuthorityKind.DISCIPLINE,
        KeyRole.RECORDER,
    )  # fmt: skip
    make_checkpoint(app, root_signer)
    app.signer = recorder
    return key


def _history(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> tuple[Path, list[str], Path, dict[str, str]]:
    """An official's key file, the lines of a history of LINES lines written to a file, and
    the environment to import it with."""
    key = _official(app, root_signer, tmp_path)
    lines = [f(i) for i in range(LINES // 3) for f in (case_line, assign_line, hear_line)]
    batch = tmp_path / "history.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"LIFELEDGER_PASSPHRASE": PASSPHRASE, "LIFELEDGER_DB": app.store.url}
    return key, lines, batch, env


def _commands(app: LedgerApplication, skip: int) -> list[str]:
    """The names of the commands' events after position ``skip`` (records left out)."""
    return [
        n.topic.rsplit(".", 1)[-1]
        for n in _events_after(app, skip)
        if not n.topic.startswith("ledger.imports:")
    ]


def test_an_import_killed_midway_leaves_whole_lines_a_clean_ledger_and_resumes(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    key, lines, batch, env = _history(app, root_signer, tmp_path)
    before = event_count(app)
    run = "from cli.main import main; main()"
    # Transactions of 10 lines (two events each): the kill lands between or inside them.
    proc = python(run, "--key", str(key), "import", "--batch-events", "20", str(batch), env=env)
    kill_when(proc, lambda: event_count(app) - before >= 80, "40 lines were imported")

    # Every committed line is whole, with its record, in file order: a prefix of the file.
    done = (event_count(app) - before) // 2
    assert 40 <= done < len(lines)
    assert event_count(app) - before == 2 * done
    expected = ["Opened", "ResponsibilityAssigned", "DefenceHeard"] * (len(lines) // 3)
    assert _commands(app, before) == expected[:done]
    result = verify_store(app)
    assert result, result.summary()

    # Run the same file again: what was applied is skipped, exactly the rest is applied.
    resumed = python(run, "--key", str(key), "import", str(batch), env=env)
    out, err = resumed.communicate(timeout=TIMEOUT)
    assert resumed.returncode == 0, err
    assert "Traceback" not in err
    assert out == (
        f"Imported: {len(lines) - done} line(s) applied, {done} already applied, 0 refused, "
        "0 blank.\n"
    )
    assert _commands(app, before) == expected
    for i in range(len(lines) // 3):
        case = app.case(f"K-{i:04d}")
        assert list(case.parties) == ["person:P001"]
    result = verify_store(app)
    assert result, result.summary()
    assert result.checkpoints == 1


def test_an_import_stopped_with_sigterm_prints_its_summary_and_where_to_resume(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    key, lines, batch, env = _history(app, root_signer, tmp_path)
    before = event_count(app)
    proc = python("from cli.main import main; main()", "--key", str(key), "import",
                  "--batch-events", "20", str(batch), env=env)  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    while event_count(app) - before < 40 and proc.poll() is None:
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    done = (event_count(app) - before) // 2
    assert done < len(lines)
    assert err == "", err
    assert out == (
        f"Imported: {done} line(s) applied, 0 already applied, 0 refused, 0 blank.\n"
        "Interrupted.\n"
        f"Not attempted: lines {done + 1}–{len(lines)}; resume from line {done + 1}: run the "
        "same file again (lines already applied are skipped)\n"
    )


def _rows_without_time(app: LedgerApplication, skip: int) -> list[tuple[Any, ...]]:
    """Each event after ``skip`` as stored: identity, topic, the envelope's header (format
    and key id) and the exact payload bytes with the recorded-time field cut out. (The
    signature covers the recorded time, so it differs between runs; each ledger's signatures
    are checked by ``verify``.)"""
    rows = []
    for n in _events_after(app, skip):
        envelope = Envelope.parse(bytes(n.state))
        payload = re.sub(rb'"timestamp":\{[^}]*\}|"timestamp":"[^"]*"', b"", envelope.payload)
        assert payload != envelope.payload, "no recorded-time field was found to leave out"
        rows.append((n.originator_id, n.originator_version, n.topic, envelope.key_id, payload))
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_an_import_killed_at_random_points_and_rerun_gives_the_ledger_of_one_clean_run(
    store_url: str, root_signer: Signer, discipline_signer: Signer, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    lines = [f(i) for i in range(60) for f in (case_line, assign_line, hear_line)]
    lines.insert(7, lines[4])  # a repeated line stays two lines (refused the second time)
    lines.insert(
        30,
        json.dumps(
            {
                "id": "cadre-P009",
                "command": "cadre add",
                "personnel_no": "P009",
                "name": "钱科长",
                "unit": "CS-XF",
                "post": "科长",
                "since": "2015-01-05",
            },
            ensure_ascii=False,
        ),
    )
    batch = tmp_path / "history.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = "from cli.main import main; main()"
    official = Signer.generate()  # the same importer in both ledgers
    ledgers = []
    for name in ("clean", "killed"):
        url = store_url if name == "killed" else str(tmp_path / "clean.db")
        app = new_ledger(url, root_signer, discipline_signer)
        key = _official(app, root_signer, tmp_path / name, official)
        before = event_count(app)
        env = {"LIFELEDGER_PASSPHRASE": PASSPHRASE, "LIFELEDGER_DB": url}
        args = ("--key", str(key), "import", "--batch-events", "6", str(batch))
        kills = 0
        if name == "killed":
            for _ in range(3):  # SIGKILL at random points, each after some progress
                target = event_count(app) + rng.randrange(1, 60)
                proc = python(run, *args, env=env)
                if _kill_at(proc, lambda t=target, a=app: event_count(a) >= t):  # type: ignore[misc]
                    kills += 1
        final = python(run, *args, env=env)
        out, err = final.communicate(timeout=TIMEOUT)
        assert final.returncode == 1, err  # the repeated line is refused, on every run
        assert "Traceback" not in err
        if name == "killed":
            assert kills >= 1
            assert re.search(
                r" line\(s\) applied, [1-9][0-9]* already applied, 1 refused, 0 blank", out
            )
        else:
            assert out.startswith(f"Imported: {len(lines) - 1} line(s) applied, 0 already")
        ledgers.append((app, before))
    (clean, clean_before), (killed, killed_before) = ledgers
    assert clean_before == killed_before
    clean_rows = _rows_without_time(clean, clean_before)
    assert len(clean_rows) == 2 * (len(lines) - 1)
    assert _rows_without_time(killed, killed_before) == clean_rows
    for app, _ in ledgers:
        result = verify_store(app)
        assert result, result.summary()
        app.close()


def _kill_at(proc: subprocess.Popen[str], ready: Any) -> bool:
    """SIGKILL ``proc`` once ``ready()``; False if it finished first (nothing left to do)."""
    deadline = time.monotonic() + TIMEOUT
    while not ready():
        if proc.poll() is not None:
            proc.communicate()
            return False
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("timed out waiting for the import to progress")
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=TIMEOUT)
    return True


def _events_after(app: LedgerApplication, skip: int) -> list[Any]:
    out: list[Any] = []
    start = 0
    while True:
        page = app.recorder.select_notifications(start, 1000, inclusive_of_start=False)
        if not page:
            return out[skip:]
        out += page
        start = page[-1].id


def view_rows(p: Projections) -> dict[str, list[str]]:
    """Every row of every view table (tracking included), in a stable order."""
    store = p.store
    out: dict[str, list[str]] = {}
    with store.read() as cur:
        for table in schema.VIEW_TABLES:
            cur.execute(store.sql(f"SELECT * FROM {{{table.name}}}"))
            out[table.name] = sorted(repr(tuple(r)) for r in cur.fetchall())
    return out


PROJECTION_CRASH = """
import os, signal, sys
from ledger.application import LedgerApplication
from ledger.storage.store import StoreConfig
from projections.api import Projections

app = LedgerApplication(StoreConfig.parse(sys.argv[1]), None)
p = Projections(app, page_size=int(sys.argv[2]))
pages = 0

def crash(position):
    global pages
    pages += 1
    if pages == int(sys.argv[3]):  # inside the page's transaction, after its view writes
        os.kill(os.getpid(), signal.SIGKILL)

p._page_hook = crash
p.catch_up()
"""


def test_a_projection_update_killed_midway_resumes_to_the_same_views_as_a_rebuild(
    app: LedgerApplication,
) -> None:
    LedgerFactory(app, seed=6).generate(30, active=10)
    top = app.recorder.max_notification_id()
    assert top is not None
    proc = python(PROJECTION_CRASH, app.store.url, "40", "4")
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL

    views = Projections(app, page_size=40)
    try:
        crashed_at = views.position()
        assert 0 < crashed_at < top  # three pages committed, the fourth rolled back
        views.catch_up()
        assert views.position() == top
        resumed = view_rows(views)
        cases = views.cases()
        views.rebuild()
        assert view_rows(views) == resumed
        assert views.cases() == cases
    finally:
        views.close()
    assert verify_store(app)


MIGRATE_CRASH = """
import sys, time
from pathlib import Path
from ledger.migrate import migrate
from ledger.storage.store import StoreConfig

marker = Path(sys.argv[3])

def hang(phase, done, total):
    if phase == "copy" and done >= 20:
        marker.write_text(str(done))  # half copied, inside the target's one transaction
        time.sleep(600)

migrate(StoreConfig.parse(sys.argv[1]), StoreConfig.parse(sys.argv[2]), page_size=10,
        progress=hang)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "target.db")
        return
    require_postgres()
    url = f"{PG_URL}?schema=k_{uuid.uuid4().hex[:16]}"
    try:
        yield url
    finally:
        drop_schema(url)


def test_a_migration_killed_midway_leaves_an_empty_target_that_takes_a_new_migration(
    app: LedgerApplication, root_signer: Signer, target_url: str, tmp_path: Path
) -> None:
    for i in range(30):
        open_case(app, f"K-{i:04d}")
    make_checkpoint(app, root_signer)
    marker = tmp_path / "half-copied"
    proc = python(MIGRATE_CRASH, app.store.url, target_url, str(marker))
    kill_when(proc, marker.exists, "half the ledger was copied")
    target = LedgerApplication(StoreConfig.parse(target_url), None)
    try:
        assert target.recorder.max_notification_id() is None
        assert LedgerTables(target).leaf_count() == 0
        assert LedgerTables(target).checkpoints() == []
        with pytest.raises(NotFoundError):
            target.case("K-0000")
    finally:
        target.close()
    report = migrate(app.store, StoreConfig.parse(target_url))
    assert report.verification
    assert report.events == event_count(app) and report.checkpoints == 1
