"""What the views answer, as frozen values (dates are ``datetime.date``).

Every coded value comes with the regulation's Chinese label beside it (``x`` and
``x_label``), so the CLI can print either and ``dataclasses.asdict`` gives plain JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class GroundRef:
    """An Art. 4 item cited by a case, with its full text as label and the results recorded
    for it (codes, and their words in ``results_label``); none for a case that recorded one
    consequence for the whole case (see :attr:`CaseState.consequence`)."""

    number: int
    label: str
    results: tuple[str, ...] = ()
    results_label: str = ""


@dataclass(frozen=True)
class MeasureRef:
    """An Art. 7 measure."""

    code: str
    label: str


@dataclass(frozen=True)
class Post:
    """A post held from ``start`` until ``end`` (exclusive; None while held)."""

    unit_code: str
    unit_name: str
    title: str
    start: dt.date
    end: dt.date | None
    ended_by_retirement: bool = False


@dataclass(frozen=True)
class Announcement:
    """Art. 11: to whom and when the decision was announced."""

    on: dt.date
    to: str
    due: dt.date
    overdue: bool


@dataclass(frozen=True)
class FileEntry:
    """Art. 11: the materials entered in the person's personnel file (人事档案)."""

    on: dt.date
    file_ref: str
    custodian: str


@dataclass(frozen=True)
class Appeal:
    """Art. 12: a written appeal and, once decided, its outcome."""

    filed_on: dt.date
    text: str
    decision_due: dt.date
    outcome: str | None
    outcome_label: str | None
    decided_on: dt.date | None
    reason: str | None
    new_measures: tuple[MeasureRef, ...]
    overdue: bool | None

    @property
    def pending(self) -> bool:
        return self.outcome is None


@dataclass(frozen=True)
class Referral:
    """Art. 7 para. 3: referred to the judicial organs (移送司法机关)."""

    on: dt.date
    organ: str
    reason: str


@dataclass(frozen=True)
class Decision:
    """《责任追究决定书》 (Art. 10) and what became of it.

    ``measures`` are those the document imposed; ``measures_in_force`` are those that apply
    now: the same while an appeal is pending (Art. 12: an appeal does not suspend them), the
    new ones once modified, none once revoked. A revoked decision stays listed.
    """

    seq: int
    position: int
    number: str
    decided_on: dt.date
    facts: str
    basis: str
    measures: tuple[MeasureRef, ...]
    severity: str | None
    severity_label: str | None
    sanction: str
    approving_authority: str
    effective_date: dt.date | None
    #: Art. 10 生效时间: the day the measures apply from (the effective date, or the decision
    #: date for a document recorded without one); before it no measure is in force
    in_force_from: dt.date
    appeal_period_days: int
    appeal_authority: str
    deciding_authority: str
    status: str
    status_label: str
    measures_in_force: tuple[MeasureRef, ...]
    announce_due: dt.date
    announcement: Announcement | None
    file_entry: FileEntry | None
    received_on: dt.date | None
    appeal_due: dt.date | None
    appeal: Appeal | None


@dataclass(frozen=True)
class Party:
    """A unit or person found responsible in a case (Art. 5)."""

    party_type: str
    party_type_label: str
    code: str
    name: str
    responsibility: str
    responsibility_label: str
    team_role: str | None
    team_role_label: str | None
    team_unit: str | None
    individual_decision: bool
    assigned_on: dt.date
    objected_on: dt.date | None
    hearings: tuple[dt.date, ...]
    decisions: tuple[Decision, ...]
    decision: Decision | None
    measures_in_force: tuple[MeasureRef, ...]
    referral: Referral | None


@dataclass(frozen=True)
class Objection:
    """Art. 5 para. 3: an explicit objection that was overruled (no leadership responsibility)."""

    personnel_no: str
    on: dt.date
    text: str


@dataclass(frozen=True)
class CaseSummary:
    case_no: str
    incident_date: dt.date
    opened_on: dt.date
    opening_authority: str
    status: str
    status_label: str
    lifetime: bool
    grounds: tuple[int, ...]
    parties: int
    next_due: dt.date | None


@dataclass(frozen=True)
class CaseState:
    """One case as the log says it stands now."""

    case_no: str
    incident_date: dt.date
    opened_on: dt.date
    grounds: tuple[GroundRef, ...]
    other_regulation: str
    facts: str
    #: the one consequence of a case opened before results were recorded per ground
    consequence: str | None
    consequence_label: str | None
    lifetime: bool
    status: str
    status_label: str
    closed_on: dt.date | None
    close_summary: str | None
    opening_authority: str
    parties: tuple[Party, ...]
    objections: tuple[Objection, ...]
    next_due: dt.date | None
    next_due_step: str | None
    position: int


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a case: when it happened (business date) and when it was recorded."""

    position: int
    business_date: dt.date
    recorded_at: dt.datetime
    event: str
    event_label: str
    party_type: str | None
    party_code: str | None
    key_id: str
    key_holder: str
    key_status_then: str
    key_status_now: str
    summary: str
    #: The recorded time's Asia/Shanghai calendar day (ledger.domain.recorded_time).
    recorded_on: dt.date
    #: Days from the business date to the recorded date, when recorded late (else None).
    days_recorded_late: int | None
    #: For a step with a legal due date (Art. 11, 12) recorded after it: days from the due
    #: date to the recorded date, the time the ledger showed it overdue (else None).
    days_overdue_on_record: int | None
    #: Its signed time is earlier than an event before it in the case (a clock set back):
    #: ``recorded_on`` counts the latest time before it (projections.lateness).
    clock_behind: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    """One case in a cadre's lifetime history (Art. 8, 11), with the post held at the
    incident date and now."""

    case_no: str
    case_status: str
    incident_date: dt.date
    opened_on: dt.date
    lifetime: bool
    grounds: tuple[GroundRef, ...]
    opening_authority: str
    responsibility: str
    responsibility_label: str
    team_role: str | None
    team_role_label: str | None
    team_unit: str | None
    assigned_on: dt.date | None
    objected_on: dt.date | None
    hearings: tuple[dt.date, ...]
    decisions: tuple[Decision, ...]
    measures_in_force: tuple[MeasureRef, ...]
    referral: Referral | None
    post_at_incident: Post | None
    post_now: Post | None
    #: Art. 11: decisions announced and in force whose personnel-file entry is not yet
    #: recorded (owed by the organisation department that manages the cadre)
    file_entries_outstanding: tuple[str, ...] = ()


@dataclass(frozen=True)
class CadreHistory:
    """A person's whole accountability record, across every unit and post (Art. 8).

    With ``year`` only the entries with an event in that year are listed, and
    ``accountable_in_year`` says whether a decision not revoked was made that year
    (Art. 13 para. 2: the year's annual review follows the rules).
    """

    personnel_no: str
    name: str
    posts: tuple[Post, ...]
    current_post: Post | None
    retired_on: dt.date | None
    year: int | None
    entries: tuple[HistoryEntry, ...]
    accountable_in_year: bool | None
    #: Completeness (person index): the checkpoint the entries were proven complete against
    #: (None: no checkpoint yet), and the events after it that name the person, each checked
    #: directly, of all the events appended since.
    complete_as_of: int | None = None
    checked_after: int = 0
    appended_after: int = 0
    #: Checkpoints signed before the ledger had the person index (completeness cannot be
    #: proven as of them), and the first checkpoint that carries it, when there were such.
    unindexed_checkpoints: int = 0
    indexed_since: int | None = None


@dataclass(frozen=True)
class Deadline:
    """A legal period running on a given day (Art. 11, 12)."""

    case_no: str
    party_type: str
    party_code: str
    decision_number: str
    kind: str
    kind_label: str
    article: str
    start: dt.date
    #: None for a duty the Measures set no period for (the personnel-file entry, Art. 11)
    due: dt.date | None
    status: str
    status_label: str
    days_left: int | None
    provisional: bool


@dataclass(frozen=True)
class LateStep:
    """A step done late, overdue until it was recorded, or recorded late
    (:mod:`projections.lateness`; Art. 11, 12 for the due dates)."""

    case_no: str
    party_type: str | None
    party_code: str | None
    decision_number: str | None
    event: str
    event_label: str
    article: str | None
    business_date: dt.date
    due: dt.date | None
    recorded_at: dt.datetime
    recorded_on: dt.date
    days_done_late: int | None
    days_overdue_on_record: int | None
    days_recorded_late: int | None
    status: str
    status_label: str
    #: Its signed time is earlier than an event before it in the case (see TimelineEntry).
    clock_behind: bool = False


@dataclass(frozen=True)
class RatingReason:
    case_no: str
    decision_number: str
    decided_on: dt.date
    measures_in_force: tuple[MeasureRef, ...]
    status: str
    status_label: str


@dataclass(frozen=True)
class CaseCompleteness:
    """What the case index proved about the cases a read enumerated (Art. 13, 14).

    ``complete_as_of`` is the tree size of the signed checkpoint the read's case set was
    checked against (None: no checkpoint carries the case index, so completeness is not
    provable and the read models were trusted for it, as before); ``checked_after`` the
    events after it that list a case for this read, read from the log itself, of
    ``appended_after`` appended since; ``unindexed_checkpoints`` the checkpoints signed
    before the ledger had the case index, when none carries it.
    """

    complete_as_of: int | None
    checked_after: int
    appended_after: int
    unindexed_checkpoints: int = 0


@dataclass(frozen=True)
class UnitRating:
    """Art. 13: a unit held accountable in a year cannot be that year's advanced unit.

    The year of a decision is the year its measures took effect (生效时间, Art. 10); a decision
    revoked on appeal does not count (it is listed under ``not_counted``), a modified one does.
    """

    unit_code: str
    unit_name: str
    year: int
    may_be_rated_advanced: bool
    reasons: tuple[RatingReason, ...]
    not_counted: tuple[RatingReason, ...]
    rule: str
    #: Every case naming the unit was found: as of which checkpoint (the case index).
    completeness: CaseCompleteness | None = None


@dataclass(frozen=True)
class Count:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class OverdueStep:
    case_no: str
    party_type: str
    party_code: str
    kind: str
    kind_label: str
    due: dt.date
    done_on: dt.date | None


@dataclass(frozen=True)
class AnnualReport:
    """Art. 14: the year's accountability, for one authority or all.

    Each figure counts the events whose own business date falls in the year: cases by the
    opening date, findings by the finding date, decisions and their measures (in force now)
    by the decision date, appeals by filing and by decision date, referrals by their date,
    and overdue steps by their due date. ``authority`` selects cases by the authority that
    opened them.
    """

    year: int
    authority: str | None
    position: int
    cases_opened: int
    cases_closed: int
    lifetime_cases: int
    grounds: tuple[Count, ...]
    parties_by_kind: tuple[Count, ...]
    responsibility_kinds: tuple[Count, ...]
    decisions_issued: int
    decisions_revoked: int
    #: Art. 7 measures by kind, counted in the year they took effect (生效时间, Art. 10)
    measures_by_kind: tuple[Count, ...]
    appeals_filed: int
    appeal_outcomes: tuple[Count, ...]
    referrals: int
    overdue_steps: tuple[Count, ...]
    overdue: tuple[OverdueStep, ...]
    #: Art. 14 本地区: the region (GB/T 2260) whose units' and cadres' cases are counted, and
    #: the cases per division directly within it
    region: str | None = None
    region_name: str | None = None
    sub_regions: tuple[Count, ...] = ()
    #: Every case of the log was looked at: as of which checkpoint (the case index).
    completeness: CaseCompleteness | None = None


@dataclass(frozen=True)
class KeyInfo:
    """A signer key as the registry events describe it; positions are notification ids."""

    key_id: str
    holder: str
    authority: str
    authority_kind: str
    authority_kind_label: str
    role: str
    role_label: str
    status: str
    status_label: str
    registered_at: int
    ended_at: int | None
    replaced_by: str | None
    reason: str | None
