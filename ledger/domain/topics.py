"""The stored names of the ledger's aggregates and events: one vocabulary, fixed for life.

A topic is part of every signed record (the signature covers it) and of every proof and bundle, so
it must not change when a module moves. The library derives topics from module paths; this module
pins each aggregate to the name it was first stored under, translates on write and registers the
stored names for reading. Everything that matches topics (verification, proofs, projections) takes
them from here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Final

from eventsourcing.utils import get_topic, register_topic

from ledger.domain import cadre, case, imports, keys, unit
from ledger.domain.cadre import Cadre
from ledger.domain.case import AccountabilityCase
from ledger.domain.imports import ImportedLine
from ledger.domain.keys import KeyRegistry
from ledger.domain.report import RegionalReport
from ledger.domain.unit import Unit
from ledger.i18n import _

#: Module path of each aggregate module -> the module name its records are stored under.
_STORED_MODULE: Final[dict[ModuleType, str]] = {
    case: "ledger.case",
    cadre: "ledger.cadre",
    unit: "ledger.unit",
    keys: "ledger.keys",
    imports: "ledger.imports",
}
_BY_PATH: Final[dict[str, str]] = {m.__name__: name for m, name in _STORED_MODULE.items()}

for _module, _name in _STORED_MODULE.items():
    register_topic(_name, _module)


def stored_topic(cls: type) -> str:
    """The topic a record of this class is stored and signed under."""
    return stored_name(get_topic(cls))


def stored_name(topic: str) -> str:
    """Translate a library topic (module path) to the stored one; others pass unchanged."""
    module, sep, rest = topic.partition(":")
    return f"{_BY_PATH.get(module, module)}{sep}{rest}"


CASE: Final = stored_topic(AccountabilityCase)
CADRE: Final = stored_topic(Cadre)
UNIT: Final = stored_topic(Unit)
REGISTRY: Final = stored_topic(KeyRegistry)
IMPORTED_LINE: Final = stored_topic(ImportedLine)
#: Art. 14 regional annual reports (new records: stored under their module path)
REPORT: Final = stored_topic(RegionalReport)


def case_event(name: str) -> str:
    """The stored topic of an event of an accountability case, checked to exist."""
    return event_topic(AccountabilityCase, name)


def event_topic(aggregate: type, name: str) -> str:
    """The stored topic of ``aggregate``'s event class ``name``; a typo fails at import."""
    cls = getattr(aggregate, name)
    if not isinstance(cls, type):
        raise TypeError(
            _("{name}.{name2} is not an event class").format(name=aggregate.__name__, name2=name)
        )
    return stored_topic(cls)
