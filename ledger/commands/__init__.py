"""The command table shared by the CLI and JSONL import: each recording command's fields,
parsed and checked, and its handler, which calls the application and returns an Outcome
(data and a summary line), never text built for a terminal."""

from __future__ import annotations

from ledger.commands.fields import Fields, Handler, Outcome, parse_ground
from ledger.commands.table import COMMANDS, execute

__all__ = [
    "COMMANDS",
    "Fields",
    "Handler",
    "Outcome",
    "execute",
    "parse_ground",
]
