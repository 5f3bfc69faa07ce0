"""The person index (Art. 8): complete histories, on the real SQLite file and PostgreSQL tables.

An insider with write access to the database (no key) edits the read models or the index
tables; an insider with one admin key signs a checkpoint over a false index. Each is caught by
the read that would have shown it or by `verify`, naming the row or position.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from click.testing import CliRunner, Result
from psycopg import sql
from verify_support import record_case

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.proofs import export_cadre_proof, verify_proof
from ledger.audit.verify import Check, verify_store
from ledger.domain.ids import case_id
from ledger.signing.signatures import Signer
from ledger.storage.entries import event_leaf_hash
from ledger.transparency.checkpoint import Checkpoint, sign_note
from ledger.transparency.checkpoints import make_checkpoint
from ledger.transparency.person_audit import IndexAudit
from ledger.transparency.person_index import (
    PERSON_EVENTS_TABLE,
    PERSON_NODES_TABLE,
    extension_line,
    persons_named,
)
from ledger.transparency.person_tables import PersonTables
from ledger.transparency.tables import LedgerTables, StoredCheckpoint, utc_now


def tamper(app: LedgerApplication, statement: str, params: Sequence[Any] = ()) -> int:
    """Run one statement straight on the store, as an insider with write access would;
    ``{t:name}`` names a table. Returns the rows changed."""
    cfg = app.store
    if cfg.kind == "sqlite":
        assert cfg.path is not None
        conn = sqlite3.connect(cfg.path)
        try:
            text = statement
            for name in ("proj_case_parties", PERSON_EVENTS_TABLE, PERSON_NODES_TABLE):
                text = text.replace("{t:" + name + "}", name)
            changed = conn.execute(text, list(params)).rowcount
            conn.commit()
            return changed
        finally:
            conn.close()
    with psycopg.connect(host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user) as c:
        text = statement.replace("?", "%s")
        names = {}
        for name in ("proj_case_parties", PERSON_EVENTS_TABLE, PERSON_NODES_TABLE):
            if "{t:" + name + "}" in text:
                key = name.replace("_", "")
                text = text.replace("{t:" + name + "}", "{" + key + "}")
                names[key] = sql.Identifier(cfg.schema, name)
        cur = c.execute(sql.SQL(text).format(**names), list(params))  # type: ignore[arg-type]
        return cur.rowcount


def run(app: LedgerApplication, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", app.store.url, *args])


def recomputed(app: LedgerApplication) -> IndexAudit:
    """The index refolded from the log by the audit's own pass."""
    audit = IndexAudit()
    tables = LedgerTables(app)
    for position, row in enumerate(tables.event_rows(0, 10_000, 10**9)):
        _, oid, version, topic, state = row
        uid = oid if isinstance(oid, UUID) else UUID(str(oid))
        audit.feed(
            position, uid, topic, state, event_leaf_hash(position, uid, version, topic, state)
        )
    return audit


def test_each_event_naming_a_person_extends_their_chain_in_the_log_order(
    app: LedgerApplication,
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    rows = [r for r in PersonTables(app).all_rows() if r[0] == "P001"]
    # the cadre's registration, then assign, hear, decide, announce, file, receive
    assert [r[1] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)
    audit = recomputed(app)
    assert rows[-1][3] == audit.chains["P001"].chain and audit.chains["P001"].count == 7
    assert next(r for r in PersonTables(app).all_rows() if r[0] == "P002")[1] == 1


def test_a_team_finding_names_every_member_and_the_objector(app: LedgerApplication) -> None:
    payload = json.dumps(
        {"unit_code": "CS-XF", "members": [{"personnel_no": "P002"}, {"personnel_no": "P003"}]}
    ).encode()
    state = b"LLS1" + b"\0" * 72 + payload
    topic = "ledger.case:AccountabilityCase.TeamResponsibilityAssigned"
    assert persons_named(topic, UUID(int=1), state, lambda _: None) == ("P002", "P003")
    objection = b"LLS1" + b"\0" * 72 + json.dumps({"personnel_no": "P001"}).encode()
    assert persons_named(
        "ledger.case:AccountabilityCase.ObjectionRecorded", UUID(int=1), objection, lambda _: None
    ) == ("P001",)
    closed = b"LLS1" + b"\0" * 72 + json.dumps({"summary": "P001"}).encode()
    assert persons_named("ledger.case:AccountabilityCase.Closed", UUID(int=1), closed,
                         lambda _: None) == ()  # fmt: skip


def test_deleting_a_case_party_view_row_does_not_change_cadre_history(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    make_checkpoint(app, root_signer)
    before = run(app, "cadre", "history", "P001")
    assert before.exit_code == 0, before.output
    assert "湘纪追〔2024〕1号" in before.output
    assert tamper(app, "DELETE FROM {t:proj_case_parties} WHERE code = ?", ("P001",)) == 1
    after = run(app, "cadre", "history", "P001")
    assert after.exit_code == 0 and after.output == before.output


def test_cadre_history_says_complete_as_of_the_checkpoint_and_checks_later_events(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    record_case(app, "湘纪追〔2024〕2号", "P001")  # 8 events, 6 of them name P001
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[-1] == (
        f"Complete as of checkpoint {cp.tree_size} (person index); 6 later event(s) naming "
        "P001 checked directly (of 8 appended since)."
    )
    assert "湘纪追〔2024〕2号" in shown.output


def test_a_clean_record_says_no_accountability_as_of_the_checkpoint(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    shown = run(app, "cadre", "history", "P002")
    assert shown.exit_code == 0, shown.output
    assert f"No accountability on record as of checkpoint {cp.tree_size}." in shown.output
    unknown = run(app, "cadre", "history", "P999")
    assert unknown.exit_code == 1
    assert unknown.stderr == (
        "Error: no cadre with personnel number P999: no event names this number as of "
        f"checkpoint {cp.tree_size} (proven absent from the person index), nor any of the 0 "
        "events after it\n"
    )


def test_a_deleted_index_row_is_a_clean_error_naming_the_position_and_verify_names_it(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    make_checkpoint(app, root_signer)
    rows = [r for r in PersonTables(app).all_rows() if r[0] == "P001"]
    assert tamper(app, "DELETE FROM {t:person_events} WHERE personnel_no = ? AND seq = 3",
                  ("P001",)) == 1  # fmt: skip
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 1 and shown.stdout == ""
    assert shown.stderr == (
        f"Error: the person index of P001 has no entry 3 (the next holds position {rows[3][2]}):"
        " a row was deleted; run `lifeledger verify`\n"
    )
    assert run(app, "cadre", "history", "P002").exit_code == 0  # other cadres still read
    result = verify_store(app)
    assert [f.message for f in result.failures if f.check is Check.INDEX] == [
        f"person index table {PERSON_EVENTS_TABLE}: P001 has 6 stored rows, the log has 7 "
        "events naming this person"
    ]


def test_an_edited_chain_value_or_map_node_is_caught_by_verify(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    assert verify_store(app).ok
    tamper(app, "UPDATE {t:person_events} SET chain = ? WHERE personnel_no = ? AND seq = 2",
           (b"\1" * 32, "P002"))  # fmt: skip
    tamper(app, "UPDATE {t:person_events} SET chain = ? WHERE personnel_no = ? AND seq = 2",
           (b"\1" * 32, "P001"))  # fmt: skip
    tamper(app, "UPDATE {t:person_map_nodes} SET hash = ? WHERE path = ?", (b"\2" * 32, "1"))
    messages = [f.message for f in verify_store(app).failures if f.check is Check.INDEX]
    assert messages[0] == (
        f"person index table {PERSON_EVENTS_TABLE}: the rows of P001 differ from the log's "
        "(positions or chain values were edited)"
    )
    assert messages[1].startswith(
        f"person index table {PERSON_NODES_TABLE}: 1 map nodes as of checkpoint {cp.tree_size}"
        " differ from the map of the log's chains (first at path '1')"
    )
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 0 or "run `lifeledger verify`" in shown.stderr


def test_a_checkpoint_signed_over_a_false_index_is_caught_by_verify(
    app: LedgerApplication, root_signer: Signer
) -> None:
    """An insider holding an admin key signs a checkpoint whose index leaves a case out."""
    record_case(app, "湘纪追〔2024〕1号", "P001")
    tables = LedgerTables(app)
    size = tables.leaf_count()
    real, _ = make_checkpoint(app, root_signer)
    origin = Checkpoint.parse(real.body()).origin
    forged = Checkpoint(origin, size, real.root, (extension_line(b"\3" * 32),))
    note = sign_note(forged.body(), origin, root_signer.private_key)
    tamper(app, "DELETE FROM checkpoints" if app.store.kind == "sqlite" else "SELECT 1")
    if app.store.kind == "postgres":
        cfg = app.store
        with psycopg.connect(host=cfg.host, port=cfg.port, dbname=cfg.dbname, user=cfg.user) as c:
            c.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(cfg.schema, "checkpoints")))
    tables.insert_checkpoint(StoredCheckpoint(size, real.root, note, utc_now()))
    messages = [f.message for f in verify_store(app).failures if f.check is Check.INDEX]
    false_root = base64.b64encode(b"\3" * 32).decode()
    true_line, *_case_lines = Checkpoint.parse(real.body()).extensions
    true_root = true_line.removeprefix("lifeledger/person-index/v1 ")
    assert messages == [
        f"checkpoint {size} signed person-index root {false_root}, but the log's events give "
        f"{true_root}: the index was built from rows that differ from the log"
    ]
    shown = run(app, "cadre", "history", "P001")
    assert shown.exit_code == 1
    assert shown.stderr == (
        "Error: the person index of P001 (7 events up to position 13) does not match the root "
        f"signed in checkpoint {size}: it leads to another root; run `lifeledger verify`\n"
    )


def test_a_second_checkpoint_rehashes_only_the_persons_named_since(
    app: LedgerApplication, root_signer: Signer
) -> None:
    for i in range(40):
        app.add_cadre(f"Q{i:03d}", "某干部", "CS-XF", "科员", record_day())
    first, _ = make_checkpoint(app, root_signer)
    record_case(app, "湘纪追〔2024〕1号", "P001")
    second, _ = make_checkpoint(app, root_signer)
    written = tamper(app, "DELETE FROM {t:person_map_nodes} WHERE version = ?",
                     (second.tree_size,))  # fmt: skip
    # P001's path only: its leaf and the internal nodes above it (43 persons: depth ~6)
    assert 1 <= written <= 12
    assert first.tree_size < second.tree_size


def record_day() -> Any:
    import datetime as dt

    return dt.date(2016, 1, 4)


# proofs -------------------------------------------------------------------------------------
def names_p001(event: dict[str, Any]) -> bool:
    state = base64.b64decode(event["state"])
    return "P001" in persons_named(
        event["topic"], UUID(event["originator_id"]), state, lambda _: None
    )


def test_an_untouched_cadre_proof_passes_with_only_the_root_fingerprint(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    report = verify_proof(json.dumps(export_cadre_proof(app, "P001")).encode(),
                          root_signer.fingerprint)  # fmt: skip
    assert report, report.result.failures
    assert report.completeness == (
        f"complete as of checkpoint {cp.tree_size}: 7 events name P001 (6 in cases)"
    )


def test_a_cadre_proof_with_one_event_omitted_fails_naming_the_omission(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    record_case(app, "湘纪追〔2024〕2号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    doc = export_cadre_proof(app, "P001")
    last = max(i for i, e in enumerate(doc["events"]) if names_p001(e))
    omitted = dict(doc, events=[e for i, e in enumerate(doc["events"]) if i != last])
    report = verify_proof(json.dumps(omitted).encode(), root_signer.fingerprint)
    assert not report
    assert (
        Check.INDEX,
        f"the document holds 12 events naming P001, the person index signed in checkpoint "
        f"{cp.tree_size} commits 13: 1 event(s) naming P001 were omitted",
    ) in [(f.check, f.message) for f in report.result.failures]


def test_a_cadre_proof_without_a_whole_case_fails_though_no_version_is_missing(
    app: LedgerApplication, root_signer: Signer
) -> None:
    """Versions only show gaps inside a record; leaving a whole case out shows nowhere else."""
    record_case(app, "湘纪追〔2024〕1号", "P001")
    record_case(app, "湘纪追〔2024〕2号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    doc = export_cadre_proof(app, "P001")
    second = str(case_id("湘纪追〔2024〕2号"))
    doc["events"] = [e for e in doc["events"] if e["originator_id"] != second]
    doc["records"] = {k: v for k, v in doc["records"].items() if k != second}
    report = verify_proof(json.dumps(doc).encode(), root_signer.fingerprint)
    assert [(f.check, f.message) for f in report.result.failures] == [
        (
            Check.INDEX,
            f"the document holds 7 events naming P001, the person index signed in checkpoint "
            f"{cp.tree_size} commits 13: 6 event(s) naming P001 were omitted",
        )
    ]


def test_a_cadre_proof_with_events_reordered_or_the_map_path_altered_fails(
    app: LedgerApplication, root_signer: Signer
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    doc = export_cadre_proof(app, "P001")
    swapped = json.loads(json.dumps(doc))
    swapped["events"][3], swapped["events"][4] = swapped["events"][4], swapped["events"][3]
    report = verify_proof(json.dumps(swapped).encode(), root_signer.fingerprint)
    assert not report and "not in strictly increasing position order" in str(
        [f.message for f in report.result.failures]
    )
    altered = json.loads(json.dumps(doc))
    altered["completeness"]["count"] = 6
    report = verify_proof(json.dumps(altered).encode(), root_signer.fingerprint)
    assert [f.message for f in report.result.failures] == [
        f"the person-index path of P001 does not lead to the root signed in checkpoint "
        f"{cp.tree_size} (it leads to another root): the map path or the committed count "
        "was altered"
    ]
    absent = json.loads(json.dumps(doc))
    absent["completeness"]["count"] = 0
    report = verify_proof(json.dumps(absent).encode(), root_signer.fingerprint)
    assert not report and report.result.failures[0].check is Check.INDEX


def test_a_clean_record_proof_verifies_as_no_accountability_from_the_cli(
    app: LedgerApplication, root_signer: Signer, tmp_path: Any
) -> None:
    record_case(app, "湘纪追〔2024〕1号", "P001")
    cp, _ = make_checkpoint(app, root_signer)
    for person in ("P002", "P404"):  # registered with no case; never named at all
        out = tmp_path / f"{person}.json"
        made = run(app, "proof", "cadre", person, "--out", str(out))
        assert made.exit_code == 0, made.output
        checked = run(app, "proof", "verify", str(out), "--root-fingerprint",
                      root_signer.fingerprint)  # fmt: skip
        assert checked.exit_code == 0, checked.output
        assert (
            f"Cadre {person}: no accountability on record as of checkpoint {cp.tree_size}."
            in checked.output
        )
