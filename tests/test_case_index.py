"""The case set, provably complete (Art. 13, 14; issue 10): every checkpoint commits the case
index, and the reads that enumerate cases refuse when the read models hide one.

Each forgery is what an insider with write access to the store and no key would do — on the
SQLite file and on the PostgreSQL tables — and it keeps the census and the row counters
consistent, so only the signed case index can tell (README, "Auditors' notes: the case set").
"""

from __future__ import annotations

import json
from typing import Any

from scenarios import open_case
from test_trusted_reads import CASE_1, CASE_2, REBUILD, ledger, refused, run, shown, tables

from ledger.application import LedgerApplication
from ledger.signing.signatures import Signer
from ledger.transparency.case_dates import DATES_EXTENSION_PREFIX
from ledger.transparency.case_index import CASE_EXTENSION_PREFIX
from ledger.transparency.checkpoint import Checkpoint, b64encode, sign_note
from ledger.transparency.checkpoints import make_checkpoint
from ledger.transparency.tables import LedgerTables, StoredCheckpoint, utc_now

__all__ = ["ledger"]
CASE_3 = "湘纪追〔2024〕3号"


def _checkpointed(app: LedgerApplication, root_signer: Signer) -> int:
    """A checkpoint over the two cases, then a third case opened after it."""
    cp, _new = make_checkpoint(app, root_signer)
    open_case(app, CASE_3)
    return cp.tree_size


def _hide_case(app: LedgerApplication, case_no: str) -> tuple[int, int]:
    """Delete the case's proj_cases row and raise the import-line counter, so the census
    still balances; returns the (notification id, log position) of its opening."""
    # Bring the views up to the log first: the forgery is of rows already written.
    shown(app, "case", "list")
    with tables(app) as t:
        nid, leaf, _state = t.event_of(case_no, ".Opened")
        t.run("DELETE FROM {proj_cases} WHERE opened_at = ?", (nid,))
        t.run(
            "UPDATE {proj_tracking} SET position = position + 1 WHERE name = ?",
            ("records:import_lines",),
        )
    return nid, leaf


def _hidden(case_no: str, leaf: int, where: str, key: str, tables_: str) -> str:
    return (
        f"Error: the read models hide case {case_no} (log position {leaf}): {where} under "
        f"{key}, but the read models ({tables_}) do not lead to it. Nothing is shown from "
        f"them. {REBUILD}\n"
    )


def test_reads_say_the_case_set_is_complete_as_of_the_latest_checkpoint(
    ledger: Any, root_signer: Signer
) -> None:
    size = _checkpointed(ledger, root_signer)
    line = (
        f"Case set complete as of checkpoint {size} (case index); 1 later event(s) checked "
        "directly (of 1 appended since)."
    )
    rating = shown(ledger, "unit", "rating", "CS-XF", "--year", "2024")
    assert rating.endswith(
        f"Case set complete as of checkpoint {size} (case index); 0 later event(s) checked "
        "directly (of 1 appended since).\n"
    )
    assert shown(ledger, "case", "list").splitlines()[-2] == line
    assert shown(ledger, "report", "annual", "--year", "2024").splitlines()[-1] == line
    assert line in shown(ledger, "deadlines", "--as-of", "2024-04-20")
    doc = json.loads(shown(ledger, "--json", "case", "list"))
    assert doc["completeness"] == {
        "complete_as_of": size,
        "checked_after": 1,
        "appended_after": 1,
        "unindexed_checkpoints": 0,
    }
    doc = json.loads(shown(ledger, "--json", "unit", "rating", "CS-XF", "--year", "2024"))
    assert doc["completeness"]["complete_as_of"] == size
    history = shown(ledger, "unit", "history", "CS-XF").splitlines()
    assert line in history
    doc = json.loads(shown(ledger, "--json", "unit", "history", "CS-XF"))
    assert doc["completeness"]["complete_as_of"] == size
    assert doc["completeness"]["checked_after"] == 1
    assert run(ledger, "verify").exit_code == 0


def test_a_hidden_case_row_with_the_census_balanced_is_refused_and_named(
    ledger: Any, root_signer: Signer
) -> None:
    size = _checkpointed(ledger, root_signer)
    nid, leaf = _hide_case(ledger, CASE_1)
    signed = f"the case index signed in checkpoint {size} lists it"
    assert refused(ledger, "case", "list") == _hidden(CASE_1, leaf, signed, "cases", "proj_cases")
    assert refused(ledger, "report", "annual", "--year", "2024") == _hidden(
        CASE_1, leaf, signed, "cases", "proj_cases"
    )
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20") == _hidden(
        CASE_1, leaf, signed, "cases", "proj_cases"
    )
    assert refused(ledger, "deadlines", "--late") == _hidden(
        CASE_1, leaf, signed, "cases", "proj_cases"
    )
    printed = ("report", "annual", "--year", "2024", "--format", "xlsx", "--out", "r.xlsx")
    assert refused(ledger, *printed) == _hidden(CASE_1, leaf, signed, "cases", "proj_cases")
    unit = refused(ledger, "unit", "rating", "CS-XF", "--year", "2024")
    assert unit.startswith(f"Error: the read models hide case {CASE_1} (log position ")
    assert f"{signed} under unit:CS-XF" in unit
    # A unit's history: the unit's own decisions and those of the cadres posted in it.
    assert refused(ledger, "unit", "history", "CS-XF") == _hidden(
        CASE_1, leaf, signed, "cases", "proj_cases"
    )
    doc = json.loads(refused(ledger, "--json", "unit", "history", "CS-XF"))
    assert doc["error"] == _hidden(CASE_1, leaf, signed, "cases", "proj_cases")[7:-1]
    assert doc["where"]["position"] == leaf
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    assert f"proj_cases (opened_at={nid}): missing; expected ({nid}, " in audit.stdout
    assert CASE_1 in audit.stdout


def test_a_case_opened_after_the_checkpoint_is_checked_from_the_log_itself(
    ledger: Any, root_signer: Signer
) -> None:
    size = _checkpointed(ledger, root_signer)
    _nid, leaf = _hide_case(ledger, CASE_3)
    assert refused(ledger, "case", "list") == _hidden(
        CASE_3, leaf, f"the log lists it after checkpoint {size}", "cases", "proj_cases"
    )


def test_a_hidden_unit_party_row_with_its_counter_lowered_is_refused_and_named(
    ledger: Any, root_signer: Signer
) -> None:
    _checkpointed(ledger, root_signer)
    before = shown(ledger, "unit", "rating", "CS-XF", "--year", "2024")
    assert "may NOT be rated" in before
    with tables(ledger) as t:
        nid, _leaf, _state = t.event_of(CASE_1, ".Opened")
        t.run("DELETE FROM {proj_case_parties} WHERE code = ? AND party_type = 'unit'", ("CS-XF",))
        t.run(
            "UPDATE {proj_tracking} SET position = position - 1 WHERE name = ?",
            ("rows:proj_case_parties",),
        )
        assigned = t.event_of(CASE_1, ".ResponsibilityAssigned")[1]
    message = refused(ledger, "unit", "rating", "CS-XF", "--year", "2024")
    assert message.startswith(
        f"Error: the read models hide case {CASE_1} (log position {assigned}): the case index "
        "signed in checkpoint "
    )
    assert "under unit:CS-XF, but the read models (proj_case_parties and proj_cases)" in message
    # The other reads do not use that index, and still answer.
    assert CASE_2 in shown(ledger, "case", "list")
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    assert f"proj_case_parties (code=CS-XF, party_type=unit, opened_at={nid}): missing" in (
        audit.stdout
    )


def _sign_with_lines(
    app: LedgerApplication, root_signer: Signer, size: int, root: bytes, lines: tuple[str, ...]
) -> bytes:
    """Replace the stored checkpoints with one signed over these extension lines (an insider
    with an admin key), and return the note the true checkpoint had."""
    tables_ = LedgerTables(app)
    real = tables_.checkpoint(size)
    origin = Checkpoint.parse(real.body()).origin
    note = sign_note(Checkpoint(origin, size, root, lines).body(), origin, root_signer.private_key)
    with tables(app) as t:
        t.conn.execute(f"DELETE FROM {t.prefix}checkpoints")
    tables_.insert_checkpoint(StoredCheckpoint(size, root, note, utc_now()))
    return real.note


def test_a_checkpoint_whose_case_root_was_altered_fails_verify_and_the_reads(
    ledger: Any, root_signer: Signer
) -> None:
    cp, _new = make_checkpoint(ledger, root_signer)
    person_line, case_line, dates_line = Checkpoint.parse(cp.body()).extensions
    false_root = b64encode(b"\3" * 32)
    _sign_with_lines(
        ledger,
        root_signer,
        cp.tree_size,
        cp.root,
        (person_line, CASE_EXTENSION_PREFIX + false_root, dates_line),
    )
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    true_root = case_line.removeprefix(CASE_EXTENSION_PREFIX)
    assert (
        f"checkpoint {cp.tree_size} signed case-index root {false_root}, but the log's events "
        f"give {true_root}: the case set or a unit's cases were committed from rows that "
        "differ from the log"
    ) in audit.stdout
    message = refused(ledger, "case", "list")
    assert message.startswith("Error: the case index of cases (2 events up to position ")
    assert message.endswith(
        f"does not match the root signed in checkpoint {cp.tree_size}: it leads to another "
        "root; run `lifeledger verify`\n"
    )


def test_a_ledger_whose_checkpoints_predate_the_case_index_verifies_and_then_commits_it(
    ledger: Any, root_signer: Signer
) -> None:
    """An older ledger: its checkpoint carries the person index only, and its case-index and
    case-dates tables were created empty when this version first opened it."""
    cp, _new = make_checkpoint(ledger, root_signer)
    person_line, *_case_lines = Checkpoint.parse(cp.body()).extensions
    _sign_with_lines(ledger, root_signer, cp.tree_size, cp.root, (person_line,))
    with tables(ledger) as t:
        for table in ("case_index", "case_dates"):
            t.conn.execute(f"DELETE FROM {t.prefix}{table}_events")
            t.conn.execute(f"DELETE FROM {t.prefix}{table}_nodes")
    old_note = LedgerTables(ledger).checkpoint(cp.tree_size).note
    assert run(ledger, "verify").exit_code == 0
    unproven = (
        "Case set: completeness not provable. The ledger's 1 checkpoint(s) were signed before "
        "it had the case index; the cases were found through the read models alone. "
        "`lifeledger checkpoint` builds the case index and commits it in the next checkpoint."
    )
    assert shown(ledger, "case", "list").splitlines()[-2] == unproven
    assert shown(ledger, "unit", "rating", "CS-XF", "--year", "2024").splitlines()[-1] == unproven
    # The next checkpoint builds the case index from the whole log and commits it.
    open_case(ledger, CASE_3)
    later, new = make_checkpoint(ledger, root_signer)
    assert new
    assert Checkpoint.parse(later.body()).extensions[1].startswith(CASE_EXTENSION_PREFIX)
    assert LedgerTables(ledger).checkpoint(cp.tree_size).note == old_note
    assert run(ledger, "verify").exit_code == 0
    assert shown(ledger, "case", "list").splitlines()[-2] == (
        f"Case set complete as of checkpoint {later.tree_size} (case index); 0 later event(s) "
        "checked directly (of 0 appended since)."
    )
    _nid, leaf = _hide_case(ledger, CASE_1)
    assert refused(ledger, "case", "list") == _hidden(
        CASE_1,
        leaf,
        f"the case index signed in checkpoint {later.tree_size} lists it",
        "cases",
        "proj_cases",
    )


def test_a_deleted_case_index_row_is_refused_by_the_reads_and_named_by_verify(
    ledger: Any, root_signer: Signer
) -> None:
    size = _checkpointed(ledger, root_signer)
    with tables(ledger) as t:
        t.conn.execute(
            f"DELETE FROM {t.prefix}case_index_events WHERE subject = 'cases' AND seq = 1"
        )
    message = refused(ledger, "case", "list")
    assert message.startswith("Error: the case index of cases has no entry 1 holding an event")
    assert message.endswith("a row was deleted or moved; run `lifeledger verify`\n")
    assert "may NOT be rated" in shown(ledger, "unit", "rating", "CS-XF", "--year", "2024")
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    assert (
        "case index table case_index_events: cases has 2 stored rows, the log has 3 events listed"
    ) in audit.stdout
    assert size > 0


# the case-dates index: each year's cases and the closings (Art. 12, 14) ----------------------
def _lower(t: Any, table: str, by: int) -> None:
    """Lower a census counter of the read models, as the insider who deleted rows does."""
    t.run(
        "UPDATE {proj_tracking} SET position = position - ? WHERE name = ?",
        (by, f"rows:{table}"),
    )


def test_a_deleted_year_row_with_its_counter_lowered_is_refused_and_named(
    ledger: Any, root_signer: Signer
) -> None:
    size = _checkpointed(ledger, root_signer)
    assert CASE_2 in shown(ledger, "--json", "report", "annual", "--year", "2024")
    with tables(ledger) as t:
        nid, leaf, _state = t.event_of(CASE_2, ".Opened")
        t.run("DELETE FROM {proj_case_years} WHERE year = 2024 AND opened_at = ?", (nid,))
        _lower(t, "proj_case_years", 1)
    hidden = _hidden(
        CASE_2,
        leaf,
        f"the case-dates index signed in checkpoint {size} lists it",
        "year:2024",
        "proj_case_years and proj_cases",
    )
    assert refused(ledger, "report", "annual", "--year", "2024") == hidden
    assert refused(ledger, "report", "annual", "--year", "2024", "--authority", "x") == hidden
    printed = ("report", "annual", "--year", "2024", "--format", "xlsx", "--out", "r.xlsx")
    assert refused(ledger, *printed) == hidden
    # Other years and the reads that do not choose by year still answer.
    assert CASE_2 in shown(ledger, "case", "list")
    shown(ledger, "report", "annual", "--year", "2023")
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    assert f"proj_case_years (year=2024, opened_at={nid}): missing" in audit.stdout


def test_a_deleted_decision_row_with_its_counter_lowered_is_refused_and_named(
    ledger: Any, root_signer: Signer
) -> None:
    size = _checkpointed(ledger, root_signer)
    assert "P002" in shown(ledger, "deadlines", "--as-of", "2024-04-20")
    with tables(ledger) as t:
        nid, _leaf, _state = t.event_of(CASE_2, ".Opened")
        issued = t.event_of(CASE_2, ".DecisionIssued")[1]
        t.run("DELETE FROM {proj_decisions} WHERE opened_at = ?", (nid,))
        _lower(t, "proj_decisions", 1)
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20") == (
        f"Error: the read models hide case {CASE_2} (log position {issued}): its legal period "
        "宣布决定（30日内） (Art. 11) for person P002 runs on 2024-04-20, but the read models "
        f"(proj_decisions) do not lead to it. Nothing is shown from them. {REBUILD}\n"
    )
    doc = json.loads(refused(ledger, "--json", "deadlines", "--as-of", "2024-04-20"))
    assert doc["where"]["position"] == issued
    # Before the decision nothing ran: that day's answer is whole, and says so.
    assert "Case set complete as of checkpoint" in shown(
        ledger, "deadlines", "--as-of", "2024-01-02"
    )
    assert size > issued
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    assert f"proj_decisions (opened_at={nid}, " in audit.stdout


def test_a_closed_case_is_looked_at_only_for_days_before_its_closing(
    ledger: Any, root_signer: Signer
) -> None:
    """Art. 12: a case closes only when no step is owed, so ``deadlines`` refolds a closed
    case (found through no index) only for a day before its signed closing date."""
    from test_trusted_reads import D

    from ledger.domain.regulation import PartyType

    ledger.announce(CASE_2, PartyType.PERSON, "P002", D(2024, 4, 16), "本人及所在单位")
    ledger.receive(CASE_2, PartyType.PERSON, "P002", D(2024, 4, 16))
    ledger.enter_in_file(CASE_2, "P002", D(2024, 4, 17), "档2024", "档案室")
    ledger.close_case(CASE_2, D(2024, 6, 1), "结案")
    cp, _new = make_checkpoint(ledger, root_signer)
    shown(ledger, "case", "list")
    with tables(ledger) as t:
        nid, _leaf, _state = t.event_of(CASE_2, ".Opened")
        issued = t.event_of(CASE_2, ".DecisionIssued")[1]
        assert t.event_of(CASE_2, ".Closed")[1] < cp.tree_size
        t.run("DELETE FROM {proj_decisions} WHERE opened_at = ?", (nid,))
        _lower(t, "proj_decisions", 1)
    line = f"Case set complete as of checkpoint {cp.tree_size} (case index)"
    assert line in shown(ledger, "deadlines", "--as-of", "2024-07-01")
    assert refused(ledger, "deadlines", "--as-of", "2024-04-15").startswith(
        f"Error: the read models hide case {CASE_2} (log position {issued}): its legal period "
    )


def test_the_signed_year_rule_is_the_read_models_year_index(
    ledger: Any, root_signer: Signer
) -> None:
    """The case-dates index's year keys list exactly the (year, case) pairs ``proj_case_years``
    holds: one rule of Art. 14, written twice (the index from the signed bytes, the views
    from the folded case)."""
    from ledger.transparency.case_dates import dates_named

    make_checkpoint(ledger, root_signer)
    with tables(ledger) as t:
        signed = set()
        for oid, topic, state in t.rows(
            "SELECT originator_id, topic, state FROM {events} WHERE topic LIKE ?",
            ("ledger.case:%",),
        ):
            for key in dates_named(str(topic), bytes(state)):
                if key.startswith("year:"):
                    signed.add((int(key[5:]), str(oid).replace("-", "")))
        viewed = {
            (int(y), str(oid).replace("-", ""))
            for y, oid in t.rows(
                "SELECT y.year, c.case_id FROM {proj_case_years} y JOIN {proj_cases} c "
                "ON c.opened_at = y.opened_at"
            )
        }
    assert signed == viewed
    assert {y for y, _ in signed} == {2024}


def test_a_case_dates_root_or_row_altered_is_refused_by_the_reads_and_named_by_verify(
    ledger: Any, root_signer: Signer
) -> None:
    cp, _new = make_checkpoint(ledger, root_signer)
    person_line, case_line, dates_line = Checkpoint.parse(cp.body()).extensions
    false_root = b64encode(b"\4" * 32)
    _sign_with_lines(
        ledger,
        root_signer,
        cp.tree_size,
        cp.root,
        (person_line, case_line, DATES_EXTENSION_PREFIX + false_root),
    )
    true_root = dates_line.removeprefix(DATES_EXTENSION_PREFIX)
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    assert (
        f"checkpoint {cp.tree_size} signed case-dates root {false_root}, but the log's events "
        f"give {true_root}: a year's cases or the closings were committed from rows that "
        "differ from the log"
    ) in audit.stdout
    assert refused(ledger, "report", "annual", "--year", "2024").endswith(
        f"does not match the root signed in checkpoint {cp.tree_size}: it leads to another "
        "root; run `lifeledger verify`\n"
    )
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20").startswith(
        "Error: the case index of closings "
    )
    # The reads that use neither key still answer.
    assert CASE_2 in shown(ledger, "case", "list")


def test_a_deleted_case_dates_row_is_refused_by_the_reads_and_named_by_verify(
    ledger: Any, root_signer: Signer
) -> None:
    _checkpointed(ledger, root_signer)
    with tables(ledger) as t:
        ((rows,),) = t.rows(
            f"SELECT COUNT(*) FROM {t.prefix}case_dates_events WHERE subject = 'year:2024'"
        )
        t.conn.execute(
            f"DELETE FROM {t.prefix}case_dates_events WHERE subject = 'year:2024' AND seq = 1"
        )
    message = refused(ledger, "report", "annual", "--year", "2024")
    assert message.startswith("Error: the case index of year:2024 has no entry 1 holding an event")
    audit = run(ledger, "verify")
    assert audit.exit_code == 1
    assert (
        f"case index table case_dates_events: year:2024 has {int(rows) - 1} stored rows, the "
        f"log has {rows} events listed"
    ) in audit.stdout


def test_a_ledger_whose_checkpoints_predate_the_case_dates_index_verifies_and_then_commits_it(
    ledger: Any, root_signer: Signer
) -> None:
    """A ledger checkpointed with the person and case indexes only: it verifies, its reads
    answer with the case set checked, and the next checkpoint commits the case-dates index."""
    cp, _new = make_checkpoint(ledger, root_signer)
    person_line, case_line, _dates_line = Checkpoint.parse(cp.body()).extensions
    _sign_with_lines(ledger, root_signer, cp.tree_size, cp.root, (person_line, case_line))
    with tables(ledger) as t:
        t.conn.execute(f"DELETE FROM {t.prefix}case_dates_events")
        t.conn.execute(f"DELETE FROM {t.prefix}case_dates_nodes")
    assert run(ledger, "verify").exit_code == 0
    line = f"Case set complete as of checkpoint {cp.tree_size} (case index)"
    assert line in shown(ledger, "report", "annual", "--year", "2024")
    assert line in shown(ledger, "deadlines", "--as-of", "2024-04-20")
    open_case(ledger, CASE_3)
    later, new = make_checkpoint(ledger, root_signer)
    assert new
    assert Checkpoint.parse(later.body()).extensions[2].startswith(DATES_EXTENSION_PREFIX)
    assert run(ledger, "verify").exit_code == 0
    with tables(ledger) as t:
        nid, leaf, _state = t.event_of(CASE_2, ".Opened")
        t.run("DELETE FROM {proj_case_years} WHERE year = 2024 AND opened_at = ?", (nid,))
        _lower(t, "proj_case_years", 1)
    assert refused(ledger, "report", "annual", "--year", "2024") == _hidden(
        CASE_2,
        leaf,
        f"the case-dates index signed in checkpoint {later.tree_size} lists it",
        "year:2024",
        "proj_case_years and proj_cases",
    )


def test_an_event_removed_after_the_checkpoint_is_a_gap_the_reads_refuse(
    ledger: Any, root_signer: Signer
) -> None:
    """A closing or an opening after the checkpoint is read from the log itself: one deleted
    with its leaf (an insider making a reopened case look closed) leaves a gap."""
    size = _checkpointed(ledger, root_signer)
    open_case(ledger, "湘纪追〔2024〕4号")
    with tables(ledger) as t:
        nid, leaf, _state = t.event_of(CASE_3, ".Opened")
        t.run("DELETE FROM {merkle_leaves} WHERE notification_id = ?", (nid,))
        t.run("DELETE FROM {events} WHERE {position} = ?", (nid,))
    gap = (
        f"Error: the log after checkpoint {size} has no event at position {leaf}: an event was "
        "removed; run `lifeledger verify`\n"
    )
    assert refused(ledger, "deadlines", "--as-of", "2024-04-20") == gap
    assert refused(ledger, "report", "annual", "--year", "2024") == gap
    assert run(ledger, "verify").exit_code == 1


def test_an_opening_or_closing_date_read_from_the_bytes_is_the_payloads(
    ledger: Any, root_signer: Signer
) -> None:
    from test_trusted_reads import D

    from ledger.domain.regulation import PartyType
    from ledger.transparency.case_dates import business_day
    from ledger.transparency.person_index import payload_of

    ledger.announce(CASE_2, PartyType.PERSON, "P002", D(2024, 4, 16), "本人及所在单位")
    ledger.receive(CASE_2, PartyType.PERSON, "P002", D(2024, 4, 16))
    ledger.enter_in_file(CASE_2, "P002", D(2024, 4, 17), "档2024", "档案室")
    ledger.close_case(CASE_2, D(2024, 6, 1), '"on":{"_type_":"date_iso","_data_":"1999-01-01"}')
    with tables(ledger) as t:
        states = [
            bytes(s)
            for (s,) in t.rows(
                "SELECT state FROM {events} WHERE topic LIKE ? OR topic LIKE ?",
                ("%.Opened", "%.Closed"),
            )
        ]
    assert len(states) == 3
    for state in states:
        payload = payload_of(state)
        assert payload is not None
        day = payload.get("on") or payload.get("opened_on")
        assert business_day(state) == day["_data_"]
    assert "2024-06-01" in map(business_day, states)
    assert business_day(b"not an envelope") is None
