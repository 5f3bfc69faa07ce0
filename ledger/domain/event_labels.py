"""The events of the ledger by the names users read: 作出责任追究决定 for
``AccountabilityCase.DecisionIssued`` (issue 14, point 4).

A topic is what is signed and what an auditor matches on, so JSON output, proofs and bundles
keep it; text and tables in Chinese name the event by its label instead. In English the topic
is shown as it is. The case events' labels are the regulation's words for each step
(``projections.labels`` shows the same ones on timelines).
"""

from __future__ import annotations

from ledger.i18n import language, pgettext

__all__ = ["CASE_EVENT_LABELS", "EVENT_LABELS", "event_at", "event_label"]

#: The case events, by the name in their topic.
CASE_EVENT_LABELS = {
    "Opened": "立案",
    "ResponsibilityAssigned": "认定责任",
    "ObjectionRecorded": "记录明确反对意见",
    "TeamResponsibilityAssigned": "认定领导班子集体责任",
    "DefenceHeard": "听取说明和申辩",
    "DecisionIssued": "作出责任追究决定",
    "DecisionAnnounced": "宣布责任追究决定",
    "PersonnelFileEntered": "归入个人人事档案",
    "DecisionReceived": "收到《责任追究决定书》",
    "AppealFiled": "提出书面申诉",
    "AppealDecided": "作出申诉处理决定",
    "ReferredToJudicialOrgan": "移送司法机关",
    "Closed": "结案",
    "FindingCorrected": "更正责任认定",
    "AppealDecisionNotified": "书面告知申诉处理决定",
    "Reopened": "重新办理（恢复立案）",
}

#: Every event of the ledger, by its short topic (``Aggregate.Event``).
EVENT_LABELS = {
    **{f"AccountabilityCase.{name}": label for name, label in CASE_EVENT_LABELS.items()},
    "Cadre.Registered": "登记干部",
    "Cadre.Moved": "干部任职变动",
    "Cadre.Retired": "干部退休",
    "Unit.Registered": "登记单位",
    "KeyRegistry.Created": "建立密钥登记簿",
    "KeyRegistry.KeyRegistered": "登记密钥",
    "KeyRegistry.KeyRotated": "轮换密钥",
    "KeyRegistry.KeyRevoked": "吊销密钥",
    "ImportedLine.Applied": "导入一行记录",
    "RegionalReport.Reported": "报告年度责任追究情况",
    "RegionalReport.Circulated": "通报年度责任追究情况",
}


def event_label(topic: str) -> str:
    """``topic`` (``ledger.case:AccountabilityCase.Opened`` or ``AccountabilityCase.Opened``)
    as the user reads it: its label in Chinese, the topic itself in English or when the event
    is not one of this ledger's."""
    if language() == "en":
        return topic
    return EVENT_LABELS.get(topic.split(":", 1)[-1], topic)


def event_at(topic: str, version: int | None) -> str:
    """An event and its version in its record: ``AccountabilityCase.DecisionIssued v10``;
    in Chinese ``作出责任追究决定（本记录第 10 个事件）``."""
    if not version:
        return event_label(topic)
    return pgettext("event", "{event} v{version}").format(event=event_label(topic), version=version)
