"""`bundle verify` runs the same semantic audit as `verify` (issue 12): an event the Measures
would have refused is named with its position, its case, the rule and the article, even when
its signature is valid, and the bundle fails. The bundles are crafted as an insider holding a
valid key would: the forbidden event is triggered on the aggregate directly, saved, exported."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from scenarios import CASE, D, received_case
from test_art4_older_ledgers import open_as_older_ledgers_did
from test_audit_semantic import log_size

from cli.main import cli
from ledger.application import LedgerApplication
from ledger.audit.bundle import export_bundle, verify_bundle
from ledger.audit.verify import Check
from ledger.domain import ids
from ledger.domain.case import AccountabilityCase
from ledger.signing.signatures import Signer

CLOSED_TOO_EARLY = (
    "the Measures would have refused it (Art. 11: file entry before closing): the decision for "
    "person:P001 is not yet entered in the personnel file (人事档案)"
)


def closed_while_the_appeal_period_runs(app: LedgerApplication, path: Path) -> int:
    """A valid-signed ``Closed`` event the write path refuses; the ledger exported."""
    received_case(app, D(2025, 3, 3))  # announced and received; may appeal until 2025-03-18
    case = app.repository.get(ids.case_id(CASE))
    assert isinstance(case, AccountabilityCase)
    case._closed(on=D(2025, 3, 4), summary="结案。")
    position = log_size(app)
    app.save(case)
    export_bundle(app, path)
    return position


def test_bundle_verify_names_an_event_the_measures_would_have_refused(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    position = closed_while_the_appeal_period_runs(app, tmp_path / "b.jsonl")
    app.close()  # offline from here on
    result = verify_bundle(tmp_path / "b.jsonl", root_signer.fingerprint)
    assert not result
    assert [(f.check, f.position, f.record, f.topic, f.message) for f in result.failures] == [
        (Check.MEASURES, position, f"case {CASE}", "AccountabilityCase.Closed", CLOSED_TOO_EARLY)
    ]
    assert result.signatures == result.events  # every signature holds: only the Measures fail


def test_bundle_verify_judges_an_older_case_by_the_rule_it_was_recorded_under(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    """Art. 4 on a bundle of an older ledger: one consequence for the case, none recorded,
    while ground (十一) needs 不良影响 or 严重后果."""
    open_as_older_ledgers_did(app, [11], "none")
    export_bundle(app, tmp_path / "b.jsonl")
    result = verify_bundle(tmp_path / "b.jsonl", root_signer.fingerprint)
    assert [(f.check, f.record, f.message) for f in result.failures] == [
        (Check.MEASURES, f"case {CASE}", "the Measures would have refused it (Art. 4: "
         "consequence required): ground （十一） applies only where the situation caused "
         "不良影响或者严重后果; the case records 无")
    ]  # fmt: skip


def test_the_bundle_verify_command_fails_on_a_semantic_finding(
    app: LedgerApplication, root_signer: Signer, tmp_path: Path
) -> None:
    path = tmp_path / "b.jsonl"
    position = closed_while_the_appeal_period_runs(app, path)
    result = CliRunner().invoke(
        cli, ["bundle", "verify", str(path), "--root-fingerprint", root_signer.fingerprint]
    )
    assert result.exit_code == 1, result.output
    assert (
        f"position {position}, case {CASE}, AccountabilityCase.Closed v7: {CLOSED_TOO_EARLY}"
        in result.stdout
    )
