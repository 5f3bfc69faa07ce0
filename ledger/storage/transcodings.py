"""JSON transcodings for the value types events carry."""

from __future__ import annotations

import datetime as dt

from eventsourcing.persistence import Transcoding


class DateAsISO(Transcoding):
    """Business dates (Asia/Shanghai calendar dates) as ``YYYY-MM-DD``."""

    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)
