"""Units of work: how the application's commands reach the store. Immediate saves each command
in its own transaction (with retries on a version conflict); Batch keeps aggregates in
memory and saves many commands per transaction (import, demo, benchmarks). The application
talks to one UnitOfWork interface (interface.py) and never asks which it has; recorded_text.py
holds what no recorded text may hold."""

from ledger.unit_of_work.batch import Batch
from ledger.unit_of_work.immediate import MAX_RETRIES, Immediate
from ledger.unit_of_work.interface import UnitOfWork

__all__ = ["MAX_RETRIES", "Batch", "Immediate", "UnitOfWork"]
