"""Batch grading of a folder of submissions (``grader grade``)."""

from __future__ import annotations

import csv
import io
import json
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from .assignment import Assignment
from .checking import Settings
from .engine import grade
from .errors import UsageError
from .loading import submission_name
from .report import to_gradescope, to_markdown
from .results import PartResult, SubmissionResult


@dataclass(frozen=True)
class BatchResult:
    out: Path
    results: tuple[SubmissionResult, ...]


def find_submissions(folder: Path) -> list[Path]:
    """Each entry of the folder (a folder, an .ipynb or a .zip) is one submission."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of submissions")
    entries = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "_")):
            continue
        if p.is_dir() or p.suffix.lower() in (".ipynb", ".zip"):
            entries.append(p)
    names = [submission_name(p) for p in entries]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise UsageError(f"two entries have the same submission name: {', '.join(sorted(dupes))}")
    return entries


def safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_.@" else "_" for ch in name).strip(".")
    return cleaned or "submission"


def grade_one(path: Path, assignment: Assignment, settings: Settings) -> SubmissionResult:
    """Grade one submission; an internal error becomes a zero with a message, never a crash."""
    try:
        return grade(path, assignment, hidden=True, settings=settings)
    except Exception as exc:  # noqa: BLE001 - one submission must never stop the batch
        msg = f"internal grader error while grading this submission: {type(exc).__name__}: {exc}"
        parts = tuple(PartResult(id=p.id, title=p.title, score=0.0, max_score=p.points, error=msg)
                      for p in assignment.parts)
        return SubmissionResult(name=submission_name(path), parts=parts,
                                notes=(msg, traceback.format_exc(limit=3)))


def write_submission(out: Path, result: SubmissionResult) -> None:
    folder = out / safe_name(result.name)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "results.json", json.dumps(to_gradescope(result), indent=2, ensure_ascii=False))
    atomic_write(folder / "feedback.md", to_markdown(result))


def grades_csv(results, assignment: Assignment) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", *assignment.part_ids, "total"])
    for r in sorted(results, key=lambda r: r.name):
        scores = {p.id: p.score for p in r.parts}
        w.writerow([r.name, *(_fmt(scores.get(pid, 0.0)) for pid in assignment.part_ids),
                    _fmt(r.score)])
    return buf.getvalue()


def _fmt(x: float) -> str:
    x = round(float(x), 4)
    return str(int(x)) if x == int(x) else f"{x:g}"


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def grade_folder(submissions: Path, out: Path, assignment: Assignment, *,
                 settings: Settings | None = None, progress=None) -> BatchResult:
    settings = settings or Settings()
    entries = find_submissions(Path(submissions))
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from None
    results = []
    for entry in entries:
        result = grade_one(entry, assignment, settings)
        write_submission(out, result)
        results.append(result)
        if progress:
            progress(result)
    atomic_write(out / "grades.csv", grades_csv(results, assignment))
    return BatchResult(out=out, results=tuple(results))
