"""How an assignment declares itself: parts, their names and points, and their checks.

The engine knows nothing about optimizers or batch norm; an assignment is a list of
:class:`Part` objects, each with its checks. Adding a part, or a whole assignment,
means writing a new declaration, never changing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping


class T(str):
    """A text declared in English and Korean side by side: ``T("Dropout", "드롭아웃")``.

    It IS the English string (the engine, reports and ``grades.csv`` use it as such);
    ``.ko`` is the Korean, which :mod:`grader.i18n` finds through the declaration (part
    titles, check names, hints, notes), so that each part's text lives with the part.
    A plain ``str`` is English only (shown as is in Korean feedback)."""

    ko: str

    def __new__(cls, en: str, ko: str = ""):
        obj = super().__new__(cls, en)
        obj.ko = ko or en
        return obj

    @property
    def en(self) -> str:
        return str.__str__(self)

    def __reduce__(self):
        return (T, (str.__str__(self), self.ko))


def ko(text) -> str:
    """The Korean of a declared text (itself when it has none)."""
    return getattr(text, "ko", None) or str(text)


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
    #: The lecture's text on the part for the notebook (markdown), English and Korean.
    concept: T | None = None
    #: ``plot(ctx, checks) -> dict | None``: data for a picture of the part, computed while
    #: grading (student code runs only then); renderers draw it (see grader/plots.py).
    plot: Callable | None = None

    def selected(self, hidden: bool) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if hidden or not c.hidden)


@dataclass(frozen=True)
class Cell:
    """A cell an assignment adds to its generated notebook (``cells()`` of the module
    named by :attr:`Assignment.notebook`): markdown, or code with optional tags
    (e.g. ``("not-graded",)`` for pictures that are not part of the grade)."""

    id: str
    source: str
    code: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    """One assignment, declared by its package's ``build()`` (see grader/assignments/).

    - ``folder``: the package's folder; its recorded reference is in ``folder/reference``.
    - ``root``: the folder holding ``solutions/<name>/`` and ``assignments/<name>/``.
    - ``drivers``: a standalone module (standard library and numpy only) that the
      sandboxed worker loads to exercise stateful student code (a callback protocol, an
      optimizer's trajectory): its ``DRIVERS`` dict names the operations
      :meth:`grader.checking.Context.drive` may ask for. None: the assignment has none.
    - ``forbidden``: top-level packages a submission may not import, with what to call
      them in the message (course policy: the frameworks the reference comes from). The
      engine forbids nothing of its own accord: each assignment declares its policy.
    - ``title_ko``: the title in Korean; ``recorders``: the package that records the
      reference (instructor-only, imported only by ``grader record``).
    """

    name: str
    title: str
    parts: tuple[Part, ...]
    root: Path                     # the project folder holding solutions/ and assignments/
    folder: Path | None = None
    drivers: Path | None = None
    forbidden: Mapping = field(default_factory=dict)
    title_ko: str = ""
    recorders: str = ""
    #: The notebook's introduction (markdown), English and Korean.
    intro: T | None = None
    #: ``((regex, Korean replacement), ...)``: the assignment's own failure-message
    #: fragments in Korean (the engine's common ones are in grader/i18n.py).
    messages_ko: tuple = ()
    #: The module (dotted name) that shapes the generated notebook beyond the intro, the
    #: parts' concepts and the stubs: its file name, section texts, extra cells (see
    #: grader/authoring/notebook.py). Imported only when the notebook is generated.
    notebook: str = ""

    def sandbox_options(self) -> dict:
        """What the sandbox needs of the assignment: its drivers' source and what it
        forbids submissions to import."""
        private = [p for p in (self.folder, self.solutions_dir) if p and Path(p).is_dir()]
        return {"drivers": _source(str(self.drivers)) if self.drivers else "",
                "forbidden": dict(self.forbidden),
                # what the worker must never see of the assignment, wherever it is kept
                # (a package outside the repository, even inside the Python installation):
                # its recorded reference (hidden cases), its authoring code, its solutions
                "private": tuple(sorted(str(Path(p).resolve()) for p in private))}

    @property
    def data_dir(self) -> Path:
        """Where the recorded reference of this assignment lives."""
        return Path(self.folder) / "reference"

    @property
    def solutions_dir(self) -> Path:
        return Path(self.root) / "solutions" / self.name

    @property
    def stubs_dir(self) -> Path:
        return Path(self.root) / "assignments" / self.name

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


@lru_cache(maxsize=16)
def _source(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")
