"""Helpers for the project's tests: building submissions and grading them."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade

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
