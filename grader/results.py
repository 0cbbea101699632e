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
                 "checks": [_check_dict(c) for c in p.checks]}
                for p in self.parts
            ],
        }


def _check_dict(c: CheckResult) -> dict:
    d = asdict(c)
    d["example"] = asdict(c.example) if c.example else None
    return d
