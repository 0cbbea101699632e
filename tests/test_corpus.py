"""An independently written corpus of student submissions (``tests/corpus/``), graded
as a careful TA would grade them.

Each ``tests/corpus/<name>/`` is one submission with an ``EXPECTED.json``:

* ``full`` / ``zero`` / ``partial_or_zero``: every part id of the contract, once;
* ``messages``: ``{part: substring}`` that must appear (case-insensitive) in the part's
  error or in a failing check's message, hint or diagnosis;
* ``notes`` (optional): ``{part: substring}`` of a note on a passing check;
* ``layout`` (optional): ``"notebook"`` (grade the folder's one ``.ipynb`` file) or
  ``"zip"`` (zip the folder's contents into tmp_path at test time and grade the zip);
* ``limits`` (optional): ``Limits`` fields to grade with, e.g. ``{"call_seconds": 2}``
  for the submissions that hang (the defaults would cost 10-30 s per timeout);

Parts the grader does not implement yet (or whose reference is not recorded) are
skipped, not failed.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import inspect
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from grader.assignments import get
from grader.batch import grade_folder, safe_name
from grader.reference import load_cases
from grader.sandbox.runner import Limits

from .helpers import FAST, grade_path

CORPUS = Path(__file__).resolve().parent / "corpus"
CONTRACT_PARTS = ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "l1_l2",
                  "dropout", "batchnorm_train", "batchnorm_inference", "early_stopping")
SUBMISSIONS = sorted(p.name for p in CORPUS.iterdir() if (p / "EXPECTED.json").is_file())
CATEGORIES = ("full", "zero", "partial_or_zero")
#: One submission of each kind in the fast lane (broken, with a known bug, correct, a
#: notebook, a zip); the others, the hanging ones among them, in the slow lane.
FAST_SAMPLE = ("broken_syntax_error", "bug_adam_no_bias_correction", "correct_inplace", "notebook_student",
               "zip_es_restore_only_when_stopped")


def expected(name: str) -> dict:
    return json.loads((CORPUS / name / "EXPECTED.json").read_text(encoding="utf-8"))



@functools.lru_cache(maxsize=None)
def ready_parts() -> frozenset:
    """Parts the grader implements and has a recorded reference for (public and hidden)."""
    a = get()
    return frozenset(p for p in a.part_ids
                     if load_cases(a.name, p, False) is not None
                     and load_cases(a.name, p, True) is not None)


# -- building the submission as the student hands it in ----------------------------------

def make_zip(folder: Path, dest: Path) -> Path:
    """Zip ``folder``'s contents (not EXPECTED.json) the way a student's archiver does,
    with a macOS resource-fork entry the loader must ignore."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder)
            if p.is_file() and p.name != "EXPECTED.json" and "__pycache__" not in rel.parts:
                zf.write(p, rel.as_posix())
                zf.writestr(f"__MACOSX/{rel.parent.as_posix()}/._{p.name}", b"\x00\x05\x16\x07junk")
    return dest


def submission_path(name: str, tmp: Path) -> Path:
    layout = expected(name).get("layout", "folder")
    folder = CORPUS / name
    if layout == "zip":
        return make_zip(folder, tmp / f"{name}.zip")
    if layout == "notebook":
        (notebook,) = folder.glob("*.ipynb")
        return notebook
    return folder


def limits_for(name: str) -> Limits | None:
    fields = expected(name).get("limits")
    return Limits(**fields) if fields else None


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """name -> SubmissionResult, each submission graded once per test module."""
    cache: dict = {}
    tmp = tmp_path_factory.mktemp("corpus-zips")

    def grade(name):
        if name not in cache:
            cache[name] = grade_path(submission_path(name, tmp), settings=FAST, hidden=True,
                                     limits=limits_for(name), name=name)
        return cache[name]
    return grade


# -- what a careful TA expects ---------------------------------------------------------------

def failing_text(part) -> str:
    bits = [part.error]
    for c in part.checks:
        if not c.passed:
            bits += [c.message, c.hint, c.diagnosis]
    return "\n".join(b for b in bits if b)


def describe(part) -> str:
    return "; ".join(f"{c.name}: {c.message.splitlines()[0] if c.message else ''}"
                     for c in part.checks if not c.passed) or part.error or "all checks passed"


def score_problem(exp: dict, part) -> str | None:
    """Why ``part``'s score breaks its category in ``exp`` (None when it does not)."""
    score = f"{part.score:g}/{part.max_score:g}"
    if part.id in exp["full"] and not part.full:
        return f"{part.id}: expected full marks, got {score} ({describe(part)})"
    if part.id in exp["zero"] and part.score != 0:
        return f"{part.id}: expected 0, got {score}"
    if part.id in exp["partial_or_zero"] and part.full:
        return f"{part.id}: expected to lose points, got full marks"
    return None


def message_problem(exp: dict, part) -> str | None:
    want = exp["messages"].get(part.id)
    if want and want.lower() not in failing_text(part).lower():
        return (f"{part.id}: no failing check or error mentions {want!r}; "
                f"the feedback was: {failing_text(part)[:600]!r}")
    note = exp.get("notes", {}).get(part.id)
    if note and not any(note.lower() in c.note.lower() for c in part.checks if c.passed):
        return f"{part.id}: no passing check has a note mentioning {note!r}"
    return None


ASPECTS = {"score": score_problem, "message": message_problem}


def problems(name: str, result) -> list[str]:
    """Every expectation ``result`` breaks, leaving out parts not implemented yet."""
    exp = expected(name)
    out = []
    for part in result.parts:
        if part.id not in ready_parts():
            continue
        for check in ASPECTS.values():
            bad = check(exp, part)
            if bad:
                out.append(bad)
    return out


# -- fast checks of the corpus itself -----------------------------------------------------------

def test_every_corpus_folder_has_an_expectation():
    from grader.assignments import names

    # tests/corpus/<assignment>/: another assignment's submissions, graded by its own tests
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()
               and not p.name.startswith(("_", ".")) and p.name not in names()}
    assert folders == set(SUBMISSIONS)
    assert len(SUBMISSIONS) >= 14
    assert set(FAST_SAMPLE) <= set(SUBMISSIONS)


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_expectation_is_well_formed(name):
    exp = expected(name)
    assert exp["description"]
    listed = [p for cat in CATEGORIES for p in exp[cat]]
    assert sorted(listed) == sorted(CONTRACT_PARTS), "every part id exactly once"
    for key in ("messages", "notes"):
        assert set(exp.get(key, {})) <= set(CONTRACT_PARTS), key
    assert set(exp["messages"]) <= set(exp["zero"]) | set(exp["partial_or_zero"])
    assert "known_issues" not in exp, "the grader must meet every expectation of the corpus"
    assert exp.get("layout", "folder") in ("folder", "notebook", "zip")
    Limits(**exp.get("limits", {}))


def test_notebook_matches_its_generator():
    spec = importlib.util.spec_from_file_location("_make_notebook", CORPUS / "_make_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TARGET.read_text(encoding="utf-8") == module.text(), \
        "run `python tests/corpus/_make_notebook.py`"


# -- grading ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [n if n in FAST_SAMPLE else pytest.param(n, marks=pytest.mark.slow)
                                  for n in SUBMISSIONS])
def test_submission_is_graded_as_expected(graded, name):
    exp = expected(name)
    if not (ready_parts() & set(CONTRACT_PARTS)):
        pytest.skip("no part of the contract is implemented yet")
    result = graded(name)
    assert {p.id for p in result.parts} == set(get().part_ids)
    bad = problems(name, result)
    assert not bad, f"{name} ({exp['description']}):\n" + "\n".join(bad)


@pytest.mark.slow
def test_the_whole_corpus_in_one_batch_run(tmp_path):
    """One ``grade_folder`` run over the corpus (the zip one as a real .zip, the notebook
    one as a folder holding one notebook): it completes, writes one grades.csv row and one
    results.json per submission, and every score falls in its expected category."""
    src = tmp_path / "submissions"
    src.mkdir()
    for name in SUBMISSIONS:
        if expected(name).get("layout") == "zip":
            make_zip(CORPUS / name, src / f"{name}.zip")
        else:
            shutil.copytree(CORPUS / name, src / name,
                            ignore=shutil.ignore_patterns("EXPECTED.json", "__pycache__"))
    # The hanging submissions cost one limit per timeout (10 s per call, 30 s per import by
    # default); pass shorter ones if grade_folder accepts limits (it grades in separate
    # processes, so patching the engine's default here would not reach them).
    kwargs = {}
    if "limits" in inspect.signature(grade_folder).parameters:
        kwargs["limits"] = Limits(call_seconds=3, load_seconds=5)
    out = tmp_path / "out"
    batch = grade_folder(src, out, get(), settings=FAST, **kwargs)
    assert not getattr(batch, "missing", ()), "the batch run did not grade every submission"

    assert sorted(r.name for r in batch.results) == SUBMISSIONS
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(row["submission"] for row in rows) == SUBMISSIONS
    totals = {row["submission"]: float(row["total"]) for row in rows}
    bad = []
    for result in batch.results:
        doc = json.loads((out / safe_name(result.name) / "results.json").read_text(encoding="utf-8"))
        assert doc["score"] == pytest.approx(result.score)
        assert totals[result.name] == pytest.approx(result.score, abs=1e-4)
        bad += [f"{result.name}: {b}" for b in problems(result.name, result)]
    assert not bad, "\n".join(bad)
