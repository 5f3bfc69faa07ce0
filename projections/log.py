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


def statement(store: ViewStore) -> str:
    position = "rowid" if store.kind == "sqlite" else "notification_id"
    return store.sql(
        f"SELECT {position}, topic, state FROM {{{EVENTS}}} "
        f"WHERE originator_id = ? AND {position} <= ? ORDER BY originator_version"
    )


def case_events(
    store: ViewStore, cur: Cursor, aggregate_id: UUID, up_to: int
) -> Sequence[tuple[int, str, bytes]]:
    """(position, topic, stored state) of the aggregate's events up to a log position."""
    key: Any = aggregate_id.hex if store.kind == "sqlite" else aggregate_id
    cur.execute(statement(store), (key, up_to))
    return [(int(p), str(t), bytes(s)) for p, t, s in cur.fetchall()]
