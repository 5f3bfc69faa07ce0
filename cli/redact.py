"""Secrets never reach a message: passwords in database URLs and connection strings are
masked in every error the CLI prints (operators paste errors into tickets and chats)."""

from __future__ import annotations

from ledger.storage.store import redact_password

__all__ = ["redact"]


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with URL passwords (``user:***@host``), ``password=***`` in connection
    strings, and each of ``secrets`` masked."""
    text = redact_password(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
