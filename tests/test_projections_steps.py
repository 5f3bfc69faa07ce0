"""The legal periods of a decision (Art. 11, 12) as the deadline index and the replayed case
see them: one set of rules, two ways of computing the day they all settle."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from projections.steps import UNSETTLED, Dates, pack, settled_from, steps, unpack

days = st.dates(dt.date(2016, 6, 23), dt.date(2030, 12, 31)).map(dt.date.isoformat)
maybe = st.none() | days


@given(st.builds(Dates, days, days, *[maybe] * (len(Dates._fields) - 2)))
def test_the_index_day_is_the_last_day_any_period_settles(d: Dates) -> None:
    assert settled_from(d) == max(s.settled_on or UNSETTLED for s in steps(d))


@given(st.builds(Dates, days, days, *[maybe] * (len(Dates._fields) - 2)))
def test_dates_survive_their_text_column(d: Dates) -> None:
    assert unpack(pack(d)) == d


def test_an_unused_appeal_window_lapses_the_day_after_its_last_day() -> None:
    d = Dates("2025-03-01", "2025-03-31", "2025-03-05", None, "2025-03-03", "2025-03-18")
    window = next(s for s in steps(d) if s.kind == "appeal_window")
    assert window.settled_on == "2025-03-19"
    assert window.running_on("2025-03-18") and not window.running_on("2025-03-19")
    assert settled_from(d) == "2025-03-19"


def test_a_revoked_unannounced_decision_owes_no_announcement() -> None:
    d = Dates(
        "2025-03-01",
        "2025-03-31",
        None,
        "2025-03-20",
        "2025-03-03",
        "2025-03-18",
        "2025-03-10",
        "2025-04-09",
        "2025-03-20",
    )
    announcement = steps(d)[0]
    assert (announcement.done_on, announcement.ended_on) == (None, "2025-03-20")
    assert not announcement.running_on("2025-03-20")
