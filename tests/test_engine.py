"""The grading policy of the contract: failures are contained to their check and
part, explained precisely, and scores are deterministic."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.sandbox import wire
from grader.sandbox.runner import Limits

from .helpers import SOLUTIONS, copy_solutions, grade_path, lost_points

SOL_OPT = (SOLUTIONS / "optimizers.py").read_text()


def _with(tmp_path: Path, name: str, extra: str) -> Path:
    """The solution's optimizers.py with ``extra`` appended (rebinding names)."""
    sub = tmp_path / name
    sub.mkdir()
    (sub / "optimizers.py").write_text(SOL_OPT + "\n\n" + extra)
    return sub


def _messages(result, part):
    p = result.part(part)
    return " | ".join([p.error] + [c.message for c in p.checks if not c.passed])


@pytest.mark.parametrize("name,extra,expect", [
    ("returns_none", "def adam_step(*a, **k):\n    return None\n", "returned None, expected a tuple of 3 arrays"),
    ("wrong_shape", "_a = adam_step\ndef adam_step(*a, **k):\n    p, m, v = _a(*a, **k)\n"
                    "    return p.reshape(-1)[:1], m, v\n", "shape"),
    ("nan", "_a = adam_step\ndef adam_step(*a, **k):\n    p, m, v = _a(*a, **k)\n"
            "    return p * np.nan, m, v\n", "differs from Keras"),
    ("raises", "def adam_step(*a, **k):\n    raise ValueError('boom')\n", "raised ValueError: boom"),
    ("exits", "import sys\ndef adam_step(*a, **k):\n    sys.exit(3)\n", "called sys.exit(3)"),
    ("two_values", "_a = adam_step\ndef adam_step(*a, **k):\n    return _a(*a, **k)[:2]\n",
     "returned 2 values, expected 3"),
    ("object", "def adam_step(*a, **k):\n    return object(), 1, 2\n", "returned a value of type object"),
])
def test_a_bad_call_fails_its_part_only_with_a_precise_message(tmp_path, name, extra, expect):
    result = grade_path(_with(tmp_path, name, extra), parts=["adam", "adamw", "momentum"])
    assert set(lost_points(result)) == {"adam"}
    assert result.part("adam").score == 0
    assert expect in _messages(result, "adam")


@pytest.mark.slow  # (the fast lane: test_budgets.py's hang and crash tests, on these same two)
def test_hang_and_crash_are_contained(tmp_path):
    extra = ("def adam_step(*a, **k):\n    while True:\n        pass\n"
             "def rmsprop_step(*a, **k):\n    import os\n    os._exit(7)\n")
    result = grade_path(_with(tmp_path, "hang", extra), parts=["adam", "rmsprop", "momentum"],
                        limits=Limits(call_seconds=1.0))
    assert set(lost_points(result)) == {"adam", "rmsprop"}
    assert "did not finish within 1 s" in _messages(result, "adam")
    assert "exited with status 7" in _messages(result, "rmsprop")
    assert result.part("momentum").full


def test_missing_module_and_missing_name(tmp_path):
    sub = tmp_path / "partial"
    sub.mkdir()
    (sub / "optimizers.py").write_text(SOL_OPT.replace("def adamw_step", "def adamw_stepx"))
    result = grade_path(sub, parts=["adam", "adamw", "l1_l2"] if _has("l1_l2") else ["adam", "adamw"])
    assert result.part("adam").full
    assert result.part("adamw").score == 0
    assert "`adamw_step` not found in optimizers.py" in result.part("adamw").error
    if _has("l1_l2"):
        assert "regularization.py not found" in result.part("l1_l2").error


def _has(part_id):
    from grader.assignments import get
    return part_id in get().part_ids


def test_syntax_error_and_forbidden_import_score_zero_with_reason(tmp_path):
    sub = tmp_path / "broken"
    sub.mkdir()
    (sub / "optimizers.py").write_text("import tensorflow as tf\n" + SOL_OPT)
    result = grade_path(sub, parts=["momentum"])
    assert result.part("momentum").score == 0
    assert "imports tensorflow" in result.part("momentum").error
    (sub / "optimizers.py").write_text(SOL_OPT + "\ndef oops(:\n")
    result = grade_path(sub, parts=["momentum"])
    assert "could not be imported: SyntaxError" in result.part("momentum").error


def test_printing_does_not_change_the_score(tmp_path):
    noisy = SOL_OPT.replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n    print('x' * 1000)\n")
    sub = tmp_path / "noisy"
    sub.mkdir()
    (sub / "optimizers.py").write_text("print('loading')\n" + noisy)
    result = grade_path(sub, parts=["momentum", "adam"])
    assert result.score == 20
    assert result.output.startswith("loading")
    assert "more bytes of output dropped" in result.output


def test_same_submission_same_score(tmp_path):
    sub = _with(tmp_path, "mixed", "def nesterov_step(p, g, v, learning_rate=0.01, momentum=0.0):\n"
                                   "    v = momentum * v - learning_rate * g\n    return p + v, v\n")
    runs = [grade_path(sub, parts=["momentum", "nesterov"]).to_dict() for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0]["score"] < 16


def test_zip_and_nested_folder_layouts(tmp_path):
    folder = copy_solutions(tmp_path / "sol")
    z = tmp_path / "student.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in folder.glob("*.py"):
            zf.write(p, f"student/{p.name}")
    result = grade_path(z, parts=["momentum", "adam"])
    assert result.name == "student" and result.score == 20


def test_notebook_layout(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 과제"),
                nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np"),
                nbformat.v4.new_code_cell("!pip install nothing"),
                nbformat.v4.new_code_cell("raise RuntimeError('a broken exploration cell')"),
                nbformat.v4.new_code_cell(SOL_OPT)]
    path = tmp_path / "kim.ipynb"
    nbformat.write(nb, str(path))
    result = grade_path(path, parts=["momentum", "adam"])
    assert result.name == "kim" and result.score == 20, result.to_dict()


def test_corrupt_notebook_and_zip_score_zero_with_message(tmp_path):
    bad_nb = tmp_path / "bad.ipynb"
    bad_nb.write_text('{"cells": [')
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"PK\x03\x04 not really")
    for path, text in ((bad_nb, "not a valid Jupyter notebook"), (bad_zip, "not a valid zip")):
        result = grade_path(path, parts=["momentum"])
        assert result.score == 0
        assert text in result.notes[0]


def test_wire_never_builds_objects():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert np.array_equal(wire.loads(wire.dumps({"a": (arr, 1.5, None)}))["a"][0], arr)
    with pytest.raises(wire.WireError):
        wire.decode({"__nd__": ["object", [1], ""]})
    with pytest.raises(wire.WireError):
        wire.decode({"__nd__": ["float64", [2], "AAAA"]})

    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    lying = np.zeros(3).view(Lying)
    decoded = wire.decode(json.loads(json.dumps(wire.encode(lying))))
    assert type(decoded) is np.ndarray


@pytest.mark.parametrize("code", ["adam_no_bias_correction", pytest.param("adam_zero_based_t", marks=pytest.mark.slow),
                                  pytest.param("hangs", marks=pytest.mark.slow)])
def test_batched_trajectories_grade_exactly_like_one_call_per_step(tmp_path, monkeypatch, code):
    """A reference trajectory runs in one worker request when the code runs cleanly;
    the result must be the same as calling the student's function step by step: for
    code with a mistake, and for code that hangs (which waits out its limit twice)."""
    from grader.assignments.training import trajectory

    from .helpers import mutant_submission

    if code == "hangs":
        sub = _with(tmp_path, "hang", "def adam_step(*a, **k):\n    while True:\n        pass\n")
    else:
        sub = mutant_submission(tmp_path / code, "optimizers", "adam_step", code,
                                "grader.assignments.training.authoring.mistakes_optimizers")
    limits = Limits(call_seconds=1.0)
    batched = grade_path(sub, parts=["adam"], limits=limits).to_dict()
    monkeypatch.setattr(trajectory, "batched_steps", lambda *a, **k: None)
    one_by_one = grade_path(sub, parts=["adam"], limits=limits).to_dict()
    assert batched == one_by_one
    assert batched["score"] < batched["max_score"]
