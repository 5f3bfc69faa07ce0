"""The blocks of each case document (Art. 10, 11, 12): the 《责任追究决定书》, the material for
the personnel file and the written notice of an appeal decision, worded from the case's state
and the party's facts on the decision day (gathered from verified events by
:func:`projections.documents.content.render_case_document`)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.case_state import CaseState, Decision, Party
from ledger.domain.regulation import (
    APPEAL_DECISION_WITHIN_DAYS,
    GROUNDS,
    AppealOutcome,
    Responsibility,
    TeamRole,
)
from projections.documents.blocks import MEASURES_ACT, Block, cn_date, measures_text
from projections.documents.code import VerificationCode
from projections.documents.evidence import VerifiedEvent


@dataclass(frozen=True)
class PartyFacts:
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


def _grounds(case: CaseState) -> str:
    """Art. 4: each ground in its full wording, with the results the case records for it."""
    from projections.values import grounds

    cited = "；".join(
        f"第{GROUNDS[g.number].label}项“{GROUNDS[g.number].wording}”"
        + (f"（本案：{g.results_label}）" if g.results_label else "")
        for g in grounds(case.grounds, case.results)
    )
    text = f"本案认定的情形为{MEASURES_ACT}第四条{cited}"
    if case.other_regulation:
        text += f"（依照{case.other_regulation}）"
    return text + "。"


def _responsibility(party: Party, facts: PartyFacts) -> str:
    label = Responsibility(party.responsibility).label
    role = f"（{TeamRole(party.team_role).label}）" if party.team_role else ""
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
    case: CaseState,
    party: Party,
    record: Decision,
    facts: PartyFacts,
    level: int = 1,
) -> list[Block]:
    """Every item Art. 10 requires, as the signed decision records it."""
    return [
        _heading(1, "责任追究的事实", level),
        Block("body", record.facts),
        Block("body", _grounds(case) + _responsibility(party, facts)),
        _heading(2, "责任追究的依据", level),
        Block("body", record.basis),
        _heading(3, "责任追究方式", level),
        Block("body", _measures_sentence(record, facts)),
        _heading(4, "批准机关", level),
        Block("body", f"本决定经{record.approving_authority}批准。"),
        _heading(5, "生效时间", level),
        Block("body", f"本决定自{cn_date(record.effective_date)}起生效。"),
        _heading(6, "申诉期限及受理机关", level),
        Block(
            "body",
            f"如对本决定不服，可在收到本决定书之日起{record.appeal_period_days}日内，向"
            f"{record.appeal_authority}提出书面申诉。申诉期间，不停止本决定的执行。",
        ),
    ]


def _measures_sentence(record: Decision, facts: PartyFacts) -> str:
    """Art. 7: ``给予…诫勉谈话。`` for a person; for a unit, the circumstances and the measure
    they call for (``…情节较轻，责令作出书面检查。``)."""
    measures = measures_text(record.measures, record.sanction, record.severity)
    if facts.party_type == "unit":
        return f"{facts.described}{measures}。"
    return f"给予{facts.described}{measures}。"


def decision_blocks(
    case: CaseState, party: Party, record: Decision, facts: PartyFacts
) -> list[Block]:
    """《责任追究决定书》 (Art. 10) in GB/T 9704 order."""
    authority = record.deciding_authority
    return [
        Block("issuer", f"{authority}文件"),
        Block("number", record.number),
        Block("title", "责任追究决定书"),
        Block("recipient", facts.addressee),
        Block(
            "body",
            f"经调查核实，依据{MEASURES_ACT}，现对{facts.described}在{case.case_no}"
            "中应当承担的信访工作责任作出如下决定：",
        ),
        *_decision_part(case, party, record, facts),
        Block("signature", authority),
        Block("date", cn_date(record.decided_on)),
        Block("imprint", f"{authority}　{cn_date(record.decided_on)}印发"),
    ]


def _appeal_lines(record: Decision) -> list[str]:
    appeal = record.appeal
    if record.received_on is None and appeal is None:
        return ["尚无收到决定书的记录，也无申诉。"]
    lines = []
    if record.received_on:
        lines.append(
            f"当事人于{cn_date(record.received_on)}收到决定书，申诉期限至"
            f"{cn_date(record.appeal_due)}（第十二条，期限末日遇法定休假日顺延）。"
        )
    if appeal is None:
        lines.append("当事人未提出申诉。")
        return lines
    lines.append(f"当事人于{cn_date(appeal.filed_on)}提出书面申诉：{appeal.text}")
    if appeal.outcome is None:
        lines.append(f"申诉处理决定应于{cn_date(appeal.decision_due)}前作出，尚未作出。")
        return lines
    outcome = AppealOutcome(appeal.outcome).label
    lines.append(
        f"{record.deciding_authority}于{cn_date(appeal.decided_on)}作出申诉处理决定："
        f"{outcome}原决定。理由：{appeal.reason}"
    )
    if appeal.measures is not None:
        lines.append(
            "变更后的责任追究方式："
            + measures_text(appeal.measures, appeal.sanction or "", appeal.severity)
            + "。"
        )
    return lines


def file_blocks(case: CaseState, party: Party, record: Decision, facts: PartyFacts) -> list[Block]:
    """Art. 11: the accountability material for the personnel file (人事档案)."""
    entry = record.file_entry
    custodian = entry.custodian if entry else "（尚未归档）"
    announcement = record.announcement
    if announcement is None:
        announced = "尚无宣布记录（第十一条：决定作出后30日内宣布）。"
    else:
        late = "，晚于第十一条规定的30日期限" if announcement.overdue else ""
        announced = (
            f"{cn_date(announcement.on)}向{announcement.to}宣布"
            f"（应于{cn_date(record.announce_due)}前宣布{late}）。"
        )
    filed = (
        f"{cn_date(entry.on)}由{entry.custodian}归入个人人事档案，档号{entry.file_ref}。"
        if entry
        else "尚无归档记录。"
    )
    return [
        Block("issuer", f"{custodian}"),
        Block("number", f"档号：{entry.file_ref}" if entry else "档号：—"),
        Block("title", "信访工作责任追究材料"),
        Block("recipient", f"归入{facts.name}同志个人人事档案："),
        Block(
            "body",
            f"{facts.described}在{case.case_no}中被追究信访工作责任。依照{MEASURES_ACT}"
            "第十一条，本材料归入个人人事档案，作为业绩评定、奖励处罚、选拔任用的重要依据。",
        ),
        Block("heading", "一、责任追究决定"),
        Block(
            "body",
            f"{record.deciding_authority}于{cn_date(record.decided_on)}作出"
            f"{record.number}《责任追究决定书》。",
        ),
        *_decision_part(case, party, record, facts, level=2),
        Block("heading", "二、宣布情况"),
        Block("body", announced),
        Block("heading", "三、归档情况"),
        Block("body", filed),
        Block("heading", "四、申诉及处理结果"),
        *[Block("body", line) for line in _appeal_lines(record)],
        Block("signature", custodian),
        Block("date", cn_date(entry.on) if entry else "—"),
    ]


def appeal_blocks(
    case: CaseState, party: Party, record: Decision, facts: PartyFacts
) -> list[Block]:
    """Art. 12: the written notice of the appeal decision, to the appellant and, for a
    person, their unit."""
    appeal = record.appeal
    # the notice of an appeal decision: the appeal was decided, with reasons
    assert appeal is not None and appeal.outcome is not None and appeal.reason is not None
    authority = record.deciding_authority
    outcome = AppealOutcome(appeal.outcome)
    you = "你单位" if facts.party_type == "unit" else "你"
    blocks = [
        Block("issuer", f"{authority}文件"),
        Block("number", f"关于{record.number}的申诉处理"),
        Block("title", "申诉处理决定告知书"),
        Block("recipient", facts.addressee),
        Block(
            "body",
            f"{you}于{cn_date(appeal.filed_on)}对{authority}{cn_date(record.decided_on)}"
            f"作出的{record.number}《责任追究决定书》提出的书面申诉收悉。经复查，依照"
            f"{MEASURES_ACT}第十二条，现将申诉处理决定告知如下：",
        ),
        Block("heading", "一、申诉处理决定"),
        Block("body", f"{outcome.label}原决定。"),
    ]
    if appeal.measures is not None:
        blocks.append(
            Block(
                "body",
                "变更后的责任追究方式："
                + measures_text(appeal.measures, appeal.sanction or "", appeal.severity)
                + "。",
            )
        )
    blocks += [
        Block("heading", "二、理由"),
        Block("body", appeal.reason),
        Block("heading", "三、说明"),
        Block("body", "申诉期间，不停止责任追究决定的执行。"),
    ]
    if appeal.overdue:
        blocks.append(
            Block(
                "body",
                f"本处理决定晚于第十二条规定的{APPEAL_DECISION_WITHIN_DAYS}日期限"
                f"（应于{cn_date(appeal.decision_due)}前）作出。",
            )
        )
    blocks += [
        Block("signature", authority),
        Block("date", cn_date(appeal.decided_on)),
        Block("imprint", f"{authority}　{cn_date(appeal.decided_on)}印发"),
    ]
    return blocks


def code_blocks(code: VerificationCode) -> list[Block]:
    return [
        Block("code", f"核验码：{code}"),
        Block(
            "codenote",
            f"本件由 lifeledger 依账本签名记录生成（检查点 {code.tree_size}）。核验：扫描二维码，或"
            "运行 lifeledger document check 核验码；电子文件：lifeledger document verify 文件名。",
        ),
    ]
