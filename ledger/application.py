"""The one way to write to the ledger.

Every command loads the aggregate, checks the signer's key (registered, not rotated or revoked,
and authorised for the action: Art. 6), lets the aggregate check the Measures' rules, and
saves the new events signed by the signer. A refused command raises before anything is
written. Library errors are translated here, at the boundary, into the ledger's own errors.

For bulk writes (``lifeledger import``) :meth:`LedgerApplication.batch` opens a unit of work,
:class:`Batch`: the same commands, with the same checks, run against aggregates kept in memory,
and many commands' events are saved in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from uuid import UUID

from ledger.domain import ids
from ledger.domain.authority import Context, Jurisdiction
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.case_rules import TeamMember
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.divisions import hunan
from ledger.domain.regulation import (
    AdminLevel,
    AppealOutcome,
    PartyType,
    Responsibility,
    ResultElement,
    UnitKind,
)
from ledger.domain.report import RegionalReport
from ledger.domain.unit import Unit
from ledger.i18n import N_, _
from ledger.inputs import check_past, require, today
from ledger.signed_application import SignedApplication

__all__ = ["LedgerApplication", "today"]


class LedgerApplication(SignedApplication):
    """Records accountability actions as signed events; the only write path."""

    #: The library names tables and settings after the application class unless told: the
    #: stored names (PostgreSQL ``lifeledger_events``, ``LIFELEDGER_*`` settings) keep this one.
    name = "LifeLedger"

    # Art. 14: the regional annual report ----------------------------------------------
    def report_region(self, region: str, year: int, reported_to: str, on: dt.date) -> None:
        """Record the petition work agency's written annual report on its region (Art. 14)."""
        rec = self._record_signer()
        check_past(on)
        report = RegionalReport.make(
            region, year, rec.authority, reported_to, on, self.context(rec)
        )
        self._create(
            report,
            _("the {year} report on region {region} is already recorded").format(
                year=year, region=region
            ),
        )

    def circulate_report(self, region: str, year: int, on: dt.date, scope: str) -> None:
        """Record the 通报 of a regional annual report (Art. 14)."""
        ctx = self.context(self._record_signer())
        check_past(on)
        self._update(
            RegionalReport,
            ids.report_id(region, year),
            lambda r: r.circulate(on, scope, ctx),
            _("no {year} report on region {region} is recorded").format(year=year, region=region),
        )

    # units and cadres -------------------------------------------------------------------
    def add_unit(
        self, code: str, name: str, kind: UnitKind, level: AdminLevel, region: str | None = None
    ) -> UUID:
        self._authorise(N_("register units"))
        require(code=code, name=name)
        code = self._new_id("unit", "unit code", code)
        if region is not None:
            hunan().check(region)
            unit = Unit(code=code, name=name, kind=kind.value, level=level.value, region=region)
        else:  # a unit without a region records no region field (as before regions existed)
            unit = Unit(code=code, name=name, kind=kind.value, level=level.value)
        self._create(unit, _("unit {code} is already registered").format(code=code))
        self._lookalikes.add("unit", code)
        return unit.id

    def add_cadre(
        self,
        personnel_no: str,
        name: str,
        unit_code: str,
        post: str,
        since: dt.date,
        managed: Jurisdiction | None = None,
    ) -> UUID:
        """Register a cadre; ``managed`` states the level and region of the party committee
        that manages them (Art. 6 干部管理权限), else they are managed as their unit."""
        self._authorise(N_("register cadres"))
        require(personnel_no=personnel_no, name=name, post=post)
        personnel_no = self._new_id("cadre", "personnel number", personnel_no)
        check_past(since)
        self.unit(unit_code)
        extra: dict[str, str] = {}
        if managed is not None:
            hunan().check(managed.region)
            extra = {"managed_level": managed.level.value, "managed_region": managed.region}
        cadre = Cadre(
            personnel_no=personnel_no,
            name=name,
            unit_code=unit_code,
            post=post,
            since=since,
            **extra,
        )
        self._create(
            cadre, _("cadre {personnel_no} is already registered").format(personnel_no=personnel_no)
        )
        self._lookalikes.add("cadre", personnel_no)
        return cadre.id

    def move_cadre(
        self,
        personnel_no: str,
        unit_code: str,
        post: str,
        on: dt.date,
        managed: Jurisdiction | None = None,
    ) -> None:
        self._authorise(N_("record appointments"))
        require(post=post)
        check_past(on)
        self.unit(unit_code)
        if managed is not None:
            hunan().check(managed.region)
        level = managed.level.value if managed else None
        region = managed.region if managed else None
        self._update(
            Cadre,
            ids.cadre_id(personnel_no),
            lambda c: c.move(unit_code, post, on, level, region),
            _("no cadre with personnel number {personnel_no}").format(personnel_no=personnel_no),
        )

    def retire_cadre(self, personnel_no: str, on: dt.date) -> None:
        self._authorise(N_("record retirements"))
        check_past(on)
        self._update(
            Cadre,
            ids.cadre_id(personnel_no),
            lambda c: c.retire(on),
            _("no cadre with personnel number {personnel_no}").format(personnel_no=personnel_no),
        )

    # the case lifecycle -----------------------------------------------------------------
    def open_case(
        self,
        case_no: str,
        incident_date: dt.date,
        grounds: Sequence[int],
        facts: str,
        opened_on: dt.date,
        results: Mapping[int, Sequence[ResultElement]] | Sequence[ResultElement] = (),
        other_regulation: str = "",
    ) -> UUID:
        """Art. 4: open a case on its grounds, with the results each ground names."""
        rec = self._authorise(N_("open accountability cases"))
        case_no = self._new_id("case", "case number", case_no)
        check_past(incident_date, opened_on)
        case = AccountabilityCase.open(
            case_no=case_no,
            incident_date=incident_date,
            grounds=grounds,
            facts=facts,
            opening_authority=rec.authority,
            opened_on=opened_on,
            results=results,
            other_regulation=other_regulation,
            ctx=self.context(rec),
        )
        self._create(case, _("case {case_no} is already open").format(case_no=case_no))
        self._lookalikes.add("case", case_no)
        return case.id

    def assign(
        self,
        case_no: str,
        party_type: PartyType,
        code: str,
        responsibility: Responsibility,
        on: dt.date,
        individual_decision: bool = False,
    ) -> None:
        ctx = self._case_context(N_("assign responsibility"), on)
        self._check_party_exists(party_type, code)
        self._update_case(
            case_no,
            lambda c: c.assign(party_type, code, responsibility, on, individual_decision, ctx),
        )

    def record_objection(
        self, case_no: str, personnel_no: str, on: dt.date, text: str, at_hearing: bool = False
    ) -> None:
        """Art. 5: an overruled objection, recorded whenever it comes to light."""
        ctx = self._case_context(N_("record objections"), on)
        self.cadre(personnel_no)
        self._update_case(
            case_no, lambda c: c.record_objection(personnel_no, on, text, at_hearing, ctx)
        )

    def correct_finding(
        self,
        case_no: str,
        party_type: PartyType,
        code: str,
        responsibility: Responsibility,
        on: dt.date,
        reason: str,
    ) -> None:
        """Art. 5: correct a responsibility finding by a signed event naming the reason."""
        ctx = self._case_context(N_("correct findings"), on)
        self._update_case(
            case_no, lambda c: c.correct_finding(party_type, code, responsibility, on, reason, ctx)
        )

    def assign_team(
        self, case_no: str, unit_code: str, members: Sequence[TeamMember], on: dt.date
    ) -> None:
        ctx = self._case_context(N_("assign responsibility"), on)
        self.unit(unit_code)
        for m in members:
            self.cadre(m.personnel_no)
        self._update_case(case_no, lambda c: c.assign_team(unit_code, members, on, ctx))

    def hear(
        self, case_no: str, party_type: PartyType, code: str, on: dt.date, statement: str
    ) -> None:
        ctx = self._case_context(N_("hear statements and defences"), on)
        self._update_case(case_no, lambda c: c.hear(party_type, code, on, statement, ctx))

    def decide(
        self, case_no: str, party_type: PartyType, code: str, document: DecisionDocument
    ) -> None:
        ctx = self._case_context(N_("issue decisions"), document.decided_on)
        self._update_case(
            case_no, lambda c: c.decide(party_type, code, document, ctx.authority, ctx)
        )

    def announce(
        self,
        case_no: str,
        party_type: PartyType,
        code: str,
        on: dt.date,
        to: str,
        told: Sequence[str] | None = None,
    ) -> None:
        """Art. 11: ``told`` names who was told (``person``, ``unit``); by default both for a
        person and the unit for a unit, as Art. 11 requires."""
        ctx = self._case_context(N_("announce decisions"), on)
        self._update_case(case_no, lambda c: c.announce(party_type, code, on, to, told, ctx))

    def enter_in_file(
        self, case_no: str, personnel_no: str, on: dt.date, file_ref: str, custodian: str
    ) -> None:
        ctx = self._case_context(N_("enter decisions in personnel files"), on)
        self._update_case(
            case_no, lambda c: c.enter_in_file(personnel_no, on, file_ref, custodian, ctx)
        )

    def receive(self, case_no: str, party_type: PartyType, code: str, on: dt.date) -> None:
        ctx = self._case_context(N_("record receipt of decisions"), on)
        self._update_case(case_no, lambda c: c.receive(party_type, code, on, ctx))

    def appeal(
        self, case_no: str, party_type: PartyType, code: str, on: dt.date, text: str
    ) -> None:
        ctx = self._case_context(N_("record appeals"), on)
        self._update_case(case_no, lambda c: c.appeal(party_type, code, on, text, ctx))

    def decide_appeal(
        self,
        case_no: str,
        party_type: PartyType,
        code: str,
        on: dt.date,
        outcome: AppealOutcome,
        reason: str,
        measures: Measures | None = None,
    ) -> None:
        ctx = self._case_context(N_("decide appeals"), on)
        self._update_case(
            case_no,
            lambda c: c.decide_appeal(
                party_type, code, on, outcome, reason, ctx.authority, measures, ctx
            ),
        )

    def notify_appeal_decision(
        self,
        case_no: str,
        party_type: PartyType,
        code: str,
        on: dt.date,
        to: str,
        told: Sequence[str] | None = None,
    ) -> None:
        """Art. 12: the written notice of the appeal decision (书面形式告知)."""
        ctx = self._case_context(N_("notify appeal decisions"), on)
        self._update_case(
            case_no, lambda c: c.notify_appeal_decision(party_type, code, on, to, told, ctx)
        )

    def refer(
        self, case_no: str, party_type: PartyType, code: str, on: dt.date, organ: str, reason: str
    ) -> None:
        ctx = self._case_context(N_("refer cases to judicial organs"), on)
        self._update_case(case_no, lambda c: c.refer(party_type, code, on, organ, reason, ctx))

    def close_case(self, case_no: str, on: dt.date, summary: str) -> None:
        ctx = self._case_context(N_("close cases"), on)
        self._update_case(case_no, lambda c: c.close(on, summary, ctx))

    def reopen_case(self, case_no: str, on: dt.date, reason: str) -> None:
        """Reopen a closed case by a signed event stating the reason."""
        ctx = self._case_context(N_("reopen cases"), on)
        self._update_case(case_no, lambda c: c.reopen(on, reason, ctx))

    def _case_context(self, action: str, *days: dt.date) -> Context:
        rec = self._authorise(action)
        check_past(*days)
        return self.context(rec)
