"""Several OS processes write one ledger at once, each with its own application and key.

A version conflict is retried against the new state (or refused with ConcurrentWriteError,
never silently): every acknowledged command's event is present exactly once, nothing refused
is written, versions run 1, 2, 3... per record, the Merkle leaves follow the notification order
one per event, and the ledger verifies. On SQLite the processes share one file (WAL, lock
timeout); on PostgreSQL one schema.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import subprocess
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from scenarios import FACTS, open_case

from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.domain import ids
from ledger.domain.regulation import (
    AuthorityKind,
    KeyRole,
    PartyType,
    Responsibility,
    ResultElement,
)
from ledger.errors import ConcurrentWriteError, LedgerError
from ledger.signing.signatures import Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.tables import LedgerTables

WORKERS = 4
ROUNDS = 25
HOT = "长纪案〔2024〕热1号"  # every process hears P001 in this case, again and again
CONTEST = "长纪案〔2024〕争2号"  # every process tries to record the same finding at once
DAY = dt.date(2024, 4, 12)
TIMEOUT = 240
LIFELEDGER = [sys.executable, "-c", "from cli.main import main; main()"]


def _writer(url: str, private_raw: bytes, wid: int, rounds: int, start: Any, results: Any) -> None:
    """One official's workstation: its own process, application and key."""
    out: dict[str, Any] = {"wid": wid, "heard": [], "opened": [], "refused": [], "crash": None}
    try:
        signer = Signer(Ed25519PrivateKey.from_private_bytes(private_raw))
        app = LedgerApplication(StoreConfig.parse(url), signer)
        start.wait(TIMEOUT)
        try:
            app.assign(CONTEST, PartyType.PERSON, "P002", Responsibility.DIRECT, DAY)
            out["contest"] = "recorded"
        except LedgerError as e:
            out["contest"] = type(e).__name__
        for i in range(rounds):
            statement = f"worker {wid} statement {i}: 称已按程序转办 ‫مرحبا‬ 🙂"
            try:
                app.hear(HOT, PartyType.PERSON, "P001", DAY, statement)
                out["heard"].append(statement)
            except LedgerError as e:
                out["refused"].append(("hear", statement, type(e).__name__, str(e)))
            case_no = f"长纪案〔2024〕W{wid}-{i}号"
            try:
                app.open_case(
                    case_no, dt.date(2024, 3, 1), [12], FACTS, dt.date(2024, 4, 1),
                    results=[ResultElement.ADVERSE_IMPACT],
                )  # fmt: skip
                out["opened"].append(case_no)
            except LedgerError as e:
                out["refused"].append(("open", case_no, type(e).__name__, str(e)))
        app.close()
    except BaseException:
        out["crash"] = traceback.format_exc()
    results.put(out)


def run_writers(app: LedgerApplication, root: Signer, workers: int, rounds: int) -> list[Any]:
    """Register one discipline-organ key per worker, then start them all at once."""
    keys = [Ed25519PrivateKey.generate() for _ in range(workers)]
    recorder_signer = app.signer
    app.signer = root
    for n, key in enumerate(keys):
        app.add_key(
            Signer(key).public_raw, f"纪检干部{n}", "长沙市纪委监委", AuthorityKind.DISCIPLINE,
            KeyRole.RECORDER,
        )  # fmt: skip
    app.signer = recorder_signer
    ctx = mp.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=_writer,
            args=(app.store.url, k.private_bytes_raw(), n, rounds, start, results),
        )
        for n, k in enumerate(keys)
    ]
    for p in procs:
        p.start()
    start.set()
    try:
        outs = [results.get(timeout=TIMEOUT) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    crashes = [o["crash"] for o in outs if o["crash"]]
    assert not crashes, crashes[0]
    return sorted(outs, key=lambda o: o["wid"])


def notifications(app: LedgerApplication) -> list[Any]:
    out: list[Any] = []
    start = 0
    while True:
        page = app.recorder.select_notifications(start, 1000, inclusive_of_start=False)
        if not page:
            return out
        out += page
        start = page[-1].id


def assert_log_is_whole(app: LedgerApplication) -> None:
    """Versions 1, 2, 3... per record in log order; one Merkle leaf per event, in order;
    the ledger verifies."""
    log = notifications(app)
    last: dict[str, int] = {}
    for n in log:
        oid = str(n.originator_id)
        assert n.originator_version == last.get(oid, 0) + 1, (oid, n.originator_version)
        last[oid] = n.originator_version
    leaves = list(LedgerTables(app).iter_leaves())
    assert [leaf.leaf_index for leaf in leaves] == list(range(len(log)))
    assert [leaf.notification_id for leaf in leaves] == [n.id for n in log]
    result = verify_store(app)
    assert result, result.summary()
    assert result.events == len(log)


def test_concurrent_writers_lose_and_duplicate_nothing(
    app: LedgerApplication, root_signer: Signer
) -> None:
    open_case(app, HOT)
    app.assign(HOT, PartyType.PERSON, "P001", Responsibility.DIRECT, DAY)
    open_case(app, CONTEST)
    outs = run_writers(app, root_signer, WORKERS, ROUNDS)

    # The same case: every acknowledged hearing is there exactly once, nothing refused is.
    heard = Counter(
        e.statement  # type: ignore[attr-defined]
        for e in app.events.get(ids.case_id(HOT))
        if type(e).__name__ == "DefenceHeard"
    )
    acknowledged = [s for o in outs for s in o["heard"]]
    assert Counter(acknowledged) == heard
    assert all(n == 1 for n in heard.values())
    refused = [r for o in outs for r in o["refused"]]
    assert all(r[2] == ConcurrentWriteError.__name__ for r in refused), refused
    assert len(refused) <= len(acknowledged) // 10, refused  # retries resolve nearly all
    assert not {r[1] for r in refused} & set(heard)

    # Different cases: each opened exactly once, by the worker told so.
    opened = [c for o in outs for c in o["opened"]]
    assert len(opened) == len(set(opened))
    for case_no in opened:
        assert app.case(case_no).case_no == case_no
    assert len(opened) + len([r for r in refused if r[0] == "open"]) == WORKERS * ROUNDS

    # The same finding at the same moment: recorded once, the others re-checked and refused.
    contest = Counter(o["contest"] for o in outs)
    assert contest == {"recorded": 1, "AlreadyExistsError": WORKERS - 1}, contest
    parties = app.case(CONTEST).parties
    assert list(parties) == ["person:P002"]

    assert_log_is_whole(app)


def test_concurrent_cli_imports_into_one_ledger_all_succeed_and_verify(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    """Several workstations run `lifeledger import` against one store at the same moment;
    no "database is locked", no traceback, every line applied once."""
    passphrase = "correct horse battery staple"
    recorder_signer = app.signer
    procs: list[tuple[subprocess.Popen[str], Path]] = []
    files = []
    for w in range(3):
        signer = Signer.generate()
        key = tmp_path / f"official{w}.pem"
        signer.save(key, passphrase)
        app.signer = root_signer
        app.add_key(
            signer.public_raw, f"纪检干部{w}", "长沙市纪委监委", AuthorityKind.DISCIPLINE,
            KeyRole.RECORDER,
        )  # fmt: skip
        lines = tmp_path / f"batch{w}.jsonl"
        commands = [
            {
                "command": "case open",
                "case_no": f"W{w}-{i}",
                "incident_date": "2024-03-01",
                "opened_on": "2024-04-01",
                "ground": [12],
                "consequence": "adverse_impact",
                "facts": "推诿扯皮",
            }
            for i in range(15)
        ]
        lines.write_text(
            "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in commands), encoding="utf-8"
        )
        files.append((key, lines))
    app.signer = recorder_signer
    env = {**os.environ, "LIFELEDGER_PASSPHRASE": passphrase, "LIFELEDGER_DB": app.store.url}
    env.pop("LIFELEDGER_KEY", None)
    for key, lines in files:
        proc = subprocess.Popen(
            [*LIFELEDGER, "--key", str(key), "import", str(lines)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        procs.append((proc, lines))
    for proc, _ in procs:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr and "locked" not in stderr
        assert "15 line(s) applied" in stdout
    for w in range(3):
        for i in range(15):
            assert app.case(f"W{w}-{i}").case_no == f"W{w}-{i}"
    assert_log_is_whole(app)
