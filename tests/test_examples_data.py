"""The property checks' examples are recorded data (issue 11.9), read safely (12.8).

Grading never draws with hypothesis: every property reads the examples recorded by
``grader record --examples`` from ``grader/reference_data``; a submission meets the
same examples, and gets the same score, under any versions of Python, numpy and
hypothesis.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from grader import examples_data as ed
from grader.checking import Settings, example, run_examples
from grader.errors import Failure
from grader.assignments import get as _assignment

TRAINING_DATA = _assignment("training").data_dir
from grader.sandbox.runner import CallFailed

from .helpers import ROOT, SOLUTIONS, assignment, copy_solutions, grade_path

ALL = Settings()


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of the recorded data, used by grading (GRADER_REFERENCE_DIR)."""
    root = tmp_path / "data"
    shutil.copytree(TRAINING_DATA, root / "training")
    monkeypatch.setenv("GRADER_REFERENCE_DIR", str(root))
    ed.clear()
    from grader.reference import _load
    _load.cache_clear()
    yield root / "training"
    ed.clear()
    _load.cache_clear()


# -- every property has its recorded examples -------------------------------------------------

def _graded_properties(settings, monkeypatch):
    """Grade the solution (hidden checks too) and return, for every property it ran,
    (part, check, index, fingerprint now, recorded entry)."""
    seen = []
    real = ed.examples

    def spy(strategy, body, max_examples):
        scope = ed._scope.get()
        index = scope.count
        found = real(strategy, body, max_examples)
        entry = ed.load(scope.assignment, scope.part, scope.hidden)[scope.check][index]
        seen.append((scope.part, scope.hidden, scope.check, index,
                     ed.fingerprint(strategy, body), entry, strategy, found))
        return found
    monkeypatch.setattr(ed, "examples", spy)
    result = grade_path(SOLUTIONS, hidden=True, settings=settings)
    return result, seen


@pytest.mark.slow
def test_every_property_of_every_part_has_recorded_examples_that_validate(monkeypatch):
    """Grading the reference solution runs every property of every part on recorded
    examples only (no AuthoringError), each property's fingerprint matches the code
    (a strategy that changed without `grader record --examples` fails here), every
    recorded entry is used, the solution passes on them, and, under the hypothesis
    version that recorded them, they are exactly what the strategy draws."""
    import hypothesis

    from grader.checking import draw_examples

    result, seen = _graded_properties(ALL, monkeypatch)
    assert all(p.full for p in result.parts), [(p.id, p.score) for p in result.parts]
    assert seen, "no property ran"
    stale = [(part, check, index) for part, _h, check, index, now, entry, _s, _f in seen
             if now != entry["fingerprint"]]
    assert not stale, f"strategies changed without `grader record --examples`: {stale}"
    used = {(part, hidden, check, index) for part, hidden, check, index, *_ in seen}
    for part in assignment().parts:
        for hidden in (False, True):
            if not ed.path_for("training", part.id, hidden).exists():
                continue
            for check, entries in ed.load("training", part.id, hidden).items():
                for index, entry in enumerate(entries):
                    assert (part.id, hidden, check, index) in used, f"unused: {part.id}: {check}"
                    assert set(entry["examples"]) == set(ed.BUDGETS)
                    for budget, examples in entry["examples"].items():
                        assert 1 <= len(examples) <= budget
    metas = {json.loads(ed.path_for("training", p.id, False).read_text())["meta"]["hypothesis"]
             for p in assignment().parts if ed.path_for("training", p.id, False).exists()}
    if metas == {hypothesis.__version__}:
        for part, _h, check, index, _now, entry, strategy, _f in seen:
            for budget, examples in entry["examples"].items():
                drawn = draw_examples(strategy, budget)
                assert ed.identical(list(examples), drawn), (part, check, index, budget)


@pytest.mark.slow
@pytest.mark.parametrize("budget", [8, 5, 3])
def test_small_budgets_use_recorded_examples(budget, monkeypatch):
    """Every budget reads recorded examples (a budget not recorded: the first ones of
    the next recorded budget above it)."""
    result, seen = _graded_properties(Settings(max_examples=budget), monkeypatch)
    assert all(p.full for p in result.parts)
    for *_, entry, _s, found in seen:
        assert ed.identical(tuple(found), ed.pick(entry["examples"], budget))
        assert len(found) <= budget


def test_grading_never_draws_with_hypothesis(monkeypatch):
    """A whole part is graded, mistakes found, with hypothesis unable to draw."""
    import hypothesis

    from grader import checking

    def refuse(*a, **k):
        raise AssertionError("hypothesis was asked to draw while grading")
    monkeypatch.setattr(hypothesis, "given", refuse)
    monkeypatch.setattr(checking, "draw_examples", refuse)
    result = grade_path(SOLUTIONS, parts=["adam", "batchnorm_train"], settings=ALL)
    assert result.part("adam").full and result.part("batchnorm_train").full


NO_HYPOTHESIS = r"""
import sys
from grader.assignments import all_assignments
from grader.checking import Settings
from grader.engine import grade
for a in all_assignments():
    result = grade(a.solutions_dir, a, hidden=True, settings=Settings(max_examples=5))
    assert all(p.full for p in result.parts), (a.name, [(p.id, p.error) for p in result.parts])
print(sorted(m for m in sys.modules if m.split(".")[0] == "hypothesis"))
"""


def test_grading_does_not_even_import_hypothesis():
    """Issue 15.4: the assignments' strategies are described without hypothesis
    (grader.lazy_hypothesis) and never built while grading, so grading every part of
    every assignment, hidden checks too, does not import it (a tenth of a `grader
    check` was importing it, building strategies and tearing it down at exit)."""
    proc = subprocess.run([sys.executable, "-c", NO_HYPOTHESIS], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


LAZY_MODULE = """
import numpy as np
from grader.lazy_hypothesis import hnp, st

RATES = st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0.0, 1.0)
SHAPES = st.one_of(st.tuples(st.integers(1, 3)), st.tuples(st.integers(1, 2), st.integers(1, 2)))


def grid(lo, hi):
    return st.integers(lo * 8, hi * 8).map(lambda k: k / 8)


@st.composite
def inner(draw, n=2):
    return draw(st.lists(grid(-1, 1), min_size=n, max_size=n))


@st.composite
def example(draw, scale=1.0):
    shape = draw(SHAPES)
    return (draw(RATES) * scale, draw(inner(n=len(shape))), draw(hnp.arrays(np.bool_, shape)))
"""

LAZY_DRAW = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "hypothesis first":
    import hypothesis.strategies
import lazy_example as m
from grader import examples_data as ed
from grader import lazy_hypothesis
described = m.example(scale=2.0)
kinds = [type(m.RATES).__name__, type(described).__name__]
imported = "hypothesis" in sys.modules
from grader.checking import draw_examples
body = lambda ex: None
print(json.dumps({"kinds": kinds, "imported before drawing": imported,
                  "fingerprint": ed.fingerprint(described, body),
                  "drawn": ed.encode(draw_examples(described, 12)),
                  "module strategies made real": type(m.RATES).__name__}))
"""


def test_strategies_described_without_hypothesis_are_hypothesis_s_own_when_built(tmp_path):
    """A module declaring its strategies with grader.lazy_hypothesis imports no
    hypothesis: module-level strategies and composite calls are descriptions. Built
    (to record examples or take a fingerprint), they are exactly what the same code
    gives with hypothesis imported first: the same fingerprint, the same examples;
    and the module-level strategies the composites draw from become real in place."""
    (tmp_path / "lazy_example.py").write_text(LAZY_MODULE, encoding="utf-8")
    runs = {}
    for order in ("lazy", "hypothesis first"):
        proc = subprocess.run([sys.executable, "-c", LAZY_DRAW, str(tmp_path), order],
                              capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[order] = json.loads(proc.stdout.strip().splitlines()[-1])
    lazy, eager = runs["lazy"], runs["hypothesis first"]
    assert lazy["kinds"] == ["Deferred", "Deferred"] and not lazy["imported before drawing"]
    assert eager["kinds"] == ["OneOfStrategy", "LazyStrategy"]
    assert lazy["module strategies made real"] == eager["module strategies made real"] == "OneOfStrategy"
    assert lazy["fingerprint"] == eager["fingerprint"]
    assert lazy["drawn"] == eager["drawn"] and len(lazy["drawn"]) == 12


def test_a_property_without_recorded_examples_is_an_authoring_error():
    """Outside a check, or a check with no (or fewer) recorded properties: never drawn
    silently, never a pass."""
    from hypothesis import strategies as st

    from grader.checking import run_property

    with pytest.raises(ed.AuthoringError):
        run_property(st.integers(), lambda ex: None, max_examples=5, describe=repr)
    with ed.scope("training", "adam", "a check that was never recorded", False):
        with pytest.raises(ed.AuthoringError, match="no recorded examples"):
            run_property(st.integers(), lambda ex: None, max_examples=5, describe=repr)


def test_a_property_reports_its_smallest_failing_example():
    """The smallest failing example (fewest numbers, then smallest magnitudes, then the
    first) is reported; an exception stops at once, at the first example that raises.
    (Moved from test_batch.py, where it tested the process cache of drawn examples.)"""
    examples = ([5, 60], [70], [1, 2, 3], [90, 1], [51], [100, 100, 100])
    seen = []
    wrong = {"raise": False}

    def body(ex):
        seen.append(list(ex))
        if sum(ex) > 50 and wrong["raise"]:
            raise CallFailed("exception", "ValueError: too big", "Traceback ...")
        if sum(ex) > 50:
            raise Failure(f"sum {sum(ex)} > 50")

    with pytest.raises(Failure) as failed:
        run_examples(examples, body, describe=lambda ex: ex)
    assert (failed.value.message, failed.value.example) == ("sum 51 > 50", [51])
    assert len(seen) == len(examples)
    seen.clear()
    wrong["raise"] = True
    with pytest.raises(Failure) as raised:
        run_examples(examples, body, describe=lambda ex: example(repr(ex)))
    assert seen == [[5, 60]] and "ValueError: too big" in raised.value.message
    assert raised.value.example.inputs == repr([5, 60]) and raised.value.example.error == "Traceback ..."


# -- the file format -------------------------------------------------------------------------

def test_examples_come_back_exactly():
    """dtype, shape, raw bytes (signed zeros, NaN payloads), numpy scalars, tuples,
    dicts, non-finite floats."""
    nan_payload = np.frombuffer(np.array([0x7FF8000000000123], dtype=np.uint64).tobytes(), np.float64)
    value = ([np.array([-0.0, 0.0, np.inf], np.float32), nan_payload, np.zeros((0, 3), np.float16),
              np.array([[1, -2]], np.int64), np.array(True)],
             {"lr": -0.0, "eps": float("nan"), "big": float("-inf"), "n": 3, "s": np.float32(1.5),
              "flag": False, "none": None},
             (0.1, 1e-300))
    back = ed.exact_copy(value)
    assert ed.identical(back, value)
    assert type(back[1]["s"]) is np.float32 and np.signbit(back[0][0][0]) and not np.signbit(back[0][0][1])
    assert back[0][1].tobytes() == nan_payload.tobytes()
    assert not ed.identical(ed.exact_copy(-0.0), 0.0)
    with pytest.raises(TypeError):
        ed.encode(np.array(["a"]))
    for bad in ({"array": ["object", [1], ""]}, {"array": ["float64", [2], "AAAA"]},
                {"float": "1.0"}, {"pickle": "x"}, {"array": ["float64", [-1], ""]},
                {"tuple": [1], "dict": {}}):
        with pytest.raises(ValueError):
            ed.decode(bad)


def test_recorded_data_decoded_when_used_is_exact_and_checked_when_used():
    """Issue 15.4: a case's mistakes and variants, and the early-stopping outcomes, are
    decoded when a check first uses them (most checks pass and never do): the same
    values as decoding at once; malformed, the grader's error (AuthoringError, naming
    the file) when used, never a student's 0 or a crash."""
    from grader.reference import Recorded
    from grader.sandbox import wire

    mistakes = {"m1": {"params": [np.array([-0.0, np.nan], np.float32)]}, "m2": {"t": (1, 2.5)}}
    lazy = Recorded(wire.encode(mistakes), "adam.json")
    assert set(lazy) == {"m1", "m2"} and len(lazy) == 2 and "m1" in lazy and "x" not in lazy
    assert ed.identical(lazy["m1"]["params"][0], mistakes["m1"]["params"][0])
    assert lazy.get("m2") == {"t": (1, 2.5)} and lazy.get("x") is None
    assert Recorded({}, "adam.json") == {}
    bad = Recorded({"m1": {"__nd__": ["object", [1], ""]}}, "adam.json")
    with pytest.raises(ed.AuthoringError, match="adam.json is malformed"):
        bad.get("m1")
    outcomes = ed.Decoded({"k1": ed.encode({"runs": [1.5]}), "k2": {"pickle": "x"}}, "an outcome")
    assert list(outcomes) == ["k1", "k2"] and outcomes["k1"] == {"runs": [1.5]}
    assert outcomes.get("k3") is None
    with pytest.raises(ed.AuthoringError, match="an outcome is malformed"):
        outcomes["k2"]


# -- 12.8: the data files cannot be turned into a trap -------------------------------------------

def _grade_adam():
    return grade_path(SOLUTIONS, parts=["adam"], hidden=False, settings=ALL)


def _within(seconds, fn):
    """fn() in a thread; fails (instead of hanging the test run) if it blocks."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001
            out["error"] = exc
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"blocked for more than {seconds} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


@pytest.mark.parametrize("plant", ["fifo", "symlink", "directory", "empty list", "no entry",
                                   "wrong structure", "not json", "huge"])
def test_a_planted_or_malformed_examples_file_is_an_authoring_error(plant, data_copy):
    """FIFOs (never opened blocking), symbolic links, folders, `examples: []`, a check
    without its entry, wrongly shaped examples, garbage, an oversized file: each is
    refused as the grader's error (AuthoringError), never a 0 for the student and
    never a silent pass; and put back, the file grades again."""
    path = data_copy / "adam.examples.json"
    good = path.read_bytes()
    doc = json.loads(good)
    check = next(iter(doc["checks"]))
    path.unlink()
    if plant == "fifo":
        os.mkfifo(path)
    elif plant == "symlink":
        (data_copy / "elsewhere.json").write_bytes(good)
        path.symlink_to(data_copy / "elsewhere.json")
    elif plant == "directory":
        path.mkdir()
    elif plant == "empty list":
        for entry in doc["checks"][check]:
            entry["examples"] = {b: [] for b in entry["examples"]}
        path.write_text(json.dumps(doc))
    elif plant == "no entry":
        doc["checks"][check] = []
        path.write_text(json.dumps(doc))
    elif plant == "wrong structure":
        entry = doc["checks"][check][0]
        budget = next(iter(entry["examples"]))
        entry["examples"][budget][0] = {"tuple": [1.0]}
        path.write_text(json.dumps(doc))
    elif plant == "not json":
        path.write_bytes(b"{not json")
    elif plant == "huge":
        with open(path, "wb") as f:
            f.truncate(ed.MAX_FILE_BYTES + 1)
    with pytest.raises(ed.AuthoringError) as err:
        _within(60, _grade_adam)
    assert "recorded examples" in str(err.value) and str(data_copy) not in str(err.value)
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    else:
        path.unlink()
    path.write_bytes(good)
    ed.clear()
    assert _within(120, _grade_adam).part("adam").full


def test_a_fifo_in_place_of_the_reference_is_refused_without_blocking(data_copy):
    """The recorded reference is read the same way."""
    from grader.reference import _load

    path = data_copy / "adam.json"
    path.unlink()
    os.mkfifo(path)
    _load.cache_clear()
    with pytest.raises(ed.AuthoringError, match="cannot be read"):
        _within(60, _grade_adam)


def test_hidden_examples_stay_out_of_the_student_bundle(tmp_path):
    """Public examples ship with the student's grader, hidden ones never (the same rule
    as hidden reference cases)."""
    from grader.release import _ignore, copy_grader

    assert _ignore(str(TRAINING_DATA), ["adam.examples.hidden.json", "adam.examples.json"]) \
        == {"adam.examples.hidden.json"}
    copy_grader(tmp_path / "grader", hidden=False)
    shipped = {p.name for p in (tmp_path / "grader" / "assignments" / "training" / "reference").iterdir()}
    assert "adam.examples.json" in shipped
    assert not [n for n in shipped if n.endswith(".hidden.json")]


# -- 11.9: the same grade under the oldest supported numpy and hypothesis -----------------------

OLDEST = ("numpy==1.24.4", "hypothesis==6.100.0")

SCORES = r"""
import json, sys
from pathlib import Path
import numpy, hypothesis
from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade
A = get("training")
out = {"versions": [numpy.__version__, hypothesis.__version__]}
for sub in sorted(Path(sys.argv[1]).iterdir()):
    r = grade(sub, A, hidden=True, settings=Settings())
    out[sub.name] = {p.id: [p.score, [[c.name, c.passed, c.points] for c in p.checks]] for p in r.parts}
print(json.dumps(out, sort_keys=True))
"""


def _scores(python: str, cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    proc = subprocess.run([python, "-c", SCORES, str(ROOT / "examples" / "submissions")],
                          capture_output=True, text=True, timeout=1500, cwd=cwd, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_example_submissions_score_the_same_under_the_oldest_numpy_and_hypothesis(tmp_path):
    """A clean venv (no system site-packages) with the oldest versions pyproject allows
    (numpy 1.24, hypothesis 6.100) grades examples/submissions exactly as this
    environment does. (Those versions draw other examples than today's: grading used
    to depend on them.)"""
    import tempfile

    venv = Path(os.environ.get("GRADER_OLDEST_VENV") or Path(tempfile.gettempdir()) /
                f"grader-oldest-py{sys.version_info[0]}{sys.version_info[1]}")
    python = venv / "bin" / "python"
    if not python.exists():  # a clean venv: it must not see this environment's numpy
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
    build = tmp_path / "project"
    shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "*.egg-info", "build", "out", ".pytest_cache", ".hypothesis"))
    for args in ([*OLDEST, str(build)], ["--no-deps", "--force-reinstall", str(build)]):
        pip = subprocess.run([str(python), "-m", "pip", "install", "-q", *args],
                             capture_output=True, text=True, timeout=1500, check=False)
        if pip.returncode != 0:
            pytest.skip(f"could not install the oldest versions here: {pip.stderr.strip()[-300:]}")
    old = _scores(str(python), tmp_path)
    new = _scores(sys.executable, tmp_path)
    assert old.pop("versions") == ["1.24.4", "6.100.0"]
    assert new.pop("versions")[0] == np.__version__
    assert old == new


PLANTER = '''
import os

DATA = {data!r}
for attempt in ("fifo", "write", "replace", "unlink", "symlink"):
    target = os.path.join(DATA, "adam.examples.json")
    try:
        if attempt == "fifo":
            os.mkfifo(target + ".planted")
        elif attempt == "write":
            with open(target, "w") as f:
                f.write("{{}}")
        elif attempt == "replace":
            with open("/tmp/x.json", "w") as f:
                f.write("{{}}")
            os.replace("/tmp/x.json", target)
        elif attempt == "unlink":
            os.unlink(target)
        else:
            os.symlink("/dev/zero", target + ".link")
        print("PLANTED", attempt)
    except BaseException as exc:
        print("refused", attempt, type(exc).__name__)
'''


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["fallback", pytest.param("bwrap", marks=pytest.mark.skipif(
    not __import__("grader.sandbox.runner", fromlist=["bwrap_status"]).bwrap_status()[0],
    reason="bubblewrap cannot run here"))])
def test_a_worker_cannot_plant_anything_in_the_recorded_data(runner, tmp_path):
    """The recorded examples are out of every worker's reach: a submission trying to
    plant a FIFO, overwrite, replace, delete or link them changes nothing."""
    from grader.sandbox.runner import Limits

    data = TRAINING_DATA
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    sub = copy_solutions(tmp_path / "sub")
    (sub / "optimizers.py").write_text((sub / "optimizers.py").read_text(encoding="utf-8")
                                       + PLANTER.format(data=str(data)), encoding="utf-8")
    result = grade_path(sub, parts=["adam"], hidden=False, settings=Settings(max_examples=5),
                        limits=Limits(runner=runner, submission_seconds=60))
    assert "PLANTED" not in result.output, result.output
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    assert result.part("adam").full
