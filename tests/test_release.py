"""The student bundle: no solution code, no instructor tools, no hidden cases, and
`grader check` works from it without installing anything."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.errors import UsageError
from grader.release import SHARED_WITH_CHECKS, build_release, leaks

from .helpers import ASSIGNMENTS, ROOT, SOLUTIONS, copy_solutions


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "bundle"
    build_release(out, "training")
    return out


TRIVIAL = {"else:", "try:", "finally:", "pass", "break", "continue", "return", "return True",
           "return False", "return None", "return self", ")", "]", "}"}


def region_lines() -> set[str]:
    """Every non-trivial line inside a ### BEGIN/END SOLUTION region of solutions/*.py."""
    lines = set()
    for f in SOLUTIONS.glob("*.py"):
        body = f.read_text(encoding="utf-8")
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", body, re.DOTALL):
            for line in region.splitlines():
                s = line.strip()
                if s and not s.startswith("#") and s not in TRIVIAL:
                    lines.add(s)
    return lines


def in_bundle_env(bundle: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(bundle)
    return env


def test_bundle_holds_stubs_grader_and_instructions(bundle):
    assert sorted(p.name for p in (bundle / "assignments").iterdir()) == sorted(
        p.name for p in ASSIGNMENTS.iterdir() if p.suffix in (".py", ".ipynb"))
    for p in (bundle / "assignments").iterdir():
        assert p.read_bytes() == (ASSIGNMENTS / p.name).read_bytes()
    assert (bundle / "grader" / "cli.py").exists() and (bundle / "grader" / "engine.py").exists()
    assert (bundle / "pyproject.toml").exists() and "grader check" in (bundle / "README.md").read_text()
    assert any((bundle / "grader" / "assignments" / "training" / "reference").glob("*.json"))


def test_bundle_ships_one_assignment_with_its_contract(bundle):
    """The engine and the assignment's own package only (no other assignment's), its
    contract, and a registry that knows it alone (so it is the default)."""
    from grader.assignments import get

    packages = bundle / "grader" / "assignments"
    assert sorted(p.name for p in packages.iterdir()) == ["__init__.py", "training"]
    shipped = {p.relative_to(packages / "training").as_posix() for p in (packages / "training").rglob("*")
               if p.is_file()}
    own = get("training").folder
    expected = {p.relative_to(own).as_posix() for p in own.rglob("*") if p.is_file()
                and "authoring" not in p.relative_to(own).parts and "__pycache__" not in p.parts
                and not p.name.endswith(".hidden.json")}
    assert shipped == expected
    assert (bundle / "docs" / "training.md").read_bytes() == (ROOT / "docs" / "training.md").read_bytes()
    assert "docs/training.md" in (bundle / "README.md").read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "grader", "assignments"], cwd=bundle,
                          env=in_bundle_env(bundle), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[:2] for line in proc.stdout.splitlines()] == [["*", "training"]]


def test_release_builds_the_bundle_of_the_assignment_asked_for(tmp_path):
    """`grader release DIR --assignment NAME` for every registered assignment: its stubs and
    notebook, its package alone."""
    from grader.assignments import all_assignments

    for a in all_assignments():
        out = tmp_path / a.name
        proc = subprocess.run([sys.executable, "-m", "grader", "release", str(out), "--assignment", a.name],
                              cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stderr
        assert sorted(p.name for p in (out / "assignments").iterdir()) == sorted(
            p.name for p in a.stubs_dir.iterdir() if p.suffix in (".py", ".ipynb"))
        assert sorted(p.name for p in (out / "grader" / "assignments").iterdir()) == ["__init__.py", a.name]
        assert f"grader check {a.part_ids[0]} " in (out / "README.md").read_text(encoding="utf-8")


def test_bundle_gives_no_solution_away(bundle):
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert not (bundle / "solutions").exists()
    assert not any("authoring" in p.relative_to(bundle).parts for p in bundle.rglob("*"))
    assert not any(p.name.endswith(".hidden.json") for p in files)
    # the stubs' docstrings state the formulas on purpose: what is in them is public
    public = {line.strip() for p in ASSIGNMENTS.glob("*.py") for line in p.read_text().splitlines()}
    secret = region_lines() - public - set(SHARED_WITH_CHECKS)
    assert len(secret) > 20
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        found = {line.strip() for line in text.splitlines()} & secret
        assert not found, f"{p.relative_to(bundle)} holds solution code: {sorted(found)[:3]}"


def test_check_runs_from_the_bundle_without_installing(bundle):
    env = in_bundle_env(bundle)
    where = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"],
                           cwd=bundle, env=env, capture_output=True, text=True, check=False)
    assert Path(where.stdout.strip()).is_relative_to(bundle)
    proc = subprocess.run([sys.executable, "-m", "grader", "check", "--path", "assignments",
                           "--max-examples", "3"], cwd=bundle, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "not implemented yet" in proc.stdout and "Traceback" not in proc.stderr


def test_a_finished_assignment_passes_in_the_bundle(bundle, tmp_path):
    work = copy_solutions(tmp_path / "work")
    proc = subprocess.run([sys.executable, "-m", "grader", "check", "adam", "dropout", "--path", str(work),
                           "--max-examples", "3", "--json"], cwd=bundle, env=in_bundle_env(bundle),
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_grading_never_imports_the_authoring_package():
    code = ("import sys\nfrom grader.engine import grade\nfrom grader.assignments import get\n"
            "from grader.checking import Settings\nimport grader.batch, grader.cli, grader.gradescope\n"
            "r = grade('solutions/training', get('training'), parts=['adam', 'l1_l2', 'batchnorm_train', 'early_stopping'],"
            " hidden=True, settings=Settings(max_examples=3))\n"
            "assert r.score == r.max_score, r.score\n"
            "print(sorted(m for m in sys.modules if m.startswith('grader.authoring')))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_leaks_are_found(bundle, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(bundle, copy)
    assert leaks(copy, SOLUTIONS, public=ASSIGNMENTS) == []
    secret = min(region_lines() - {line.strip() for p in ASSIGNMENTS.glob("*.py")
                                      for line in p.read_text().splitlines()} - set(SHARED_WITH_CHECKS))
    (copy / "grader" / "extra.py").write_text(f"def f():\n    {secret}\n")
    (copy / "grader" / "authoring").mkdir()
    (copy / "grader" / "assignments" / "training" / "reference" / "adam.hidden.json").write_text("{}")
    found = "\n".join(leaks(copy, SOLUTIONS, public=ASSIGNMENTS))
    assert "grader/extra.py:2: solution code" in found
    assert "authoring/" in found and "adam.hidden.json" in found


def test_release_refuses_to_overwrite_a_foreign_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError):
        build_release(tmp_path / "mine", "training")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_bundle_declares_what_its_notebook_imports(bundle):
    """Every module the released notebook imports (outside try/except ImportError
    blocks) is the grader, the standard library or a requirement of the bundle."""
    import ast

    import nbformat

    from grader.release import dependencies_in

    text = (bundle / "pyproject.toml").read_text(encoding="utf-8")
    declared = {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0].lower() for d in dependencies_in(text)}
    assert {"numpy", "matplotlib"} <= declared and "numpy>=1.24" in dependencies_in(text)
    imported = set()
    for nb_path in (bundle / "assignments").glob("*.ipynb"):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            tree = ast.parse(cell.source)
            guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try)
                       if any(getattr(h.type, "id", "") in ("ImportError", "ModuleNotFoundError")
                              for h in t.handlers) for n in ast.walk(t)}
            for node in ast.walk(tree):
                if id(node) in guarded:
                    continue
                if isinstance(node, ast.Import):
                    imported |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imported.add(node.module.split(".")[0])
    assert "matplotlib" in imported  # the pictures: the case that used to break "Run All"
    missing = {m for m in imported if m not in sys.stdlib_module_names and m != "grader"} - declared
    assert not missing, f"the notebook imports {sorted(missing)}, which the bundle does not install"
    assert re.search(r"^\[project\.optional-dependencies\]\n(?:#.*\n)*notebook = \[", text, re.MULTILINE)
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[notebook]"' in readme and "jupyter lab assignments/" in readme


def test_bundle_ships_its_security_notes_and_student_edition(bundle):
    assert (bundle / "SECURITY.md").read_text(encoding="utf-8") == (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert "SECURITY.md" in (bundle / "README.md").read_text(encoding="utf-8")
    assert 'EDITION = "student"' in (bundle / "grader" / "_edition.py").read_text(encoding="utf-8")
    assert not (ROOT / "grader" / "_edition.py").exists()  # the repository is the instructor's


@pytest.mark.slow
def test_released_notebook_runs_to_the_end_from_the_bundles_own_install(bundle, tmp_path):
    """A fresh venv built only as the bundle's README says, then "Run All" headless on
    the notebook as released (stubs): every cell runs, the not-yet-implemented parts
    are reported, nothing raises."""
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    install = next(line.split("#")[0].strip() for line in readme.splitlines()
                   if line.startswith("pip install -e") and "notebook" in line)
    work = tmp_path / "bundle"
    shutil.copytree(bundle, work)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    proc = subprocess.run(["bash", "-c", install], cwd=work, env=env, capture_output=True, text=True,
                          timeout=1200, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    for nb_path in sorted((work / "assignments").glob("*.ipynb")):
        out = tmp_path / f"run-{nb_path.name}"
        proc = subprocess.run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                               "--ExecutePreprocessor.timeout=600", str(nb_path), "--output", str(out)],
                              cwd=work, env=env, capture_output=True, text=True, timeout=1200, check=False)
        assert proc.returncode == 0, proc.stderr[-4000:]
        import nbformat
        cells = nbformat.read(out, as_version=4).cells
        errors = [o for c in cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert not errors, errors[0]
        text = "".join(o.get("text", "") for c in cells if c.cell_type == "code" for o in c.get("outputs", []))
        assert "not implemented yet" in text


def test_the_bundle_offers_the_student_commands_only(bundle):
    env = in_bundle_env(bundle)
    proc = subprocess.run([sys.executable, "-m", "grader", "--help"], cwd=bundle, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    commands = set(re.findall(r"^\s{2}([a-z][a-z-]+)\s", proc.stdout.split("Commands:")[1], re.M))
    assert commands and commands <= {"check", "parts", "assignments"}
    assert "check" in commands
    for instructor in ("grade", "record", "release", "gradescope", "stubs"):
        proc = subprocess.run([sys.executable, "-m", "grader", instructor, "--help"], cwd=bundle, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 2 and "No such command" in proc.stderr, instructor
    # the instructor's grader (this repository) has them all
    proc = subprocess.run([sys.executable, "-m", "grader", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert {"grade", "record", "release", "gradescope"} <= set(
        re.findall(r"^\s{2}([a-z][a-z-]+)\s", proc.stdout.split("Commands:")[1], re.M))


def test_declared_requirements_are_read_without_tomllib():
    """The bundle's and the autograder's requirements keep the project's lower bounds on
    every supported Python: read from the installed metadata, or from pyproject.toml
    without tomllib (Python 3.10 has none), with the same result."""
    from grader.release import _declared, _requirements, dependencies_in

    from_file = dependencies_in((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert [d.replace(" ", "") for d in from_file] == _declared()
    assert all(any(op in r for op in ">=<") for r in _requirements())
