"""What a worker must never see of an assignment, wherever the assignment is kept.

The grader's own folder (with the shipped assignments' recorded reference) is masked
in every box. An assignment package passed by path (``--assignment path``) may live
anywhere, even inside the Python installation the box binds (a course package
installed with pip): its folder (recorded reference with the hidden cases, authoring
code) and its solutions are masked the same way.
"""

from __future__ import annotations

import functools
import shutil
import sys
from pathlib import Path

import pytest

from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade
from grader.sandbox import isolation

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["training", "lr_schedules"])
def test_an_assignment_declares_its_package_and_solutions_private(name):
    a = get(name)
    private = a.sandbox_options()["private"]
    assert str(a.folder.resolve()) in private
    assert str(a.solutions_dir.resolve()) in private


def test_a_private_folder_inside_a_bound_folder_is_masked(tmp_path, monkeypatch):
    """bubblewrap binds the Python installation read-only; an assignment package inside
    it gets the decoy mounted over it."""
    site = tmp_path / "site-packages"
    pkg = site / "course_pkg"
    (pkg / "reference").mkdir(parents=True)
    monkeypatch.setattr(isolation, "python_paths", lambda: (str(site),))
    decoy = isolation.make_decoy(tmp_path / "decoy")
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed")
    argv = isolation.bwrap_argv(isolation.bwrap_executable(), str(tmp_path), {}, as_root=False,
                                disk_mb=8, decoy=decoy, private=(str(pkg),))
    masks = [argv[i + 2] for i in range(len(argv) - 2)
             if argv[i] == "--ro-bind" and argv[i + 1] == decoy]
    assert str(pkg) in masks
    without = isolation.bwrap_argv(isolation.bwrap_executable(), str(tmp_path), {},
                                   as_root=False, disk_mb=8, decoy=decoy)
    assert str(pkg) not in without


READER = '''
import glob, os
def _found():
    hits = []
    for pattern in {patterns!r}:
        for f in glob.glob(pattern):
            try:
                with open(f, "rb") as fh:
                    data = fh.read(1 << 20)
            except OSError:
                continue
            # the real files, not the decoy mounted over a masked folder
            if b'"cases"' in data or b"BEGIN SOLUTION" in data:
                hits.append(f)
    return hits
FOUND = _found()
'''


def test_a_submission_cannot_read_an_outside_package_in_the_python_installation(
        tmp_path, monkeypatch):
    """End to end: a copy of lr_schedules kept in a folder the box binds (standing for a
    site-packages) and graded by path; the submission looks for its recorded reference
    and solutions and finds nothing readable."""
    from grader import assignments

    site = tmp_path / "site"
    # the package's root (two folders up, as for the shipped ones) holds solutions/<name>/
    package = site / "course" / "assignments" / "course_lr"
    shutil.copytree(ROOT / "grader" / "assignments" / "lr_schedules", package,
                    ignore=shutil.ignore_patterns("__pycache__", "authoring"))
    shutil.copytree(ROOT / "solutions" / "lr_schedules", site / "solutions" / "lr_schedules")
    # the copy keeps its name: in this process it stands for lr_schedules until the test ends
    monkeypatch.setattr(assignments, "_LOADED", dict(assignments._LOADED))
    monkeypatch.setattr(assignments, "_PATHS", dict(assignments._PATHS))
    real = isolation.python_paths()
    monkeypatch.setattr(isolation, "python_paths", functools.partial(
        lambda extra: (*real, extra), str(site)))
    assignment = assignments.get(str(package))
    assert assignment.solutions_dir == site / "solutions" / "lr_schedules"
    sub = tmp_path / "sub"
    shutil.copytree(ROOT / "solutions" / "lr_schedules", sub)
    patterns = [str(package / "reference" / "*.json"),
                str(site / "solutions" / "lr_schedules" / "*.py")]
    (sub / "plateau.py").write_text((sub / "plateau.py").read_text(encoding="utf-8")
                                    + READER.format(patterns=patterns)
                                    + "\nassert not FOUND, FOUND\n", encoding="utf-8")
    result = grade(sub, assignment, parts=["reduce_lr_on_plateau"], hidden=False,
                   settings=Settings(max_examples=3))
    assert result.parts[0].full, result.parts[0].error or result.parts[0].checks
    # the same reader finds them from the trusted side: the test can fail
    found = {}
    exec(READER.format(patterns=patterns), found)  # noqa: S102 - the test's own code
    assert {Path(f).parent.name for f in found["FOUND"]} == {"reference", "lr_schedules"}
    assert assignments.get("lr_schedules") is assignment
    sys.modules.pop("grader_assignment_course_lr", None)


@pytest.mark.tf
def test_grading_works_in_a_process_that_imported_tensorflow(tf, tmp_path):
    """`grader record` and a notebook that ran Keras cells grade in a process where
    TensorFlow is imported; its package then has extra folders on its ``__path__``
    (tensorflow/_api/v2), which must not be masked apart from the package (newcomer:
    every worker exited at start under bubblewrap)."""
    import keras  # noqa: F401  (what a notebook's Keras cell imports)

    located = isolation.framework_dirs(("tensorflow", "keras"))
    assert located and not any(a != b and a.startswith(b + "/") for a in located for b in located)
    sub = tmp_path / "sub"
    shutil.copytree(ROOT / "solutions" / "lr_schedules", sub)
    (sub / "schedules.py").write_text("import tensorflow\n" + (sub / "schedules.py").read_text(
        encoding="utf-8"), encoding="utf-8")
    result = grade(sub, get("lr_schedules"), parts=["exponential_decay", "reduce_lr_on_plateau"],
                   hidden=False, settings=Settings(max_examples=3))
    schedule, plateau = result.parts
    assert plateau.full, plateau.error or plateau.checks
    assert schedule.score == 0 and "only numpy" in schedule.error


def test_a_private_folder_is_masked_under_every_name_the_box_binds(tmp_path, monkeypatch):
    """A Python installation reached through a symbolic link is bound by both names; a
    private folder inside it is masked by both (red team: the link's name showed it)."""
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed")
    real = tmp_path / "venv"
    pkg = real / "site-packages" / "course_pkg"
    pkg.mkdir(parents=True)
    link = tmp_path / "venvlink"
    link.symlink_to(real)
    monkeypatch.setattr(isolation, "python_paths", lambda: (str(link), str(real)))
    decoy = isolation.make_decoy(tmp_path / "decoy")
    argv = isolation.bwrap_argv(isolation.bwrap_executable(), str(tmp_path), {}, as_root=False,
                                disk_mb=8, decoy=decoy, private=(str(pkg.resolve()),))
    masks = {argv[i + 2] for i in range(len(argv) - 2)
             if argv[i] == "--ro-bind" and argv[i + 1] == decoy}
    assert {str(pkg), str(link / "site-packages" / "course_pkg")} <= masks
