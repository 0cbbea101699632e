"""How an assignment declares itself: parts, their names and points, and their checks.

The engine knows nothing about optimizers or batch norm; an assignment is a list of
:class:`Part` objects, each with its checks. Adding a part, or a whole assignment,
means writing a new declaration, never changing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping


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
class Probe:
    """Does the student's result depend on each of its keyword arguments? (issue 11.5)

    Declared by a part (``Part(..., probes=(Probe(...), ...))``), run by
    :mod:`grader.diagnosis` only when a check of the part fails: the student's ``fn`` is
    called once with ``args`` and ``kwargs``, then once per entry of ``alternatives``
    with that ONE keyword argument replaced by its alternative value. When an output
    is identical to the first one (within 1e-12 relative), the failing checks of the
    part say "your result does not depend on `name`" (e.g. a literal ``1e-7`` where
    ``epsilon`` belongs, a fixed learning rate).

    - ``args``, ``kwargs``, the alternatives: plain data sent to the sandbox (numpy
      arrays, numbers, strings, lists, dicts). Pick inputs and alternative values for
      which the correct solution's output really changes, clearly (e.g. epsilon large
      next to the probe's gradients, a velocity that is not zero when probing
      momentum): ``tests/test_diagnosis.py`` checks this on ``solutions/``.
    - ``run(ctx, kwargs)``: for what cannot be called directly (a class: go through
      its driver, e.g. ``ctx.callback``); returns plain data. Default:
      ``ctx.call(fn, *args, **kwargs)``.
    - ``keeps``: ids of known mistakes that themselves ignore an argument (RMSprop
      without decay ignores ``rho``): a failing check naming one of them keeps its
      name; every other failing check of the part gets the ignored-argument one.
    """

    fn: str
    args: tuple = ()
    kwargs: Mapping = field(default_factory=dict)
    alternatives: Mapping = field(default_factory=dict)
    run: Callable | None = None
    keeps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    module: str
    names: tuple[str, ...]
    points: float
    checks: tuple[Check, ...]
    probes: tuple[Probe, ...] = ()   # ignored-argument probes, see :class:`Probe`
    #: Wall-time budget of one call to each of the part's functions, in seconds; None:
    #: derived from the evidence recorded with the assignment (see grader/budgets.py).
    call_seconds: float | None = None

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
