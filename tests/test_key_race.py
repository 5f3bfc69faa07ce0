"""A key revoked or rotated while other processes append with it (Art. 6; DESIGN, "Trust
model": a key's validity is checked inside the transaction that appends with it).

Writer processes append with one recorder key as fast as they can; the parent revokes (or an
admin rotates) that key in the middle. Every append the writers saw acknowledged must sit
before the revocation in the log, every refusal must be the usual clean error, no event signed
by the key may follow the revocation, and the ledger must verify. Many trials, both stores.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import time
import traceback
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import LedgerApplication
from ledger.audit.verify import verify_store
from ledger.domain import ids
from ledger.domain.regulation import AuthorityKind, KeyRole, ResultElement
from ledger.errors import KeyManagementError
from ledger.signing.signatures import Envelope, Signer
from ledger.storage.store import StoreConfig

WRITERS = 2
TRIALS = 12
#: Appends each writer has had acknowledged before the key is ended.
WARM = 3
TIMEOUT = 120


def _writer(url: str, wid: int, jobs: Any, results: Any) -> None:
    """One workstation: appends with the trial's key until the key is refused."""
    app: LedgerApplication | None = None
    try:
        app = LedgerApplication(StoreConfig.parse(url))
        while True:
            job = jobs.get(timeout=TIMEOUT)
            if job is None:
                break
            trial, private_raw = job
            app.signer = Signer(Ed25519PrivateKey.from_private_bytes(private_raw))
            acknowledged: list[str] = []
            refusal = None
            deadline = time.monotonic() + TIMEOUT
            while refusal is None and time.monotonic() < deadline:
                case_no = f"R{trial}-W{wid}-{len(acknowledged)}"
                try:
                    app.open_case(
                        case_no, dt.date(2024, 3, 1), [12], "推诿扯皮", dt.date(2024, 4, 1),
                        results=[ResultElement.ADVERSE_IMPACT],
                    )  # fmt: skip
                except KeyManagementError as e:
                    refusal = str(e)
                    break
                acknowledged.append(case_no)
                results.put(("progress", wid, trial, len(acknowledged)))
            results.put(("done", wid, trial, acknowledged, refusal))
    except BaseException:
        results.put(("crash", wid, traceback.format_exc()))
    finally:
        if app is not None:
            app.close()


def _register(app: LedgerApplication, root: Signer, n: int) -> Signer:
    signer = Signer.generate()
    app.signer = root
    app.add_key(
        signer.public_raw, f"纪检干部{n}", "长沙市纪委监委", AuthorityKind.DISCIPLINE,
        KeyRole.RECORDER,
    )  # fmt: skip
    return signer


def _positions_signed_after(app: LedgerApplication, key_id: bytes, after: int) -> list[int]:
    """Log positions after ``after`` of events signed by ``key_id``."""
    found = []
    start = after
    while True:
        page = app.recorder.select_notifications(start, 500, inclusive_of_start=False)
        if not page:
            return found
        found += [n.id for n in page if Envelope.parse(n.state).key_id == key_id]
        start = page[-1].id


def _ending_position(app: LedgerApplication) -> int:
    """The log position of the registry's last event (the revocation or rotation)."""
    last = next(iter(app.recorder.select_events(ids.REGISTRY_ID, desc=True, limit=1)))
    top = app.recorder.max_notification_id() or 0
    page = app.recorder.select_notifications(1, top, stop=top)
    return next(
        n.id
        for n in page
        if n.originator_id == ids.REGISTRY_ID and n.originator_version == last.originator_version
    )


def test_appends_racing_a_revocation_or_rotation_are_never_acknowledged_after_it(
    app: LedgerApplication, root_signer: Signer
) -> None:
    ctx = mp.get_context("spawn")
    jobs, results = ctx.Queue(), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(app.store.url, w, jobs, results)) for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    try:
        acknowledged_total = 0
        for trial in range(TRIALS):
            signer = _register(app, root_signer, trial)
            for _ in procs:
                jobs.put((trial, signer.private_key.private_bytes_raw()))
            warm: dict[int, int] = {}
            while len(warm) < WRITERS or min(warm.values()) < WARM:
                message = results.get(timeout=TIMEOUT)
                assert message[0] != "crash", message[2]
                if message[0] == "progress" and message[2] == trial:
                    warm[message[1]] = message[3]
            app.signer = root_signer
            rotate = trial % 2 == 1
            if rotate:  # an admin replaces the key: the old one may not sign any more
                app.rotate_key(signer.key_id.hex(), Signer.generate().public_raw)
            else:
                app.revoke_key(signer.key_id.hex(), "密钥遗失")
            ended_at = _ending_position(app)
            outs = []
            while len(outs) < WRITERS:
                message = results.get(timeout=TIMEOUT)
                assert message[0] != "crash", message[2]
                if message[0] == "done":
                    outs.append(message)
            status = "rotated" if rotate else "revoked"
            for _, _, _, acknowledged, refusal in outs:
                assert refusal == (
                    f"signer key {signer.key_id.hex()} (纪检干部{trial}) was {status} and may "
                    f"not sign (key management: {status} key) Use the key that replaced it or "
                    "ask for a new one."
                )
                for case_no in acknowledged:
                    stored = app.recorder.select_events(ids.case_id(case_no))
                    assert len(stored) == 1, case_no
                acknowledged_total += len(acknowledged)
            assert _positions_signed_after(app, signer.key_id, ended_at) == [], (trial, status)
        for _ in procs:
            jobs.put(None)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert acknowledged_total >= TRIALS * WRITERS * WARM
    result = verify_store(app)
    assert result, result.summary()
