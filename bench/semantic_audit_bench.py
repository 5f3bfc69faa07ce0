"""What the semantic audit (issue 13 point 4) adds to ``verify``, measured in one run.

    python bench/semantic_audit_bench.py                 # 20k events, median of 3
    python bench/semantic_audit_bench.py --size 100000 --repeats 1

On a synthetic province made by ``bench/generate.py``, each the median of ``--repeats``:

* the signature/authority/Merkle verification alone (``Verifier.run``, two worker threads);
* the semantic audit alone (``ledger.audit.semantic.audit_measures``: every record replayed
  through the rule predicates of the write path);
* the ratio of the second to the first, and the findings (a generated ledger has none).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import generate as province

from ledger.application import LedgerApplication
from ledger.audit.semantic import audit_measures
from ledger.audit.verify import StoreSource, Verifier, VerifyOptions
from ledger.storage.store import StoreConfig


def timed(repeats: int, fn: Callable[[], object]) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--size", type=int, default=20_000, help="events in the ledger")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "province.db"
        province.generate(province.GeneratorConfig(size=args.size), db)
        app = LedgerApplication(StoreConfig.parse(str(db)))
        try:
            options = VerifyOptions(workers=2, parallel="threads")
            verify_s, result = timed(args.repeats, lambda: Verifier(options).run(StoreSource(app)))
            audit_s, findings = timed(args.repeats, lambda: audit_measures(app))
        finally:
            app.close()
    events = result.events  # type: ignore[attr-defined]
    out = {
        "events": events,
        "verify_seconds": round(verify_s, 3),
        "semantic_audit_seconds": round(audit_s, 3),
        "semantic_audit_events_per_second": round(events / audit_s),
        "ratio_audit_to_verify": round(audit_s / verify_s, 2),
        "findings": len(findings),  # type: ignore[arg-type]
        "repeats": args.repeats,
    }
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
