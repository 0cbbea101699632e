"""The two batch-norm parts: the solution scores full marks, correct variants (loops,
float32, in place, one-pass variance, float64 inside) pass, every known mistake loses
points in exactly its part with its name in the feedback, each part calls only its own
function, and the recorded reference (and the facts the properties rest on) agree
with TensorFlow."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from grader.assignments.training.authoring import mistakes_batchnorm as M
from grader.assignments.training.authoring.record_batchnorm import simulate_inference, simulate_train, train_inputs
from grader.reference import load_cases
from grader.assignments.training.batchnorm import HINTS, INFER, TRAIN, batch_stats

from .helpers import (SOLUTIONS, copy_solutions, diagnoses, grade_path, lost_points,
                      mutant_submission, first_fast, one_per_part)

PARTS = [TRAIN, INFER]
MUTANTS = [(part, fn.__name__) for part, fns in M.MISTAKES.items() for fn in fns]


def _solution():
    spec = importlib.util.spec_from_file_location("sol_bn", SOLUTIONS / "batchnorm.py")
    sol = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sol)
    return sol


def _failing(result, part):
    return [(c.name, c.message) for c in result.part(part).checks if not c.passed]


@pytest.fixture(scope="module")
def solution_result(tmp_path_factory):
    return grade_path(copy_solutions(tmp_path_factory.mktemp("sol")), parts=PARTS)


def test_solution_scores_full_marks(solution_result):
    for part in solution_result.parts:
        assert part.full, (part.id, _failing(solution_result, part.id))
    assert solution_result.score == 15


def test_every_part_has_hidden_and_public_checks(solution_result):
    for part in solution_result.parts:
        assert any(c.hidden for c in part.checks) and any(not c.hidden for c in part.checks)


def test_at_least_three_named_mistakes_per_part():
    for part in PARTS:
        assert len(M.MISTAKES[part]) >= 3
        for fn in M.MISTAKES[part]:
            assert fn.__name__ in HINTS, f"{fn.__name__} has no hint"


@pytest.mark.parametrize("part,mistake", one_per_part(MUTANTS, ids=[m for _, m in MUTANTS]))
def test_mutant_loses_points_in_exactly_its_part(tmp_path, part, mistake):
    # Only batchnorm.py differs from the solutions, so only these two parts can move.
    sub = mutant_submission(tmp_path / mistake, "batchnorm", part, mistake,
                            "grader.assignments.training.authoring.mistakes_batchnorm")
    result = grade_path(sub, parts=PARTS)
    assert set(lost_points(result)) == {part}, lost_points(result)
    # named by its failing checks, and no other mistake is named (issue 11.4)
    assert diagnoses(result, part) == {mistake}, diagnoses(result, part)
    assert any(c.diagnosis == mistake and not c.hidden for c in result.part(part).checks)
    hints = {c.hint for c in result.part(part).checks if c.diagnosis == mistake}
    assert hints == {HINTS[mistake]}
    if mistake == "batchnorm_moving_uses_unbiased_variance":   # "Your output is right ..."
        assert all("(y:" not in c.message and "y contains" not in c.message
                   for c in result.part(part).checks if c.diagnosis == mistake)


TRIVIAL = [(part, fn.__name__) for part, fns in M.TRIVIAL.items() for fn in fns]


@pytest.mark.parametrize("part,mutant", first_fast(TRIVIAL, ids=[m for _, m in TRIVIAL]))
def test_trivial_mutant_scores_zero_in_its_part(tmp_path, part, mutant):
    """Issue 11.2: the inputs returned unchanged, zeros, or a correct y with the old
    moving statistics earn nothing; no known mistake is named for them."""
    sub = mutant_submission(tmp_path / mutant, "batchnorm", part, mutant,
                            "grader.assignments.training.authoring.mistakes_batchnorm")
    result = grade_path(sub, parts=[part])
    assert result.part(part).score == 0, [(c.name, c.points) for c in result.part(part).checks]
    assert all(d.startswith("ignores:") for d in diagnoses(result, part)), diagnoses(result, part)


IGNORES = [(part, fn.__name__, diag) for part, fns in M.IGNORES.items() for fn, diag in fns.items()]


@pytest.mark.slow
@pytest.mark.parametrize("part,mutant,diag", IGNORES, ids=[m for _, m, _ in IGNORES])
def test_a_hard_coded_hyper_parameter_is_named_as_ignored(tmp_path, part, mutant, diag):
    """Issue 11.4/11.5: epsilon hard-coded to 1e-6 was called "unbiased variance", "wrong
    axis" and "epsilon outside the square root"; now only the ignored argument is named."""
    sub = mutant_submission(tmp_path / mutant, "batchnorm", part, mutant,
                            "grader.assignments.training.authoring.mistakes_batchnorm")
    result = grade_path(sub, parts=[part])
    assert not result.part(part).full
    assert diagnoses(result, part) == {diag}, diagnoses(result, part)


def test_each_part_calls_only_its_own_function(tmp_path):
    """A missing or broken batchnorm_inference costs nothing in batchnorm_train, and
    the other way round (the properties that relate the two stay within one part)."""
    source = (SOLUTIONS / "batchnorm.py").read_text(encoding="utf-8")
    for broken, intact in ((INFER, TRAIN), (TRAIN, INFER)):
        sub = tmp_path / broken
        copy_solutions(sub)
        (sub / "batchnorm.py").write_text(
            source + f"\n\ndef {broken}(*args, **kwargs):\n    raise NotImplementedError\n",
            encoding="utf-8")
        result = grade_path(sub, parts=PARTS)
        assert result.part(intact).full, _failing(result, intact)
        assert result.part(broken).score == 0


VARIANTS = {
    # float32 arithmetic with loops, writing into (and vandalising) its arguments
    "loops_in_place": '''
import numpy as np

def batchnorm_train(x, gamma, beta, moving_mean, moving_variance, momentum=0.99, epsilon=1e-3):
    d = x.shape[-1]
    flat = x.reshape(-1, d)
    n = flat.shape[0]
    for c in range(d):
        s = flat.dtype.type(0)
        for i in range(n):
            s += flat[i, c]
        m = s / n
        s2 = flat.dtype.type(0)
        for i in range(n):
            s2 += (flat[i, c] - m) ** 2
        v = s2 / n
        for i in range(n):
            flat[i, c] = (flat[i, c] - m) / np.sqrt(v + epsilon) * gamma[c] + beta[c]
        moving_mean[c] = momentum * moving_mean[c] + (1 - momentum) * m
        moving_variance[c] = momentum * moving_variance[c] + (1 - momentum) * v
    gamma[...] = 7.0
    return x, moving_mean, moving_variance

def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    x -= moving_mean
    x /= np.sqrt(moving_variance + epsilon)
    x *= gamma
    x += beta
    moving_mean[...] = 0.0
    return x
''',
    # Keras's operation order, one-pass variance E[x^2] - E[x]^2, reshape to (-1, D)
    "one_pass_keras_order": '''
import numpy as np

def batchnorm_train(x, gamma, beta, moving_mean, moving_variance, momentum=0.99, epsilon=1e-3):
    flat = x.reshape(-1, x.shape[-1])
    mean = flat.mean(axis=0)
    var = (flat ** 2).mean(axis=0) - mean ** 2
    inv = gamma / np.sqrt(var + epsilon)
    y = x * inv + (beta - mean * inv)
    return (y, moving_mean * momentum + mean * (1 - momentum),
            moving_variance * momentum + var * (1 - momentum))

def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    inv = gamma / np.sqrt(moving_variance + epsilon)
    return x * inv + (beta - moving_mean * inv)
''',
    # everything in float64, keepdims statistics, np.var
    "float64_inside": '''
import numpy as np

def batchnorm_train(x, gamma, beta, moving_mean, moving_variance, momentum=0.99, epsilon=1e-3):
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes, keepdims=True)
    var = np.var(x, axis=axes, keepdims=True)
    y = gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    return (y, momentum * moving_mean + (1 - momentum) * mean.reshape(-1),
            momentum * moving_variance + (1 - momentum) * var.reshape(-1))

def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    x = x.astype(np.float64)
    return gamma * ((x - moving_mean) / np.sqrt(moving_variance + epsilon)) + beta
''',
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_correct_variants_score_full_marks(tmp_path, variant):
    sub = tmp_path / variant
    sub.mkdir()
    (sub / "batchnorm.py").write_text(VARIANTS[variant], encoding="utf-8")
    result = grade_path(sub, parts=PARTS)
    for part in PARTS:
        assert result.part(part).full, _failing(result, part)
        assert not diagnoses(result, part)


def test_recorded_cases_cover_the_issue():
    train = load_cases("training", TRAIN)
    infer = load_cases("training", INFER)
    tags = {t for c in train for t in c.tags}
    assert {"defaults", "4d", "hparams", "float64", "batch1"} <= tags
    assert {"defaults", "4d", "hparams", "float64"} <= {t for c in infer for t in c.tags}
    for cases, x_of in ((train, lambda c: c.inputs["xs"][0]), (infer, lambda c: c.inputs["x"])):
        assert {x_of(c).dtype for c in cases} == {np.dtype("float32"), np.dtype("float64")}
        assert {x_of(c).ndim for c in cases} == {2, 4}
        for c in cases:   # gamma, beta and moving statistics set, not Keras's initial values
            assert not np.allclose(c.inputs["gamma"], 1) and not np.allclose(c.inputs["beta"], 0)
            assert not np.allclose(c.inputs["moving_mean"], 0)
            assert not np.allclose(c.inputs["moving_variance"], 1)
    assert any(c.inputs["defaults"] for c in train) and any(not c.inputs["defaults"] for c in train)
    assert {c.inputs["hparams"]["momentum"] for c in train} >= {0.99, 0.9}
    assert len({c.inputs["hparams"]["epsilon"] for c in train}) >= 3
    batch1 = [c for c in train if "batch1" in c.tags]
    assert batch1 and all(c.inputs["xs"][0].shape[0] == 1 and c.inputs["xs"][0].ndim == 2
                          for c in batch1)
    assert any(len(c.inputs["xs"]) == 3 for c in train)       # consecutive training calls
    assert load_cases("training", TRAIN, hidden=True) and load_cases("training", INFER, hidden=True)


def test_every_mistake_differs_from_keras_on_some_recorded_case():
    """The recording can tell each mistake from Keras (else the mutant test is vacuous)."""
    def differs(got, exp):
        return len(got) != len(exp) or any(np.shape(g) != np.shape(e)
                                           or not np.allclose(g, e, rtol=1e-4, atol=1e-5, equal_nan=True)
                                           for g, e in zip(got, exp, strict=True))

    def flat(record):
        return record["ys"] + record["moving_means"] + record["moving_variances"]

    train = load_cases("training", TRAIN)
    for fn in M.MISTAKES[TRAIN]:
        assert any(differs(flat(simulate_train(fn, c.inputs)), flat(c.expected)) for c in train), \
            fn.__name__
    infer = load_cases("training", INFER)
    for fn in M.MISTAKES[INFER]:
        assert any(differs([simulate_inference(fn, c.inputs)["y"]], [c.expected["y"]])
                   for c in infer), fn.__name__


def test_solution_on_a_batch_of_one_gives_beta():
    sol = _solution()
    inp = train_inputs((1, 4), np.float32, 1, 0)
    y, mm, mv = sol.batchnorm_train(inp["xs"][0], inp["gamma"], inp["beta"], inp["moving_mean"],
                                    inp["moving_variance"])
    np.testing.assert_array_equal(y, inp["beta"][None, :])
    np.testing.assert_allclose(mv, 0.99 * inp["moving_variance"], rtol=1e-6)


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize("part", PARTS)
def test_recording_agrees_with_live_tensorflow(tf, part):
    from grader.assignments.training.authoring.tf_batchnorm import batchnorm_inference_keras, batchnorm_train_keras

    live_fn = batchnorm_train_keras if part == TRAIN else batchnorm_inference_keras
    for hidden in (False, True):
        for case in load_cases("training", part, hidden=hidden):
            live = live_fn(case.inputs)
            assert set(live) == set(case.expected)
            for key, values in live.items():
                recorded = case.expected[key]
                if not isinstance(values, list):
                    values, recorded = [values], [recorded]
                assert len(values) == len(recorded)
                for k, (a, b) in enumerate(zip(values, recorded, strict=True)):
                    assert a.dtype == b.dtype
                    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6,
                                               err_msg=f"{part} {case.id} {key} call {k + 1}")


def _keras_layer(dtype, shape, gamma, beta, mm, mv, **kw):
    import keras

    layer = keras.layers.BatchNormalization(dtype=np.dtype(dtype).name, **kw)
    layer.build(shape)
    layer.set_weights([gamma, beta, mm, mv])
    return layer


@pytest.mark.tf
def test_property_facts_hold_in_keras(tf):
    """What the properties assert, checked on Keras itself: the normalised output's
    moments, geometric convergence of the moving statistics, inference with the batch's
    statistics = the numpy formula = the training output, and a batch of one gives beta."""
    rng = np.random.default_rng(7)
    for dtype, rtol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        x = (rng.normal(size=(12, 3)) * [0.5, 1.0, 2.0] + [1.0, -2.0, 0.5]).astype(dtype)
        d = x.shape[-1]
        mean, var = batch_stats(x)
        gamma, beta = rng.uniform(0.5, 2, d).astype(dtype), rng.uniform(-1, 1, d).astype(dtype)
        mm0, mv0 = rng.uniform(-1, 1, d).astype(dtype), rng.uniform(0.5, 2, d).astype(dtype)

        # gamma = 1, beta = 0: mean 0, variance var / (var + eps)
        ones, zeros = np.ones(d, dtype), np.zeros(d, dtype)
        layer = _keras_layer(dtype, x.shape, ones, zeros, mm0, mv0, epsilon=0.01)
        y_mean, y_var = batch_stats(np.asarray(layer(x, training=True)))
        np.testing.assert_allclose(y_mean, 0, atol=1e-6)
        np.testing.assert_allclose(y_var, var / (var + 0.01), rtol=1e-5)

        # n training calls on one batch: m + (m0 - m) * momentum**n
        layer = _keras_layer(dtype, x.shape, gamma, beta, mm0, mv0, momentum=0.9, epsilon=1e-3)
        for _ in range(5):
            y_train = np.asarray(layer(x, training=True))
        np.testing.assert_allclose(layer.moving_mean.numpy(), mean + (mm0 - mean) * 0.9 ** 5,
                                   rtol=rtol, atol=1e-6)
        np.testing.assert_allclose(layer.moving_variance.numpy(), var + (mv0 - var) * 0.9 ** 5,
                                   rtol=rtol, atol=1e-6)

        # inference with the batch's statistics = the formula = the training output
        layer = _keras_layer(dtype, x.shape, gamma, beta, mean.astype(dtype), var.astype(dtype))
        y_inf = np.asarray(layer(x, training=False))
        f = lambda a: np.asarray(a, np.float64)  # noqa: E731
        mm, mv = f(mean.astype(dtype)), f(var.astype(dtype))
        formula = (f(x) - mm) / np.sqrt(mv + 1e-3) * gamma + beta
        atol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(y_inf, formula, rtol=rtol, atol=atol)
        np.testing.assert_allclose(y_inf, y_train, rtol=rtol, atol=atol)

        # a batch of one example: y ~ beta, the moving variance decays by momentum
        layer = _keras_layer(dtype, x.shape, gamma, beta, mm0, mv0)
        y1 = np.asarray(layer(x[:1], training=True))
        np.testing.assert_allclose(y1[0], beta, atol=1e-4 if dtype == np.float32 else 1e-12)
        np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99 * mv0, rtol=1e-6)


@pytest.mark.tf
def test_solution_matches_keras_directly(tf):
    """Independent of the recorder: the solution against a live layer on an image batch."""
    sol = _solution()
    rng = np.random.default_rng(3)
    x = rng.normal(1.0, 2.0, size=(3, 4, 4, 5)).astype(np.float32)
    gamma, beta = rng.uniform(0.5, 2, 5).astype(np.float32), rng.normal(size=5).astype(np.float32)
    mm, mv = rng.normal(size=5).astype(np.float32), rng.uniform(0.5, 2, 5).astype(np.float32)
    layer = _keras_layer(np.float32, x.shape, gamma, beta, mm, mv, momentum=0.9, epsilon=1e-4)
    y_k = np.asarray(layer(x, training=True))
    y, new_mm, new_mv = sol.batchnorm_train(x, gamma, beta, mm, mv, momentum=0.9, epsilon=1e-4)
    np.testing.assert_allclose(y, y_k, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(new_mm, layer.moving_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_mv, layer.moving_variance.numpy(), rtol=1e-5, atol=1e-6)
    y_inf = sol.batchnorm_inference(x, gamma, beta, new_mm, new_mv, epsilon=1e-4)
    np.testing.assert_allclose(y_inf, np.asarray(layer(x, training=False)), rtol=1e-5, atol=1e-5)


# -- recheck (issue 11.4): gamma or beta left out alone, written into the solution -----------

SOLUTION_FORMS = {
    "batchnorm_inference_no_beta": (
        "    return (x - moving_mean) / np.sqrt(moving_variance + epsilon) * gamma + beta",
        "    return (x - moving_mean) / np.sqrt(moving_variance + epsilon) * gamma"),
    "batchnorm_inference_no_gamma": (
        "    return (x - moving_mean) / np.sqrt(moving_variance + epsilon) * gamma + beta",
        "    return (x - moving_mean) / np.sqrt(moving_variance + epsilon) + beta"),
    "batchnorm_train_no_beta": (
        "    y = (x - mean) / np.sqrt(var + epsilon) * gamma + beta",
        "    y = (x - mean) / np.sqrt(var + epsilon) * gamma"),
    "batchnorm_train_no_gamma": (
        "    y = (x - mean) / np.sqrt(var + epsilon) * gamma + beta",
        "    y = (x - mean) / np.sqrt(var + epsilon) + beta"),
}


@pytest.mark.slow
@pytest.mark.parametrize("mistake", sorted(SOLUTION_FORMS))
def test_gamma_or_beta_left_out_is_named(tmp_path, mistake):
    """The recheck's batchnorm_inference without beta was unnamed (only "no gamma and beta"
    was catalogued): each of the four forms loses points in its part only, is named by
    its own id on a public check, and nothing else is named."""
    part = TRAIN if mistake.startswith("batchnorm_train") else INFER
    old, new = SOLUTION_FORMS[mistake]
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "batchnorm.py"
    source = path.read_text(encoding="utf-8")
    assert source.count(old) == 1
    path.write_text(source.replace(old, new), encoding="utf-8")
    result = grade_path(sub, parts=PARTS)
    assert set(lost_points(result)) == {part}, lost_points(result)
    assert diagnoses(result, part) == {mistake}, diagnoses(result, part)
    assert any(c.diagnosis == mistake and not c.hidden for c in result.part(part).checks)
    assert HINTS[mistake] in {c.hint for c in result.part(part).checks}
