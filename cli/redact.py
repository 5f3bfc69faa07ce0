"""Secrets never reach a message: passwords in database URLs and connection strings are
masked in every error the CLI prints (operators paste errors into tickets and chats)."""

from __future__ import annotations

import re

__all__ = ["redact"]

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s'\"]*):[^@\s'\"]*@")
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)", re.I)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with URL passwords (``user:***@host``), ``password=***`` in connection
    strings, and each of ``secrets`` masked."""
    text = _URL_PASSWORD.sub(r"\g<head>:***@", text)
    text = _KEYWORD_PASSWORD.sub(r"\g<head>***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
