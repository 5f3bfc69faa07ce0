"""What the caller asks of a verification: the pinned root, checkpoints from outside,
parallelism."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.i18n import _

#: Below this many events, starting worker processes costs more than it saves.
PROCESS_THRESHOLD = 30_000


#: The GIL switch interval while worker threads verify (seconds).
THREAD_SWITCH_INTERVAL = 0.001


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify. ``root_fingerprint`` pins the root key (SHA-256 of it, hex)."""

    root_fingerprint: str | None = None
    trusted_checkpoints: tuple[bytes, ...] = ()  # signed notes an auditor kept earlier
    witnesses: tuple[str, ...] = ()  # cosigner vkeys that must have cosigned a checkpoint
    workers: int = 2
    # "threads", "processes" (forked on Linux; spawned elsewhere, where the calling program
    # needs an ``if __name__ == "__main__":`` guard, as the console script has), or "auto"
    # (see _parallel_mode).
    parallel: str = "threads"
    batch_size: int = 256
    max_failures: int = 10_000

    def __post_init__(self) -> None:
        if self.parallel not in ("auto", "threads", "processes"):
            raise ValueError(
                _("parallel must be 'auto', 'threads' or 'processes', not {parallel!r}").format(
                    parallel=self.parallel
                )
            )
        if self.batch_size < 1:
            raise ValueError(_("batch_size must be at least 1"))


def _normalise_fingerprint(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.strip().lower().replace(":", "").replace(" ", "")
    return cleaned or None
