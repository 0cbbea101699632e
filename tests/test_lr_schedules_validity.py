"""lr_schedules graded against an independent review: student-style variants checked
against real Keras (``tests/corpus/lr_schedules/``, each folder one submission holding
only the module it is about). A correct variant scores full marks, a bug loses points in
its own part and is named only by a mistake that explains what the student passed as
well as what they failed, trivial code earns nothing, and feedback in Korean leaves no
English sentence behind."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from grader.assignments import get
from grader.assignments.lr_schedules import plateau as P
from grader.assignments.lr_schedules import schedules as S
from grader.assignments.lr_schedules.authoring import mistakes as M
from grader.checking import Settings
from grader.engine import grade
from grader.i18n import localize
from grader.reference import load_cases

from .test_lr_schedules import copy_solutions, mutant

CORPUS = Path(__file__).resolve().parent / "corpus" / "lr_schedules"
FAST = Settings(max_examples=8)
SCHEDULE_PARTS = ("exponential_decay", "piecewise_constant", "inverse_time_decay",
                  "cosine_decay")
PLATEAU = "reduce_lr_on_plateau"


def grade_variant(name: str, parts=None):
    return grade(CORPUS / name, get("lr_schedules"), parts=parts, hidden=True, settings=FAST)


def diagnoses(part) -> set:
    return {c.diagnosis for c in part.checks if c.diagnosis}


# -- 1. inputs are finite: what code does with NaN is never worth points ----------------------

def _floats(value):
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _floats(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _floats(v)


@pytest.mark.parametrize("part_id", [*SCHEDULE_PARTS, PLATEAU])
def test_every_graded_input_is_finite(part_id):
    for hidden in (False, True):
        for case in load_cases("lr_schedules", part_id, hidden):
            assert all(math.isfinite(x) for x in _floats(case.inputs)), (hidden, case.id)


def test_a_callback_treating_a_nan_loss_as_missing_scores_full_marks():
    """c24_nan_guard: ``if current is None or np.isnan(current)`` is Keras on every finite
    input; a hidden case with val_loss = NaN once cost it 2.25 points."""
    part = grade_variant("c24_nan_guard", [PLATEAU]).part(PLATEAU)
    assert part.full, [(c.name, c.message[:200]) for c in part.checks if not c.passed]


# -- 2. bugs that once had full marks -------------------------------------------------------------

@pytest.mark.parametrize("name, mistake", [
    ("b_cb_max_delta_sign", "plateau_max_mode_min_delta_wrong_way"),   # current + min_delta > best
    ("b_cb_unknown_mode_raises", "plateau_unknown_mode_raises"),       # Keras falls back to auto
    ("b_cb_unknown_mode_as_max", None),                                # (no catalogued name)
])
def test_plateau_bugs_lose_points_and_are_named(name, mistake):
    part = grade_variant(name, [PLATEAU]).part(PLATEAU)
    lost = [c for c in part.checks if not c.passed]
    assert lost and not part.full
    assert any("'min', 'max' and 'auto'" in c.name for c in lost), [c.name for c in lost]
    assert diagnoses(part) == ({mistake} if mistake else set()), diagnoses(part)


# -- 3. trivial code earns nothing, error cases included --------------------------------------------

def test_constant_code_raising_value_errors_earns_nothing():
    """t_const_ve returns the initial rate but raises ValueError where Keras refuses the
    arguments: the four error-case checks once paid it 4.9 points."""
    result = grade_variant("t_const_ve")
    assert {p.id: p.score for p in result.parts} == {p.id: 0 for p in result.parts}
    for part in result.parts:
        errors = [c for c in part.checks if "raise" in c.name and "ValueError" in c.name]
        assert len(errors) == 1 and "count once" in errors[0].message, part.id


def test_a_function_that_always_raises_value_error_earns_nothing(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "schedules.py").write_text("".join(
        f"def {fn}(step, *args, **kwargs):\n    raise ValueError('no')\n\n"
        for fn, _, _ in S.PARTS.values()), encoding="utf-8")
    result = grade(sub, get("lr_schedules"), parts=list(SCHEDULE_PARTS), hidden=True,
                   settings=FAST)
    assert all(p.score == 0 for p in result.parts), [(p.id, p.score) for p in result.parts]


@pytest.mark.parametrize("mistake", [m for part in M.TRIVIAL for m in M.TRIVIAL[part]
                                     if m.id in ("returns_initial_rate_checked",
                                                 "plateau_never_reduces_checked")],
                         ids=lambda m: f"{m.part}-{m.id}")
def test_trivial_code_raising_what_keras_refuses_earns_nothing(mistake, tmp_path):
    result = grade(mutant(tmp_path / "sub", mistake), get("lr_schedules"),
                   parts=[mistake.part], hidden=True, settings=FAST)
    part = result.part(mistake.part)
    assert part.score == 0, [(c.name, c.points) for c in part.checks]


def test_the_error_checks_pay_the_solution(tmp_path):
    result = grade(copy_solutions(tmp_path / "sub"), get("lr_schedules"), hidden=False,
                   settings=FAST)
    for part in result.parts:
        errors = [c for c in part.checks if "ValueError" in c.name]
        assert len(errors) == 1 and errors[0].passed, (part.id, errors[0].message)


# -- 4. names and hints that explain what the student did --------------------------------------

@pytest.mark.parametrize("name, part_id, mistake", [
    # clips the step only with a warmup_target (narrower than no clip at all, which would
    # fail the warmup check the student passes)
    ("b_cos_no_clip", "cosine_decay", "cosine_decay_no_clip_without_warmup"),
    # a compiled metric without a direction is minimised (Keras raises)
    ("b_cb_direction_default_down", PLATEAU, "plateau_auto_falls_back_to_min"),
    # `factor > 1.0`: a slip narrower than no check at all, shown by the failing cases of
    # the one failing check (a passing case of a failing check rules nothing out)
    ("b_cb_factor_gt", PLATEAU, "plateau_no_factor_check"),
])
def test_a_mistake_agreeing_with_every_passed_check_is_named(name, part_id, mistake):
    part = grade_variant(name, [part_id]).part(part_id)
    assert not part.full
    assert diagnoses(part) == {mistake}, diagnoses(part)


def test_auto_falling_back_to_min_is_named_as_such():
    """b_cb_auto_default_min resolves 'auto' as Keras does but minimises a name whose
    direction nothing gives (Keras raises). It passes the mode check, which minimising
    accuracies would fail: plateau_accuracy_minimised is not its name."""
    part = grade_variant("b_cb_auto_default_min", [PLATEAU]).part(PLATEAU)
    assert diagnoses(part) == {"plateau_auto_falls_back_to_min"}, diagnoses(part)
    named = [c for c in part.checks if c.diagnosis]
    assert all(c.hint == P.HINTS["plateau_auto_falls_back_to_min"] for c in named)


@pytest.mark.parametrize("name, part_id, wrong, right", [
    # cosine without its 0.5: the probe sat at the cosine's midpoint, where it is alpha-free
    ("b_cos_no_half", "cosine_decay", "ignores:alpha", None),
    # reads values[-1] after the second-to-last boundary: values[0] and values[-1] are read
    ("b_pw_skip_last_boundary", "piecewise_constant", "ignores:values", None),
    # `//` without staircase: always floored
    ("b_inv_intdiv", "inverse_time_decay", "ignores:staircase",
     "inverse_time_decay_always_staircase"),
])
def test_no_misleading_hint(name, part_id, wrong, right):
    part = grade_variant(name, [part_id]).part(part_id)
    assert not part.full
    found = diagnoses(part)
    assert not any(wrong in d for d in found), found
    if right:
        assert found == {right}, found
        assert {c.hint for c in part.checks if c.diagnosis} == {S.HINTS[part_id][right]}


def test_the_cosine_decay_probe_is_off_the_midpoint():
    """At warmup_steps + decay_steps / 2 the cosine term is 0 whatever its factor: a probe
    there cannot see alpha in code that forgot the 0.5."""
    decay = S.PROBES["cosine_decay"][1]
    kw = decay.kwargs
    assert kw["step"] - kw["warmup_steps"] != kw["decay_steps"] / 2
    piecewise = S.PROBES["piecewise_constant"][0]
    assert all(a != b for a, b in zip(piecewise.kwargs["values"],
                                      piecewise.alternatives["values"], strict=True))


# -- 5. inputs may be changed in place ----------------------------------------------------------

def test_a_function_changing_its_boundaries_in_place_scores_full_marks():
    """g_pw_mutate appends sentinels to the caller's boundaries list, as the contract
    allows: every call must get fresh arguments."""
    part = grade_variant("g_pw_mutate", ["piecewise_constant"]).part("piecewise_constant")
    assert part.full, [(c.name, c.message[:200]) for c in part.checks if not c.passed]


# -- 6. Korean feedback leaves no English sentence behind ---------------------------------------

HANGUL = re.compile("[가-힣]")
#: What is not the grader's prose: `code`, quoted text (the student's or Keras's own words)
#: and "SomeError: its message" (quoted, or to the end of the line, as the engine shows a
#: call that raised).
NOT_PROSE = re.compile(r"\b[A-Z]\w*(?:Error|Exception): (?:'[^']*'|\"[^\"]*\"|.*$)"
                       r"|`[^`]*`|'[^']*'|\"[^\"]*\"")
WORD = re.compile(r"[A-Za-z][a-z']*")
LONGEST = 4      # English words in a row that make a sentence left untranslated


def english_run(line: str) -> list:
    """The longest run of plain English words in ``line`` (identifiers, numbers,
    name=value pairs, calls and Korean words break a run)."""
    best, run = [], []
    for token in re.split(r"[\s,;:()\[\]]+", NOT_PROSE.sub(" | ", line)):
        if WORD.fullmatch(token):
            run.append(token)
            best = max(best, run, key=len)
        elif token:
            run = []
    return best


def test_the_english_run_detector():
    assert english_run("the optimizer's learning rate starts at 0.1") == \
        ["the", "optimizer's", "learning", "rate", "starts", "at"]
    assert len(english_run("에포크 0: lr=0.1, wait=0, cooldown_counter=0, best=1")) < LONGEST
    assert len(english_run("Keras와 다릅니다: step 3에서 실제값 0.1, 기대값 0.2 (rtol 1e-05, "
                           "atol 1e-07) [case 3094e4c796ac]")) < LONGEST
    assert len(english_run("여러분의 함수에서 예외 발생: ValueError: len(values) must be "
                           "len(boundaries)")) < LONGEST      # the student's own message
    assert len(english_run("__init__에서 ValueError: 'mode Max is unknown'")) < LONGEST
    assert len(english_run("step 3 gives 0.1, step 4 gives 0.2")) < LONGEST   # values...
    assert len(english_run("yours ran on to epoch 0")) >= LONGEST              # ... not prose


def english_left(result) -> list:
    """Every line a student reads in the Korean feedback of ``result`` (failing checks:
    the message's first line (the rest is a traceback), the hint, the example's inputs,
    expected and got values; a part's error) that still holds an English sentence."""
    lines = []
    for part in result.parts:
        texts = [part.error.split("\n")[0]] if part.error else []
        for c in part.checks:
            if c.passed:
                continue
            texts += [c.message.split("\n")[0], c.hint]
            if c.example:
                texts += [str(getattr(c.example, f) or "") for f in ("inputs", "expected", "got")]
        for text in texts:
            lines += [(part.id, line) for line in text.split("\n")
                      if len(english_run(line)) >= LONGEST]
    return lines


def _korean(path, parts=None):
    a = get("lr_schedules")
    return localize(grade(path, a, parts=parts, hidden=True, settings=FAST), "ko", a)


#: Failing submissions whose feedback covers every kind of message of the assignment: a
#: sample of the catalogue (reference checks, properties, error cases, raises), the
#: reviewer's variants and code that breaks the protocol.
KOREAN_SAMPLE = ("exponential_decay_staircase_round", "exponential_decay_natural_exp",
                 "piecewise_boundary_exclusive", "piecewise_lengths_must_match",
                 "inverse_time_decay_always_staircase", "cosine_decay_no_clip",
                 "cosine_warmup_from_zero", "cosine_warmup_inside_decay_steps",
                 "plateau_ignores_cooldown", "plateau_ignores_min_lr", "plateau_no_factor_check",
                 "plateau_accuracy_minimised", "plateau_no_reset_on_train_begin",
                 "returns_initial_rate", "returns_zero", "plateau_never_reduces",
                 "plateau_always_reduces")


@pytest.mark.parametrize("name", KOREAN_SAMPLE)
def test_korean_feedback_of_known_mistakes_has_no_english_sentence(name, tmp_path):
    mistakes = [m for part in M.MISTAKES for m in (*M.MISTAKES[part], *M.TRIVIAL[part])
                if m.id == name]
    for m in mistakes:
        result = _korean(mutant(tmp_path / m.part, m), [m.part])
        assert not result.part(m.part).full
        assert english_left(result) == [], english_left(result)


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_korean_feedback_of_the_reviewer_s_variants_has_no_english_sentence(name):
    result = _korean(CORPUS / name)
    assert english_left(result) == [], english_left(result)


@pytest.mark.parametrize("body", [
    "return None", "return [0.1]", "raise KeyError('boundaries')",
    "while True:\n        pass"], ids=["none", "list", "raises", "hangs"])
def test_korean_feedback_of_broken_schedules_has_no_english_sentence(body, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "schedules.py").write_text(
        f"def piecewise_constant_decay(step, boundaries, values):\n    {body}\n",
        encoding="utf-8")
    from grader.sandbox.runner import Limits

    a = get("lr_schedules")
    result = localize(grade(sub, a, parts=["piecewise_constant"], hidden=True, settings=FAST,
                            limits=Limits(call_seconds=1.0)), "ko", a)
    assert english_left(result) == [], english_left(result)


@pytest.mark.slow
@pytest.mark.parametrize("mistake", [m for part in M.MISTAKES
                                     for m in (*M.MISTAKES[part], *M.TRIVIAL[part])],
                         ids=lambda m: f"{m.part}-{m.id}")
def test_korean_feedback_of_every_known_mistake_has_no_english_sentence(mistake, tmp_path):
    result = _korean(mutant(tmp_path / "sub", mistake), [mistake.part])
    assert english_left(result) == [], english_left(result)
