"""A printed document as blocks: each paragraph with the role it plays in the GB/T 9704-2012
layout (发文机关标志, 发文字号, 标题, 主送机关, 正文 and its headings, 发文机关署名, 成文日期,
版记) and its text, and the wording every document shares (dates, measures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.domain.regulation import (
    Measure,
    Severity,
)
from projections.documents.code import VerificationCode

MEASURES_ACT = "《湖南省信访工作责任追究办法》"


@dataclass(frozen=True)
class Block:
    """One paragraph: its role in the layout and its text."""

    role: str
    text: str


@dataclass(frozen=True)
class Document:
    """A rendered document: its code, its blocks, and a one-line description."""

    code: VerificationCode
    blocks: tuple[Block, ...]
    description: str
    #: A report's tables: (title, rows with the header first); a block of role ``table``
    #: whose text is the title places each.
    tables: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()
    #: Events of the records rendered that were recorded after the checkpoint.
    later: int = 0

    def table(self, title: str) -> list[list[str]]:
        for name, rows in self.tables:
            if name == title:
                return [list(r) for r in rows]
        return []

    @property
    def texts(self) -> list[str]:
        """The paragraphs as printed, in order (what ``document verify`` compares)."""
        return [b.text for b in self.blocks if b.text]

    def text_of(self, role: str) -> list[str]:
        return [b.text for b in self.blocks if b.role == role]


def cn_date(iso: str | dt.date | None) -> str:
    """GB/T 9704 §7.3.5.1: 成文日期 in Arabic numerals, ``2024年5月6日``."""
    if iso is None:
        return "—"
    day = iso if isinstance(iso, dt.date) else dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def measures_text(measures: Iterable[str], sanction: str, severity: str | None) -> str:
    labels = []
    for m in measures:
        label = Measure(m).label
        if m == Measure.DISCIPLINARY_SANCTION.value and sanction:
            label += f"（{sanction}）"
        labels.append(label)
    text = "、".join(labels) or "不予追究"
    if severity:
        text = f"{Severity(severity).label}，{text}"
    return text
