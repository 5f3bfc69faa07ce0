"""A sample ledger for people trying ``lifeledger``: a few realistic cases, signed by real keys.

Everything goes through :class:`LedgerApplication`, as a user's commands would. The people,
units and numbers are invented (某县, 某镇). The cases show what the Measures ask for:

* a team decision (Art. 5): a county government's leadership team, one member who objected
  and was overruled (no leadership responsibility), one who took no part, a unit decision
  (Art. 7, 情节较重 → 通报批评) and personal decisions; one leader has since moved post (Art. 8);
* an individual case with a written appeal decided by modification (Art. 12);
* a case whose incident precedes 2016-06-23: recorded, outside Art. 8 lifetime accountability;
* a recent township case (dated relative to today) whose Art. 11 and Art. 12 periods are still
  running, so that ``deadlines`` has something to show;
* an objection first stated at the Art. 9 hearing (Art. 5): recorded, the finding corrected by
  a signed event naming the reason, no decision for that member;
* a closed case reopened by a signed event stating why (new facts come to light);
* units, cadres and keys with GB/T 2260 regions and levels (Art. 6 干部管理权限), so that
  ``report annual --region`` gives a regional report (Art. 14).

Keys: the root key (organisation department, key administrator), a discipline-organ recorder
key (rotated half-way, so timelines show a rotated signer), an organisation-department
recorder key (revoked after its work, its earlier events stay valid) and a petition-agency key
(which may not record accountability: Art. 6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ledger.application import LedgerApplication, today
from ledger.domain.authority import Jurisdiction
from ledger.domain.case_rules import TeamMember
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import (
    AdminLevel,
    AppealOutcome,
    AuthorityKind,
    KeyRole,
    Measure,
    PartyType,
    Responsibility,
    ResultElement,
    Severity,
    TeamRole,
    UnitKind,
)
from ledger.errors import AlreadyExistsError, KeyFileError
from ledger.i18n import _
from ledger.signing.signatures import Signer
from ledger.transparency.checkpoints import make_checkpoint

__all__ = [
    "DEFAULT_PASSPHRASE",
    "KEY_FILES",
    "DemoKey",
    "DemoLedger",
    "build_demo",
    "refuse_earlier_keys",
]

#: Used when LIFELEDGER_PASSPHRASE is not set; printed to stderr by ``lifeledger demo``.
DEFAULT_PASSPHRASE = "lifeledger-demo"

#: The key files written into the demo's key directory.
KEY_FILES = (
    "root.pem",
    "organisation.pem",
    "discipline-old.pem",
    "discipline.pem",
    "petition.pem",
)

D = dt.date
PERSON, UNIT = PartyType.PERSON, PartyType.UNIT
DISCIPLINE = "长沙市纪委监委"
ORGANISATION = "长沙市委组织部"
#: Art. 6: both Changsha authorities act at city level for 长沙市 (GB/T 2260 430100).
CHANGSHA = Jurisdiction(AdminLevel.CITY, "430100")


@dataclass(frozen=True)
class DemoKey:
    """A key the demo made: where its private half is, who holds it, what it may do."""

    file: Path
    key_id: str
    holder: str
    authority: str
    authority_kind: AuthorityKind
    role: KeyRole
    status: str


@dataclass(frozen=True)
class DemoLedger:
    """What ``lifeledger demo`` made, for printing and for ``demo --json``."""

    root_fingerprint: str
    keys_dir: Path
    recorder_key: Path
    keys: tuple[DemoKey, ...]
    units: tuple[str, ...]
    cadres: tuple[str, ...]
    cases: tuple[str, ...]
    as_of: dt.date


def refuse_earlier_keys(keys_dir: Path) -> None:
    """Refuse a keys folder that already holds a demo key: never overwrite a private key."""
    existing = [keys_dir / name for name in KEY_FILES if (keys_dir / name).exists()]
    if existing:
        raise KeyFileError(
            _(
                "{value} already exists; remove {keys_dir} (keys of an earlier demo) or "
                "give another --db"
            ).format(value=existing[0], keys_dir=keys_dir)
        )


def build_demo(
    app: LedgerApplication, keys_dir: Path, passphrase: str, on: dt.date | None = None
) -> DemoLedger:
    """Initialise an empty ledger with sample keys, units, cadres and cases.

    Refuses before writing anything if the ledger is not empty or a key file exists."""
    if app.is_initialised():
        raise AlreadyExistsError(
            _(
                "{describe} already holds a ledger; the demo needs an empty one (give another --db)"
            ).format(describe=app.store.describe())
        )
    refuse_earlier_keys(keys_dir)
    if not passphrase:
        raise KeyFileError(_("the demo keys need a passphrase"))
    now = on or today()
    signers = {name: Signer.generate() for name in KEY_FILES}
    for name, signer in signers.items():
        signer.save(keys_dir / name, passphrase)
    return _Builder(app, signers, keys_dir, now).build()


class _Builder:
    def __init__(
        self, app: LedgerApplication, signers: dict[str, Signer], keys_dir: Path, now: dt.date
    ) -> None:
        self.app = app
        self.s = signers
        self.keys_dir = keys_dir
        self.now = now
        self.units: list[str] = []
        self.cadres: list[str] = []
        self.cases: list[str] = []

    def build(self) -> DemoLedger:
        app, s = self.app, self.s
        root = s["root.pem"]
        fingerprint = app.initialise(
            root, "刘敏（密钥管理员）", "湖南省委组织部", AuthorityKind.ORGANISATION
        )
        app.signer = root
        keys = (
            ("organisation.pem", "周红", ORGANISATION, AuthorityKind.ORGANISATION),
            ("discipline-old.pem", "陈峰", DISCIPLINE, AuthorityKind.DISCIPLINE),
            ("petition.pem", "黄丽", "长沙市信访局", AuthorityKind.PETITION),
        )
        for name, holder, authority, kind in keys:
            app.add_key(s[name].public_raw, holder, authority, kind, KeyRole.RECORDER, CHANGSHA)

        app.signer = s["organisation.pem"]
        self.registry()
        app.signer = root
        app.revoke_key(s["organisation.pem"].key_id.hex(), "持有人调任其他岗位，密钥停用")

        app.signer = s["discipline-old.pem"]
        self.team_case()
        self.pre_2016_case()
        # Signed checkpoints of the Merkle log, as an operator makes them from time to time;
        # verify then also checks consistency between them.
        make_checkpoint(app, root)
        app.rotate_key(s["discipline-old.pem"].key_id.hex(), s["discipline.pem"].public_raw)
        app.signer = s["discipline.pem"]
        self.appeal_case()
        self.recent_case()
        # Art. 14: the city's petition work agency reports 2023 on its region, and circulates it.
        app.signer = s["petition.pem"]
        app.report_region("430100", 2023, "中共长沙市委、长沙市人民政府", D(2024, 1, 22))
        app.circulate_report("430100", 2023, D(2024, 2, 5), "全市各区县（市）信访工作机构")
        app.signer = s["discipline.pem"]
        make_checkpoint(app, root)

        registry = app.registry()
        demo_keys = []
        for name in KEY_FILES:
            rec = registry.record(s[name].key_id.hex())
            demo_keys.append(
                DemoKey(
                    self.keys_dir / name,
                    rec.key_id,
                    rec.holder,
                    rec.authority,
                    rec.authority_kind,
                    rec.role,
                    rec.status,
                )
            )
        return DemoLedger(
            root_fingerprint=fingerprint,
            keys_dir=self.keys_dir,
            recorder_key=self.keys_dir / "discipline.pem",
            keys=tuple(demo_keys),
            units=tuple(self.units),
            cadres=tuple(self.cadres),
            cases=tuple(self.cases),
            as_of=self.now,
        )

    # units and cadres (recorded by the organisation department) -----------------------
    def registry(self) -> None:
        app = self.app
        # Regions (GB/T 2260): 宁乡 (430124 宁乡县, 430182 宁乡市 from the 201711 list), 芙蓉区,
        # the city itself.
        units = (
            (
                "CS-XG-GOV",
                "长沙市某县人民政府",
                UnitKind.ADMINISTRATIVE,
                AdminLevel.COUNTY,
                "430124",
            ),
            ("CS-XF", "长沙市某区信访局", UnitKind.ADMINISTRATIVE, AdminLevel.COUNTY, "430102"),
            ("CS-YY-HOSP", "长沙市某医院", UnitKind.PUBLIC_INSTITUTION, AdminLevel.CITY, "430100"),
            (
                "CS-HT-TOWN",
                "长沙市某县某镇人民政府",
                UnitKind.ADMINISTRATIVE,
                AdminLevel.TOWNSHIP,
                "430182",
            ),
        )
        for code, name, kind, level, region in units:
            app.add_unit(code, name, kind, level, region)
            self.units.append(code)
        cadres = (
            ("P1001", "赵建国", "CS-XG-GOV", "县长", D(2016, 12, 28)),
            ("P1002", "钱立新", "CS-XG-GOV", "常务副县长", D(2017, 3, 6)),
            ("P1003", "孙海燕", "CS-XG-GOV", "副县长", D(2018, 1, 15)),
            ("P1004", "李文博", "CS-XG-GOV", "副县长", D(2018, 1, 15)),
            ("P1005", "周志强", "CS-XG-GOV", "副县长", D(2019, 9, 2)),
            ("P2001", "吴晓东", "CS-XF", "办信科科长", D(2020, 4, 1)),
            ("P3001", "冯明", "CS-YY-HOSP", "副院长", D(2012, 7, 1)),
            ("P4001", "陈刚", "CS-HT-TOWN", "镇长", D(2021, 11, 8)),
        )
        for no, name, unit, post, since in cadres:
            # Art. 6: the county's leaders are managed by the city (市管); others as their unit.
            managed = CHANGSHA if unit == "CS-XG-GOV" else None
            app.add_cadre(no, name, unit, post, since, managed)
            self.cadres.append(no)
        # Art. 8: the leader in charge has moved on; the 2020 case still reaches him.
        app.move_cadre("P1002", "CS-XF", "局长", D(2021, 3, 1))
        app.retire_cadre("P3001", D(2019, 12, 31))

    # the cases (recorded by the discipline organ) --------------------------------------
    def document(
        self, number: str, on: dt.date, facts: str, measures: Measures, effective: dt.date
    ) -> DecisionDocument:
        return DecisionDocument(
            number=number,
            decided_on=on,
            facts=facts,
            basis="《湖南省信访工作责任追究办法》第四条、第五条、第七条",
            measures=measures,
            approving_authority="中共长沙市委",
            effective_date=effective,
            appeal_authority=DISCIPLINE,
        )

    def team_case(self) -> None:
        """Art. 5 team decision with an overruled objector and an absent member."""
        app, no = self.app, "CS-2021-007"
        app.open_case(
            no,
            incident_date=D(2020, 8, 12),
            grounds=[1],
            facts="县政府常务会议违反征地补偿政策作出强制征收决定，引发200余人群体性上访",
            opened_on=D(2021, 5, 10),
            results=[ResultElement.MASS_INCIDENT],
        )
        self.cases.append(no)
        app.record_objection(
            no, "P1004", D(2020, 8, 5), "在县政府常务会议上明确反对该征收方案，会议记录在案"
        )
        app.assign_team(
            no,
            "CS-XG-GOV",
            [
                TeamMember("P1001", TeamRole.PRINCIPAL_HEAD),
                TeamMember("P1002", TeamRole.LEADER_IN_CHARGE),
                TeamMember("P1003", TeamRole.MEMBER),
                TeamMember("P1004", TeamRole.MEMBER),
                TeamMember("P1005", TeamRole.MEMBER, participated=False),
            ],
            D(2021, 6, 1),
        )
        heard = D(2021, 6, 15)
        app.hear(no, UNIT, "CS-XG-GOV", heard, "县政府领导班子书面说明决策经过，承认程序违规")
        for p in ("P1001", "P1002", "P1003"):
            app.hear(no, PERSON, p, heard, "本人到场陈述并提交书面申辩材料")
        # Art. 5: P1003's objection first comes to light at the hearing; the minutes confirm it.
        app.record_objection(
            no,
            "P1003",
            heard,
            "申辩时提出曾在常务会议上明确反对，会议记录第3页可证",
            at_hearing=True,
        )
        app.correct_finding(
            no,
            PERSON,
            "P1003",
            Responsibility.NONE,
            D(2021, 6, 20),
            "经核查会议记录，孙海燕曾明确提出反对意见但未被采纳，依第五条不承担领导责任",
        )
        decided, facts = D(2021, 7, 1), "违反政策作出征收决定，引发群体性上访，情节较重"
        decisions = (
            (UNIT, "CS-XG-GOV", "长纪责〔2021〕12号",
             Measures((Measure.CIRCULATED_CRITICISM,), Severity.SERIOUS)),
            (PERSON, "P1001", "长纪责〔2021〕13号", Measures((Measure.TRANSFER,))),
            (PERSON, "P1002", "长纪责〔2021〕14号",
             Measures((Measure.ADMONITION_TALK, Measure.DISCIPLINARY_SANCTION), None,
                      "党内警告")),
        )  # fmt: skip
        for party_type, code, number, measures in decisions:
            app.decide(no, party_type, code, self.document(number, decided, facts, measures,
                                                           decided))  # fmt: skip
            app.receive(no, party_type, code, D(2021, 7, 5))
            app.announce(no, party_type, code, D(2021, 7, 9), "县政府领导班子及本人所在单位")
            if party_type is PERSON:
                app.enter_in_file(
                    no, code, D(2021, 7, 16), f"干部档案〔2021〕{code}", "长沙市委组织部干部档案室"
                )
        app.close_case(no, D(2021, 9, 1), "决定均已宣布并归档，无申诉，结案")

    def pre_2016_case(self) -> None:
        """An incident before 2016-06-23: recorded, outside Art. 8 lifetime accountability."""
        app, no = self.app, "CS-2016-003"
        app.open_case(
            no,
            incident_date=D(2015, 11, 20),
            grounds=[12],
            facts="医疗纠纷信访事项交办后逾期未办结，信访人多次到省上访",
            opened_on=D(2016, 9, 5),
            results=[ResultElement.ADVERSE_IMPACT],
        )
        self.cases.append(no)
        app.assign(no, PERSON, "P3001", Responsibility.DIRECT, D(2016, 9, 12))
        app.hear(no, PERSON, "P3001", D(2016, 9, 26), "承认办理拖延，说明系人手不足")
        app.decide(no, PERSON, "P3001", self.document(
            "长纪责〔2016〕3号", D(2016, 10, 10), "信访事项逾期未办结，造成不良影响",
            Measures((Measure.ADMONITION_TALK,)), D(2016, 10, 10)))  # fmt: skip
        app.receive(no, PERSON, "P3001", D(2016, 10, 12))
        app.announce(no, PERSON, "P3001", D(2016, 10, 14), "本人及长沙市某医院")
        app.enter_in_file(no, "P3001", D(2016, 10, 20), "干部档案〔2016〕P3001",
                          "长沙市卫生健康委人事科")  # fmt: skip
        app.close_case(no, D(2016, 11, 1), "诫勉谈话已执行，结案")

    def appeal_case(self) -> None:
        """An individual case with a written appeal decided by modification (Art. 12)."""
        app, no = self.app, "CS-2023-015"
        app.open_case(
            no,
            incident_date=D(2023, 3, 14),
            grounds=[11],
            facts="办理拖欠农民工工资信访事项时推诿扯皮，致信访人到市委集体上访",
            opened_on=D(2023, 4, 3),
            results=[ResultElement.CONFLICT_INTENSIFIED, ResultElement.ADVERSE_IMPACT],
        )
        self.cases.append(no)
        app.assign(no, PERSON, "P2001", Responsibility.DIRECT, D(2023, 4, 10))
        app.hear(
            no, PERSON, "P2001", D(2023, 4, 20), "称已多次协调用人单位，未能及时答复系客观原因"
        )
        app.decide(no, PERSON, "P2001", self.document(
            "长纪责〔2023〕15号", D(2023, 5, 8), "推诿扯皮导致矛盾激化，造成不良影响",
            Measures((Measure.TRANSFER, Measure.DISCIPLINARY_SANCTION), None, "党内警告"),
            D(2023, 5, 8)))  # fmt: skip
        app.receive(no, PERSON, "P2001", D(2023, 5, 10))
        app.announce(no, PERSON, "P2001", D(2023, 5, 12), "本人及长沙市某区信访局")
        app.enter_in_file(
            no, "P2001", D(2023, 5, 15), "干部档案〔2023〕P2001", "长沙市某区委组织部"
        )
        app.appeal(no, PERSON, "P2001", D(2023, 5, 19), "事后积极协调解决欠薪，请求撤销纪律处分")
        app.decide_appeal(
            no, PERSON, "P2001", D(2023, 6, 9), AppealOutcome.MODIFIED,
            "申诉人事后积极协调，欠薪已全部兑付；纪律处分不当，变更为调离岗位",
            Measures((Measure.TRANSFER,)),
        )  # fmt: skip
        app.notify_appeal_decision(no, PERSON, "P2001", D(2023, 6, 12), "本人及长沙市某区信访局")
        app.close_case(no, D(2023, 6, 20), "申诉已处理，决定已执行，结案")
        # New facts: a second petitioner's complaint shows the same delay. Reopened, signed,
        # with its reason; the timeline shows it.
        app.reopen_case(no, D(2023, 9, 4), "新的信访件反映同一推诿问题，需补充调查")
        app.refer(no, PERSON, "P2001", D(2023, 9, 20), "长沙市某区人民检察院",
                  "补充调查发现涉嫌玩忽职守，移送司法机关")  # fmt: skip
        app.close_case(no, D(2023, 9, 25), "补充调查完毕，已移送司法机关，再次结案")

    def recent_case(self) -> None:
        """Dated relative to today, so its Art. 11 and Art. 12 periods are still running."""
        app, now = self.app, self.now

        def ago(days: int) -> dt.date:
            return now - dt.timedelta(days=days)

        no = f"CS-{ago(45).year}-021"
        app.open_case(
            no,
            incident_date=ago(75),
            grounds=[13],
            facts="集体上访发生后镇主要负责人未到现场处置，群众滞留镇政府门前一天",
            opened_on=ago(45),
            results=[ResultElement.ADVERSE_IMPACT],
        )
        self.cases.append(no)
        app.assign(no, UNIT, "CS-HT-TOWN", Responsibility.COLLECTIVE, ago(40))
        app.assign(no, PERSON, "P4001", Responsibility.PRIMARY_LEADERSHIP, ago(40))
        app.hear(no, UNIT, "CS-HT-TOWN", ago(30), "镇政府书面说明当日处置经过")
        app.hear(no, PERSON, "P4001", ago(30), "称当日在外参加会议，已安排副镇长到场")
        facts = "应当到现场处置而未到现场处置，造成不良影响，情节较轻"
        app.decide(no, UNIT, "CS-HT-TOWN", self.document(
            f"长纪责〔{ago(12).year}〕21号", ago(12), facts,
            Measures((Measure.WRITTEN_SELF_CRITICISM,), Severity.MINOR), ago(12)))  # fmt: skip
        app.decide(no, PERSON, "P4001", self.document(
            f"长纪责〔{ago(12).year}〕22号", ago(12), facts,
            Measures((Measure.ADMONITION_TALK,)), ago(12)))  # fmt: skip
        app.receive(no, PERSON, "P4001", ago(6))
