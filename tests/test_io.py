"""What goes in and out of the grader: submission names, archives, encodings, the files
written to OUT and what a student is shown (issue 12 items 4, 5, 7, 10; issue 11
items 6, 7, 8; issue 14 item 6)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import batch as batch_mod
from grader import tmpdirs
from grader.batch import assign_names, csv_cell, grade_folder, safe_name
from grader.engine import HIDDEN_NOTE, NOTHING
from grader.errors import UsageError
from grader.gradebook import Gradebook, content_hash
from grader.report import once_per_part, render_terminal, to_gradescope, to_json, to_markdown
from grader.report_html import feedback_page
from grader.results import CheckResult, Example, PartResult, SubmissionResult, clean_result

from .helpers import ASSIGNMENTS, FAST, ROOT, SOLUTIONS, assignment, copy_solutions, grade_path

OPTIMIZER_PARTS = ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
FORMULA = ("=", "+", "-", "@")


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _no_formula(path: Path) -> None:
    for row in _rows(path):
        for cell in row:
            if cell.startswith(FORMULA):
                float(cell)  # only a number may start so


def _tiny(dest: Path, source: str = "def adam_step(:\n") -> Path:
    """A submission that grades in no time (a syntax error in optimizers.py)."""
    dest.mkdir(parents=True)
    (dest / "optimizers.py").write_text(source, encoding="utf-8")
    return dest


# -- 12.4 names ------------------------------------------------------------------------------

def test_every_entry_gets_a_unique_safe_stable_name(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    raw_names = [b"caf\xe9", b"a" * 255, b"a" * 254 + b"b", b"alice", b"alice.zip", b"Alice",
                 b"=HYPERLINK(1)", b"-rm", b"@x", b"+1", b"grades.csv", b"line\nbreak", "김철수".encode()]
    for raw in raw_names:
        p = subs / os.fsdecode(raw)
        if raw.endswith(b".zip"):
            p.write_bytes(b"PK")
        else:
            p.mkdir()
    entries = batch_mod.find_submissions(subs)
    names = assign_names(entries)
    assert len(names) == len(raw_names)
    given = [n for n, _ in names.values()]
    assert len({n.lower() for n in given}) == len(given), given  # unique, even ignoring case
    for name in given:
        name.encode("utf-8")  # valid text
        assert len(name.encode()) <= 120 and not name.startswith((*FORMULA, "."))
        assert re.fullmatch(r"[\w\-.@]+", name) and safe_name(name[:90]) == name[:90]
    by_original = {orig: name for name, orig in names.values()}
    assert by_original["김철수"] == "김철수" and by_original["Alice"] == "Alice"  # kept as they are
    assert by_original["alice"].startswith("alice-")  # "Alice" sorts first (case-insensitive OUT)
    assert by_original["alice.zip"].startswith("alice-")
    assert by_original["caf\\xe9"].startswith("caf_xe9")
    assert by_original["grades.csv"] != "grades.csv"  # never a file OUT holds
    assert "line\\x0abreak" in by_original
    # stable: the same entries get the same names, whatever else arrives later
    (subs / "newcomer").mkdir()
    again = assign_names(batch_mod.find_submissions(subs))
    assert {p: v for p, v in again.items() if p.name != "newcomer"} == names


def test_a_batch_with_hostile_names_grades_everyone_and_reruns(tmp_path):
    """A non-UTF-8 folder name, two 255-byte names equal after sanitising, `alice/` next
    to `alice.zip`, spreadsheet formulas: everyone graded, grades.csv written, every
    re-run works."""
    subs = tmp_path / "subs"
    for raw in (b"caf\xe9", b"x" * 255, b"x" * 254 + b"y", b"alice", b"=SUM(A1)", b"-2+3", b"@me"):
        _tiny(subs / os.fsdecode(raw))
    with zipfile.ZipFile(subs / "alice.zip", "w") as zf:
        zf.writestr("optimizers.py", "def adam_step(:\n  # the zip\n")
    out = tmp_path / "out"
    for attempt in range(2):
        result = grade_folder(subs, out, assignment(), settings=FAST, workers=1)
        assert not result.missing
        rows = _rows(out / "grades.csv")
        assert rows[0] == ["submission", *assignment().part_ids, "total"]  # unchanged header
        assert len(rows) == 1 + 8
        _no_formula(out / "grades.csv")
        _no_formula(out / "names.csv")
        originals = dict(_rows(out / "names.csv")[1:])
        assert set(originals) == {r[0] for r in rows[1:]}
        assert "caf\\xe9" in originals.values() and "'=SUM(A1)" in originals.values()
        assert "alice.zip" in originals.values() and "alice" in originals.values()
        for name in originals:
            assert (out / name / "results.json").is_file()
        assert len(result.graded if attempt == 0 else result.reused) == 8
    page = next(p for p in out.iterdir() if p.name.startswith("_SUM")) / "feedback.md"
    assert "Submitted as: =SUM(A1)" in page.read_text(encoding="utf-8")


def test_content_hash_takes_any_file_name_and_any_depth(tmp_path):
    sub = tmp_path / "deep"
    (sub / os.fsdecode(b"h\xe9lper.py")).parent.mkdir(parents=True)
    (sub / os.fsdecode(b"h\xe9lper.py")).write_text("x = 1\n")
    deep = sub
    for _ in range(1200):  # (pathlib's mkdir(parents=True) recurses too deep for this)
        deep = deep / "d"
        deep.mkdir()
    (deep / "optimizers.py").write_text("x = 1\n")
    assert content_hash(sub) and content_hash(sub, max_depth=10) != content_hash(sub)
    while deep != sub:  # (pytest's clean-up recurses too deep for it)
        for p in deep.iterdir():
            p.unlink()
        deep.rmdir()
        deep = deep.parent


def test_csv_cells_never_start_a_formula():
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("+x") == "'+x" and csv_cell("-x") == "'-x" and csv_cell("\tx") == "'\tx"
    assert csv_cell("-1.5") == "-1.5" and csv_cell("alice") == "alice"


# -- 12.5 internal errors, empty folders, empty entries ------------------------------------

def test_an_internal_error_is_not_a_grade_and_is_tried_again(tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    _tiny(subs / "alice")
    _tiny(subs / "bob", "def adam_step(:\n  # bob\n")
    out = tmp_path / "out"
    real = batch_mod._run_local

    def failing(jobs, workers, replay=True):  # the grader fails on bob (not bob's fault)
        for job, reply in real(jobs, workers, replay):
            if job["name"] == "bob":
                reply = {"error": "internal grader error: KeyError: 'x' (checking.py:12)", "seconds": 0.1}
            yield job, reply

    monkeypatch.setattr(batch_mod, "_run_local", failing)
    first = grade_folder(subs, out, assignment(), settings=FAST, workers=1)
    assert first.missing == ("bob",) and "bob" in first.stats["failures"][0]
    assert [r[0] for r in _rows(out / "grades.csv")[1:]] == ["alice"]  # no zero for bob
    assert not (out / "bob").exists()
    with Gradebook.in_folder(out) as book:
        assert {e.name for e in book.entries(first.version)} == {"alice"}
    monkeypatch.setattr(batch_mod, "_run_local", real)
    second = grade_folder(subs, out, assignment(), settings=FAST, workers=1)
    assert second.graded == ("bob",) and second.reused == ("alice",) and not second.missing


def test_grade_one_raises_instead_of_grading_zero(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RecursionError("maximum recursion depth exceeded " + str(ROOT) * 1000)

    monkeypatch.setattr(batch_mod, "grade", boom)
    monkeypatch.setattr(batch_mod, "_prepare", lambda **kw: None)  # no shared box in pytest
    with pytest.raises(batch_mod.GradingFailed):
        batch_mod.grade_one(tmp_path, assignment(), FAST, name="x")
    reply = batch_mod.grade_job({"name": "x", "path": str(tmp_path), "settings": {}})
    assert "result" not in reply and reply["error"].startswith("internal grader error: RecursionError")
    assert len(reply["error"]) < 400


def test_an_empty_folder_of_submissions_is_a_usage_error(tmp_path):
    (tmp_path / "subs").mkdir()
    with pytest.raises(UsageError, match="no submissions"):
        grade_folder(tmp_path / "subs", tmp_path / "out", assignment(), settings=FAST)
    (tmp_path / "subs" / "notes.pdf").write_bytes(b"%PDF")
    with pytest.raises(UsageError, match="1 other file"):
        grade_folder(tmp_path / "subs", tmp_path / "out", assignment(), settings=FAST)
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path / "subs"), "--out",
                          str(tmp_path / "out")], check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_an_entry_without_any_module_says_so(tmp_path):
    sub = tmp_path / "carol"
    sub.mkdir()
    (sub / "report.docx").write_bytes(b"not code")
    result = grade_path(sub)
    assert result.score == 0
    assert any(n.startswith(NOTHING) and "optimizers.py" in n for n in result.notes)
    subs = tmp_path / "subs"
    subs.mkdir()
    sub.rename(subs / "carol")
    _tiny(subs / "dave")
    batch = grade_folder(subs, tmp_path / "out", assignment(), settings=FAST, workers=1)
    assert batch.empty == ("carol",)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert "carol" in [p["submission"] for p in summary["problems"]]


# -- 12.7 output hygiene -----------------------------------------------------------------------

def _hostile_result() -> SubmissionResult:
    evil = "<img src=x onerror=alert(1)> <script>alert(2)</script> [click](javascript:alert(3))"
    check = CheckResult(name="adam matches Keras", passed=False, points=0.0, max_points=6.0,
                        message=f"ValueError: {evil}",
                        example=Example(inputs="lr=0.1", expected="1.0", got=evil, error=evil))
    part = PartResult(id="adam", title="Adam", score=0.0, max_score=12.0, checks=(check,))
    return SubmissionResult(name="bob", parts=(part,), notes=(f"printed: {evil}",), output=evil)


def _outside_code(md: str) -> str:
    """Markdown without its fenced code blocks (where nothing is interpreted)."""
    return re.sub(r"(`{3,})text\n.*?\n *\1", "", md, flags=re.DOTALL)


def test_feedback_files_show_html_from_a_submission_as_text():
    result = _hostile_result()
    page, md = feedback_page(result), _outside_code(to_markdown(result))
    for text in (page, md):
        assert "<img" not in text and "<script>" not in text
    assert "](javascript:" not in md  # no Markdown link (in HTML it is only text)
    assert "&lt;img src=x" in page and "&lt;img src=x" in md  # shown, as text


def test_feedback_md_from_a_real_exception_is_escaped(tmp_path):
    sub = copy_solutions(tmp_path / "bob")
    (sub / "optimizers.py").write_text(
        (SOLUTIONS / "optimizers.py").read_text(encoding="utf-8")
        + "\n\ndef adam_step(*a, **k):\n    raise ValueError('<img src=x onerror=alert(1)>')\n",
        encoding="utf-8")
    result = grade_path(sub, parts=["adam"])
    assert result.score == 0
    batch_mod.write_submission(tmp_path / "out", result, folder="bob")
    md = (tmp_path / "out" / "bob" / "feedback.md").read_text(encoding="utf-8")
    page = (tmp_path / "out" / "bob" / "feedback.html").read_text(encoding="utf-8")
    assert "<img src=x" in md  # in a code block ...
    assert "<img" not in _outside_code(md) and "<img" not in page  # ... and nowhere else


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_left_over_temporary_folders_of_dead_owners_are_removed(tmp_path):
    dead = tmp_path / f"grader-sub-{_dead_pid()}.12345-abc"
    mine = tmpdirs.mkdtemp("sub", dir=tmp_path)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        start = tmpdirs._start_time(sleeper.pid)
        alive = tmp_path / f"grader-work-{sleeper.pid}.{start}-xyz"
        reused = tmp_path / f"grader-box-{sleeper.pid}.{int(start) + 1}-xyz"  # pid reused since
        other = tmp_path / "grader-sub-oldstyle"
        elsewhere = tmp_path / f"grader-sub-{_dead_pid()}.12345.1-abc"  # another pid namespace
        for p in (dead, alive, reused, other, elsewhere):
            p.mkdir()
            (p / "optimizers.py").write_text("student code\n")
        removed = tmpdirs.sweep(tmp_path)
        assert sorted(removed) == sorted([dead.name, reused.name])
        assert mine.exists() and alive.exists() and other.exists() and elsewhere.exists()
        assert tmpdirs.remove_own(tmp_path) == [mine.name] and not mine.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_new_batch_sweeps_what_a_killed_one_left(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    code = ("import os; from grader import tmpdirs; p = tmpdirs.mkdtemp('sub');"
            "open(os.path.join(p, 'optimizers.py'), 'w').write('x'); os._exit(0)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60,
                   env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    assert next(p.name for p in (tmp_path / "tmp").iterdir()).startswith("grader-sub-")
    _tiny(tmp_path / "subs" / "alice")
    grade_folder(tmp_path / "subs", tmp_path / "out", assignment(), settings=FAST, workers=1)
    assert not [p for p in (tmp_path / "tmp").iterdir() if p.name.startswith("grader-sub-")]


def test_check_also_sweeps_what_a_killed_check_left(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    left = tmp / f"grader-sub-{_dead_pid()}.777-abc"
    left.mkdir()
    (left / "optimizers.py").write_text("student code\n")
    run = subprocess.run([sys.executable, "-m", "grader", "check", "momentum", "--path", str(SOLUTIONS)],
                         check=False, capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**os.environ, "TMPDIR": str(tmp)})
    assert run.returncode == 0, run.stderr
    assert not left.exists()


@pytest.mark.slow
def test_ctrl_c_during_grade_leaves_no_copy_of_student_code(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    subs = tmp_path / "subs"
    for i in range(6):
        sub = copy_solutions(subs / f"s{i}")
        (sub / "optimizers.py").write_text((sub / "optimizers.py").read_text() + f"\n# {i}\n")
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "grader", "grade", str(subs), "--out",
                             str(tmp_path / "out"), "--workers", "2", "--no-progress",
                             "--max-examples", "5"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(p.name.startswith("grader-sub-")
                                                      for p in tmp.iterdir()):
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 15  # the grading processes finish unwinding
    while time.monotonic() < deadline and any(p.name.startswith("grader-") for p in tmp.iterdir()):
        time.sleep(0.2)
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("grader-")]


# -- 12.10 crafted zips ------------------------------------------------------------------------

def test_a_zip_one_file_1200_folders_deep_is_refused_in_one_line(tmp_path):
    path = tmp_path / "deep.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("/".join(["d"] * 1200) + "/optimizers.py", "x = 1\n")
    assert path.stat().st_size < 8000
    result = grade_path(path, parts=["momentum"])
    assert result.score == 0
    note = result.notes[0]
    assert "folders deep" in note and "\n" not in note and len(note) < 300
    assert "RecursionError" not in json.dumps(result.to_dict())


def test_a_file_and_a_folder_of_the_same_name_do_not_cost_the_modules(tmp_path):
    path = tmp_path / "sub.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for p in SOLUTIONS.glob("*.py"):
            zf.write(p, p.name)
        zf.writestr("helper", "data")
        zf.writestr("helper/inner.py", "x = 1\n")
        zf.writestr("notes/README.md", "hi")
    result = grade_path(path, parts=["momentum", "l1_l2"])
    assert result.score == result.max_score, result.notes
    path2 = tmp_path / "clash.zip"
    with zipfile.ZipFile(path2, "w") as zf:
        zf.writestr("a.py", "x = 1\n")
        zf.writestr("a.py/b.py", "x = 1\n")
    result = grade_path(path2, parts=["momentum"])
    assert "both a file and a folder" in result.notes[0] and "FileExistsError" not in result.notes[0]


def test_stored_messages_are_capped_and_free_of_grader_paths(tmp_path):
    import tempfile

    import grader

    pkg = str(Path(grader.__file__).parent)
    folder = Path(tempfile.gettempdir()) / "grader-sub-1.2-abc"
    message = (f'File "{pkg}/engine.py", line 3\nFile "{folder}/optimizers.py", line 9\n'
               f'{sys.prefix}/lib/python3.11/site-packages/numpy/x.py\n' + "y" * 2_000_000)
    check = CheckResult(name="c", passed=False, points=0.0, max_points=1.0, message=message,
                        example=Example(inputs=message, got="\udce9"))
    raw = SubmissionResult(name="a\udce9", notes=(message,) * 50, parts=(
        PartResult(id="adam", title="Adam", score=0, max_score=12, checks=(check,), error=message),))
    clean = clean_result(raw, folder)
    text = json.dumps(clean.to_dict(), ensure_ascii=False)
    text.encode("utf-8")
    assert pkg not in text and str(folder) not in text and sys.prefix not in text
    assert '"optimizers.py", line 9' in text.replace('\\"', '"')
    assert len(text) < 200_000 and len(clean.notes) <= 20


# -- 11.6 encodings ----------------------------------------------------------------------------

KOREAN_COMMENT = "# 모멘텀 구현 (한국어 주석)\n".encode("cp949")


def test_a_non_utf8_module_costs_only_its_own_parts(tmp_path):
    sub = copy_solutions(tmp_path / "kim")
    opt = sub / "optimizers.py"
    opt.write_bytes(KOREAN_COMMENT + opt.read_bytes())
    result = grade_path(sub, parts=["momentum", "adam", "l1_l2", "early_stopping"])
    for pid in ("momentum", "adam"):
        part = result.part(pid)
        assert part.score == 0 and "not UTF-8" in part.error and "CP949" in part.error
        assert "line 1" in part.error and "Save it as UTF-8" in part.error
    for pid in ("l1_l2", "early_stopping"):
        assert result.part(pid).full, result.part(pid)


def test_a_pep_263_coding_line_is_honoured(tmp_path):
    sub = copy_solutions(tmp_path / "kim")
    opt = sub / "optimizers.py"
    source = opt.read_text(encoding="utf-8")  # it has Korean comments: all of it in CP949
    opt.write_bytes(source.encode("cp949"))
    result = grade_path(sub, parts=["momentum"])
    assert "CP949" in result.part("momentum").error
    opt.write_bytes(b"# -*- coding: cp949 -*-\n" + source.encode("cp949"))
    result = grade_path(sub, parts=["momentum"])
    assert result.part("momentum").full, result.part("momentum")


def test_a_non_utf8_notebook_names_the_likely_encoding(tmp_path):
    nb = (ASSIGNMENTS / "training_techniques.ipynb").read_text(encoding="utf-8")
    path = tmp_path / "kim.ipynb"
    path.write_bytes(nb.encode("cp949", "replace"))
    result = grade_path(path, parts=["momentum"])
    assert "CP949" in result.notes[0] and "UTF-8" in result.notes[0]


# -- 11.7 check says hidden checks count; 11.8 a note once per part; 14.6 numbers -------------

def test_check_says_once_that_hidden_checks_count(tmp_path):
    checked = grade_path(SOLUTIONS, parts=["momentum"], hidden=False)
    assert checked.notes.count(HIDDEN_NOTE) == 1
    graded = grade_path(SOLUTIONS, parts=["momentum"], hidden=True)
    assert HIDDEN_NOTE not in graded.notes
    from grader.i18n import localize
    assert "비공개" in localize(checked, "ko").notes[-1]  # in Korean too
    run = subprocess.run([sys.executable, "-m", "grader", "check", "momentum", "--path",
                          str(SOLUTIONS)], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    flat = " ".join(run.stdout.split())
    assert flat.count("hidden checks") == 1


def _noted_result(score=85.72731) -> SubmissionResult:
    note = "you placed epsilon as the textbook does: Keras adds it outside the square root"
    checks = tuple(CheckResult(name=f"check {i}", passed=True, points=1.0, max_points=1.0, note=note)
                   for i in range(4))
    part = PartResult(id="adam", title="Adam", score=score, max_score=100, checks=checks)
    return SubmissionResult(name="bob", parts=(part,))


def test_a_repeated_note_is_shown_once_per_part_everywhere():
    from rich.console import Console

    from grader.jupyter import to_html

    result = _noted_result()
    note = result.parts[0].checks[0].note
    buf = io.StringIO()
    render_terminal(result, console=Console(file=buf, width=300), verbose=True)
    outputs = {"terminal": buf.getvalue(), "md": to_markdown(result), "html": feedback_page(result),
               "json": to_json(result), "gradescope": json.dumps(to_gradescope(result)),
               "notebook": to_html(result)}
    for where, text in outputs.items():
        assert text.count(note) == 1, where
    assert [c.note for c in result.parts[0].checks] == [note] * 4  # the record keeps them
    assert once_per_part(result).parts[0].checks[0].note == note


def test_scores_are_shown_with_2_decimals_and_kept_exact():
    from rich.console import Console

    result = _noted_result(85.72731)
    buf = io.StringIO()
    render_terminal(result, console=Console(file=buf, width=200))
    for text in (buf.getvalue(), to_markdown(result), feedback_page(result)):
        assert "85.73" in text and "85.7273" not in text
    assert json.loads(to_json(result))["parts"][0]["score"] == 85.72731
    from grader.cli import _BatchProgress  # `grade --no-progress` prints each score
    buf = io.StringIO()
    _BatchProgress(Console(file=buf, width=200), enabled=False).advance(["bob"], result, 1.0)
    assert "85.73 / 100" in buf.getvalue()


def test_not_implemented_agrees_with_the_number_of_names():
    result = grade_path(ASSIGNMENTS, parts=["momentum", "l1_l2"], hidden=False)
    assert "`sgd_momentum_step` raises NotImplementedError" in result.part("momentum").error
    assert "`l2_grad` raise NotImplementedError" in result.part("l1_l2").error


def test_path_error_does_not_tell_a_path_user_to_use_path(tmp_path):
    run = subprocess.run([sys.executable, "-m", "grader", "check", "--path", str(tmp_path / "nope")],
                         check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 2 and "use --path" not in run.stderr and "does not exist" in run.stderr
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # (this checkout's grader, installed or not)
    run = subprocess.run([sys.executable, "-m", "grader", "check"], check=False, capture_output=True, text=True,
                         cwd=tmp_path, timeout=120, env=env)
    assert run.returncode == 2 and "use --path" in run.stderr


@pytest.mark.slow
def test_a_fifo_or_a_huge_file_in_a_submission_does_not_stop_the_batch(tmp_path):
    """Hashing a submission for the gradebook reads regular files only, in chunks and up
    to a limit: a FIFO (which would block) or a huge sparse file (which would take the
    grader's memory) is hashed by what it is, and the batch grades everyone."""
    import os

    from grader.gradebook import HASH_READ_LIMIT

    subs = tmp_path / "subs"
    bob = copy_solutions(subs / "bob")
    os.mkfifo(bob / "notes.txt")
    with open(bob / "weights.npy", "wb") as f:
        f.truncate(HASH_READ_LIMIT * 80)  # 5 GiB, sparse
    alice = copy_solutions(subs / "alice")
    h1 = content_hash(bob)
    assert h1 == content_hash(bob) and h1 != content_hash(alice)
    os.truncate(bob / "weights.npy", HASH_READ_LIMIT * 81)
    assert content_hash(bob) != h1  # a change of a large file's size is still seen
    grade_folder(subs, tmp_path / "out", assignment(), settings=FAST, workers=1)
    rows = {r["submission"]: r for r in csv.DictReader(open(tmp_path / "out" / "grades.csv"))}
    assert set(rows) == {"alice", "bob"}
    assert float(rows["bob"]["total"]) == float(rows["alice"]["total"]) == 100


def test_bidirectional_controls_from_a_submission_are_removed(tmp_path):
    """Text that reads differently from what it holds (right-to-left overrides and the
    other bidirectional controls) never reaches a report; ordinary text (Korean, emoji
    joiners) stays."""
    from grader.sandbox.runner import clean_text

    assert clean_text("a\u202eevil\u202c b\u2066c\u2069 \u200f 한국어 \u200d") == "aevil bc  한국어 \u200d"
    sub = copy_solutions(tmp_path / "eve")
    (sub / "optimizers.py").write_text(
        (SOLUTIONS / "optimizers.py").read_text(encoding="utf-8")
        + "\n\ndef adam_step(*a, **k):\n    raise ValueError('\\u202eksat ym\\u202c passed')\n",
        encoding="utf-8")
    result = grade_path(sub, parts=["adam"])
    shown = to_markdown(result) + to_json(result)
    assert "ksat ym" in shown
    assert not any(ch in shown for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_hidden_checks_show_no_inputs_or_answers_to_students(tmp_path):
    """A failing hidden check says that it failed, its points and the named mistake's
    hint, but not its inputs, Keras's answers or its message: in feedback.md,
    feedback.html and results.json. Public checks keep their examples; the gradebook
    keeps everything for the instructor."""
    from grader.reference import load_cases
    from grader.report import HIDDEN_FAILED, student_view
    from grader.report_html import feedback_page

    sub = copy_solutions(tmp_path / "eve")
    (sub / "optimizers.py").write_text(
        (SOLUTIONS / "optimizers.py").read_text(encoding="utf-8")
        + "\n\ndef adam_step(param, grad, m, v, t, **kw):\n    return param + 0.5, m, v\n",
        encoding="utf-8")
    result = grade_path(sub, parts=["adam"])
    hidden = [c for c in result.part("adam").checks if c.hidden and not c.passed]
    public = [c for c in result.part("adam").checks if not c.hidden and not c.passed]
    assert hidden and public and any(c.example for c in hidden)  # the full result keeps them
    secrets = [f"{float(v):.6f}"[:8] for case in load_cases("training", "adam", True)[:3]
               for v in np.ravel(case.inputs["param"])[:2]]
    doc = to_gradescope(result)
    for t in doc["tests"]:
        if t["visibility"] == "after_published" and t["score"] < t["max_score"]:
            assert t["output"].startswith(HIDDEN_FAILED) and "smallest failing example" not in t["output"]
    md, page = to_markdown(result), feedback_page(result)
    for text in (md, page, json.dumps(doc)):
        assert not any(s in text for s in secrets), "a hidden input is shown"
    assert "smallest failing example" in md  # the public checks still show theirs
    view = student_view(result)
    assert all(c.example is None for p in view.parts for c in p.checks if c.hidden and not c.passed)
