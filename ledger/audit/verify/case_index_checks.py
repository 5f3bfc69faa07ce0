"""The case index (Art. 13, 14: the case set) and the case-dates index (Art. 12, 14: each
year's cases, the closings) recomputed from the log: the root each good checkpoint that
carries one signed, and the stored chain rows against the recomputed ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from ledger.audit.verify.audit import Audit
from ledger.audit.verify.person_index_checks import PersonIndexChecks
from ledger.audit.verify.result import Check
from ledger.audit.verify.sources import EventSource
from ledger.errors import ProofError
from ledger.i18n import _
from ledger.transparency.case_audit import CaseIndexAudit
from ledger.transparency.case_dates import (
    DATES_EVENTS_TABLE,
    CaseDatesAudit,
    CaseDatesTables,
    dates_root_of,
)
from ledger.transparency.case_index import CASE_EVENTS_TABLE, case_root_of
from ledger.transparency.case_tables import CaseTables
from ledger.transparency.checkpoint import Checkpoint, b64encode
from ledger.transparency.person_audit import IndexAudit, audit_stored_rows
from ledger.transparency.person_index import CASE
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.ranges import CompactRange
from ledger.transparency.tables import EventRow

__all__ = ["CaseIndexChecks", "CaseMap", "case_maps"]


@dataclass
class CaseMap:
    """One map over the case events, as a verification run recomputes it."""

    audit: IndexAudit
    root_of: Callable[[Checkpoint], bytes | None]
    tables: Callable[[object], PersonTables]
    table_name: str
    #: The failures' texts: a checkpoint without the root after one with it; a signed root
    #: that is not the log's.
    missing: str
    differs: str
    roots: dict[int, bytes] = field(default_factory=dict)
    #: Whether a good checkpoint carrying this map's root was seen.
    seen: bool = False


def case_maps() -> list[CaseMap]:
    """The case index and the case-dates index, fresh for one run."""
    return [
        CaseMap(
            CaseIndexAudit(),
            case_root_of,
            CaseTables,
            CASE_EVENTS_TABLE,
            _(
                "checkpoint {size} carries no case-index root, though an earlier "
                "checkpoint did: nothing proves the case set complete at it"
            ),
            _(
                "checkpoint {size} signed case-index root {signed}, but the log's events "
                "give {expected}: the case set or a unit's cases were committed from rows "
                "that differ from the log"
            ),
        ),
        CaseMap(
            CaseDatesAudit(),
            dates_root_of,
            CaseDatesTables,
            DATES_EVENTS_TABLE,
            _(
                "checkpoint {size} carries no case-dates root, though an earlier "
                "checkpoint did: nothing proves each year's cases and the closings complete "
                "at it"
            ),
            _(
                "checkpoint {size} signed case-dates root {signed}, but the log's events "
                "give {expected}: a year's cases or the closings were committed from rows "
                "that differ from the log"
            ),
        ),
    ]


class CaseIndexChecks:
    """The case maps' part of a verification run (:class:`ledger.audit.verify.run._Run`).

    Checkpoints signed before the ledger had a map carry no root of it and are not
    failures; one without it after one with it is.
    """

    audit: Audit
    source: EventSource
    range: CompactRange
    _sizes: list[int]
    _wanted: set[int]
    case_maps: list[CaseMap]

    def _feed_case_index(
        self, start: int, rows: Sequence[EventRow], ids: list[int], leaves: bytes
    ) -> None:
        """Refold the case maps' chains over these events (log order), taking each map root
        at every checkpoint size on the way."""
        maps, wanted = self.case_maps, self._wanted
        for i, row in enumerate(rows):
            position = start + i
            if position in wanted:
                self._case_snapshot(position)
            if row[3].startswith(CASE):
                try:
                    oid = UUID(int=ids[i])
                except (ValueError, TypeError, IndexError):
                    continue  # an unreadable row: reported by the event checks
                leaf = leaves[32 * i : 32 * i + 32]
                for m in maps:
                    m.audit.feed(position, oid, row[3], row[4], leaf)

    def _case_snapshot(self, size: int) -> None:
        for m in self.case_maps:
            if size not in m.roots:
                m.roots[size] = m.audit.root()

    def _check_case_index(self, cp: Checkpoint) -> None:
        """The case maps' roots a good checkpoint signed must be the ones the log gives."""
        for m in self.case_maps:
            try:
                signed = m.root_of(cp)
            except ProofError as e:
                self.audit.fail(Check.INDEX, str(e), tree_size=cp.size)
                continue
            if signed is None:
                if m.seen:
                    self.audit.fail(Check.INDEX, m.missing.format(size=cp.size), tree_size=cp.size)
                continue
            m.seen = True
            expected = m.roots.get(cp.size)
            if expected is not None and signed != expected:
                self.audit.fail(
                    Check.INDEX,
                    m.differs.format(
                        size=cp.size, signed=b64encode(signed), expected=b64encode(expected)
                    ),
                    tree_size=cp.size,
                )

    def _check_case_rows(self) -> None:
        """The stored rows of each case map against the chains refolded from the log (a store
        only, and only once a checkpoint commits them): a row deleted, added or edited is
        named."""
        tables = getattr(self.source, "person_tables", None)
        if tables is None:
            return
        n = self.range.size
        broken = self.audit.broken_from
        for m in self.case_maps:
            if not m.seen:
                continue
            rows = PersonIndexChecks._indexed_rows(m.tables(tables.app), n)
            for problem in audit_stored_rows(m.audit, rows, n, m.table_name):
                if broken is None or problem.reach < broken:
                    self.audit.fail(Check.INDEX, problem.message)
