"""Pipelined requests across submissions (batch grading).

A check asks the student's code for one value at a time: hundreds of requests per
submission, each a round trip to the sandboxed worker (two process wake-ups). For
every student who passes a check those requests are the same ones: the inputs come
from the recorded reference cases and the recorded examples of the property checks
(:mod:`grader.examples_data`), which do not depend on the student. So a grading
process remembers the requests of the first submission that passed each check (its
*plan*) and, for the next submissions, writes the plan's requests to the worker ahead
of time, a few at a time, each as an ordinary request
(:meth:`grader.sandbox.runner.Sandbox.pipeline`). The check then runs exactly as
before; each request it makes that is the next one planned takes the worker's reply
instead of a round trip. A request is the planned one if its values are certainly
those the plan was recorded from (``wire.same``: exact types, array bytes, the sign of
zeros; no need to encode it), else if its JSON body is byte for byte the planned one.

A plan holds only the grader's own inputs: while it is recorded, it ends before the
first request holding an array or a number that the student's code returned earlier
in the check (:meth:`Sandbox.recording`: a check feeding the student's outputs back).
So no student's results are ever sent to another student's worker, and the rest of a
plan waits in the pipe or in the grading process, never in the worker's memory.

Scores cannot change: a reply is what the same request sent on its own would get,
because the student's functions are pure (the student contract says so, and every
request carries fresh copies of its inputs). At the first request that differs from
the plan (the student's code raised, or a check feeds the student's own outputs
back) the rest of the plan is cancelled, and requests go one at a time again. What
can differ is only what a submission that breaks the contract sees (module-level
state, printing: the output of the few planned calls written ahead that the check did
not need is kept too; or, looking at its own protocol pipe, that requests are
waiting): it can see its own next inputs early, nothing else.

Only ``grade`` installs it (:func:`install`, in each grading process). Around every
check, :class:`Planned` also tells the property checks which check runs (their
recorded examples are found by it).
"""

from __future__ import annotations

import threading

from . import examples_data

#: Largest plan kept for one check (requests, and bytes in all), and for all checks.
MAX_REQUESTS = 5000
MAX_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024

_plans: dict = {}
_lock = threading.Lock()
_installed = False
stats = {"checks": 0, "pipelined": 0, "requests": 0, "recorded": 0, "bytes": 0}


def install() -> None:
    global _installed
    _installed = True


def uninstall() -> None:
    global _installed
    _installed = False


def clear() -> None:
    with _lock:
        _plans.clear()
    for k in stats:
        stats[k] = 0


def key(assignment, part, check, settings) -> tuple:
    return (assignment.name, part.id, check.name, bool(check.hidden), settings.max_examples)


class Planned:
    """Context manager around one check: pipelines its plan (if any), records the
    requests it makes, and keeps them as the plan when the check passed."""

    def __init__(self, sandbox, k):
        self.sandbox, self.key = sandbox, k
        self.passed = False
        self._made: list | None = None
        # Which check runs (its properties find their recorded examples by it).
        self._scope = examples_data.scope(k[0], k[1], k[2], k[3])

    def __enter__(self):
        self._scope.__enter__()
        if not _installed or not hasattr(self.sandbox, "pipeline"):
            return self
        stats["checks"] += 1
        plan = _plans.get(self.key)
        if plan:
            sent = self.sandbox.pipeline(plan)
            stats["pipelined"] += sent > 0
        else:  # (recording encodes every request: only until there is a plan)
            self._made = self.sandbox.recording()
        return self

    def __exit__(self, *exc):
        self._scope.__exit__(*exc)
        if not _installed or not hasattr(self.sandbox, "pipeline"):
            return False
        self.sandbox.cancel_pipeline()
        if self._made is None:
            return False
        made, self._made = self._made, None
        self.sandbox.stop_recording()
        stats["requests"] += len(made)
        size = sum(len(body) for body, _raw in made)
        if self.passed and self.key not in _plans and made and len(made) <= MAX_REQUESTS \
                and size <= MAX_BYTES and stats["bytes"] + size <= MAX_TOTAL_BYTES:
            with _lock:
                if self.key not in _plans:
                    _plans[self.key] = tuple(made)
                    stats["bytes"] += size
                    stats["recorded"] += 1
        return False
