"""Reading stored payloads without the library's mapper (and without checking signatures).

The stored state is the envelope ``b"LLS1" ‖ key id ‖ signature ‖ payload``
(:class:`ledger.signing.signatures.Envelope`); the payload is what the library's ``JSONTranscoder``
wrote (after its compressor and cipher, if the application configured any). Verifying the
signatures is the auditor's separate ``verify``; the views only need the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:  # orjson parses the transcoder's JSON about four times faster than json
    from orjson import loads
except ImportError:  # pragma: no cover
    from json import loads  # type: ignore[assignment]

Unwrap = Callable[[bytes], bytes]

__all__ = ["Unwrap", "loads", "unwrapper"]


def unwrapper(cipher: Any, compressor: Any) -> Unwrap | None:
    """Undo the library's cipher and compressor, if the application configured any."""
    if cipher is None and compressor is None:
        return None

    def unwrap(payload: bytes) -> bytes:
        if cipher is not None:
            payload = cipher.decrypt(payload)
        if compressor is not None:
            payload = compressor.decompress(payload)
        return bytes(payload)

    return unwrap
