"""The lr_schedules assignment graded end to end: the solutions score 100, the stubs 0,
every known mistake loses points in its own part only and is named there (and no other
name shows), trivial code earns nothing, the probes and texts are sound, and the
recorded reference is current (against the mistakes' code; against live Keras with
``tf``)."""

from __future__ import annotations

import math
import shutil
import textwrap
from pathlib import Path

import pytest

from grader.assignments import get
from grader.assignments.lr_schedules import plateau as P
from grader.assignments.lr_schedules import schedules as S
from grader.assignments.lr_schedules.authoring import mistakes as M
from grader.checking import Settings
from grader.declaration import ko
from grader.engine import grade
from grader.reference import load_cases

from .test_lr_schedules_reference import FUNCTIONS, PLATEAU

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "lr_schedules"
FAST = Settings(max_examples=8)
ASSIGNMENT = "lr_schedules"


def assignment():
    return get(ASSIGNMENT)


def copy_solutions(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for p in SOLUTIONS.glob("*.py"):
        shutil.copyfile(p, dest / p.name)
    return dest


def mutant(dest: Path, mistake) -> Path:
    """The solutions with the mistake's function or class bound to the student's name
    (the whole mistakes module is appended, so its helpers come along)."""
    copy_solutions(dest)
    if mistake.part == "reduce_lr_on_plateau":
        module, name = "plateau", P.CLASS
    else:
        module, name = "schedules", S.PARTS[mistake.part][0]
    path = dest / f"{module}.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n# --- mutant ---\n"
                    + Path(M.__file__).read_text(encoding="utf-8")
                    + f"\n\n{name} = {mistake.impl.__name__}\n", encoding="utf-8")
    return dest


def grade_path(path, parts=None):
    return grade(path, assignment(), parts=parts, hidden=True, settings=FAST)


def lost_points(result) -> dict:
    return {p.id: round(p.max_score - p.score, 4) for p in result.parts if not p.full}


def diagnoses(result) -> set:
    return {c.diagnosis for p in result.parts for c in p.checks if c.diagnosis}


def _ids(mistakes):
    return [f"{m.part}-{m.id}" for m in mistakes]


ALL_MISTAKES = [m for part in M.MISTAKES for m in M.MISTAKES[part]]
TRIVIAL = [m for part in M.TRIVIAL for m in M.TRIVIAL[part]]


@pytest.fixture(scope="module")
def solution_result(tmp_path_factory):
    return grade_path(copy_solutions(tmp_path_factory.mktemp("solution")))


def test_declaration():
    a = assignment()
    assert [p.id for p in a.parts] == ["exponential_decay", "piecewise_constant",
                                       "inverse_time_decay", "cosine_decay",
                                       "reduce_lr_on_plateau"]
    assert [p.points for p in a.parts] == [15, 10, 10, 20, 45]
    assert [p.module for p in a.parts] == ["schedules"] * 4 + ["plateau"]
    assert a.names_of("schedules") == ("exponential_decay", "piecewise_constant_decay",
                                       "inverse_time_decay", "cosine_decay")
    assert a.names_of("plateau") == ("ReduceLROnPlateau",)


def test_solution_scores_full_marks(solution_result):
    for part in solution_result.parts:
        assert part.full, [(c.name, c.message) for c in part.checks if not c.passed]
        assert any(c.hidden for c in part.checks), part.id
    assert round(sum(p.score for p in solution_result.parts), 6) == 100


def test_stubs_are_current_and_score_zero():
    from grader.authoring.stubs import generate

    assert generate(ASSIGNMENT, check=True) == []
    result = grade_path(ROOT / "assignments" / ASSIGNMENT)
    assert sum(p.score for p in result.parts) == 0
    assert all("NotImplementedError" in p.error for p in result.parts)


def test_the_filled_notebook_scores_full_marks(tmp_path):
    """The generated notebook with the solutions in place of the stubs grades as the
    solutions do (one cell per part, run in order)."""
    from grader.authoring import notebook

    path = tmp_path / "lr_schedules.ipynb"
    path.write_text(notebook.text(assignment(), filled=True), encoding="utf-8")
    result = grade_path(path)
    assert all(p.full for p in result.parts), lost_points(result)


@pytest.mark.slow
@pytest.mark.parametrize("mistake", ALL_MISTAKES, ids=_ids(ALL_MISTAKES))
def test_mistake_loses_points_only_in_its_part_and_is_named(mistake, tmp_path):
    result = grade_path(mutant(tmp_path / "sub", mistake))
    lost = lost_points(result)
    assert set(lost) == {mistake.part}, lost
    assert diagnoses(result) == {mistake.id}, diagnoses(result)
    part = result.part(mistake.part)
    assert any(c.diagnosis == mistake.id and not c.hidden for c in part.checks)  # in `check`
    hints = P.HINTS if mistake.part == "reduce_lr_on_plateau" else S.HINTS[mistake.part]
    assert {c.hint for c in part.checks if c.diagnosis == mistake.id} == {hints[mistake.id]}


@pytest.mark.slow
@pytest.mark.parametrize("mistake", TRIVIAL, ids=_ids(TRIVIAL))
def test_trivial_code_earns_nothing(mistake, tmp_path):
    result = grade_path(mutant(tmp_path / "sub", mistake), parts=[mistake.part])
    part = result.part(mistake.part)
    assert part.score == 0, [(c.name, c.points) for c in part.checks]
    assert all(d.startswith("ignores:") for d in diagnoses(result)), diagnoses(result)


@pytest.mark.parametrize("mistake", [m for ms in M.ACCEPTED.values() for m in ms],
                         ids=lambda m: m.id)
def test_accepted_variants_score_full_marks(mistake, tmp_path):
    result = grade_path(mutant(tmp_path / "sub", mistake), parts=[mistake.part])
    assert result.part(mistake.part).full, lost_points(result)


def test_every_mistake_has_a_hint_in_english_and_korean():
    for part, mistakes in M.MISTAKES.items():
        hints = P.HINTS if part == "reduce_lr_on_plateau" else S.HINTS[part]
        assert {m.id for m in mistakes} == set(hints), part
        for text in hints.values():
            assert ko(text) != str(text) and ko(text)


def test_every_title_and_check_name_has_korean():
    for part in assignment().parts:
        assert ko(part.title) != str(part.title)
        assert part.concept is not None and ko(part.concept) != str(part.concept)
        for check in part.checks:
            assert ko(check.name) != str(check.name), check.name


# -- the ignored-argument probes, on the solution and on the mistakes -------------------------

def _schedule_probe_calls():
    for part_id, probes in S.PROBES.items():
        for probe in probes:
            yield part_id, probe


@pytest.mark.parametrize("part_id, probe", list(_schedule_probe_calls()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_schedule_probes_see_every_argument(part_id, probe):
    """Every alternative changes the solution's rate, and that of every known mistake
    that does not ignore the argument by definition (else a wrong name would show)."""
    fns = [("solution", FUNCTIONS[part_id])] + [
        (m.id, m.impl) for m in M.MISTAKES[part_id] if m.id not in probe.keeps]
    for name, fn in fns:
        try:
            base = fn(**probe.kwargs)
        except ValueError:      # a probe whose first call raises proves nothing (skipped)
            continue
        for arg, value in probe.alternatives.items():
            other = fn(**{**probe.kwargs, arg: value})
            assert not math.isclose(base, other, rel_tol=1e-12), (name, arg)


def test_plateau_probe_sees_every_argument():
    import warnings

    from grader.assignments.lr_schedules.drivers import plateau_script

    probe = P.PROBES[0]
    script = P.PROBE_SCRIPT
    logs = [{k: v[e] for k, v in script.items()} for e in range(len(script["loss"]))]

    def out(cls, init):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = plateau_script(cls, {"init": init, "initial_lr": 0.5, "trainings": [logs]})
        return [[rec[f] for f in ("lr", "wait", "cooldown_counter")]
                for _, _, rec in P._records(r)]

    classes = [("solution", PLATEAU.ReduceLROnPlateau)] + [
        (m.id, m.impl) for m in M.MISTAKES["reduce_lr_on_plateau"] if m.id not in probe.keeps
        and m.id != "plateau_no_factor_check"]
    for name, cls in classes:
        base = out(cls, probe.kwargs)
        for arg, value in probe.alternatives.items():
            assert out(cls, {**probe.kwargs, arg: value}) != base, (name, arg)


# -- the recorded reference ---------------------------------------------------------------------

def _recorded():
    for part in assignment().parts:
        for hidden in (False, True):
            yield part.id, hidden, load_cases(ASSIGNMENT, part.id, hidden)


def test_recorded_mistakes_are_current():
    """Each case's recorded mistakes are what the mistakes' code does now (else run
    ``grader record --assignment lr_schedules``)."""
    from grader.assignments.lr_schedules.authoring import record_cases as R

    for part_id, hidden, cases in _recorded():
        assert cases, (part_id, hidden)
        for case in cases:
            if part_id == "reduce_lr_on_plateau":
                now = R.plateau_mistakes(case.inputs)
                assert set(now) == set(case.mistakes)
                for mid, rec in case.mistakes.items():
                    assert P.difference(now[mid], rec) is None, (case.id, mid)
            else:
                assert R.schedule_mistakes(part_id)(case.inputs) == case.mistakes, case.id


@pytest.mark.tf
@pytest.mark.slow
def test_recorded_reference_agrees_with_live_keras(tf):
    from grader.assignments.lr_schedules.authoring.keras_reference import (
        keras_plateau,
        keras_schedule_values,
    )

    for part_id, _hidden, cases in _recorded():
        for case in cases:
            if part_id == "reduce_lr_on_plateau":
                assert P.difference(keras_plateau(case.inputs), case.expected) is None, case.id
                continue
            try:
                now = {"values": keras_schedule_values(part_id, case.inputs["kwargs"],
                                                       case.inputs["steps"])}
            except ValueError:
                now = {"raises": "ValueError"}
            assert now == case.expected, case.id


@pytest.mark.parametrize("line", ["import keras", "from tensorflow import keras",
                                  "import torch"])
def test_the_frameworks_are_refused(line, tmp_path):
    """Course policy declared by the assignment: numpy and the standard library only; a
    module importing Keras (whose schedules are the reference) scores 0 in its parts,
    saying why, and the other module is graded as usual."""
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "schedules.py"
    path.write_text(f"{line}\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = grade(sub, assignment(), parts=["exponential_decay", "reduce_lr_on_plateau"],
                   hidden=False, settings=Settings(max_examples=3))
    schedule, plateau = result.parts
    assert schedule.score == 0 and "only numpy" in schedule.error
    assert plateau.full


# -- hostile submissions (red-team review: findings 2 and 3) -------------------------------------
#
# The plateau driver runs in the student's process: its result is the student's output. A
# NaN rate, a rate written past the optimizer's setter, a replaced driver, a huge int
# returned by a schedule: each is graded (the affected checks fail, with a message), and
# the other parts are untouched. More in tests/test_hostile_drivers.py.

PLATEAU_STUB = '''
class ReduceLROnPlateau:
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        if factor >= 1.0:
            raise ValueError("factor >= 1.0")
        self.monitor = monitor
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None
        {begin}

    def on_epoch_end(self, epoch, logs=None):
        v = (logs or {{}}).get(self.monitor)
        if v is not None:
            self.best = v
        {end}

    def on_train_end(self, logs=None):
        pass
'''


def _plateau_submission(dest: Path, begin="pass", end="pass", prefix="") -> Path:
    copy_solutions(dest)
    (dest / "plateau.py").write_text(prefix + PLATEAU_STUB.format(begin=begin, end=end),
                                     encoding="utf-8")
    return dest


def test_a_nan_rate_earns_nothing(tmp_path):
    """Finding 2: no plateau logic, the rate set to NaN: every "the rate changed by more
    than the tolerance" was False for NaN, and the three property checks passed."""
    sub = _plateau_submission(tmp_path / "sub",
                              begin='self.model.optimizer.learning_rate = float("nan")')
    result = grade_path(sub, parts=["reduce_lr_on_plateau"])
    part = result.part("reduce_lr_on_plateau")
    assert part.score == 0, [(c.name, c.points) for c in part.checks]
    properties = [c for c in part.checks if "finite number" in c.message]
    assert len(properties) == 3, [c.message for c in part.checks]


@pytest.mark.parametrize("field", ["wait", "cooldown_counter"])
def test_a_nan_counter_fails_the_properties(field, tmp_path):
    sub = _plateau_submission(tmp_path / "sub", end=f'self.{field} = float("nan")')
    part = grade_path(sub, parts=["reduce_lr_on_plateau"]).part("reduce_lr_on_plateau")
    assert part.score == 0, [(c.name, c.points) for c in part.checks]


def test_a_huge_rate_past_the_setter_is_graded(tmp_path):
    """Finding 3 (crash_plateau_lr): the optimizer's slot set to 10**400 past its float32
    setter once crashed the grader (OverflowError); now the plateau part scores 0, saying
    why, and the schedules are graded as usual."""
    sub = _plateau_submission(tmp_path / "sub",
                              end='object.__setattr__(self.model.optimizer, "_lr", 10 ** 400)')
    result = grade_path(sub)
    assert lost_points(result) == {"reduce_lr_on_plateau": 45}, lost_points(result)
    part = result.part("reduce_lr_on_plateau")
    assert "the learning rate is an int too large" in part.checks[0].message


#: What a replaced plateau_script returns (the payload is its second argument).
FORGED = {
    "a list": '["not", "a", "dict"]',
    "no epochs at all": '{"trainings": [], "raised": None}',
    "empty trainings": '{"trainings": [[] for _ in payload["trainings"]], "raised": None}',
    "a rate as text": ('{"trainings": [[{"lr": "0.1", "wait": 0, "cooldown_counter": 0, '
                       '"best": None} for _ in t] for t in payload["trainings"]], '
                       '"raised": None}'),
    "records without best": ('{"trainings": [[{"lr": 0.1, "wait": 0, "cooldown_counter": 0}'
                             ' for _ in t] for t in payload["trainings"]], "raised": None}'),
    "a forged ValueError": ('{"trainings": [], "raised": {"training": "x", "epoch": None, '
                            '"message": 1, "stage": None, "class": 2, "type": 3}}'),
    "more trainings than run": ('{"trainings": [[{"lr": 0.1, "wait": 0, '
                                '"cooldown_counter": 0, "best": None}]] * 9, "raised": None}'),
}


@pytest.mark.parametrize("forged", list(FORGED.values()), ids=list(FORGED))
def test_a_replaced_plateau_driver_earns_nothing(forged, tmp_path):
    """Finding 3 (patch_drivers): the student's module replaces the worker's driver; what
    it returns is checked before anything reads it (an AttributeError escaped once, and
    a result without epochs passed the property checks vacuously)."""
    prefix = ('import sys\nsys.modules["_grader_drivers"].DRIVERS["plateau_script"] = '
              f'lambda target, payload, wire=None: {forged}\n')
    sub = _plateau_submission(tmp_path / "sub", prefix=prefix)
    result = grade_path(sub, parts=["exponential_decay", "reduce_lr_on_plateau"])
    assert lost_points(result) == {"reduce_lr_on_plateau": 45}, lost_points(result)
    messages = [c.message for c in result.part("reduce_lr_on_plateau").checks]
    assert all("cannot read" in m for m in messages), messages


def test_a_huge_int_returned_by_a_schedule_is_graded(tmp_path):
    """Finding 3 (crash_bigint_schedule): 10**400 instead of ValueError, on the path that
    replays the calls one at a time, crashed _as_rate; now that check fails, saying why."""
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "schedules.py"
    path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent('''
        _exponential_decay = exponential_decay

        def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate,
                              staircase=False):
            if decay_steps <= 0:
                return 10 ** 400
            return _exponential_decay(step, initial_learning_rate, decay_steps, decay_rate,
                                      staircase)
        '''), encoding="utf-8")
    result = grade_path(sub)
    assert set(lost_points(result)) == {"exponential_decay"}, lost_points(result)
    failed = [c for c in result.part("exponential_decay").checks if not c.passed]
    assert all("integer too large" in c.message for c in failed), [c.message for c in failed]
    assert any("raises ValueError" in c.name for c in failed)


@pytest.mark.parametrize("forged", ["[0.1]", "{'values': []}", "[None] * len(payload['steps'])",
                                    "[[0.1]] * len(payload['steps'])"])
def test_a_replaced_schedule_driver_is_graded(forged, tmp_path):
    """A schedule_steps driver returning the wrong number of values, or no numbers."""
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "schedules.py"
    path.write_text('import sys\nsys.modules["_grader_drivers"].DRIVERS["schedule_steps"] = '
                    f'lambda target, payload, wire=None: {forged}\n'
                    + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = grade_path(sub, parts=["exponential_decay", "cosine_decay", "reduce_lr_on_plateau"])
    assert set(lost_points(result)) == {"exponential_decay", "cosine_decay"}, lost_points(result)
