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

from .helpers import SOLUTIONS, assignment, copy_solutions, package_elsewhere

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
        assert f"grader/assignments/training/reference/{part.id}.hidden.json" in names
    reqs = (root / "source" / "requirements.txt").read_text().split()
    # ranges, not this machine's pins: a pin made on Python 3.11+ (numpy 2.4) does not
    # exist for the Python 3.10 of Gradescope's Ubuntu 22.04 image
    assert reqs and not any("==" in r for r in reqs)
    assert "numpy>=1.24,<3" in reqs and any(r.startswith("hypothesis>=") for r in reqs)
    setup = (root / "source" / "setup.sh").read_text()
    assert "-m venv" in setup and "pip install" in setup and "requirements.txt" in setup
    assert "venv/bin/python" in (root / "source" / "run_autograder").read_text()


def test_the_zip_ships_its_assignment_alone_and_runs_it(autograder):
    _, root, modes = autograder
    packages = {n.split("/")[2] for n in modes if n.startswith("grader/assignments/") and n.count("/") > 2}
    assert packages == {"training"}
    assert not any("authoring" in n.split("/") for n in modes)
    assert "gradescope-run --assignment training " in (root / "source" / "run_autograder").read_text()


def test_an_assignment_kept_elsewhere_becomes_the_zips_only_one(tmp_path):
    """A course's own package (passed by its folder) is shipped as the zip's one
    assignment, and grades a correct submission 100 there."""
    pkg = package_elsewhere(tmp_path / "course")
    (pkg / "authoring").mkdir()
    (pkg / "authoring" / "__init__.py").write_text("SECRET = 1\n")
    info = build_autograder(tmp_path / "ag.zip", str(pkg))
    assert info["assignment"] == "training_elsewhere"
    tree = tmp_path / "autograder"
    with zipfile.ZipFile(info["zip"]) as zf:
        names = zf.namelist()
        zf.extractall(tree / "source")
    assert {n.split("/")[2] for n in names if n.startswith("grader/assignments/") and n.count("/") > 2} == {
        "training_elsewhere"}
    assert "grader/assignments/training_elsewhere/reference/adam.hidden.json" in names
    assert not any("authoring" in n.split("/") for n in names)
    script = (tree / "source" / "run_autograder").read_text()
    assert "--assignment training_elsewhere " in script
    copy_solutions(tree / "submission")
    proc, doc = run_in_container(tree, "--max-examples", SMALL_EXAMPLES)
    assert proc.returncode == 0, proc.stderr
    assert doc["score"] == 100 and {t["tags"][0] for t in doc["tests"]} == set(assignment().part_ids)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    listed = subprocess.run([sys.executable, "-m", "grader", "assignments"], cwd=tree / "source",
                            env=dict(env, PYTHONPATH=str(tree / "source")), capture_output=True,
                            text=True, timeout=120, check=False)
    assert listed.stdout.split()[:2] == ["*", "training_elsewhere"], listed.stderr


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


def oldest_python() -> str | None:
    """The oldest Python >= 3.10 on this machine (pyenv's versions included), or None."""
    import glob

    found = {}
    for cand in ["python3.10", "python3.11", "python3.12", "python3.13",
                 *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[0-9]*/bin/python3")))]:
        exe = shutil.which(cand) or (cand if os.path.isabs(cand) else None)
        if not exe:
            continue
        proc = subprocess.run([exe, "-c", "import sys, venv; print(*sys.version_info[:2])"],
                              capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            version = tuple(int(x) for x in proc.stdout.split())
            if version >= (3, 10):
                found.setdefault(version, exe)
    return found[min(found)] if found else None


@pytest.mark.slow
def test_requirements_resolve_for_python_3_10(autograder, tmp_path):
    """What `pip install -r requirements.txt` would fetch on Gradescope's Ubuntu 22.04
    image (Python 3.10), as binary wheels."""
    _, root, _ = autograder
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--python-version", "3.10",
                           "--only-binary=:all:", "--dest", str(tmp_path / "wheels"),
                           "-r", str(root / "source" / "requirements.txt")],
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheels = [p.name for p in (tmp_path / "wheels").iterdir()]
    assert any(w.startswith("numpy-") and "cp310" in w for w in wheels), wheels


@pytest.mark.slow
def test_setup_and_run_autograder_on_the_oldest_python(autograder, tmp_path):
    """setup.sh then run_autograder, as Gradescope runs them, with the oldest supported
    Python on this machine: the grader is installed into its own venv from the zip's
    requirements alone, and grades a correct submission 100 with hidden checks."""
    python = oldest_python()
    if python is None:
        pytest.skip("no Python >= 3.10 with venv on this machine")
    _, root, _ = autograder
    tree = tmp_path / "autograder"
    tree.mkdir()
    shutil.copytree(root / "source", tree / "source")
    for script in ("setup.sh", "run_autograder"):
        (tree / "source" / script).chmod(0o755)
    shutil.copyfile(root / "run_autograder", tree / "run_autograder")
    copy_solutions(tree / "submission")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(GRADER_AUTOGRADER_ROOT=str(tree), PYTHON=python, GRADER_SETUP_APT="0")
    setup = subprocess.run(["bash", str(tree / "source" / "setup.sh")], cwd=tree / "source", env=env,
                           capture_output=True, text=True, timeout=1500, check=False)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-3000:]
    assert "grader installed" in setup.stdout
    version = subprocess.run([str(tree / "venv" / "bin" / "python"), "-c",
                              "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.split()
    expected = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                              capture_output=True, text=True, check=True).stdout.split()
    assert version == expected
    env.pop("PYTHON")  # run_autograder must find the venv by itself
    proc = subprocess.run(["bash", str(tree / "run_autograder")], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=1500, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((tree / "results" / "results.json").read_text(encoding="utf-8"))
    assert doc["score"] == 100, [t for t in doc["tests"] if t["score"] < t["max_score"]][:3]
    assert "after_published" in {t["visibility"] for t in doc["tests"]}
