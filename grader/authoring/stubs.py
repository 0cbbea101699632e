"""Generating the student's stubs from the solutions (``grader stubs``).

Every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region (inside a function or
method body) becomes ``raise NotImplementedError(...)`` at the region's indentation;
everything else (docstrings, signatures, imports) is copied as it is. One source of
truth: a test fails when ``assignments/`` drifts from what this produces.
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
HEADER = ("# Generated from solutions/{name} by `grader stubs`: fill in every "
          "`raise NotImplementedError`.\n")


class StubError(ValueError):
    pass


def stub_source(source: str, name: str = "") -> str:
    """The stub of one solution module's source."""
    out: list[str] = []
    in_region = False
    func = ""
    for lineno, line in enumerate(source.splitlines(keepends=True), 1):
        m = re.match(r"^\s*(?:def|class)\s+(\w+)", line)
        if m and not in_region:
            func = m.group(1)
        begin = BEGIN.match(line)
        if begin:
            if in_region:
                raise StubError(f"{name}:{lineno}: nested BEGIN SOLUTION")
            if not begin.group("indent"):
                raise StubError(f"{name}:{lineno}: a solution region must be inside a function body")
            in_region = True
            out.append(f'{begin.group("indent")}raise NotImplementedError("{func}: your code here")\n')
            continue
        if END.match(line):
            if not in_region:
                raise StubError(f"{name}:{lineno}: END SOLUTION without BEGIN")
            in_region = False
            continue
        if not in_region:
            out.append(line)
    if in_region:
        raise StubError(f"{name}: BEGIN SOLUTION is never closed")
    return HEADER.format(name=name) + "".join(out)


def generate(solutions: Path, assignments: Path, check: bool = False) -> list[str]:
    """Write (or with ``check``, compare) the stubs of every solution module.
    Returns the names of the files that were (or would be) changed."""
    changed = []
    assignments.mkdir(parents=True, exist_ok=True)
    for src in sorted(Path(solutions).glob("*.py")):
        if src.name.startswith("_"):
            continue
        stub = stub_source(src.read_text(encoding="utf-8"), src.name)
        dest = Path(assignments) / src.name
        current = dest.read_text(encoding="utf-8") if dest.exists() else None
        if current != stub:
            changed.append(dest.name)
            if not check:
                dest.write_text(stub, encoding="utf-8")
    # The notebook holds the same stubs, one cell per part (see notebook.py).
    from .notebook import generate as generate_notebook
    changed += generate_notebook(Path(solutions), Path(assignments), check=check)
    return changed
