"""Shared scenario builders for the ledger-core tests (issue 2).

They drive the one write path, :class:`~ledger.application.LedgerApplication`, as an official
would: open a case, name who is responsible, hear them, decide. Every date is in the past
(future business dates are refused by design) and every legal-period date the tests rely on
was checked with :mod:`ledger.domain.periods` and the ``holidays`` calendar (0.109):

* decision Mon 2024-04-15 → announcement due Wed 2024-05-15 (a working day, Art. 11);
* receipt Mon 2025-03-03 → appeal due Tue 2025-03-18 (a working day, Art. 12);
* receipt Fri 2025-03-07 → day 15 is Sat 2025-03-22 → appeal due Mon 2025-03-24;
* receipt Tue 2025-01-14 → day 15 is Wed 2025-01-29 (Spring Festival; the rest run ends
  Tue 2025-02-04) → appeal due Wed 2025-02-05;
* appeal Tue 2025-03-18 → appeal decision due Thu 2025-04-17 (Art. 12).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from ledger.application import LedgerApplication
from ledger.domain import ids
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import Measure, PartyType, Responsibility, ResultElement, Severity
from ledger.errors import LedgerError

D = dt.date
PERSON = PartyType.PERSON
UNIT = PartyType.UNIT

CASE = "长纪案〔2024〕1号"
UNIT_CODE = "CS-XF"  # registered by the ``app`` fixture, with cadres P001, P002, P003
INCIDENT = D(2024, 3, 1)
OPENED = D(2024, 4, 1)
ASSIGNED = D(2024, 4, 2)
HEARD = D(2024, 4, 10)
DECIDED = D(2024, 4, 15)  # Mon
ANNOUNCE_DUE = D(2024, 5, 15)  # Wed: period_end(DECIDED, 30), a working day

#: The authority of the discipline-organ key the ``app`` fixture signs with.
DISCIPLINE_AUTHORITY = "长沙市纪委监委"
FACTS = "对群众反映的征地补偿信访事项逾期未办结，引发重复越级上访，造成不良影响。"


def person_measures(*measures: Measure, sanction: str = "") -> Measures:
    """Art. 7 para. 2: measures for a person, 诫勉谈话 unless others are named."""
    return Measures(measures or (Measure.ADMONITION_TALK,), sanction=sanction)


def unit_measures(severity: Severity = Severity.MINOR) -> Measures:
    """Art. 7 para. 1: the one measure the circumstances call for."""
    by_severity = {
        Severity.MINOR: Measure.WRITTEN_SELF_CRITICISM,
        Severity.SERIOUS: Measure.CIRCULATED_CRITICISM,
        Severity.GRAVE: Measure.TEAM_ADJUSTMENT,
    }
    return Measures((by_severity[severity],), severity=severity)


def document(
    decided_on: dt.date = DECIDED, measures: Measures | None = None, **changes: Any
) -> DecisionDocument:
    """A complete 《责任追究决定书》 (Art. 10); ``changes`` replace single fields."""
    complete = DecisionDocument(
        number="长纪决〔2024〕7号",
        decided_on=decided_on,
        facts=FACTS,
        basis="《湖南省信访工作责任追究办法》第四条第（十二）项、第七条",
        measures=measures or person_measures(),
        approving_authority="中共长沙市纪委常委会",
        effective_date=decided_on,
        appeal_authority=DISCIPLINE_AUTHORITY,
    )
    return dataclasses.replace(complete, **changes)


def open_case(
    app: LedgerApplication,
    case_no: str = CASE,
    *,
    incident: dt.date = INCIDENT,
    grounds: tuple[int, ...] = (12,),
    results: Sequence[ResultElement] | Mapping[int, Sequence[ResultElement]] = (
        ResultElement.ADVERSE_IMPACT,
    ),
    opened_on: dt.date = OPENED,
    other_regulation: str = "",
) -> None:
    """Open a case on Art. 4 item (十二) with 造成不良影响 unless told otherwise."""
    app.open_case(
        case_no,
        incident,
        grounds,
        FACTS,
        opened_on,
        results=results,
        other_regulation=other_regulation,
    )


def default_responsibility(party_type: PartyType) -> Responsibility:
    return Responsibility.COLLECTIVE if party_type is UNIT else Responsibility.DIRECT


def bring_to_hearing(
    app: LedgerApplication,
    case_no: str = CASE,
    party_type: PartyType = PERSON,
    code: str = "P001",
    responsibility: Responsibility | None = None,
    *,
    assigned_on: dt.date = ASSIGNED,
    heard_on: dt.date = HEARD,
) -> None:
    """Name the party's responsibility (Art. 5) and hear its defence (Art. 9)."""
    app.assign(
        case_no, party_type, code, responsibility or default_responsibility(party_type),
        assigned_on,
    )  # fmt: skip
    app.hear(case_no, party_type, code, heard_on, "当事人作了说明和申辩。")


def bring_to_decision(
    app: LedgerApplication,
    case_no: str = CASE,
    party_type: PartyType = PERSON,
    code: str = "P001",
    responsibility: Responsibility | None = None,
    *,
    decided_on: dt.date = DECIDED,
    measures: Measures | None = None,
) -> DecisionDocument:
    """Assign, hear and decide for one party of an open case; returns the document."""
    bring_to_hearing(app, case_no, party_type, code, responsibility)
    doc = document(
        decided_on, measures or (unit_measures() if party_type is UNIT else person_measures())
    )
    app.decide(case_no, party_type, code, doc)
    return doc


def decided_case(
    app: LedgerApplication,
    case_no: str = CASE,
    party_type: PartyType = PERSON,
    code: str = "P001",
    *,
    decided_on: dt.date = DECIDED,
) -> DecisionDocument:
    """A case opened and one party brought to a decision."""
    open_case(app, case_no)
    return bring_to_decision(app, case_no, party_type, code, decided_on=decided_on)


def received_case(
    app: LedgerApplication, received_on: dt.date, *, decided_on: dt.date | None = None
) -> None:
    """A decision for P001 announced on the day it was made and received on ``received_on``."""
    decided = decided_on or received_on
    decided_case(app, decided_on=decided)
    app.announce(CASE, PERSON, "P001", decided, "王局长本人及长沙市某区信访局")
    app.receive(CASE, PERSON, "P001", received_on)


def case_events(app: LedgerApplication, case_no: str = CASE) -> list[Any]:
    """The case's events as read back (each one's signature checked by the mapper)."""
    return list(app.repository.event_store.get(ids.case_id(case_no)))


def last_event(app: LedgerApplication, name: str, case_no: str = CASE) -> Any:
    """The latest event of the case whose class is called ``name``."""
    matching = [e for e in case_events(app, case_no) if type(e).__name__ == name]
    assert matching, f"no {name} event in case {case_no}"
    return matching[-1]


@contextmanager
def refused(
    app: LedgerApplication, error: type[LedgerError], article: str | None
) -> Iterator[pytest.ExceptionInfo[LedgerError]]:
    """The command in the block is refused with exactly ``error``, naming ``article`` as
    "(Art. N: rule)" in its message, and nothing at all is written to the ledger."""
    before = app.recorder.max_notification_id()
    with pytest.raises(LedgerError) as info:
        yield info
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    if article is not None:
        assert f"({article}:" in str(info.value), str(info.value)
    assert app.recorder.max_notification_id() == before, "a refused command wrote an event"
