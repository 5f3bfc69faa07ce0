from __future__ import annotations

import datetime as dt

from ledger.domain import ids
from ledger.domain.case_state import party_key
from ledger.domain.regulation import (
    Responsibility,
)
from ledger.errors import NotFoundError
from ledger.i18n import _
from ledger.transparency.person_record import PersonRecord
from projections import labels
from projections.annual import in_year, party_days
from projections.models import (
    CadreHistory,
    HistoryEntry,
    Post,
)
from projections.reader import ReaderBase
from projections.replay import career, decode, state
from projections.signature_checks import Signatures
from projections.values import (
    date,
    day,
    grounds,
    in_force_from,
    party_value,
    post_on,
)


class CadreReads(ReaderBase):
    """The cadre history question (``lifeledger cadre history``)."""

    # cadres ---------------------------------------------------------------------------------
    def cadre_history(
        self,
        personnel_no: str,
        year: int | None,
        record: PersonRecord,
        today: dt.date | None = None,
        signatures: Signatures | None = None,
    ) -> CadreHistory:
        """The person's record from the events the person index proved complete: the cadre's
        own events and the cases those events belong to (Art. 8). ``signatures``: the checks
        this read already made (of the events the index pointed at, by their exact bytes)."""
        if signatures is not None:
            self.trust.signatures = signatures
        own = [(e.notification_id, e.topic, e.state) for e in record.cadre_events]
        if not own:
            if record.complete_as_of is not None:
                why = _(
                    "no event names this number as of checkpoint {complete_as_of} "
                    "(proven absent from the person index), nor any of the {later} "
                    "events after it"
                ).format(complete_as_of=record.complete_as_of, later=record.later)
            else:
                why = _("none of the {later} events of the log names this number").format(
                    later=record.later
                )
            raise NotFoundError(
                _("no cadre with personnel number {personnel_no}: {why}").format(
                    personnel_no=personnel_no, why=why
                )
            )
        # The units the cadre's events name, to read their names in the same pass: nothing is
        # shown from these events before that pass checks them.
        cadre_ids = list(dict.fromkeys(e.originator_id for e in record.cadre_events))
        unit_ids = {
            ids.unit_id(p["unit_code"]): p["unit_code"] for p in career(decode(own, self.unwrap))[0]
        }
        # Every event of the cadre, of those units and of the cases the index named, checked in
        # one pass (signature over the stored bytes, key valid at its position, versions): the
        # person index proved which events, this proves what they say.
        checked = self.checked([*cadre_ids, *unit_ids, *record.case_ids])
        self._same_events(checked, record)
        cadre_events = [
            e
            for oid in cadre_ids
            for e in self.case_checked(
                checked, oid, _("cadre {personnel_no}").format(personnel_no=personnel_no)
            )
        ]
        name = str(cadre_events[0].payload.get("name", ""))
        post_rows, retired = career(cadre_events)
        retired_on = day(retired)
        units = self._names(checked, "unit", unit_ids)
        posts = tuple(
            Post(
                unit_code=p["unit_code"],
                unit_name=units.get(p["unit_code"], ""),
                title=p["title"],
                start=date(p["start"]),
                end=day(p["until"]),
                ended_by_retirement=retired_on is not None and i == len(post_rows) - 1,
            )
            for i, p in enumerate(post_rows)
        )
        current = posts[-1] if posts and retired_on is None else None
        key = party_key("person", personnel_no)
        cadre = {"name": name}
        cases = [
            state(
                self.case_checked(
                    checked,
                    oid,
                    _("a case naming {personnel_no} ({oid})").format(
                        personnel_no=personnel_no, oid=oid
                    ),
                )
            )
            for oid in record.case_ids
        ]
        history = []
        accountable = False
        for case in cases:
            assert case is not None  # a case's checked events start with its opening
            p = case.parties.get(key)
            objection = case.objections.get(personnel_no)
            if year is not None:
                if not any(in_year(d, year) for d in party_days(p, objection)):
                    continue
                accountable = accountable or any(
                    in_year(in_force_from(d), year) and not d.revoked
                    for d in (p.decisions if p else ())
                )
            incident = case.incident_date
            objected_on = objection.on if objection else None
            party = party_value(p, cadre["name"], objected_on, today) if p else None
            resp = p.responsibility if p else Responsibility.NONE.value
            history.append(
                HistoryEntry(
                    case_no=case.case_no,
                    case_status=case.status,
                    incident_date=incident,
                    opened_on=case.opened_on,
                    lifetime=case.lifetime,
                    grounds=grounds(case.grounds, case.results),
                    opening_authority=case.opening_authority,
                    responsibility=resp,
                    responsibility_label=labels.responsibility_label(resp),
                    team_role=party.team_role if party else None,
                    team_role_label=party.team_role_label if party else None,
                    team_unit=party.team_unit if party else None,
                    assigned_on=party.assigned_on if party else None,
                    objected_on=objected_on,
                    hearings=party.hearings if party else (),
                    decisions=party.decisions if party else (),
                    measures_in_force=party.measures_in_force if party else (),
                    referral=party.referral if party else None,
                    post_at_incident=post_on(posts, incident),
                    post_now=current,
                    file_entries_outstanding=tuple(
                        d.number
                        for d in (p.decisions if p else ())
                        if not d.revoked and d.announcement and not d.file_entry
                    ),
                )
            )
        history.sort(key=lambda e: (e.incident_date, e.opened_on, e.case_no))
        return CadreHistory(
            personnel_no=personnel_no,
            name=cadre["name"],
            posts=posts,
            current_post=current,
            retired_on=retired_on,
            year=year,
            entries=tuple(history),
            accountable_in_year=accountable if year is not None else None,
            complete_as_of=record.complete_as_of,
            checked_after=record.checked_later,
            appended_after=record.later,
            unindexed_checkpoints=record.unindexed_checkpoints,
            indexed_since=record.indexed_since,
        )
