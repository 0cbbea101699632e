"""The command line, as cli.md fixes it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.authoring.stubs import StubError, generate, stub_source

from .helpers import ASSIGNMENTS, ROOT, SOLUTIONS, copy_solutions


def grader(*args, cwd=ROOT):
    """`python -m grader ARGS` in ``cwd``, this checkout's grader whether installed or not."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env)


def test_check_json_on_solutions_has_the_fixed_keys():
    proc = grader("check", "momentum", "adam", "--path", str(SOLUTIONS), "--json", "--max-examples", "5")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["score"] == doc["max_score"] == 20
    assert [p["id"] for p in doc["parts"]] == ["momentum", "adam"]
    for part in doc["parts"]:
        assert {"id", "score", "max_score", "checks"} <= set(part)
        for c in part["checks"]:
            assert {"name", "passed", "message"} <= set(c)
            assert not c["hidden"]  # check never runs hidden checks


def test_check_on_stubs_exits_1_and_says_not_implemented():
    proc = grader("check", "adam", "--max-examples", "5")
    assert proc.returncode == 1
    assert "not implemented yet" in proc.stdout


def test_check_failure_shows_example_and_hint(tmp_path):
    sub = copy_solutions(tmp_path / "s")
    opt = sub / "optimizers.py"
    opt.write_text(opt.read_text().replace("alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)",
                                           "alpha = learning_rate", 1))
    proc = grader("check", "adam", "--path", str(sub), "--max-examples", "5")
    assert proc.returncode == 1
    assert "smallest failing example" in proc.stdout
    assert "bias correction" in proc.stdout
    assert "expected" in proc.stdout and "got" in proc.stdout


@pytest.mark.parametrize("args", [("check", "no_such_part"), ("check", "--path", "/no/such/path"),
                                  ("grade", "/no/such/folder", "--out", "x"), ("grade", ".")])
def test_usage_errors_exit_2(args, tmp_path):
    proc = grader(*args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr


def test_grade_writes_csv_results_and_feedback(tmp_path):
    subs = tmp_path / "subs"
    copy_solutions(subs / "alice")
    (subs / "bob").mkdir()
    (subs / "bob" / "optimizers.py").write_text("this is not python\n")
    (subs / "carol.zip").write_bytes(b"corrupt")
    out = tmp_path / "out"
    proc = grader("grade", str(subs), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    from grader.assignments import get
    part_ids = list(get().part_ids)
    rows = list(csv.reader((out / "grades.csv").open()))
    assert rows[0] == ["submission", *part_ids, "total"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"alice", "bob", "carol"}
    assert float(by_name["alice"][-1]) == sum(p.points for p in get().parts)
    assert all(v != "" for r in rows[1:] for v in r)
    assert float(by_name["bob"][-1]) == 0 and float(by_name["carol"][-1]) == 0
    for name in by_name:
        results = json.loads((out / name / "results.json").read_text())
        assert {"score", "tests"} <= set(results)
        for t in results["tests"]:
            assert {"name", "score", "max_score", "output", "visibility"} <= set(t)
        assert (out / name / "feedback.md").exists()
    assert any(t["visibility"] != "visible" for t in
               json.loads((out / "alice" / "results.json").read_text())["tests"])


def test_stubs_are_in_sync_with_solutions(tmp_path):
    assert generate(SOLUTIONS, ASSIGNMENTS, check=True) == [], "run `grader stubs`"
    assert generate(SOLUTIONS, tmp_path, check=False)  # writes every module


def test_stub_generation_removes_solution_regions():
    src = ("def f(x):\n    \"\"\"doc\"\"\"\n    ### BEGIN SOLUTION\n    return x + 1\n"
           "    ### END SOLUTION\n")
    out = stub_source(src, "m.py")
    assert "return x + 1" not in out
    assert 'raise NotImplementedError("f: your code here")' in out
    assert '"""doc"""' in out
    with pytest.raises(StubError):
        stub_source("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "m.py")
    with pytest.raises(StubError):
        stub_source("def f():\n    ### BEGIN SOLUTION\n    pass\n", "m.py")


def test_stub_bodies_only_raise_not_implemented():
    """Every function that has a solution region is, in the stub, its docstring and a raise."""
    import ast

    for stub in ASSIGNMENTS.glob("*.py"):
        sol_tree = ast.parse((SOLUTIONS / stub.name).read_text())
        sol_src = (SOLUTIONS / stub.name).read_text().splitlines()
        solved = {node.name for node in ast.walk(sol_tree)
                  if isinstance(node, ast.FunctionDef)
                  and any("### BEGIN SOLUTION" in sol_src[i]
                          for i in range(node.lineno - 1, node.end_lineno))}
        assert solved, stub.name
        for node in ast.walk(ast.parse(stub.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in solved:
                body = [b for b in node.body if not (isinstance(b, ast.Expr)
                                                     and isinstance(b.value, ast.Constant))]
                assert len(body) == 1 and isinstance(body[0], ast.Raise), (stub.name, node.name)
                assert "NotImplementedError" in ast.unparse(body[0])


def test_an_internal_error_is_one_line_and_exit_3(monkeypatch):
    """A failure of the grader itself (not the student's code, not the user's words) is
    one line on stderr and exit status 3; GRADER_DEBUG=1 shows the traceback."""
    from click.testing import CliRunner

    import grader.engine
    from grader.cli import INTERNAL_ERROR, main

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(grader.engine, "grade", broken)
    monkeypatch.delenv("GRADER_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["check", "adam", "--path", str(SOLUTIONS)])
    assert result.exit_code == INTERNAL_ERROR == 3
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "internal error: RuntimeError: boom second line" in lines[0]
    assert "Traceback" not in result.output
    monkeypatch.setenv("GRADER_DEBUG", "1")
    result = CliRunner().invoke(main, ["check", "adam", "--path", str(SOLUTIONS)])
    assert isinstance(result.exception, RuntimeError)


def test_a_grader_error_anywhere_is_a_usage_error(monkeypatch):
    from click.testing import CliRunner

    import grader.engine
    from grader.cli import main
    from grader.errors import UsageError

    def refuses(*args, **kwargs):
        raise UsageError("no such thing")

    monkeypatch.setattr(grader.engine, "grade", refuses)
    result = CliRunner().invoke(main, ["check", "adam", "--path", str(SOLUTIONS)])
    assert result.exit_code == 2 and result.output.strip() == "grader: error: no such thing"


# -- assignments: the registry, --assignment, grade PART ..., the default -----------------

def test_assignments_lists_every_registered_assignment():
    from grader.assignments import all_assignments

    known = all_assignments()
    assert "training" in [a.name for a in known]
    proc = grader("assignments")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(known)
    for a, line in zip(known, lines, strict=True):
        assert line[2:].startswith(a.name) and a.title in line
        assert f"{len(a.parts)} parts, {sum(p.points for p in a.parts):g} points" in line
        assert all(pid in line for pid in a.part_ids)
    assert lines[0].startswith("* ")  # the default here (the repository): the first one


def test_every_command_takes_assignment():
    from grader.cli import main

    for name, command in main.commands.items():
        assert "--assignment" in [o for p in command.params for o in getattr(p, "opts", ())], name


@pytest.mark.parametrize("args", [("check",), ("parts",), ("assignments",), ("grade", "subs", "--out", "o"),
                                  ("stubs", "--check"), ("record", "--examples"), ("release", "r"),
                                  ("gradescope", "g.zip")])
def test_an_unknown_assignment_is_one_line_and_exit_2(args, tmp_path):
    from click.testing import CliRunner

    from grader.assignments import names
    from grader.cli import main

    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path) as here:
        (Path(here) / "subs" / "alice").mkdir(parents=True)
        result = runner.invoke(main, [*args, "--assignment", "no_such_assignment"])
        assert not any(Path(here, p).exists() for p in ("o", "r", "g.zip"))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown assignment 'no_such_assignment'" in lines[0]
    assert all(n in lines[0] for n in names())


def package_elsewhere(tmp_path, name="training_elsewhere"):
    """The training package copied outside the repository (as a course keeps its own),
    renamed and retitled so that what is graded can only come from the copy."""
    import shutil

    dest = tmp_path / "course" / name
    shutil.copytree(ROOT / "grader" / "assignments" / "training", dest,
                    ignore=shutil.ignore_patterns("__pycache__", "authoring"))
    init = dest / "__init__.py"
    text = init.read_text(encoding="utf-8")
    assert 'name="training", title="Training techniques"' in text
    init.write_text(text.replace('name="training", title="Training techniques"',
                                 f'name="{name}", title="Training techniques, kept elsewhere"'),
                    encoding="utf-8")
    return dest


def test_an_assignment_package_outside_the_repository_grades_the_same(tmp_path):
    pkg = package_elsewhere(tmp_path)
    proc = grader("parts", "--assignment", str(pkg))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "training_elsewhere: Training techniques, kept elsewhere"
    proc = grader("assignments", "--assignment", str(pkg))
    assert "* training_elsewhere" in proc.stdout and "  training " in proc.stdout
    args = ("check", "momentum", "l1_l2", "early_stopping", "--path", str(SOLUTIONS), "--json",
            "--max-examples", "4")
    mine, theirs = grader(*args, "--assignment", "training"), grader(*args, "--assignment", str(pkg))
    assert mine.returncode == theirs.returncode == 0, theirs.stdout[-2000:] + theirs.stderr
    a, b = json.loads(mine.stdout), json.loads(theirs.stdout)
    assert a == b and a["score"] == a["max_score"] == 33
    stubs = grader("check", "momentum", "--path", str(ASSIGNMENTS), "--assignment", str(pkg),
                   "--max-examples", "4")
    assert stubs.returncode == 1 and "not implemented yet" in stubs.stdout
    # grading processes load it by its folder too
    copy_solutions(tmp_path / "subs" / "alice")
    out = tmp_path / "out"
    proc = grader("grade", str(tmp_path / "subs"), "momentum", "early_stopping", "--assignment", str(pkg),
                  "--out", str(out), "--workers", "1", "--max-examples", "4", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert list(csv.reader((out / "grades.csv").open())) == [
        ["submission", "momentum", "early_stopping", "total"], ["alice", "8", "17", "25"]]
    assert json.loads((out / "summary.json").read_text())["assignment"] == "training_elsewhere"


def test_grade_named_parts_into_a_gradebook_that_never_mixes(tmp_path):
    """`grade SUBMISSIONS PART ...`: grades.csv has those parts' columns only; the same
    OUT refuses another selection of parts or another assignment (nothing is reused,
    nothing is overwritten); an unknown part is a usage error."""
    subs = tmp_path / "subs"
    copy_solutions(subs / "alice")
    (subs / "bob").mkdir()
    (subs / "bob" / "optimizers.py").write_text("def sgd_momentum_step(:\n")
    out = tmp_path / "out"
    common = ("--out", str(out), "--workers", "1", "--max-examples", "4", "--no-progress")
    proc = grader("grade", str(subs), "momentum", "l1_l2", *common)
    assert proc.returncode == 0, proc.stderr
    table = list(csv.reader((out / "grades.csv").open()))
    assert table[0] == ["submission", "momentum", "l1_l2", "total"]
    assert {r[0]: r[1:] for r in table[1:]} == {"alice": ["8", "8", "16"], "bob": ["0", "0", "0"]}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["max_score"] == 16 and [p["id"] for p in summary["parts"]] == ["momentum", "l1_l2"]
    doc = json.loads((out / "alice" / "results.json").read_text())
    assert {t["tags"][0] for t in doc["tests"]} == {"momentum", "l1_l2"}
    before = (out / "grades.csv").read_bytes()
    again = grader("grade", str(subs), "l1_l2", "momentum", *common)  # the same selection
    assert again.returncode == 0, again.stderr
    assert (out / "grades.csv").read_bytes() == before
    for other in (("grade", str(subs), *common),  # all parts
                  ("grade", str(subs), "momentum", *common),
                  ("grade", str(subs), "momentum", "l1_l2", "--assignment",
                   str(package_elsewhere(tmp_path)), *common)):
        proc = grader(*other)
        assert proc.returncode == 2, proc.stderr
        assert "holds the grades of assignment 'training' (parts momentum, l1_l2)" in proc.stderr
        assert "another --out" in proc.stderr and "Traceback" not in proc.stderr
        assert (out / "grades.csv").read_bytes() == before
    proc = grader("grade", str(subs), "no_such_part", "--out", str(tmp_path / "o2"))
    assert proc.returncode == 2 and "unknown part no_such_part" in proc.stderr
    assert not (tmp_path / "o2").exists()


def test_stubs_check_each_assignment_by_name():
    from grader.assignments import all_assignments

    for a in all_assignments():
        proc = grader("stubs", "--check", "--assignment", a.name)
        assert proc.returncode == 0 and f"assignments/{a.name}/ is up to date" in proc.stdout, (
            proc.stdout + proc.stderr)


def test_the_gradebook_scope_and_version_follow_the_assignment_and_parts(tmp_path):
    from grader.assignments import get
    from grader.checking import Settings
    from grader.gradebook import Gradebook, checks_version

    training = get("training")
    versions = {checks_version(Settings(), training), checks_version(Settings(), training, ["adam"]),
                checks_version(Settings(), training, ["adam", "momentum"]),
                checks_version(Settings(), package_elsewhere(tmp_path))}
    assert len(versions) == 4
    assert checks_version(Settings(), training, ["momentum", "adam"]) == checks_version(
        Settings(), "training", ["adam", "momentum"])
    with Gradebook(tmp_path / "g.sqlite") as book:
        assert book.scope() == {} and book.bind("training", ["adam"]) == {}
        assert book.bind("training", ["adam"]) == {}
        assert book.bind("training") == {"assignment": "training", "parts": ["adam"]}
        assert book.bind("other", ["adam"]) == {"assignment": "training", "parts": ["adam"]}


def test_the_default_assignment_is_the_one_in_the_current_folder(tmp_path):
    """From a folder holding an assignment's modules (or its assignments/<name>/), every
    command works on that assignment; `check` grades that folder by default."""
    import shutil

    from grader.assignments import all_assignments

    for a in all_assignments():
        here = tmp_path / a.name
        here.mkdir()
        for f in a.solutions_dir.glob("*.py"):  # (the modules' names are what tells)
            shutil.copyfile(f, here / f.name)
        proc = grader("parts", cwd=here)
        assert proc.returncode == 0 and proc.stdout.startswith(f"{a.name}: "), proc.stderr
        proc = grader("check", a.part_ids[0], "--json", "--max-examples", "3", cwd=here)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
        assert [p["id"] for p in json.loads(proc.stdout)["parts"]] == [a.part_ids[0]]
        project = tmp_path / f"project-{a.name}"
        shutil.copytree(a.solutions_dir, project / "assignments" / a.name)
        proc = grader("check", a.part_ids[0], "--max-examples", "3", cwd=project)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
        # pointed at a folder of its modules, `check` takes that folder's assignment
        proc = grader("check", a.part_ids[-1], "--path", str(a.solutions_dir), "--max-examples", "3",
                      cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr


def test_notebook_check_takes_the_assignment_or_finds_it(tmp_path):
    import runpy

    import grader as grader_pkg
    from grader.assignments import all_assignments, get
    from grader.errors import UsageError
    from grader.jupyter import which_assignment

    for a in all_assignments():
        assert which_assignment(None, [a.part_ids[0]], {}) is a
        assert which_assignment(a.name, None, {}) is a
        defined = {n: object() for m in a.modules for n in a.names_of(m)}
        assert which_assignment(None, None, defined) is a
    assert which_assignment(None, None, {}) is get()  # nothing to go by: the first one
    with pytest.raises(UsageError, match="unknown assignment"):
        which_assignment("no_such_assignment", None, {})
    ns = runpy.run_path(str(SOLUTIONS / "regularization.py"))
    result = grader_pkg.check("l1_l2", namespace=ns, assignment="training", max_examples=3)
    assert result.score == result.max_score == 8
    result = grader_pkg.check("l1_l2", namespace=ns, assignment=str(package_elsewhere(tmp_path)),
                              max_examples=3)
    assert result.score == 8
    assert grader_pkg.check("l1_l2", namespace=ns, max_examples=3).score == 8  # found by its part
