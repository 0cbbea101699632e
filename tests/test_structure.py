"""How the grader's code is put together: one error hierarchy, shown at the command line
as one line (exit 2 for the user's errors, 3 for the grader's own); no import cycles;
the worker's code files all bound into the box and standalone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import errors

from .helpers import ROOT, SOLUTIONS

GRADER = ROOT / "grader"
SANDBOX = GRADER / "sandbox"


# -- one error hierarchy ---------------------------------------------------------------------

USER = ("UsageError", "SubmissionError", "SandboxUnavailable", "AuthoringError", "StubError")
INTERNAL = ("SharedBoxError",)
STUDENT = ("Failure", "CallFailed")


def test_every_error_of_the_grader_is_in_one_tree():
    tree = {name: getattr(errors, name) for name in (*USER, *INTERNAL, *STUDENT)}
    for name, cls in tree.items():
        assert issubclass(cls, errors.GraderError), name
    kinds = (errors.UserError, errors.InternalError, errors.StudentCodeError)
    for names, kind in zip((USER, INTERNAL, STUDENT), kinds, strict=True):
        for name in names:
            others = [k for k in kinds if k is not kind]
            assert issubclass(tree[name], kind), name
            assert not any(issubclass(tree[name], k) for k in others), name


def test_the_errors_are_the_same_classes_wherever_they_are_imported_from():
    from grader import examples_data
    from grader.authoring import stubs
    from grader.sandbox import runner, shared_box

    assert runner.CallFailed is errors.CallFailed
    assert runner.SandboxUnavailable is errors.SandboxUnavailable
    assert shared_box.SharedBoxError is errors.SharedBoxError
    assert examples_data.AuthoringError is errors.AuthoringError
    assert stubs.StubError is errors.StubError


@pytest.mark.parametrize("error,status,words", [
    (errors.UsageError("no such thing"), 2, "grader: error: no such thing"),
    (errors.AuthoringError("the examples are missing"), 2, "grader: error: the examples are missing"),
    (errors.SandboxUnavailable("bubblewrap is gone"), 2, "grader: error: bubblewrap is gone"),
    (errors.SharedBoxError("the fork server exited"), 3,
     "grader: internal error: SharedBoxError: the fork server exited"),
    # a check's failure that escaped its check is the grader's fault, not the user's
    (errors.Failure("expected 1, got 2"), 3, "grader: internal error: Failure: expected 1, got 2"),
    (errors.CallFailed("crash", "the worker\nvanished"), 3,
     "grader: internal error: CallFailed: the worker vanished")])
def test_an_error_reaches_the_command_line_as_one_line(error, status, words, monkeypatch):
    import grader.engine
    from grader.cli import main

    def raises(*args, **kwargs):
        raise error

    monkeypatch.setattr(grader.engine, "grade", raises)
    monkeypatch.delenv("GRADER_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["check", "adam", "--path", str(SOLUTIONS)])
    assert result.exit_code == status, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(words), lines
    assert "Traceback" not in result.output


# -- no import cycles ----------------------------------------------------------------------

def _modules() -> dict:
    """{module name: (path, is package)} of every module of grader/."""
    found = {}
    for path in GRADER.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _imports(path: Path, name: str, package: bool, known: dict) -> set:
    """The modules of grader/ that ``name`` imports, anywhere in it (also inside
    functions), except under ``if TYPE_CHECKING:`` (never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for part in node.body for n in ast.walk(part)}
    base = name if package else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                parent = base.split(".")[:len(base.split(".")) - (node.level - 1)]
                mod = ".".join(parent + ([mod] if mod else []))
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _cycles(graph: dict) -> list:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_of_the_grader_imports_itself_back():
    """A module that needs another's names imports it, never the other way round as well
    (not even inside a function): shared names live in a module both can import."""
    known = _modules()
    graph = {name: _imports(path, name, package, known) for name, (path, package) in known.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# -- the worker's code ---------------------------------------------------------------------

def test_every_file_the_worker_loads_is_bound_into_the_box():
    """The worker loads its modules by path from its own folder; bubblewrap binds exactly
    ``launch.CODE_FILES`` there: a worker module missing from it would exist under the
    fallback runner and not under bubblewrap."""
    from grader.sandbox.launch import CODE_FILES

    source = (SANDBOX / "worker.py").read_text(encoding="utf-8")
    loaded = set(re.findall(r'\bload\("(\w+)"\)', source))
    assert {"wire", "worker_policy", "worker_confinement", "worker_output",
            "worker_fork_server"} <= loaded
    on_disk = {p.name for p in SANDBOX.glob("worker*.py")} | {"wire.py"}
    assert {f"{name}.py" for name in loaded} | {"worker.py"} == on_disk == set(CODE_FILES)
    for name, path in CODE_FILES.items():
        assert Path(path) == SANDBOX / name


@pytest.mark.parametrize("name", sorted(p.name for p in SANDBOX.glob("worker*.py")) + ["wire.py"])
def test_the_worker_code_is_standalone(name):
    """Standard library and numpy only: it cannot import the grader (not on its path)."""
    tree = ast.parse((SANDBOX / name).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{name}: a relative import"
            top = (node.module or "").partition(".")[0]
        elif isinstance(node, ast.Import):
            top = node.names[0].name.partition(".")[0]
        else:
            continue
        assert top != "grader", f"{name} imports the grader"
