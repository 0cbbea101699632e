"""The six optimizer parts: the solution scores full marks, every known mistake loses
points in exactly its part with its name in the feedback, the accepted textbook
variants pass with a note, and the recorded reference agrees with TensorFlow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.assignments.training.authoring import mistakes_optimizers as M
from grader.reference import load_cases
from grader.assignments.training.optimizers import HINTS, SPECS
from grader.assignments.training.trajectory import simulate

from .helpers import (copy_solutions, diagnoses, grade_path, lost_points, mutant_submission,
                      first_fast, one_per_part)

OPTIMIZER_PARTS = list(SPECS)
MUTANTS = [(part, fn.__name__) for part, fns in M.MISTAKES.items() for fn in fns]


def _named(mistake):
    """The id a catalogue mutant is named by: forms of a mistake (``<id>__<form>``)
    share their mistake's id and hint."""
    return mistake.split("__", 1)[0]


@pytest.fixture(scope="module")
def solution_result(tmp_path_factory):
    return grade_path(copy_solutions(tmp_path_factory.mktemp("sol")), parts=OPTIMIZER_PARTS)


def test_solution_scores_full_marks(solution_result):
    for part in solution_result.parts:
        assert part.full, (part.id, [c.message for c in part.checks if not c.passed])
    assert solution_result.score == 50


def test_every_part_has_hidden_and_public_checks(solution_result):
    for part in solution_result.parts:
        assert any(c.hidden for c in part.checks) and any(not c.hidden for c in part.checks)


def test_at_least_three_named_mistakes_per_part():
    for part in OPTIMIZER_PARTS:
        assert len(M.MISTAKES[part]) >= 3
        for fn in M.MISTAKES[part]:
            assert _named(fn.__name__) in HINTS, f"{fn.__name__} has no hint"


@pytest.mark.parametrize("part,mistake", one_per_part(MUTANTS, ids=[m for _, m in MUTANTS]))
def test_mutant_loses_points_in_exactly_its_part(tmp_path, part, mistake):
    sub = mutant_submission(tmp_path / mistake, "optimizers", SPECS[part].fn, mistake,
                            "grader.assignments.training.authoring.mistakes_optimizers")
    result = grade_path(sub, parts=OPTIMIZER_PARTS)
    lost = lost_points(result)
    assert set(lost) == {part}, lost
    # named, and no other mistake (nor an ignored argument) is named in its part; every
    # check failing for that cause shows the name (the evidence of all of them decides)
    mistake = _named(mistake)
    assert diagnoses(result, part) == {mistake}
    unnamed = [c.name for c in result.part(part).checks if not c.passed and not c.diagnosis]
    assert not unnamed, unnamed
    hints = {c.hint for c in result.part(part).checks if c.diagnosis == mistake}
    assert hints == {HINTS[mistake]}


TRIVIAL = [(part, fn.__name__) for part, fns in M.TRIVIAL.items() for fn in fns]


@pytest.mark.parametrize("part,mistake", first_fast(TRIVIAL, ids=[m for _, m in TRIVIAL]))
def test_trivial_code_scores_zero(tmp_path, part, mistake):
    """Returning the inputs, zeros, param * 0, or the old parameter or state earns
    nothing: no check may pass on behaviour that ignores the inputs (issue 11.2)."""
    sub = mutant_submission(tmp_path / mistake, "optimizers", SPECS[part].fn, mistake,
                            "grader.assignments.training.authoring.mistakes_optimizers")
    result = grade_path(sub, parts=[part])
    assert result.part(part).score == 0, [c.name for c in result.part(part).checks if c.passed]


def test_adam_returning_its_inputs_scores_zero_quickly(tmp_path):
    """The issue's example, in the fast suite: it got 1.2/12 from the scale property."""
    sub = mutant_submission(tmp_path / "m", "optimizers", "adam_step", "adam_returns_inputs",
                            "grader.assignments.training.authoring.mistakes_optimizers")
    result = grade_path(sub, parts=["adam"])
    assert result.part("adam").score == 0
    assert diagnoses(result, "adam") == {"adam_returns_inputs"}


def test_plain_momentum_is_named_on_every_failing_nesterov_check(tmp_path):
    """"This is ordinary momentum" used to appear on the hidden check only."""
    sub = mutant_submission(tmp_path / "m", "optimizers", "nesterov_step",
                            "nesterov_is_plain_momentum", "grader.assignments.training.authoring.mistakes_optimizers")
    result = grade_path(sub, parts=["nesterov"])
    failing = [c for c in result.part("nesterov").checks if not c.passed]
    assert len(failing) >= 3 and any(not c.hidden for c in failing)
    assert {c.diagnosis for c in failing} == {"nesterov_is_plain_momentum"}


def test_adamw_decaying_by_the_gradient_is_not_called_plain_adam(tmp_path):
    sub = mutant_submission(tmp_path / "m", "optimizers", "adamw_step", "adamw_decay_scales_grad",
                            "grader.assignments.training.authoring.mistakes_optimizers")
    result = grade_path(sub, parts=["adamw"])
    assert "adamw_no_decay" not in diagnoses(result, "adamw")
    assert diagnoses(result, "adamw") == {"adamw_decay_scales_grad"}


@pytest.mark.slow
def test_the_catalogue_names_at_least_95_percent_of_its_mutants(tmp_path):
    named = []
    for part, mistake in MUTANTS:
        sub = mutant_submission(tmp_path / mistake, "optimizers", SPECS[part].fn, mistake,
                                "grader.assignments.training.authoring.mistakes_optimizers")
        result = grade_path(sub, parts=[part])
        found = diagnoses(result, part)
        assert found <= {_named(mistake)}, (mistake, found)      # never a wrong name
        named.append(_named(mistake) in found)
    assert sum(named) >= 0.95 * len(named), [m for (_, m), n in zip(MUTANTS, named, strict=True) if not n]


@pytest.mark.parametrize("part", OPTIMIZER_PARTS)
def test_the_trusted_models_are_the_catalogue(part):
    """The property checks name a mistake from optimizer_models; it must compute what
    the mutant computes, on every kind of input the checks use."""
    from grader.assignments.training.authoring import optimizer_models as models

    by_name = {fn.__name__: fn for fn in M.MISTAKES[part]}
    assert set(models.MODELS[part]) == set(by_name)
    rng = np.random.default_rng(0)
    spec = SPECS[part]
    for trial in range(4):
        p, g = rng.normal(size=(3,)), rng.normal(size=(3,))
        state = [np.abs(rng.normal(size=(3,))) for _ in spec.state] + ([trial + 1] if spec.uses_t else [])
        kw = {"learning_rate": 0.05}
        for name, fn in by_name.items():
            with np.errstate(all="ignore"):
                want = fn(p, g, *state, **kw)
                got = models.MODELS[part][name](p, g, *state, **kw)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("part", sorted(M.TEXTBOOK))
def test_textbook_epsilon_is_accepted_with_a_note(tmp_path, part):
    textbook = M.TEXTBOOK[part].__name__
    sub = mutant_submission(tmp_path / part, "optimizers", SPECS[part].fn, textbook,
                            "grader.assignments.training.authoring.mistakes_optimizers")
    result = grade_path(sub, parts=[part])
    assert result.part(part).full, [c.message for c in result.part(part).checks if not c.passed]
    notes = [c.note for c in result.part(part).checks if c.note]
    assert notes and "Keras" in notes[0]


def test_float32_only_and_in_place_solutions_pass(tmp_path):
    """A student who computes in float32 with loops and mutates the inputs still passes."""
    sub = tmp_path / "loops"
    sub.mkdir()
    (sub / "optimizers.py").write_text('''
import numpy as np

def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    p = param.astype(np.float32).reshape(-1)
    g = np.asarray(grad, np.float32).reshape(-1)
    mm = m.reshape(-1); vv = v.reshape(-1)
    for i in range(p.size):              # loops, in place, float32
        mm[i] = beta_1 * mm[i] + (1 - beta_1) * g[i]
        vv[i] = beta_2 * vv[i] + (1 - beta_2) * g[i] * g[i]
        mhat = mm[i] / (1 - beta_1 ** t)
        vhat = vv[i] / (1 - beta_2 ** t)
        p[i] -= learning_rate * mhat / (np.sqrt(vhat) + epsilon)
    param[...] = 0                          # vandalise the caller's array
    return p.reshape(np.shape(param)), mm.reshape(np.shape(param)), vv.reshape(np.shape(param))
''')
    result = grade_path(sub, parts=["adam"])
    assert result.part("adam").full, [c.message for c in result.part("adam").checks if not c.passed]
    assert not any(c.diagnosis or c.hint for c in result.part("adam").checks)


def test_recorded_cases_cover_the_lecture_and_both_dtypes():
    for part in OPTIMIZER_PARTS:
        cases = load_cases("training", part)
        tags = {t for c in cases for t in c.tags}
        assert {"lecture", "defaults", "float32", "float64"} <= tags
        dtypes = {c.inputs["param"].dtype for c in cases}
        assert dtypes == {np.dtype("float32"), np.dtype("float64")}
        assert any(c.inputs["param"].ndim == 0 for c in cases)
        assert any(c.inputs["param"].ndim == 3 for c in cases)
        assert load_cases("training", part, hidden=True)


def test_every_mistake_differs_from_keras_on_some_recorded_case():
    """The recording can tell each mistake from Keras (else the mutant test is vacuous)."""
    for part in OPTIMIZER_PARTS:
        cases = load_cases("training", part)
        for fn in M.MISTAKES[part]:
            differs = False
            for case in cases:
                got = simulate(fn, case.inputs, SPECS[part])
                exp = case.expected
                pairs = list(zip(got["params"], exp["params"], strict=True)) + [
                    (g, e) for gs, es in zip(got["states"], exp["states"], strict=True)
                    for g, e in zip(gs, es, strict=True)]
                if not all(np.allclose(g, e, rtol=1e-4, atol=1e-5, equal_nan=True) for g, e in pairs):
                    differs = True
                    break
            assert differs, fn.__name__


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize("part", OPTIMIZER_PARTS)
def test_recording_agrees_with_live_tensorflow(tf, part):
    from grader.assignments.training.authoring.tf_reference import optimizer_trajectory

    for hidden in (False, True):
        for case in load_cases("training", part, hidden=hidden):
            live = optimizer_trajectory(part, case.inputs)
            for k, (p_live, p_rec) in enumerate(zip(live["params"], case.expected["params"], strict=True)):
                np.testing.assert_allclose(p_live, p_rec, rtol=1e-6, atol=1e-7,
                                           err_msg=f"{part} {case.id} step {k + 1}")
            for s_live, s_rec in zip(live["states"], case.expected["states"], strict=True):
                for a, b in zip(s_live, s_rec, strict=True):
                    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.tf
def test_lecture_adam_example_matches_keras_directly(tf):
    """The lecture's optimizers.Adam(0.01, beta_1=0.9, beta_2=0.99), against the solution."""
    import importlib.util

    import keras

    from .helpers import SOLUTIONS

    spec = importlib.util.spec_from_file_location("sol_opt", SOLUTIONS / "optimizers.py")
    sol = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sol)
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 4)).astype(np.float32)
    var = tf.Variable(w0)
    opt = keras.optimizers.Adam(0.01, beta_1=0.9, beta_2=0.99)
    p, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t in range(1, 11):
        g = rng.normal(size=w0.shape).astype(np.float32)
        opt.apply_gradients([(tf.constant(g), var)])
        p, m, v = sol.adam_step(p, g, m, v, t, 0.01, 0.9, 0.99)
    np.testing.assert_allclose(p, var.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_the_recorded_property_evidence_is_up_to_date(tmp_path, monkeypatch):
    """Every call the property checks make on their recorded examples (at every
    recorded budget) has the known mistakes' outputs recorded, equal to what the
    models compute now (else: python -m grader.assignments.training.authoring.record_optimizers)."""
    from grader import examples_data as ed
    from grader.assignments.training.authoring import optimizer_models as models
    from grader.checking import Settings
    from grader.assignments.training import evidence

    calls = []
    monkeypatch.setattr(evidence, "RECORDING", calls)
    sol = copy_solutions(tmp_path / "sol")
    for budget in ed.BUDGETS:
        result = grade_path(sol, parts=OPTIMIZER_PARTS, settings=Settings(max_examples=budget))
        assert all(p.full for p in result.parts)
    assert {c[0] for c in calls} == set(OPTIMIZER_PARTS)
    for part, _fn, key, args, kwargs in calls:
        recorded = evidence.recorded("training", part).get(key)
        assert recorded is not None, f"{part}: a property call has no recorded evidence"
        now = dict(models.outputs(part, args, kwargs))
        assert set(now) == set(models.MODELS[part])
        now[evidence.CORRECT] = models.correct(part, args, kwargs)
        assert set(recorded) == set(now)
        for mistake, outs in now.items():
            for a, b in zip(recorded[mistake], outs, strict=True):
                np.testing.assert_array_equal(a, b, err_msg=f"{part} {mistake}")


def test_no_mistake_code_is_shipped():
    """The models of the mistakes live in grader/authoring (never in a student bundle):
    the shipped checks read their recorded outputs only."""
    import grader.assignments.training.optimizers as shipped
    from grader.assignments.training import evidence

    for module in (shipped, evidence):
        src = Path(module.__file__).read_text(encoding="utf-8")
        assert "authoring" not in "".join(
            line for line in src.splitlines() if line.lstrip().startswith(("import", "from")))


def test_a_mistake_nearly_equal_to_keras_does_not_name_a_small_difference(tmp_path):
    """AdamW with both coupled L2 and the decoupled decay is off by ~0.1%: "decay after
    the step" (itself within 0.2% of Keras there) must not be named for it."""
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "optimizers.py"
    path.write_text(path.read_text(encoding="utf-8") + '''

def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
               beta_2=0.999, epsilon=1e-7):
    grad = grad + weight_decay * param
    param = param - learning_rate * weight_decay * param
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    mh = m / (1 - beta_1 ** t); vh = v / (1 - beta_2 ** t)
    return param - learning_rate * mh / (np.sqrt(vh) + epsilon), m, v
''', encoding="utf-8")
    result = grade_path(sub, parts=["adamw"])
    assert not result.part("adamw").full
    assert diagnoses(result, "adamw") == set()


def test_property_evidence_needs_a_mistake_much_closer_than_the_correct_output(monkeypatch):
    from grader.assignments.training import evidence

    a = np.array([1.0, 2.0])
    data = {"k1": {evidence.CORRECT: [a], "near": [a * (1 + 5e-5)], "far": [a * 1.5]},
            "k2": {evidence.CORRECT: [a], "near": [a], "far": [a]}}
    monkeypatch.setattr(evidence, "recorded", lambda *_: data)
    monkeypatch.setattr(evidence, "key", lambda fn, args, kwargs: args[0])

    def cands(*calls):
        ev = evidence.Evidence("training", "adam", "adam_step")
        for k, got in calls:
            ev.add([k], {}, [got])
        return ev.candidates()

    assert cands(("k1", a * 1.5), ("k2", a)) == {"far"}
    # 3e-5 from the correct output: within reproduction of both; nothing explains it
    assert cands(("k1", a * (1 + 3e-5))) == set()
    assert cands(("k1", a * 1.2)) == set()                  # explained by no mistake
    assert cands(("k3", a * 1.5)) == set()                  # a call with no recorded outputs


# -- the second review's forms (round 2): the name shown is the real one ------------------------

def _redefined(dest, code):
    """The solutions, with some step functions redefined by ``code`` (appended)."""
    sub = copy_solutions(dest)
    path = sub / "optimizers.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")
    return sub


_STATE_ARGS = {"momentum": "velocity", "nesterov": "velocity", "adagrad": "accumulator",
               "rmsprop": "velocity", "adam": "m, v, t", "adamw": "m, v, t"}
_OLD_STATE = {"momentum": "velocity", "nesterov": "velocity", "adagrad": "accumulator",
              "rmsprop": "velocity", "adam": "m, v", "adamw": "m, v"}


def _sgd_old_state(part, lr_factor=""):
    fn = SPECS[part].fn
    lr = 0.01 if part in ("momentum", "nesterov") else 0.001     # the signature's default
    return (f"def {fn}(param, grad, {_STATE_ARGS[part]}, learning_rate={lr}, **hparams):\n"
            f"    return param - {lr_factor}learning_rate * grad, {_OLD_STATE[part]}\n")


@pytest.mark.parametrize("part", first_fast(  # (nesterov first: one of the finding's two)
    ["nesterov", *(p for p in OPTIMIZER_PARTS if p != "nesterov")]))
def test_plain_sgd_with_the_old_state_is_named_plain_sgd_not_returns_inputs(tmp_path, part):
    """`return param - learning_rate*grad, <old state>` was told on nesterov and adamw
    "Your function returns its inputs unchanged: the parameter never moves" (finding 5)."""
    result = grade_path(_redefined(tmp_path / "s", _sgd_old_state(part)), parts=[part])
    assert result.part(part).score == 0
    assert diagnoses(result, part) == {f"{part}_plain_sgd"}
    failing = [c for c in result.part(part).checks if not c.passed]
    assert all(c.diagnosis == f"{part}_plain_sgd" for c in failing), [
        (c.name, c.diagnosis) for c in failing]
    assert not any("returns its inputs" in c.hint for c in result.part(part).checks)


@pytest.mark.parametrize("part", ["nesterov", "adamw"])
def test_a_parameter_that_moves_is_never_said_to_be_returned_unchanged(tmp_path, part):
    """An unknown step that moves the parameter (half an SGD step, old state): whatever
    is said, never "returns its inputs" nor "parameter not updated"."""
    result = grade_path(_redefined(tmp_path / "s", _sgd_old_state(part, "0.5 * ")), parts=[part])
    assert not result.part(part).full
    found = diagnoses(result, part)
    assert not any(d.endswith(("_returns_inputs", "_param_not_updated")) for d in found), found
    assert not any("returns its inputs" in c.hint or "parameter unchanged" in c.hint
                   for c in result.part(part).checks)


#: (part, the reviewer's form of a mistake (other formulas than the catalogue's), its name)
REVIEW_FORMS = [
    ("adam", """
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    new_m = m + (1 - beta_2) * (grad - m)
    new_v = v + (1 - beta_1) * (np.square(grad) - v)
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * new_m / (np.sqrt(new_v) + epsilon), new_m, new_v
""", "adam_swapped_betas"),
    ("adam", """
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    alpha = learning_rate * (1 - beta_2 ** t) ** 0.5 / (1 - beta_1 ** t)
    return param - alpha * m / (v + epsilon), m, v
""", "adam_no_sqrt"),
    ("adam", """
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    alpha = learning_rate * np.sqrt(1 - beta_2 ** (t + 1)) / (1 - beta_1 ** (t + 1))
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v
""", "adam_t_plus_one"),
    ("adam", """
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    m_hat = m / (1 - beta_1 ** t)
    v_hat = v / (1 - beta_2 ** t)
    return param - learning_rate * m_hat / np.sqrt(v_hat + epsilon), m, v
""", "adam_eps_inside_sqrt"),
    ("adamw", """
def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
               beta_2=0.999, epsilon=1e-7):
    param = param - learning_rate * weight_decay * grad
    return adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
""", "adamw_decay_uses_grad"),
    ("adamw", """
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    alpha = 0.001 * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v

def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
               beta_2=0.999, epsilon=1e-7):
    param = param - learning_rate * weight_decay * param
    return adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
""", "adamw_fixed_lr_in_step"),
    ("adamw", """
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * m / (v + epsilon), m, v

def adamw_step(param, grad, m, v, t, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
               beta_2=0.999, epsilon=1e-7):
    param = param * (1 - learning_rate * weight_decay)
    return adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
""", "adam_no_sqrt"),
    ("nesterov", """
def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    velocity = momentum * velocity - learning_rate * grad
    return param + momentum * velocity - 0.01 * grad, velocity
""", "nesterov_fixed_lr_in_step"),
    ("momentum", """
def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    v_prev = velocity
    velocity = momentum * velocity - learning_rate * grad
    return param - momentum * v_prev + (1 + momentum) * velocity, velocity   # CS231n Nesterov
""", "momentum_is_nesterov"),
    ("momentum", """
def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    velocity = momentum * velocity - learning_rate * grad
    param = param + momentum * velocity - learning_rate * grad
    return param, velocity
""", "momentum_is_nesterov"),
]


@pytest.mark.parametrize("part,code,name", first_fast(
    REVIEW_FORMS, ids=[f"{p}-{n}-{i}" for i, (p, _, n) in enumerate(REVIEW_FORMS)]))
def test_the_reviewers_forms_are_named(tmp_path, part, code, name):
    result = grade_path(_redefined(tmp_path / "s", code), parts=[part])
    assert not result.part(part).full
    assert diagnoses(result, part) == {name}
    failing = [c for c in result.part(part).checks if not c.passed]
    assert {c.diagnosis for c in failing} == {name}, [(c.name, c.diagnosis) for c in failing]
    assert {c.hint for c in failing} == {HINTS[name]}


def test_adam_with_t_fixed_at_1_is_not_called_no_bias_correction(tmp_path):
    """With the lecture's betas (0.9, 0.99), t fixed at 1 coincides with "no bias
    correction"; the other checks rule that out: the name is dropped, and the probe of
    `t` names the real cause (finding 6)."""
    code = """
def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    alpha = learning_rate * np.sqrt(1 - beta_2 ** 1) / (1 - beta_1 ** 1)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v
"""
    result = grade_path(_redefined(tmp_path / "s", code), parts=["adam"])
    for part in ("adam",):
        failing = [c for c in result.part(part).checks if not c.passed]
        assert failing and {c.diagnosis for c in failing} == {"ignores:t"}, [
            (c.name, c.diagnosis) for c in failing]
        assert all("`t`" in c.hint for c in failing)


def test_adam_counting_its_own_steps_is_told_it_keeps_state(tmp_path):
    code = """
_steps = 0

def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    global _steps
    _steps += 1
    t = _steps
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v
"""
    from grader.diagnosis import STATEFUL

    result = grade_path(_redefined(tmp_path / "s", code), parts=["adam"])
    failing = [c for c in result.part("adam").checks if not c.passed]
    assert failing and {c.diagnosis for c in failing} == {STATEFUL}, [
        (c.name, c.diagnosis) for c in failing]
    assert "adam_no_bias_correction" not in diagnoses(result, "adam")


def test_a_float32_step_far_below_the_parameters_size_is_still_recognised():
    """A step of ~1e-6 on float32 parameters of size ~1 is only known to a few percent
    (rounding of the stored parameter): that rounding is not a deviation."""
    from grader.assignments.training.trajectory import _deviations

    p0 = np.array([1.6574033, -1.052758], np.float32)
    ref = {"params": [np.array([1.6574024, -1.052757], np.float32)], "states": [[]]}
    got = ([np.array([1.65740235, -1.05275698])], [[]])
    ((dev, _),) = _deviations(p0, got, {"m": ref})
    assert dev < 1e-3
    far = ([np.array([1.6574014, -1.052756])], [[]])
    ((dev, _),) = _deviations(p0, far, {"m": ref})
    assert dev > 0.5
