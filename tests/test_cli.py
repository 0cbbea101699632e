"""The command line, as cli.md fixes it."""

from __future__ import annotations

import csv
import json

import pytest

from grader.authoring.stubs import StubError, generate, stub_source

from .helpers import ASSIGNMENTS, SOLUTIONS, copy_solutions, run_grader


def test_check_json_on_solutions_has_the_fixed_keys():
    proc = run_grader("check", "momentum", "adam", "--path", str(SOLUTIONS), "--json", "--max-examples", "5")
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
    proc = run_grader("check", "adam", "--max-examples", "5")
    assert proc.returncode == 1
    assert "not implemented yet" in proc.stdout


def test_check_failure_shows_example_and_hint(tmp_path):
    sub = copy_solutions(tmp_path / "s")
    opt = sub / "optimizers.py"
    opt.write_text(opt.read_text().replace("alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)",
                                           "alpha = learning_rate", 1))
    proc = run_grader("check", "adam", "--path", str(sub), "--max-examples", "5")
    assert proc.returncode == 1
    assert "smallest failing example" in proc.stdout
    assert "bias correction" in proc.stdout
    assert "expected" in proc.stdout and "got" in proc.stdout


@pytest.mark.parametrize("args", [("check", "no_such_part"), ("check", "--path", "/no/such/path"),
                                  ("grade", "/no/such/folder", "--out", "x"), ("grade", ".")])
def test_usage_errors_exit_2(args, tmp_path):
    proc = run_grader(*args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # (fast: test_registry's `grade PARTS`, test_batch's reports)
def test_grade_writes_csv_results_and_feedback(tmp_path):
    subs = tmp_path / "subs"
    copy_solutions(subs / "alice")
    (subs / "bob").mkdir()
    (subs / "bob" / "optimizers.py").write_text("this is not python\n")
    (subs / "carol.zip").write_bytes(b"corrupt")
    out = tmp_path / "out"
    proc = run_grader("grade", str(subs), "--out", str(out))
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
