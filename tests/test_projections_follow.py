"""The projections follow the log exactly once: incremental = rebuild, crashes resume.

The views are rebuilt only from the event log; each page's view updates and the tracking
position commit in one transaction, guarded by the position the page started from.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from ledger_factory import LedgerFactory, Population

from ledger.application import LedgerApplication
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from projections import Projections, schema
from projections.batch import Memory

TESTS = Path(__file__).parent
ROOT = TESTS.parent


def snapshot(p: Projections) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table (the tracking position included), in a stable order."""
    store = p.store
    found = {}
    with store.read() as cur:
        for table in schema.VIEW_TABLES:
            cur.execute(store.sql(f"SELECT * FROM {{{table.name}}}"))
            found[table.name] = sorted(tuple(r) for r in cur.fetchall())
    return found


def answers(p: Projections, pop: Population) -> list[Any]:
    """What the API answers about a generated ledger (a broad sample of every query)."""
    found: list[Any] = [p.cases(), p.keys()]
    found += [p.case_state(no) for no in pop.cases[::7]]
    found += [p.timeline(no) for no in pop.cases[::11]]
    found += [p.cadre_history(no) for no in pop.cadres[::5]]
    found += [p.annual_report(year) for year in (2018, 2021, 2024)]
    found += [p.deadlines(day) for day in (dt.date(2019, 5, 6), dt.date(2023, 2, 1))]
    found += [p.unit_rating(code, 2022) for code in pop.units]
    return found


def generate(app: LedgerApplication, cases: int, seed: int = 2016) -> Population:
    factory = LedgerFactory(app, seed=seed)
    return factory.generate(cases, active=30, rotate_to=Signer.generate())


def test_incremental_catch_up_and_full_rebuild_give_identical_views(
    app: LedgerApplication,
) -> None:
    """Caught up in small pages after every batch of writes (cases span pages and batches),
    the views equal a rebuild from scratch, row for row and answer for answer."""
    factory = LedgerFactory(app, seed=7)
    incremental = Projections(app, page_size=97)
    pop = Population()
    for half in (1, 2):
        pop = factory.generate(120, active=25, rotate_to=Signer.generate() if half == 2 else None)
        incremental.catch_up()
        app.save(*factory.churn(5))  # transfers and retirements between catch-ups
    assert pop.events >= 3000
    assert incremental.catch_up() > 0  # the last transfers
    assert incremental.position() == app.recorder.max_notification_id()
    before_rows, before_answers = snapshot(incremental), answers(incremental, pop)

    rebuilt = Projections(app)
    assert rebuilt.rebuild() == app.recorder.max_notification_id()
    assert snapshot(rebuilt) == before_rows
    assert answers(rebuilt, pop) == before_answers
    incremental.close()
    rebuilt.close()


def test_a_projection_killed_mid_batch_resumes_without_loss_or_duplication(
    app: LedgerApplication,
) -> None:
    pop = generate(app, 60)
    p = Projections(app, page_size=150)
    applied: list[int] = []

    def crash_on_third_page(position: int) -> None:
        applied.append(position)
        if len(applied) == 3:
            raise RuntimeError("killed mid-batch")

    p._page_hook = crash_on_third_page
    with pytest.raises(RuntimeError, match="killed mid-batch"):
        p.catch_up()
    # the third page rolled back whole: the views stand where the second page left them
    assert p.position() == applied[1]
    p._page_hook = None
    p.catch_up()
    resumed = snapshot(p)
    resumed_answers = answers(p, pop)
    p.rebuild()
    assert snapshot(p) == resumed
    assert answers(p, pop) == resumed_answers
    p.close()


def test_a_page_already_tracked_is_skipped_and_never_counted_twice(
    app: LedgerApplication,
) -> None:
    generate(app, 20)
    p = Projections(app, page_size=100)
    page = p._read(0, app.recorder.max_notification_id() or 0)
    reached = page[-1][0]
    assert p._apply_page(p.store, 0, page, reached)
    once = snapshot(p)
    # the same page again, from the same position: the guard refuses it, nothing changes
    assert not p._apply_page(p.store, 0, page, reached)
    assert snapshot(p) == once
    assert p.position() == reached
    p.close()


def test_pages_that_remember_almost_nothing_read_earlier_rows_back_to_the_same_views(
    app: LedgerApplication,
) -> None:
    """Memory between pages is a small bounded cache: with room for one case, nearly every
    page reads its cases' keys and latest decisions back, and the views still equal a
    rebuild's, row for row and answer for answer."""
    factory = LedgerFactory(app, seed=11)
    pop = factory.generate(60, active=20)
    app.save(*factory.churn(40))  # transfers and retirements of cadres registered long before
    forgetful = Projections(app, page_size=23)
    forgetful._memory = Memory(cases=1)
    forgetful.catch_up()
    assert len(forgetful._memory.cases) <= 1
    rebuilt = Projections(app)
    rebuilt.rebuild()
    assert snapshot(forgetful) == snapshot(rebuilt)
    assert answers(forgetful, pop) == answers(rebuilt, pop)
    forgetful.close()
    rebuilt.close()


def test_a_projection_process_killed_with_sigkill_resumes(sqlite_url: str) -> None:
    """A real crash: the child process SIGKILLs itself inside its third page's transaction."""
    root = Signer.generate()
    app = LedgerApplication(StoreConfig.parse(sqlite_url), root)
    from ledger.domain.regulation import AuthorityKind, KeyRole

    app.initialise(root, "管理员", "湖南省委组织部", AuthorityKind.ORGANISATION)
    recorder = Signer.generate()
    app.add_key(
        recorder.public_raw,
        "纪检干部",
        "长沙市纪委监委",
        AuthorityKind.DISCIPLINE,
        KeyRole.RECORDER,
    )
    app.signer = recorder
    pop = generate(app, 80)
    child = textwrap.dedent(
        f"""
        import os, signal
        from ledger.application import LedgerApplication
        from ledger.storage.store import StoreConfig
        from projections import Projections
        p = Projections(LedgerApplication(StoreConfig.parse({sqlite_url!r})), page_size=200)
        pages = []
        def die(position):
            pages.append(position)
            print(position, flush=True)
            if len(pages) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
        p._page_hook = die
        p.catch_up()
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)])}
    done = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    committed = [int(line) for line in done.stdout.split()]
    assert len(committed) == 3
    p = Projections(app)
    assert p.position() == committed[1]
    p.catch_up()
    resumed, resumed_answers = snapshot(p), answers(p, pop)
    p.rebuild()
    assert snapshot(p) == resumed
    assert answers(p, pop) == resumed_answers
    p.close()
    app.close()


def test_a_query_catches_up_first(app: LedgerApplication) -> None:
    p = Projections(app)
    assert p.cases() == []
    pop = generate(app, 5)
    assert [c.case_no for c in p.cases()] == pop.cases
    assert p.position() == app.recorder.max_notification_id()
    p.close()


def test_progress_is_reported_in_log_positions_up_to_the_total(app: LedgerApplication) -> None:
    generate(app, 15)
    top = app.recorder.max_notification_id()
    calls: list[tuple[int, int]] = []
    p = Projections(app, page_size=50)
    assert p.rebuild(lambda done, total: calls.append((done, total))) == top
    assert calls[0] == (0, top)
    assert calls[-1] == (top, top)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert p.catch_up() == 0
    p.close()


def test_views_of_another_schema_version_are_dropped_and_rebuilt(app: LedgerApplication) -> None:
    pop = generate(app, 10)
    p = Projections(app)
    p.catch_up()
    before = snapshot(p)
    with p.store.write() as cur:
        cur.execute(p.store.sql("UPDATE {proj_meta} SET value = ? WHERE name = ?"), ("0", "schema"))
        cur.execute(p.store.sql("DELETE FROM {proj_cases}"))
    p.close()
    again = Projections(app)
    assert again.position() == 0
    assert [c.case_no for c in again.cases()] == pop.cases
    assert snapshot(again) == before
    again.close()
