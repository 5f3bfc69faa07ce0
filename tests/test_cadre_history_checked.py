"""``cadre history`` checks every signature it shows, on two threads (issue 10). An insider
edits one stored event, on the SQLite file and on the PostgreSQL tables: the read is refused,
naming the position, and other cadres still read.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from click.testing import CliRunner, Result
from test_trusted_reads import signature_refusal
from verify_support import record_case

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.domain.ids import REGISTRY_ID, case_id
from ledger.signing.signatures import HEADER_SIZE, MAGIC, Signer
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint
from ledger.transparency.person_index import CASE, persons_named
from ledger.transparency.person_record import _names
from projections import signature_checks
from projections.signature_checks import Signatures, application_keys, registry_hints

CASE_1 = "湘纪追〔2024〕1号"
CASE_2 = "湘纪追〔2024〕2号"
CASE_3 = "湘纪追〔2024〕3号"
ASSIGNED = "an event of ledger.case:AccountabilityCase.ResponsibilityAssigned"


def run(app: LedgerApplication, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", app.store.url, *args])


def alter(app: LedgerApplication, case_no: str, event: str, old: bytes, new: bytes) -> int:
    """Replace bytes in a case event's stored state, as an insider with write access (and
    no key) would; returns the event's Merkle leaf index."""
    cfg = app.store
    oid = case_id(case_no)
    stored = app.recorder.select_events(oid)
    (found,) = [s for s in stored if s.topic.endswith(f".{event}")]
    assert old in found.state
    state = found.state.replace(old, new)
    if cfg.kind == "sqlite":
        conn = sqlite3.connect(str(cfg.path))
        try:
            (nid,) = conn.execute(
                "SELECT rowid FROM stored_events WHERE originator_id = ? AND "
                "originator_version = ?",
                (oid.hex, found.originator_version),
            ).fetchone()
            conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, nid))
            (leaf,) = conn.execute(
                "SELECT leaf_index FROM merkle_leaves WHERE notification_id = ?", (nid,)
            ).fetchone()
            conn.commit()
        finally:
            conn.close()
        return int(leaf)
    events = getattr(app.recorder, "events_table_name")  # noqa: B009
    table = f'"{cfg.schema}"."{events}"'
    with psycopg.connect(host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user) as c:
        row = c.execute(
            f"SELECT notification_id FROM {table} WHERE originator_id = %s AND "
            "originator_version = %s",
            (oid, found.originator_version),
        ).fetchone()
        assert row is not None
        c.execute(
            f"UPDATE {table} SET state = %s WHERE notification_id = %s",
            (state, row[0]),
        )
        leaf = c.execute(
            f'SELECT leaf_index FROM "{cfg.schema}".merkle_leaves WHERE notification_id = %s',
            (row[0],),
        ).fetchone()
        assert leaf is not None
        return int(leaf[0])


def refusal(app: LedgerApplication, case_no: str, leaf: int, event: str) -> str:
    """The error for a cadre whose case's ``event`` (at Merkle leaf ``leaf``) fails: the
    case is named after its first event that names the cadre."""
    return signature_refusal(app, case_no, leaf, event).replace(
        f"Error: case {case_no} cannot", f"Error: {ASSIGNED} cannot", 1
    )


def test_an_altered_event_after_the_checkpoint_refuses_the_cadres_history_by_position(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, CASE_1, "P001")
    record_case(app, CASE_3, "P002")
    make_checkpoint(app, root_signer)
    record_case(app, CASE_2, "P001")  # after the checkpoint: read from the log itself
    other = run(app, "cadre", "history", "P002")
    assert other.exit_code == 0, other.output
    leaf = alter(app, CASE_2, "DecisionIssued", b"2024-04-03", b"2024-04-13")
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 1 and shown.stdout == ""
    assert shown.stderr == refusal(app, CASE_2, leaf, "DecisionIssued")
    assert run(app, "cadre", "history", "P002").output == other.output


def test_an_altered_event_of_a_cadres_case_not_naming_them_refuses_the_history(
    app: LedgerApplication, root_signer: Signer
) -> None:
    """The case's opening names no person: the person index does not cover it, the read
    checks it with the rest of the case."""
    record_case(app, CASE_1, "P001")
    record_case(app, CASE_3, "P002")
    make_checkpoint(app, root_signer)
    other = run(app, "cadre", "history", "P002")
    leaf = alter(app, CASE_1, "Opened", "推诿敷衍".encode(), "认真负责".encode())
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 1 and shown.stdout == ""
    assert shown.stderr == refusal(app, CASE_1, leaf, "Opened")
    assert run(app, "cadre", "history", "P002").output == other.output


def test_a_signature_checked_with_another_key_is_checked_again_with_the_registrys(
    app: LedgerApplication,
) -> None:
    """A read remembers each check by the key and the exact bytes it was made with: a check
    made with a key the registry does not name for that id is not taken for one made with
    the right key, in either direction, nor for one of other bytes."""
    record_case(app, CASE_1, "P001")
    stored = app.recorder.select_events(case_id(CASE_1))
    rows: list[Any] = [(i, s.originator_id, s.originator_version, s.topic, s.state)
                       for i, s in enumerate(stored, 1)]  # fmt: skip
    keys = registry_hints([s.state for s in app.recorder.select_events(REGISTRY_ID)])
    assert app.signer is not None
    key_id = app.signer.key_id
    wrong = {**keys, key_id: next(raw for kid, raw in keys.items() if kid != key_id)}
    signatures = Signatures()
    assert set(signatures.statuses(rows, wrong).values()) == {b"\x01"}
    assert set(signatures.statuses(rows, keys).values()) == {b"\x00"}
    forged = [(*r[:4], r[4][:-3] + b"  }") for r in rows]  # other bytes, same key
    assert set(signatures.statuses(forged, keys).values()) == {b"\x01"}
    assert set(signatures.statuses(rows, keys).values()) == {b"\x00"}


def test_checks_begun_ahead_count_only_for_the_same_key_and_bytes(
    app: LedgerApplication,
) -> None:
    """``cadre history`` begins checking the events the person index gives with the keys the
    application's registry names, before the read replays the registry: a check begun with a
    wrong key, or of other bytes, is not taken for the read's own check, which is made again."""
    record_case(app, CASE_1, "P001")
    stored = app.recorder.select_events(case_id(CASE_1))
    rows: list[Any] = [(i, s.originator_id, s.originator_version, s.topic, s.state)
                       for i, s in enumerate(stored, 1)]  # fmt: skip
    keys = registry_hints([s.state for s in app.recorder.select_events(REGISTRY_ID)])
    assert application_keys(app) == keys
    assert app.signer is not None
    key_id = app.signer.key_id
    wrong = {**keys, key_id: next(raw for kid, raw in keys.items() if kid != key_id)}
    forged = [(*r[:4], r[4][:-3] + b"  }") for r in rows]
    signatures = Signatures()
    signatures.ahead(rows, wrong)
    signatures.ahead(forged, keys)
    assert set(signatures.start(rows, keys).result().values()) == {b"\x00"}
    assert set(signatures.start(forged, keys).result().values()) == {b"\x01"}
    good = Signatures()
    good.ahead(rows, keys)
    assert set(good.start(rows, wrong).result().values()) == {b"\x01"}


def test_a_read_is_not_held_up_by_a_verifying_thread_that_does_not_run(
    app: LedgerApplication,
) -> None:
    """The verifying thread is busy (or not scheduled): the reading thread checks every
    chunk itself, with the same answers, and does not wait for it."""
    for case_no in (CASE_1, CASE_2, CASE_3):
        record_case(app, case_no, "P001")
    rows: list[Any] = [
        (i, s.originator_id, s.originator_version, s.topic, s.state)
        for i, s in enumerate(
            [e for c in (CASE_1, CASE_2, CASE_3) for e in app.recorder.select_events(case_id(c))],
            1,
        )
    ]
    assert len(rows) >= signature_checks.PARALLEL_FROM
    keys = registry_hints([s.state for s in app.recorder.select_events(REGISTRY_ID)])
    release = threading.Event()
    blocked = signature_checks._pool().submit(release.wait, 30)
    try:
        started = time.monotonic()
        found = Signatures().statuses(rows, keys)
        assert time.monotonic() - started < 10
        assert set(found.values()) == {b"\x00"} and len(found) == len(rows)
    finally:
        release.set()
        blocked.result()


def test_a_store_without_a_registry_names_no_keys_to_begin_with(tmp_path: Path) -> None:
    app = LedgerApplication(StoreConfig.parse(str(tmp_path / "empty.db")))
    try:
        assert application_keys(app) == {}
    finally:
        app.close()


def test_the_quick_look_for_a_personnel_number_agrees_with_the_index_on_any_encoding() -> None:
    """Events after the checkpoint are all read; most are skipped without parsing their JSON
    when the number's bytes are not there. JSON can write the number otherwise (an escape,
    UTF-16): those are parsed, so the read finds what the index finds."""
    check = _names("P001", UUID(int=1))
    topic = CASE + "DefenceHeard"
    oid = UUID(int=2)
    named = {"party_type": "person", "party_code": "P001"}
    payloads = {
        json.dumps(named).encode(): True,
        b'{"party_type": "person", "party_code": "\\u0050001"}': True,
        json.dumps(named).encode("utf-16"): True,
        json.dumps(named).encode("utf-16-le"): True,
        json.dumps({**named, "party_code": "P002"}).encode(): False,
        b'{"personnel_no": "P0011"}': False,
        b"": False,
    }
    for payload, expected in payloads.items():
        state = MAGIC + bytes(HEADER_SIZE - len(MAGIC)) + payload
        indexed = "P001" in persons_named(topic, oid, state, lambda _unused: None)
        assert check(0, oid, topic, state) is indexed is expected, payload
