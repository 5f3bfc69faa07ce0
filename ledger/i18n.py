"""Messages in the user's language: English, or Simplified Chinese (zh_CN) from a gettext catalog.

The language is ``LIFELEDGER_LANG`` when set, else the locale as gettext reads it (``LANGUAGE``,
``LC_ALL``, ``LC_MESSAGES``, ``LANG``); any ``zh`` locale gives Simplified Chinese, anything else
English. It is chosen once per process, on the first message (help texts are translated when
their command is defined); :func:`set_language` changes it (tests).

Marking: ``_("No case {case_no}").format(case_no=...)`` translates now (values go in after the
lookup, never by an f-string inside ``_()``); ``N_("...")`` only marks a text that is
translated later, where it is shown. Click's own texts ("Usage:", "Missing option") come from
``gettext.gettext`` in the global text domain, which is pointed at the same catalog for Chinese.

The catalog is ``ledger/locale/zh_CN/LC_MESSAGES/lifeledger.po``, compiled to the ``.mo`` next to
it; ``python tools/i18n.py update`` adds new messages to it and compiles it (README, "Chinese").
The runtime needs only the standard library; English never opens the catalog.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "DOMAIN",
    "LOCALEDIR",
    "NP_",
    "N_",
    "_",
    "article_label",
    "bracketed",
    "enumerated",
    "language",
    "listed",
    "ngettext",
    "pgettext",
    "set_language",
]

DOMAIN = "lifeledger"
LOCALEDIR = Path(__file__).resolve().parent / "locale"
#: The languages with a catalog, and English (the messages as written).
LANGUAGES = ("en", "zh_CN")

_VARIABLES = ("LIFELEDGER_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
_current: gettext.NullTranslations | None = None
_language = "en"


def _from_environment() -> str:
    for name in _VARIABLES:
        value = os.environ.get(name, "")
        for item in value.split(":"):
            if item.strip():
                return _normalise(item)
    return "en"


def _normalise(value: str) -> str:
    """``zh``, ``zh_CN.UTF-8``, ``zh-Hans`` -> ``zh_CN``; anything else -> ``en``."""
    return "zh_CN" if value.strip().lower().startswith("zh") else "en"


def set_language(value: str | None = None) -> str:
    """Use ``value`` (``en``, ``zh_CN``, any locale name), or the environment's choice when None;
    returns the language now in use. Click's texts follow (the global gettext domain)."""
    global _current, _language
    _language = _from_environment() if value is None else _normalise(value)
    if _language == "en":
        _current = gettext.NullTranslations()
        gettext.textdomain("messages")  # Python's default domain: click in English
    else:
        _current = gettext.translation(DOMAIN, str(LOCALEDIR), languages=[_language], fallback=True)
        # click calls gettext.gettext(): the global domain, whose language the environment
        # chooses, so LIFELEDGER_LANG is passed on through LANGUAGE (gettext's first choice).
        gettext.bindtextdomain(DOMAIN, str(LOCALEDIR))
        gettext.textdomain(DOMAIN)
        os.environ["LANGUAGE"] = _language
    return _language


def language() -> str:
    """The language in use: ``en`` or ``zh_CN``."""
    if _current is None:
        set_language()
    return _language


def _(message: str) -> str:
    """``message`` in the user's language (itself in English or when not in the catalog)."""
    if _current is None:
        set_language()
    assert _current is not None
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for ``n`` things (Chinese has one form)."""
    if _current is None:
        set_language()
    assert _current is not None
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context``, where the same English word is translated
    differently (a table's "file" column, not click's "file" type)."""
    if _current is None:
        set_language()
    assert _current is not None
    return _current.pgettext(context, message)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it (translated where shown)."""
    return message


def NP_(context: str, message: str) -> str:
    """Marks ``message`` in ``context`` for the catalog without translating it: a code shown
    later as ``pgettext(context, code)`` (itself in English, its label in Chinese)."""
    return message


def bracketed(text: str, inner: str) -> str:
    """``text (inner)``; in Chinese ``text（inner）``, fullwidth brackets and no space."""
    return pgettext("bracket", "{text} ({inner})").format(text=text, inner=inner)


def listed(items: Iterable[str]) -> str:
    """Items joined by ``, ``; in Chinese by ``，``."""
    return pgettext("separator", ", ").join(items)


def enumerated(items: Iterable[str]) -> str:
    """Things listed one after another (positions, codes, names): joined by ``, ``; in
    Chinese by the enumeration comma ``、``."""
    return pgettext("list", ", ").join(items)


_DIGITS = "零一二三四五六七八九"
_ARTICLE = re.compile(r"Art\. (\d+)(?: para\. (\d+))?")


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十, 31 -> 三十一 (articles and paragraphs, under 100)."""
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[units] if units else "")


def article_label(article: str) -> str:
    """ "Art. 12" as the user reads it: itself in English, 第十二条 in Chinese (第七条第三款 for
    "Art. 7 para. 3"); other text in it is left as it is."""
    if language() == "en":
        return article

    def chinese(m: re.Match[str]) -> str:
        text = f"第{chinese_number(int(m.group(1)))}条"
        return text + (f"第{chinese_number(int(m.group(2)))}款" if m.group(2) else "")

    return _ARTICLE.sub(chinese, article)
