"""One error hierarchy for the whole ledger.

Every refused command raises a :class:`RuleViolationError` that names the rule and the article
of the Measures it comes from; the CLI prints ``str(error)`` after ``Error:`` and writes
nothing. Messages, rules and hints are given translated (``ledger.i18n._``); the article is
given as "Art. N" and shown as the user reads it (第N条 in Chinese). Failures of verification
carry the position and event they concern.
"""

from __future__ import annotations

from typing import Any

from ledger.i18n import _, article_label


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""


class RuleViolationError(LedgerError):
    """A command refused by a rule of the Measures (湖南省信访工作责任追究办法)."""

    def __init__(self, article: str, rule: str, message: str, hint: str = "") -> None:
        self.article = article
        self.rule = rule
        self.message = message
        self.hint = hint
        if article:
            text = _("{message} ({article}: {rule})").format(
                message=message, article=article_label(article), rule=rule
            )
        else:
            text = _("{message} ({rule})").format(message=message, rule=rule)
        super().__init__(_("{text} {hint}").format(text=text, hint=hint) if hint else text)


class InvalidInputError(LedgerError):
    """A command whose input is malformed: a bad date, an empty field, an unknown value."""


class InputTooLargeError(InvalidInputError):
    """A text, event or input line over its documented limit (``ledger.domain.limits``)."""

    def __init__(self, message: str, *, field: str, limit: int, size: int) -> None:
        self.field = field
        self.limit = limit
        self.size = size
        super().__init__(message)


class NotFoundError(LedgerError):
    """An id that names no case, cadre, unit or key in this ledger."""


class AlreadyExistsError(LedgerError):
    """A natural key (case number, personnel number, unit code) that is already recorded."""


class ConcurrentWriteError(LedgerError):
    """Another writer changed the same record first and the retry budget was used up."""


class StoreError(LedgerError):
    """The store cannot be opened or read: a missing, foreign or unreachable database."""


class StoreUnavailableError(StoreError):
    """The store stopped answering mid-command (a server restarted or went away, a disk that
    failed): not a finding about the ledger; the command can be run again."""


def went_away(error: BaseException | None) -> bool:
    """Whether an error, or one of its causes, says the store's server went away: a
    StoreUnavailableError, or a psycopg error of a connection that failed or was closed (no
    SQLSTATE, class 08) or ended by an administrator (57P). Not a finding about the ledger."""
    while error is not None:
        if isinstance(error, StoreUnavailableError):
            return True
        state = getattr(error, "sqlstate", "-")  # psycopg's errors carry one; None: client side
        if type(error).__module__.startswith("psycopg") and (
            state is None or str(state).startswith(("08", "57P"))
        ):
            return True
        error = error.__cause__
    return False


class KeyFileError(LedgerError):
    """A signer key file that is missing, unreadable, or whose passphrase is wrong."""


class NotAuthorisedError(RuleViolationError):
    """The signer's key may not record this action (Art. 6)."""


class KeyManagementError(LedgerError):
    """A refusal by the key registry's own rules (who may register, rotate or revoke keys, and
    which keys may sign): the ledger's rules, not the Measures', so no article is cited."""

    def __init__(self, rule: str, message: str, hint: str = "") -> None:
        self.rule = rule
        self.message = message
        self.hint = hint
        text = _("{message} (key management: {rule})").format(message=message, rule=rule)
        super().__init__(_("{text} {hint}").format(text=text, hint=hint) if hint else text)


class VerificationError(LedgerError):
    """A stored record failed verification: it was altered, moved, forged or withheld."""

    def __init__(self, message: str, **where: Any) -> None:
        self.where = where
        super().__init__(message)


class TamperedEventError(VerificationError):
    """An event read from the store does not carry a valid signature by a registered key."""


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof, or a checkpoint, does not verify."""


class RollbackError(VerificationError):
    """The ledger went back since this workstation last read it: its latest checkpoint is
    older than, or does not extend, the one remembered, or the log is shorter than the one
    read (``ledger.transparency.seen``; RFC 9162 §2.1.4)."""


class MissingDependencyError(LedgerError):
    """An output needs something installed that is not (a CJK font for PDF)."""


def first_line(e: BaseException) -> str:
    """An exception's first line of text, for one-line reports (a driver's message can run on)."""
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0]
