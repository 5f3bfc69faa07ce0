"""The view tables, their keys and the indexes the queries need.

Every table is rebuilt from the notification log alone and lives beside the events (same
SQLite file; on PostgreSQL the ledger's own schema). The tables are indexes and registries:
a case's full state is replayed from its own events when asked (:mod:`projections.replay`).
Dates are ISO ``YYYY-MM-DD`` text (they sort and compare as dates on both stores). Bump
:data:`SCHEMA_VERSION` whenever a table or what a handler writes changes: views built by
another version are dropped and rebuilt on the next catch-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from projections.sql import Cursor, ViewStore

SCHEMA_VERSION = "15"
TRACKING_NAME = "views"
#: The secondary indexes (tables that only say where to look) whose rows are counted as they
#: are written: a ``proj_tracking`` row ``rows:<table>`` holds how many rows applying the log
#: inserted, so that a read can tell a deleted or added row (:func:`projections.census.
#: check_index_rows`) before it trusts the index to find every case.
COUNTED = ("proj_case_parties", "proj_case_years", "proj_decisions")


#: The ``proj_tracking`` row counting the import lines applied (``ImportedLine`` records):
#: records of the log that no view holds a row for, which the census counts too.
IMPORT_LINES = "records:import_lines"


def counter_name(table: str) -> str:
    """The ``proj_tracking`` row that counts a secondary index's rows."""
    return f"rows:{table}"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    #: small rows under a composite key: SQLite stores them in the key's own B-tree
    compact: bool = False

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    """``"a TEXT, b INTEGER"`` → ((a, TEXT), (b, INTEGER))."""
    pairs = (item.split() for item in spec.split(","))
    return tuple((name, kind) for name, kind in pairs)


META = Table("proj_meta", _cols("name TEXT, value TEXT"), ("name",))
TRACKING = Table("proj_tracking", _cols("name TEXT, position INTEGER"), ("name",))

KEYS = Table(
    "proj_keys",
    _cols(
        "key_id TEXT, holder TEXT, authority TEXT, authority_kind TEXT, role TEXT, status TEXT,"
        "replaced_by TEXT, reason TEXT, registered_at INTEGER, ended_at INTEGER,"
        "registered_by TEXT"
    ),
    ("key_id",),
)
UNITS = Table(
    "proj_units",
    _cols("code TEXT, name TEXT, kind TEXT, level TEXT, registered_at INTEGER"),
    ("code",),
)
#: Every registered cadre (names for the case state). A cadre's posts and retirement are
#: replayed from the cadre's own few events when a history is asked for
#: (:func:`projections.replay.career`), so transfers and retirements write nothing here.
CADRES = Table(
    "proj_cadres",
    _cols("personnel_no TEXT, cadre_id TEXT, name TEXT, registered_at INTEGER"),
    ("personnel_no",),
    True,
)
#: One row per case, keyed by the log position of its opening (new cases append at the end
#: of the table instead of landing at random places, as a uuid key would).
CASES = Table(
    "proj_cases",
    _cols(
        "opened_at INTEGER, case_id TEXT, case_no TEXT, incident_date TEXT, grounds TEXT,"
        "lifetime INTEGER, opened_on TEXT, opening_authority TEXT, status TEXT, closed_on TEXT,"
        "parties INTEGER"
    ),
    ("opened_at",),
)
#: Who is named in which case (a party, or an objector): a cadre's history (Art. 8) and a
#: unit's rating (Art. 13) start here, by party code, and read only the cases found.
CASE_PARTIES = Table(
    "proj_case_parties",
    _cols("code TEXT, party_type TEXT, opened_at INTEGER"),
    ("code", "party_type", "opened_at"),
    True,
)
#: The years in which a case has an accountability step or a duty falls due (Art. 14).
CASE_YEARS = Table(
    "proj_case_years", _cols("year INTEGER, opened_at INTEGER"), ("year", "opened_at"), True
)
#: Every decision (keyed by the position that issued it) with the dates its legal periods
#: (Art. 11, 12) depend on — ``dates`` holds the fields of :class:`projections.steps.Dates`
#: as comma-separated ISO dates (empty: not yet) — and ``steps_until``, the day from which
#: none of them runs any more (the deadline index, see :mod:`projections.steps`).
DECISIONS = Table(
    "proj_decisions",
    _cols(
        "opened_at INTEGER, party_type TEXT, code TEXT, position INTEGER, number TEXT,"
        "dates TEXT, steps_until TEXT"
    ),
    ("opened_at", "party_type", "code", "position"),
    True,
)

#: Art. 14: each regional annual report recorded, keyed by the log position of its report.
REPORTS = Table(
    "proj_reports",
    _cols("reported_at INTEGER, region TEXT, year INTEGER, agency TEXT, reported_on TEXT"),
    ("reported_at",),
)

TABLES = (
    META,
    TRACKING,
    KEYS,
    UNITS,
    CADRES,
    CASES,
    CASE_PARTIES,
    CASE_YEARS,
    DECISIONS,
    REPORTS,
)
VIEW_TABLES = tuple(t for t in TABLES if t is not META)
#: Tables earlier schema versions had; dropped with the views.
RETIRED_TABLES = (
    "proj_posts",
    "proj_parties",
    "proj_objections",
    "proj_steps",
    "proj_timeline",
    "proj_case_log",
)

#: Only what the queries look up: a case's aggregate id is found from the events table's
#: own primary key when a rebuild needs it, so no view pays for a random-order index on it.
INDEXES = (
    ("proj_cases_by_no", CASES, "case_no", True),
    ("proj_decisions_by_steps_until", DECISIONS, "steps_until", False),
)


def create_meta(store: ViewStore, cur: Cursor) -> None:
    """The table that says which schema version built the views."""
    _create_table(store, cur, META)


def _create_table(store: ViewStore, cur: Cursor, table: Table) -> None:
    columns = ", ".join(f"{c} {store.column_type(k)}" for c, k in table.columns)
    suffix = store.compact_suffix if table.compact else ""
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {store.names[table.name]} "
        f"({columns}, PRIMARY KEY ({', '.join(table.key)})){suffix}"
    )


def create(store: ViewStore, cur: Cursor) -> None:
    """Create every missing table and index (idempotent)."""
    for table in TABLES:
        _create_table(store, cur, table)
    for name, table, columns, unique in INDEXES:
        kind = "UNIQUE INDEX" if unique else "INDEX"
        cur.execute(f"CREATE {kind} IF NOT EXISTS {name} ON {store.names[table.name]} ({columns})")


def drop(store: ViewStore, cur: Cursor) -> None:
    """Drop the views and the tracking position (the meta row goes with them), and the
    tables of earlier schema versions."""
    for name in [t.name for t in TABLES] + list(RETIRED_TABLES):
        cur.execute(f"DROP TABLE IF EXISTS {store.qualify(name)}")


def insert_statement(store: ViewStore, table: Table, *, ignore: bool = False) -> str:
    """INSERT of whole rows; ``ignore`` skips rows whose key is already there."""
    marks = ", ".join("?" for _ in table.columns)
    tail = " ON CONFLICT DO NOTHING" if ignore else ""
    return store.sql(f"INSERT INTO {{{table.name}}} VALUES ({marks}){tail}")


def delete_statement(store: ViewStore, table: Table, by: tuple[str, ...]) -> str:
    where = " AND ".join(f"{c} = ?" for c in by)
    return store.sql(f"DELETE FROM {{{table.name}}} WHERE {where}")
