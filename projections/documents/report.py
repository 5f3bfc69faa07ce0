"""The Art. 14 annual report, rendered from verified events: the 书面报告 to the same-level
Party committee and government (.docx), and the workbook of its tables and charts (.xlsx).

The figures are counted by the function the read side counts with
(:func:`projections.queries.annual_figures`), over the cases folded from their verified
events at a checkpoint; so the printed figures equal ``report annual --json`` when the
checkpoint covers the log. A case belongs to the year's report when any business date its
events record (other than the incident date) falls in the year, as the read side indexes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from ledger.domain import ids
from ledger.domain.case_state import CaseState
from ledger.errors import InvalidInputError
from ledger.i18n import _
from projections.documents.blocks import Block, Document, cn_date
from projections.documents.code import VerificationCode, b32, unb32
from projections.documents.evidence import EvidenceSource, VerifiedEvent
from projections.models import AnnualReport, Count
from projections.queries import annual_figures
from projections.replay import CaseEvent, state

__all__ = ["render_report", "render_report_again", "report_subject"]

Table = tuple[str, tuple[tuple[str, ...], ...]]
GROUNDS_TABLE = "表1 追究情形（第四条）"
PARTIES_TABLE = "表2 被追究责任的单位和个人（第五条）"
RESPONSIBILITY_TABLE = "表3 责任类型（第五条）"
MEASURES_TABLE = "表4 责任追究方式（第七条）"
APPEALS_TABLE = "表5 申诉处理结果（第十二条）"
OVERDUE_TABLE = "表6 逾期情况（第十一条、第十二条）"


def _dates(value: Any, key: str = "") -> Iterator[str]:
    """Every business date an event payload records (the library's date markers)."""
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"} and isinstance(value["_data_"], str):
            if key != "incident_date":
                yield value["_data_"]
            return
        for k, v in value.items():
            yield from _dates(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _dates(v, key)


def report_subject(year: int, as_of: dt.date, authority: str | None) -> str:
    subject = f"{year}.{as_of:%Y%m%d}"
    return subject + (f".{b32(authority.encode())}" if authority else "")


def _parse_subject(subject: str) -> tuple[int, dt.date, str | None]:
    parts = subject.split(".")
    if len(parts) not in (2, 3):
        raise InvalidInputError(_("the verification code does not name a report year"))
    try:
        year = int(parts[0])
        as_of = dt.datetime.strptime(parts[1], "%Y%m%d").date()
        authority = unb32(parts[2]).decode() if len(parts) == 3 else None
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInputError(
            _("the verification code does not name a report year: {e}").format(e=e)
        ) from e
    return year, as_of, authority


def render_report(
    source: EvidenceSource,
    kind: str,
    year: int,
    authority: str | None,
    as_of: dt.date,
    tree_size: int | None = None,
) -> tuple[Document, AnnualReport]:
    """The annual report (kind R: 书面报告, X: workbook) at a checkpoint, with its figures."""
    if kind not in ("R", "X"):
        raise InvalidInputError(_("unknown report kind {kind}").format(kind=kind))
    case_ids = sorted({ids.case_id(no) for no in source.cases(year, authority)}, key=str)
    ev = source.evidence(case_ids, tree_size)
    by_case: dict[Any, list[VerifiedEvent]] = {}
    for e in ev.events:
        by_case.setdefault(e.aggregate_id, []).append(e)
    cases: list[CaseState] = []
    used: list[VerifiedEvent] = []
    text = str(year)
    for events in by_case.values():
        if events[0].name != "Opened":
            continue
        if authority is not None and events[0].payload.get("opening_authority") != authority:
            continue
        if not any(d.startswith(text) for e in events for d in _dates(e.payload)):
            continue
        case = state([CaseEvent(e.position, e.name, "", e.payload) for e in events])
        assert case is not None and case.opened_at is not None  # its first event opened it
        cases.append(case)
        used += events
    cases.sort(key=lambda c: c.opened_at or 0)
    figures = annual_figures(cases, year, authority, ev.tree_size, as_of)
    code = VerificationCode.make(
        kind,
        ev.root_fingerprint,
        ev.tree_size,
        ev.root,
        report_subject(year, as_of, authority),
        {(e.position, e.state) for e in used},
        list_positions=False,
    )
    positions = sorted(e.position for e in used)
    document = _document(code, figures, as_of, positions, ev.later)
    return document, figures


def render_report_again(source: EvidenceSource, code: VerificationCode) -> Document:
    year, as_of, authority = _parse_subject(code.subject)
    document, _unused = render_report(source, code.kind, year, authority, as_of, code.tree_size)
    return document


def _rows(counts: tuple[Count, ...], head: str) -> tuple[tuple[str, ...], ...]:
    return ((head, "数量"), *((c.label, str(c.count)) for c in counts))


def tables_of(r: AnnualReport) -> tuple[Table, ...]:
    """The report's tables: each a title and its rows, the header first."""
    return (
        (GROUNDS_TABLE, _rows(r.grounds, "情形")),
        (PARTIES_TABLE, _rows(r.parties_by_kind, "责任主体")),
        (RESPONSIBILITY_TABLE, _rows(r.responsibility_kinds, "责任类型")),
        (MEASURES_TABLE, _rows(r.measures_by_kind, "责任追究方式")),
        (APPEALS_TABLE, _rows(r.appeal_outcomes, "申诉处理结果")),
        (
            OVERDUE_TABLE,
            (
                ("案件", "责任主体", "事项", "期限", "办理日期"),
                *(
                    (
                        o.case_no,
                        f"{o.party_type}:{o.party_code}",
                        o.kind_label,
                        o.due.isoformat(),
                        o.done_on.isoformat() if o.done_on else "未办理",
                    )
                    for o in r.overdue
                ),
            ),
        ),
    )


def _document(
    code: VerificationCode, r: AnnualReport, as_of: dt.date, positions: list[int], later: int
) -> Document:
    issuer = r.authority or "信访工作机构"
    scope = f"{r.authority}立案的案件" if r.authority else "本地区"
    blocks = [
        Block("issuer", f"{issuer}文件"),
        Block("title", f"关于{r.year}年度信访工作责任追究情况的报告"),
        Block("recipient", "同级党委、政府："),
        Block(
            "body",
            f"根据《湖南省信访工作责任追究办法》第十四条，现将{scope}{r.year}年度信访工作责任追究"
            f"情况报告如下（统计截至{cn_date(as_of)}）：",
        ),
        Block("heading", "一、基本情况"),
        Block(
            "body",
            f"全年立案{r.cases_opened}件，其中实行终身责任追究（第八条）{r.lifetime_cases}件；"
            f"结案{r.cases_closed}件。",
        ),
        Block("table", GROUNDS_TABLE),
        Block("heading", "二、责任主体和责任类型"),
        Block("table", PARTIES_TABLE),
        Block("table", RESPONSIBILITY_TABLE),
        Block("heading", "三、责任追究决定和方式"),
        Block(
            "body",
            f"全年作出《责任追究决定书》{r.decisions_issued}份，其中经申诉撤销"
            f"{r.decisions_revoked}份。",
        ),
        Block("table", MEASURES_TABLE),
        Block("heading", "四、申诉和移送"),
        Block(
            "body",
            f"全年收到书面申诉{r.appeals_filed}件（第十二条）；移送司法机关{r.referrals}人次"
            "（第七条）。",
        ),
        Block("table", APPEALS_TABLE),
        Block("heading", "五、期限执行情况"),
        Block(
            "body",
            "逾期事项："
            + "；".join(f"{c.label}{c.count}项" for c in r.overdue_steps)
            + "。（期限末日遇法定休假日顺延，系参照民法典第二百零三条的惯例。）",
        ),
        Block("table", OVERDUE_TABLE),
        Block("signature", issuer),
        Block("date", cn_date(as_of)),
        Block("code", f"核验码：{code}"),
        Block(
            "codenote",
            f"本件由 lifeledger 依账本签名记录生成（检查点 {code.tree_size}），所据记录的日志位置："
            + ("、".join(map(str, positions)) or "无")
            + "。核验：lifeledger document check 核验码；"
            "电子文件：lifeledger document verify 文件名。",
        ),
    ]
    title = f"{code.name} {r.year}" + (f" ({r.authority})" if r.authority else "")
    return Document(code, tuple(blocks), title, tables_of(r), later)


def figures_of(r: AnnualReport) -> dict[str, Any]:
    """The figures as ``report annual --json`` prints them (for the workbook's summary)."""
    return asdict(r)
