"""Verification throughput against raw Ed25519, and inclusion proofs at 100k events, in one run.

    python bench/verify_bench.py                      # 100k events, median of 3
    python bench/verify_bench.py --size 20000 --repeats 1
    python bench/verify_bench.py --db /tmp/province.db --root-fingerprint FP

Measured on the same machine in the same process, each the median of ``--repeats``:

* raw Ed25519 verification of the ledger's own (key, signature, message) triples: one thread,
  two threads and two processes splitting the same list (``cryptography`` releases the GIL from
  version 50; the ratio says whether this installation does);
* ``lifeledger verify`` over the whole ledger (every check, not only signatures), with one
  worker, two worker threads, two worker processes and ``--parallel auto`` (what the CLI runs),
  with the cores each kept busy, and each rate's ratio to the better two-core raw rate;
* an inclusion proof at the ledger's size, the product's way: from the stored leaves and the
  subtree cache a checkpoint leaves behind
  (:class:`ledger.transparency.checkpoints.StoredTree`, a fresh one
  per proof: O(log n) rows), re-hashing the event's leaf from its stored bytes and checking the
  proof (RFC 9162 §2.1.3.2); for comparison the whole tree loaded from the leaf table; and the
  export of a case's proof document.

The ledger is made by ``bench/generate.py`` (a synthetic province, keys rotated and revoked half
way) when that module is importable, else by a plain bulk builder. Results print as a table and
as JSON (``--json FILE`` writes them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import cryptography
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger.application import LedgerApplication
from ledger.audit.verify import StoreSource, Verifier, VerifyOptions
from ledger.audit.verify.workers import _parallel_mode
from ledger.signing.signatures import Envelope, Signer, signed_message
from ledger.storage.entries import event_leaf_hash
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint
from ledger.transparency.merkle import verify_inclusion
from ledger.transparency.tables import LedgerTables, StoredTree

Triple = tuple[Ed25519PublicKey, bytes, bytes]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the ledger ------------------------------------------------------------------------------


def build_ledger(path: Path, size: int) -> tuple[str, Signer]:
    """Write a ledger of ``size`` events; returns (how it was made, an admin signer)."""
    try:
        import generate as province  # bench/generate.py, when present and working

        province.generate(province.GeneratorConfig(size=size), path)
        root = province.bench_signers(province.GeneratorConfig(size=size).seed)["root"]
        return "bench/generate.py (synthetic province)", root
    except ImportError:
        pass
    return "bulk builder (unit cases)", _bulk(path, size)


def _bulk(path: Path, size: int) -> Signer:
    import datetime as dt

    from ledger.domain.case import AccountabilityCase
    from ledger.domain.decision import DecisionDocument, Measures
    from ledger.domain.regulation import (
        AdminLevel,
        AuthorityKind,
        KeyRole,
        Measure,
        PartyType,
        Responsibility,
        ResultElement,
        Severity,
        UnitKind,
    )

    root, recorder = Signer.generate(), Signer.generate()
    app = LedgerApplication(StoreConfig.parse(str(path)), root)
    app.initialise(root, "管理员", "省委组织部", AuthorityKind.ORGANISATION)
    app.add_key(recorder.public_raw, "纪检干部", "省纪委监委", AuthorityKind.DISCIPLINE,
                KeyRole.RECORDER)  # fmt: skip
    app.signer = recorder
    app.add_unit("U1", "某信访局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY)
    written, i = 4, 0
    while written < size:
        batch: list[AccountabilityCase] = []
        while len(batch) < 400 and written + 4 <= size:
            c = AccountabilityCase.open(
                case_no=f"B-{i:07d}", incident_date=dt.date(2023, 5, 1), grounds=[3],
                facts="推诿", opening_authority="省纪委监委", opened_on=dt.date(2023, 6, 1),
                results=[ResultElement.ADVERSE_IMPACT],
            )  # fmt: skip
            c.assign(PartyType.UNIT, "U1", Responsibility.COLLECTIVE, dt.date(2023, 6, 5))
            c.hear(PartyType.UNIT, "U1", dt.date(2023, 6, 9), "单位说明")
            doc = DecisionDocument(
                f"决{i}", dt.date(2023, 6, 20), "推诿", "第四条", Measures(
                    (Measure.WRITTEN_SELF_CRITICISM,), Severity.MINOR), "省纪委监委",
                dt.date(2023, 6, 20), "省纪委监委",
            )  # fmt: skip
            c.decide(PartyType.UNIT, "U1", doc, "省纪委监委")
            batch.append(c)
            written += 4
            i += 1
        if not batch:
            break
        app.save(*batch)
    app.close()
    return root


# --- raw Ed25519 -----------------------------------------------------------------------------


def signature_triples(app: LedgerApplication, limit: int) -> list[Triple]:
    """(key, signature, signed message) of the ledger's first ``limit`` events."""
    keyring = app.load_keyring()
    triples: list[Triple] = []
    start = 0
    while len(triples) < limit:
        page = app.recorder.select_notifications(start, 2000, inclusive_of_start=False)
        if not page:
            break
        for n in page:
            env = Envelope.parse(n.state)
            oid = n.originator_id if isinstance(n.originator_id, UUID) else UUID(n.originator_id)
            digest = hashlib.sha256(env.payload).digest()
            message = signed_message(oid, n.originator_version, n.topic, digest)
            triples.append((keyring[env.key_id], env.signature, message))
        start = page[-1].id
    return triples[:limit]


def _verify_all(triples: Sequence[Triple]) -> None:
    for key, signature, message in triples:
        key.verify(signature, message)


def _verify_raw(tasks: Sequence[tuple[bytes, bytes, bytes]]) -> float:
    """Seconds to verify (raw key, signature, message) tasks here (in a worker process)."""
    keys = {raw: Ed25519PublicKey.from_public_bytes(raw) for raw, _, _ in tasks}
    started = time.perf_counter()
    for raw, signature, message in tasks:
        keys[raw].verify(signature, message)
    return time.perf_counter() - started


def raw_rates(triples: Sequence[Triple]) -> dict[str, float]:
    n = len(triples)
    started = time.perf_counter()
    _verify_all(triples)
    one = n / (time.perf_counter() - started)
    halves = [triples[: n // 2], triples[n // 2 :]]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(_verify_all, [h[:20] for h in halves]))  # start the threads
        started = time.perf_counter()
        list(pool.map(_verify_all, halves))
        two = n / (time.perf_counter() - started)
    tasks = [[(k.public_bytes_raw(), s, m) for k, s, m in h] for h in halves]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_verify_raw, [t[:20] for t in tasks]))  # start the processes
        processes = n / max(pool.map(_verify_raw, tasks))
    return {"one_thread": one, "two_threads": two, "two_processes": processes}


# --- verify ------------------------------------------------------------------------------------


CPU_USE: dict[str, list[float]] = {}


def verify_rate(
    db: Path, workers: int, pinned: str | None, parallel: str = "threads"
) -> tuple[float, int, bool]:
    """Events per second of a whole verification; records the cores it kept busy."""
    app = LedgerApplication(StoreConfig.parse(str(db)))
    options = VerifyOptions(root_fingerprint=pinned, workers=workers, parallel=parallel)
    try:
        before, started = os.times(), time.perf_counter()
        result = Verifier(options).run(StoreSource(app))
        after, wall = os.times(), time.perf_counter() - started
    finally:
        app.close()
    cpu = sum(getattr(after, f) - getattr(before, f) for f in
              ("user", "system", "children_user", "children_system"))  # fmt: skip
    CPU_USE.setdefault(f"{workers}-{parallel}", []).append(cpu / wall)
    if not result:
        log(result.summary())
    return result.events / wall, result.events, result.ok


# --- inclusion proofs ----------------------------------------------------------------------------


def proof_times(db: Path, samples: int) -> dict[str, Any]:
    """Inclusion proofs at the ledger's size: the product's way (StoredTree over the leaf table
    and the subtree cache, fresh per proof), and from a whole tree loaded into memory."""
    app = LedgerApplication(StoreConfig.parse(str(db)))
    try:
        tables = LedgerTables(app)
        started = time.perf_counter()
        tree = tables.load_tree()
        load = time.perf_counter() - started
        size = len(tree)
        root = tree.root()
        started = time.perf_counter()
        fill = StoredTree(tables)  # a checkpoint leaves the subtree cache; fill it if not
        fill.root(size)
        fill.save()
        cache_fill = time.perf_counter() - started
        rng = random.Random(7)
        positions = [rng.randrange(size) for _ in range(samples)]
        rows = _rows_at(app, positions)
        make: list[float] = []
        check: list[float] = []
        stored: list[float] = []
        lengths: list[int] = []
        for position in positions:
            oid, version, topic, state = rows[position]
            t0 = time.perf_counter()
            proof = tree.inclusion_proof(position, size)
            t1 = time.perf_counter()
            leaf = event_leaf_hash(position, oid, version, topic, state)
            verify_inclusion(leaf, position, size, proof, root)
            t2 = time.perf_counter()
            from_store = StoredTree(LedgerTables(app)).inclusion_proof(position, size)
            verify_inclusion(leaf, position, size, from_store, root)
            t3 = time.perf_counter()
            make.append(t1 - t0)
            check.append(t2 - t1)
            stored.append(t3 - t2)
            lengths.append(len(proof))
        # Cold, end to end: open the store, load the tree, prove one event, check it.
        started = time.perf_counter()
        cold_tree = LedgerTables(app).load_tree()
        position = positions[0]
        proof = cold_tree.inclusion_proof(position, size)
        oid, version, topic, state = rows[position]
        verify_inclusion(
            event_leaf_hash(position, oid, version, topic, state), position, size, proof,
            cold_tree.root(),
        )  # fmt: skip
        cold = time.perf_counter() - started
        return {
            "tree_size": size,
            "tree_load_from_leaf_table_s": load,
            "subtree_cache_check_or_fill_s": cache_fill,
            "make_proof_us_median": statistics.median(make) * 1e6,
            "check_proof_us_median": statistics.median(check) * 1e6,
            "stored_tree_proof_and_check_us_median": statistics.median(stored) * 1e6,
            "proof_hashes_median": statistics.median(lengths),
            "cold_end_to_end_s": cold,
        }
    finally:
        app.close()


def _rows_at(app: LedgerApplication, positions: Sequence[int]) -> dict[int, Any]:
    """The events at these log positions, read by position in the leaf table."""
    import sqlite3

    assert app.store.path is not None
    conn = sqlite3.connect(f"file:{app.store.path}?mode=ro", uri=True)
    try:
        out: dict[int, Any] = {}
        for position in set(positions):
            oid, version, topic, state = conn.execute(
                "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM "
                "merkle_leaves l JOIN stored_events e ON e.rowid = l.notification_id "
                "WHERE l.leaf_index = ?",
                (position,),
            ).fetchone()
            out[position] = (UUID(oid), int(version), str(topic), bytes(state))
        return out
    finally:
        conn.close()


def case_proof_time(db: Path, signer: Signer) -> float | None:
    from ledger.audit.proofs import export_case_proof

    app = LedgerApplication(StoreConfig.parse(str(db)), signer)
    try:
        import sqlite3

        assert app.store.path is not None
        conn = sqlite3.connect(f"file:{app.store.path}?mode=ro", uri=True)
        row = conn.execute(
            "SELECT state FROM stored_events WHERE topic LIKE '%AccountabilityCase.Opened' "
            "ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        conn.close()
        if row is None:
            return None
        from ledger.audit.verify import decode_payload

        case_no = decode_payload(Envelope.parse(bytes(row[0])).payload)["case_no"]
        started = time.perf_counter()
        export_case_proof(app, case_no)
        return time.perf_counter() - started
    finally:
        app.close()


# --- main --------------------------------------------------------------------------------------


def median_of(repeats: int, fn: Callable[[], float]) -> tuple[float, list[float]]:
    values = [fn() for _ in range(repeats)]
    return statistics.median(values), values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--size", type=int, default=100_000, help="events in the ledger")
    parser.add_argument("--db", type=Path, help="an existing SQLite ledger instead")
    parser.add_argument("--root-fingerprint", help="pin the root key (with --db)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--raw", type=int, default=20_000, help="signatures for the raw rates")
    parser.add_argument("--proofs", type=int, default=200, help="inclusion proofs sampled")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="verify-bench-")
    if args.db:
        db, made_by, signer = args.db, "given", None
        pinned = args.root_fingerprint
    else:
        db = Path(tmp.name) / "ledger.db"
        log(f"building a ledger of {args.size} events ...")
        started = time.perf_counter()
        made_by, signer = build_ledger(db, args.size)
        log(f"  {made_by}: {time.perf_counter() - started:.1f} s")
        pinned = signer.fingerprint
        app = LedgerApplication(StoreConfig.parse(str(db)))
        make_checkpoint(app, signer)
        app.close()

    app = LedgerApplication(StoreConfig.parse(str(db)))
    triples = signature_triples(app, args.raw)
    app.close()

    raw_one: list[float] = []
    raw_two: list[float] = []
    raw_proc: list[float] = []
    verify_one: list[float] = []
    verify_two: list[float] = []
    verify_proc: list[float] = []
    verify_auto: list[float] = []
    events, clean = 0, True
    for i in range(args.repeats):
        log(f"round {i + 1}/{args.repeats}: raw Ed25519; verify with 1 worker, 2 threads, "
            "2 processes, auto")  # fmt: skip
        rates = raw_rates(triples)
        raw_one.append(rates["one_thread"])
        raw_two.append(rates["two_threads"])
        raw_proc.append(rates["two_processes"])
        for parallel, workers, into in (
            ("threads", 1, verify_one), ("threads", 2, verify_two),
            ("processes", 2, verify_proc), ("auto", 2, verify_auto),
        ):  # fmt: skip
            rate, events, ok = verify_rate(db, workers, pinned, parallel)
            into.append(rate)
            clean = clean and ok
    log("inclusion proofs ...")
    proofs = proof_times(db, args.proofs)
    case_proof = case_proof_time(db, signer) if signer else None

    med = statistics.median
    two_cores = max(med(raw_two), med(raw_proc))
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "cryptography": cryptography.__version__,
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
        },
        "ledger": {"events": events, "made_by": made_by, "verified_clean": clean},
        "repeats": args.repeats,
        "raw_ed25519_per_s": {
            "one_thread": med(raw_one),
            "two_threads": med(raw_two),
            "two_processes": med(raw_proc),
        },
        "raw_two_threads_speedup": med(raw_two) / med(raw_one),
        "verify_events_per_s": {
            "one_worker": med(verify_one),
            "two_worker_threads": med(verify_two),
            "two_worker_processes": med(verify_proc),
            "auto": med(verify_auto),
        },
        "verify_vs_raw_two_cores": {
            "two_worker_threads": med(verify_two) / two_cores,
            "two_worker_processes": med(verify_proc) / two_cores,
            "auto": med(verify_auto) / two_cores,
        },
        "all_rounds": {
            "raw_one": raw_one,
            "raw_two": raw_two,
            "raw_processes": raw_proc,
            "verify_one": verify_one,
            "verify_two": verify_two,
            "verify_processes": verify_proc,
            "verify_auto": verify_auto,
        },
        "cores_busy_median": {k: med(v) for k, v in CPU_USE.items()},
        "auto_mode": _parallel_mode(VerifyOptions(parallel="auto"), events),
        "inclusion_proof": proofs,
        "case_proof_export_s": case_proof,
    }

    def cores(workers: int, parallel: str) -> str:
        return f"{med(CPU_USE[f'{workers}-{parallel}']):.2f}"

    def row(label: str, rate: float, unit: str) -> str:
        return f"| {label:<46} | {rate:>9,.0f} {unit:<5} | {rate / two_cores:>5.2f} |"

    print(
        f"""
lifeledger verify benchmark ({events} events, {made_by}; median of {args.repeats})
machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, cryptography \
{cryptography.__version__}, load {os.getloadavg()[0]:.2f}

| measure                                        | rate            | / raw two cores |
| ---------------------------------------------- | --------------- | ----- |
{row("raw Ed25519 verify, one thread", med(raw_one), "/s")}
{row("raw Ed25519 verify, two threads", med(raw_two), "/s")}
{row("raw Ed25519 verify, two processes", med(raw_proc), "/s")}
{row("lifeledger verify, 1 worker", med(verify_one), "ev/s")}
{row("lifeledger verify, 2 worker threads", med(verify_two), "ev/s")}
{row("lifeledger verify, 2 worker processes", med(verify_proc), "ev/s")}
{row("lifeledger verify --parallel auto", med(verify_auto), "ev/s")}

cores kept busy (CPU time / wall time): 1 worker {cores(1, "threads")}, 2 threads \
{cores(2, "threads")}, 2 processes {cores(2, "processes")}; --parallel auto uses \
{results["auto_mode"]} here
inclusion proof at {proofs["tree_size"]} events from the store (leaf block + subtree cache): \
{proofs["stored_tree_proof_and_check_us_median"]:.0f} µs made and checked; from a whole tree \
loaded in {proofs["tree_load_from_leaf_table_s"] * 1000:.0f} ms: made in \
{proofs["make_proof_us_median"]:.0f} µs, checked (leaf re-hashed) in \
{proofs["check_proof_us_median"]:.0f} µs ({proofs["proof_hashes_median"]:.0f} hashes)"""
        + (f"; a case-proof export {case_proof * 1000:.0f} ms" if case_proof else "")
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    tmp.cleanup()
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
