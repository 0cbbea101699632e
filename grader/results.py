"""Results are data: small frozen records that every renderer reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Example:
    """The smallest failing example of a check, already rendered as short text."""

    inputs: str
    expected: str = ""
    got: str = ""
    error: str = ""


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    points: float           # points earned
    max_points: float
    message: str = ""
    hidden: bool = False
    example: Example | None = None
    hint: str = ""           # what the mistake probably is, tied to the lecture
    diagnosis: str = ""      # id of a known mistake, e.g. "adam_no_bias_correction"
    note: str = ""           # informational, on a passing check (e.g. textbook epsilon)


@dataclass(frozen=True)
class PartResult:
    id: str
    title: str
    score: float
    max_score: float
    checks: tuple[CheckResult, ...] = ()
    error: str = ""          # why the part could not be graded at all (missing name, ...)
    #: Data for a picture of the part (JSON-able; see grader/plots.py), made while grading
    #: by the part's ``plot`` hook when ``Settings.plots`` asks for it; never scored.
    plot: dict | None = None

    @property
    def full(self) -> bool:
        return self.score >= self.max_score - 1e-9


@dataclass(frozen=True)
class SubmissionResult:
    name: str
    parts: tuple[PartResult, ...]
    notes: tuple[str, ...] = ()      # submission-level messages (load problems, sandbox mode)
    output: str = ""                  # what the student's code printed (capped)
    meta: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(p.score for p in self.parts), 4)

    @property
    def max_score(self) -> float:
        return round(sum(p.max_score for p in self.parts), 4)

    def part(self, part_id: str) -> PartResult:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def to_dict(self) -> dict:
        return {
            "submission": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "notes": list(self.notes),
            "parts": [
                {"id": p.id, "title": p.title, "score": p.score, "max_score": p.max_score,
                 "error": p.error,
                 "checks": [_check_dict(c) for c in p.checks],
                 **({"plot": p.plot} if p.plot is not None else {})}
                for p in self.parts
            ],
        }


def _check_dict(c: CheckResult) -> dict:
    d = asdict(c)
    d["example"] = asdict(c.example) if c.example else None
    return d


# -- what may be stored and shown --------------------------------------------------------

#: Longest stored text of each kind (characters): a message, a field of an example,
#: a note, what the student's code printed.
CAP_MESSAGE = 4000
CAP_FIELD = 2000
CAP_OUTPUT = 200_000  # the runner keeps less than this already: only a safety net
MAX_NOTES = 20


def safe_text(text: str) -> str:
    """``text`` as valid Unicode: bytes that were not UTF-8 (a file name's, kept by
    Python as lone surrogates) become ``\\xNN``."""
    text = str(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 60].rstrip() + f"\n... ({len(text) - limit + 60} more characters cut)"


def _private_paths(folder) -> list[tuple[str, str]]:
    """Grader-side paths a student must not see, longest first, with what replaces them."""
    import os
    import sys
    from pathlib import Path

    pairs = []
    if folder:
        pairs += [(str(folder) + os.sep, ""), (str(folder), ".")]
    pkg = Path(__file__).resolve().parent
    pairs += [(str(pkg), "<grader>"), (str(pkg.parent), "<grader>")]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        if prefix and len(prefix) > 1:
            pairs.append((prefix, "<python>"))
    home = os.path.expanduser("~")
    if home and len(home) > 1:
        pairs.append((home, "~"))
    return sorted(pairs, key=lambda p: -len(p[0]))


def _scrubber(folder):
    import re
    import tempfile

    pairs = _private_paths(folder)
    tmp = re.escape(tempfile.gettempdir().rstrip("/"))
    temp_dirs = re.compile(tmp + r"/grader-[A-Za-z]+-[^/\s'\"]*/?")

    def scrub(text: str, limit: int) -> str:
        if not text:
            return text
        text = safe_text(text)
        for path, repl in pairs:
            if path in text:
                text = text.replace(path, repl)
        return cap(temp_dirs.sub("", text), limit)
    return scrub


def clean_result(result: SubmissionResult, folder=None) -> SubmissionResult:
    """The result as it may be stored and shown to a student: every text valid
    Unicode, capped, and without grader-side paths (the submission's temporary folder,
    the grader's own files, the Python installation, the home folder)."""
    from dataclasses import replace

    scrub = _scrubber(folder)

    def check(c: CheckResult) -> CheckResult:
        ex = c.example
        if ex is not None:
            ex = Example(inputs=scrub(ex.inputs, CAP_FIELD), expected=scrub(ex.expected, CAP_FIELD),
                         got=scrub(ex.got, CAP_FIELD), error=scrub(ex.error, CAP_FIELD))
        return replace(c, name=scrub(c.name, 300), message=scrub(c.message, CAP_MESSAGE),
                       example=ex, hint=scrub(c.hint, CAP_MESSAGE), note=scrub(c.note, CAP_MESSAGE))

    parts = tuple(replace(p, error=scrub(p.error, CAP_MESSAGE),
                          checks=tuple(check(c) for c in p.checks)) for p in result.parts)
    notes = tuple(scrub(n, CAP_FIELD) for n in result.notes[:MAX_NOTES])
    return replace(result, name=safe_text(result.name), parts=parts, notes=notes,
                   output=scrub(result.output, CAP_OUTPUT))
