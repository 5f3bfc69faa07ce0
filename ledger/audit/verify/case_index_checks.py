"""The case index (Art. 13, 14: the case set) recomputed from the log: the root each good
checkpoint that carries one signed, and the stored chain rows against the recomputed ones."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from ledger.audit.verify.audit import Audit
from ledger.audit.verify.person_index_checks import PersonIndexChecks
from ledger.audit.verify.result import Check
from ledger.audit.verify.sources import EventSource
from ledger.errors import ProofError
from ledger.i18n import _
from ledger.transparency.case_audit import CaseIndexAudit
from ledger.transparency.case_index import CASE_EVENTS_TABLE, case_root_of
from ledger.transparency.case_tables import CaseTables
from ledger.transparency.checkpoint import Checkpoint, b64encode
from ledger.transparency.person_audit import audit_stored_rows
from ledger.transparency.person_index import CASE
from ledger.transparency.ranges import CompactRange
from ledger.transparency.tables import EventRow


class CaseIndexChecks:
    """The case-index part of a verification run (:class:`ledger.audit.verify.run._Run`).

    Checkpoints signed before the ledger had the case index carry no root and are not
    failures; one without it after one with it is.
    """

    audit: Audit
    source: EventSource
    range: CompactRange
    _sizes: list[int]
    _wanted: set[int]
    case_index: CaseIndexAudit
    case_roots: dict[int, bytes]
    case_indexed_seen: bool

    def _feed_case_index(
        self, start: int, rows: Sequence[EventRow], ids: list[int], leaves: bytes
    ) -> None:
        """Refold the case-index chains over these events (log order), taking the map root
        at every checkpoint size on the way."""
        index, wanted = self.case_index, self._wanted
        for i, row in enumerate(rows):
            position = start + i
            if position in wanted:
                self._case_snapshot(position)
            if row[3].startswith(CASE):
                try:
                    oid = UUID(int=ids[i])
                except (ValueError, TypeError, IndexError):
                    continue  # an unreadable row: reported by the event checks
                index.feed(position, oid, row[3], row[4], leaves[32 * i : 32 * i + 32])

    def _case_snapshot(self, size: int) -> None:
        if size not in self.case_roots:
            self.case_roots[size] = self.case_index.root()

    def _check_case_index(self, cp: Checkpoint) -> None:
        """The case-index root a good checkpoint signed must be the one the log gives."""
        try:
            signed = case_root_of(cp)
        except ProofError as e:
            self.audit.fail(Check.INDEX, str(e), tree_size=cp.size)
            return
        if signed is None:
            if self.case_indexed_seen:
                self.audit.fail(
                    Check.INDEX,
                    _(
                        "checkpoint {size} carries no case-index root, though an earlier "
                        "checkpoint did: nothing proves the case set complete at it"
                    ).format(size=cp.size),
                    tree_size=cp.size,
                )
            return
        self.case_indexed_seen = True
        expected = self.case_roots.get(cp.size)
        if expected is not None and signed != expected:
            self.audit.fail(
                Check.INDEX,
                _(
                    "checkpoint {size} signed case-index root {signed}, but the log's events "
                    "give {expected}: the case set or a unit's cases were committed from rows "
                    "that differ from the log"
                ).format(size=cp.size, signed=b64encode(signed), expected=b64encode(expected)),
                tree_size=cp.size,
            )

    def _check_case_rows(self) -> None:
        """The stored case-index rows against the chains refolded from the log (a store only,
        and only once a checkpoint commits them): a row deleted, added or edited is named."""
        tables = getattr(self.source, "person_tables", None)
        if tables is None or not self.case_indexed_seen:
            return
        n = self.range.size
        broken = self.audit.broken_from
        rows = PersonIndexChecks._indexed_rows(CaseTables(tables.app), n)
        for problem in audit_stored_rows(self.case_index, rows, n, CASE_EVENTS_TABLE):
            if broken is None or problem.reach < broken:
                self.audit.fail(Check.INDEX, problem.message)
