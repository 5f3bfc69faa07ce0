"""The semantic audit: replay every record through the Measures' own rules.

A valid signature on an act the Measures forbid is still a finding (DESIGN, "Trust model"). The
audit reads the log in order, rebuilds each case, cadre, unit and the key registry as it stood
before each event, and asks the one predicate the write path asks before it records that kind of
event (:func:`ledger.domain.case.check_event`, :func:`ledger.domain.case.check_opening`,
:func:`ledger.domain.cadre.check_event`), with the same
:class:`~ledger.domain.authority.Context`: the signer's authority as the registry held it at
that position, and where each party was managed then (Art. 6). No rule is written here. An
event the write path would have refused is named with its position, its record, the rule and
the article.

Events whose signature fails are left to the signature checks of :mod:`ledger.audit.verify`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import InterfaceError, Mapper, OperationalError, StoredEvent

from ledger.audit.clock import ClockAudit, ClockRegression
from ledger.audit.verify import Check, Failure, VerificationResult
from ledger.audit.verify.result import record_label
from ledger.audit.verify.run import stopped_answering
from ledger.domain import cadre as cadre_rules
from ledger.domain import case_rules, ids
from ledger.domain import report as report_rules
from ledger.domain.authority import NO_CONTEXT, Context, Jurisdiction
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.keys import KeyRegistry
from ledger.domain.report import RegionalReport
from ledger.domain.unit import Unit
from ledger.errors import (
    KeyManagementError,
    LedgerError,
    NotAuthorisedError,
    RuleViolationError,
    StoreUnavailableError,
)
from ledger.i18n import _, article_label
from ledger.signing.signatures import Envelope

PAGE = 1_000
#: what an event object carries besides the fields of the command that made it
_BOOKKEEPING = {"originator_id", "originator_version", "timestamp", "originator_topic"}


@dataclass(frozen=True)
class Finding:
    """An event the Measures would have refused: where it is, and which rule of which article."""

    position: int
    record: str
    event: str
    version: int
    article: str
    rule: str
    message: str
    aggregate_id: str = ""

    @property
    def what(self) -> str:
        cited = (
            _("{article}: {rule}").format(article=article_label(self.article), rule=self.rule)
            if self.article
            else self.rule
        )
        return _("the Measures would have refused it ({cited}): {message}").format(
            cited=cited, message=self.message
        )

    def describe(self) -> str:
        return _("position {position}, {record}, {event} v{version}: {what}").format(
            position=self.position,
            record=record_label(self.record),
            event=self.event,
            version=self.version,
            what=self.what,
        )


class SemanticAudit:
    """Replays aggregates in log order through the write path's rules."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, Aggregate] = {}
        self.registry: KeyRegistry | None = None
        self.findings: list[Finding] = []
        #: records whose log is broken (an event unreadable, unsigned or out of order): their
        #: later events are not judged, the signature and version checks name the break
        self.broken: set[UUID] = set()
        self.versions: dict[UUID, int] = {}

    def unreadable(self, originator_id: UUID) -> None:
        self.broken.add(originator_id)

    def management(self, party_type: str, code: str, on: Any) -> Jurisdiction | None:
        """Art. 6, from the records as they stood at this position."""
        if party_type == "unit":
            unit = self.aggregates.get(ids.unit_id(code))
            return unit.jurisdiction if isinstance(unit, Unit) else None
        cadre = self.aggregates.get(ids.cadre_id(code))
        if not isinstance(cadre, Cadre):
            return None
        return cadre.management_on(on, lambda c: self.management("unit", c, on))

    def context(self, key_id: bytes) -> Context:
        if self.registry is None or key_id.hex() not in self.registry.keys:
            return NO_CONTEXT
        rec = self.registry.record(key_id.hex())
        return Context(rec.authority, rec.authority_kind, rec.jurisdiction, self.management)

    def event(self, position: int, event: Any, key_id: bytes) -> None:
        """Judge one event against the state before it, then apply it."""
        oid = event.originator_id
        if event.originator_version != self.versions.get(oid, 0) + 1:
            self.broken.add(oid)
        self.versions[oid] = event.originator_version
        if oid in self.broken:
            return
        name = type(event).__name__
        fields = {k: v for k, v in vars(event).items() if k not in _BOOKKEEPING}
        before: Aggregate | None = (
            self.registry if oid == ids.REGISTRY_ID else self.aggregates.get(oid)
        )
        try:
            self.judge(before, name, fields, self.context(key_id))
        except LedgerError as e:
            self.found(position, before, event, name, e)
        except (KeyError, TypeError, ValueError, AttributeError) as e:  # malformed fields
            self.found(
                position, before, event, name, RuleViolationError("", _("malformed"), repr(e))
            )
        try:
            after = event.mutate(before)
        except Exception:  # an event that cannot even apply: judge the record no further
            self.broken.add(oid)
            return
        if isinstance(after, KeyRegistry):
            self.registry = after
        elif after is not None:
            self.aggregates[event.originator_id] = after

    @staticmethod
    def judge(before: Aggregate | None, name: str, fields: dict[str, Any], ctx: Context) -> None:
        """The rules the write path applies before recording this event."""
        if name == "Opened":
            case_rules.check_opening(fields)
            if ctx.authority and fields["opening_authority"] != ctx.authority:
                raise _signer_authority("opening_authority", fields, ctx)
        elif isinstance(before, AccountabilityCase):
            case_rules.check_event(before.state, name, fields, ctx)
            if (
                name == "DecisionIssued"
                and ctx.authority
                and (fields["deciding_authority"] != ctx.authority)
            ):
                raise _signer_authority("deciding_authority", fields, ctx)
        elif isinstance(before, Cadre) and name in ("Moved", "Retired"):
            cadre_rules.check_event(before, name, fields)
        elif name == "Reported" and before is None:
            report_rules.check_event(None, name, fields, ctx)
        elif isinstance(before, RegionalReport):
            report_rules.check_event(before, name, fields, ctx)

    def found(
        self, position: int, before: Aggregate | None, event: Any, name: str, e: LedgerError
    ) -> None:
        record = _record(before, event)
        article = e.article if isinstance(e, RuleViolationError) else ""
        if isinstance(e, RuleViolationError | KeyManagementError):
            rule, message = e.rule, e.message
        else:
            rule, message = type(e).__name__, str(e)
        self.findings.append(
            Finding(
                position,
                record,
                type(event).__qualname__,
                event.originator_version,
                article,
                rule,
                message,
                str(event.originator_id),
            )
        )


def _signer_authority(field: str, fields: dict[str, Any], ctx: Context) -> NotAuthorisedError:
    return NotAuthorisedError(
        "Art. 6",
        _("recorded by its own authority"),
        _("the event names {value} as {replace}, but it is signed by a key of {authority}").format(
            value=fields[field], replace=field.replace("_", " "), authority=ctx.authority
        ),
    )


def _record(before: Aggregate | None, event: Any) -> str:
    if isinstance(before, AccountabilityCase):
        return f"case {before.case_no}"
    if isinstance(before, Cadre):
        return f"cadre {before.personnel_no}"
    if event.originator_id == ids.REGISTRY_ID:
        return "key registry"
    case_no = getattr(event, "case_no", None)
    if case_no:
        return f"case {case_no}"
    if isinstance(before, Unit) or isinstance(getattr(event, "code", None), str):
        return f"unit {getattr(before, 'code', None) or event.code}"
    personnel_no = getattr(event, "personnel_no", None)
    return f"cadre {personnel_no}" if personnel_no else f"aggregate {event.originator_id}"


#: One stored event as the audit reads it: (originator id, version, stored topic, stored state).
Row = tuple[Any, int, str, bytes]
#: Decodes an envelope's payload into the domain event (the application's mapper, or
#: :func:`offline_decoder` for a bundle read without a store).
Decode = Callable[[StoredEvent, bytes], Any]
#: What one pass over a log finds: the Measures' findings and the times that run backwards.
Audited = tuple[list[Finding], list[ClockRegression]]


def _stored_events(app: Any) -> Iterator[Row]:
    start = 0
    while True:
        page = app.recorder.select_notifications(start, PAGE, inclusive_of_start=False)
        if not page:
            return
        for n in page:
            yield n.originator_id, n.originator_version, n.topic, n.state
        start = page[-1].id


def audit_measures(app: Any) -> list[Finding]:
    """Every event in ``app``'s log that the Measures would have refused, in log order."""
    return audit_log(app)[0]


def audit_log(app: Any, broken: Collection[str] = ()) -> Audited:
    """:func:`audit_rows` over ``app``'s log, decoded with the application's mapper."""
    return audit_rows(_stored_events(app), app.signing_mapper.decode_payload, broken)


def audit_rows(rows: Iterable[Row], decode: Decode, broken: Collection[str] = ()) -> Audited:
    """One pass over a log's ``rows``, in order: the events the Measures would have refused,
    and the recorded times that run backwards (:mod:`ledger.audit.clock`). Events of ``broken``
    records (aggregate ids whose signatures or versions failed) give no time: their signed
    time cannot be trusted, and an altered one must not make later events look early."""
    audit = SemanticAudit()
    clock = ClockAudit()
    for position, (originator_id, version, topic, state) in enumerate(rows):
        stored = StoredEvent(originator_id, version, topic, state)
        try:  # signatures are the signature audit's: decode without checking them twice
            envelope = Envelope.parse(state)
            event = decode(stored, envelope.payload)
        except Exception:  # unsigned, altered or undecodable: the signature audit names it
            with suppress(ValueError, TypeError):
                audit.unreadable(UUID(str(originator_id)))
            continue
        oid = event.originator_id
        before = audit.registry if oid == ids.REGISTRY_ID else audit.aggregates.get(oid)
        audit.event(position, event, envelope.key_id)
        stamp = getattr(event, "timestamp", None)
        if (
            isinstance(stamp, dt.datetime)
            and not (broken and str(oid) in broken)
            and clock.feed(position, stamp)
        ):
            clock.name(_record(before, event), str(oid), type(event).__qualname__,
                       event.originator_version)  # fmt: skip
    return audit.findings, clock.done()


def offline_decoder() -> Decode:
    """A decoder needing no store: the library's JSON transcoder with the ledger's
    transcodings, and the stored topics registered (a bundle's events are read with it)."""
    import ledger.domain.topics  # noqa: F401  (registers the stored topic names)
    from ledger.audit.verify.sources import transcoder

    mapper: Mapper[UUID] = Mapper(transcoder=transcoder())

    def decode(stored: StoredEvent, payload: bytes) -> Any:
        return mapper.to_domain_event(dataclasses.replace(stored, state=payload))

    return decode


def with_measures(app: Any, result: VerificationResult) -> VerificationResult:
    """A :class:`~ledger.audit.verify.VerificationResult` with the semantic findings added,
    and the recorded times that run backwards as warnings."""
    try:
        return with_findings(result, lambda broken: audit_log(app, broken))
    except STORE_GONE as e:
        raise stopped_answering(app.store.describe(), result.events, e) from e


#: A store that stopped answering mid-audit: an error to report, not a finding about the log.
STORE_GONE = (StoreUnavailableError, InterfaceError, OperationalError)


def with_findings(
    result: VerificationResult, audit: Callable[[Collection[str]], Audited]
) -> VerificationResult:
    """``result`` with what ``audit`` finds added: the Measures' findings as failures (records
    whose signatures or versions already failed are left to those failures), the times that
    run backwards as warnings. `verify` and `bundle verify` both finish with it."""
    broken = {f.aggregate_id for f in result.failures if f.aggregate_id}
    try:
        found, regressions = audit(broken)
    except STORE_GONE:
        raise  # the store stopped answering: the caller says so (with_measures)
    except Exception as e:  # the log cannot be read to the end: say so
        if any(f.check is Check.STORE for f in result.failures):
            return result
        failure = Failure(
            Check.STORE, _("the semantic audit could not read the log: {e}").format(e=e)
        )
        return dataclasses.replace(
            result,
            failures=(*result.failures, failure),
            failure_count=result.failure_count + 1,
        )
    warnings = tuple(
        Failure(
            Check.CLOCK,
            r.describe(),
            position=r.first,
            aggregate_id=r.aggregate_id,
            record=r.record,
            topic=r.topic,
            version=r.version,
            last_position=r.last,
            behind_position=r.latest_position,
            seconds_behind=int(r.behind.total_seconds()),
        )
        for r in regressions
    )
    findings = [f for f in found if f.aggregate_id not in broken]
    failures = tuple(
        Failure(Check.MEASURES, f.what, position=f.position, aggregate_id=f.aggregate_id,
                record=f.record, topic=f.event, version=f.version)
        for f in findings
    )  # fmt: skip
    return dataclasses.replace(
        result,
        failures=result.failures + failures,
        failure_count=result.failure_count + len(failures),
        warnings=result.warnings + warnings,
    )
