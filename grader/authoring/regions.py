"""The solution regions of a solution module, and the stub that replaces them.

Every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region (inside a function or
method body) becomes ``raise NotImplementedError(...)`` at the region's indentation;
everything else (docstrings, signatures, imports) is copied as it is. Both the ``.py``
stubs (:mod:`grader.authoring.stubs`) and the notebook's code cells
(:mod:`grader.authoring.notebook`) are made with this, so they cannot differ.
"""

from __future__ import annotations

import re

from ..errors import StubError  # (one error hierarchy: grader/errors.py)

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
HEADER = ("# Generated from solutions/{name} by `grader stubs`: fill in every "
          "`raise NotImplementedError`.\n")


def stub_source(source: str, name: str = "") -> str:
    """The stub of one solution module's source (``name``: its file name, for messages
    and the header)."""
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


def strip_markers(source: str) -> str:
    """The solution with its region markers removed (a filled-in notebook, for tests)."""
    return "".join(line for line in source.splitlines(keepends=True)
                   if not (BEGIN.match(line) or END.match(line)))
