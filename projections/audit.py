"""``verify``'s read-model audit: recompute the views from the log and name every divergent row.

The views (``proj_*``) are indexes and caches that anyone with write access to the store can
edit. The audit rebuilds them from the log with the same handlers as ``projections rebuild``,
leaving out every event ``verify`` found failing, into tables of its own that it alone writes
(SQLite: an in-memory database with the ledger file attached; PostgreSQL: temporary tables
of the audit's own session), up to the position the stored views claim. It then compares the
two table by table and names each row that differs: the table, its key, what is stored and
what the log says (a row missing, a row the log does not support, or both with different
values), and a tracking position ahead of the log. ``projections rebuild`` repairs them.

The audit writes nothing to the ledger: it works on a read-only role and leaves the stored
views as found. A store with no views yet has nothing to audit.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ledger.application import LedgerApplication
from ledger.errors import StoreError, went_away
from ledger.i18n import _
from projections import log, schema
from projections.api import Projections
from projections.scratch import Scratch, StoredViews, scratch_views
from projections.sql import ViewStore

#: Divergent rows listed at most (all are counted).
MAX_LISTED = 1000


@dataclass(frozen=True)
class Divergence:
    """One view row that is not what the log says."""

    table: str
    key: str
    stored: tuple[Any, ...] | None
    expected: tuple[Any, ...] | None

    def describe(self) -> str:
        if self.stored is None:
            return _("{table} ({key}): missing; expected {row}").format(
                table=self.table, key=self.key, row=_row(self.expected)
            )
        if self.expected is None:
            return _("{table} ({key}): not supported by the log; stored {row}").format(
                table=self.table, key=self.key, row=_row(self.stored)
            )
        return _("{table} ({key}): stored {row}, expected {row2}").format(
            table=self.table, key=self.key, row=_row(self.stored), row2=_row(self.expected)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": self.key,
            "stored": list(self.stored) if self.stored is not None else None,
            "expected": list(self.expected) if self.expected is not None else None,
        }


def _row(values: tuple[Any, ...] | None) -> str:
    return "(" + ", ".join(repr(v) for v in values or ()) + ")"


@dataclass(frozen=True)
class ReadModelAudit:
    """What the audit found: truthy when every view row is what the log says."""

    position: int | None  # the log position the stored views claim (None: no views)
    tables: int
    rows: int  # rows recomputed from the log
    divergences: tuple[Divergence, ...]
    divergence_count: int
    seconds: float
    problems: tuple[str, ...] = field(default=())
    up_to: int | None = None  # the position recomputed to: the claimed one, or the log's end

    def __bool__(self) -> bool:
        return self.divergence_count == 0 and not self.problems

    def summary(self) -> str:
        if self.position is None:
            return _("Read models: none built yet; nothing to audit")
        status = (
            _("OK")
            if self
            else _("FAILED: {value} divergence(s)").format(
                value=self.divergence_count + len(self.problems)
            )
        )
        lines = [
            _("Read models: {status}").format(status=status),
            _(
                "  recomputed        {tables} tables, {rows} rows from the log up to "
                "position {up_to}, in {seconds:.2f} s"
            ).format(tables=self.tables, rows=self.rows, up_to=self.up_to, seconds=self.seconds),
        ]
        if not self:
            lines.append(_("Divergent rows (run `lifeledger projections rebuild` to repair):"))
            lines += [f"  {p}" for p in self.problems]
            lines += [f"  {d.describe()}" for d in self.divergences]
            hidden = self.divergence_count - len(self.divergences)
            if hidden:
                lines.append(_("  ... and {hidden} more not listed").format(hidden=hidden))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": bool(self),
            "position": self.position,
            "recomputed_to": self.up_to,
            "tables": self.tables,
            "rows": self.rows,
            "problems": list(self.problems),
            "divergence_count": self.divergence_count,
            "divergences": [d.to_dict() for d in self.divergences],
            "seconds": round(self.seconds, 3),
        }


class _Expected(Projections):
    """The projections, rebuilt into the audit's own tables, from the good events only."""

    def __init__(
        self, app: LedgerApplication, store: ViewStore, up_to: int, leave_out: Collection[int]
    ) -> None:
        super().__init__(app)
        self.up_to = up_to
        self.leave_out = frozenset(leave_out)
        self._prepare(store)
        self._store = store

    def _max_notification_id(self) -> int:
        return self.up_to

    def _read(self, after: int, top: int) -> list[log.Record]:
        page = super()._read(after, top)
        if not self.leave_out:
            return page
        # A left-out event keeps its place as a record of no topic, which no view applies:
        # the page keeps its length and its end, so paging goes on as it would.
        return [(r[0], r[1], "", b"") if r[0] in self.leave_out else r for r in page]


def audit_read_models(
    app: LedgerApplication, leave_out: Collection[int] = (), log_top: int | None = None
) -> ReadModelAudit:
    """Recompute the views from the log (without the events at the notification ids in
    ``leave_out``) and compare them with the stored ones."""
    started = time.perf_counter()
    names = [t.name for t in schema.TABLES]
    stored_store = (
        StoredViews(app.store, names)
        if app.store.kind == "sqlite"
        else ViewStore.open(app.store, names)
    )
    try:
        with stored_store.read() as cur:
            cur.execute(
                stored_store.sql("SELECT position FROM {proj_tracking} WHERE name = ?"),
                (schema.TRACKING_NAME,),
            )
            row = cur.fetchone()
            cur.execute(
                stored_store.sql("SELECT value FROM {proj_meta} WHERE name = ?"), ("schema",)
            )
            meta = cur.fetchone()
            counters: dict[str, int] = {}
            if meta is not None and meta[0] == schema.SCHEMA_VERSION:
                cur.execute(stored_store.sql("SELECT name, position FROM {proj_tracking}"))
                counters = {str(n): int(c) for n, c in cur.fetchall()}
    except StoreError as e:
        if went_away(e):  # the server went: not "no read models", nothing concluded
            raise
        return ReadModelAudit(None, 0, 0, (), 0, time.perf_counter() - started)
    finally:
        stored_store.close()
    if row is None:
        return ReadModelAudit(None, 0, 0, (), 0, time.perf_counter() - started)
    claimed = int(row[0])
    top = int(app.recorder.max_notification_id() or 0) if log_top is None else log_top
    problems: list[str] = []
    if meta is None or meta[0] != schema.SCHEMA_VERSION:
        problems.append(
            _(
                "proj_meta (name=schema): stored {value!r}, expected {SCHEMA_VERSION!r}: "
                "the views were built by another version"
            ).format(value=meta[0] if meta else None, SCHEMA_VERSION=schema.SCHEMA_VERSION)
        )
        return ReadModelAudit(claimed, 0, 0, (), 0, time.perf_counter() - started, tuple(problems))
    if claimed > top:
        problems.append(
            _(
                "proj_tracking (name={TRACKING_NAME}): stored position {claimed}, but "
                "the log ends at {top}: a tracking position ahead of the log is not "
                "trusted"
            ).format(TRACKING_NAME=schema.TRACKING_NAME, claimed=claimed, top=top)
        )
    up_to = min(claimed, top)
    views = scratch_views(
        app.store,
        str(getattr(app.recorder, "events_table_name")),  # noqa: B009 (not typed)
    )
    try:
        expected = _Expected(app, views, up_to, leave_out)
        expected.catch_up()
        divergences: list[Divergence] = []
        count = rows = 0
        tables = [t for t in schema.VIEW_TABLES if t is not schema.TRACKING]
        with views.read() as cur:
            for table in tables:
                found, total = _compare(views, cur, table)
                rows += total
                count += len(found)
                divergences += found[: max(0, MAX_LISTED - len(divergences))]
            # The secondary indexes' row counts, which reads compare their rows with.
            for name in schema.COUNTED:
                cur.execute(f"SELECT COUNT(*) FROM {views.names[name]}")
                expected_rows = int(cur.fetchone()[0])
                stored_count = counters.get(schema.counter_name(name))
                if stored_count != expected_rows:
                    problems.append(
                        _(
                            "proj_tracking (name={counter}): stored count {stored_count}, but "
                            "the log's events give {expected_rows} rows of {name}"
                        ).format(
                            counter=schema.counter_name(name),
                            stored_count=stored_count,
                            expected_rows=expected_rows,
                            name=name,
                        )
                    )
    finally:
        views.close()
    return ReadModelAudit(
        claimed,
        len(tables),
        rows,
        tuple(divergences),
        count,
        time.perf_counter() - started,
        tuple(problems),
        up_to,
    )


def _compare(views: Scratch, cur: Any, table: schema.Table) -> tuple[list[Divergence], int]:
    """The rows of one table that differ between the stored and the recomputed views."""
    columns = ", ".join(table.column_names)
    mine, theirs = views.names[table.name], views.stored(table.name)
    cur.execute(f"SELECT COUNT(*) FROM {mine}")
    total = int(cur.fetchone()[0])

    def only(a: str, b: str) -> list[tuple[Any, ...]]:
        cur.execute(f"SELECT {columns} FROM {a} EXCEPT SELECT {columns} FROM {b}")
        return [tuple(r) for r in cur.fetchall()]

    stored = only(theirs, mine)
    expected = only(mine, theirs)
    if not stored and not expected:
        return [], total
    at = [table.column_names.index(k) for k in table.key]

    def key_of(r: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(r[i] for i in at)

    by_key = {key_of(r): r for r in expected}
    found = []
    for r in stored:
        k = key_of(r)
        found.append(Divergence(table.name, _key(table, k), r, by_key.pop(k, None)))
    found += [Divergence(table.name, _key(table, k), None, r) for k, r in by_key.items()]
    found.sort(key=lambda d: d.key)
    return found, total


def _key(table: schema.Table, values: tuple[Any, ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(table.key, values, strict=True))
