"""One exception hierarchy for the grader's own errors.

::

    GraderError                 every error the grader raises on purpose
    ├── UserError               the user can act on it: one line at the command line, exit 2
    │   ├── UsageError          bad arguments (unknown part, missing path)
    │   ├── SubmissionError     a submission that cannot be read at all
    │   ├── SandboxUnavailable  the sandbox runner asked for cannot run here
    │   ├── AuthoringError      the assignment's recorded data is missing or unusable
    │   └── StubError           a solution module whose regions cannot become a stub
    ├── InternalError           the grader itself failed: one line, exit 3 (as any other
    │   │                       unexpected exception; GRADER_DEBUG=1 shows the traceback)
    │   └── SharedBoxError      the shared sandbox box misbehaved (it was destroyed)
    └── StudentCodeError        the student's code did something wrong: graded, never
        │                       shown as an error of the grader
        ├── Failure             a check failed
        └── CallFailed          a request to the sandbox's worker returned no value

The command group (:class:`grader.cli._Group`) turns a :class:`UserError` into one line
and exit status 2, anything else into one line and exit status 3. The sandbox's worker
runs standalone (it cannot import the grader) and keeps its own exceptions.
"""

from __future__ import annotations


class GraderError(Exception):
    """Every error the grader raises on purpose (see the module's tree)."""


# -- errors the user can act on -----------------------------------------------------------

class UserError(GraderError):
    """An error the user can act on: printed as one line, never as a traceback."""


class UsageError(UserError):
    """Bad arguments (unknown part, missing path)."""


class SubmissionError(UserError):
    """A submission that cannot be read at all (corrupt zip, invalid notebook, ...)."""


class SandboxUnavailable(UserError, RuntimeError):
    """The sandbox runner that was explicitly requested cannot run here."""


class AuthoringError(UserError, RuntimeError):
    """The assignment's recorded data (reference, examples) is missing or unusable: an
    error of the grader's data (run ``grader record``), never of a submission."""


class StubError(UserError, ValueError):
    """A solution module whose regions cannot be turned into a stub."""


# -- the grader's own failures --------------------------------------------------------------

class InternalError(GraderError):
    """The grader itself failed (not the user, not the student's code)."""


class SharedBoxError(InternalError, RuntimeError):
    """The shared sandbox box (:mod:`grader.sandbox.shared_box`) misbehaved; it has been
    destroyed (the sandbox then starts a box of its own)."""


# -- what the student's code did ----------------------------------------------------------

class StudentCodeError(GraderError):
    """The student's code did something wrong: it is graded (a check fails), never
    reported as an error of the grader."""


class Failure(StudentCodeError):
    """Raised by a check: the student's code did something wrong.

    ``example`` is the smallest failing example; ``diagnosis`` the id of a known
    mistake and ``hint`` the sentence that explains it.
    """

    def __init__(self, message, *, example=None, diagnosis="", hint=""):
        super().__init__(message)
        self.message = message
        self.example = example
        self.diagnosis = diagnosis
        self.hint = hint


class CallFailed(StudentCodeError):
    """A request to the sandbox's worker did not return a value. ``kind`` says why:
    exception | timeout | crash | forbidden | unsupported | protocol."""

    def __init__(self, kind: str, message: str, trace: str = "", forbidden=(),
                 by_budget: bool = False):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.trace = trace
        self.forbidden = tuple(forbidden)
        self.by_budget = by_budget  # the submission's whole budget ran out (not the call's)
