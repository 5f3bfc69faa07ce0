"""A cadre (干部): one aggregate for life, whatever posts the person holds.

Art. 8: accountability is for life, so a person stays the same aggregate through every
appointment, transfer and retirement; the posts held over time are kept so that each
case shows the post at the incident date and now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.ids import cadre_id
from ledger.errors import InvalidInput, RuleViolation


@dataclass(frozen=True)
class Post:
    """A post held in a unit from ``start`` until ``end`` (exclusive, None while held)."""

    unit_code: str
    title: str
    start: dt.date
    end: dt.date | None = None


class Cadre(Aggregate):
    """A person with leadership or direct responsibility in a unit (Art. 2)."""

    @staticmethod
    def create_id(personnel_no: str, **_: Any) -> Any:
        return cadre_id(personnel_no)

    @event("Registered")
    def __init__(
        self, personnel_no: str, name: str, unit_code: str, post: str, since: dt.date
    ) -> None:
        self.personnel_no = personnel_no
        self.name = name
        self.posts: list[Post] = [Post(unit_code, post, since)]
        self.retired_on: dt.date | None = None

    @property
    def current_post(self) -> Post | None:
        return None if self.retired_on else self.posts[-1]

    def post_on(self, day: dt.date) -> Post | None:
        """The post held on a given day (for the incident date of a case)."""
        for post in reversed(self.posts):
            if post.start <= day and (post.end is None or day < post.end):
                return post
        return None

    def move(self, unit_code: str, post: str, on: dt.date) -> None:
        """Appointment to a new post; the person stays accountable for the old one (Art. 8)."""
        if self.retired_on is not None:
            raise RuleViolation(
                "", "retired", f"cadre {self.personnel_no} retired on {self.retired_on}"
            )
        if on <= self.posts[-1].start:
            raise InvalidInput(
                f"the move on {on} must come after the current post began on {self.posts[-1].start}"
            )
        self._moved(unit_code=unit_code, post=post, on=on)

    def retire(self, on: dt.date) -> None:
        if self.retired_on is not None:
            raise RuleViolation(
                "", "retired", f"cadre {self.personnel_no} already retired on {self.retired_on}"
            )
        if on < self.posts[-1].start:
            raise InvalidInput(
                f"retirement on {on} precedes the current post ({self.posts[-1].start})"
            )
        self._retired(on=on)

    @event("Moved")
    def _moved(self, unit_code: str, post: str, on: dt.date) -> None:
        last = self.posts[-1]
        self.posts[-1] = Post(last.unit_code, last.title, last.start, on)
        self.posts.append(Post(unit_code, post, on))

    @event("Retired")
    def _retired(self, on: dt.date) -> None:
        last = self.posts[-1]
        self.posts[-1] = Post(last.unit_code, last.title, last.start, on)
        self.retired_on = on
