"""The application recorder's events table, read straight: the log in pages, and one case's
events with their log positions.

A rebuild reads the whole log, so its pages are read here as plain rows (position,
aggregate id as hex text, topic, stored state) through the views' own connection, filtered
to the topics the views use: the recorder's ``select_notifications`` would build a
``Notification`` and a ``UUID`` for each, which costs as much as applying the event.

The views index cases; the state of a case is replayed from its own events. The recorder's
``select_events`` does not say where each event sits in the log, and the timeline must (key
validity is judged by log position), so this reads the application recorder's table
directly, through the views' own connection and in the same snapshot as the views: the
primary key (aggregate id, version) makes it one indexed range read per case.

It relies on the eventsourcing 9.5 layout (``pyproject`` pins ``<9.6``): SQLite
``stored_events(originator_id TEXT hex, originator_version, topic, state)`` whose rowid is
the notification id; PostgreSQL ``<schema>.<events table>(originator_id uuid,
originator_version, topic, state, notification_id)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from projections.sql import Cursor, ViewStore

#: The name the statements use for the application recorder's events table.
EVENTS = "events"
#: One notification as a page holds it: (position, aggregate id as 32 hex digits, topic,
#: stored state).
Record = tuple[int, str, str, bytes]


def columns(store: ViewStore) -> tuple[str, str]:
    """The events table's log position column, and an expression for the aggregate id as 32
    hex digits (SQLite stores that text; PostgreSQL a ``uuid``)."""
    if store.kind == "sqlite":
        return "rowid", "originator_id"
    return "notification_id", "replace(originator_id::text, '-', '')"


def aggregate_ids(store: ViewStore, hex_ids: Sequence[str]) -> list[Any]:
    """Aggregate ids (32 hex digits) as the events table's parameters."""
    return list(hex_ids) if store.kind == "sqlite" else [UUID(h) for h in hex_ids]


def notifications(
    store: ViewStore, cur: Cursor, after: int, top: int, limit: int, topics: Sequence[str]
) -> list[Record]:
    """Up to ``limit`` notifications after position ``after`` up to ``top``, of the given
    topics, in log order (what ``select_notifications(after, limit, stop=top, topics=…,
    inclusive_of_start=False)`` selects)."""
    position, oid = columns(store)
    cur.execute(
        store.sql(
            f"SELECT {position}, {oid}, topic, state FROM {{{EVENTS}}} "
            f"WHERE {position} > ? AND {position} <= ? "
            f"AND topic IN ({', '.join('?' for _ in topics)}) ORDER BY {position} LIMIT ?"
        ),
        (after, top, *topics, limit),
    )
    rows: list[Record] = cur.fetchall()
    return rows


def case_events(
    store: ViewStore, cur: Cursor, aggregate_ids: Sequence[UUID], up_to: int
) -> dict[UUID, list[tuple[int, str, bytes]]]:
    """(position, topic, stored state) of each aggregate's events up to a log position, in
    version order: one indexed read for all of them."""
    position = "rowid" if store.kind == "sqlite" else "notification_id"
    found: dict[UUID, list[tuple[int, str, bytes]]] = {a: [] for a in aggregate_ids}
    if not aggregate_ids:
        return found
    keys: list[Any] = [a.hex if store.kind == "sqlite" else a for a in aggregate_ids]
    cur.execute(
        store.sql(
            f"SELECT originator_id, {position}, topic, state FROM {{{EVENTS}}} "
            f"WHERE originator_id IN ({', '.join('?' for _ in keys)}) AND {position} <= ? "
            "ORDER BY originator_id, originator_version"
        ),
        (*keys, up_to),
    )
    for oid, p, topic, state in cur.fetchall():
        found[oid if isinstance(oid, UUID) else UUID(oid)].append(
            (int(p), str(topic), bytes(state))
        )
    return found
