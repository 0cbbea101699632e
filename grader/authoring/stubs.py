"""What students get of an assignment, generated from its solutions (``grader stubs``).

One pipeline, declared here, run in this order for one assignment:

1. the ``.py`` stubs: each module of ``solutions/<name>/`` with its solution regions
   replaced (:mod:`grader.authoring.regions`), written to ``assignments/<name>/``;
2. the notebook (:mod:`grader.authoring.notebook`): the assignment's intro, each part's
   concept and the same stubs, one cell per part, plus the cells the assignment adds.

One source of truth: a test fails when ``assignments/<name>/`` drifts from what this
produces (``grader stubs --check``).
"""

from __future__ import annotations

import os
from pathlib import Path

from . import notebook
from .regions import BEGIN, END, HEADER, StubError, stub_source, strip_markers

__all__ = ["BEGIN", "END", "HEADER", "StubError", "stub_source", "strip_markers", "generate",
           "write_stubs"]


def generate(assignment, stubs_dir=None, *, check: bool = False) -> list[str]:
    """Write (or with ``check``, only compare) the stubs and the notebook of ``assignment``
    (an :class:`~grader.declaration.Assignment`, or its name or package path) into
    ``stubs_dir`` (default: its ``assignments/<name>/``). Returns the files that were
    (or would be) changed, relative to the assignment's root folder when inside it.

    Also accepted, as before assignments were packages: ``generate(solutions_dir,
    stubs_dir)``, the solutions folder of a registered assignment (its pipeline runs,
    writing to ``stubs_dir``), or the folder holding several (``solutions/``, with
    ``assignments/``: every registered assignment whose solutions are in it).
    """
    from ..assignments import get, names
    from ..declaration import Assignment

    if isinstance(assignment, Assignment) or assignment in names() or not _is_folder(assignment):
        a = get(assignment)
        return _pipeline(a, Path(stubs_dir) if stubs_dir else a.stubs_dir, check)
    solutions = Path(assignment).resolve()
    own = [a for a in _registered() if a.solutions_dir.resolve() == solutions]
    if own:
        return _pipeline(own[0], Path(stubs_dir) if stubs_dir else own[0].stubs_dir, check)
    nested = [a for a in _registered() if a.solutions_dir.resolve().parent == solutions]
    if nested:
        out = Path(stubs_dir) if stubs_dir else None
        return [f for a in nested for f in _pipeline(a, out / a.name if out else a.stubs_dir, check)]
    # A solutions folder no assignment declares: its stubs only (no notebook to build).
    if stubs_dir is None:
        raise ValueError(f"{solutions} is not the solutions folder of a known assignment: "
                         "give the folder to write the stubs to")
    return write_stubs(solutions, Path(stubs_dir), check=check)


def _pipeline(assignment, stubs_dir: Path, check: bool) -> list[str]:
    changed = write_stubs(assignment.solutions_dir, stubs_dir, check=check,
                          label=f"{assignment.name}/")
    changed += notebook.generate(assignment, stubs_dir, check=check)
    return [_shown(stubs_dir / name, assignment.root) for name in changed]


def write_stubs(solutions: Path, stubs_dir: Path, *, check: bool = False,
                label: str = "") -> list[str]:
    """Write (or with ``check``, compare) the stub of every module of ``solutions``
    (files starting with ``_`` are not student modules). Returns the names of the files
    that were (or would be) changed. ``label``: what the header says is before the file
    name (``training/`` gives "Generated from solutions/training/optimizers.py")."""
    changed = []
    for src in sorted(Path(solutions).glob("*.py")):
        if src.name.startswith("_"):
            continue
        stub = stub_source(src.read_text(encoding="utf-8"), f"{label}{src.name}")
        dest = Path(stubs_dir) / src.name
        current = dest.read_text(encoding="utf-8") if dest.exists() else None
        if current != stub:
            changed.append(dest.name)
            if not check:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(stub, encoding="utf-8")
    return changed


def _shown(path: Path, root) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).name


def _is_folder(ref) -> bool:
    return isinstance(ref, (str, os.PathLike)) and Path(ref).is_dir() and not (
        Path(ref) / "__init__.py").is_file()


def _registered():
    from ..assignments import all_assignments

    return all_assignments()
