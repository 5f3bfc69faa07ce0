"""The command table: every recording command by its command-line name, and running one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.application import LedgerApplication
from ledger.commands.cases import (
    case_announce,
    case_appeal,
    case_appeal_decide,
    case_assign,
    case_assign_team,
    case_close,
    case_correct_finding,
    case_decide,
    case_file,
    case_hear,
    case_notify_appeal,
    case_objection,
    case_open,
    case_receive,
    case_refer,
    case_reopen,
)
from ledger.commands.fields import Fields, Handler, Outcome
from ledger.commands.registry import (
    cadre_add,
    cadre_move,
    cadre_retire,
    report_circulate,
    report_record,
    unit_add,
)
from ledger.errors import (
    InvalidInputError,
)
from ledger.i18n import _, enumerated


def execute(app: LedgerApplication, command: str, fields: Mapping[str, Any]) -> Outcome:
    """Run one command by name; a refusal raises a :class:`LedgerError` and writes nothing."""
    handler = COMMANDS.get(command)
    if handler is None:
        raise InvalidInputError(
            _("unknown command {command!r}; one of: {join}").format(
                command=command, join=enumerated(sorted(COMMANDS))
            )
        )
    return handler(app, Fields(command, fields))


COMMANDS: dict[str, Handler] = {
    "unit add": unit_add,
    "cadre add": cadre_add,
    "cadre move": cadre_move,
    "cadre retire": cadre_retire,
    "case open": case_open,
    "case assign": case_assign,
    "case objection": case_objection,
    "case correct-finding": case_correct_finding,
    "case assign-team": case_assign_team,
    "case hear": case_hear,
    "case decide": case_decide,
    "case announce": case_announce,
    "case file": case_file,
    "case receive": case_receive,
    "case appeal": case_appeal,
    "case appeal-decide": case_appeal_decide,
    "case refer": case_refer,
    "case notify-appeal": case_notify_appeal,
    "case reopen": case_reopen,
    "report record": report_record,
    "report circulate": report_circulate,
    "case close": case_close,
}


"""Every command that records an event, by its command-line name. Key management (``key``
commands) and ``init`` are not here: they create keys, which an import file must not do."""
