"""Whole-ledger verification on both stores: a clean ledger passes, keys are judged by position."""

from __future__ import annotations

import pytest
from verify_support import bulk_cases, record_case

from ledger.application import LedgerApplication
from ledger.audit.verify import Check, StoreSource, Verifier, VerifyOptions, verify_store
from ledger.errors import VerificationError
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoints import make_checkpoint


def test_an_untouched_ledger_of_10k_events_verifies_clean(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号")
    record_case(app, "湘纪追〔2024〕2号", "P002")
    start = app.recorder.max_notification_id() or 0
    bulk_cases(app, 10_000 - start)
    make_checkpoint(app, root_signer)
    seen: list[int] = []
    result = Verifier(VerifyOptions(root_fingerprint=root_signer.fingerprint)).run(
        StoreSource(app), seen.append
    )
    assert result, result.summary()
    assert result.events == 10_000 == sum(seen) == result.tree_size == result.signatures
    assert result.checkpoints == 1 and result.latest_checkpoint == 10_000
    assert result.root_fingerprint == root_signer.fingerprint
    assert result.failures == () and result.failure_count == 0
    assert [k.role for k in result.keys] == ["admin", "recorder", "recorder"]


def test_verification_result_is_data_and_has_a_raising_variant(
    app: LedgerApplication, root_signer: Signer
) -> None:
    result = verify_store(app, VerifyOptions(root_fingerprint="00" * 32))
    assert not result
    assert [f.check for f in result.failures] == [Check.KEY]
    assert result.failures[0].position == 0
    assert result.failures[0].record == "key registry"
    data = result.to_dict()
    assert data["ok"] is False and data["failure_count"] == 1
    assert data["failures"][0]["check"] == "key" and "pinned" in data["failures"][0]["message"]
    with pytest.raises(VerificationError, match="not the pinned"):
        result.raise_for_failures()
    verify_store(app, VerifyOptions(root_fingerprint=root_signer.fingerprint)).raise_for_failures()


def test_serial_and_parallel_verification_find_the_same(app: LedgerApplication) -> None:
    bulk_cases(app, 600)
    serial = verify_store(app, VerifyOptions(workers=1))
    parallel = verify_store(app, VerifyOptions(workers=2, batch_size=16))
    assert serial and parallel
    assert serial.signatures == parallel.signatures == serial.events


def test_events_of_a_rotated_key_stay_valid_and_its_successor_signs_on(
    app: LedgerApplication, root_signer: Signer, discipline_signer: Signer
) -> None:
    record_case(app, "C-1")
    successor = Signer.generate()
    app.rotate_key(discipline_signer.key_id.hex(), successor.public_raw)
    app.signer = successor
    record_case(app, "C-2", "P002")
    result = verify_store(app, VerifyOptions(root_fingerprint=root_signer.fingerprint))
    assert result, result.summary()
    statuses = {k.key_id: k.status for k in result.keys}
    assert statuses[discipline_signer.key_id.hex()] == "rotated"
    assert statuses[successor.key_id.hex()] == "active"


def test_worker_processes_find_the_same_as_threads(app: LedgerApplication) -> None:
    from verify_support import position_of, row_at, sqlite

    bulk_cases(app, 300)
    with sqlite(app) as conn:
        position = position_of(conn, ".DefenceHeard", 7)
        rowid, _, _, _, state = row_at(conn, position)
        damaged = state[:-3] + bytes([state[-3] ^ 1]) + state[-2:]
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (damaged, rowid))
    found = {}
    for parallel in ("threads", "processes"):
        result = verify_store(app, VerifyOptions(workers=2, parallel=parallel, batch_size=32))
        found[parallel] = {(f.check, f.position) for f in result.failures}
        assert result.signatures == result.events
    assert found["threads"] == found["processes"] == {
        (Check.SIGNATURE, position), (Check.LEAF, position),
    }  # fmt: skip


def test_auto_parallelism_starts_processes_only_for_large_logs() -> None:
    from ledger.audit.verify.workers import _parallel_mode

    auto = VerifyOptions(parallel="auto")
    assert VerifyOptions().parallel == "threads"  # a library caller never spawns unasked
    assert _parallel_mode(auto, 100_000) == "processes"
    assert _parallel_mode(auto, 1_000) == "threads"  # starting processes would cost more
    assert _parallel_mode(auto, None) == "threads"
    assert _parallel_mode(VerifyOptions(parallel="threads"), 100_000) == "threads"
    with pytest.raises(ValueError, match="parallel must be"):
        VerifyOptions(parallel="fibres")


@pytest.mark.parametrize(("workers", "batch_size"), [(1, 1), (1, 7), (2, 16), (2, 512)])
def test_batches_of_any_size_find_the_same_deletion_swap_and_forgery(
    app: LedgerApplication, root_signer: Signer, workers: int, batch_size: int
) -> None:
    """The batch-at-a-time leaf comparison falls back to one event at a time wherever a
    batch is not clean, so batch boundaries never change what is found."""
    from verify_support import found, insert_forged, position_of, row_at, sqlite

    from ledger.domain.ids import case_id
    from ledger.signing.signatures import HEADER_SIZE

    record_case(app, "C-1")
    bulk_cases(app, 200)
    size = make_checkpoint(app, root_signer)[0].tree_size
    with sqlite(app) as conn:
        deleted = position_of(conn, ".DefenceHeard", 3)
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (row_at(conn, deleted)[0],))
        p = position_of(conn, ".Opened", 20)  # swapped with its case's next event
        a, b = row_at(conn, p), row_at(conn, p + 1)
        conn.execute("DELETE FROM stored_events WHERE rowid IN (?, ?)", (a[0], b[0]))
        insert = "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, "
        insert += "state) VALUES (?, ?, ?, ?, ?)"
        conn.execute(insert, (a[0], *b[1:]))
        conn.execute(insert, (b[0], *a[1:]))
        _, _, _, topic, state = row_at(conn, position_of(conn, ".DefenceHeard"))
        insert_forged(conn, Signer.generate(), case_id("C-1"), 9, topic, state[HEADER_SIZE:])
    result = verify_store(
        app,
        VerifyOptions(
            root_fingerprint=root_signer.fingerprint, workers=workers, batch_size=batch_size
        ),
    )
    # The deleted event's leaf is left over, so every later event's leaf is numbered one
    # higher than its position (re-hashed at that index, it still matches), and the forged
    # event, appended last, takes the deleted one's place in the count. The person index still
    # holds the log as recorded: one failure says its differences follow from these.
    assert found(result) == {
        ("leaf", deleted), ("version", deleted), ("leaf", p), ("leaf", p + 1),
        ("version", p), ("version", p + 1), ("key", size - 1), ("checkpoint", None),
        ("index", None),
    }  # fmt: skip
    (index,) = [f.message for f in result.failures if f.check is Check.INDEX]
    assert f"this follows from the log's own failures from position {deleted} on" in index
    assert result.events == result.tree_size == result.signatures + 1


# SQLite only: a PostgreSQL uuid column cannot hold a malformed id.
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_malformed_aggregate_id_in_the_file_is_a_store_failure_not_a_traceback(
    app: LedgerApplication,
) -> None:
    from verify_support import sqlite

    bulk_cases(app, 40)
    with sqlite(app) as conn:
        conn.execute("UPDATE stored_events SET originator_id = 'not-a-uuid' WHERE rowid = 30")
    result = verify_store(app, VerifyOptions(workers=2, batch_size=8))
    assert [f.check for f in result.failures] == [Check.STORE]
    assert "badly formed hexadecimal UUID string" in result.failures[0].message
    assert result.failures[0].position == 0  # counted by whole pages read, as always


def test_verification_memory_is_the_compact_range_not_the_tree(app: LedgerApplication) -> None:
    """RFC 9162 roots at every checkpoint size come from O(log n) subtree roots; what stays per
    record is its last version (by integer id), nothing per event."""
    from ledger.audit.verify.audit import Audit
    from ledger.audit.verify.run import _Run

    bulk_cases(app, 300)
    source = StoreSource(app)
    run = _Run(VerifyOptions(), source, Audit(VerifyOptions()), None)
    run.scan(None)
    assert run.range.size == 307 and len(run.range._nodes) == bin(307).count("1")
    assert set(run.roots) == {0}  # no checkpoint: no root kept but the current one
    assert all(isinstance(k, int) for k in run.audit.versions)
