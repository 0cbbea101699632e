"""The student bundle of one assignment (``grader release OUT_DIR --assignment NAME``).

What students get: ``assignments/`` (the assignment's stubs, and its notebook if there
is one), its contract ``docs/<name>.md``, the ``grader`` package with the engine and
that assignment's package only (so that ``grader check`` runs on their machine), and a
pyproject/README to install it. What they must not get, and what this module checks is
absent before it reports success:

- ``solutions/`` and any line of code from a ``### BEGIN SOLUTION`` region;
- every ``authoring/`` folder (``grader/authoring/`` and the assignment's own: known-
  mistake implementations, i.e. solution code, and the reference recorders);
- the hidden reference cases (``grader/assignments/<name>/reference/*.hidden.json``);
- the other assignments' packages.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .errors import UsageError

MARKER = ".grader-release"
#: What `grader check` imports (the Gradescope zip installs these too).
RUNTIME = ("numpy", "hypothesis", "nbformat", "click", "rich")
#: What the student's notebook imports besides the grader (its pictures).
NOTEBOOK_RUNTIME = ("matplotlib",)
#: `pip install -e ".[notebook]"`: Jupyter, to open and run the notebook.
NOTEBOOK_EXTRA = ("jupyterlab>=4", "ipykernel>=6")
#: Written into the bundle's copy of the grader: the CLI then offers the student
#: commands only (grading a class, recording, releasing need the instructor's grader).
EDITION_MODULE = "_edition.py"
STUDENT_EDITION = '"""Written by `grader release`: this grader is the student edition."""\nEDITION = "student"\n'

#: Lines of a solution region that the public checks compute the same way, because
#: the contract states them (features on the last axis, statistics over the others).
SHARED_WITH_CHECKS = frozenset({
    "axes = tuple(range(x.ndim - 1))",
})
_TRIVIAL = re.compile(r"^(else:|try:|finally:|pass|break|continue|return(\s+(True|False|None|self))?|"
                      r"[)\]}],?|except\b.*:|"
                      # a bare test of one name against None gives nothing away
                      r"(el)?if (not )?[A-Za-z_][A-Za-z0-9_.]* is (not )?None:)$")


def _ignore(directory: str, names: list[str], hidden: bool = False) -> set[str]:
    """What is never shipped: caches, temporary files, every ``authoring/`` folder, and
    the hidden reference cases (unless ``hidden``)."""
    skip = set()
    for n in names:
        if (n in ("__pycache__", ".pytest_cache", ".hypothesis", "authoring")
                or n.endswith((".pyc", ".tmp")) or n.startswith(".")
                or (n.endswith(".hidden.json") and not hidden)):
            skip.add(n)
    return skip


#: The registry of a shipped grader: the one assignment it ships (see :func:`copy_grader`).
_REGISTRY = re.compile(r"^REGISTRY\b[^=\n]*=\s*\(.*?^\)[ \t]*$", re.MULTILINE | re.DOTALL)


def copy_grader(dest: Path, assignment=None, *, hidden: bool) -> None:
    """Copy the grader to ``dest``: the engine without ``authoring/``, and the package of
    ``assignment`` only (default: the first registered one; one loaded from a folder
    outside the repository is shipped the same way), without its ``authoring/`` and,
    unless ``hidden``, its hidden reference cases. The copy's registry lists that
    assignment alone: it is the default, and the only one known."""
    from .assignments import get

    assignment = get(assignment)
    if not assignment.name.isidentifier():
        raise UsageError(f"the assignment name {assignment.name!r} cannot be shipped as a package "
                         "(it must be a Python identifier)")
    if assignment.folder is None or not (Path(assignment.folder) / "__init__.py").is_file():
        raise UsageError(f"the assignment {assignment.name!r} declares no package folder to ship")
    src = Path(__file__).resolve().parent
    packages = src / "assignments"

    def ignore(directory, names):
        skip = _ignore(directory, names, hidden)
        if Path(directory) == packages:  # the assignments' packages: only the one shipped, below
            skip |= {n for n in names if (packages / n).is_dir()}
        return skip

    shutil.copytree(src, dest, ignore=ignore)
    shutil.copytree(assignment.folder, dest / "assignments" / assignment.name,
                    ignore=lambda d, names: _ignore(d, names, hidden))
    registry = dest / "assignments" / "__init__.py"
    text = registry.read_text(encoding="utf-8")
    line = (f"REGISTRY: tuple[str, ...] = (  # written by the grader's bundle builder: the one "
            f"assignment shipped\n    \"grader.assignments.{assignment.name}\",\n)")
    text, n = _REGISTRY.subn(lambda m: line, text, count=1)
    if n != 1:
        raise UsageError(f"{registry.relative_to(dest.parent)}: no REGISTRY = (...) found to list "
                         "the shipped assignment in")
    registry.write_text(text, encoding="utf-8")


def _declared() -> list[str]:
    """The grader's runtime dependencies as declared: the installed package's metadata
    (any Python), else the project's pyproject.toml."""
    from importlib import metadata

    try:
        reqs = metadata.requires("grader") or []
        return [r.partition(";")[0].strip() for r in reqs if "extra" not in r.partition(";")[2]]
    except metadata.PackageNotFoundError:
        pass
    try:
        text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return []
    return dependencies_in(text)


def dependencies_in(pyproject: str) -> list[str]:
    """The ``[project] dependencies`` of a pyproject.toml written one per line, as this
    project and its bundle write them (tomllib is Python 3.11+; the grader runs on 3.10)."""
    block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", pyproject, re.MULTILINE | re.DOTALL)
    return re.findall(r'^\s*"([^"]+)"', block.group(1), re.MULTILINE) if block else []


def _requirements(names=RUNTIME) -> list[str]:
    """Requirements for ``names``, with the lower bounds the project declares."""
    bounds = {}
    for dep in _declared():
        name = re.split(r"[<>=!~ ;\[]", dep, maxsplit=1)[0].strip().lower()
        bounds[name] = dep.replace(" ", "")
    return [bounds.get(name, name) for name in names]


def _pyproject(assignment) -> str:
    deps = "".join(f'    "{d}",\n' for d in _requirements(RUNTIME + NOTEBOOK_RUNTIME))
    notebook = ", ".join(f'"{d}"' for d in NOTEBOOK_EXTRA)
    return f'''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "grader"
version = "0.1.0"
description = {_toml_string(f"The course's checker for the assignment {assignment.title} (student edition).")}
readme = "README.md"
requires-python = ">=3.10"
dependencies = [
{deps}]

[project.optional-dependencies]
# Jupyter, to open and run assignments/*.ipynb: pip install -e ".[notebook]"
notebook = [{notebook}]

[project.scripts]
grader = "grader.cli:main"

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.setuptools.package-data]
grader = ["assignments/*/reference/*.json"]
'''


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _readme(assignment, contract: str | None) -> str:
    rows = "\n".join(f"| `{p.id}` | `{p.module}.py` | {', '.join(f'`{n}`' for n in p.names)} | {p.points:g} |"
                     for p in assignment.parts)
    notebooks = sorted(p.name for p in Path(assignment.stubs_dir).glob("*.ipynb"))
    notebook = notebooks[0] if notebooks else "the notebook"
    first = assignment.parts[0].id if assignment.parts else "PART"
    doc = (f"\nThe contract (what to hand in, the names, signatures and points, and how it is\n"
           f"graded) is [`{contract}`]({contract})." if contract else "")
    return f"""# {assignment.title}: your assignment

Fill in every `raise NotImplementedError` in `assignments/` (or the notebook), using
numpy only. The docstrings give each formula, its defaults and shapes, and the
conventions your code must follow.{doc}

## Install (once, Python 3.10 or later)

```bash
python -m venv .venv && . .venv/bin/activate   # Windows: .venv\\Scripts\\activate
pip install -e ".[notebook]"                   # the `grader` command, and Jupyter
```

`pip install -e .` alone installs the `grader` command without Jupyter.

## Work in the notebook

```bash
jupyter lab assignments/{notebook}
```

Each part ends with a cell `grader.check("part")` that grades your code from the
notebook. Cells that draw pictures with your functions skip what you have not
implemented yet.

## Or check your files from the command line

```bash
grader check                       # every part, your work in assignments/
grader check {first:<21s} # one part
grader check --path my_work.ipynb  # a notebook, a folder or a .zip
```

Without installing the `grader` command: `python -m grader check` from this folder
(the requirements, e.g. `pip install numpy hypothesis nbformat click rich`, are still
needed).

`grader check` runs the public checks: for each part your points, every check passed
or failed, the smallest example your code gets wrong (inputs, expected, got) and, for
a known mistake, a hint. Your final grade also includes hidden checks of the same
kind, so a part that passes here is very likely right.

Your code runs in a separate, limited process; `SECURITY.md` says how, and what
that protects on your machine.

| part | module | names | points |
|---|---|---|---:|
{rows}
"""


def solution_lines(solutions: Path) -> dict[str, str]:
    """The substantive lines of every solution region: {stripped line: 'file:line'}."""
    found: dict[str, str] = {}
    for f in sorted(Path(solutions).glob("*.py")):
        inside = False
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            s = line.strip()
            if s.startswith("### BEGIN SOLUTION"):
                inside = True
            elif s.startswith("### END SOLUTION"):
                inside = False
            elif inside and s and not s.startswith("#") and not _TRIVIAL.match(s):
                found.setdefault(s, f"{f.name}:{i}")
    return found


def leaks(bundle: Path, solutions: Path, public: Path | None = None) -> list[str]:
    """Everything in ``bundle`` that gives a solution away (empty when none): solution
    files, ``authoring/``, hidden reference cases, and any substantive line of a
    solution region (except those in the public stubs' docstrings, and those the
    checks share by design)."""
    problems = []
    lines = solution_lines(solutions)
    if public is not None:
        for f in Path(public).glob("*.py"):
            for line in f.read_text(encoding="utf-8").splitlines():
                lines.pop(line.strip(), None)
    for line in SHARED_WITH_CHECKS:
        lines.pop(line, None)
    for p in sorted(Path(bundle).rglob("*")):
        rel = p.relative_to(bundle).as_posix()
        if p.is_dir():
            if p.name in ("authoring", "solutions"):
                problems.append(f"{rel}/: must not be shipped")
            continue
        if p.name.endswith(".hidden.json"):
            problems.append(f"{rel}: hidden reference cases")
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for i, line in enumerate(text.splitlines(), 1):
            where = lines.get(line.strip())
            if where:
                problems.append(f"{rel}:{i}: solution code from {where}: {line.strip()[:80]}")
    return problems


def build_release(out: Path, assignment=None, *, force: bool = False) -> dict:
    """Build the student bundle of ``assignment`` (an :class:`~grader.declaration.Assignment`,
    a registered name or a package's folder; default: the first registered one) in
    ``out``, from its stubs ``assignments/<name>/`` and solutions ``solutions/<name>/``."""
    from .assignments import get

    from .assignments import ref_of

    assignment = get(assignment)
    out = Path(out)
    stubs, solutions = Path(assignment.stubs_dir), Path(assignment.solutions_dir)
    if not stubs.is_dir():
        raise UsageError(f"{stubs} not found (run `grader stubs --assignment {ref_of(assignment)}` "
                         "first)")
    if solutions.is_dir():
        try:
            from .authoring.stubs import generate
        except ImportError:  # pragma: no cover - a student bundle has no authoring/
            raise UsageError("building a release needs the instructor's grader (with authoring/)") from None
        stale = generate(assignment, stubs, check=True)
        if stale:
            raise UsageError(f"assignments/{assignment.name}/ is out of date with solutions/"
                             f"{assignment.name}/ ({', '.join(stale)}): run `grader stubs "
                             f"--assignment {ref_of(assignment)}` first")
    if out.exists() and any(out.iterdir()):
        if not (force or (out / MARKER).exists()):
            raise UsageError(f"{out} exists and is not an earlier release: choose an empty folder "
                             "(or --force)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "assignments").mkdir()
    for f in sorted(stubs.iterdir()):
        if f.is_file() and f.suffix in (".py", ".ipynb") and not f.name.startswith("."):
            shutil.copyfile(f, out / "assignments" / f.name)
    contract = None
    doc = Path(assignment.root) / "docs" / f"{assignment.name}.md"
    if doc.is_file():
        contract = f"docs/{doc.name}"
        (out / "docs").mkdir()
        shutil.copyfile(doc, out / contract)
    copy_grader(out / "grader", assignment, hidden=False)
    (out / "grader" / EDITION_MODULE).write_text(STUDENT_EDITION, encoding="utf-8")
    security = Path(__file__).resolve().parents[1] / "SECURITY.md"
    if security.is_file():
        shutil.copyfile(security, out / "SECURITY.md")
    (out / "pyproject.toml").write_text(_pyproject(assignment), encoding="utf-8")
    (out / "README.md").write_text(_readme(assignment, contract), encoding="utf-8")
    (out / MARKER).write_text("built by `grader release`\n", encoding="utf-8")
    problems = others_shipped(out / "grader", assignment.name)
    if solutions.is_dir():
        problems += leaks(out, solutions, public=stubs)
    if problems:
        shutil.rmtree(out)
        raise UsageError("the bundle would give solutions away; nothing was written:\n  "
                         + "\n  ".join(problems[:20]))
    return {"out": out, "files": sum(1 for p in out.rglob("*") if p.is_file())}


def others_shipped(grader_copy: Path, name: str) -> list[str]:
    """The packages of assignments other than ``name`` in a copy of the grader."""
    packages = Path(grader_copy) / "assignments"
    return [f"grader/assignments/{p.name}/: another assignment's package"
            for p in sorted(packages.iterdir()) if p.is_dir() and p.name != name
            and p.name != "__pycache__"] if packages.is_dir() else []
