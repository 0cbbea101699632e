"""Helpers for the project's tests: building submissions and grading them."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade
from grader.sandbox import isolation, shared_box
from grader.sandbox.runner import Limits, bwrap_status

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "training"
ASSIGNMENTS = ROOT / "assignments" / "training"
#: Small hypothesis budgets for the test-suite (the grader's own budget is a setting).
FAST = Settings(max_examples=8)


def assignment():
    return get("training")


def copy_solutions(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for p in SOLUTIONS.glob("*.py"):
        shutil.copyfile(p, dest / p.name)
    return dest


def mutant_submission(dest: Path, module: str, name: str, replacement: str,
                      mistakes_module: str) -> Path:
    """The solutions, with ``module.name`` rebound to ``replacement`` taken from the
    instructor-only mistakes module (its whole source is appended, so helpers it
    uses come along)."""
    copy_solutions(dest)
    mistakes = importlib.import_module(mistakes_module)
    source = Path(mistakes.__file__).read_text(encoding="utf-8")
    path = dest / f"{module}.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n# --- mutant ---\n" + source
                    + f"\n\n{name} = {replacement}\n", encoding="utf-8")
    return dest


def grade_path(path, parts=None, hidden=True, settings=FAST, **kw):
    return grade(path, assignment(), parts=parts, hidden=hidden, settings=settings, **kw)


def lost_points(result) -> dict:
    return {p.id: round(p.max_score - p.score, 4) for p in result.parts if not p.full}


def diagnoses(result, part_id: str) -> set:
    return {c.diagnosis for c in result.part(part_id).checks if c.diagnosis}


def one_per_part(values, ids=None, part=lambda value: value[0]):
    """``values`` as test parameters: each part's first in the fast lane, the others marked
    ``slow`` (the full suite runs them all). A tuple is unpacked into the test's arguments
    (``(part, mistake)``); ``part`` says which part a value belongs to."""
    seen: set = set()
    params = []
    for i, value in enumerate(values):
        marks = [pytest.mark.slow] if part(value) in seen else []
        seen.add(part(value))
        args = value if isinstance(value, tuple) else (value,)
        params.append(pytest.param(*args, marks=marks, id=None if ids is None else ids[i]))
    return params


def first_fast(values, ids=None):
    """``values`` as test parameters: the first in the fast lane, the others ``slow``."""
    return one_per_part(values, ids, part=lambda _value: None)


def run_grader(*args, cwd=ROOT):
    """`python -m grader ARGS` in ``cwd``, this checkout's grader whether installed or not."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env, check=False)


def package_elsewhere(tmp_path, name="training_elsewhere"):
    """The training package copied outside the repository (as a course keeps its own),
    renamed and retitled so that what is graded can only come from the copy."""
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


# -- sandbox tests (test_security, test_shared_box, test_pipeline) ------------------------------

#: The hostile submissions (see tests/adversarial/README.md).
ADVERSARIAL = ROOT / "tests" / "adversarial"
LINUX = isolation.LINUX


def runners(all_fast: bool = False):
    """bubblewrap, bubblewrap with one box shared by the test's sandboxes (as a batch's
    grading process shares it, see grader/sandbox/shared_box.py), and the fallback.

    The fast lane (``-m "not slow"``) runs the first of them that works here (bubblewrap,
    else the fallback) and the others are marked ``slow``, unless ``all_fast``: for a test
    that costs well under a second under each runner."""
    ok, why = bwrap_status()
    shared_ok = ok and shared_box.supported()
    later = [] if all_fast else [pytest.mark.slow]
    return [pytest.param("bwrap", marks=[pytest.mark.skipif(not ok, reason=why)]),
            pytest.param("shared", marks=[pytest.mark.skipif(
                not shared_ok, reason=why or "a shared box needs root, bubblewrap and pidfd"), *later]),
            pytest.param("fallback", marks=later if ok else [])]


def small_limits(runner: str, **kw) -> Limits:
    base = {"call_seconds": 2, "load_seconds": 5, "memory_mb": 1024, "processes": 16,
            "submission_seconds": 20, "disk_mb": 24, "disk_files": 2000, "runner": "bwrap" if runner == "shared" else runner}
    base.update(kw)
    return Limits(**base)


def adversarial_submission(case: str, dest: Path, marker: str, victim: Path, runner: str = "") -> Path:
    """A copy of ``tests/adversarial/<case>`` with its placeholders filled in."""
    folder = dest / case
    folder.mkdir(parents=True)
    for src in (ADVERSARIAL / case).glob("*.py"):
        text = src.read_text(encoding="utf-8")
        text = (text.replace("__MARKER__", marker).replace("__PROJECT__", str(ROOT))
                .replace("__VICTIM__", str(victim)).replace("__RUNNER__", runner))
        (folder / src.name).write_text(text, encoding="utf-8")
    return folder


def live(pid: int) -> bool:
    raw = isolation._read(f"/proc/{pid}/stat", 512)
    end = raw.rfind(b")")
    return bool(raw) and raw[end + 2:end + 3] not in (b"Z", b"X")


PREEXISTING: set = set()




def leftovers(marker: str = "") -> list[str]:
    """Live processes started by this test process's sandboxes (or carrying ``marker``)."""
    if not LINUX:
        return []
    me = os.getpid()
    needles = [f"gsbx{me}x".encode()] + ([marker.encode()] if marker else [])
    table = isolation.proc_table()
    found = {p for p in isolation.descendants(me, table)} - PREEXISTING
    box = shared_box.current()
    if box is not None:  # the shared box itself (bubblewrap and the fork server) stays
        found -= {box.popen.pid, box.init_pid, box.server_pid}
        table = {p: v for p, v in table.items() if p not in (box.popen.pid, box.init_pid, box.server_pid)}
    for pid in table:
        if pid == me:
            continue
        blob = isolation._read(f"/proc/{pid}/cmdline") + isolation._read(f"/proc/{pid}/environ", 1 << 20)
        if any(n in blob for n in needles):
            found.add(pid)
    return [f"{p}: {isolation.cmdline(p)[:120]}" for p in sorted(found) if live(p)]


def assert_nothing_left(marker: str = ""):
    deadline = time.monotonic() + 3  # SIGKILLed processes take a moment to disappear
    while True:
        left = leftovers(marker)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"processes left behind: {left}"
