"""What a printed document says, rendered only from verified events (Art. 10, 11, 12).

A document is a sequence of blocks (:mod:`projections.documents.blocks`), each with the role
it plays in the GB/T 9704-2012 layout; :mod:`projections.documents.case_blocks` words them.
The writers (:mod:`projections.documents.word`, :mod:`projections.documents.pdf`) only lay
the blocks out; ``document verify`` renders them again and compares the texts.

The case's typed state is folded from its verified events by the domain's fold
(:func:`projections.replay.state`), stopped at the event the document is about, so a
document rendered again later at the same checkpoint says exactly the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from ledger.domain import ids
from ledger.domain.case_state import CaseState, party_key
from ledger.domain.regulation import PartyType
from ledger.errors import InvalidInputError, NotFoundError
from ledger.i18n import _
from projections.documents.blocks import Document
from projections.documents.case_blocks import (
    PartyFacts,
    appeal_blocks,
    code_blocks,
    decision_blocks,
    file_blocks,
)
from projections.documents.code import VerificationCode
from projections.documents.evidence import Evidence, EvidenceSource, VerifiedEvent
from projections.replay import CaseEvent, career, state

__all__ = ["render_case_document"]

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


def _party_facts(
    source: EvidenceSource, party_type: str, code: str, on: str, tree_size: int, bound: int
) -> PartyFacts:
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
    return PartyFacts(
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


def _state(events: Iterable[VerifiedEvent]) -> CaseState:
    case = state([CaseEvent(e.position, e.name, "", e.payload) for e in events])
    assert case is not None  # the events start with the case's opening
    return case


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
    case = _state(e for e in events if e.position <= bound)
    held = case.parties[party_key(ptype, code)]
    record = next(d for d in held.decisions if d.position == decision.position)
    facts = _party_facts(source, ptype, code, record.decided_on.isoformat(), ev.tree_size, bound)
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
    builder = {"D": decision_blocks, "F": file_blocks, "A": appeal_blocks}[kind]
    blocks = builder(case, held, record, facts)
    description = _("{document} {number} ({who} {name}, case {case_no})").format(
        document=code_.name, number=record.number, who=who, name=facts.name, case_no=number
    )
    return Document(code_, (*blocks, *code_blocks(code_)), description, later=ev.later)


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
