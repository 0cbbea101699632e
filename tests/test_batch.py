"""`grader grade` at course scale: parallel grading into a gradebook, resuming after a
kill -9, regrading, Dask, the per-student and class reports."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.batch import Progress, grade_folder
from grader.checking import Settings
from grader.gradebook import (
    Gradebook,
    checks_version,
    content_hash,
    result_from_dict,
    result_to_dict,
)
from grader.report import to_gradescope

from .helpers import (
    ASSIGNMENTS,
    FAST,
    ROOT,
    assignment,
    copy_solutions,
    grade_path,
    mutant_submission,
)

SMALL = Settings(max_examples=5)


def solution_copy(dest: Path, tag: str) -> Path:
    """The solutions, made byte-distinct by a comment (as every real submission is)."""
    copy_solutions(dest)
    opt = dest / "optimizers.py"
    opt.write_text(opt.read_text(encoding="utf-8") + f"\n# submitted by {tag}\n", encoding="utf-8")
    return dest


def broken(dest: Path, source: str = "def adam_step(:\n") -> Path:
    dest.mkdir(parents=True)
    (dest / "optimizers.py").write_text(source, encoding="utf-8")
    return dest


def zipped(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in sorted(folder.glob("*.py")):
            zf.write(p, p.name)
    return dest


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A small class, graded once with 2 workers: a correct submission, one with a known
    mistake, the untouched stubs as a zip, and a syntax error."""
    base = tmp_path_factory.mktemp("class")
    subs = base / "subs"
    solution_copy(subs / "alice", "alice")
    mutant_submission(subs / "bob", "optimizers", "adam_step", "adam_no_bias_correction",
                      "grader.assignments.training.authoring.mistakes_optimizers")
    zipped(ASSIGNMENTS, subs / "carol.zip")
    broken(subs / "dave")
    out = base / "out"
    batch = grade_folder(subs, out, assignment(), settings=FAST, workers=2)
    return subs, out, batch


def unchanged(version: str, settings=FAST, batch=None) -> None:
    """Skip when the grader's code changed under a running test (only in a checkout that
    someone is editing at the same time: every submission is then due again)."""
    if (batch.version if batch is not None else checks_version(settings)) != version:
        pytest.skip("the grader's code changed during the test: everything is due again")


def rows(out: Path) -> dict:
    with (out / "grades.csv").open(newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["submission", *assignment().part_ids, "total"]
    return {r[0]: r for r in table[1:]}


def test_a_class_is_graded_in_parallel_into_every_report(graded_class):
    _, out, batch = graded_class
    assert batch.graded == ("alice", "bob", "carol", "dave") and batch.reused == () and not batch.missing
    assert batch.stats["processes"] == 2
    table = rows(out)
    assert set(table) == {"alice", "bob", "carol", "dave"}
    assert float(table["alice"][-1]) == 100
    assert 80 < float(table["bob"][-1]) < 100
    assert float(table["carol"][-1]) == 0 and float(table["dave"][-1]) == 0
    assert all(v != "" for r in table.values() for v in r)
    for name in table:
        doc = json.loads((out / name / "results.json").read_text(encoding="utf-8"))
        assert {"score", "tests"} <= set(doc)
        assert all({"name", "score", "max_score", "output", "visibility"} <= set(t) for t in doc["tests"])
        page = (out / name / "feedback.html").read_text(encoding="utf-8")
        md = (out / name / "feedback.md").read_text(encoding="utf-8")
        not_graded = {p["id"] for p in json.loads(json.dumps(_parts(out, name))) if p["error"]}
        for t in doc["tests"]:  # the HTML and Markdown show the same tests as results.json
            short = t["name"].split(": ", 1)[1]
            assert short.replace("'", "&#x27;").replace("<", "&lt;") in page
            assert short in md or t["tags"][0] in not_graded  # (md: "Not graded: why" instead)
    bob = json.loads((out / "bob" / "results.json").read_text(encoding="utf-8"))
    assert any("adam_no_bias_correction" in t["tags"] for t in bob["tests"] if t["score"] < t["max_score"])
    with Gradebook.in_folder(out) as book:
        assert {e.name for e in book.entries(batch.version)} == set(table)


def _parts(out: Path, name: str) -> list:
    with Gradebook.in_folder(out) as book:
        return result_to_dict(next(e.result for e in book.entries() if e.name == name))["parts"]


def test_hidden_checks_run_in_grade_and_never_in_check(graded_class):
    _, out, _ = graded_class
    doc = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
    hidden = [t for t in doc["tests"] if t["visibility"] != "visible"]
    assert {t["tags"][0] for t in hidden} == set(assignment().part_ids)  # one per part, at least
    public = grade_path(ROOT / "solutions" / "training", parts=["momentum", "early_stopping"], hidden=False, settings=SMALL)
    assert public.score == public.max_score
    assert not any(c.hidden for p in public.parts for c in p.checks)
    assert any(c.hidden for p in assignment().parts for c in p.checks)


def test_class_summary_counts_mistakes_and_failures(graded_class):
    _, out, _ = graded_class
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["submissions"] == 4 and summary["max_score"] == 100
    assert sum(summary["histogram"]["counts"]) == 4
    adam = next(m for m in summary["mistakes"] if m["id"] == "adam_no_bias_correction")
    assert adam["submissions"] == 1 and adam["share"] == 0.25 and adam["part"] == "adam"
    assert adam["hint"] and adam["sentence"].startswith("25% of the class")
    momentum = next(p for p in summary["parts"] if p["id"] == "momentum")
    assert momentum["mean"] == 4.0 and momentum["full_marks_percent"] == 50
    assert all(0 <= c["failure_rate"] <= 1 for c in summary["checks"])
    assert summary["checks"][0]["failure_rate"] >= summary["checks"][-1]["failure_rate"]
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2
    assert "adam_no_bias_correction" in page and "Checks by failure rate" in page


@pytest.mark.slow  # (the class graded again, with 1 worker)
def test_scores_do_not_depend_on_workers_or_on_replayed_examples(graded_class, tmp_path):
    subs, out, _ = graded_class
    one = grade_folder(subs, tmp_path / "one", assignment(), settings=FAST, workers=1)
    assert one.stats["processes"] == 1
    assert (tmp_path / "one" / "grades.csv").read_text() == (out / "grades.csv").read_text()
    for name in ("alice", "bob", "carol", "dave"):
        assert (json.loads((tmp_path / "one" / name / "results.json").read_text())
                == json.loads((out / name / "results.json").read_text()))
    # the grading processes replay hypothesis's examples; a plain grading agrees with them
    plain = grade_path(subs / "bob", settings=FAST)
    assert to_gradescope(plain) == json.loads((out / "bob" / "results.json").read_text())


@pytest.mark.slow  # (two more batch runs; fast: test_io's re-run of a batch)
def test_a_rerun_grades_only_new_submissions(graded_class, tmp_path):
    subs, out, first = graded_class
    again = grade_folder(subs, out, assignment(), settings=FAST, workers=2)
    unchanged(first.version, batch=again)
    assert again.graded == () and again.reused == ("alice", "bob", "carol", "dave")
    assert rows(out)["alice"][-1] == "100"
    more = tmp_path / "subs"
    shutil.copytree(subs, more)
    broken(more / "erin", "import torch\n")             # new
    shutil.copytree(more / "alice", more / "frank")    # byte-identical to alice: graded once
    shutil.copytree(out, tmp_path / "out")
    later = grade_folder(more, tmp_path / "out", assignment(), settings=FAST, workers=2)
    unchanged(first.version, batch=later)
    assert later.graded == ("erin",) and set(later.reused) == {"alice", "bob", "carol", "dave", "frank"}
    table = rows(tmp_path / "out")
    assert table["frank"][1:] == table["alice"][1:] and float(table["erin"][-1]) == 0
    assert json.loads((tmp_path / "out" / "frank" / "results.json").read_text())["score"] == 100


def test_regrade_and_a_change_of_checks_version_grade_everything(tmp_path):
    subs = tmp_path / "subs"
    broken(subs / "a")
    broken(subs / "b", "import tensorflow\n")
    out = tmp_path / "out"
    first = grade_folder(subs, out, assignment(), settings=SMALL, workers=1)
    assert first.graded == ("a", "b")
    again = grade_folder(subs, out, assignment(), settings=SMALL, workers=1)
    unchanged(first.version, batch=again)
    assert again.graded == ()
    assert grade_folder(subs, out, assignment(), settings=SMALL, workers=1, regrade=True).graded == ("a", "b")
    # other settings are another version of the checks: nothing is reused
    assert grade_folder(subs, out, assignment(), settings=Settings(max_examples=6), workers=1).graded == ("a", "b")


def test_results_survive_the_gradebook_round_trip():
    result = grade_path(ROOT / "solutions" / "training", parts=["adam"], settings=SMALL)
    assert result_from_dict(json.loads(json.dumps(result_to_dict(result)))) == result


def test_content_hash_is_about_the_bytes(tmp_path):
    a = copy_solutions(tmp_path / "a")
    b = copy_solutions(tmp_path / "b")
    (b / "__pycache__").mkdir()
    (b / "__pycache__" / "x.pyc").write_bytes(b"junk")
    assert content_hash(a) == content_hash(b)
    (b / "optimizers.py").write_text((b / "optimizers.py").read_text() + "\n")
    assert content_hash(a) != content_hash(b)


def _graded_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM results").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_kill_9_midway_then_rerun_grades_only_the_rest(tmp_path):
    subs = tmp_path / "subs"
    names = [f"s{i}" for i in range(6)]
    for n in names:
        solution_copy(subs / n, n)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader", "grade", str(subs), "--out", str(out), "--workers", "1",
           "--max-examples", "5", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db = out / "gradebook.sqlite"
    version = checks_version(SMALL)
    deadline = time.monotonic() + 240
    try:
        while _graded_count(db) < 2:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "nothing was graded in time"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: power loss
        proc.wait()
    done_before = _graded_count(db)
    assert 2 <= done_before < len(names)
    assert not (out / "grades.csv").exists()  # written only from a finished gradebook
    with Gradebook.in_folder(out) as book:
        finished = {e.name for e in book.entries()}
    assert len(finished) == done_before
    unchanged(version, SMALL)
    rest = grade_folder(subs, out, assignment(), settings=SMALL, workers=2)
    unchanged(version, batch=rest)
    assert set(rest.graded) == set(names) - finished
    assert set(rest.reused) == finished
    table = rows(out)
    assert set(table) == set(names) and all(r[-1] == "100" for r in table.values())
    # and from the command line, a third run has nothing left to do
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "graded 0 submission(s)" in proc.stderr and "6 already in the gradebook" in proc.stderr


@pytest.mark.slow
def test_dask_cluster_grades_into_the_same_gradebook(tmp_path):
    distributed = pytest.importorskip("distributed")
    subs = tmp_path / "subs"
    broken(subs / "a")
    solution_copy(subs / "b", "b")
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        batch = grade_folder(subs, out, assignment(), settings=SMALL, dask=client)
    assert batch.graded == ("a", "b")
    table = rows(out)
    assert table["a"][-1] == "0" and table["b"][-1] == "100"
    local = grade_folder(subs, tmp_path / "local", assignment(), settings=SMALL, workers=1)
    assert (tmp_path / "local" / "grades.csv").read_text() == (out / "grades.csv").read_text()
    again = grade_folder(subs, out, assignment(), settings=SMALL, workers=1)
    unchanged(batch.version, SMALL, again)
    assert again.graded == () and local.graded == ("a", "b")


@pytest.mark.slow
def test_a_grading_process_that_dies_is_replaced_and_its_work_redone(tmp_path):
    """kill -9 of one grading process (not of the instructor's): the submissions it took
    down are graded again by a new pool, nothing is recorded as a zero."""
    from multiprocessing import forkserver

    subs = tmp_path / "subs"
    for n in ("a", "b", "c", "d"):
        solution_copy(subs / n, n)

    class KillOne(Progress):
        killed = 0

        def advance(self, names, result, seconds):
            server = getattr(forkserver._forkserver, "_forkserver_pid", None)
            if self.killed or server is None:
                return
            for d in Path("/proc").iterdir():
                if d.name.isdigit() and int(d.name) != server:
                    try:
                        ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    except (OSError, ValueError, IndexError):
                        continue
                    if ppid == server:
                        os.kill(int(d.name), signal.SIGKILL)
                        self.killed += 1
                        return

    progress = KillOne()
    batch = grade_folder(subs, tmp_path / "out", assignment(), settings=SMALL, workers=2,
                         progress=progress)
    assert progress.killed == 1
    assert not batch.missing and set(batch.graded) == {"a", "b", "c", "d"}
    assert all(r[-1] == "100" for r in rows(tmp_path / "out").values())


@pytest.mark.slow  # (fast: test_plots.py, the picture in the result and the page)
def test_plots_show_a_failing_optimizer_next_to_keras(tmp_path):
    subs = tmp_path / "subs"
    mutant_submission(subs / "nobias", "optimizers", "adam_step", "adam_no_bias_correction",
                      "grader.assignments.training.authoring.mistakes_optimizers")
    out = tmp_path / "out"
    grade_folder(subs, out, assignment(), settings=FAST, workers=1, progress=Progress(),
                 plots=True)
    html = (out / "nobias" / "feedback.html").read_text()
    assert html.count("data:image/png;base64,") == 1  # adam only: every other part is full
    assert "next to Keras" in html
