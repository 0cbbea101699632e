"""One exception hierarchy for the grader's own errors."""


class GraderError(Exception):
    """An error the user can act on: printed as a message, never as a traceback."""


class UsageError(GraderError):
    """Bad arguments (unknown part, missing path)."""


class SubmissionError(GraderError):
    """A submission that cannot be read at all (corrupt zip, invalid notebook, ...)."""


class Failure(Exception):
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
