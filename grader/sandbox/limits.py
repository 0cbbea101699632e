"""The limits of one submission's worker, and how a call that hit one is reported.

Trusted side only (see :mod:`grader.sandbox.runner`).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's worker (generous: far above a correct solution)."""

    call_seconds: float = 10.0        # wall time of one call, at most (the engine gives each
    #                                   function a budget recorded from evidence, see budgets.py)
    load_seconds: float = 30.0        # wall time of starting the worker / importing one module
    submission_seconds: float = 300.0  # wall time of the whole submission, at most (the engine
    #                                    sizes it to the selected parts, see budgets.py)
    memory_mb: int = 3072             # address space of each process, and resident memory of all
    cpu_seconds: int = 600            # CPU time of one worker process
    file_mb: int = 16                 # size of any file it writes
    disk_mb: int = 64                 # its private temporary folder (bubblewrap: a tmpfs;
    #                                   elsewhere the watchdog's disk check)
    disk_files: int = 20_000          # files and folders it may make (the watchdog's disk check)
    processes: int = 16               # processes (and threads) it may run at once
    output_bytes: int = 64 * 1024     # stdout/stderr kept (the rest is counted and dropped)
    reply_mb: int = 64                # size of one reply
    max_restarts: int = 12            # restarts after crashes/timeouts before giving up
    runner: str | None = None         # "auto", "bwrap" or "fallback"; None: $GRADER_SANDBOX or auto


#: A function that crashed the worker this many times is not called again in the
#: same submission (a function that hung, after its first time).
CRASH_TRIES = 3
#: How a check fails once the whole submission's time budget is used up.
BUDGET_USED_UP = "not run: time budget used up"
#: How a check fails that calls a function not called again (see Sandbox.stopped).
STOPPED = "was not run: earlier in this submission"
