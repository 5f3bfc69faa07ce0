"""One case's events, with their log positions, read straight from the events table.

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
