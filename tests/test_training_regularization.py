"""The l1_l2 and dropout parts: the solution scores full marks, every known mistake
loses points in exactly its part with its name in the feedback, correct variants
(x / (1 - rate), float64 arithmetic, float32 loops, Python-float penalties) pass, and
the recorded reference agrees with TensorFlow."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from grader.assignments.training.authoring import mistakes_regularization as M
from grader.reference import load_cases
from grader.assignments.training.regularization import HINTS, NONFINITE_NOTE, SGD_NOTE

from .helpers import (SOLUTIONS, copy_solutions, diagnoses, grade_path, lost_points,
                      mutant_submission, first_fast, one_per_part)

PARTS = ["l1_l2", "dropout"]
MUTANTS = [(part, fn.__name__) for part, fns in M.MISTAKES.items() for fn in fns]


def _solution_module():
    spec = importlib.util.spec_from_file_location("sol_reg", SOLUTIONS / "regularization.py")
    sol = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sol)
    return sol


def _submission(tmp_path, name, source):
    sub = tmp_path / name
    sub.mkdir()
    (sub / "regularization.py").write_text(source, encoding="utf-8")
    return sub


def _failing(result, part):
    return [(c.name, c.message) for c in result.part(part).checks if not c.passed]


@pytest.fixture(scope="module")
def solution_result(tmp_path_factory):
    return grade_path(copy_solutions(tmp_path_factory.mktemp("sol")), parts=PARTS)


def test_solution_scores_full_marks(solution_result):
    for part in solution_result.parts:
        assert part.full, (part.id, _failing(solution_result, part.id))
    assert solution_result.score == 18


def test_every_part_has_hidden_and_public_checks(solution_result):
    for part in solution_result.parts:
        assert any(c.hidden for c in part.checks) and any(not c.hidden for c in part.checks)


def test_sgd_check_notes_that_adam_differs(solution_result):
    notes = [c.note for c in solution_result.part("l1_l2").checks if c.note]
    assert notes == [SGD_NOTE] and "AdamW" in SGD_NOTE


def test_at_least_three_named_mistakes_per_part_each_with_a_hint():
    for part in PARTS:
        assert len(M.MISTAKES[part]) >= 3
        for fn in M.MISTAKES[part]:
            assert fn.__name__ in HINTS, f"{fn.__name__} has no hint"
            assert M.TARGET[fn.__name__] in ({"l1_penalty", "l1_grad", "l2_penalty", "l2_grad"}
                                             if part == "l1_l2" else {"dropout", "dropout_mask"})


@pytest.mark.parametrize("part,mistake", one_per_part(MUTANTS, ids=[m for _, m in MUTANTS]))
def test_mutant_loses_points_in_exactly_its_part(tmp_path, part, mistake):
    sub = mutant_submission(tmp_path / mistake, "regularization", M.TARGET[mistake], mistake,
                            "grader.assignments.training.authoring.mistakes_regularization")
    result = grade_path(sub, parts=PARTS)
    assert set(lost_points(result)) == {part}, lost_points(result)
    # named by its failing checks, and no other mistake is named (issue 11.4)
    assert diagnoses(result, part) == {mistake}, diagnoses(result, part)
    assert any(c.diagnosis == mistake and not c.hidden for c in result.part(part).checks)
    hints = {c.hint for c in result.part(part).checks if c.diagnosis == mistake}
    assert hints == {HINTS[mistake]}


TRIVIAL = [(part, tid) for part, kinds in M.TRIVIAL.items() for tid in kinds]


def _trivial_submission(dest, part, tid):
    copy_solutions(dest)
    path = dest / "regularization.py"
    binds = "".join(f"\n{name} = {fn}\n" for name, fn in M.TRIVIAL[part][tid].items())
    path.write_text(path.read_text(encoding="utf-8") + "\n\n# --- trivial ---\n"
                    + Path(M.__file__).read_text(encoding="utf-8") + binds, encoding="utf-8")
    return dest


@pytest.mark.parametrize("part,tid", first_fast(TRIVIAL, ids=[f"{p}-{t}" for p, t in TRIVIAL]))
def test_trivial_mutant_scores_zero_in_its_part(tmp_path, part, tid):
    """Zeros, or the inputs returned unchanged, earn nothing (issue 11.2): every property
    that a constant or an identity satisfies is tied to a condition they fail."""
    result = grade_path(_trivial_submission(tmp_path / tid, part, tid), parts=PARTS)
    assert result.part(part).score == 0, [(c.name, c.points) for c in result.part(part).checks]
    other, = set(PARTS) - {part}
    assert result.part(other).full
    # nothing known is named for them (what they ignore may be said)
    assert all(d.startswith("ignores:") for d in diagnoses(result, part)), diagnoses(result, part)


CORRECT_VARIANTS = '''
import numpy as np

def l1_penalty(weights, l1=0.01):
    w = weights.astype(np.float32).reshape(-1)
    total = np.float32(0)
    for i in range(w.size):                 # a float32 loop
        total += np.float32(abs(w[i]))
    weights[...] = 7                        # vandalise the caller's array
    return float(l1 * total)                # a Python float

def l1_grad(weights, l1=0.01):
    out = np.zeros(np.shape(weights))
    for i in np.ndindex(np.shape(weights)):
        out[i] = l1 if weights[i] > 0 else (-l1 if weights[i] < 0 else 0.0)
    return out

def l2_penalty(weights, l2=0.01):
    return np.asarray(l2 * np.sum(weights.astype(np.float32) ** 2))   # float32, a 0-d array

def l2_grad(weights, l2=0.01):
    weights *= 2 * l2                       # in place
    return weights

def dropout_mask(shape, rate, rng):
    return rng.binomial(1, 1 - rate, size=shape).astype(bool)

def dropout(x, rate, mask, training=False):
    if not training:
        return x
    if rate == 1:
        return np.zeros(x.shape)
    return np.where(mask, x.astype(np.float64) / (1.0 - rate), 0.0)   # float64, x / (1-rate)
'''


def test_correct_variants_score_full_marks(tmp_path):
    result = grade_path(_submission(tmp_path, "variants", CORRECT_VARIANTS), parts=PARTS)
    for part in PARTS:
        assert result.part(part).full, _failing(result, part)
        assert not diagnoses(result, part)


def test_dropout_multiplying_by_the_mask_is_correct_and_only_noted(tmp_path):
    """Issue 11.1: x * mask / (1 - rate) (CS231n's inverted dropout) scores full marks;
    that Keras's dropped entries stay 0 where x is inf/NaN is a note, once per part."""
    source = (SOLUTIONS / "regularization.py").read_text(encoding="utf-8") + '''

def dropout(x, rate, mask, training=False):
    if not training:
        return x
    if rate == 1:
        return np.zeros_like(x)
    return x * mask / (1 - rate)
'''
    result = grade_path(_submission(tmp_path, "cs231n", source), parts=["dropout"])
    part = result.part("dropout")
    assert part.full, _failing(result, "dropout")
    assert not diagnoses(result, "dropout")
    notes = [c.note for c in part.checks if c.note]
    assert notes == [NONFINITE_NOTE]
    assert not any("inf" in c.name or "NaN" in c.name for c in part.checks)


def test_solution_gets_no_nonfinite_note(solution_result):
    assert not any(c.note == NONFINITE_NOTE for c in solution_result.part("dropout").checks)


def test_a_hard_coded_coefficient_is_named_as_ignored(tmp_path):
    """Issue 11.5: a literal where `l2` belongs is diagnosed as an ignored argument."""
    source = (SOLUTIONS / "regularization.py").read_text(encoding="utf-8") + '''

def l2_grad(weights, l2=0.01):
    return 2 * 0.01 * weights
'''
    result = grade_path(_submission(tmp_path, "literal", source), parts=["l1_l2"])
    assert not result.part("l1_l2").full
    assert diagnoses(result, "l1_l2") == {"ignores:l2"}


def test_float32_division_by_one_minus_rate_passes(tmp_path):
    """Keras multiplies by float(1/(1-rate)); x / (1 - rate) in float32 is <= 1 ulp off."""
    source = (SOLUTIONS / "regularization.py").read_text(encoding="utf-8") + '''

def dropout(x, rate, mask, training=False):
    if not training or rate == 0:
        return x
    if rate == 1:
        return np.zeros_like(x)
    return np.where(mask, x / (1 - rate), np.zeros((), x.dtype))
'''
    result = grade_path(_submission(tmp_path, "divide", source), parts=["dropout"])
    assert result.part("dropout").full, _failing(result, "dropout")


def test_division_variant_really_differs_from_keras_somewhere():
    """The tolerance of the dropout checks is needed: x / (1 - rate) is not bit-exact."""
    differs = 0
    for hidden in (False, True):
        for case in load_cases("training", "dropout", hidden=hidden):
            x, rate, mask = case.inputs["x"], case.inputs["rate"], case.inputs["mask"]
            if 0 < rate < 1:
                with np.errstate(all="ignore"):
                    got = np.where(mask, x / (1 - rate), np.zeros((), x.dtype))
                eps = np.finfo(x.dtype).eps
                assert np.allclose(got, case.expected["dropout"], rtol=2 * eps, atol=0,
                                   equal_nan=True)
                differs += not np.array_equal(got, case.expected["dropout"], equal_nan=True)
    assert differs


def test_badly_typed_results_fail_with_a_clear_message(tmp_path):
    source = (SOLUTIONS / "regularization.py").read_text(encoding="utf-8") + '''

def l2_penalty(weights, l2=0.01):
    return l2 * np.sum(np.square(weights), keepdims=True).reshape(1)

def dropout_mask(shape, rate, rng):
    return (rng.random(shape) >= rate).astype(np.int8)
'''
    result = grade_path(_submission(tmp_path, "typed", source), parts=PARTS)
    msgs = " ".join(m for _, m in _failing(result, "l1_l2"))
    assert "shape (1,), expected one float" in msgs
    msgs = " ".join(m for _, m in _failing(result, "dropout"))
    assert "dtype int8, expected bool" in msgs


def test_missing_function_scores_zero_in_its_part_only(tmp_path):
    source = (SOLUTIONS / "regularization.py").read_text(encoding="utf-8") + "\ndel l1_grad\n"
    result = grade_path(_submission(tmp_path, "missing", source), parts=PARTS)
    assert result.part("l1_l2").score == 0 and "`l1_grad` not found" in result.part("l1_l2").error
    assert result.part("dropout").full


def test_recorded_cases_cover_what_the_checks_promise():
    l1l2 = load_cases("training", "l1_l2")
    assert {"lecture", "defaults", "float32", "float64"} <= {t for c in l1l2 for t in c.tags}
    for tag in ("float32", "float64"):
        tagged = [c for c in l1l2 if tag in c.tags]
        assert {c.inputs["weights"].dtype.name for c in tagged} == {tag}
        assert all(np.any(c.inputs["weights"] == 0) for c in tagged if c.inputs["weights"].size > 1)
    assert any(c.inputs["weights"].ndim == 0 for c in l1l2)
    lecture = {c.inputs["weights"].tobytes(): c for c in l1l2 if "lecture" in c.tags}
    two = lecture[np.array([1.0, 2.0], np.float32).tobytes()]
    assert float(two.expected["l2_penalty"]) == 2.5                      # L2(0.5)([1, 2])
    three = lecture[np.array([0.0, 1.0, -1.0], np.float32).tobytes()]
    assert three.expected["l1_grad"].tolist() == [0.0, 1.0, -1.0]       # sign(0) = 0

    drop = load_cases("training", "dropout")
    assert {"lecture", "float32", "float64", "nonfinite"} <= {t for c in drop for t in c.tags}
    assert all(0 < c.inputs["rate"] < 1 for c in drop)   # rates 0 and 1: the edge property
    for c in drop:
        x = c.inputs["x"]
        assert not np.any(x == 0), "no exact zeros in x (the mask is read from Keras's output)"
        assert c.inputs["mask"].dtype == np.bool_ and c.inputs["mask"].shape == x.shape
    for part in PARTS:
        assert load_cases("training", part, hidden=True)


def test_every_recorded_mistake_differs_from_keras_on_some_public_case():
    """The recording can tell each mistake from Keras (else the reference checks cannot
    name it). Mistakes that are correct in training mode are caught by properties."""
    by_properties = {"dropout_scaled_at_inference", "dropout_rate_one_nan",
                     "dropout_masked_at_inference", "dropout_inference_multiplies_keep_prob",
                     "dropout_mask_keeps_rate", "dropout_mask_ignores_rng", "dropout_mask_float"}
    assert "dropout_multiplies_nan" not in HINTS     # x * mask is correct (issue 11.1)
    for part in PARTS:
        recorded = {m for c in load_cases("training", part) for m in c.mistakes}
        for fn in M.MISTAKES[part]:
            if fn.__name__ not in by_properties:
                assert fn.__name__ in recorded, fn.__name__


def test_solution_reproduces_the_recording_exactly():
    """Dropout bit for bit (keras-semantics 8); penalties within float32 summation error,
    gradients exactly in float32."""
    sol = _solution_module()
    for hidden in (False, True):
        for case in load_cases("training", "dropout", hidden=hidden):
            i = case.inputs
            out = sol.dropout(i["x"], i["rate"], i["mask"], training=True)
            assert out.dtype == i["x"].dtype
            assert np.array_equal(out, case.expected["dropout"], equal_nan=True), case.id
        for case in load_cases("training", "l1_l2", hidden=hidden):
            i = case.inputs
            for name in ("l1_penalty", "l1_grad", "l2_penalty", "l2_grad"):
                kw = {} if i["defaults"] else {name[:2]: i[name[:2]]}
                got = getattr(sol, name)(i["weights"], **kw)
                np.testing.assert_allclose(got, case.expected[name], rtol=1e-6, atol=0,
                                           err_msg=f"{name} {case.id}")


def test_dropout_mask_statistics_of_the_solution():
    sol = _solution_module()
    m1 = sol.dropout_mask((1000, 100), 0.3, np.random.default_rng(5))
    m2 = sol.dropout_mask((1000, 100), 0.3, np.random.default_rng(5))
    assert m1.dtype == np.bool_ and np.array_equal(m1, m2)
    assert abs(m1.mean() - 0.7) < 6 * np.sqrt(0.21 / m1.size)
    assert sol.dropout_mask((3, 4), 0.0, np.random.default_rng(0)).all()
    assert not sol.dropout_mask((3, 4), 1.0, np.random.default_rng(0)).any()


@pytest.mark.tf
def test_recording_agrees_with_live_tensorflow(tf):
    from grader.assignments.training.authoring.tf_regularization import dropout_training, regularizer_outputs

    for hidden in (False, True):
        for case in load_cases("training", "l1_l2", hidden=hidden):
            live = regularizer_outputs(case.inputs)
            for name, value in live.items():
                np.testing.assert_allclose(value, case.expected[name], rtol=1e-7, atol=0,
                                           err_msg=f"{name} {case.id}")
                assert value.dtype == case.inputs["weights"].dtype
        for case in load_cases("training", "dropout", hidden=hidden):
            i = case.inputs
            live = dropout_training(i["x"], i["rate"], i["seed"])
            assert np.array_equal(live, case.expected["dropout"], equal_nan=True), case.id
            assert np.array_equal(live != 0, i["mask"]), case.id


@pytest.mark.tf
def test_keras_facts_the_properties_rely_on(tf):
    """Inference is the identity; in training rate 0 is the identity and rate 1 gives
    zeros; the keep probability is 1 - rate; and an SGD step with an L2 penalty equals
    SGD's decoupled weight_decay = 2*l2."""
    import keras

    from grader.assignments.training.authoring.tf_regularization import dropout_inference, dropout_training

    x = np.random.default_rng(3).uniform(0.5, 2.0, (4, 5)).astype(np.float32)
    for training in (False, None):
        assert np.array_equal(dropout_inference(x, 0.4, training), x)
    for dtype in (np.float32, np.float64):
        xd = x.astype(dtype)
        assert np.array_equal(dropout_training(xd, 0.0, 1), xd)
        zeros = dropout_training(xd, 1.0, 1)
        assert zeros.dtype == dtype and not zeros.any()
    kept = (dropout_training(np.ones((200, 500), np.float32), 0.3, 9) != 0).mean()
    assert abs(kept - 0.7) < 6 * np.sqrt(0.21 / 1e5)

    w0 = np.random.default_rng(4).normal(size=(3, 2)).astype(np.float64)
    g = np.random.default_rng(5).normal(size=(3, 2))
    coupled = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(coupled * g) + keras.regularizers.L2(0.05)(coupled)
    keras.optimizers.SGD(0.1).apply_gradients([(tape.gradient(loss, coupled), coupled)])
    decoupled = tf.Variable(w0)
    keras.optimizers.SGD(0.1, weight_decay=0.1).apply_gradients([(tf.constant(g), decoupled)])
    np.testing.assert_allclose(coupled.numpy(), decoupled.numpy(), rtol=1e-6, atol=1e-7)


# -- review round 2 (issue 11) ------------------------------------------------------------------

@pytest.mark.slow
def test_dropout_times_mask_earns_nothing_for_dropout(tmp_path):
    """`return x * mask` ignores training and rate: with a correct dropout_mask it keeps
    only the mask checks' points (it got 0.625 from "rate=0 returns x and rate=1 returns
    zeros", which it satisfies: that check now also wants the scaling at rate 0.75), and
    is named "not inverted" (or an ignored argument), nothing else."""
    sub = copy_solutions(tmp_path / "sub")
    path = sub / "regularization.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n# --- trivial ---\n"
                    + Path(M.__file__).read_text(encoding="utf-8")
                    + "\ndropout = trivial_dropout_x_times_mask\n", encoding="utf-8")
    part = grade_path(sub, parts=["dropout"]).part("dropout")
    mask_checks = [c for c in part.checks if c.name.startswith("dropout_mask")]
    assert len(mask_checks) == 2 and all(c.passed for c in mask_checks)
    for c in part.checks:
        assert c.passed == (c in mask_checks), (c.name, c.message)
    edge = next(c for c in part.checks if c.name.startswith("in training, rate=0"))
    assert "rate=0.75" in edge.message and edge.diagnosis == "dropout_not_inverted"
    assert all(c.diagnosis in ("", "dropout_not_inverted") or c.diagnosis.startswith("ignores:")
               for c in part.checks), [c.diagnosis for c in part.checks]


REVIEW_DROPOUT = {   # the reviewer's forms, on a correct inverted dropout
    "dropout_masked_at_inference": ("    if not training:\n        return x\n",
                                    "    if not training:\n"
                                    "        return np.where(mask, x, 0).astype(x.dtype)\n"),
    "dropout_inference_multiplies_keep_prob": ("    if not training:\n        return x\n",
                                               "    if not training:\n"
                                               "        return x * (1.0 - rate)\n"),
    "dropout_mask_meaning_inverted": ("np.where(mask, x * (1.0 / (1.0 - rate)), 0)",
                                      "np.where(mask, 0, x * (1.0 / (1.0 - rate)))"),
    "l1_penalty_not_summed": ("return l1 * np.sum(np.abs(weights))",
                              "return l1 * np.abs(weights)"),
    "l2_penalty_not_summed": ("return l2 * np.sum(np.square(weights))",
                              "return l2 * np.square(weights)"),
}

REVIEW_BASE = """
import numpy as np


def l1_penalty(weights, l1=0.01):
    return l1 * np.sum(np.abs(weights))


def l1_grad(weights, l1=0.01):
    return l1 * np.sign(weights)


def l2_penalty(weights, l2=0.01):
    return l2 * np.sum(np.square(weights))


def l2_grad(weights, l2=0.01):
    return 2 * l2 * weights


def dropout_mask(shape, rate, rng):
    return rng.random(shape) >= rate


def dropout(x, rate, mask, training=False):
    if not training:
        return x
    if rate >= 1:
        return np.zeros_like(x)
    return np.where(mask, x * (1.0 / (1.0 - rate)), 0).astype(x.dtype)
"""


def test_review_base_scores_full_marks(tmp_path):
    sub = copy_solutions(tmp_path / "sub")
    (sub / "regularization.py").write_text(REVIEW_BASE, encoding="utf-8")
    result = grade_path(sub, parts=PARTS)
    for part in result.parts:
        assert part.full, [(c.name, c.message) for c in part.checks if not c.passed]
        assert not any(c.diagnosis for c in part.checks)


@pytest.mark.slow
@pytest.mark.parametrize("mid", sorted(REVIEW_DROPOUT))
def test_review_forms_are_named(tmp_path, mid):
    """Review round 2: dropout masking or scaling at inference, a mask read the wrong way
    round and an L1 penalty not summed lost points with no name. Each is named by its own
    id on a public check, and nothing else is named."""
    old, new = REVIEW_DROPOUT[mid]
    assert old in REVIEW_BASE
    sub = copy_solutions(tmp_path / "sub")
    (sub / "regularization.py").write_text(REVIEW_BASE.replace(old, new), encoding="utf-8")
    result = grade_path(sub, parts=PARTS)
    part = "l1_l2" if mid.startswith("l") else "dropout"
    assert set(lost_points(result)) == {part}, lost_points(result)
    assert diagnoses(result, part) == {mid}, diagnoses(result, part)
    assert any(c.diagnosis == mid and not c.hidden for c in result.part(part).checks)
    assert HINTS[mid] in {c.hint for c in result.part(part).checks}


def test_scaling_by_the_kept_fraction_is_not_called_not_inverted(tmp_path):
    """x / mask.mean() equals x on a one-entry example, as non-inverted dropout does; the
    name needs a fixed input with kept and dropped entries too, where it differs."""
    sub = copy_solutions(tmp_path / "sub")
    (sub / "regularization.py").write_text(REVIEW_BASE.replace(
        "np.where(mask, x * (1.0 / (1.0 - rate)), 0)", "np.where(mask, x / mask.mean(), 0)"),
        encoding="utf-8")
    result = grade_path(sub, parts=["dropout"])
    assert not result.part("dropout").full
    names = diagnoses(result, "dropout")
    assert "dropout_not_inverted" not in names and all(n.startswith("ignores:") for n in names), \
        names
