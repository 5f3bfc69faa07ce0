"""A cadre (干部): one aggregate for life, whatever posts the person holds.

Art. 8: accountability is for life, so a person stays the same aggregate through every
appointment, transfer and retirement; the posts held over time are kept so that each
case shows the post at the incident date and now. Art. 6: each post may state the level and
region at which the cadre is managed (干部管理权限); where it does not, the cadre is managed at
the level and in the region of the post's unit.

As for cases, each rule is a predicate over the state before an event and the event's fields
(:data:`RULES`), called by the commands and replayed by the semantic audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.authority import Jurisdiction
from ledger.domain.ids import cadre_id
from ledger.domain.regulation import AdminLevel
from ledger.errors import InvalidInputError, RuleViolationError
from ledger.i18n import _


@dataclass(frozen=True)
class Post:
    """A post held in a unit from ``start`` until ``end`` (exclusive, None while held)."""

    unit_code: str
    title: str
    start: dt.date
    end: dt.date | None = None
    #: Art. 6: the management stated for this post, if any
    managed: Jurisdiction | None = None


def _managed(level: str | None, region: str | None) -> Jurisdiction | None:
    return Jurisdiction(AdminLevel(level), region) if level and region else None


class Cadre(Aggregate):
    """A person with leadership or direct responsibility in a unit (Art. 2)."""

    @staticmethod
    def create_id(personnel_no: str, **_: Any) -> Any:
        return cadre_id(personnel_no)

    @event("Registered")
    def __init__(
        self,
        personnel_no: str,
        name: str,
        unit_code: str,
        post: str,
        since: dt.date,
        managed_level: str | None = None,
        managed_region: str | None = None,
    ) -> None:
        self.personnel_no = personnel_no
        self.name = name
        self.posts: list[Post] = [
            Post(unit_code, post, since, None, _managed(managed_level, managed_region))
        ]
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

    def management_on(
        self, day: dt.date, unit_jurisdiction: Callable[[str], Jurisdiction | None]
    ) -> Jurisdiction | None:
        """Art. 6: where the cadre is managed on ``day``: as stated for the post held then
        (the last post after retirement, the first before any), else as the post's unit."""
        post = self.post_on(day) or (self.posts[-1] if day >= self.posts[0].start
                                     else self.posts[0])  # fmt: skip
        return post.managed or unit_jurisdiction(post.unit_code)

    def move(
        self, unit_code: str, post: str, on: dt.date,
        managed_level: str | None = None, managed_region: str | None = None,
    ) -> None:  # fmt: skip
        """Appointment to a new post; the person stays accountable for the old one (Art. 8)."""
        fields = dict(unit_code=unit_code, post=post, on=on, managed_level=managed_level,
                      managed_region=managed_region)  # fmt: skip
        check_event(self, "Moved", fields)
        self._moved(unit_code, post, on, managed_level, managed_region)

    def retire(self, on: dt.date) -> None:
        check_event(self, "Retired", {"on": on})
        self._retired(on=on)

    @event("Moved")
    def _moved(
        self,
        unit_code: str,
        post: str,
        on: dt.date,
        managed_level: str | None = None,
        managed_region: str | None = None,
    ) -> None:
        last = self.posts[-1]
        self.posts[-1] = Post(last.unit_code, last.title, last.start, on, last.managed)
        self.posts.append(Post(unit_code, post, on, None, _managed(managed_level, managed_region)))

    @event("Retired")
    def _retired(self, on: dt.date) -> None:
        last = self.posts[-1]
        self.posts[-1] = Post(last.unit_code, last.title, last.start, on, last.managed)
        self.retired_on = on


def check_event(cadre: Cadre, name: str, f: Mapping[str, Any]) -> None:
    """The rules of a cadre's ``Moved`` and ``Retired`` events, over the state before them."""
    if cadre.retired_on is not None:
        what = _("retired") if name == "Moved" else _("already retired")
        raise RuleViolationError(
            "",
            _("retired"),
            _("cadre {personnel_no} {what} on {retired_on}").format(
                personnel_no=cadre.personnel_no, what=what, retired_on=cadre.retired_on
            ),
        )
    start = cadre.posts[-1].start
    if name == "Moved" and f["on"] <= start:
        raise InvalidInputError(
            _("the move on {on} must come after the current post began on {start}").format(
                on=f["on"], start=start
            )
        )
    if name == "Retired" and f["on"] < start:
        raise InvalidInputError(
            _("retirement on {on} precedes the current post ({start})").format(
                on=f["on"], start=start
            )
        )
