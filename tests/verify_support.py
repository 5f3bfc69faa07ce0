"""Builders shared by the verification, tamper, bundle and checkpoint tests (no tests here).

Ledgers are made through the application (a few realistic cases, every step of the lifecycle)
and in bulk through ``app.save(*aggregates)`` with the same aggregates and the same signing
mapper, so bulk events are as real as any. Tampering is done directly to the SQLite file with
``sqlite3``, as an attacker with access to the file would.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.domain import Aggregate

from ledger.application import LedgerApplication
from ledger.audit.verify import Check, VerificationResult
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.decision import DecisionDocument, Measures
from ledger.domain.regulation import Measure, PartyType, Responsibility, ResultElement, Severity
from ledger.signing.signatures import Signer
from ledger.storage.entries import event_leaf_hash
from ledger.storage.store import PG_EVENTS_TABLE

DECIDED = dt.date(2024, 3, 4)


def person_document(number: str, on: dt.date = DECIDED) -> DecisionDocument:
    return DecisionDocument(
        number=number,
        decided_on=on,
        facts="对群众来信推诿不办，造成越级上访",
        basis="《湖南省信访工作责任追究办法》第四条第（十一）项、第七条",
        measures=Measures((Measure.ADMONITION_TALK,)),
        approving_authority="长沙市纪委监委",
        effective_date=on,
        appeal_authority="长沙市纪委监委",
    )


def record_case(app: LedgerApplication, case_no: str, personnel_no: str = "P001") -> None:
    """A whole individual case through the application: every step signed by the recorder."""
    app.open_case(case_no, dt.date(2023, 11, 2), [11], "推诿敷衍信访事项，导致矛盾激化",
                  dt.date(2024, 1, 8),
                  [ResultElement.CONFLICT_INTENSIFIED, ResultElement.ADVERSE_IMPACT])  # fmt: skip
    app.assign(case_no, PartyType.PERSON, personnel_no, Responsibility.DIRECT, dt.date(2024, 1, 15))
    app.hear(case_no, PartyType.PERSON, personnel_no, dt.date(2024, 2, 1), "本人陈述：工作量大")
    app.decide(case_no, PartyType.PERSON, personnel_no, person_document(f"{case_no}-决"))
    app.announce(case_no, PartyType.PERSON, personnel_no, dt.date(2024, 3, 11), "本人及所在单位")
    app.enter_in_file(case_no, personnel_no, dt.date(2024, 3, 12), f"档-{case_no}", "市委组织部")
    app.receive(case_no, PartyType.PERSON, personnel_no, dt.date(2024, 3, 11))
    app.close_case(case_no, dt.date(2024, 4, 30), "责任追究完毕")


def bulk_cases(app: LedgerApplication, events: int, prefix: str = "B", per_save: int = 250) -> int:
    """Append exactly ``events`` events, mostly as unit cases (open, assign, hear, decide),
    many aggregates per transaction; returns the number of events written."""
    written = 0
    i = 0
    while written < events:
        batch: list[Aggregate] = []
        while len(batch) < per_save and written < events:
            if events - written < 5:  # fill up exactly with cadre registrations (1 event each)
                batch.append(
                    Cadre(
                        personnel_no=f"{prefix}P{i:06d}",
                        name="某干部",
                        unit_code="CS-XF",
                        post="科员",
                        since=dt.date(2015, 1, 5),
                    )
                )
                written += 1
                i += 1
                continue
            case = AccountabilityCase.open(
                case_no=f"{prefix}-{i:06d}",
                incident_date=dt.date(2023, 5, 1),
                grounds=[3],
                facts="对信访事项推诿",
                opening_authority="长沙市纪委监委",
                opened_on=dt.date(2023, 6, 1),
                results=[ResultElement.PETITION_ARISEN, ResultElement.ADVERSE_IMPACT],
            )
            case.assign(PartyType.UNIT, "CS-XF", Responsibility.COLLECTIVE, dt.date(2023, 6, 5))
            case.hear(PartyType.UNIT, "CS-XF", dt.date(2023, 6, 9), "单位说明")
            case.decide(
                PartyType.UNIT,
                "CS-XF",
                DecisionDocument(
                    number=f"{prefix}决{i}",
                    decided_on=dt.date(2023, 6, 20),
                    facts="推诿",
                    basis="第四条第（三）项",
                    measures=Measures((Measure.WRITTEN_SELF_CRITICISM,), Severity.MINOR),
                    approving_authority="长沙市纪委监委",
                    effective_date=dt.date(2023, 6, 20),
                    appeal_authority="长沙市纪委监委",
                ),
                "长沙市纪委监委",
            )
            written += len(case.pending_events)
            batch.append(case)
            i += 1
        app.save(*batch)
    return written


def db_path(app: LedgerApplication) -> Path:
    assert app.store.path is not None
    return app.store.path


@contextmanager
def sqlite(app: LedgerApplication) -> Iterator[Any]:
    """A plain connection to the ledger's tables as an insider with write access has it,
    committed on leaving: sqlite3 on the file, or psycopg on the PostgreSQL schema.

    The statements are written for SQLite; on PostgreSQL :class:`InsiderConnection` gives
    them the schema's table names (``stored_events`` is the events table, ``rowid`` its
    notification id) and turns off the append-only triggers for the session, as the tables'
    owner or a superuser can."""
    if app.store.kind == "postgres":
        with InsiderConnection.open(app) as insider:
            yield insider
        return
    conn = sqlite3.connect(db_path(app))
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


class InsiderConnection:
    """A psycopg connection that runs SQLite-worded statements on a ledger's schema."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, tables: list[str]) -> None:
        self.conn = conn
        names = {t: f'"{schema}".{t}' for t in tables}
        names["stored_events"] = f'"{schema}".{PG_EVENTS_TABLE}'
        self._names = names
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r"|rowid)\b")

    @classmethod
    @contextmanager
    def open(cls, app: LedgerApplication) -> Iterator[InsiderConnection]:
        store = app.store
        with store.connect() as admin:
            tables = [
                str(r[0])
                for r in admin.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (store.schema,),
                ).fetchall()
            ]
        conn = psycopg.connect(store.conninfo)
        try:
            conn.execute("SET session_replication_role = replica")  # no triggers fire
            yield cls(conn, store.schema, tables)
            conn.commit()
        finally:
            conn.close()

    def sql(self, statement: str) -> str:
        def name(m: re.Match[str]) -> str:
            word = m.group(1)
            return "notification_id" if word == "rowid" else self._names[word]

        return self._pattern.sub(name, statement).replace("?", "%s")

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(statement), tuple(params))  # type: ignore[arg-type]


def row_at(conn: Any, position: int) -> tuple[int, str, int, str, bytes]:
    """(rowid, originator_id hex, version, topic, state) of the event at a log position."""
    row = conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid LIMIT 1 OFFSET ?",
        (position,),
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), int(row[2]), str(row[3]), bytes(row[4])


def position_of(conn: Any, topic_suffix: str, nth: int = 0) -> int:
    rows = conn.execute("SELECT rowid, topic FROM stored_events ORDER BY rowid").fetchall()
    matches = [i for i, (_, topic) in enumerate(rows) if topic.endswith(topic_suffix)]
    return matches[nth]


def insert_forged(
    conn: Any,
    signer: Signer,
    originator_id: UUID,
    version: int,
    topic: str,
    payload: bytes,
) -> int:
    """Append a validly sealed event with a matching Merkle leaf, as a forger with write
    access to the file would; returns its position."""
    state = signer.seal(originator_id, version, topic, payload)
    conn.execute(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)",
        (originator_id.hex, version, topic, state),
    )
    rowid = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0]
    position = conn.execute("SELECT COUNT(*) FROM merkle_leaves").fetchone()[0]
    conn.execute(
        "INSERT INTO merkle_leaves VALUES (?, ?, ?)",
        (position, rowid, event_leaf_hash(position, originator_id, version, topic, state)),
    )
    return int(position)


def found(result: VerificationResult) -> set[tuple[str, int | None]]:
    """(check, position) of every failure."""
    return {(f.check.value, f.position) for f in result.failures}


def of_check(result: VerificationResult, check: Check) -> list[str]:
    return [f.message for f in result.failures if f.check is check]
