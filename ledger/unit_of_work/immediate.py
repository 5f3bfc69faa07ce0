"""One command, one transaction: the default unit of work, retrying on a version conflict so a
concurrent write is neither lost nor duplicated."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from copy import deepcopy
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    PersistenceError,
)

from ledger.domain.keys import KeyRecord
from ledger.errors import (
    AlreadyExistsError,
    ConcurrentWriteError,
    StoreError,
    first_line,
)
from ledger.i18n import _
from ledger.signing.signatures import (
    Signer,
)

if TYPE_CHECKING:  # the application hands itself to its units of work
    from ledger.signed_application import SignedApplication


from ledger.unit_of_work.interface import A
from ledger.unit_of_work.recorded_text import check_text

#: Attempts of one command against concurrent writers before it is refused.
MAX_RETRIES = 8


RETRY_BACKOFF = 0.005  # seconds; doubled on each retry, randomised (full jitter)


class Immediate:
    """One command, one transaction: the default unit of work."""

    def __init__(self, app: SignedApplication) -> None:
        self.app = app

    def get(self, cls: type[A], aggregate_id: UUID, not_found: str, *, copy: bool = True) -> A:
        return self.app._read(cls, aggregate_id, not_found, copy=copy)

    def create(self, aggregate: Aggregate, exists: str) -> None:
        check_text(aggregate)
        try:
            self.app.save(aggregate)
        except IntegrityError:
            raise AlreadyExistsError(exists) from None
        except PersistenceError as e:
            raise StoreError(
                _("cannot write to {describe}: {first_line}").format(
                    describe=self.app.store.describe(), first_line=first_line(e)
                )
            ) from e

    def update(
        self, cls: type[A], aggregate_id: UUID, command: Callable[[A], None], not_found: str
    ) -> A:
        """Load, command, save; on a version conflict reload and re-check against the new
        state, so a concurrent write is neither lost nor duplicated."""
        for attempt in range(MAX_RETRIES):
            aggregate = self.get(cls, aggregate_id, not_found)
            command(aggregate)
            check_text(aggregate)
            try:
                self.app.save(aggregate)
            except IntegrityError:
                # Wait a random while, so that writers who collided do not collide again.
                time.sleep(random.uniform(0, RETRY_BACKOFF * 2**attempt))
                continue
            except PersistenceError as e:
                raise StoreError(
                    _("cannot write to {describe}: {first_line}").format(
                        describe=self.app.store.describe(), first_line=first_line(e)
                    )
                ) from e
            return aggregate
        raise ConcurrentWriteError(
            _(
                "{value}: other writers kept changing the same record; nothing was "
                "written, try again"
            ).format(value=not_found or aggregate_id)
        )

    def signer_record(self, signer: Signer) -> KeyRecord:
        registry = self.app.registry()
        record = registry.check_active(signer.key_id.hex())
        self.app.signer_check.checked = deepcopy(registry)
        return record
