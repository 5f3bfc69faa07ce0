"""Signatures over the stored rows, tested against the real SQLite file: an altered byte, a row
moved to another aggregate or version, and a row forged with an unregistered key are all refused
on read with TamperedEventError; an untouched ledger reads. And signer keys on disk.

Tampering is done with the ``sqlite3`` module directly on the file, as an intruder would, and
the ledger is then read by a fresh application on that file, as another process or an auditor
would: the writing application caches the aggregates it has already verified (store.py sets
``AGGREGATE_CACHE_MAXSIZE`` with fast-forward) and only reads events newer than its copy.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from scenarios import CASE, PERSON, UNIT_CODE, decided_case, open_case

from ledger.application import LedgerApplication
from ledger.domain import ids
from ledger.errors import KeyFileError, TamperedEventError
from ledger.signing.signatures import (
    HEADER_SIZE,
    KEY_ID_SIZE,
    MAGIC,
    Envelope,
    Signer,
    check_signature,
)

OTHER_CASE = "长纪案〔2024〕2号"
PASSPHRASE = "正确的口令 correct horse"


@pytest.fixture
def store_url(sqlite_url: str) -> str:
    """Tampering is done on the SQLite file only: the ``app`` fixture runs on SQLite here."""
    return sqlite_url


@pytest.fixture
def ledger(app: LedgerApplication) -> LedgerApplication:
    """Two cases: CASE with a decision for P001, OTHER_CASE opened."""
    decided_case(app)
    open_case(app, OTHER_CASE)
    return app


@pytest.fixture
def db(ledger: LedgerApplication) -> Iterator[sqlite3.Connection]:
    """A separate connection to the ledger's SQLite file, as an intruder would open it."""
    assert ledger.store.path is not None
    conn = sqlite3.connect(ledger.store.path)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def fresh(ledger: LedgerApplication) -> Iterator[LedgerApplication]:
    """Another application on the same file, with no signer and nothing cached."""
    reader = LedgerApplication(ledger.store)
    try:
        yield reader
    finally:
        reader.close()


def rows_of(db: sqlite3.Connection, aggregate_id: UUID) -> list[tuple[int, int, str, bytes]]:
    """(rowid, version, topic, state) of one aggregate's stored events, oldest first."""
    return db.execute(
        "SELECT rowid, originator_version, topic, state FROM stored_events "
        "WHERE originator_id = ? ORDER BY originator_version",
        (aggregate_id.hex,),
    ).fetchall()


def set_state(db: sqlite3.Connection, rowid: int, state: bytes) -> None:
    with db:
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, rowid))


def flip(state: bytes, at: int) -> bytes:
    changed = bytearray(state)
    changed[at] ^= 0x01
    return bytes(changed)


CASE_ID = ids.case_id(CASE)
OTHER_ID = ids.case_id(OTHER_CASE)


# --- an untouched ledger --------------------------------------------------------------------


def test_every_event_of_an_untouched_ledger_verifies(ledger: LedgerApplication) -> None:
    notifications = ledger.recorder.select_notifications(1, 1000)
    assert len(notifications) == ledger.recorder.max_notification_id()
    for n in notifications:
        ledger.mapper.to_domain_event(n)  # raises TamperedEventError on any failure
    assert ledger.case(CASE).party(PERSON, "P001").decision is not None
    assert ledger.unit(UNIT_CODE).name == "长沙市某区信访局"


def test_an_untouched_ledger_reads_in_a_fresh_process(fresh: LedgerApplication) -> None:
    assert fresh.case(CASE).party(PERSON, "P001").decision.measures_in_force == ("admonition_talk",)
    assert fresh.case(OTHER_CASE).case_no == OTHER_CASE
    assert len(fresh.registry().records()) == 3
    assert fresh.cadre("P001").name == "王局长"


def test_a_stored_state_is_a_signed_envelope_bound_to_its_row(
    ledger: LedgerApplication, db: sqlite3.Connection, discipline_signer: Signer
) -> None:
    _, version, topic, state = rows_of(db, CASE_ID)[-1]
    assert state.startswith(MAGIC)
    envelope = Envelope.parse(state)
    assert envelope.key_id == discipline_signer.key_id
    key = discipline_signer.private_key.public_key()
    assert check_signature(key, envelope, CASE_ID, version, topic)
    assert not check_signature(key, envelope, OTHER_ID, version, topic)
    assert not check_signature(key, envelope, CASE_ID, version + 1, topic)


# --- altered bytes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["payload-first", "payload-last", "signature", "key-id", "magic"],
)
def test_one_changed_byte_of_a_stored_state_is_refused_on_read(
    fresh: LedgerApplication, db: sqlite3.Connection, where: str
) -> None:
    rowid, _, _, state = rows_of(db, CASE_ID)[-1]  # the DecisionIssued event
    at = {
        "payload-first": HEADER_SIZE,
        "payload-last": len(state) - 1,
        "signature": len(MAGIC) + KEY_ID_SIZE + 10,
        "key-id": len(MAGIC) + 3,
        "magic": 0,
    }[where]
    set_state(db, rowid, flip(state, at))
    with pytest.raises(TamperedEventError) as info:
        fresh.case(CASE)
    if where != "magic":
        assert info.value.where["originator_id"] == str(CASE_ID)
    assert fresh.case(OTHER_CASE).case_no == OTHER_CASE  # the other aggregate still reads


def test_a_changed_decision_text_is_refused_even_when_still_valid_json(
    fresh: LedgerApplication, db: sqlite3.Connection
) -> None:
    rowid, _, topic, state = rows_of(db, CASE_ID)[-1]
    assert topic.endswith(".DecisionIssued")
    changed = state.replace(b'"admonition_talk"', b'"dismissal"')
    assert changed != state and len(changed) != len(state)
    set_state(db, rowid, changed)
    with pytest.raises(TamperedEventError):
        fresh.case(CASE)


def test_a_truncated_state_is_refused(fresh: LedgerApplication, db: sqlite3.Connection) -> None:
    rowid, _, _, state = rows_of(db, CASE_ID)[0]
    set_state(db, rowid, state[: HEADER_SIZE - 1])
    with pytest.raises(TamperedEventError):
        fresh.case(CASE)


def test_a_changed_key_registry_event_is_refused(
    fresh: LedgerApplication, db: sqlite3.Connection
) -> None:
    rowid, _, _, state = rows_of(db, ids.REGISTRY_ID)[1]  # the discipline key's registration
    set_state(db, rowid, flip(state, len(state) - 3))
    with pytest.raises(TamperedEventError):
        fresh.registry()


# --- moved rows -----------------------------------------------------------------------------


def test_a_row_moved_to_another_aggregate_is_refused(
    fresh: LedgerApplication, db: sqlite3.Connection
) -> None:
    rowid = rows_of(db, CASE_ID)[1][0]  # ResponsibilityAssigned v2
    next_version = rows_of(db, OTHER_ID)[-1][1] + 1
    with db:
        db.execute(
            "UPDATE stored_events SET originator_id = ?, originator_version = ? WHERE rowid = ?",
            (OTHER_ID.hex, next_version, rowid),
        )
    with pytest.raises(TamperedEventError) as info:
        fresh.case(OTHER_CASE)
    assert info.value.where["originator_id"] == str(OTHER_ID)


def test_a_row_moved_to_another_version_is_refused(
    fresh: LedgerApplication, db: sqlite3.Connection
) -> None:
    rowid, version, _, _ = rows_of(db, CASE_ID)[-1]
    with db:
        db.execute(
            "UPDATE stored_events SET originator_version = ? WHERE rowid = ?",
            (version + 1, rowid),
        )
    with pytest.raises(TamperedEventError) as info:
        fresh.case(CASE)
    assert info.value.where["version"] == version + 1


def test_a_row_copied_into_another_aggregate_is_refused(
    fresh: LedgerApplication, db: sqlite3.Connection
) -> None:
    _, _, topic, state = rows_of(db, CASE_ID)[1]
    next_version = rows_of(db, OTHER_ID)[-1][1] + 1
    with db:
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            (OTHER_ID.hex, next_version, topic, state),
        )
    with pytest.raises(TamperedEventError):
        fresh.case(OTHER_CASE)


# --- forged rows ----------------------------------------------------------------------------


def test_an_event_forged_with_an_unregistered_key_is_refused(
    fresh: LedgerApplication, db: sqlite3.Connection
) -> None:
    _, version, topic, state = rows_of(db, CASE_ID)[-1]
    forger = Signer.generate()
    forged = forger.seal(CASE_ID, version + 1, topic, Envelope.parse(state).payload)
    with db:
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            (CASE_ID.hex, version + 1, topic, forged),
        )
    with pytest.raises(TamperedEventError) as info:
        fresh.case(CASE)
    assert forger.key_id.hex() in str(info.value)
    assert "not registered" in str(info.value)


def test_a_state_re_signed_with_an_unregistered_key_is_refused(
    fresh: LedgerApplication, db: sqlite3.Connection
) -> None:
    rowid, version, topic, state = rows_of(db, CASE_ID)[-1]
    payload = Envelope.parse(state).payload.replace(b'"admonition_talk"', b'"dismissal"')
    set_state(db, rowid, Signer.generate().seal(CASE_ID, version, topic, payload))
    with pytest.raises(TamperedEventError):
        fresh.case(CASE)


# --- keys on disk ---------------------------------------------------------------------------


def test_a_saved_key_loads_back_as_the_same_key(tmp_path: Path) -> None:
    signer = Signer.generate()
    path = tmp_path / "keys" / "discipline.pem"
    signer.save(path, PASSPHRASE)
    loaded = Signer.load(path, PASSPHRASE)
    assert loaded.public_raw == signer.public_raw
    assert loaded.key_id == signer.key_id
    message = b"lifeledger test message"
    signer.private_key.public_key().verify(loaded.sign(message), message)
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()


def test_a_saved_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    Signer.generate().save(path, PASSPHRASE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_wrong_passphrase_is_a_key_file_error(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    Signer.generate().save(path, PASSPHRASE)
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        Signer.load(path, "wrong")
    with pytest.raises(KeyFileError):
        Signer.load(path, "")


def test_a_missing_key_file_is_a_key_file_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        Signer.load(tmp_path / "absent.pem", PASSPHRASE)


def test_a_file_that_is_not_a_key_is_a_key_file_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a key")
    with pytest.raises(KeyFileError):
        Signer.load(path, PASSPHRASE)


def test_saving_refuses_to_overwrite_or_to_store_without_a_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    first = Signer.generate()
    first.save(path, PASSPHRASE)
    with pytest.raises(KeyFileError, match="already exists"):
        Signer.generate().save(path, PASSPHRASE)
    assert Signer.load(path, PASSPHRASE).key_id == first.key_id
    with pytest.raises(KeyFileError):
        Signer.generate().save(tmp_path / "k2.pem", "")
    assert not (tmp_path / "k2.pem").exists()
