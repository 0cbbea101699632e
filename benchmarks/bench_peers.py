"""The speed claim, side by side: nbgrader, otter-grader and `grader` on the same work.

Run by hand (not a test), from the project folder:

    python benchmarks/bench_peers.py                  # 20 submissions, medians of 3 runs
    python benchmarks/bench_peers.py --quick --repeat 1   # 6 submissions: a smoke run
    python benchmarks/bench_peers.py --venv /tmp/peers-venv --keep
    python benchmarks/bench_peers.py --grader-commit HEAD   # a commit, not the folder as it is

The work is a two-function assignment from this project's contract (docs/training.md):
Adam's ``adam_step`` and dropout's ``dropout_mask`` / ``dropout``. Twenty student
submissions: ten correct ones written differently (vectorised, loops, the textbook
epsilon, changing their inputs in place, ``x / (1 - rate)``), eight with one bug each,
one whose ``adam_step`` loops forever and one whose ``dropout_mask`` crashes the
process (a segmentation fault through ctypes).

For each peer the benchmark builds the equivalent assignment: one source notebook with
the two functions and the same six tests (Adam against known values at step 1, at a
later step with other hyper-parameters and after five steps; the dropout mask's shape,
type, keep rate and reproducibility; inverted-dropout scaling; inference returns x),
runs that tool's own release step, and fills the twenty student notebooks with the
students' code. nbgrader and otter-grader are installed by this script, from PyPI with
pip, into a scratch virtualenv (``--venv PATH`` keeps one to reuse); nothing is added
to the project's dependencies.

Timed, interleaved in every repetition (after one untimed warm-up per command):

* nbgrader: ``nbgrader autograde ASSIGNMENT --force`` over all submissions (batch), and
  ``nbgrader autograde ASSIGNMENT --student X --force`` per submission;
* otter-grader: ``otter run -a autograder.zip SUBMISSION`` per submission. Its batch
  command, ``otter grade``, runs each submission in a Docker container; without Docker
  the batch row is otter's documented non-container API (``otter.api.grade_submission``)
  called for every submission from one warm Python process;
* grader: ``grader grade SUBMISSIONS adam dropout`` (when ``grade`` takes no PART
  arguments: the same two parts through ``grader.engine.grade`` from one process that
  prepares itself as ``grader grade``'s grading processes do), and
  ``grader check adam dropout --path X`` per submission. The grader is given the very
  notebooks nbgrader grades; their test cells carry the tag ``not-graded``, the tag the
  grader skips (its own checks live in the grader).

Time limits are each tool's default: nbgrader stops a cell after 30 s
(``Execute.timeout``); otter has none (neither ``otter run`` nor its API), so the
benchmark stops an otter grading that runs over ``--cap`` seconds (default 30) and
says so; the grader uses its own per-call and per-submission budgets.

Printed: the tool versions, ``uptime`` before and after, per tool the median
wall-clock seconds per submission in batch (over all twenty, and over the eighteen
that finish: a batch of those alone for nbgrader, the batch's time less the other two
submissions' own times where the batch times each submission) and one at a time (the
median over the eighteen, each the median of its repetitions), the hanging and the
crashing submission's times, every tool's score for every submission, and the ratios
of the grader to each peer, all from this one run. Ctrl-C (or SIGTERM) stops the run
and reports what was measured so far.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "peers"
PEER_PACKAGES = ["nbgrader", "otter-grader", "numpy"]
LONG = 1800  # seconds: a safety cap on any one command that has its own time limits

# -- the students' code ---------------------------------------------------------------------

SIG_ADAM = ("def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,\n"
            "              epsilon=1e-7):\n")
SIG_MASK = "def dropout_mask(shape, rate, rng):\n"
SIG_DROP = "def dropout(x, rate, mask, training=False):\n"

ADAM = {
    "keras": """
        new_m = m + (1 - beta_1) * (grad - m)
        new_v = v + (1 - beta_2) * (np.square(grad) - v)
        alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        new_param = param - alpha * new_m / (np.sqrt(new_v) + epsilon)
        return new_param, new_m, new_v
    """,
    "textbook": """
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad ** 2
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_2 ** t)
        return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v
    """,
    "loops": """
        param, grad = np.array(param, dtype=float), np.asarray(grad, dtype=float)
        m, v = np.array(m, dtype=float), np.array(v, dtype=float)
        out = param.copy()
        for i in np.ndindex(param.shape):
            m[i] = beta_1 * m[i] + (1 - beta_1) * grad[i]
            v[i] = beta_2 * v[i] + (1 - beta_2) * grad[i] * grad[i]
            m_hat = m[i] / (1 - beta_1 ** t)
            v_hat = v[i] / (1 - beta_2 ** t)
            out[i] = param[i] - learning_rate * m_hat / (v_hat ** 0.5 + epsilon)
        return out, m, v
    """,
    "in place": """
        m *= beta_1
        m += (1 - beta_1) * grad
        v *= beta_2
        v += (1 - beta_2) * grad * grad
        lr_t = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        param -= lr_t * m / (np.sqrt(v) + epsilon)
        return param, m, v
    """,
    # one bug each
    "no bias correction": """
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad ** 2
        return param - learning_rate * m / (np.sqrt(v) + epsilon), m, v
    """,
    "no square root": """
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad ** 2
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_2 ** t)
        return param - learning_rate * m_hat / (v_hat + epsilon), m, v
    """,
    "beta_1 for v": """
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_1 * v + (1 - beta_1) * grad ** 2
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_1 ** t)
        return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v
    """,
    "old m in the step": """
        new_m = beta_1 * m + (1 - beta_1) * grad
        new_v = beta_2 * v + (1 - beta_2) * grad ** 2
        alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        return param - alpha * m / (np.sqrt(new_v) + epsilon), new_m, new_v
    """,
    "hangs": """
        while True:  # waits for a convergence that never comes
            m = beta_1 * m + (1 - beta_1) * grad
    """,
}

MASK = {
    "keras": """
        return rng.random(shape) >= rate
    """,
    "uniform below": """
        return rng.uniform(size=shape) < 1 - rate
    """,
    "inverted": """
        return rng.random(shape) < rate
    """,
    "crashes": """
        import ctypes
        ctypes.string_at(0)  # reads address 0: a segmentation fault
        return rng.random(shape) >= rate
    """,
}

DROP = {
    "keras": """
        x = np.asarray(x)
        if not training or rate == 0:
            return x.copy()
        if rate == 1:
            return np.zeros_like(x)
        return np.where(mask, x * (1.0 / (1.0 - rate)), 0).astype(x.dtype)
    """,
    "divide": """
        if not training:
            return x
        if rate >= 1:
            return np.zeros_like(x)
        return np.where(mask, x / (1 - rate), 0.0).astype(np.asarray(x).dtype)
    """,
    "multiply by the mask": """
        if training:
            return x * mask / (1 - rate)
        return x
    """,
    "loops": """
        x = np.asarray(x)
        if not training:
            return x.copy()
        out = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            if mask[i] and rate < 1:
                out[i] = x[i] / (1 - rate)
        return out
    """,
    # one bug each
    "no scaling": """
        if not training:
            return x
        return np.where(mask, x, 0.0)
    """,
    "scaled by 1 - rate": """
        if not training:
            return x
        return np.where(mask, x * (1 - rate), 0.0)
    """,
    "drops at inference": """
        if rate >= 1:
            return np.zeros_like(x)
        return np.where(mask, x / (1 - rate), 0.0)
    """,
}

#: (name, adam, dropout_mask, dropout). Ten correct, eight with one bug, one hang, one crash.
SUBMISSIONS = [
    ("s01", "keras", "keras", "keras"),
    ("s02", "textbook", "keras", "divide"),
    ("s03", "loops", "uniform below", "loops"),
    ("s04", "in place", "keras", "keras"),
    ("s05", "keras", "uniform below", "divide"),
    ("s06", "textbook", "keras", "multiply by the mask"),
    ("s07", "loops", "keras", "divide"),
    ("s08", "in place", "uniform below", "keras"),
    ("s09", "keras", "keras", "loops"),
    ("s10", "textbook", "uniform below", "keras"),
    ("s11", "no bias correction", "keras", "keras"),
    ("s12", "no square root", "keras", "divide"),
    ("s13", "beta_1 for v", "uniform below", "keras"),
    ("s14", "old m in the step", "keras", "keras"),
    ("s15", "keras", "inverted", "keras"),
    ("s16", "textbook", "keras", "no scaling"),
    ("s17", "keras", "keras", "scaled by 1 - rate"),
    ("s18", "loops", "keras", "drops at inference"),
    ("hang19", "hangs", "keras", "keras"),
    ("crash20", "keras", "crashes", "keras"),
]
HANG, CRASH = "hang19", "crash20"
QUICK = ("s01", "s02", "s11", "s16", HANG, CRASH)
NORMAL_GLOB = "s*"  # the submissions that neither hang nor crash (an nbgrader --student glob)


def _body(code: str) -> str:
    return textwrap.indent(textwrap.dedent(code).strip("\n"), "    ") + "\n"


def adam_source(kind: str) -> str:
    """The answer cell of a student whose ``adam_step`` is ``ADAM[kind]``."""
    return "import numpy as np\n\n\n" + SIG_ADAM + _body(ADAM[kind])


def dropout_source(mask: str, drop: str) -> str:
    """The answer cell with ``dropout_mask`` = ``MASK[mask]``, ``dropout`` = ``DROP[drop]``."""
    return ("import numpy as np\n\n\n" + SIG_MASK + _body(MASK[mask]) + "\n\n"
            + SIG_DROP + _body(DROP[drop]))


# -- the six tests, the same for every tool ---------------------------------------------------

TESTS = [
    ("adam", "test_adam_first_step", """
        p, m, v = adam_step(np.array([1.0, -2.0, 3.0]), np.array([0.1, -0.2, 0.3]),
                            np.zeros(3), np.zeros(3), 1, learning_rate=0.01)
        assert np.allclose(p, [0.99, -1.99, 2.99]), "the first step moves every entry by the learning rate"
        assert np.allclose(m, [0.01, -0.02, 0.03]), "m after one step"
        assert np.allclose(v, [1e-5, 4e-5, 9e-5]), "v after one step"
    """),
    ("adam", "test_adam_later_step", """
        p, m, v = adam_step(np.array([0.5, -0.5]), np.array([0.2, 0.1]), np.array([0.05, -0.1]),
                            np.array([0.002, 0.01]), 3, learning_rate=0.1, beta_1=0.8, beta_2=0.99)
        assert np.allclose(p, [0.442088297562, -0.478810703894]), "param at step 3"
        assert np.allclose(m, [0.08, -0.06]), "m at step 3"
        assert np.allclose(v, [0.00238, 0.01]), "v at step 3"
    """),
    ("adam", "test_adam_five_steps", """
        p = np.array([[1.0, -3.0], [0.5, 2.0]])
        m, v = np.zeros_like(p), np.zeros_like(p)
        for t in range(1, 6):
            p, m, v = adam_step(p, p.copy(), m, v, t, learning_rate=0.1)
        assert np.shape(p) == (2, 2), "param keeps its shape"
        assert np.allclose(p, [[0.507964722454, -2.501779802814], [0.027816454573, 1.502956305386]],
                           atol=1e-5), "param after five steps"
    """),
    ("dropout", "test_dropout_mask", """
        mask = dropout_mask((200, 50), 0.3, np.random.default_rng(0))
        assert np.shape(mask) == (200, 50) and np.asarray(mask).dtype == bool, "a bool mask of the shape"
        assert abs(np.mean(mask) - 0.7) < 0.02, "keeps each entry with probability 1 - rate"
        assert np.array_equal(mask, dropout_mask((200, 50), 0.3, np.random.default_rng(0))), "same rng, same mask"
    """),
    ("dropout", "test_dropout_training", """
        x = np.arange(1.0, 7.0).reshape(2, 3)
        mask = np.array([[True, False, True], [False, True, True]])
        out = dropout(x, 0.25, mask, training=True)
        assert np.allclose(out, np.where(mask, x / 0.75, 0.0)), "kept entries are divided by 1 - rate"
    """),
    ("dropout", "test_dropout_inference", """
        x = np.random.default_rng(1).normal(size=(4, 5))
        assert np.array_equal(dropout(x, 0.5, np.zeros((4, 5), bool), training=False), x)
        assert np.array_equal(dropout(x, 0.5, np.zeros((4, 5), bool)), x), "training defaults to False"
    """),
]
POINTS_PER_TEST = 2


def test_source(code: str) -> str:
    return textwrap.dedent(code).strip("\n") + "\n"


# -- notebooks --------------------------------------------------------------------------------

def nb_cell(kind: str, source: str, **meta) -> dict:
    cell = {"cell_type": kind, "metadata": meta, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def write_nb(path: Path, nb: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for i, cell in enumerate(nb["cells"]):
        cell.setdefault("id", f"cell-{i}")
    path.write_text(json.dumps(nb, indent=1))


def fill(nb: dict, student: tuple) -> dict:
    """The released notebook ``nb`` with the student's code in its two answer cells: the
    cells nbgrader marks ``adam`` / ``dropout``, or otter's ``...`` placeholders, in order."""
    name, adam, mask, drop = student
    nb = json.loads(json.dumps(nb))
    answers = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        is_answer = grade_id in ("adam", "dropout") or src.strip() == "..."
        if cell["cell_type"] == "code" and is_answer:
            answers.append(cell)
    if len(answers) != 2:
        sys.exit(f"expected two answer cells in the released notebook, found {len(answers)}")
    answers[0]["source"] = adam_source(adam) + f"# student {name}\n"
    answers[1]["source"] = dropout_source(mask, drop)
    return nb


def nbgrader_source() -> dict:
    def answer(grade_id, code):
        return nb_cell("code", "### BEGIN SOLUTION\n" + code + "### END SOLUTION\n",
                       nbgrader={"grade": False, "grade_id": grade_id, "locked": False,
                                 "schema_version": 3, "solution": True, "task": False})

    cells = [nb_cell("markdown", "# Adam and dropout\n\nImplement the three functions."),
             nb_cell("code", "import numpy as np\n"),
             answer("adam", adam_source("keras")),
             answer("dropout", dropout_source("keras", "keras"))]
    for _part, test_id, code in TESTS:
        cells.append(nb_cell("code", test_source(code), tags=["not-graded"],
                             nbgrader={"grade": True, "grade_id": test_id, "locked": True,
                                       "points": POINTS_PER_TEST, "schema_version": 3,
                                       "solution": False, "task": False}))
    return notebook(cells)


def otter_source() -> dict:
    config = textwrap.dedent("""\
        # ASSIGNMENT CONFIG
        name: peers
        export_cell: false
        check_all_cell: false
        run_tests: true
        generate: true
    """)
    cells = [nb_cell("raw", config),
             nb_cell("markdown", "# Adam and dropout\n\nImplement the three functions."),
             nb_cell("code", "import numpy as np\n")]
    answers = (("adam", adam_source("keras")), ("dropout", dropout_source("keras", "keras")))
    for part, code in answers:
        tests = [t for t in TESTS if t[0] == part]
        points = POINTS_PER_TEST * len(tests)
        cells += [nb_cell("raw", f"# BEGIN QUESTION\nname: {part}\npoints: {points}\n"),
                  nb_cell("markdown", f"Implement `{part}`."),
                  nb_cell("raw", "# BEGIN SOLUTION\n"),
                  nb_cell("code", "# BEGIN SOLUTION\n" + code + "# END SOLUTION\n"),
                  nb_cell("raw", "# END SOLUTION\n"),
                  nb_cell("raw", "# BEGIN TESTS\n")]
        cells += [nb_cell("code", test_source(c)) for _p, _t, c in tests]
        cells += [nb_cell("raw", "# END TESTS\n"), nb_cell("raw", "# END QUESTION\n")]
    return notebook(cells)


# -- running commands -----------------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = [int(c) for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
            except (OSError, ValueError):
                continue
            out += kids
            todo += kids
    return out


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and everything below it (Jupyter kernels run in their own session,
    so a process group is not enough)."""
    for p in [pid] + descendants(pid):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Result:
    def __init__(self, seconds, rc, out, capped):
        self.seconds, self.rc, self.out, self.capped = seconds, rc, out, capped


def run(cmd, *, cwd=None, env=None, cap=LONG, log=None) -> Result:
    t0 = time.perf_counter()
    p = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    capped = False
    try:
        out, _ = p.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        kill_tree(p.pid)
        out, _ = p.communicate()
        capped = True
    seconds = time.perf_counter() - t0
    text = out.decode("utf-8", "replace")
    if log is not None:
        with open(log, "a") as f:
            f.write(f"\n$ {' '.join(map(str, cmd))}  ({seconds:.2f} s, rc {p.returncode}"
                    f"{', capped' if capped else ''})\n{text[-4000:]}")
    return Result(seconds, p.returncode, text, capped)


def must(res: Result, what: str) -> Result:
    if res.rc != 0 or res.capped:
        sys.exit(f"{what} failed (exit {res.rc}):\n{res.out[-3000:]}")
    return res


# -- the tools --------------------------------------------------------------------------------

def ensure_venv(venv: Path, log: Path) -> Path:
    py = venv / "bin" / "python"
    if py.exists() and run([py, "-c", "import nbgrader, otter, numpy"]).rc == 0:
        print(f"reusing the virtualenv {venv}")
        return py
    print(f"installing {', '.join(PEER_PACKAGES)} from PyPI into {venv} ...", flush=True)
    t0 = time.perf_counter()
    must(run([sys.executable, "-m", "venv", venv], log=log), "python -m venv")
    must(run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], log=log), "pip install pip")
    must(run([py, "-m", "pip", "install", "-q", *PEER_PACKAGES], log=log), "pip install the peers")
    print(f"  installed in {time.perf_counter() - t0:.0f} s")
    return py


def peer_env(venv: Path, scratch: Path) -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["PYTHONNOUSERSITE"] = "1"
    env["JUPYTER_CONFIG_DIR"] = str(scratch / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(scratch / "jupyter-data")
    env["JUPYTER_RUNTIME_DIR"] = str(scratch / "jupyter-runtime")
    env["IPYTHONDIR"] = str(scratch / "ipython")
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTHONPATH", None)
    return env


def version(py, module) -> str:
    r = run([py, "-c", f"import importlib.metadata as m; print(m.version({module!r}))"])
    return r.out.strip() if r.rc == 0 else "?"


class Nbgrader:
    name = "nbgrader"
    rows = False  # its batch does not time each submission

    def __init__(self, venv, scratch, students, log):
        self.env = peer_env(venv, scratch)
        self.bin = venv / "bin" / "nbgrader"
        self.root = scratch / "nbgrader"
        self.log = log
        (self.root / "nbgrader_config.py").parent.mkdir(parents=True, exist_ok=True)
        (self.root / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.root = {str(self.root)!r}\n"
            f"c.CourseDirectory.course_id = 'bench'\n")
        write_nb(self.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", nbgrader_source())
        must(self.cmd("db", "assignment", "add", ASSIGNMENT), "nbgrader db assignment add")
        must(self.cmd("generate_assignment", ASSIGNMENT, "--force"), "nbgrader generate_assignment")
        released = json.loads(
            (self.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
        self.notebooks = {}
        for s in students:
            path = self.root / "submitted" / s[0] / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            write_nb(path, fill(released, s))
            self.notebooks[s[0]] = path

    def cmd(self, *args, cap=LONG):
        return run([self.bin, *args], cwd=self.root, env=self.env, cap=cap, log=self.log)

    def batch(self, normal_only=False):
        only = ["--student", NORMAL_GLOB] if normal_only else []
        return self.cmd("autograde", ASSIGNMENT, *only, "--force")

    def single(self, student):
        return self.cmd("autograde", ASSIGNMENT, "--student", student, "--force")

    def scores(self) -> dict:
        out = self.root / "grades.csv"
        self.cmd("export", "--to", str(out))
        try:
            rows = list(csv.DictReader(out.open()))
        except OSError:
            return {}
        return {r["student_id"]: float(r["score"] or 0) for r in rows}


OTTER_BATCH = r"""
import json, os, signal, sys, threading, time
sys.path.insert(0, sys.argv[3])
from bench_peers_kill import kill_tree_below
from otter.api import grade_submission
ag, cap, subs = sys.argv[1], float(sys.argv[2]), sys.argv[4:]
for sub in subs:
    capped = []
    timer = threading.Timer(cap, lambda: (capped.append(1), kill_tree_below(os.getpid())))
    t0 = time.perf_counter()
    timer.start()
    try:
        res = grade_submission(sub, ag, quiet=True)
        score = float(res.total)
    except BaseException as exc:  # a dead kernel: otter raises
        score = None
    finally:
        timer.cancel()
    print(json.dumps({"sub": sub, "seconds": time.perf_counter() - t0, "score": score,
                      "capped": bool(capped)}), flush=True)
"""

KILL_HELPER = r"""
import os, signal
from pathlib import Path

def kill_tree_below(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = [int(c) for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
            except (OSError, ValueError):
                continue
            out += kids
            todo += kids
    for p in out:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
"""


class Otter:
    name = "otter"
    rows = True  # the batch driver prints each submission's time

    def __init__(self, venv, scratch, students, log, cap):
        self.env = peer_env(venv, scratch)
        self.py = venv / "bin" / "python"
        self.bin = venv / "bin" / "otter"
        self.root = scratch / "otter"
        self.log, self.cap = log, cap
        master = self.root / "master" / f"{ASSIGNMENT}.ipynb"
        write_nb(master, otter_source())
        dist = self.root / "dist"
        must(run([self.bin, "assign", master, dist], cwd=self.root, env=self.env, log=log),
             "otter assign")
        zips = sorted((dist / "autograder").glob("*.zip"))
        if not zips:
            sys.exit(f"otter assign wrote no autograder zip in {dist / 'autograder'}")
        self.autograder = zips[-1]
        released = json.loads((dist / "student" / f"{ASSIGNMENT}.ipynb").read_text())
        self.notebooks = {}
        for s in students:
            path = self.root / "submissions" / f"{s[0]}.ipynb"
            write_nb(path, fill(released, s))
            self.notebooks[s[0]] = path
        (self.root / "bench_peers_kill.py").write_text(KILL_HELPER)
        (self.root / "batch.py").write_text(OTTER_BATCH)
        self.single_scores: dict[str, float | None] = {}

    def single(self, student):
        out = self.root / "out" / student
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        res = run([self.bin, "run", "-a", self.autograder, "-o", out, "--no-logo",
                   self.notebooks[student]], cwd=self.root, env=self.env, cap=self.cap, log=self.log)
        try:
            tests = json.loads((out / "results.json").read_text())["tests"]
            self.single_scores[student] = float(sum(t["score"] for t in tests
                                                    if t.get("score") is not None))
        except (OSError, ValueError, KeyError, TypeError):
            self.single_scores[student] = None
        return res

    def batch(self, normal_only=False):
        subs = [self.notebooks[s] for s in sorted(self.notebooks)
                if not normal_only or s not in (HANG, CRASH)]
        # the outer cap per submission is inside the driver; this one only guards the whole
        res = run([self.py, self.root / "batch.py", self.autograder, self.cap, self.root, *subs],
                  cwd=self.root, env=self.env, cap=LONG, log=self.log)
        res.rows = [json.loads(line) for line in res.out.splitlines() if line.startswith("{")]
        return res


GRADER_BATCH = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from grader.assignments import get
from grader.engine import grade
try:  # prepare as `grader grade`'s grading processes do (shared sandbox box, pipelined requests)
    from grader.batch import _prepare
    _prepare()
except Exception as exc:
    print(f"# could not prepare like grader grade: {exc}", flush=True)
parts = sys.argv[2].split(",")
assignment = get()
for sub in sys.argv[3:]:
    t0 = time.perf_counter()
    r = grade(Path(sub), assignment, parts=parts, hidden=True)
    print(json.dumps({"sub": sub, "seconds": time.perf_counter() - t0, "score": r.score,
                      "max": r.max_score}), flush=True)
"""


class Grader:
    name = "grader"

    def __init__(self, scratch, students, notebooks, log, workers, src):
        self.root = scratch / "grader"
        self.subs = self.root / "submissions"
        self.normal = self.root / "normal"  # the same files but the hanging and the crashing one
        self.notebooks = {}
        for s in students:  # the very files nbgrader grades
            for folder in (self.subs, self.normal):
                if folder is self.normal and s[0] in (HANG, CRASH):
                    continue
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(notebooks[s[0]], folder / f"{s[0]}.ipynb")
            self.notebooks[s[0]] = self.subs / f"{s[0]}.ipynb"
        self.log, self.workers, self.src = log, workers, src
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = str(src)  # this grader, not another copy installed elsewhere
        self.base = [sys.executable, "-m", "grader"]
        where = run([sys.executable, "-c", "import grader; print(grader.__file__)"],
                    cwd=src, env=self.env).out
        if Path(where.strip()).resolve().parent.parent != Path(src).resolve():
            sys.exit(f"the grader imported from {src} is {where.strip()}")
        usage = run([*self.base, "grade", "--help"], cwd=src, env=self.env).out
        self.cli_parts = "PARTS" in usage.split("Options:")[0]
        self.rows = not self.cli_parts  # the driver prints each submission's time
        (self.root / "batch.py").write_text(GRADER_BATCH)
        self.batch_mode = (
            f"grader grade SUBMISSIONS adam dropout --workers {workers}" if self.cli_parts else
            "grader.engine.grade(path, get(), parts=['adam', 'dropout'], hidden=True) for each "
            "submission in one process (`grader grade` takes no PART arguments)")
        self.scores: dict[str, float] = {}

    def batch(self, normal_only=False):
        folder = self.normal if normal_only else self.subs
        if self.cli_parts:
            out = self.root / ("out-normal" if normal_only else "out")
            res = run([*self.base, "grade", folder, "adam", "dropout", "--out", out, "--regrade",
                       "--no-progress", "--workers", self.workers],
                      cwd=self.src, env=self.env, log=self.log)
            try:
                for row in csv.DictReader((out / "grades.csv").open()):
                    total = float(row["adam"]) + float(row["dropout"])
                    self.scores[Path(row["submission"]).stem] = total
            except (OSError, ValueError, KeyError):
                pass
        else:
            res = run([sys.executable, self.root / "batch.py", self.src, "adam,dropout",
                       *sorted(folder.glob("*.ipynb"))], cwd=self.src, env=self.env, log=self.log)
            for line in res.out.splitlines():
                if line.startswith("{"):
                    row = json.loads(line)
                    self.scores[Path(row["sub"]).stem] = row["score"]
        res.failed = "Traceback (most recent call last)" in res.out or res.rc not in (0, 1)
        return res

    def single(self, student):
        res = run([*self.base, "check", "adam", "dropout", "--path", self.notebooks[student]],
                  cwd=self.src, env=self.env, log=self.log)
        res.failed = "Traceback (most recent call last)" in res.out or res.rc not in (0, 1)
        return res


# -- the benchmark ----------------------------------------------------------------------------

def uptime() -> str:
    try:
        out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
        return out.strip()
    except OSError:
        return "load average: " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def grader_source(commit: str | None, scratch: Path) -> tuple[Path, str]:
    """The grader to time: the project folder as it is, or ``commit`` unpacked with
    ``git archive`` (read-only for the repository). Returns the folder and a label."""
    def git(*a):
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True,
                              check=False)

    if commit is None:
        head = git("rev-parse", "--short", "HEAD").stdout.strip() or "?"
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
        return ROOT, f"{ROOT} (commit {head}{', with uncommitted changes' if dirty else ''})"
    full = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    if full.returncode:
        sys.exit(f"--grader-commit: {commit} is not a commit of {ROOT}")
    dest = scratch / "grader-src"
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", full.stdout.strip()],
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest, f"commit {full.stdout.strip()[:10]} (git archive of {ROOT})"


def fmt(x, digits=2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def measure(r, args, names, tools, times, failed, in_batch) -> None:
    """One repetition: every tool's batches, then each submission on its own."""
    print(f"run {r + 1} of {args.repeat} ({uptime()}):", flush=True)
    for tool in tools:
        res = tool.batch()
        times.setdefault((tool.name, "batch"), []).append(res.seconds)
        failed[tool.name] = failed.get(tool.name, 0) + bool(getattr(res, "failed", False))
        lines = [line for line in res.out.splitlines() if line.startswith('{"sub"')]
        rows = {Path(row["sub"]).stem: row for row in map(json.loads, lines)} if tool.rows else {}
        for name, row in rows.items():
            in_batch.setdefault((tool.name, name), []).append(
                (row["seconds"], row.get("capped", False)))
        print(f"  {tool.name:<8} {'batch':<13} {res.seconds:7.1f} s", flush=True)
        if rows:  # the batch timed each submission: the others' share without a second batch
            normal = res.seconds - sum(rows[s]["seconds"] for s in (HANG, CRASH) if s in rows)
        else:
            normal = tool.batch(normal_only=True).seconds
            print(f"  {tool.name:<8} {'batch normal':<13} {normal:7.1f} s", flush=True)
        times.setdefault((tool.name, "batch normal"), []).append(normal)
        for s in names:
            res = tool.single(s)
            times.setdefault((tool.name, s), []).append(res.seconds)
            times.setdefault((tool.name, s, "capped"), []).append(res.capped)
            failed[tool.name] = failed.get(tool.name, 0) + bool(getattr(res, "failed", False))
        total = sum(times[(tool.name, s)][-1] for s in names)
        print(f"  {tool.name:<8} {'one at a time':<13} {total:7.1f} s for {len(names)}", flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def kill_tree_of_children() -> None:
    """After Ctrl-C: stop whatever this process started that is still running."""
    for pid in descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def ratio(peer, grader) -> str:
    return "-" if not peer or not grader else f"{peer / grader:.1f}x"


def score(x) -> str:
    return "-" if x is None else f"{x:g}"


def summarise(times, names) -> dict:
    """Per tool: seconds per submission in batch (all, and the ones that finish), the median
    one at a time over the ones that finish, the hanging and the crashing one's time."""
    normal = [s for s in names if s not in (HANG, CRASH)]
    n, k = len(names), len(normal)
    rows = {}
    for tool in ("nbgrader", "otter", "grader"):
        per = {s: med(times.get((tool, s), [])) for s in names}
        ball = med(times.get((tool, "batch"), []))
        bnorm = med(times.get((tool, "batch normal"), []))
        rows[tool] = {"batch all": ball / n if ball is not None else None,
                      "batch normal": bnorm / k if bnorm is not None and k else None,
                      "single": med([per[s] for s in normal]),
                      "hang": per.get(HANG), "crash": per.get(CRASH),
                      "hang capped": any(times.get((tool, HANG, "capped"), []))}
    return rows


def report(*, args, students, times, failed, in_batch, done, info, scores, log) -> None:
    names = [s[0] for s in students]
    n, k = len(names), len([s for s in names if s not in (HANG, CRASH)])
    rows = summarise(times, names)
    print()
    print(f"bench_peers: {n} two-function submissions (Adam + dropout): {k} that finish (correct or "
          f"one bug), {HANG} (adam_step loops forever), {CRASH} (dropout_mask segfaults)")
    print(f"medians of {done} complete run(s) of {args.repeat}, wall-clock seconds; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs, "
          f"{os.uname().sysname} {os.uname().release}; python {sys.version.split()[0]}")
    print(f"load before: {info['load before']}")
    print(f"load after:  {info['load after']}")
    print("versions: " + "; ".join(f"{tool} {v}" for tool, v in info["versions"].items()))
    print(f"time limits: nbgrader's default, 30 s per cell (Execute.timeout); otter has none "
          f"(otter run, otter.api): the benchmark stops it after {args.cap:g} s; the grader's own")
    print("otter grade, otter's batch command, runs every submission in Docker (not used here): "
          "otter's batch calls otter.api.grade_submission for each submission from one process")
    print(f"grader batch: {info['grader batch']}")
    print()
    print("seconds per submission. batch: the batch's time / its submissions (the ones that "
          "finish: a batch of them alone, or the batch's time less the other two's); one at a "
          "time: the median over the ones that finish, then the hanging and the crashing one")
    labels = {"nbgrader": ("nbgrader autograde", "nbgrader autograde --student X"),
              "otter": ("otter.api loop (no Docker)", "otter run"),
              "grader": (info["grader batch label"], "grader check adam dropout")}
    print(f"{'tool':<9} {'batch command':<27} {'all ' + str(n):>8} {'finish ' + str(k):>9}   "
          f"{'one at a time':<31} {'finish':>7} {HANG:>8} {CRASH:>8}")
    for tool, r in rows.items():
        hang = fmt(r["hang"], 1) + ("*" if r["hang capped"] else "")
        print(f"{tool:<9} {labels[tool][0]:<27} {fmt(r['batch all']):>8} "
              f"{fmt(r['batch normal']):>9}   {labels[tool][1]:<31} {fmt(r['single']):>7} "
              f"{hang:>8} {fmt(r['crash'], 1):>8}")
    if any(r["hang capped"] for r in rows.values()):
        print(f"  * stopped by the benchmark after {args.cap:g} s: the tool has no time limit")
    for tool in ("otter", "grader"):
        inside = in_batch.get((tool, HANG))
        if inside:
            stopped = " (stopped by the benchmark)" if any(x[1] for x in inside) else ""
            print(f"  {HANG} inside {tool}'s batch: {med([x[0] for x in inside]):.1f} s{stopped}")
    for tool, count in failed.items():
        if count:
            print(f"  WARNING: {count} {tool} run(s) failed (the tool's own traceback; see {log})")
    print()
    g = rows["grader"]
    for peer in ("nbgrader", "otter"):
        p = rows[peer]
        print(f"grader vs {peer:<8}: batch of {n} {ratio(p['batch all'], g['batch all'])}, "
              f"batch of the {k} that finish {ratio(p['batch normal'], g['batch normal'])}, "
              f"one at a time {ratio(p['single'], g['single'])}, "
              f"{HANG} one at a time {ratio(p['hang'], g['hang'])}, "
              f"{CRASH} {ratio(p['crash'], g['crash'])}  (the peer's time / the grader's)")
    print()
    print("scores: nbgrader and otter of 12 (the six tests, 2 points each); the grader of 22 "
          "(adam 12 + dropout 10, public and hidden checks, from its batch); -: no grade")
    print(f"{'':<8} {'adam_step':<20} {'dropout_mask':<14} {'dropout':<22} "
          f"{'nbgrader':>8} {'otter':>6} {'grader':>7}")
    for s, a, mk, d in students:
        print(f"{s:<8} {a:<20} {mk:<14} {d:<22} {score(scores['nbgrader'].get(s)):>8} "
              f"{score(scores['otter'].get(s)):>6} {score(scores['grader'].get(s)):>7}")
    print()
    print("every time (s), in run order:")
    for tool in ("nbgrader", "otter", "grader"):
        for label in ("batch", "batch normal"):
            values = times.get((tool, label), [])
            print(f"  {tool} {label}: " + ", ".join(f"{x:.1f}" for x in values))
        print(f"  {tool} one at a time: " + "; ".join(
            f"{s} " + "/".join(f"{x:.1f}" for x in times.get((tool, s), [])) for s in names))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3,
                    help="repetitions; medians are reported (default 3)")
    ap.add_argument("--venv", type=Path, default=None,
                    help="virtualenv for nbgrader and otter-grader: created if missing, reused if "
                         "present (default: a new one in the scratch folder)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--quick", action="store_true",
                    help=f"only {len(QUICK)} submissions (a smoke run)")
    ap.add_argument("--cap", type=float, default=30.0,
                    help="seconds after which the benchmark stops an otter grading (otter has no "
                         "time limit of its own; default 30, nbgrader's default per cell)")
    ap.add_argument("--workers", type=int, default=1,
                    help="grading processes for `grader grade` when it takes PART arguments "
                         "(default 1: nbgrader's batch is one process)")
    ap.add_argument("--grader-commit", metavar="REV", default=None,
                    help="time this commit of the grader (unpacked with git archive) instead of "
                         "the project folder as it is")
    args = ap.parse_args(argv)
    if sys.platform != "linux":
        sys.exit("bench_peers.py runs on Linux (it walks /proc to stop Jupyter kernels)")
    signal.signal(signal.SIGTERM, _interrupt)  # `timeout` or kill: report what was measured

    students = [s for s in SUBMISSIONS if not args.quick or s[0] in QUICK]
    names = [s[0] for s in students]
    scratch = Path(tempfile.mkdtemp(prefix="bench_peers_"))
    log = scratch / "commands.log"
    info = {"load before": uptime()}
    print(f"scratch folder {scratch} (every command and its output: {log})")
    try:
        src, grader_label = grader_source(args.grader_commit, scratch)
        venv = (args.venv or scratch / "venv").resolve()
        py = ensure_venv(venv, log)
        info["versions"] = {"nbgrader": version(py, "nbgrader"),
                            "otter-grader": version(py, "otter-grader"),
                            "nbclient": version(py, "nbclient"),
                            "ipykernel": version(py, "ipykernel"), "grader": grader_label}
        print("building the assignment for each tool ...", flush=True)
        nbg = Nbgrader(venv, scratch, students, log)
        ott = Otter(venv, scratch, students, log, args.cap)
        grd = Grader(scratch, students, nbg.notebooks, log, args.workers, src)
        info["grader batch"] = grd.batch_mode
        info["grader batch label"] = ("grader grade adam dropout" if grd.cli_parts
                                      else "grader.engine.grade loop")
        print(f"grader batch: {grd.batch_mode}")

        # one untimed warm-up per command: disk caches, a first kernel, the grader's examples
        print("warming up ...", flush=True)
        for tool in (nbg, ott, grd):
            tool.single(names[0])
        grd.batch(normal_only=True)

        times: dict[tuple, list] = {}
        failed: dict[str, int] = {}
        in_batch: dict[tuple, list] = {}  # (tool, submission): seconds inside a batch, where known
        done = 0
        try:
            for r in range(args.repeat):
                measure(r, args, names, (nbg, ott, grd), times, failed, in_batch)
                done += 1
        except KeyboardInterrupt:  # report what has been measured so far
            print(f"interrupted: the report covers the {done} complete run(s) and the part of "
                  f"run {done + 1} measured so far", flush=True)
            kill_tree_of_children()
        info["load after"] = uptime()
        scores = {"nbgrader": nbg.scores(), "otter": ott.single_scores, "grader": grd.scores}
        report(args=args, students=students, times=times, failed=failed, in_batch=in_batch,
               done=done, info=info, scores=scores, log=log)
        return 0
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
