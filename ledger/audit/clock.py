"""Recorded times that run backwards along the log (issue 13, "honest time").

Every event carries the time it was recorded, from the recording workstation's clock, inside
its signed bytes. The log's order is what the Merkle tree and checkpoints protect; the time is
the signer's claim. An event recorded after another in the log but stamped more than
:data:`~ledger.domain.recorded_time.CLOCK_TOLERANCE` earlier shows a workstation clock set
back — by mistake, or to make a record look older than it is.

This is a **warning**, not a failure (DESIGN, "Trust model"): every stored byte is still
signed, in place and complete, so nothing the log says was altered; but views that go by the
recorded time (``case timeline --as-of``, ``deadlines --late``) rely on the signer's clock
there, and the auditor is told where and by how much. Consecutive events behind the same
earlier event are one warning (a clock left behind for a while), naming the first and last
position and the largest gap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from ledger.domain.recorded_time import CLOCK_TOLERANCE, span
from ledger.i18n import _


@dataclass(frozen=True)
class ClockRegression:
    """Events recorded, by their signed time, before an event earlier in the log."""

    first: int
    last: int
    count: int
    recorded_at: dt.datetime  # the first event's recorded time
    behind: dt.timedelta  # the largest gap in the run
    latest_position: int  # the earlier event they fall behind
    latest_at: dt.datetime
    record: str  # the record of the first event ("case C1", "key registry")
    aggregate_id: str
    topic: str
    version: int

    def describe(self) -> str:
        values = {
            "at": _utc(self.recorded_at), "behind": span(self.behind), "count": self.count,
            "first": self.first, "last": self.last, "earlier": self.latest_position,
            "earlier_at": _utc(self.latest_at), "tolerance": span(CLOCK_TOLERANCE),
        }  # fmt: skip
        if self.count == 1:
            text = _(
                "recorded at {at} by its signed time, {behind} before the event at position "
                "{earlier} ({earlier_at}) that precedes it in the log: the recording clock ran "
                "backwards (tolerance {tolerance}). Views by recorded time (case timeline "
                "--as-of, deadlines --late) rely on that clock here"
            )
        else:
            text = _(
                "the {count} events at positions {first}..{last} were recorded (by their signed "
                "times, from {at}) up to {behind} before the event at position {earlier} "
                "({earlier_at}) that precedes them in the log: the recording clock ran backwards "
                "(tolerance {tolerance}). Views by recorded time (case timeline --as-of, "
                "deadlines --late) rely on that clock here"
            )
        return text.format(**values)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


class ClockAudit:
    """Fed every checked event in log order; collects the runs behind the latest time."""

    def __init__(self, tolerance: dt.timedelta = CLOCK_TOLERANCE) -> None:
        self.tolerance = tolerance
        self.regressions: list[ClockRegression] = []
        self._latest: tuple[int, dt.datetime] | None = None
        self._run: ClockRegression | None = None

    def feed(self, position: int, recorded_at: dt.datetime) -> bool:
        """Take the next event's signed time; True when it starts a new run behind an earlier
        event (then :meth:`name` says whose it is: the label is made only then)."""
        if recorded_at.tzinfo is None:
            recorded_at = recorded_at.replace(tzinfo=dt.UTC)
        latest = self._latest
        if latest is None or recorded_at >= latest[1]:
            self._close()
            self._latest = (position, recorded_at)
            return False
        behind = latest[1] - recorded_at
        if behind <= self.tolerance:
            self._close()
            return False
        run = self._run
        if run is not None and run.latest_position == latest[0]:
            self._run = replace(
                run, last=position, count=run.count + 1, behind=max(run.behind, behind)
            )
            return False
        self._close()
        self._run = ClockRegression(
            position, position, 1, recorded_at, behind, latest[0], latest[1], "", "", "", 0
        )
        return True

    def name(self, record: str, aggregate_id: str, topic: str, version: int) -> None:
        """The record, aggregate, event type and version of the run just started."""
        assert self._run is not None
        self._run = replace(
            self._run, record=record, aggregate_id=aggregate_id, topic=topic, version=version
        )

    def _close(self) -> None:
        if self._run is not None:
            self.regressions.append(self._run)
            self._run = None

    def done(self) -> list[ClockRegression]:
        self._close()
        return self.regressions
