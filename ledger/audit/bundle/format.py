"""The bundle's lines: the format name and version, and one JSON object a line (see
:mod:`ledger.audit.bundle` for the line kinds)."""

from __future__ import annotations

import base64
import json
from typing import Any

from ledger.domain.limits import loads_bounded
from ledger.errors import InvalidInputError
from ledger.i18n import _

BUNDLE_FORMAT = "lifeledger-bundle"


BUNDLE_VERSION = 1


PAGE = 2_000


def line(obj: dict[str, Any]) -> bytes:
    """One line of a bundle: compact UTF-8 JSON and a newline."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def unb64(text: Any) -> bytes:
    """A base64 field of a bundle line, strictly decoded (``ValueError`` otherwise)."""
    if not isinstance(text, str):
        raise ValueError(_("not a base64 string"))
    return base64.b64decode(text, validate=True)


def loads(line: bytes) -> Any:
    """One bundle line's JSON; too deep a nesting is malformed (``ValueError``)."""
    try:
        return loads_bounded(line, "the line")
    except InvalidInputError as e:
        raise ValueError(str(e)) from None
