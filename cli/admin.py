"""Commands: ``init``, ``demo``, ``import``, ``projections rebuild``.

``init`` makes the ledger and its root key; auditors pin the fingerprint it prints. ``demo``
builds a sample ledger to try the tool on. ``import`` loads historical records through the
same command table as the CLI (:mod:`ledger.importer`). ``projections rebuild`` rebuilds the
read models from the event log.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import LedgerGroup, emit, info, passphrase, passphrase_prompt, settings
from cli.files import output_path
from cli.options import FILE_OUT, choice_of, describe_choices, json_option
from cli.terminal import progress, progress_callback, table
from ledger.domain.limits import BATCH_EVENTS
from ledger.domain.regulation import AuthorityKind
from ledger.i18n import _, pgettext
from projections.labels import KEY_STATUS_LABELS

if TYPE_CHECKING:  # loaded where used: `--help` and completion stay instant
    from ledger.demo import DemoLedger
    from ledger.importer import ImportReport
    from ledger.storage.store import StoreConfig


@click.command()
@click.option("--holder", required=True, help=_("Who holds the root key (name and post)."))
@click.option(
    "--authority", required=True, help=_("The authority the holder acts for, e.g. 湖南省委组织部.")
)
@click.option(
    "--authority-kind",
    metavar="AUTHORITY_KIND",
    type=choice_of(AuthorityKind),
    default=AuthorityKind.ORGANISATION.value,
    show_default=True,
    help=_("Kind of authority: {describe_choices}.").format(
        describe_choices=describe_choices(AuthorityKind)
    ),
)
@click.option(
    "--key-out",
    type=FILE_OUT,
    required=True,
    help=_("Where to save the root private key (encrypted PKCS#8; must not exist yet)."),
)
@click.option(
    "--recovery-key-out",
    type=FILE_OUT,
    help=_(
        "Where to save the recovery private key, to be moved offline (default: KEY_OUT with "
        "'.recovery' before its suffix; must not exist yet)."
    ),
)
@json_option
def init(
    holder: str, authority: str, authority_kind: str, key_out: Path, recovery_key_out: Path | None
) -> None:
    """Create a new, empty ledger in --db, its root key and its recovery key.

    The root key is the key administrator: it registers, rotates and revokes every other
    signer key. Its fingerprint is printed: auditors pin it, and `verify` checks the whole
    ledger back to it. The passphrase comes from LIFELEDGER_PASSPHRASE or a hidden prompt
    (asked twice).

    The recovery key, registered by the root, signs nothing but a replacement of the root key
    (`key recover`) when the root key is lost or stolen: move its file offline. Its
    passphrase comes from LIFELEDGER_RECOVERY_PASSPHRASE or a hidden prompt; without either,
    the root key's passphrase protects it too (with a warning).
    """
    from ledger.errors import InvalidInputError, KeyFileError
    from ledger.signing.signatures import Signer

    recovery_out = recovery_key_out or default_recovery_path(key_out)
    for path in (key_out, recovery_out):
        if path.exists():
            raise KeyFileError(
                _("key file {path} already exists; refusing to overwrite it").format(path=path)
            )
    if recovery_out.resolve() == key_out.resolve():
        raise click.UsageError(_("--recovery-key-out must differ from --key-out"))
    app = settings().open(signed=False, must_exist=False)
    if app.is_initialised():
        raise InvalidInputError(
            _("{describe} already holds a ledger; give another --db to make a new one").format(
                describe=app.store.describe()
            )
        )
    secret = passphrase(
        _("Passphrase for the new root key {key_out}").format(key_out=key_out), confirm=True
    )
    recovery_secret = recovery_passphrase(recovery_out, secret)
    root, recovery = Signer.generate(), Signer.generate()
    root.save(key_out, secret)
    try:
        recovery.save(recovery_out, recovery_secret)
        fingerprint = app.initialise(
            root, holder, authority, AuthorityKind(authority_kind), recovery.public_raw
        )
    except BaseException:
        # no ledger holds them: do not leave stray keys behind
        key_out.unlink(missing_ok=True)
        recovery_out.unlink(missing_ok=True)
        raise
    info(_("Keep {key_out} safe: it signs every key registration.").format(key_out=key_out))
    info(
        _(
            "Move {path} offline now (removable media in a safe) and delete it here: it alone "
            "can replace a lost or stolen root key (`lifeledger key recover`)."
        ).format(path=recovery_out)
    )
    emit(
        {
            "db": app.store.describe(),
            "root_fingerprint": fingerprint,
            "root_key_id": root.key_id.hex(),
            "key_file": str(key_out),
            "recovery_key_id": recovery.key_id.hex(),
            "recovery_key_file": str(recovery_out),
        },
        _(
            "Ledger created in {describe}.\nRoot key {hex} saved to {key_out}.\nRoot "
            "fingerprint (pin this for auditors):\n  {fingerprint}\n"
        ).format(
            describe=app.store.describe(),
            hex=root.key_id.hex(),
            key_out=key_out,
            fingerprint=fingerprint,
        )
        + _(
            "Recovery key {key_id} saved to {path}: keep it offline; it only replaces a lost "
            "root key."
        ).format(key_id=recovery.key_id.hex(), path=recovery_out),
    )


def default_recovery_path(key_out: Path) -> Path:
    """``root.pem`` → ``root.recovery.pem``."""
    return key_out.with_name(f"{key_out.stem}.recovery{key_out.suffix}")


def recovery_passphrase(path: Path, root_secret: str) -> str:
    """LIFELEDGER_RECOVERY_PASSPHRASE, else a hidden prompt on a terminal, else (scripts)
    the root key's passphrase, said out loud."""
    value = os.environ.get("LIFELEDGER_RECOVERY_PASSPHRASE")
    if value:
        return value
    if sys.stdin.isatty():
        return passphrase_prompt(_("Passphrase for the recovery key {path}").format(path=path))
    info(
        _(
            "Warning: LIFELEDGER_RECOVERY_PASSPHRASE is not set; the recovery key is protected "
            "by the root key's passphrase"
        )
    )
    return root_secret


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
    type=click.Path(file_okay=False, path_type=Path),
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
                f"{k.authority} ({k.authority_kind.label})",
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
        join=", ".join(r.units),
        join2=", ".join(r.cadres),
        join3=", ".join(r.cases),
    )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--stop-on-error",
    is_flag=True,
    help=_("Stop at the first refused line (default: report it and go on with the next)."),
)
@click.option(
    "--from-line",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help=_("Start at this line number (to resume after --stop-on-error)."),
)
@click.option(
    "--rejects",
    type=FILE_OUT,
    help=_("Write every refused line, unchanged, to this file: fix it and import it alone."),
)
@click.option(
    "--batch-events",
    type=click.IntRange(min=1),
    default=BATCH_EVENTS,
    show_default=True,
    help=_("Events per transaction (1: every line its own transaction)."),
)
@json_option
def import_(
    file: str, stop_on_error: bool, from_line: int, rejects: Path | None, batch_events: int
) -> None:
    """Record historical actions from a JSON Lines FILE ('-' for stdin), signed by --key.

    Each line is one command and its fields, named like the command's options:

    \b
      {"command": "case open", "case_no": "CS-2019-004",
       "incident_date": "2019-03-02", "opened_on": "2019-05-10", "ground": [11],
       "result": ["conflict_intensified", "adverse_impact"], "facts": "..."}
      {"command": "case hear", "case_no": "CS-2019-004", "person": "P001",
       "on": "2019-05-20", "statement": "..."}

    Every line is applied whole or not at all, by the same rules as the command. A refused
    line is reported with its line number and error, and the import goes on with the next
    line (or stops, with --stop-on-error). The exit status is 1 if any line was refused or
    not attempted.

    Running a file again is safe: each line has an idempotency key (its "id" field, else
    the digest of the line) recorded, signed, in the same transaction as the line's events,
    so lines already applied are skipped and counted, and exactly the rest is applied.

    Lines are written in transactions of about --batch-events events; the signer's key is
    checked when each transaction starts and again before it commits. An import that is
    killed leaves the lines of the transactions it committed. Ctrl-C or SIGTERM lets the
    lines already applied commit, then stops and prints the summary and where to resume.

    \b
    Commands: unit add; cadre add, move, retire; case open, assign, objection,
    assign-team, hear, decide, announce, file, receive, appeal, appeal-decide,
    refer, close. Keys are not imported.
    """
    from ledger.errors import InvalidInputError
    from ledger.importer import import_lines

    s = settings()
    if rejects is not None:
        output_path(rejects, force=False)
    with click.open_file(file, encoding="utf-8") as handle:
        try:
            lines = handle.read().splitlines()
        except UnicodeDecodeError as e:
            raise InvalidInputError(
                _("{file} is not UTF-8 text: {reason} at byte {start}").format(
                    file=file, reason=e.reason, start=e.start
                )
            ) from e
    app = s.open()
    numbered = [(n, text) for n, text in enumerate(lines, start=1) if n >= from_line]
    refused_lines: list[str] = []
    with (
        progress(numbered, len(numbered), _("Importing")) as bar,
        _terminate_as_interrupt() as term,
    ):
        report = import_lines(
            app,
            _until(term, bar),
            stop_on_error=stop_on_error,
            total_lines=len(lines),
            on_refused=lambda _n, text: refused_lines.append(text),
            batch_events=batch_events,
        )
    if rejects is not None and refused_lines:
        rejects.write_text("\n".join(refused_lines) + "\n", encoding="utf-8")
    for w in report.warnings:
        info(
            _("Warning: line {line} ({command}): {error}").format(
                line=w.line, command=w.command, error=w.error
            )
        )
    for r in report.refused:
        info(
            _("Refused: line {line}{value}: {error}").format(
                line=r.line, value=f" ({r.command})" if r.command else "", error=r.error
            )
        )
    data = {"file": file, "from_line": from_line, **report.to_dict()}
    if rejects is not None:
        data["rejects"] = str(rejects) if refused_lines else None
    emit(data, lambda: _import_text(report, from_line, rejects if refused_lines else None))
    if report.error is not None and not s.json:  # the store failed: lines from the summary's
        raise click.ClickException(report.error)  # "resume from" on were not recorded
    if not report.ok:
        raise click.exceptions.Exit(1)


@contextmanager
def _terminate_as_interrupt() -> Iterator[threading.Event]:
    """SIGTERM (a service stopped, a job cancelled) stops an import as Ctrl-C does, but only
    between lines (see :func:`_until`), never inside a read or a transaction: the lines
    applied so far commit, and the summary says where to resume."""
    term = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield term
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: term.set())
    try:
        yield term
    finally:
        signal.signal(signal.SIGTERM, previous)


def _until(term: threading.Event, lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """The lines, interrupted (as by Ctrl-C) before the next one once SIGTERM came."""
    for line in lines:
        if term.is_set():
            raise KeyboardInterrupt
        yield line
    if term.is_set():
        raise KeyboardInterrupt


def _ranges(numbers: list[int]) -> str:
    """``1–3, 7, 9–12``: line numbers, compact however many there are."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _import_text(report: ImportReport, from_line: int, rejects: Path | None) -> str:
    lines = [
        _(
            "Imported: {applied} line(s) applied, {already_applied} already applied, "
            "{len} refused, {blank} blank."
        ).format(
            applied=report.applied,
            already_applied=report.already_applied,
            len=len(report.refused),
            blank=report.blank,
        )
    ]
    if report.refused:
        lines.append(_("Refused lines: ") + _ranges([r.line for r in report.refused]))
    if report.interrupted_at is not None:
        lines.append(
            _(
                "Interrupted at line {interrupted_at}: it may or may not have been "
                "recorded; run the same file again: lines already applied are skipped"
            ).format(interrupted_at=report.interrupted_at)
        )
    elif report.interrupted:
        lines.append(_("Interrupted."))
    if report.not_attempted_from is not None:
        lines.append(
            _(
                "Not attempted: lines {not_attempted_from}–{last_line}; resume from line "
                "{not_attempted_from}: run the same file again (lines already applied "
                "are skipped)"
            ).format(not_attempted_from=report.not_attempted_from, last_line=report.last_line)
        )
    if rejects is not None:
        lines.append(_("Refused lines written to {rejects}").format(rejects=rejects))
    return "\n".join(lines)


@click.group(cls=LedgerGroup)
def projections() -> None:
    """The read models (case states, cadre histories, deadlines, ratings, reports)."""


@projections.command()
@json_option
def rebuild() -> None:
    """Drop the read models and rebuild them from the signed event log.

    Reads are always caught up first, so this is only needed after an upgrade or to check
    that the read models follow from the log alone.
    """
    from ledger.transparency.tables import LedgerTables

    app = settings().open(signed=False)
    from projections.api import Projections

    p = Projections(app)
    click.get_current_context().call_on_close(p.close)
    with progress_callback(_("Rebuilding read models")) as on_progress:
        p.rebuild(on_progress)
    # Events, not log positions: PostgreSQL numbers notifications from a sequence with gaps.
    position = p.position()
    count = LedgerTables(app).leaf_count(position)
    emit(
        {"rebuilt": True, "events": count, "position": position},
        _("Read models rebuilt from {count} event(s) of the log.").format(count=count),
    )


commands: list[click.Command] = [init, demo, import_, projections]
