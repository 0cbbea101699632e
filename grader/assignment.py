"""How an assignment declares itself: parts, their names and points, and their checks.

The engine knows nothing about optimizers or batch norm; an assignment is a list of
:class:`Part` objects, each with its checks. Adding a part, or a whole assignment,
means writing a new declaration, never changing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Check:
    """One graded check. ``run(ctx)`` raises :class:`grader.errors.Failure` when the
    student's code is wrong and may return a note (shown on a passing check)."""

    name: str
    run: Callable
    weight: float = 1.0
    hidden: bool = False          # instructor-only: run by `grade`, never by `check`
    hints: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    module: str
    names: tuple[str, ...]
    points: float
    checks: tuple[Check, ...]

    def selected(self, hidden: bool) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if hidden or not c.hidden)


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    parts: tuple[Part, ...]
    root: Path                     # the project folder holding solutions/ and assignments/

    @property
    def modules(self) -> tuple[str, ...]:
        seen: list[str] = []
        for p in self.parts:
            if p.module not in seen:
                seen.append(p.module)
        return tuple(seen)

    @property
    def part_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parts)

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def names_of(self, module: str) -> tuple[str, ...]:
        return tuple(n for p in self.parts if p.module == module for n in p.names)
