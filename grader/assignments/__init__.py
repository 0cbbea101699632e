"""The assignments the grader knows: a declared list of packages.

An assignment is one Python package that owns everything about itself (its parts and
checks, their English and Korean text, hyper-parameters, recorded reference, known
mistakes, the drivers of stateful student code, and its instructor-only recorders).
The engine (everything in ``grader/`` outside this folder) names no assignment.

Adding an assignment to this repository means adding its package here and one line to
:data:`REGISTRY`. A course may keep its own package elsewhere and pass its folder
(``--assignment path/to/package``): :func:`get` loads it the same way.

A package declares itself with a module-level ``build()`` returning an
:class:`grader.declaration.Assignment` (see ``docs/authoring.md``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from ..declaration import Assignment
from ..errors import UsageError

#: The packages of the assignments shipped with the grader, in the order they are listed;
#: the first is the default.
REGISTRY: tuple[str, ...] = (
    "grader.assignments.training",
    "grader.assignments.lr_schedules",
)

_LOADED: dict[str, Assignment] = {}      # by name and by the reference it was asked by
_PATHS: dict[str, str] = {}              # name -> folder, for packages loaded by path


def names() -> tuple[str, ...]:
    """The registered assignments' names (the last part of each package's name)."""
    return tuple(pkg.rsplit(".", 1)[1] for pkg in REGISTRY if _importable(pkg))


def _importable(pkg: str) -> bool:
    """Whether the package is there (a folder without ``__init__.py``, an assignment
    still being written, is not)."""
    try:
        spec = importlib.util.find_spec(pkg)
    except ModuleNotFoundError:
        return False
    return spec is not None and spec.origin is not None


def all_assignments() -> tuple[Assignment, ...]:
    return tuple(get(n) for n in names())


def default_name() -> str:
    return names()[0]


def get(ref: str | os.PathLike | None = None) -> Assignment:
    """The assignment called ``ref`` (a registered name), or the package in folder
    ``ref`` (a path to a package kept outside this repository). None: the first
    registered one."""
    if ref is None:
        ref = default_name()
    if isinstance(ref, Assignment):
        return ref
    key = os.fspath(ref)
    if key in _LOADED:
        return _LOADED[key]
    if _looks_like_path(key):
        assignment = _load_path(Path(key))
    else:
        if key in _PATHS:
            return get(_PATHS[key])
        pkg = next((p for p in REGISTRY if p.rsplit(".", 1)[1] == key), None)
        if pkg is None or not _importable(pkg):
            known = ", ".join(names()) or "none"
            raise UsageError(f"unknown assignment {key!r} (known: {known}; or give the path "
                             "to an assignment package)")
        assignment = _build(importlib.import_module(pkg), pkg)
        _LOADED[key] = _LOADED.setdefault(assignment.name, assignment)
        return _LOADED[key]
    # A package given by path is what this process grades under its name from now on,
    # even when a registered assignment has the same name: everything found by name
    # (its recorded reference, its texts) is then the package's own.
    _LOADED[key] = _LOADED[assignment.name] = assignment
    return assignment


def _looks_like_path(key: str) -> bool:
    return os.sep in key or "/" in key or key.startswith(".") or Path(key).is_dir() and (
        Path(key) / "__init__.py").is_file()


def _load_path(folder: Path) -> Assignment:
    folder = folder.resolve()
    init = folder / "__init__.py"
    if not init.is_file():
        raise UsageError(f"{folder} is not an assignment package (no __init__.py)")
    modname = f"grader_assignment_{folder.name}"
    module = sys.modules.get(modname)
    if module is None or Path(getattr(module, "__file__", "")).resolve() != init:
        spec = importlib.util.spec_from_file_location(modname, init,
                                                      submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[modname] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(modname, None)
            raise UsageError(f"the assignment package {folder} could not be loaded: "
                             f"{type(exc).__name__}: {exc}") from exc
    assignment = _build(module, modname)
    _PATHS[assignment.name] = str(folder)
    return assignment


def _build(module, pkg: str) -> Assignment:
    build = getattr(module, "build", None)
    if not callable(build):
        raise UsageError(f"the assignment package {pkg} has no build() function")
    assignment = build()
    if not isinstance(assignment, Assignment):
        raise UsageError(f"{pkg}.build() did not return an Assignment")
    return assignment


def ref_of(assignment: Assignment) -> str:
    """What :func:`get` needs to load ``assignment`` again in another process: its name
    when registered, else its package's folder."""
    return _PATHS.get(assignment.name, assignment.name)


def detect(folder: str | os.PathLike | None = None) -> Assignment:
    """The assignment whose modules are in ``folder`` (default: the current folder) or
    in its ``assignments/<name>/`` subfolder; else the first registered one."""
    here = Path(folder or os.getcwd())
    candidates = all_assignments()
    for a in candidates:
        if any((here / f"{m}.py").is_file() for m in a.modules) and not any(
                (here / f"{m}.py").is_file() for b in candidates if b is not a
                for m in b.modules if m not in a.modules):
            return a
    for a in candidates:
        if (here / "assignments" / a.name).is_dir():
            return a
    return candidates[0]
