"""A recording clock the tests set (issue 13, "honest time").

Every event's recorded time comes from the library's clock (``eventsourcing.domain.
datetime_now_with_tzinfo``, called when a command makes its event). :class:`Clock` replaces it
for one test, as a workstation clock would read: set to a moment, it advances one minute per
event, and can be set back. The events are real, signed with real keys, on a real store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import eventsourcing.domain
import pytest

from ledger.domain.recorded_time import SHANGHAI


class Clock:
    """A workstation clock: ``set("2024-04-01 09:00")`` (Asia/Shanghai), one minute a read."""

    def __init__(self) -> None:
        self.moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def set(self, local: str) -> None:
        self.moment = dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        moment = self.moment
        self.moment += dt.timedelta(minutes=1)
        return moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", c.now)
    yield c
