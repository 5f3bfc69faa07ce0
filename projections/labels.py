"""The Chinese labels users see for what the views hold (English codes stay in the data)."""

from __future__ import annotations

from ledger.domain.event_labels import CASE_EVENT_LABELS
from ledger.domain.regulation import (
    AppealOutcome,
    AuthorityKind,
    Consequence,
    KeyRole,
    Measure,
    PartyType,
    Responsibility,
    Severity,
    TeamRole,
)
from ledger.i18n import language

#: The case events, by the name in their topic (one table with verification's labels).
EVENT_LABELS = CASE_EVENT_LABELS

CASE_STATUS_LABELS = {"open": "办理中", "closed": "已结案"}
#: Art. 11/12: who was told of a decision or an appeal decision.
TOLD_LABELS = {"person": "本人", "unit": "所在单位"}
#: Art. 12: an appeal does not suspend a decision; only its outcome changes it.
DECISION_STATUS_LABELS = {"in_force": "生效", "modified": "已变更", "revoked": "已撤销"}
KEY_STATUS_LABELS = {
    "active": "有效",
    "rotated": "已轮换",
    "revoked": "已吊销",
    "unregistered": "未登记",
}
STEP_LABELS = {
    "announcement": "宣布决定（30日内）",
    "appeal_window": "申诉期（收到决定书之日起15日内）",
    "appeal_decision": "申诉处理决定（收到申诉后30日内）",
    "appeal_notice": "书面告知申诉处理决定（收到申诉后30日内）",
    "file_entry": "归入个人人事档案（由管理该干部的组织部门）",
}
STEP_ARTICLES = {
    "announcement": "Art. 11",
    "appeal_window": "Art. 12",
    "appeal_decision": "Art. 12",
    "appeal_notice": "Art. 12",
    "file_entry": "Art. 11",
}
PERIOD_STATUS_LABELS = {
    "open": "未到期",
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "done_in_time": "按期完成",
    "done_late": "逾期完成",
    "outstanding": "待办（无期限）",
}


def with_code(label: str, code: str) -> str:
    """A label followed by its code for English readers, who may not read the regulation's
    Chinese term ("主要领导责任 (primary_leadership)"); Chinese readers see the term alone."""
    return f"{label} ({code})" if language() == "en" else label


def party_type_label(code: str) -> str:
    return PartyType(code).label


def responsibility_label(code: str) -> str:
    return Responsibility(code).label


def team_role_label(code: str | None) -> str | None:
    return TeamRole(code).label if code else None


def measure_label(code: str) -> str:
    return Measure(code).label


def severity_label(code: str | None) -> str | None:
    return Severity(code).label if code else None


def outcome_label(code: str | None) -> str | None:
    return AppealOutcome(code).label if code else None


def consequence_label(code: str | None) -> str | None:
    return None if code is None else Consequence(code).label


def authority_kind_label(code: str) -> str:
    return AuthorityKind(code).label


def role_label(code: str) -> str:
    return KeyRole(code).label
