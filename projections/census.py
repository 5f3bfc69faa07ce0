"""The read models checked against the log before a read trusts them to find records.

The view tables are indexes: a read uses them to find which records a question concerns, then
shows only what those records' checked events say (:mod:`projections.trusted`). What the
events cannot show is a record the index fails to name. So before an index is used,
:func:`check_census` compares the views with the log (the tracking position may not be ahead
of the log; one row per record the log opened), and :func:`check_index_rows` compares a
secondary index with the count of rows applying the log wrote. :func:`refuse_row` is the
error for an index row that its record's checked events contradict.
"""

from __future__ import annotations

from ledger.domain import topics
from ledger.domain.imports import ImportedLine
from ledger.i18n import N_, _
from projections import log, schema
from projections.trusted import ReadRefusedError, TrustedLog

REBUILD_HINT = N_(
    "Run `lifeledger verify` to see every divergent row, then `lifeledger projections rebuild`."
)


def refuse_row(table: str, key: str, what: str) -> ReadRefusedError:
    """An index row that its record's checked events contradict."""
    return ReadRefusedError(
        _(
            "the read model row {table} ({key}) does not match the checked events of "
            "{what}: the read models were altered. Nothing is shown from them. "
            "{REBUILD_HINT}"
        ).format(table=table, key=key, what=what, REBUILD_HINT=_(REBUILD_HINT)),
        table=table,
        key=key,
    )


def check_index_rows(trust: TrustedLog, table: str, what: str) -> None:
    """Refuse a secondary index that lacks rows (or holds extra ones) before a read trusts it
    to find every case: ``what`` says what the read would have missed.

    Such an index says only where to look (which cases name a unit, have a date in a year,
    have a legal period running), so a deleted row hides a case from the answer and nothing
    in the case itself shows it. Applying the log counts the rows it inserts, in the same
    transaction (:data:`projections.schema.COUNTED`); the read counts the rows there are.
    Rows edited in place keep the count: ``verify``'s read-model audit names those.
    """
    store, cur = trust.store, trust.cur
    cur.execute(
        store.sql(
            f"SELECT (SELECT COUNT(*) FROM {{{table}}}), "
            "(SELECT position FROM {proj_tracking} WHERE name = ?)"
        ),
        (schema.counter_name(table),),
    )
    held, written = cur.fetchone()
    if written is not None and int(held) == int(written):
        return
    wrote = _("no count") if written is None else _("{n} rows").format(n=int(written))
    raise ReadRefusedError(
        _(
            "the read models are inconsistent: {table} holds {held} rows, but applying the log "
            "wrote {wrote}: index rows were deleted or added, so {what} could be missing from "
            "this answer. Nothing is shown from them. {hint}"
        ).format(table=table, held=int(held), wrote=wrote, what=what, hint=_(REBUILD_HINT)),
        table=table,
    )


#: The tables that hold one row per record the log opened, and the column holding the log
#: position of its first event.
CENSUS = (
    ("proj_cases", "opened_at"),
    ("proj_units", "registered_at"),
    ("proj_cadres", "registered_at"),
    ("proj_reports", "reported_at"),
)


#: The index SQLite makes for the events table's primary key (aggregate id, version).
SQLITE_KEY_INDEX = "sqlite_autoindex_stored_events_1"
#: The creation event of an import line's record (no view row: counted, not listed).
IMPORT_LINE_TOPIC = topics.event_topic(ImportedLine, "Applied")

_CENSUS_TABLE = {
    "AccountabilityCase": "proj_cases",
    "Unit": "proj_units",
    "Cadre": "proj_cadres",
    "RegionalReport": "proj_reports",
}


def check_census(trust: TrustedLog, position: int) -> None:
    """Refuse views that claim more of the log than there is, or that lack or add a record.

    Every record of the log starts with a version-1 event (the key registry's creation, a
    case's opening, a unit's or cadre's registration); the views hold one row per case, unit
    and cadre, keyed by that event's position. Counting both sides up to the tracking
    position costs one pass over the events table's primary-key index.
    """
    store, cur = trust.store, trust.cur
    if position > trust.top:
        raise ReadRefusedError(
            _(
                "the read models claim to have applied the log up to position "
                "{position}, but the log ends at {top}: their tracking position was "
                "moved. Nothing is shown from them. {REBUILD_HINT}"
            ).format(position=position, top=trust.top, REBUILD_HINT=_(REBUILD_HINT)),
            table="proj_tracking",
            key="views",
        )
    column = "rowid" if store.kind == "sqlite" else "notification_id"
    # SQLite: the primary key's own index holds the version and the rowid, so the count reads
    # it alone (a quarter of the time of the table, whose rows carry the stored states).
    index = f" INDEXED BY {SQLITE_KEY_INDEX}" if store.kind == "sqlite" else ""
    cur.execute(
        store.sql(
            f"SELECT COUNT(*) FROM {{{log.EVENTS}}}{index} WHERE originator_version = 1 "
            f"AND {column} <= ?"
        ),
        (position,),
    )
    in_log = int(cur.fetchone()[0])
    # The views' rows, the key registry, and the import lines (records no view shows, counted
    # as they are applied), in one statement.
    counts = " + ".join(f"(SELECT COUNT(*) FROM {{{t}}})" for t, _ in CENSUS)
    cur.execute(
        store.sql(
            f"SELECT {counts} + "
            "COALESCE((SELECT position FROM {proj_tracking} WHERE name = ?), 0)"
        ),
        (schema.IMPORT_LINES,),
    )
    in_views = int(cur.fetchone()[0]) + (1 if in_log else 0)  # + the key registry
    if in_log == in_views:
        return
    _refuse_census(trust, position, column)


def _refuse_census(trust: TrustedLog, position: int, column: str) -> None:
    """Name the first record the views lack, or the first row the log does not support."""
    store, cur = trust.store, trust.cur
    cur.execute(
        store.sql(
            f"SELECT {column}, topic FROM {{{log.EVENTS}}} WHERE originator_version = 1 "
            f"AND {column} <= ? ORDER BY {column}"
        ),
        (position,),
    )
    opened = {int(p): str(t) for p, t in cur.fetchall()}
    rows: dict[int, str] = {}
    for table, column_at in CENSUS:
        cur.execute(store.sql(f"SELECT {column_at} FROM {{{table}}}"))
        rows.update((int(r[0]), table) for r in cur.fetchall())
    registry = min(opened, default=None)
    for at, topic in opened.items():
        if at != registry and at not in rows and topic != IMPORT_LINE_TOPIC:
            table = _CENSUS_TABLE.get(topic.rsplit(":", 1)[-1].split(".")[0], "proj_cases")
            leaf = trust.leaf_position(at)
            raise ReadRefusedError(
                _(
                    "the read models are incomplete: {table} has no row for the record whose "
                    "first event ({value}) is at log position {value2}. Nothing is shown "
                    "from them. {REBUILD_HINT}"
                ).format(
                    table=table,
                    value=topic.rsplit(":", 1)[-1],
                    value2=leaf if leaf is not None else at,
                    REBUILD_HINT=_(REBUILD_HINT),
                ),
                table=table,
                position=leaf,
            )
    for at, table in sorted(rows.items()):
        if at not in opened:
            raise ReadRefusedError(
                _(
                    "the read models hold a row the log does not support: {table} row at "
                    "position {at} names no record's first event. Nothing is shown from "
                    "them. {REBUILD_HINT}"
                ).format(table=table, at=at, REBUILD_HINT=_(REBUILD_HINT)),
                table=table,
                key=str(at),
            )
    raise ReadRefusedError(
        _(
            "the read models do not match the log: {len} case, unit and cadre rows "
            "for {value} records. {REBUILD_HINT}"
        ).format(len=len(rows), value=len(opened) - 1, REBUILD_HINT=_(REBUILD_HINT))
    )
