"""What a printed document says, rendered only from verified events (Art. 10, 11, 12).

A document is a sequence of blocks, each with the role it plays in the GB/T 9704-2012 layout
(发文机关标志, 发文字号, 标题, 主送机关, 正文 and its headings, 发文机关署名, 成文日期, 版记)
and its text. The writers (:mod:`projections.documents.docx`, :mod:`projections.documents.pdf`)
only lay the blocks out; ``document verify`` renders them again and compares the texts.

The case's state is folded from its verified events by the same fold the read side uses
(:func:`projections.replay.fold`), stopped at the event the document is about, so a
document rendered again later at the same checkpoint says exactly the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.domain import ids
from ledger.domain.regulation import (
    APPEAL_DECISION_WITHIN_DAYS,
    GROUNDS,
    AppealOutcome,
    Measure,
    PartyType,
    Responsibility,
    Severity,
    TeamRole,
)
from ledger.errors import InvalidInputError, NotFoundError
from ledger.i18n import _
from projections.documents.code import VerificationCode
from projections.documents.evidence import Evidence, EvidenceSource, VerifiedEvent
from projections.replay import CaseEvent, career, fold

__all__ = ["Block", "Document", "cn_date", "render_case_document"]

MEASURES_ACT = "《湖南省信访工作责任追究办法》"
#: Case events that concern one party, by the payload fields that name it.
PARTY_EVENTS = {
    "ResponsibilityAssigned", "DefenceHeard", "DecisionIssued", "DecisionAnnounced",
    "DecisionReceived", "AppealFiled", "AppealDecided", "ReferredToJudicialOrgan",
}  # fmt: skip
#: What each case document renders beyond the decision itself.
FOLLOW_UPS = {
    "D": frozenset[str](),
    "F": frozenset(
        {
            "DecisionAnnounced",
            "PersonnelFileEntered",
            "DecisionReceived",
            "AppealFiled",
            "AppealDecided",
        }
    ),
    "A": frozenset({"DecisionReceived", "AppealFiled", "AppealDecided"}),
}


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


def _names(e: VerifiedEvent, party_type: str, code: str) -> bool:
    d = e.payload
    if e.name == "TeamResponsibilityAssigned":
        if party_type == "unit":
            return bool(d.get("unit_code") == code)
        return any(m.get("personnel_no") == code for m in d.get("members") or [])
    if e.name == "PersonnelFileEntered":
        return party_type == "person" and d.get("personnel_no") == code
    if e.name in PARTY_EVENTS:
        return bool(d.get("party_type") == party_type and d.get("party_code") == code)
    return False


@dataclass(frozen=True)
class _Party:
    party_type: str
    code: str
    name: str  # the person's name, or the unit's
    unit_code: str  # the unit itself, or the person's unit on the decision day
    unit_name: str
    post: str
    used: tuple[VerifiedEvent, ...]  # the cadre's and unit's events the text uses

    @property
    def addressee(self) -> str:
        """主送: the unit, or the person and their unit (Art. 11, 12)."""
        if self.party_type == "unit":
            return f"{self.name}："
        return f"{self.name}同志，{self.unit_name}："

    @property
    def described(self) -> str:
        if self.party_type == "unit":
            return self.name
        return f"{self.unit_name}{self.post}{self.name}同志"


def _party_facts(
    source: EvidenceSource, party_type: str, code: str, on: str, tree_size: int, bound: int
) -> _Party:
    """The party's name, unit and post on the decision day, from their verified records."""
    if party_type == PartyType.PERSON.value:
        ev = source.evidence([ids.cadre_id(code)], tree_size)
        cadre = [e for e in ev.events if e.position <= bound]
        if not cadre:
            raise NotFoundError(
                _("no cadre {code} is on record at checkpoint {tree_size}").format(
                    code=code, tree_size=tree_size
                )
            )
        posts, _unused = career([CaseEvent(e.position, e.name, "", e.payload) for e in cadre])
        held = [p for p in posts if p["start"] <= on and (p["until"] is None or on < p["until"])]
        post = (held or posts)[-1]
        unit_code, title = str(post["unit_code"]), str(post["title"])
        name = str(cadre[0].payload["name"])
    else:
        cadre, unit_code, title, name = [], code, "", ""
    unit_ev = [
        e
        for e in source.evidence([ids.unit_id(unit_code)], tree_size).events
        if e.name == "Registered"
    ]
    if not unit_ev:
        raise NotFoundError(
            _("no unit {unit_code} is on record at checkpoint {tree_size}").format(
                unit_code=unit_code, tree_size=tree_size
            )
        )
    unit_name = str(unit_ev[0].payload["name"])
    return _Party(
        party_type, code, name or unit_name, unit_code, unit_name, title, (*cadre, unit_ev[0])
    )


def _case_events(source: EvidenceSource, case_id: UUID, tree_size: int | None) -> Evidence:
    ev = source.evidence([case_id], tree_size)
    if not ev.events:
        raise NotFoundError(
            _("no such case at checkpoint {tree_size} of {description}").format(
                tree_size=ev.tree_size, description=source.description
            )
        )
    return ev


def _fold(events: Iterable[VerifiedEvent]) -> dict[str, Any]:
    return fold([CaseEvent(e.position, e.name, "", e.payload) for e in events])


def render_case_document(
    source: EvidenceSource,
    kind: str,
    *,
    case_no: str | None = None,
    party: tuple[str | None, str] | None = None,
    anchor: int | None = None,
    tree_size: int | None = None,
) -> Document:
    """Render a case document of ``kind`` (D, F or A) at a checkpoint (the latest if None):
    for the party's latest decision (or latest appeal decision), or for the event at log
    position ``anchor`` (how ``document verify`` renders a printed one again)."""
    if kind not in FOLLOW_UPS:
        raise InvalidInputError(_("unknown case document kind {kind}").format(kind=kind))
    if anchor is not None:
        if tree_size is None:
            raise InvalidInputError(_("a document is rendered again at its own checkpoint"))
        case_id = source.aggregate_at(anchor, tree_size)
        if case_id is None:
            raise NotFoundError(
                _("no event at log position {anchor} of checkpoint {tree_size}").format(
                    anchor=anchor, tree_size=tree_size
                )
            )
    elif case_no is not None and party is not None:
        case_id = ids.case_id(case_no)
    else:
        raise InvalidInputError(_("a case document needs a case and a party"))
    ev = _case_events(source, case_id, tree_size)
    events = list(ev.events)
    if anchor is not None:
        at = ev.at(anchor)
        wanted = "AppealDecided" if kind == "A" else "DecisionIssued"
        if at is None or at.name != wanted:
            what = "an appeal decision" if kind == "A" else "a decision"
            raise NotFoundError(
                _("the event at log position {anchor} is not {what}").format(
                    anchor=anchor, what=what
                )
            )
        party = (str(at.payload["party_type"]), str(at.payload["party_code"]))
    assert party is not None
    ptype, code = _party_type(events, party, number_of(events, case_no))
    mine = [e for e in events if _names(e, ptype, code)]
    decisions = [e for e in mine if e.name == "DecisionIssued"]
    number = number_of(events, case_no)
    who = f"{PartyType(ptype).label} {code}"
    if not decisions:
        raise NotFoundError(
            _("no decision about {who} in case {number} at checkpoint {tree_size}").format(
                who=who, number=number, tree_size=ev.tree_size
            )
        )
    if kind == "A":
        appeals = [e for e in mine if e.name == "AppealDecided"]
        if anchor is None:
            if not appeals:
                raise NotFoundError(
                    _(
                        "no appeal decision about {who} in case {number} at checkpoint "
                        "{tree_size} (Art. 12)"
                    ).format(who=who, number=number, tree_size=ev.tree_size)
                )
            anchor = appeals[-1].position
        decision = [d for d in decisions if d.position < anchor][-1]
    else:
        if anchor is None:
            anchor = decisions[-1].position
        decision = next(d for d in decisions if d.position == anchor)
    later = [d.position for d in decisions if d.position > decision.position]
    end = later[0] if later else ev.tree_size
    bound = decision.position if kind == "D" else anchor if kind == "A" else end - 1
    doc = _fold(e for e in events if e.position <= bound)
    state = doc["parties"][f"{ptype}:{code}"]
    record = next(d for d in state["decisions"] if d["position"] == decision.position)
    facts = _party_facts(source, ptype, code, record["decided_on"], ev.tree_size, bound)
    assigned = [
        e
        for e in mine
        if e.name in ("ResponsibilityAssigned", "TeamResponsibilityAssigned")
        and e.position < decision.position
    ][-1:]
    follow = [
        e for e in mine if e.name in FOLLOW_UPS[kind] and decision.position < e.position <= bound
    ]
    used = [events[0], *assigned, decision, *follow, *facts.used]
    subject = str(anchor)
    code_ = VerificationCode.make(
        kind,
        ev.root_fingerprint,
        ev.tree_size,
        ev.root,
        subject,
        {(e.position, e.state) for e in used},
    )
    builder = {"D": _decision_blocks, "F": _file_blocks, "A": _appeal_blocks}[kind]
    blocks = builder(doc, state, record, facts)
    description = _("{document} {number} ({who} {name}, case {case_no})").format(
        document=code_.name, number=record["number"], who=who, name=facts.name, case_no=number
    )
    return Document(code_, (*blocks, *_code_blocks(code_)), description, later=ev.later)


def number_of(events: list[VerifiedEvent], case_no: str | None) -> str:
    return str(events[0].payload.get("case_no", case_no))


def _party_type(
    events: list[VerifiedEvent], party: tuple[str | None, str], case_no: str
) -> tuple[str, str]:
    """``--party CODE``: the party of the case with that personnel number or unit code."""
    ptype, code = party
    if ptype is not None:
        return ptype, code
    kinds = sorted(
        {
            str(e.payload["party_type"])
            for e in events
            if e.name == "DecisionIssued" and e.payload.get("party_code") == code
        }
    )
    if not kinds:
        raise NotFoundError(
            _("no decision about {code} in case {case_no}").format(code=code, case_no=case_no)
        )
    if len(kinds) > 1:
        raise InvalidInputError(
            _(
                "{code} names both a person and a unit in case {case_no}: use --person or --unit"
            ).format(code=code, case_no=case_no)
        )
    return kinds[0], code


def _grounds(doc: dict[str, Any]) -> str:
    """Art. 4: each ground in its full wording, with the results the case records for it."""
    from projections.values import grounds

    cited = "；".join(
        f"第{GROUNDS[g.number].label}项“{GROUNDS[g.number].wording}”"
        + (f"（本案：{g.results_label}）" if g.results_label else "")
        for g in grounds([int(n) for n in doc["grounds"]], doc.get("results"))
    )
    text = f"本案认定的情形为{MEASURES_ACT}第四条{cited}"
    if doc.get("other_regulation"):
        text += f"（依照{doc['other_regulation']}）"
    return text + "。"


def _responsibility(state: dict[str, Any], facts: _Party) -> str:
    label = Responsibility(state["responsibility"]).label
    role = f"（{TeamRole(state['team_role']).label}）" if state.get("team_role") else ""
    if facts.party_type == "unit":
        return f"{facts.name}承担{label}。"
    return f"{facts.name}同志{role}承担{label}。"


NUMERALS = "一二三四五六七八九十"


def _heading(n: int, text: str, level: int) -> Block:
    """GB/T 9704 §7.3.3: first level ``一、`` in 黑体, second level ``（一）`` in 楷体."""
    if level == 1:
        return Block("heading", f"{NUMERALS[n - 1]}、{text}")
    return Block("subheading", f"（{NUMERALS[n - 1]}）{text}")


def _decision_part(
    doc: dict[str, Any],
    state: dict[str, Any],
    record: dict[str, Any],
    facts: _Party,
    level: int = 1,
) -> list[Block]:
    """Every item Art. 10 requires, as the signed decision records it."""
    return [
        _heading(1, "责任追究的事实", level),
        Block("body", record["facts"]),
        Block("body", _grounds(doc) + _responsibility(state, facts)),
        _heading(2, "责任追究的依据", level),
        Block("body", record["basis"]),
        _heading(3, "责任追究方式", level),
        Block("body", _measures_sentence(record, facts)),
        _heading(4, "批准机关", level),
        Block("body", f"本决定经{record['approving_authority']}批准。"),
        _heading(5, "生效时间", level),
        Block("body", f"本决定自{cn_date(record['effective_date'])}起生效。"),
        _heading(6, "申诉期限及受理机关", level),
        Block(
            "body",
            f"如对本决定不服，可在收到本决定书之日起{record['appeal_period_days']}日内，向"
            f"{record['appeal_authority']}提出书面申诉。申诉期间，不停止本决定的执行。",
        ),
    ]


def _measures_sentence(record: dict[str, Any], facts: _Party) -> str:
    """Art. 7: ``给予…诫勉谈话。`` for a person; for a unit, the circumstances and the measure
    they call for (``…情节较轻，责令作出书面检查。``)."""
    measures = measures_text(record["measures"], record["sanction"], record["severity"])
    if facts.party_type == "unit":
        return f"{facts.described}{measures}。"
    return f"给予{facts.described}{measures}。"


def _decision_blocks(
    doc: dict[str, Any], state: dict[str, Any], record: dict[str, Any], facts: _Party
) -> list[Block]:
    """《责任追究决定书》 (Art. 10) in GB/T 9704 order."""
    authority = record["deciding_authority"]
    return [
        Block("issuer", f"{authority}文件"),
        Block("number", record["number"]),
        Block("title", "责任追究决定书"),
        Block("recipient", facts.addressee),
        Block(
            "body",
            f"经调查核实，依据{MEASURES_ACT}，现对{facts.described}在{doc['case_no']}"
            "中应当承担的信访工作责任作出如下决定：",
        ),
        *_decision_part(doc, state, record, facts),
        Block("signature", authority),
        Block("date", cn_date(record["decided_on"])),
        Block("imprint", f"{authority}　{cn_date(record['decided_on'])}印发"),
    ]


def _appeal_lines(record: dict[str, Any]) -> list[str]:
    appeal = record["appeal"]
    if record["received_on"] is None and appeal is None:
        return ["尚无收到决定书的记录，也无申诉。"]
    lines = []
    if record["received_on"]:
        lines.append(
            f"当事人于{cn_date(record['received_on'])}收到决定书，申诉期限至"
            f"{cn_date(record['appeal_due'])}（第十二条，期限末日遇法定休假日顺延）。"
        )
    if appeal is None:
        lines.append("当事人未提出申诉。")
        return lines
    lines.append(f"当事人于{cn_date(appeal['filed_on'])}提出书面申诉：{appeal['text']}")
    if appeal["outcome"] is None:
        lines.append(f"申诉处理决定应于{cn_date(appeal['decision_due'])}前作出，尚未作出。")
        return lines
    outcome = AppealOutcome(appeal["outcome"]).label
    lines.append(
        f"{record['deciding_authority']}于{cn_date(appeal['decided_on'])}作出申诉处理决定："
        f"{outcome}原决定。理由：{appeal['reason']}"
    )
    if appeal["measures"] is not None:
        lines.append(
            "变更后的责任追究方式："
            + measures_text(appeal["measures"], appeal["sanction"] or "", appeal["severity"])
            + "。"
        )
    return lines


def _file_blocks(
    doc: dict[str, Any], state: dict[str, Any], record: dict[str, Any], facts: _Party
) -> list[Block]:
    """Art. 11: the accountability material for the personnel file (人事档案)."""
    entry = record["file_entry"]
    custodian = entry["custodian"] if entry else "（尚未归档）"
    announcement = record["announcement"]
    if announcement is None:
        announced = "尚无宣布记录（第十一条：决定作出后30日内宣布）。"
    else:
        late = "，晚于第十一条规定的30日期限" if announcement["overdue"] else ""
        announced = (
            f"{cn_date(announcement['on'])}向{announcement['to']}宣布"
            f"（应于{cn_date(record['announce_due'])}前宣布{late}）。"
        )
    filed = (
        f"{cn_date(entry['on'])}由{entry['custodian']}归入个人人事档案，档号{entry['file_ref']}。"
        if entry
        else "尚无归档记录。"
    )
    return [
        Block("issuer", f"{custodian}"),
        Block("number", f"档号：{entry['file_ref']}" if entry else "档号：—"),
        Block("title", "信访工作责任追究材料"),
        Block("recipient", f"归入{facts.name}同志个人人事档案："),
        Block(
            "body",
            f"{facts.described}在{doc['case_no']}中被追究信访工作责任。依照{MEASURES_ACT}"
            "第十一条，本材料归入个人人事档案，作为业绩评定、奖励处罚、选拔任用的重要依据。",
        ),
        Block("heading", "一、责任追究决定"),
        Block(
            "body",
            f"{record['deciding_authority']}于{cn_date(record['decided_on'])}作出"
            f"{record['number']}《责任追究决定书》。",
        ),
        *_decision_part(doc, state, record, facts, level=2),
        Block("heading", "二、宣布情况"),
        Block("body", announced),
        Block("heading", "三、归档情况"),
        Block("body", filed),
        Block("heading", "四、申诉及处理结果"),
        *[Block("body", line) for line in _appeal_lines(record)],
        Block("signature", custodian),
        Block("date", cn_date(entry["on"]) if entry else "—"),
    ]


def _appeal_blocks(
    doc: dict[str, Any], state: dict[str, Any], record: dict[str, Any], facts: _Party
) -> list[Block]:
    """Art. 12: the written notice of the appeal decision, to the appellant and, for a
    person, their unit."""
    appeal = record["appeal"]
    authority = record["deciding_authority"]
    outcome = AppealOutcome(appeal["outcome"])
    you = "你单位" if facts.party_type == "unit" else "你"
    blocks = [
        Block("issuer", f"{authority}文件"),
        Block("number", f"关于{record['number']}的申诉处理"),
        Block("title", "申诉处理决定告知书"),
        Block("recipient", facts.addressee),
        Block(
            "body",
            f"{you}于{cn_date(appeal['filed_on'])}对{authority}{cn_date(record['decided_on'])}"
            f"作出的{record['number']}《责任追究决定书》提出的书面申诉收悉。经复查，依照"
            f"{MEASURES_ACT}第十二条，现将申诉处理决定告知如下：",
        ),
        Block("heading", "一、申诉处理决定"),
        Block("body", f"{outcome.label}原决定。"),
    ]
    if appeal["measures"] is not None:
        blocks.append(
            Block(
                "body",
                "变更后的责任追究方式："
                + measures_text(appeal["measures"], appeal["sanction"] or "", appeal["severity"])
                + "。",
            )
        )
    blocks += [
        Block("heading", "二、理由"),
        Block("body", appeal["reason"]),
        Block("heading", "三、说明"),
        Block("body", "申诉期间，不停止责任追究决定的执行。"),
    ]
    if appeal["overdue"]:
        blocks.append(
            Block(
                "body",
                f"本处理决定晚于第十二条规定的{APPEAL_DECISION_WITHIN_DAYS}日期限"
                f"（应于{cn_date(appeal['decision_due'])}前）作出。",
            )
        )
    blocks += [
        Block("signature", authority),
        Block("date", cn_date(appeal["decided_on"])),
        Block("imprint", f"{authority}　{cn_date(appeal['decided_on'])}印发"),
    ]
    return blocks


def _code_blocks(code: VerificationCode) -> list[Block]:
    return [
        Block("code", f"核验码：{code}"),
        Block(
            "codenote",
            f"本件由 lifeledger 依账本签名记录生成（检查点 {code.tree_size}）。核验：扫描二维码，或"
            "运行 lifeledger document check 核验码；电子文件：lifeledger document verify 文件名。",
        ),
    ]
