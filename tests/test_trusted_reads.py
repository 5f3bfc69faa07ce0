"""Reads show only what checked, signed events say (DESIGN, "Trust model"; issue 10).

Each test forges something as an insider with write access to the store and no key would —
on the SQLite file and on the PostgreSQL tables — then runs the read that would have shown
the forgery, through the CLI, and checks that it either shows the truth from the log or is
refused with a clean error that names the row or the log position and asks for ``verify``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg.sql
import pytest
from cli_support import invoke
from click.testing import Result
from scenarios import (
    PERSON,
    UNIT,
    bring_to_decision,
    open_case,
    person_measures,
)
from test_store_errors import admin, as_role, role

from ledger.application import LedgerApplication
from ledger.domain import ids
from ledger.domain.regulation import AppealOutcome, Measure
from ledger.signing.signatures import HEADER_SIZE, Signer
from projections.api import Projections

D = dt.date
CASE_1 = "湘纪追〔2024〕1号"
CASE_2 = "湘纪追〔2024〕2号"
__all__ = ["role"]
REBUILD = (
    "Run `lifeledger verify` to see every divergent row, then `lifeledger projections rebuild`."
)
VERIFY = "Run `lifeledger verify` for the full audit."


@pytest.fixture
def ledger(app: LedgerApplication, petition_signer: Signer, root_signer: Signer) -> Any:
    """Two 2024 cases: the unit CS-XF and P001 decided in case 1 (P001's decision modified
    on appeal), P002 decided in case 2; the petition agency's key revoked; views caught up."""
    open_case(app, CASE_1)
    bring_to_decision(app, CASE_1, UNIT, "CS-XF")
    bring_to_decision(app, CASE_1, PERSON, "P001")
    app.receive(CASE_1, PERSON, "P001", D(2024, 4, 16))
    app.appeal(CASE_1, PERSON, "P001", D(2024, 4, 20), "请求撤销处分")
    app.decide_appeal(
        CASE_1, PERSON, "P001", D(2024, 5, 10), AppealOutcome.MODIFIED, "情节较轻",
        person_measures(Measure.ADMONITION_TALK),
    )  # fmt: skip
    open_case(app, CASE_2)
    bring_to_decision(app, CASE_2, PERSON, "P002")
    signer = app.signer
    app.signer = root_signer
    app.revoke_key(petition_signer.key_id.hex(), "密钥遗失")
    app.signer = signer
    with Projections(app) as p:
        p.catch_up()
    return app


def run(app: LedgerApplication, *args: str) -> Result:
    return invoke(["--db", app.store.url, *args])


def shown(app: LedgerApplication, *args: str) -> str:
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(app: LedgerApplication, *args: str) -> str:
    result = run(app, *args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    return result.stderr


@contextmanager
def tables(app: LedgerApplication) -> Iterator[Any]:
    """A connection to the store as an insider has it, with ``{events}`` and ``{proj_x}``
    table names formatted for the store."""
    store = app.store
    if store.kind == "sqlite":
        conn = sqlite3.connect(str(store.path))
        try:
            yield _Tables(conn, "stored_events", "", "?")
            conn.commit()
        finally:
            conn.close()
        return
    with psycopg.connect(host=store.host, port=store.port, dbname=store.dbname,
                         user=store.user) as pg:  # fmt: skip
        events = getattr(app.recorder, "events_table_name")  # noqa: B009
        yield _Tables(pg, events, f'"{store.schema}".', "%s")


class _Tables:
    def __init__(self, conn: Any, events: str, prefix: str, mark: str) -> None:
        self.conn, self.events, self.prefix, self.mark = conn, events, prefix, mark
        self.position = "rowid" if mark == "?" else "notification_id"

    def sql(self, statement: str) -> str:
        names = {"events": self.prefix + self.events, "position": self.position}
        for t in ("proj_cases", "proj_keys", "proj_tracking", "proj_decisions", "merkle_leaves",
                  "proj_case_parties", "proj_case_years"):  # fmt: skip
            names[t] = self.prefix + t
        return statement.format(**names).replace("?", self.mark)

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.conn.execute(self.sql(statement), tuple(params)).fetchall())

    def run(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(self.sql(statement), tuple(params))

    def event_of(self, case_no: str, topic_end: str) -> tuple[int, int, bytes]:
        """(notification id, leaf index, stored state) of a case's event."""
        oid: Any = ids.case_id(case_no)
        oid = oid.hex if self.mark == "?" else oid
        (nid, state), *_ = self.rows(
            "SELECT {position}, state FROM {events} WHERE originator_id = ? AND topic LIKE ? "
            "ORDER BY originator_version",
            (oid, f"%{topic_end}"),
        )
        ((leaf,),) = self.rows(
            "SELECT leaf_index FROM {merkle_leaves} WHERE notification_id = ?", (nid,)
        )
        return int(nid), int(leaf), bytes(state)


# case show, unit rating, report annual: a deleted proj_cases row ----------------------------
def test_a_deleted_case_row_is_still_shown_and_refused_by_the_reports(ledger: Any) -> None:
    before = shown(ledger, "case", "show", CASE_1)
    with tables(ledger) as t:
        opened_at, leaf, _ = t.event_of(CASE_1, ".Opened")
        t.run("DELETE FROM {proj_cases} WHERE opened_at = ?", (opened_at,))
    # The case is read by the aggregate id its number names: the index is not needed.
    assert shown(ledger, "case", "show", CASE_1) == before
    incomplete = (
        "Error: the read models are incomplete: proj_cases has no row for the record whose "
        f"first event (AccountabilityCase.Opened) is at log position {leaf}. Nothing is shown "
        f"from them. {REBUILD}\n"
    )
    assert refused(ledger, "unit", "rating", "CS-XF", "--year", "2024") == incomplete
    assert refused(ledger, "report", "annual", "--year", "2024") == incomplete
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20") == incomplete


# unit rating, report annual, deadlines: a deleted row of a secondary index -------------------
def inconsistent(table: str, held: int, what: str) -> str:
    return (
        f"Error: the read models are inconsistent: {table} holds {held} rows, but applying the "
        f"log wrote {held + 1} rows: index rows were deleted or added, so {what} could be "
        f"missing from this answer. Nothing is shown from them. {REBUILD}\n"
    )


def test_a_deleted_party_index_row_refuses_the_unit_rating_it_would_have_cleared(
    ledger: Any,
) -> None:
    assert "may NOT be rated" in shown(ledger, "unit", "rating", "CS-XF", "--year", "2024")
    history = shown(ledger, "cadre", "history", "P001")
    with tables(ledger) as t:
        opened_at, _, _ = t.event_of(CASE_1, ".Opened")
        ((rows,),) = t.rows("SELECT COUNT(*) FROM {proj_case_parties}")
        t.run(
            "DELETE FROM {proj_case_parties} WHERE code = ? AND party_type = 'unit' "
            "AND opened_at = ?",
            ("CS-XF", opened_at),
        )
    # Without the row the unit would have looked eligible (Art. 13): the read refuses.
    assert refused(ledger, "unit", "rating", "CS-XF", "--year", "2024") == inconsistent(
        "proj_case_parties", int(rows) - 1, "a case naming unit CS-XF"
    )
    # Reads that do not use that index keep working, and show the same.
    assert shown(ledger, "cadre", "history", "P001") == history
    assert CASE_1 in shown(ledger, "case", "show", CASE_1)


def test_a_deleted_year_index_row_refuses_the_annual_report_it_would_have_shortened(
    ledger: Any,
) -> None:
    deadlines = shown(ledger, "deadlines", "--as-of", "2024-04-20")
    with tables(ledger) as t:
        opened_at, _, _ = t.event_of(CASE_2, ".Opened")
        ((rows,),) = t.rows("SELECT COUNT(*) FROM {proj_case_years}")
        t.run("DELETE FROM {proj_case_years} WHERE year = 2024 AND opened_at = ?", (opened_at,))
    expected = inconsistent("proj_case_years", int(rows) - 1, "a case with a date in 2024")
    assert refused(ledger, "report", "annual", "--year", "2024") == expected
    assert shown(ledger, "deadlines", "--as-of", "2024-04-20") == deadlines


def test_a_deleted_decision_index_row_refuses_the_deadlines_it_would_have_hidden(
    ledger: Any,
) -> None:
    rating = shown(ledger, "unit", "rating", "CS-XF", "--year", "2024")
    assert "P002" in shown(ledger, "deadlines", "--as-of", "2024-04-20")
    with tables(ledger) as t:
        ((rows,),) = t.rows("SELECT COUNT(*) FROM {proj_decisions}")
        t.run("DELETE FROM {proj_decisions} WHERE party_type = 'person' AND code = 'P002'")
    expected = inconsistent("proj_decisions", int(rows) - 1, "a decision with a period running")
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20") == expected
    assert shown(ledger, "unit", "rating", "CS-XF", "--year", "2024") == rating


def test_an_edited_row_count_refuses_the_read_and_verify_names_it(ledger: Any) -> None:
    with tables(ledger) as t:
        ((rows,),) = t.rows("SELECT COUNT(*) FROM {proj_decisions}")
        t.run("UPDATE {proj_tracking} SET position = ? WHERE name = 'rows:proj_decisions'",
              (int(rows) + 1,))  # fmt: skip
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20") == (
        f"Error: the read models are inconsistent: proj_decisions holds {rows} rows, but "
        f"applying the log wrote {int(rows) + 1} rows: index rows were deleted or added, so a "
        "decision with a period running could be missing from this answer. Nothing is shown "
        f"from them. {REBUILD}\n"
    )
    report = run(ledger, "verify").stdout.split("Read models: ", 1)[1]
    assert report.splitlines()[3] == (
        f"  proj_tracking (name=rows:proj_decisions): stored count {int(rows) + 1}, but the "
        f"log's events give {rows} rows of proj_decisions"
    )


def test_a_rebuild_repairs_a_deleted_index_row(ledger: Any) -> None:
    before = shown(ledger, "deadlines", "--as-of", "2024-04-20")
    with tables(ledger) as t:
        t.run("DELETE FROM {proj_decisions} WHERE party_type = 'person' AND code = 'P002'")
    assert run(ledger, "deadlines", "--as-of", "2024-04-20").exit_code == 1
    shown(ledger, "projections", "rebuild")
    assert shown(ledger, "deadlines", "--as-of", "2024-04-20") == before


# key list: an edited proj_keys row ----------------------------------------------------------
def test_an_edited_key_row_does_not_make_a_revoked_key_active(
    ledger: Any, petition_signer: Signer
) -> None:
    key_id = petition_signer.key_id.hex()
    before = shown(ledger, "key", "list")
    with tables(ledger) as t:
        # the registry: created, the recorder's key, the petition agency's key, its revocation
        # ... at their log positions (Merkle leaf indexes, as `verify` counts them)
        ((registered,), (revoked,)) = t.rows(
            "SELECT l.leaf_index FROM {events} e JOIN {merkle_leaves} l "
            "ON l.notification_id = e.{position} WHERE e.originator_id = ? "
            "ORDER BY e.originator_version",
            (_registry_id(t),),
        )[2:4]
    assert _key_line(before, key_id).split() == [
        key_id, "信访干部乙", "长沙市信访局", "信访工作机构", "记录", "已吊销",
        str(registered), str(revoked), "密钥遗失",
    ]  # fmt: skip
    with tables(ledger) as t:
        t.run(
            "UPDATE {proj_keys} SET status = 'active', ended_at = NULL, reason = NULL "
            "WHERE key_id = ?",
            (key_id,),
        )
    assert shown(ledger, "key", "list") == before
    data = run(ledger, "--json", "key", "list").stdout
    assert '"status": "revoked"' in data and '"reason": "密钥遗失"' in data


def _registry_id(t: _Tables) -> Any:
    return ids.REGISTRY_ID.hex if t.mark == "?" else ids.REGISTRY_ID


def _key_line(text: str, key_id: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(key_id))


# every aggregate read: the tracking position moved forward ------------------------------------
def test_a_tracking_position_ahead_of_the_log_is_reported_not_trusted(ledger: Any) -> None:
    with tables(ledger) as t:
        ((top,),) = t.rows("SELECT MAX({position}) FROM {events}")
        t.run("UPDATE {proj_tracking} SET position = ? WHERE name = 'views'", (int(top) + 50,))
    # A case recorded now would be hidden from every index-based read: they refuse instead.
    open_case(ledger, "湘纪追〔2024〕3号", incident=D(2024, 2, 3), opened_on=D(2024, 3, 3))
    ahead = (
        f"Error: the read models claim to have applied the log up to position {int(top) + 50}, "
        f"but the log ends at {int(top) + 1}: their tracking position was moved. Nothing is "
        f"shown from them. {REBUILD}\n"
    )
    assert refused(ledger, "report", "annual", "--year", "2024") == ahead
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20") == ahead
    assert refused(ledger, "unit", "rating", "CS-XF", "--year", "2024") == ahead
    assert "湘纪追〔2024〕3号" in shown(ledger, "case", "show", "湘纪追〔2024〕3号")


def test_a_tracking_position_moved_forward_inside_the_log_is_caught_by_the_census(
    ledger: Any,
) -> None:
    with tables(ledger) as t:
        ((top,),) = t.rows("SELECT MAX({position}) FROM {events}")
        t.run("UPDATE {proj_tracking} SET position = ? WHERE name = 'views'", (int(top) + 2,))
    open_case(ledger, "湘纪追〔2024〕3号", incident=D(2024, 2, 3), opened_on=D(2024, 3, 3))
    with tables(ledger) as t:
        _, leaf, _ = t.event_of("湘纪追〔2024〕3号", ".Opened")
    open_case(ledger, "湘纪追〔2024〕4号", incident=D(2024, 2, 3), opened_on=D(2024, 3, 3))
    assert refused(ledger, "report", "annual", "--year", "2024") == (
        "Error: the read models are incomplete: proj_cases has no row for the record whose "
        f"first event (AccountabilityCase.Opened) is at log position {leaf}. Nothing is shown "
        f"from them. {REBUILD}\n"
    )


# case show and timeline: an edited stored event -----------------------------------------------
def test_an_appeal_outcome_edited_in_the_store_is_refused_by_position(ledger: Any) -> None:
    other_case = shown(ledger, "case", "show", CASE_2)
    with tables(ledger) as t:
        nid, leaf, state = t.event_of(CASE_1, ".AppealDecided")
        assert b'"outcome":"modified"' in state
        forged = state.replace(b'"outcome":"modified"', b'"outcome":"revoked"')
        t.run("UPDATE {events} SET state = ? WHERE {position} = ?", (forged, nid))
    expected = signature_refusal(ledger, CASE_1, leaf, "AppealDecided")
    assert refused(ledger, "case", "show", CASE_1) == expected
    assert refused(ledger, "case", "timeline", CASE_1) == expected
    assert refused(ledger, "report", "annual", "--year", "2024") == expected
    # Reads about other cases keep working.
    assert shown(ledger, "case", "show", CASE_2) == other_case


def signature_refusal(app: LedgerApplication, case_no: str, leaf: int, event: str) -> str:
    """The error for a case whose ``event`` (stored at Merkle leaf ``leaf``) fails."""
    stored = app.recorder.select_events(ids.case_id(case_no))
    (version,) = [s.originator_version for s in stored if s.topic.endswith(f".{event}")]
    assert app.signer is not None
    return (
        f"Error: case {case_no} cannot be shown: the event at log position {leaf}, "
        f"AccountabilityCase.{event} v{version} fails verification: the signature by "
        f"{app.signer.key_id.hex()} (纪检干部甲, 长沙市纪委监委) does not cover the stored "
        f"bytes: the event was altered, or moved from another row. Nothing is shown from it. "
        f"{VERIFY}\n"
    )


# a malformed stored payload on one case -------------------------------------------------------
def test_a_malformed_payload_refuses_its_case_and_leaves_the_others_readable(
    ledger: Any,
) -> None:
    other_show = shown(ledger, "case", "show", CASE_1)
    other_timeline = shown(ledger, "case", "timeline", CASE_1)
    with tables(ledger) as t:
        nid, leaf, state = t.event_of(CASE_2, ".DecisionIssued")
        t.run(
            "UPDATE {events} SET state = ? WHERE {position} = ?",
            (state[:HEADER_SIZE] + b'{"document": {"number": ', nid),
        )
    # Rebuilding the views meets the damaged event and leaves it out of the index.
    with tables(ledger) as t:
        ((top,),) = t.rows("SELECT MAX({position}) FROM {events}")
    assert shown(ledger, "projections", "rebuild") == (
        f"Read models rebuilt from {top} event(s) of the log.\n"
    )
    assert refused(ledger, "case", "show", CASE_2) == signature_refusal(
        ledger, CASE_2, leaf, "DecisionIssued"
    )
    assert shown(ledger, "case", "show", CASE_1) == other_show
    assert shown(ledger, "case", "timeline", CASE_1) == other_timeline
    assert "CS-XF" in shown(ledger, "unit", "rating", "CS-XF", "--year", "2024")


# verify: the read-model audit ----------------------------------------------------------------
def test_verify_names_every_divergent_read_model_row_and_rebuild_repairs_them(
    ledger: Any, petition_signer: Signer
) -> None:
    key_id = petition_signer.key_id.hex()
    with tables(ledger) as t:
        ((top,),) = t.rows("SELECT MAX({position}) FROM {events}")
        opened_at = t.event_of(CASE_1, ".Opened")[0]
        (case_row,) = t.rows("SELECT * FROM {proj_cases} WHERE opened_at = ?", (opened_at,))
        (key_row,) = t.rows("SELECT * FROM {proj_keys} WHERE key_id = ?", (key_id,))
        t.run("DELETE FROM {proj_cases} WHERE opened_at = ?", (opened_at,))
        t.run(
            "UPDATE {proj_keys} SET status = 'active', ended_at = NULL, reason = NULL "
            "WHERE key_id = ?",
            (key_id,),
        )
        t.run("UPDATE {proj_tracking} SET position = ? WHERE name = 'views'", (int(top) + 5,))
    forged_key = (*key_row[:5], "active", key_row[6], None, key_row[8], None, *key_row[10:])
    result = run(ledger, "verify")
    assert result.exit_code == 1, result.output
    report = result.stdout.split("Read models: ", 1)[1]
    assert report.startswith("FAILED: 3 divergence(s)\n")
    assert report.splitlines()[2:] == [
        "Divergent rows (run `lifeledger projections rebuild` to repair):",
        f"  proj_tracking (name=views): stored position {int(top) + 5}, but the log ends at "
        f"{top}: a tracking position ahead of the log is not trusted",
        f"  proj_keys (key_id={key_id}): stored {_values(forged_key)}, expected {_values(key_row)}",
        f"  proj_cases (opened_at={opened_at}): missing; expected {_values(case_row)}",
    ]
    assert result.stdout.startswith(f"Verification of {_described(ledger)}: OK\n")
    data = run(ledger, "--json", "verify").stdout
    assert '"divergence_count": 2' in data and '"ok": false' in data

    assert shown(ledger, "projections", "rebuild") == (
        f"Read models rebuilt from {top} event(s) of the log.\n"
    )
    repaired = shown(ledger, "verify")
    assert "\nRead models: OK\n" in repaired
    assert "FAILED" not in repaired


def test_verify_leaves_a_failing_event_out_of_the_read_models_it_expects(ledger: Any) -> None:
    with tables(ledger) as t:
        nid, _, state = t.event_of(CASE_1, ".AppealDecided")
        forged = state.replace(b'"outcome":"modified"', b'"outcome":"revoked"')
        t.run("UPDATE {events} SET state = ? WHERE {position} = ?", (forged, nid))
        ((decision,),) = t.rows("SELECT dates FROM {proj_decisions} WHERE code = ?", ("P001",))
    result = run(ledger, "verify")
    assert result.exit_code == 1
    assert "[signature] position" in result.stdout
    # The views were built from the event before it was edited: they show its appeal decision,
    # which no valid event supports.
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("  proj_decisions")]
    assert f"stored ({opened_of(ledger)}, 'person', 'P001'" in line
    assert decision in line


def opened_of(app: LedgerApplication) -> int:
    with tables(app) as t:
        return t.event_of(CASE_1, ".Opened")[0]


def _values(row: Sequence[Any]) -> str:
    return "(" + ", ".join(repr(v) for v in row) + ")"


def _described(app: LedgerApplication) -> str:
    return app.store.describe()


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_read_only_auditor_role_audits_the_read_models_without_writing(
    ledger: Any, role: str
) -> None:
    schema = psycopg.sql.Identifier(ledger.store.schema)
    r = psycopg.sql.Identifier(role)
    admin(psycopg.sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, r))
    admin(psycopg.sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, r))
    admin(psycopg.sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(r))
    with tables(ledger) as t:
        opened_at = t.event_of(CASE_1, ".Opened")[0]
        t.run("DELETE FROM {proj_cases} WHERE opened_at = ?", (opened_at,))
    result = invoke(["--db", as_role(ledger.store.url, role), "verify"])
    assert result.exit_code == 1, result.output
    assert "Read models: FAILED: 1 divergence(s)\n" in result.stdout
    assert f"  proj_cases (opened_at={opened_at}): missing; expected (" in result.stdout
    with tables(ledger) as t:  # the audit wrote nothing to the ledger's schema
        assert t.rows("SELECT COUNT(*) FROM {proj_cases} WHERE opened_at = ?", (opened_at,)) == [
            (0,)
        ]


def test_a_root_other_than_the_pinned_one_fails_verify_but_leaves_the_read_models_sound(
    ledger: LedgerApplication,
) -> None:
    """The wrong root is the ledger's failure, not its first event's: the views are judged
    relative to the root the log names, so no row of proj_keys is reported divergent."""
    result = run(ledger, "verify", "--root-fingerprint", "00" * 32)
    assert result.exit_code == 1, result.output
    assert f"not the pinned {'00' * 32}" in result.stdout
    assert "\nRead models: OK\n" in result.stdout
    assert "proj_keys" not in result.stdout
