"""Case numbers, personnel numbers and unit codes as one person or case each, for life.

Art. 8 holds a cadre accountable for life across every post: a lifetime record must not be
split by a lookalike. An identifier is therefore normalised (Unicode NFKC: a fullwidth
``ＩＭ-1`` is ``IM-1``), and refused when it holds whitespace inside it or an invisible format
character (bidirectional controls such as U+202E, zero-width characters), which would make two
ids look the same. A new identifier that differs from a recorded one only by letter case is
refused, naming the recorded one.
"""

from __future__ import annotations

import unicodedata

from ledger.errors import AlreadyExistsError, InvalidInputError
from ledger.i18n import _

__all__ = ["check_new", "fold", "normalise", "written_form"]


def normalise(label: str, value: str) -> str:
    """The identifier in its one written form (NFKC, outer whitespace removed), or
    :class:`InvalidInputError` naming what in it cannot be part of an identifier."""
    text = written_form(value)
    for ch in text:
        if ch.isspace():
            raise InvalidInputError(
                _("the {label} {value!r} contains whitespace; an identifier is one word").format(
                    label=label, value=value
                )
            )
        if unicodedata.category(ch) in ("Cf", "Cc"):
            raise InvalidInputError(
                _(
                    "the {label} {value!r} contains the invisible character U+{ord:04X} "
                    "({name}); identifiers may not hold one"
                ).format(
                    label=label,
                    value=value,
                    ord=ord(ch),
                    name=unicodedata.name(ch, "a control character"),
                )
            )
    return text


def written_form(value: str) -> str:
    """The one written form of an identifier (NFKC, outer whitespace removed), unchecked: what a
    lookup compares, so a fullwidth ``ＩＭ-1`` finds ``IM-1``. A new identifier is also checked
    (:func:`normalise`)."""
    return unicodedata.normalize("NFKC", value).strip()


def fold(identifier: str) -> str:
    """The identifier with case folded: two ids with the same fold are lookalikes."""
    return unicodedata.normalize("NFKC", identifier.casefold())


def check_new(label: str, identifier: str, recorded: str | None) -> None:
    """Refuse a new identifier whose fold equals that of ``recorded``, a different one."""
    if recorded is not None and recorded != identifier:
        raise AlreadyExistsError(
            _(
                "the {label} {identifier} differs from the recorded {label} {recorded} "
                "only by letter case or width; use {recorded}, or choose a distinct "
                "{label}"
            ).format(label=label, identifier=identifier, recorded=recorded)
        )
