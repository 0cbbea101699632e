"""The Gradescope autograder zip, and its entry point on a simulated /autograder tree."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.gradescope import build_autograder, find_submission, run_autograder

from .helpers import SOLUTIONS, assignment, copy_solutions

SMALL_EXAMPLES = "4"


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The zip, unpacked as Gradescope does: ROOT/source, ROOT/run_autograder."""
    base = tmp_path_factory.mktemp("gradescope")
    info = build_autograder(base / "autograder.zip")
    root = base / "autograder"
    with zipfile.ZipFile(info["zip"]) as zf:
        zf.extractall(root / "source")
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(modes[script])
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    return info, root, modes


def fresh_tree(root: Path, tmp_path: Path) -> Path:
    """A simulated /autograder with the bundle's source and an empty submission."""
    tree = tmp_path / "autograder"
    tree.mkdir()
    (tree / "source").symlink_to(root / "source")
    shutil.copyfile(root / "run_autograder", tree / "run_autograder")
    (tree / "submission").mkdir()
    return tree


def run_in_container(tree: Path, *args, script=False):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(GRADER_AUTOGRADER_ROOT=str(tree), PYTHON=sys.executable, PYTHONPATH=str(tree / "source"))
    cmd = (["bash", str(tree / "run_autograder")] if script else
           [sys.executable, "-m", "grader", "gradescope-run", "--root", str(tree), *args])
    proc = subprocess.run(cmd, cwd=tree / "source", env=env, capture_output=True, text=True, timeout=600, check=False)
    results = tree / "results" / "results.json"
    return proc, json.loads(results.read_text(encoding="utf-8")) if results.exists() else None


def test_the_zip_holds_what_gradescope_runs(autograder):
    _, root, modes = autograder
    names = set(modes)
    assert {"setup.sh", "run_autograder", "requirements.txt", "grader/__main__.py", "grader/cli.py"} <= names
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert not any(n.startswith("grader/authoring") for n in names)
    assert not any("__pycache__" in n for n in names)
    for part in assignment().parts:  # the hidden reference cases travel with the autograder
        assert f"grader/reference_data/training/{part.id}.hidden.json" in names
    reqs = (root / "source" / "requirements.txt").read_text().split()
    assert reqs and all("==" in r for r in reqs)
    from importlib.metadata import version
    assert f"numpy=={version('numpy')}" in reqs and f"hypothesis=={version('hypothesis')}" in reqs
    setup = (root / "source" / "setup.sh").read_text()
    assert "pip install" in setup and "requirements.txt" in setup


def test_entry_point_grades_a_correct_submission_with_hidden_checks(autograder, tmp_path):
    _, root, _ = autograder
    tree = fresh_tree(root, tmp_path)
    copy_solutions(tree / "submission")
    proc, doc = run_in_container(tree, "--max-examples", SMALL_EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    assert doc["score"] == 100
    for t in doc["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(t)
    assert {t["visibility"] for t in doc["tests"]} == {"visible", "after_published"}
    assert "grader/authoring" not in proc.stderr


def test_run_autograder_script_on_a_zipped_broken_submission(autograder, tmp_path):
    _, root, _ = autograder
    tree = fresh_tree(root, tmp_path)
    with zipfile.ZipFile(tree / "submission" / "work.zip", "w") as zf:
        zf.writestr("optimizers.py", "def adam_step(:\n")
    proc, doc = run_in_container(tree, script=True)
    assert proc.returncode == 0, proc.stderr
    assert doc["score"] == 0
    adam = [t for t in doc["tests"] if t["name"].startswith("adam:")]
    assert adam and all("could not be imported" in t["output"] for t in adam)


def test_an_empty_submission_still_gets_results(tmp_path):
    tree = tmp_path / "autograder"
    (tree / "submission").mkdir(parents=True)
    doc = run_autograder(tree)
    assert doc["score"] == 0
    assert json.loads((tree / "results" / "results.json").read_text()) == doc
    doc = run_autograder(tmp_path / "nowhere")  # no submission folder at all
    assert doc["score"] == 0 and "could not grade" in doc["output"]


def test_find_submission_layouts(tmp_path):
    folder = tmp_path / "py"
    copy_solutions(folder)
    assert find_submission(folder) == folder
    nb = tmp_path / "nb"
    nb.mkdir()
    (nb / "work.ipynb").write_text("{}")
    assert find_submission(nb) == nb  # the loader finds the one notebook in a folder
    z = tmp_path / "zip"
    z.mkdir()
    (z / "work.zip").write_bytes(b"PK")
    (z / ".DS_Store").write_bytes(b"")
    assert find_submission(z) == z / "work.zip"


def test_root_comes_from_the_environment(tmp_path, monkeypatch):
    tree = tmp_path / "ag"
    (tree / "submission").mkdir(parents=True)
    (tree / "submission" / "optimizers.py").write_text("import tensorflow\n")
    monkeypatch.setenv("GRADER_AUTOGRADER_ROOT", str(tree))
    doc = run_autograder()
    assert (tree / "results" / "results.json").exists() and doc["score"] == 0
    assert SOLUTIONS.exists()
