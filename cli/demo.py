"""Command: ``demo``: a sample ledger to try the tool on, with its keys, a decision document
(Art. 10) and the annual workbook (Art. 14) beside it."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.click_types import PathType
from cli.common import emit, info, settings
from cli.options import json_option
from cli.terminal import table
from ledger.i18n import _, bracketed, enumerated, pgettext
from projections.labels import KEY_STATUS_LABELS

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.demo import DemoLedger
    from ledger.storage.store import StoreConfig


def _default_keys_dir(store: StoreConfig) -> Path:
    if store.kind == "sqlite":
        assert store.path is not None
        return store.path.with_name(store.path.name + ".keys")
    return Path(f"lifeledger-demo-{store.schema}.keys")


#: What the demo prints beside the ledger: a decision (Art. 10) and the annual workbook (Art. 14).
DEMO_DECISION = ("CS-2023-015", "P2001")
DEMO_REPORT_YEAR = 2023


def _demo_documents(store: StoreConfig, keys_dir: Path) -> tuple[Path, Path]:
    """The demo's documents: beside the SQLite file, or beside the keys' folder."""
    if store.kind == "sqlite":
        assert store.path is not None
        stem = store.path.with_suffix("") if store.path.suffix == ".db" else store.path
    else:
        stem = keys_dir.parent / f"lifeledger-demo-{store.schema}"
    case, party = DEMO_DECISION
    return (
        stem.with_name(f"{stem.name}-decision-{case}-{party}.docx"),
        stem.with_name(f"{stem.name}-annual-{DEMO_REPORT_YEAR}.xlsx"),
    )


def _print_demo_documents(app: Any, decision: Path, workbook: Path) -> None:
    from cli.documents import write
    from ledger.application import today as app_today
    from projections.documents.content import render_case_document
    from projections.documents.evidence import LedgerEvidence
    from projections.documents.report import render_report

    source = LedgerEvidence(app)
    case, party = DEMO_DECISION
    document = render_case_document(source, "D", case_no=case, party=(None, party))
    write(document, decision, "docx", False)
    annual, _unused = render_report(source, "X", DEMO_REPORT_YEAR, None, app_today())
    write(annual, workbook, "xlsx", False)


@click.command()
@click.option(
    "--keys-dir",
    type=PathType(file_okay=False, path_type=Path),
    help=_("Where to write the demo's keys (default: next to the database, <db>.keys/)."),
)
@json_option
def demo(keys_dir: Path | None) -> None:
    """Build a sample ledger in --db (which must be new or empty) to try lifeledger on.

    It holds four realistic cases: a county government's team decision with an overruled
    objector and an objection first stated at the hearing (Art. 5) and a unit decision (Art. 7),
    an individual case with an appeal (Art. 12), closed and reopened for new facts, a case from
    before 2016-06-23 (outside Art. 8), and a recent case whose deadlines are still running; and
    Changsha's 2023 regional annual report with its 通报 (Art. 14). Its keys are written to
    <db>.keys/, encrypted with LIFELEDGER_PASSPHRASE or, if unset, the demo passphrase
    "lifeledger-demo". Beside the ledger it prints a decision document (.docx, Art. 10) and the
    2023 workbook (.xlsx, Art. 14), both bound to the ledger by their verification codes.
    """
    from ledger.demo import DEFAULT_PASSPHRASE, build_demo, refuse_earlier_keys
    from ledger.errors import AlreadyExistsError
    from ledger.storage.store import redact_password

    s = settings()
    directory = keys_dir or _default_keys_dir(s.store)
    documents = _demo_documents(s.store, directory)
    for path in documents:  # before the store is opened: a refused demo creates nothing
        if path.exists():
            raise AlreadyExistsError(
                _(
                    "{path} already exists; remove it (from an earlier demo) or give another --db"
                ).format(path=path)
            )
    refuse_earlier_keys(directory)
    app = s.open(signed=False, must_exist=False)
    secret = os.environ.get("LIFELEDGER_PASSPHRASE")
    if secret is None:
        secret = DEFAULT_PASSPHRASE
        info(
            _('Demo keys are encrypted with the demo passphrase "{DEFAULT_PASSPHRASE}".').format(
                DEFAULT_PASSPHRASE=DEFAULT_PASSPHRASE
            )
        )
    result = build_demo(app, directory, secret)
    _print_demo_documents(app, *documents)
    info(_("Try:"))
    key, passphrase = shlex.quote(str(result.recorder_key)), shlex.quote(secret)
    info(
        _("  export LIFELEDGER_KEY={key} LIFELEDGER_PASSPHRASE={passphrase}").format(
            key=key, passphrase=passphrase
        )
    )
    db = "" if s.db == "lifeledger.db" else f" --db {shlex.quote(redact_password(s.db))}"
    info(_("  lifeledger{db} case show {value}").format(db=db, value=result.cases[0]))
    info(_("  lifeledger{db} cadre history P1002").format(db=db))
    info(_("  lifeledger{db} deadlines").format(db=db))
    info(_("  lifeledger{db} report annual --year 2023 --region 430100").format(db=db))
    info(_("  lifeledger{db} case timeline CS-2023-015").format(db=db))
    info(
        _("  lifeledger{db} document verify {quote}").format(
            db=db, quote=shlex.quote(str(documents[0]))
        )
    )
    emit(
        {**_demo_json(app.store.describe(), result), "documents": [str(p) for p in documents]},
        lambda: (
            _demo_text(app.store.describe(), result)
            + _(
                "\nPrinted: {decision} (责任追究决定书, Art. 10)\n"
                "         {workbook} (年度汇总表, Art. 14)"
            ).format(decision=documents[0], workbook=documents[1])
        ),
    )


def _demo_json(db: str, r: DemoLedger) -> dict[str, Any]:
    return {
        "db": db,
        "root_fingerprint": r.root_fingerprint,
        "keys_dir": str(r.keys_dir),
        "recorder_key": str(r.recorder_key),
        "keys": [
            {
                "file": str(k.file),
                "key_id": k.key_id,
                "holder": k.holder,
                "authority": k.authority,
                "authority_kind": k.authority_kind.value,
                "role": k.role.value,
                "status": k.status,
            }
            for k in r.keys
        ],
        "units": list(r.units),
        "cadres": list(r.cadres),
        "cases": list(r.cases),
        "as_of": r.as_of,
    }


def _demo_text(db: str, r: DemoLedger) -> str:
    keys = table(
        [
            _("key id"),
            pgettext("column", "file"),
            _("holder"),
            _("authority"),
            _("role"),
            _("status"),
        ],
        [
            (
                k.key_id,
                k.file.name,
                k.holder,
                bracketed(k.authority, k.authority_kind.label),
                k.role.label,
                KEY_STATUS_LABELS[k.status],
            )
            for k in r.keys
        ],
    )
    return _(
        "Demo ledger built in {db}.\nRoot fingerprint: {root_fingerprint}\n\nKeys "
        "in {keys_dir}/:\n{keys}\n\nUnits:  {join}\nCadres: {join2}\nCases:  {join3}"
    ).format(
        db=db,
        root_fingerprint=r.root_fingerprint,
        keys_dir=r.keys_dir,
        keys=keys,
        join=enumerated(r.units),
        join2=enumerated(r.cadres),
        join3=enumerated(r.cases),
    )


commands: list[click.Command] = [demo]
