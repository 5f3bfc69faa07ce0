"""The one interface through which the application's commands load and save aggregates."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.domain.keys import KeyRecord
from ledger.signing.signatures import (
    Signer,
)

if TYPE_CHECKING:  # the application hands itself to its units of work
    pass


A = TypeVar("A", bound=Aggregate)


class UnitOfWork(Protocol):
    """How the application's commands load and save aggregates."""

    def get(self, cls: type[A], aggregate_id: UUID, not_found: str, *, copy: bool = True) -> A:
        """The aggregate as the next command should see it."""
        ...

    def create(self, aggregate: Aggregate, exists: str) -> None:
        """Record a new aggregate; ``AlreadyExistsError(exists)`` if its id is taken."""
        ...

    def update(
        self, cls: type[A], aggregate_id: UUID, command: Callable[[A], None], not_found: str
    ) -> A:
        """Run ``command`` on the aggregate and record what it did."""
        ...

    def signer_record(self, signer: Signer) -> KeyRecord:
        """The signer's registry entry, checked active (Art. 6)."""
        ...
