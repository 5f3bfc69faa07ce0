"""The Measures (湖南省信访工作责任追究办法, 湘办发〔2016〕29号) as data.

The Chinese text in ``shared/regulation/`` is authoritative; this module holds the lists the
rules need (grounds, unit kinds, measures, responsibility kinds) with the labels users see.
Identifiers are English; every label is the regulation's own wording.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

#: Art. 15: in force from the day of issue. Art. 8: lifetime accountability applies to
#: situations that occurred after the Measures took effect.
IN_FORCE_FROM = dt.date(2016, 6, 23)

#: Art. 11: announce within 30 days of the decision.
ANNOUNCE_WITHIN_DAYS = 30
#: Art. 12: written appeal within 15 days of receiving the decision.
APPEAL_WITHIN_DAYS = 15
#: Art. 12: the deciding authority decides an appeal within 30 days of receiving it.
APPEAL_DECISION_WITHIN_DAYS = 30

CHINESE_NUMERALS = (
    "一", "二", "三", "四", "五", "六", "七", "八",
    "九", "十", "十一", "十二", "十三", "十四", "十五", "十六",
)  # fmt: skip


class Consequence(StrEnum):
    """The one consequence a case recorded before results were recorded per ground (kept to
    read and audit old ledgers; new cases record :class:`ResultElement` per ground)."""

    NONE = "none"
    ADVERSE_IMPACT = "adverse_impact"
    SERIOUS = "serious"

    @property
    def label(self) -> str:
        return {"none": "无", "adverse_impact": "不良影响", "serious": "严重后果"}[self.value]


class ResultElement(StrEnum):
    """Art. 4: a result (结果要件) an item names: what the conduct 引发, 导致 or 造成."""

    PROMINENT_PROBLEM = "prominent_problem"
    VICIOUS_INCIDENT = "vicious_incident"
    MASS_INCIDENT = "mass_incident"
    PETITION_ARISEN = "petition_arisen"
    CONFLICT_INTENSIFIED = "conflict_intensified"
    ESCALATED = "escalated"
    REPEATED_MASS_PETITION = "repeated_mass_petition"
    NEGATIVE_OPINION = "negative_opinion"
    ADVERSE_IMPACT = "adverse_impact"
    SERIOUS = "serious"

    @property
    def label(self) -> str:
        return _RESULT_LABELS[self]


_RESULT_LABELS = {
    ResultElement.PROMINENT_PROBLEM: "引发信访突出问题",
    ResultElement.VICIOUS_INCIDENT: "引发恶性事件",
    ResultElement.MASS_INCIDENT: "引发群体性事件",
    ResultElement.PETITION_ARISEN: "导致信访事项发生",
    ResultElement.CONFLICT_INTENSIFIED: "导致矛盾激化",
    ResultElement.ESCALATED: "导致事态扩大",
    ResultElement.REPEATED_MASS_PETITION: "引发重复越级集体上访",
    ResultElement.NEGATIVE_OPINION: "引发负面舆情",
    ResultElement.ADVERSE_IMPACT: "造成不良影响",
    ResultElement.SERIOUS: "造成严重后果",
}

_R = ResultElement
#: "引发信访突出问题、恶性事件或者群体性事件": one of the three
_INCIDENTS = frozenset({_R.PROMINENT_PROBLEM, _R.VICIOUS_INCIDENT, _R.MASS_INCIDENT})
#: "造成不良影响或者严重后果": either
_HARM = frozenset({_R.ADVERSE_IMPACT, _R.SERIOUS})


@dataclass(frozen=True)
class Ground:
    """One situation (情形) of Art. 4, cited by its number."""

    number: int
    text: str
    #: the results the item names, each a choice ("A或者B": one of them is enough); every
    #: choice must be met by the results recorded for the ground
    results: tuple[frozenset[ResultElement], ...] = ()

    @property
    def label(self) -> str:
        return f"（{CHINESE_NUMERALS[self.number - 1]}）"

    @property
    def wording(self) -> str:
        """The item as the text has it, with the consequence it names (Art. 4)."""
        return self.text + _RESULT_CLAUSES.get(self.number, "")

    @property
    def names(self) -> frozenset[ResultElement]:
        """Every result element the item names."""
        return frozenset().union(*self.results)

    @property
    def requires(self) -> Consequence:
        """The least harm the item names (how cases recorded one consequence were judged)."""
        if frozenset({_R.SERIOUS}) in self.results:
            return Consequence.SERIOUS
        return Consequence.ADVERSE_IMPACT if _HARM in self.results else Consequence.NONE


#: The consequence clause each item ends with, word for word ("…的" dropped).
_RESULT_CLAUSES = {
    **{n: "，造成不良影响或者严重后果" for n in (2, 3, 4, 9, 10, 11, 12, 13)},
    5: "，造成严重后果",
    15: "，造成不良影响",
}
_ARISEN = frozenset({_R.PETITION_ARISEN})
_CONFLICT = frozenset({_R.CONFLICT_INTENSIFIED})
GROUNDS: dict[int, Ground] = {
    g.number: g
    for g in (
        Ground(1, "违反法律法规和政策规定作出决策，引发信访突出问题、恶性事件或者群体性事件",
               (_INCIDENTS,)),
        Ground(2, "应当作为而不作为或者乱作为，失职渎职，侵害公民、法人或者其他组织合法权益，"
                  "导致信访事项发生", (_ARISEN, _HARM)),
        Ground(3, "因重大过失导致认定事实错误，或者适用法律法规错误，侵害公民、法人或者其他组织"
                  "合法权益，导致信访事项发生", (_ARISEN, _HARM)),
        Ground(4, "主要领导不及时处理重要来信、来访或者不及时研究解决信访突出问题，"
                  "导致矛盾激化", (_CONFLICT, _HARM)),
        Ground(5, "对疑难复杂的信访问题，未按照有关规定落实领导专办责任，久拖不决",
               (frozenset({_R.SERIOUS}),)),
        Ground(6, "拒不办理上级机关和信访工作机构交办、督办的重要信访事项，或者编造、虚报材料欺骗"
                  "上级机关"),
        Ground(7, "拒不执行有关机关提出的支持信访请求意见，引发信访突出问题、恶性事件"
                  "或者群体性事件", (_INCIDENTS,)),
        Ground(8, "本地区、本部门、本单位发生越级集体上访后，未认真落实上级机关的明确处理意见，"
                  "导致矛盾激化、事态扩大或者引发重复越级集体上访",
               (frozenset({_R.CONFLICT_INTENSIFIED, _R.ESCALATED, _R.REPEATED_MASS_PETITION}),)),
        Ground(9, "不按照有关规定落实上级机关和信访工作机构提出的改进工作、完善政策等建议",
               (_HARM,)),
        Ground(10, "对可能造成社会影响的重大、紧急信访事项和信访信息，隐瞒、谎报、缓报，或者授意"
                   "他人隐瞒、谎报、缓报", (_HARM,)),
        Ground(11, "在处理信访事项过程中，工作作风简单粗暴、敷衍塞责、推诿扯皮，导致矛盾激化",
               (_CONFLICT, _HARM)),
        Ground(12, "对信访事项应当受理、登记、转送、交办、答复而未按照规定办理或者逾期未办结，"
                   "或者应当履行督查督办职责而未履行", (_HARM,)),
        Ground(13, "对重大信访突出问题和集体上访，应当到现场处置而未到现场处置，或者虽到现场但"
                   "处置不当", (_HARM,)),
        Ground(14, "将信访人的检举揭发材料或者需要保密的有关情况违规转给或者透露给被检举揭发对象"
                   "或者无关人员"),
        # "造成不良影响": 严重后果 is the greater harm and meets it (as for the other items)
        Ground(15, "因信访问题处理不当，引发负面舆情",
               (frozenset({_R.NEGATIVE_OPINION}), _HARM)),
        Ground(16, "依照有关规定应当追究责任的其他情形"),
    )
}  # fmt: skip
#: Art. 4 (十六) must name the other regulation relied on.
OTHER_REGULATION_GROUND = 16


class UnitKind(StrEnum):
    """Art. 2: the nine kinds of unit the Measures apply to."""

    PARTY = "party"
    PEOPLES_CONGRESS = "peoples_congress"
    ADMINISTRATIVE = "administrative"
    CPPCC = "cppcc"
    JUDICIAL = "judicial"
    PROCURATORIAL = "procuratorial"
    PEOPLES_ORGANISATION = "peoples_organisation"
    PUBLIC_INSTITUTION = "public_institution"
    STATE_OWNED_ENTERPRISE = "state_owned_enterprise"

    @property
    def label(self) -> str:
        return _UNIT_KIND_LABELS[self]


_UNIT_KIND_LABELS = {
    UnitKind.PARTY: "党的机关",
    UnitKind.PEOPLES_CONGRESS: "人大机关",
    UnitKind.ADMINISTRATIVE: "行政机关",
    UnitKind.CPPCC: "政协机关",
    UnitKind.JUDICIAL: "审判机关",
    UnitKind.PROCURATORIAL: "检察机关",
    UnitKind.PEOPLES_ORGANISATION: "人民团体",
    UnitKind.PUBLIC_INSTITUTION: "事业单位",
    UnitKind.STATE_OWNED_ENTERPRISE: "国有或者国有控股企业",
}


class AdminLevel(StrEnum):
    """Administrative level of a unit (for reports by level)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"

    @property
    def label(self) -> str:
        return {"province": "省级", "city": "市州级", "county": "县市区级", "township": "乡镇级"}[
            self.value
        ]

    @property
    def managed_label(self) -> str:
        """Art. 6 干部管理权限: the level at which a cadre is managed."""
        return {"province": "省管", "city": "市管", "county": "县管", "township": "乡管"}[
            self.value
        ]


class PartyType(StrEnum):
    """Art. 5/7: accountability falls on a unit (集体责任) or a person (个人责任)."""

    UNIT = "unit"
    PERSON = "person"

    @property
    def label(self) -> str:
        return {"unit": "单位", "person": "个人"}[self.value]


class Responsibility(StrEnum):
    """Art. 5: the kind of responsibility a party bears."""

    COLLECTIVE = "collective"
    DIRECT = "direct"
    PRIMARY_LEADERSHIP = "primary_leadership"
    IMPORTANT_LEADERSHIP = "important_leadership"
    NONE = "none"

    @property
    def label(self) -> str:
        return _RESPONSIBILITY_LABELS[self]

    @property
    def is_leadership(self) -> bool:
        return self in (Responsibility.PRIMARY_LEADERSHIP, Responsibility.IMPORTANT_LEADERSHIP)


_RESPONSIBILITY_LABELS = {
    Responsibility.COLLECTIVE: "集体责任",
    Responsibility.DIRECT: "直接责任",
    Responsibility.PRIMARY_LEADERSHIP: "主要领导责任",
    Responsibility.IMPORTANT_LEADERSHIP: "重要领导责任",
    Responsibility.NONE: "不承担领导责任",
}


class TeamRole(StrEnum):
    """Art. 5: a member's place in the leadership team (领导班子)."""

    PRINCIPAL_HEAD = "principal_head"
    LEADER_IN_CHARGE = "leader_in_charge"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return {
            "principal_head": "主要负责人",
            "leader_in_charge": "分管负责人",
            "member": "其他领导班子成员",
        }[self.value]


class Severity(StrEnum):
    """Art. 7: how serious the circumstances (情节) of a unit's case are."""

    MINOR = "minor"
    SERIOUS = "serious"
    GRAVE = "grave"

    @property
    def label(self) -> str:
        return {"minor": "情节较轻", "serious": "情节较重", "grave": "情节严重"}[self.value]


class Measure(StrEnum):
    """Art. 7: the accountability measures (责任追究方式)."""

    # units
    WRITTEN_SELF_CRITICISM = "written_self_criticism"
    CIRCULATED_CRITICISM = "circulated_criticism"
    TEAM_ADJUSTMENT = "team_adjustment"
    # persons: organisational handling (组织处理)
    ADMONITION_TALK = "admonition_talk"
    TRANSFER = "transfer"
    RESIGNATION_FOR_FAULT = "resignation_for_fault"
    ORDERED_RESIGNATION = "ordered_resignation"
    DISMISSAL = "dismissal"
    DEMOTION = "demotion"
    #: Art. 7 "…降职等组织处理": the list is open; another measure is named in words
    OTHER_ORGANISATIONAL = "other_organisational"
    # persons: where discipline was violated
    DISCIPLINARY_SANCTION = "disciplinary_sanction"

    @property
    def label(self) -> str:
        return _MEASURE_LABELS[self]

    @property
    def party_type(self) -> PartyType:
        return PartyType.UNIT if self in UNIT_MEASURE_BY_SEVERITY.values() else PartyType.PERSON


_MEASURE_LABELS = {
    Measure.WRITTEN_SELF_CRITICISM: "责令作出书面检查",
    Measure.CIRCULATED_CRITICISM: "通报批评",
    Measure.TEAM_ADJUSTMENT: "对领导班子进行调整处理",
    Measure.ADMONITION_TALK: "诫勉谈话",
    Measure.TRANSFER: "调离岗位",
    Measure.RESIGNATION_FOR_FAULT: "引咎辞职",
    Measure.ORDERED_RESIGNATION: "责令辞职",
    Measure.DISMISSAL: "免职",
    Measure.DEMOTION: "降职",
    Measure.OTHER_ORGANISATIONAL: "其他组织处理",
    Measure.DISCIPLINARY_SANCTION: "纪律处分",
}

#: Art. 7 para. 1: for units the circumstances decide the measure.
UNIT_MEASURE_BY_SEVERITY = {
    Severity.MINOR: Measure.WRITTEN_SELF_CRITICISM,
    Severity.SERIOUS: Measure.CIRCULATED_CRITICISM,
    Severity.GRAVE: Measure.TEAM_ADJUSTMENT,
}


class AppealOutcome(StrEnum):
    """Art. 12: what the deciding authority decides on a written appeal."""

    UPHELD = "upheld"
    MODIFIED = "modified"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return {"upheld": "维持", "modified": "变更", "revoked": "撤销"}[self.value]


class AuthorityKind(StrEnum):
    """Who holds a signer key. Art. 6: only discipline-inspection/supervision organs and
    organisation/personnel departments carry out accountability."""

    DISCIPLINE = "discipline"
    ORGANISATION = "organisation"
    PETITION = "petition"
    AUDIT = "audit"

    @property
    def label(self) -> str:
        return {
            "discipline": "纪检监察机关",
            "organisation": "组织人事部门",
            "petition": "信访工作机构",
            "audit": "审计",
        }[self.value]

    @property
    def may_hold_accountable(self) -> bool:
        """Art. 6: 由纪检监察机关、组织人事部门负责实施."""
        return self in (AuthorityKind.DISCIPLINE, AuthorityKind.ORGANISATION)


class KeyRole(StrEnum):
    """What a signer key may do: manage the key registry, record actions, or (the recovery
    key made at ``init`` and kept offline) replace a lost or stolen root key."""

    ADMIN = "admin"
    RECORDER = "recorder"
    RECOVERY = "recovery"

    @property
    def label(self) -> str:
        return {"admin": "密钥管理", "recorder": "记录", "recovery": "根密钥恢复"}[self.value]


def ground_label(number: int) -> str:
    """``（十一）在处理信访事项过程中…，造成不良影响或者严重后果`` — what a user sees for a cited
    ground: its full wording, consequence included."""
    ground = GROUNDS[number]
    return f"{ground.label}{ground.wording}"
