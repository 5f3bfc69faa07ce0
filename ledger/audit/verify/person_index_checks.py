"""The person index (Art. 8 completeness) recomputed from the log: the root each good
checkpoint signed, and the stored chain rows and map nodes against the recomputed ones."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

from ledger.audit.verify.audit import Audit
from ledger.audit.verify.result import Check
from ledger.audit.verify.sources import INDEXED_TOPICS, EventSource
from ledger.errors import ProofError
from ledger.i18n import _, enumerated
from ledger.transparency.checkpoint import Checkpoint, b64encode
from ledger.transparency.person_audit import IndexAudit, audit_stored_rows
from ledger.transparency.person_index import PERSON_NODES_TABLE, map_root_of
from ledger.transparency.person_map import Node
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.ranges import CompactRange
from ledger.transparency.tables import EventRow


class PersonIndexChecks:
    """The person-index half of a verification run (:class:`ledger.audit.verify.run._Run`)."""

    audit: Audit
    source: EventSource
    range: CompactRange
    _sizes: list[int]
    _wanted: set[int]
    index: IndexAudit
    index_roots: dict[int, bytes]
    unindexed_checkpoints: int
    indexed_seen: bool
    index_nodes: dict[str, Node] | None
    rolled_back: bool

    def _feed_index(
        self, start: int, rows: Sequence[EventRow], ids: list[int], leaves: bytes
    ) -> None:
        """Refold the person chains over these events (log order), taking the map root at
        every checkpoint size on the way."""
        index, wanted = self.index, self._wanted
        for i, row in enumerate(rows):
            position = start + i
            if position in wanted:
                self._index_snapshot(position)
            topic = row[3]
            if topic.startswith(INDEXED_TOPICS):
                try:
                    oid = UUID(int=ids[i])
                except (ValueError, TypeError, IndexError):
                    continue  # an unreadable row: reported by the event checks
                index.feed(position, oid, topic, row[4], leaves[32 * i : 32 * i + 32])

    def _index_snapshot(self, size: int) -> None:
        if size not in self.index_roots:
            self.index_roots[size] = self.index.root()
            if self._sizes and size == self._sizes[-1]:
                self.index_nodes = dict(self.index.map.table)

    def _check_index(self, cp: Checkpoint) -> None:
        """The person-index root a good checkpoint signed must be the one the log gives."""
        try:
            signed = map_root_of(cp)
        except ProofError as e:
            self.audit.fail(Check.INDEX, str(e), tree_size=cp.size)
            return
        expected = self.index_roots.get(cp.size)
        if signed is None and not self.indexed_seen:
            # Signed before the ledger had the person index: completeness cannot be proven as
            # of it, which is what ``cadre history`` and ``proof cadre`` say; not a failure.
            self.unindexed_checkpoints += 1
        elif signed is None:
            self.audit.fail(
                Check.INDEX,
                _(
                    "checkpoint {size} carries no person-index root, though an earlier "
                    "checkpoint did: nothing proves a person's history complete at it"
                ).format(size=cp.size),
                tree_size=cp.size,
            )
        else:
            self.indexed_seen = True
        if signed is not None and expected is not None and signed != expected:
            self.audit.fail(
                Check.INDEX,
                _(
                    "checkpoint {size} signed person-index root {b64encode}, but the log's "
                    "events give {b64encode2}: the index was built from rows that differ "
                    "from the log"
                ).format(size=cp.size, b64encode=b64encode(signed), b64encode2=b64encode(expected)),
                tree_size=cp.size,
            )

    def _check_index_tables(self) -> None:
        """The stored chain rows and map nodes against the recomputed ones (a store only).

        The index is written with each event, so where the log itself fails (an event altered,
        deleted, moved or inserted, the log cut short of a checkpoint) the index still holds
        the log as it was recorded, and differs from the chains refolded from the log as it is
        now. Those differences follow from the log's failures, already listed: they are named
        once, in one failure that says so. A person whose rows differ although every position
        they touch lies before the first failure of the log, and map nodes that differ while
        every chain agrees, are edits of the index itself, each listed in full.
        """
        tables = getattr(self.source, "person_tables", None)
        if tables is None:
            return
        if self.unindexed_checkpoints and not self.indexed_seen:
            return  # a ledger from before the index: the next checkpoint builds its rows
        n = self.range.size
        broken = self.audit.broken_from
        if self.rolled_back:
            broken = n if broken is None else min(broken, n)
        problems = audit_stored_rows(self.index, self._indexed_rows(tables, n), n)
        follows = [p for p in problems if broken is not None and p.reach >= broken]
        for problem in problems:
            if broken is None or problem.reach < broken:
                self.audit.fail(Check.INDEX, problem.message)
        nodes = ""
        if self.index_nodes is not None and self._sizes:
            latest = self._sizes[-1]
            stored = tables.latest_nodes(latest)
            mine = self.index_nodes
            wrong = sorted(p for p in set(stored) | set(mine) if stored.get(p) != mine.get(p))
            if wrong and follows and broken is not None and broken < latest:
                nodes = _(", and {n} map nodes as of checkpoint {latest}").format(
                    n=len(wrong), latest=latest
                )
            elif wrong:
                self.audit.fail(
                    Check.INDEX,
                    _(
                        "person index table {PERSON_NODES_TABLE}: {len} map nodes as of "
                        "checkpoint {latest} differ from the map of the log's chains (first at "
                        "path {value!r})"
                    ).format(
                        PERSON_NODES_TABLE=PERSON_NODES_TABLE,
                        len=len(wrong),
                        latest=latest,
                        value=wrong[0] or "root",
                    ),
                    tree_size=latest,
                )
        if follows:
            names = enumerated(p.personnel_no for p in follows[:5])
            if len(follows) > 5:
                names += _(" and {n} more").format(n=len(follows) - 5)
            self.audit.fail(
                Check.INDEX,
                _(
                    "the person index differs from the log for {len} person(s) "
                    "({names}){nodes}: this follows from the log's own failures from "
                    "position {broken} on (the index was written with the events as first "
                    "recorded), not from an edit of the index"
                ).format(len=len(follows), names=names, nodes=nodes, broken=broken),
            )

    @staticmethod
    def _indexed_rows(tables: PersonTables, log_size: int) -> Iterator[tuple[str, int, int, bytes]]:
        """The stored index rows, without those of events appended since this verification
        read the log (their positions now hold an event); rows pointing past the end of the
        log at nothing are kept."""
        later: list[tuple[str, int, int, bytes]] = []
        for row in tables.all_rows():
            if row[2] < log_size:
                yield row
            else:
                later.append(row)
        if later:
            present = tables.events_at([row[2] for row in later])
            yield from (row for row in later if row[2] not in present)
