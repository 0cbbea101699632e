"""Assignments as declared packages (issue 13): the registry, `--assignment NAME|path` on
every command (an unknown one is a usage error), a package kept outside the repository
graded the same, `grade SUBMISSIONS PART ...` into a gradebook that never mixes
assignments or selections of parts, and the default assignment found in the current
folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from grader.assignments import get, names

from .helpers import ASSIGNMENTS, SOLUTIONS, copy_solutions, package_elsewhere, run_grader


def test_assignments_lists_every_registered_assignment():
    from grader.assignments import all_assignments

    known = all_assignments()
    assert "training" in [a.name for a in known]
    proc = run_grader("assignments")
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


def test_an_assignment_package_outside_the_repository_grades_the_same(tmp_path):
    pkg = package_elsewhere(tmp_path)
    proc = run_grader("parts", "--assignment", str(pkg))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "training_elsewhere: Training techniques, kept elsewhere"
    proc = run_grader("assignments", "--assignment", str(pkg))
    assert "* training_elsewhere" in proc.stdout and "  training " in proc.stdout
    args = ("check", "momentum", "l1_l2", "early_stopping", "--path", str(SOLUTIONS), "--json",
            "--max-examples", "4")
    mine, theirs = run_grader(*args, "--assignment", "training"), run_grader(*args, "--assignment", str(pkg))
    assert mine.returncode == theirs.returncode == 0, theirs.stdout[-2000:] + theirs.stderr
    a, b = json.loads(mine.stdout), json.loads(theirs.stdout)
    assert a == b and a["score"] == a["max_score"] == 33
    stubs = run_grader("check", "momentum", "--path", str(ASSIGNMENTS), "--assignment", str(pkg),
                       "--max-examples", "4")
    assert stubs.returncode == 1 and "not implemented yet" in stubs.stdout


@pytest.mark.slow
def test_grading_processes_load_a_package_outside_the_repository_by_its_folder(tmp_path):
    pkg = package_elsewhere(tmp_path)
    copy_solutions(tmp_path / "subs" / "alice")
    out = tmp_path / "out"
    proc = run_grader("grade", str(tmp_path / "subs"), "momentum", "early_stopping", "--assignment", str(pkg),
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
    proc = run_grader("grade", str(subs), "momentum", "l1_l2", *common)
    assert proc.returncode == 0, proc.stderr
    table = list(csv.reader((out / "grades.csv").open()))
    assert table[0] == ["submission", "momentum", "l1_l2", "total"]
    assert {r[0]: r[1:] for r in table[1:]} == {"alice": ["8", "8", "16"], "bob": ["0", "0", "0"]}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["max_score"] == 16 and [p["id"] for p in summary["parts"]] == ["momentum", "l1_l2"]
    doc = json.loads((out / "alice" / "results.json").read_text())
    assert {t["tags"][0] for t in doc["tests"]} == {"momentum", "l1_l2"}
    before = (out / "grades.csv").read_bytes()
    again = run_grader("grade", str(subs), "l1_l2", "momentum", *common)  # the same selection
    assert again.returncode == 0, again.stderr
    assert (out / "grades.csv").read_bytes() == before
    for other in (("grade", str(subs), *common),  # all parts
                  ("grade", str(subs), "momentum", *common),
                  ("grade", str(subs), "momentum", "l1_l2", "--assignment",
                   str(package_elsewhere(tmp_path)), *common)):
        proc = run_grader(*other)
        assert proc.returncode == 2, proc.stderr
        assert "holds the grades of assignment 'training' (parts momentum, l1_l2)" in proc.stderr
        assert "another --out" in proc.stderr and "Traceback" not in proc.stderr
        assert (out / "grades.csv").read_bytes() == before
    proc = run_grader("grade", str(subs), "no_such_part", "--out", str(tmp_path / "o2"))
    assert proc.returncode == 2 and "unknown part no_such_part" in proc.stderr
    assert not (tmp_path / "o2").exists()


def test_stubs_check_each_assignment_by_name():
    from grader.assignments import all_assignments

    for a in all_assignments():
        proc = run_grader("stubs", "--check", "--assignment", a.name)
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


def _the_first_in_the_slow_lane():
    """Every registered assignment's name; the first one's in the slow lane (the first is
    also the default when the folder tells nothing, so its case shows the least)."""
    first, *others = names()
    return [pytest.param(first, marks=pytest.mark.slow) if others else first, *others]


@pytest.mark.parametrize("name", _the_first_in_the_slow_lane())
def test_the_default_assignment_is_the_one_in_the_current_folder(tmp_path, name):
    """From a folder holding an assignment's modules (or its assignments/<name>/), every
    command works on that assignment; `check` grades that folder by default."""
    import shutil

    a = get(name)
    here = tmp_path / a.name
    here.mkdir()
    for f in a.solutions_dir.glob("*.py"):  # (the modules' names are what tells)
        shutil.copyfile(f, here / f.name)
    proc = run_grader("parts", cwd=here)
    assert proc.returncode == 0 and proc.stdout.startswith(f"{a.name}: "), proc.stderr
    proc = run_grader("check", a.part_ids[0], "--json", "--max-examples", "3", cwd=here)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert [p["id"] for p in json.loads(proc.stdout)["parts"]] == [a.part_ids[0]]
    project = tmp_path / f"project-{a.name}"
    shutil.copytree(a.solutions_dir, project / "assignments" / a.name)
    proc = run_grader("check", a.part_ids[0], "--max-examples", "3", cwd=project)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    # pointed at a folder of its modules, `check` takes that folder's assignment
    proc = run_grader("check", a.part_ids[-1], "--path", str(a.solutions_dir), "--max-examples", "3",
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
