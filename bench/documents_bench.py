"""Printing documents from verified events, against reading the same from the read models.

    python bench/documents_bench.py --size 100000 [--workdir DIR] [--repeats 3]

Generates (or reuses, in --workdir) the synthetic province (bench/generate.py), signs a
checkpoint with its root key, and times, median of --repeats, in the same run:

* a 《责任追究决定书》 rendered from its verified events (proof export + verification + fold)
  and written as .docx, against ``case show`` of the same case from the read models;
* the Art. 14 workbook for the busiest year (every event of that year's cases verified),
  against ``report annual --json`` from the read models.

Prints the figures and their ratios (document ÷ read model). Not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import GeneratorConfig, derive_signer, generate

from ledger.application import LedgerApplication, today
from ledger.storage.store import StoreConfig
from ledger.transparency.checkpoints import make_checkpoint
from projections.api import Projections
from projections.documents.content import render_case_document
from projections.documents.evidence import LedgerEvidence
from projections.documents.report import render_report
from projections.documents.word import write_docx
from projections.documents.workbook import write_xlsx


def timed(work: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="lifeledger-docs-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"province-{args.size}.db"
    if not db.exists():
        started = time.perf_counter()
        generate(GeneratorConfig(size=args.size, seed=args.seed), db)
        print(f"generated {db} in {time.perf_counter() - started:.0f} s")
    app = LedgerApplication(StoreConfig.parse(str(db)), derive_signer(args.seed, "root"))
    make_checkpoint(app, derive_signer(args.seed, "root"))
    views = Projections(app)
    views.catch_up()
    cases = views.cases()
    decided = next(c for c in reversed(cases) if c.status == "closed")
    state = views.case_state(decided.case_no)
    party = next(p for p in state.parties if p.decisions)
    busiest = max(range(2017, 2027), key=lambda y: views.annual_report(y).decisions_issued)
    source = LedgerEvidence(app)
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    counter = iter(range(1_000_000))

    def decision() -> None:
        doc = render_case_document(
            source, "D", case_no=decided.case_no, party=(party.party_type, party.code)
        )
        write_docx(doc, out / f"d{next(counter)}.docx")

    def workbook() -> None:
        doc, _ = render_report(source, "X", busiest, None, today())
        write_xlsx(doc, out / f"x{next(counter)}.xlsx")

    figures = [
        ("case show (read model)", timed(lambda: views.case_state(decided.case_no), args.repeats)),
        ("document decision .docx", timed(decision, args.repeats)),
        (
            f"report annual {busiest} --json",
            timed(lambda: views.annual_report(busiest), args.repeats),
        ),
        (f"report annual {busiest} --format xlsx", timed(workbook, args.repeats)),
    ]
    events = app.recorder.max_notification_id()
    print(f"ledger: {events} events; case {decided.case_no}; year {busiest}; "
          f"median of {args.repeats}")  # fmt: skip
    for name, seconds in figures:
        print(f"  {name:<40} {seconds * 1000:10.1f} ms")
    print(f"  ratio decision/case show: {figures[1][1] / figures[0][1]:.1f}; "
          f"workbook/report json: {figures[3][1] / figures[2][1]:.1f}")  # fmt: skip
    views.close()
    app.close()


if __name__ == "__main__":
    main()
