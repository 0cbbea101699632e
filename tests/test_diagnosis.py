"""The ignored-argument diagnosis (issue 11.5, grader/diagnosis.py): a literal epsilon,
a fixed learning rate or momentum is named "your result does not depend on `...`";
correct code never is; the probes each part declares really move the solution's output."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from grader import diagnosis
from grader.declaration import Probe
from grader.checking import Context
from grader.i18n import localize
from grader.results import CheckResult
from grader.sandbox.runner import CallFailed, Limits, Sandbox
from grader.assignments.training.optimizers import SPECS, _HPARAMS

from .helpers import FAST, SOLUTIONS, assignment, copy_solutions, grade_path

OPTIMIZER_PARTS = list(SPECS)


# -- the mechanism, on a fake sandbox (no student code runs) ----------------------------------

class FakeCtx:
    """Calls ``fn(**kwargs)`` of a trusted Python function: only for the unit tests."""

    def __init__(self, fn):
        self.fn = fn
        self.calls = 0

    def call(self, name, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)



def _explain(ctx, part, checks):
    """What the engine does: probe (right after the part's public checks), then name."""
    checks = tuple(checks)
    return diagnosis.explain(ctx, part, checks, diagnosis.probe(ctx, part, checks))

def _part(probes):
    return SimpleNamespace(id="p", probes=probes)


def _checks(*diagnoses, passed=()):
    return tuple(CheckResult(name=f"c{i}", passed=i in passed, points=0.0, max_points=1.0,
                             diagnosis=d, hint=f"hint {d}" if d else "")
                 for i, d in enumerate(diagnoses))


PROBE = Probe(fn="f", args=(np.array([1.0, 2.0]),), kwargs={"lr": 0.1, "eps": 1e-7},
              alternatives={"lr": 0.5, "eps": 0.5})


def test_same_is_exact_up_to_1e_12_and_nan_equal():
    a = (np.array([1.0, np.nan]), [np.float32(2.0)], {"k": 3})
    assert diagnosis.same(a, (np.array([1.0 + 1e-14, np.nan]), [np.float32(2.0)], {"k": 3}))
    assert not diagnosis.same(a, (np.array([1.0 + 1e-9, np.nan]), [np.float32(2.0)], {"k": 3}))
    assert not diagnosis.same(np.zeros(2), np.zeros(3))
    assert not diagnosis.same((1.0, 2.0), (1.0,))


def test_an_ignored_argument_is_named_on_every_failing_check_and_nowhere_else():
    ctx = FakeCtx(lambda x, lr, eps: x - lr * x / (1 + 1e-7))      # eps ignored
    out = _explain(ctx, _part((PROBE,)), _checks("", "some_mistake", "", passed={2}))
    assert [c.diagnosis for c in out] == ["ignores:eps", "ignores:eps", ""]
    assert "does not depend on `eps`" in out[0].hint and "1e-7" in out[0].hint
    assert out[2].hint == ""                                    # a passing check is untouched


def test_several_ignored_arguments_are_named_together():
    ctx = FakeCtx(lambda x, lr, eps: x * 0.9)
    out = _explain(ctx, _part((PROBE,)), _checks(""))
    assert out[0].diagnosis == "ignores:lr,eps"
    assert "`lr` or `eps`" in out[0].hint


def test_nothing_runs_when_every_check_passed_or_the_part_declares_no_probe():
    ctx = FakeCtx(lambda x, lr, eps: x)
    checks = _checks("", passed={0})
    assert _explain(ctx, _part((PROBE,)), checks) == checks and ctx.calls == 0
    failing = _checks("m")
    assert _explain(ctx, _part(()), failing) == failing and ctx.calls == 0


def test_no_probe_runs_after_a_timeout():
    ctx = FakeCtx(lambda x, lr, eps: x)
    checks = (CheckResult(name="c", passed=False, points=0.0, max_points=1.0,
                          message="your code did not finish within 10 s"),)
    assert _explain(ctx, _part((PROBE,)), checks) == checks and ctx.calls == 0


def test_correct_code_is_never_said_to_ignore_anything():
    ctx = FakeCtx(lambda x, lr, eps: x - lr * x / (np.sqrt(x * x) + eps))
    failing = _checks("m", "")
    assert _explain(ctx, _part((PROBE,)), failing) == failing


def test_a_call_that_fails_or_gives_nan_proves_nothing():
    def raises(x, lr, eps):
        raise CallFailed("exception", "ValueError: no")

    failing = _checks("")
    assert _explain(FakeCtx(raises), _part((PROBE,)), failing) == failing
    nan = FakeCtx(lambda x, lr, eps: x * np.nan)
    assert _explain(nan, _part((PROBE,)), failing) == failing


def test_an_output_without_numbers_proves_nothing():
    """A function returning None (or a tuple holding None, or nothing numeric) is told so
    by its checks; "your result does not depend on `lr`" would mislead."""
    failing = _checks("")
    for output in (None, (np.array([1.0]), None), (), "x", [None, None]):
        ctx = FakeCtx(lambda x, lr, eps, out=output: out)
        assert _explain(ctx, _part((PROBE,)), failing) == failing, output


def test_a_kept_mistake_keeps_its_name_and_explains_the_other_failures():
    probe = Probe(fn="f", args=(np.array([1.0]),), kwargs={"rho": 0.9}, alternatives={"rho": 0.5},
                  keeps=("no_decay",))
    ctx = FakeCtx(lambda x, rho: x + 1)
    out = _explain(ctx, _part((probe,)), _checks("no_decay", "", "other"))
    assert [c.diagnosis for c in out] == ["no_decay"] * 3
    assert {c.hint for c in out} == {"hint no_decay"}


def _failed(ctx, name, message, candidates, named=""):
    from grader.errors import Failure
    from grader.results import Example

    failure = Failure(message, example=Example(inputs=name), diagnosis=named)
    if candidates is not None:
        diagnosis.note_candidates(ctx, failure, candidates)
    return CheckResult(name=name, passed=False, points=0.0, max_points=1.0, message=message,
                       example=failure.example, diagnosis=named,
                       hint=f"hint {named}" if named else "")


def _hinted_part():
    check = SimpleNamespace(hints={m: f"hint {m}" for m in ("a", "b", "c")})
    return SimpleNamespace(id="p", probes=(), checks=(check,))


def test_the_one_mistake_that_explains_every_failing_check_is_named_on_all():
    """Check 1 sees a or b, check 2 sees a or c: only a explains both."""
    ctx = FakeCtx(None)
    checks = (_failed(ctx, "c1", "m1", {"a", "b"}), _failed(ctx, "c2", "m2", {"a", "c"}),
              _failed(ctx, "c3", "m3", {"a"}, named="a"))
    out = _explain(ctx, _hinted_part(), checks)
    assert [c.diagnosis for c in out] == ["a", "a", "a"]
    assert {c.hint for c in out} == {"hint a"} and ctx.calls == 0


def test_no_name_when_a_failing_check_is_explained_by_no_known_mistake():
    ctx = FakeCtx(None)
    checks = (_failed(ctx, "c1", "m1", {"a", "b"}), _failed(ctx, "c2", "m2", set()))
    assert _explain(ctx, _hinted_part(), checks) == checks


def test_no_name_when_the_evidence_leaves_two_mistakes():
    ctx = FakeCtx(None)
    checks = (_failed(ctx, "c1", "m1", {"a", "b"}), _failed(ctx, "c2", "m2", {"a", "b", "c"}),
              _failed(ctx, "c3", "m3", None))
    assert _explain(ctx, _hinted_part(), checks) == checks


def test_the_hint_has_korean():
    ko = diagnosis.hint("ignores:epsilon", "ko")
    assert "`epsilon`" in ko and re.search("[가-힣]", ko)
    assert diagnosis.hint("adam_no_sqrt") == "" and diagnosis.ignored_names("adam_no_sqrt") == ()


# -- every declared probe moves the solution's output ------------------------------------------

def test_every_declared_probe_changes_the_solutions_output(tmp_path):
    """A probe whose alternative does not change the correct output would accuse correct
    code: the solutions must show no ignored argument on any probe of any part."""
    spec = assignment()
    folder = copy_solutions(tmp_path / "sol")
    probed = [p for p in spec.parts if p.probes]
    assert {p.id for p in probed} >= set(OPTIMIZER_PARTS)
    with Sandbox(folder, spec.modules, Limits()) as sandbox:
        sandbox.start()
        for part in probed:
            ctx = Context(sandbox, spec, part, FAST)
            for probe in part.probes:
                assert probe.alternatives, (part.id, probe.fn)
                assert set(probe.alternatives) <= set(probe.kwargs) or probe.run, (part.id, probe.fn)
            assert diagnosis.ignored_arguments(ctx, part) == [], part.id


def test_optimizer_probes_cover_every_hyper_parameter():
    spec = assignment()
    for pid in OPTIMIZER_PARTS:
        (probe,) = spec.part(pid).probes
        assert set(probe.alternatives) == set(_HPARAMS[pid]) == set(probe.kwargs)


# -- real submissions: literal epsilon, fixed learning rate, fixed momentum ----------------------

#: (part, argument, the literal a student wrote in its place)
LITERALS = [(pid, arg, lit) for pid in OPTIMIZER_PARTS for arg, lit in (
    ("learning_rate", "0.01"), ("momentum", "0.9"), ("rho", "0.9"), ("beta_1", "0.9"),
    ("beta_2", "0.999"), ("weight_decay", "0.004"), ("epsilon", "1e-7"), ("epsilon", "10e-7"),
    ("t", "1"))
    if arg in _HPARAMS[pid]]


def literal_submission(dest, part_id, arg, literal):
    """The solutions, with ``arg`` replaced by ``literal`` in the body of the part's
    function (as a student who hard-codes it writes)."""
    copy_solutions(dest)
    path = dest / "optimizers.py"
    src = path.read_text(encoding="utf-8")
    fn = SPECS[part_id].fn
    start = src.index(f"def {fn}(")
    begin = src.index("### BEGIN SOLUTION", start)
    end = src.index("### END SOLUTION", begin)
    body = re.sub(rf"\b{arg}\b", literal, src[begin:end])
    assert body != src[begin:end]
    path.write_text(src[:begin] + body + src[end:], encoding="utf-8")
    return dest


@pytest.mark.slow
@pytest.mark.parametrize("part,arg,literal", LITERALS,
                         ids=[f"{p}-{a}-{v}" for p, a, v in LITERALS])
def test_a_hard_coded_hyper_parameter_is_named(tmp_path, part, arg, literal):
    result = grade_path(literal_submission(tmp_path / "sub", part, arg, literal), parts=[part])
    checks = result.part(part).checks
    failing = [c for c in checks if not c.passed]
    assert failing, "hard-coding it must lose points"
    assert {c.diagnosis for c in failing} == {f"ignores:{arg}"}, [(c.name, c.diagnosis) for c in failing]
    assert all(f"`{arg}`" in c.hint for c in failing)
    ko = localize(result, "ko").part(part).checks
    assert all(f"`{arg}`" in c.hint and re.search("[가-힣]", c.hint) for c in ko if not c.passed)


def test_one_hard_coded_epsilon_is_named_quickly(tmp_path):
    """The commonest real mistake, in the fast suite: Adam with a literal 1e-7."""
    result = grade_path(literal_submission(tmp_path / "sub", "adam", "epsilon", "1e-7"),
                        parts=["adam"])
    failing = [c for c in result.part("adam").checks if not c.passed]
    assert failing and {c.diagnosis for c in failing} == {"ignores:epsilon"}


@pytest.mark.slow
def test_correct_variants_get_no_diagnosis(tmp_path):
    """Solutions, textbook epsilon, float32 loops mutating the inputs: full marks, no
    hint, and so no probe ever runs against them."""
    from grader.assignments.training.authoring import mistakes_optimizers as M

    from .helpers import mutant_submission

    subs = [copy_solutions(tmp_path / "sol")]
    subs += [mutant_submission(tmp_path / p, "optimizers", SPECS[p].fn, M.TEXTBOOK[p].__name__,
                               "grader.assignments.training.authoring.mistakes_optimizers") for p in sorted(M.TEXTBOOK)]
    for sub in subs:
        result = grade_path(sub, parts=OPTIMIZER_PARTS)
        for part in result.parts:
            assert part.full, (sub.name, part.id)
            assert not any(c.diagnosis or c.hint for c in part.checks), (sub.name, part.id)
    assert SOLUTIONS.is_dir()


FLOAT32_ONLY = """
import numpy as np

def _f(*xs):
    return [np.asarray(x, dtype=np.float32) for x in xs]

def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    param, grad, velocity, lr, mom = _f(param, grad, velocity, learning_rate, momentum)
    velocity *= mom
    velocity -= lr * grad
    return param + velocity, velocity

def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    param, grad, velocity, lr, mom = _f(param, grad, velocity, learning_rate, momentum)
    v = mom * velocity - lr * grad
    return param + mom * v - lr * grad, v

def adagrad_step(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):
    param, grad, acc, lr, eps = _f(param, grad, accumulator, learning_rate, epsilon)
    acc += grad * grad
    return param - lr * grad / np.sqrt(acc + eps), acc

def rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    param, grad, v, lr, rho, eps = _f(param, grad, velocity, learning_rate, rho, epsilon)
    v = rho * v + (1 - rho) * grad * grad
    return param - lr * grad / np.sqrt(v + eps), v

def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    param, grad, m, v, lr, b1, b2, eps = _f(param, grad, m, v, learning_rate, beta_1, beta_2, epsilon)
    m = b1 * m + (1 - b1) * grad
    v = b2 * v + (1 - b2) * grad * grad
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return param - alpha * m / (np.sqrt(v) + eps), m, v

def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
               beta_2=0.999, epsilon=1e-7):
    param = np.asarray(param, np.float32)
    param = param - np.float32(learning_rate) * np.float32(weight_decay) * param
    return adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
"""


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["float32_only", "correct_inplace", "correct_loops",
                                     "correct_vectorized_f64", "correct_textbook_eps",
                                     "correct_helpers_module"])
def test_correct_implementations_get_full_marks_and_no_hint(tmp_path, variant):
    """Correct code written in other ways (float32 throughout, in place, loops,
    float64, textbook epsilon, helper modules): full marks and not one hint."""
    import shutil
    from pathlib import Path

    if variant == "float32_only":
        sub = copy_solutions(tmp_path / "sub")
        (sub / "optimizers.py").write_text(FLOAT32_ONLY, encoding="utf-8")
    else:
        sub = tmp_path / variant
        shutil.copytree(Path(__file__).parent / "corpus" / variant, sub)
    result = grade_path(sub, parts=OPTIMIZER_PARTS)
    for part in result.parts:
        assert part.full, (part.id, [c.message for c in part.checks if not c.passed])
        assert not any(c.diagnosis or c.hint for c in part.checks), part.id


# -- a name is dropped when another failing check's evidence rules it out (round 2, finding 6) --

def test_a_name_ruled_out_by_another_failing_check_is_dropped():
    """Adam with t fixed at 1 coincides with "no bias correction" on the lecture's betas
    only: the defaults check, which no known mistake explains, rules the name out."""
    ctx = FakeCtx(None)
    checks = (_failed(ctx, "lecture", "m1", {"a"}, named="a"),
              _failed(ctx, "defaults", "m2", set()))
    out = _explain(ctx, _hinted_part(), checks)
    assert [c.diagnosis for c in out] == ["", ""] and [c.hint for c in out] == ["", ""]


def test_a_name_stays_when_the_other_check_could_not_compare_it():
    ctx = FakeCtx(None)
    checks = (_failed(ctx, "c1", "m1", {"a"}, named="a"),
              _failed(ctx, "c2", "m2", set(), named=""))
    # c2 compared its evidence with "b" only: it says nothing about "a"
    ctx._diagnosis_candidates[-1] = (ctx._diagnosis_candidates[-1][0], frozenset(), frozenset({"b"}))
    out = _explain(ctx, _hinted_part(), checks)
    assert out[0].diagnosis == "a" and out[0].hint == "hint a"


def test_a_name_stays_when_every_failing_check_is_consistent_with_it():
    ctx = FakeCtx(None)
    checks = (_failed(ctx, "c1", "m1", {"a"}, named="a"), _failed(ctx, "c2", "m2", {"a", "b"}),
              _failed(ctx, "c3", "m3", None, named="a"))
    out = _explain(ctx, _hinted_part(), checks)
    assert [c.diagnosis for c in out] == ["a", "a", "a"]


def test_a_ruled_out_kept_name_does_not_spread_and_the_ignored_argument_shows():
    """"returns its inputs" (kept: it ignores arguments) seen on one check, ruled out by
    another whose parameter moved: the ignored-argument diagnosis shows instead."""
    probe = Probe(fn="f", args=(np.array([1.0]),), kwargs={"lr": 0.1, "mom": 0.9},
                  alternatives={"lr": 0.5, "mom": 0.5}, keeps=("a",))
    ctx = FakeCtx(lambda x, lr, mom: x - lr * x)             # ignores mom
    checks = (_failed(ctx, "coasting", "m1", {"a", "b"}, named=""),
              _failed(ctx, "mom0", "m2", {"b"}),
              _failed(ctx, "ref", "m3", set(), named="a"))
    part = SimpleNamespace(id="p", probes=(probe,), checks=_hinted_part().checks)
    out = _explain(ctx, part, checks)
    assert [c.diagnosis for c in out] == ["ignores:mom"] * 3
    assert not any(c.hint == "hint a" for c in out)


def test_a_function_that_keeps_state_between_calls_is_told_so():
    """Adam counting its own steps instead of using t: two identical calls differ."""
    calls = []

    def counter(x, lr, eps):
        calls.append(1)
        return x * len(calls)

    ctx = FakeCtx(counter)
    out = _explain(ctx, _part((PROBE,)), _checks("", "named", "", passed={2}))
    assert [c.diagnosis for c in out] == [diagnosis.STATEFUL, "named", ""]
    assert "twice with the same arguments" in out[0].hint
    ko = diagnosis.hint(diagnosis.STATEFUL, "ko")
    assert re.search("[가-힣]", ko) and "ignores" not in ko


def test_deterministic_code_is_never_called_stateful():
    ctx = FakeCtx(lambda x, lr, eps: x - lr * x / (np.sqrt(x * x) + eps))
    failing = _checks("")
    assert _explain(ctx, _part((PROBE,)), failing) == failing
