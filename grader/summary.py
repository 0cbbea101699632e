"""The class summary: how the class did, part by part and check by check, and which
known mistakes were most frequent (``OUT/summary.json`` and ``OUT/summary.html``)."""

from __future__ import annotations

import io
import json
import statistics
from itertools import pairwise
from pathlib import Path

from .declaration import Assignment
from .fileio import atomic_write
from .results import SubmissionResult


def build(results: list[SubmissionResult], assignment: Assignment) -> dict:
    """The summary as plain data (what summary.json holds and summary.html shows)."""
    n = len(results)
    max_score = sum(p.points for p in assignment.parts)
    totals = [r.score for r in results]
    doc: dict = {"assignment": assignment.name, "submissions": n, "max_score": max_score}
    doc["score"] = ({"mean": _r(statistics.fmean(totals)), "median": _r(statistics.median(totals)),
                     "min": _r(min(totals)), "max": _r(max(totals)),
                     "stdev": _r(statistics.pstdev(totals)),
                     "full_marks": sum(t >= max_score - 1e-9 for t in totals)} if n else {})
    doc["histogram"] = histogram(totals, max_score)
    doc["parts"] = [_part_stats(results, part) for part in assignment.parts]
    doc["checks"] = _check_stats(results, assignment)
    doc["mistakes"] = _mistakes(results, assignment)
    doc["problems"] = [{"submission": r.name, "notes": list(r.notes[:1])}
                       for r in results if r.notes and _is_problem(r)]
    return doc


def _r(x: float) -> float:
    return round(float(x), 2)


def histogram(totals, max_score: float, width: float = 5.0) -> dict:
    edges = [i * width for i in range(int(max_score // width) + 1)]
    if edges[-1] < max_score:
        edges.append(max_score)
    counts = [0] * (len(edges) - 1)
    for t in totals:
        i = min(len(counts) - 1, max(0, int(t // width)))
        counts[i] += 1
    return {"edges": edges, "counts": counts}


def _part_stats(results, part) -> dict:
    graded = [r.part(part.id) for r in results if any(p.id == part.id for p in r.parts)]
    scores = [p.score for p in graded]
    mean = statistics.fmean(scores) if scores else 0.0
    return {"id": part.id, "title": part.title, "max_score": part.points, "mean": _r(mean),
            "mean_percent": _r(100 * mean / part.points) if part.points else 0.0,
            "full_marks_percent": _r(100 * sum(p.full for p in graded) / len(graded)) if graded else 0.0,
            "not_graded_percent": _r(100 * sum(bool(p.error) for p in graded) / len(graded)) if graded else 0.0}


def _check_stats(results, assignment) -> list[dict]:
    rows: dict = {}
    for r in results:
        for p in r.parts:
            for c in p.checks:
                row = rows.setdefault((p.id, c.name), {"part": p.id, "name": c.name, "hidden": c.hidden,
                                                        "runs": 0, "failed": 0})
                row["runs"] += 1
                row["failed"] += not c.passed
    order = {pid: i for i, pid in enumerate(assignment.part_ids)}
    out = [dict(row, failure_rate=_r(row["failed"] / row["runs"])) for row in rows.values()]
    return sorted(out, key=lambda row: (-row["failure_rate"], order.get(row["part"], 99), row["name"]))


def _hints(assignment) -> dict:
    hints = {}
    for part in assignment.parts:
        for check in part.checks:
            for k, v in (check.hints or {}).items():
                hints.setdefault(k, v)
    return hints


def _mistakes(results, assignment) -> list[dict]:
    """The named mistakes (a failing check's diagnosis), by how many submissions made them."""
    n = len(results)
    known = _hints(assignment)
    seen: dict = {}
    for r in results:
        mine = {}
        for p in r.parts:
            for c in p.checks:
                if not c.passed and c.diagnosis:
                    mine.setdefault(c.diagnosis, (p.id, c.hint))
        for diag, (part_id, hint) in mine.items():
            row = seen.setdefault(diag, {"id": diag, "part": part_id, "submissions": 0,
                                         "hint": hint or known.get(diag, ""), "who": []})
            row["submissions"] += 1
            row["who"].append(r.name)
    rows = []
    for row in seen.values():
        share = row["submissions"] / n if n else 0.0
        text = row["hint"] or row["id"].replace("_", " ")
        rows.append(dict(row, share=_r(share),
                         sentence=f"{100 * share:.0f}% of the class ({row['submissions']} of {n}), "
                                  f"{row['part']}: {text}"))
    return sorted(rows, key=lambda row: (-row["submissions"], row["id"]))


def _is_problem(r: SubmissionResult) -> bool:
    return any("could not be read" in n or "internal grader error" in n or "grading process failed" in n
               or "importing your modules failed" in n or n.startswith("nothing to grade")
               for n in r.notes)


# -- plots (matplotlib's Agg canvas: no display, no global backend) ----------------------

def plots(summary: dict) -> dict[str, bytes]:
    """PNG images of the score histogram and the per-part averages ({} without matplotlib)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return {}

    def png(fig) -> bytes:
        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()

    images = {}
    hist = summary["histogram"]
    fig = Figure(figsize=(7, 3.2))
    ax = fig.add_subplot()
    edges = hist["edges"]
    ax.bar(edges[:-1], hist["counts"], width=[b - a for a, b in pairwise(edges)],
           align="edge", color="#4C72B0", edgecolor="white")
    ax.set_xlabel(f"total score (out of {summary['max_score']:g})")
    ax.set_ylabel("submissions")
    ax.set_xlim(0, summary["max_score"])
    ax.set_title("Score distribution")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    images["histogram"] = png(fig)

    parts = summary["parts"]
    fig = Figure(figsize=(7, 0.35 * len(parts) + 1.2))
    ax = fig.add_subplot()
    ids = [p["id"] for p in parts][::-1]
    ax.barh(ids, [p["mean_percent"] for p in parts][::-1], color="#55A868")
    ax.set_xlim(0, 100)
    ax.set_xlabel("average score (% of the part's points)")
    ax.set_title("Average per part")
    images["parts"] = png(fig)
    return images


def write_summary(out: Path, results: list[SubmissionResult], assignment: Assignment) -> dict:
    """Write ``summary.json`` and ``summary.html`` into ``out``; returns the summary."""
    from .report_html import summary_page

    summary = build(results, assignment)
    atomic_write(Path(out) / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
    atomic_write(Path(out) / "summary.html", summary_page(summary, plots(summary) if results else {}))
    return summary
