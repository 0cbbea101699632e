"""Checks of the ``reduce_lr_on_plateau`` part: the student's ``ReduceLROnPlateau`` and
Keras's own ``keras.callbacks.ReduceLROnPlateau`` driven by the same fit loop
(``drivers.plateau_script``) on the same fake model and the same logs.

A case's ``inputs`` are a ``plateau_script`` payload: ``{"init": kwargs, "initial_lr":
float, "metrics": [...] (optional), "trainings": [[{name: value or None}, ...], ...]}``
(one list of per-epoch logs per training; two trainings = one callback reused; a None
value = the key is absent that epoch). ``expected`` (and each recorded mistake) is the
driver's result: per training, per epoch, the optimizer's rate after ``on_epoch_end``
and the callback's ``wait``, ``cooldown_counter`` and ``best``; and the ValueError
raised, if any.

Monitored values are multiples of 1/64 and ``min_delta`` is 0, 1e-4 or a multiple of
1/64, so that Keras's float32 comparisons and a float64 implementation agree; every
``min_lr`` is one whose float32 value is not above it (0.02, 1/1024...), so that
``lr > min_lr`` gives the same answer in float32 and in float64, except in the
``float32`` check, which grades Keras's float32 test of ``min_lr`` (0.001, 0.1).
"""

from __future__ import annotations

import math

import numpy as np

from grader.checking import example, run_driven, run_property
from grader.declaration import Check, Part, Probe, T
from grader.diagnosis import note_candidates
from grader.errors import Failure
from grader.lazy_hypothesis import st  # hypothesis only when recording (see there)
from grader.sandbox.runner import CallFailed

CLASS = "ReduceLROnPlateau"
FIELDS = ("lr", "wait", "cooldown_counter", "best")
LR_RTOL = 1e-6       # the rate is stored in float32: a float32 product may differ by an ulp
BEST_RTOL = 1e-6     # `best` is the monitored value itself; a float32 copy passes
GRID = 64

HINTS = {
    "plateau_off_by_one_patience": T(
        "You reduce one epoch late: Keras increments wait BEFORE testing wait >= patience, so "
        "with patience=2 the rate drops at the 2nd epoch in a row without improvement.",
        "학습률을 한 에포크 늦게 낮춥니다. Keras는 wait >= patience를 검사하기 '전에' wait를 1 "
        "늘리므로, patience=2면 개선 없는 에포크가 두 번째로 이어질 때 학습률을 낮춥니다."),
    "plateau_patience_zero_never_reduces": T(
        "patience=0 does not switch the callback off: every epoch without improvement (outside "
        "cooldown) reduces the rate (wait is 1 then, and 1 >= 0).",
        "patience=0은 콜백을 끄는 것이 아닙니다. cooldown이 아닐 때 개선이 없는 에포크마다 "
        "학습률을 낮춥니다 (그때 wait는 1이고 1 >= 0입니다)."),
    "plateau_non_strict_improvement": T(
        "An equal value is not an improvement: Keras compares strictly (current + min_delta < "
        "best in min mode), so a tie counts towards patience.",
        "같은 값은 개선이 아닙니다. Keras는 엄격하게 비교하므로 (min 모드에서 current + "
        "min_delta < best) 같은 값은 patience에 포함됩니다."),
    "plateau_min_delta_wrong_way": T(
        "min_delta makes improving HARDER: in min mode the new value must be below best - "
        "min_delta (current + min_delta < best); in max mode above best + min_delta.",
        "min_delta는 개선을 '더 어렵게' 만듭니다. min 모드에서는 새 값이 best - min_delta보다 "
        "작아야 하고 (current + min_delta < best), max 모드에서는 best + min_delta보다 커야 "
        "합니다."),
    "plateau_max_mode_min_delta_wrong_way": T(
        "In max mode min_delta must make improving HARDER too: the new value must be above "
        "best + min_delta (current - min_delta > best). Yours accepts current + min_delta > "
        "best, so a flat or slowly rising metric counts as improving.",
        "max 모드에서도 min_delta는 개선을 '더 어렵게' 만들어야 합니다. 새 값이 best + "
        "min_delta보다 커야 합니다 (current - min_delta > best). 지금은 current + min_delta > "
        "best를 받아들여서, 그대로이거나 조금씩만 오르는 지표도 개선으로 셉니다."),
    "plateau_min_delta_sign_kept": T(
        "Keras uses abs(min_delta): min_delta=-0.1 behaves exactly like 0.1; a negative "
        "min_delta never makes improving easier.",
        "Keras는 abs(min_delta)를 씁니다. min_delta=-0.1은 0.1과 똑같이 동작하며, 음수 "
        "min_delta가 개선을 더 쉽게 만들지 않습니다."),
    "plateau_cooldown_does_not_reset_wait": T(
        "During cooldown Keras decrements cooldown_counter and resets wait to 0 at every "
        "epoch: epochs in cooldown do not count towards patience.",
        "cooldown 중에는 매 에포크 cooldown_counter를 1 줄이고 wait를 0으로 되돌립니다. "
        "cooldown 중인 에포크는 patience에 포함되지 않습니다."),
    "plateau_cooldown_checked_before_decrement": T(
        "Keras decrements cooldown_counter first and THEN asks whether it is still in "
        "cooldown: the epoch whose decrement reaches 0 already counts towards patience.",
        "Keras는 cooldown_counter를 먼저 줄이고 '그다음에' 아직 cooldown인지 확인합니다. 줄여서 "
        "0이 되는 그 에포크는 이미 patience에 포함됩니다."),
    "plateau_ignores_cooldown": T(
        "After a reduction set cooldown_counter = cooldown: during the next cooldown epochs, "
        "epochs without improvement are not counted.",
        "학습률을 낮춘 뒤에는 cooldown_counter = cooldown으로 두세요. 그 뒤 cooldown 에포크 "
        "동안은 개선 없는 에포크를 세지 않습니다."),
    "plateau_wait_not_reset_after_reduction": T(
        "After a reduction reset wait to 0: the next reduction needs `patience` new epochs "
        "without improvement.",
        "학습률을 낮춘 뒤에는 wait를 0으로 되돌리세요. 다음 감소에는 개선 없는 에포크가 다시 "
        "patience번 필요합니다."),
    "plateau_ignores_min_lr": T(
        "The rate never goes below min_lr: the new rate is max(lr * factor, min_lr), and "
        "nothing is reduced once lr has reached min_lr.",
        "학습률은 min_lr 아래로 내려가지 않습니다. 새 학습률은 max(lr * factor, min_lr)이고, "
        "min_lr에 닿은 뒤에는 더 낮추지 않습니다."),
    "plateau_reduces_below_min_lr": T(
        "Clip the new rate at min_lr: max(lr * factor, min_lr). Testing lr > min_lr alone lets "
        "one reduction go below min_lr.",
        "새 학습률을 min_lr에서 자르세요: max(lr * factor, min_lr). lr > min_lr 검사만 하면 한 "
        "번은 min_lr 아래로 내려갑니다."),
    "plateau_reduces_at_min_lr": T(
        "Reduce only while lr > min_lr: once the rate is at min_lr Keras changes nothing (no "
        "cooldown starts, and wait is not reset: it keeps growing).",
        "lr > min_lr일 때만 낮추세요. 학습률이 min_lr에 닿으면 Keras는 아무것도 바꾸지 않습니다 "
        "(cooldown이 시작되지 않고, wait도 0으로 돌아가지 않고 계속 늘어납니다)."),
    "plateau_min_lr_compared_in_float64": T(
        "The optimizer stores its rate in float32, and Keras compares it with "
        "np.float32(min_lr): with min_lr=0.001 the stored rate 0.0010000000475 is NOT above "
        "min_lr. Compare np.float32(lr) > np.float32(min_lr).",
        "옵티마이저는 학습률을 float32로 저장하고, Keras는 그것을 np.float32(min_lr)와 "
        "비교합니다. min_lr=0.001이면 저장된 0.0010000000475는 min_lr보다 크지 않습니다. "
        "np.float32(lr) > np.float32(min_lr)로 비교하세요."),
    "plateau_no_reset_on_train_begin": T(
        "Reset wait, cooldown_counter and best (to None) in on_train_begin: the same callback "
        "object is reused for a second model.fit, which must start afresh.",
        "on_train_begin에서 wait, cooldown_counter, best(None으로)를 초기화하세요. 같은 콜백 "
        "객체를 두 번째 model.fit에 다시 쓰면 처음 상태에서 시작해야 합니다."),
    "plateau_missing_counts_as_wait": T(
        "An epoch whose logs lack the monitored key changes nothing (Keras only warns): it is "
        "not an epoch without improvement, and the cooldown does not advance.",
        "logs에 지켜보는 값이 없는 에포크는 아무것도 바꾸지 않습니다 (Keras는 경고만 합니다). "
        "개선 없는 에포크로 세지 않고, cooldown도 줄지 않습니다."),
    "plateau_best_starts_at_infinity": T(
        "Keras 3 starts best at None (not inf or -inf): the first monitored epoch always becomes "
        "best, even a NaN, and best is None until a value has been seen.",
        "Keras 3는 best를 inf나 -inf가 아니라 None으로 시작합니다. 처음 지켜본 에포크는 (NaN "
        "이라도) 항상 best가 되고, 값을 보기 전까지 best는 None입니다."),
    "plateau_accuracy_minimised": T(
        "mode='auto' maximises a metric whose compiled direction is 'up' (accuracy, auc...) and "
        "minimises losses; you minimised an accuracy.",
        "mode='auto'는 컴파일된 방향이 'up'인 지표(accuracy, auc 등)는 최대화하고 손실은 "
        "최소화합니다. 정확도를 최소화하고 있습니다."),
    "plateau_auto_mode_by_name": T(
        "Keras 3 resolves mode='auto' from the model's compiled metric of exactly that name "
        "(model.metrics: its _direction, 'up' = maximise), not from an 'acc' in the name; a "
        "name whose direction nothing gives raises ValueError.",
        "Keras 3의 mode='auto'는 이름에 'acc'가 있는지가 아니라, 정확히 그 이름으로 컴파일된 "
        "지표(model.metrics)의 _direction('up'이면 최대화)으로 방향을 정합니다. 방향을 알 수 "
        "없는 이름이면 ValueError입니다."),
    "plateau_auto_falls_back_to_min": T(
        "When mode='auto' cannot find a direction (the name is not loss, and no compiled "
        "metric of that name has one), Keras raises ValueError: it does not guess 'min'. "
        "Raise ValueError there (at the first on_epoch_end, where Keras decides).",
        "mode='auto'가 방향을 찾지 못하면 (이름이 loss가 아니고, 그 이름으로 컴파일된 지표에도 "
        "방향이 없으면) Keras는 'min'으로 짐작하지 않고 ValueError를 냅니다. 그 경우 (Keras가 "
        "방향을 정하는 첫 on_epoch_end에서) ValueError를 내세요."),
    "plateau_unknown_mode_raises": T(
        "An unknown mode string ('bogus', 'Max'...) is not an error in Keras: it warns and "
        "falls back to mode='auto'. Raise nothing in the constructor for it.",
        "알 수 없는 mode 문자열('bogus', 'Max' 등)은 Keras에서 오류가 아닙니다. 경고만 하고 "
        "mode='auto'로 대신합니다. 생성자에서 예외를 내지 마세요."),
    "plateau_no_factor_check": T(
        "Keras refuses factor >= 1.0 in the constructor: raise ValueError (such a factor would "
        "not reduce the rate).",
        "Keras는 생성자에서 factor >= 1.0을 거부합니다. ValueError를 내세요 (그런 factor로는 "
        "학습률이 줄지 않습니다)."),
}


# -- driving the student's class ---------------------------------------------------------------

def epochs_of(inputs: dict) -> int:
    return sum(len(t) for t in inputs["trainings"])


def init_text(init: dict) -> str:
    return f"{CLASS}(" + ", ".join(f"{k}={v!r}" for k, v in init.items()) + ")"


def run_student(ctx, inputs: dict, wrap: bool = True) -> dict:
    """The driver's result for the student's class, checked (:func:`checked`: a result
    of another form is a Failure); ``wrap=False`` lets :class:`CallFailed` through, for
    :func:`run_property`."""
    return run_driven(ctx, CLASS, "plateau_script", inputs, units=max(1, epochs_of(inputs)),
                      shown=f"{init_text(inputs['init'])} (on {len(inputs['trainings'])} "
                            "training run(s))",
                      inputs=inputs_text(inputs), unreadable=unreadable,
                      read=lambda result: checked(result, inputs), wrap=wrap)


# -- reading the driver's result ---------------------------------------------------------------
#
# The driver runs in the student's process: what it returns is the student's output (their
# code may have changed what the driver reads, or replaced the driver). Nothing reads it
# before it has been checked to have exactly the form ``plateau_script`` gives.

#: The fields of a raised ValueError's record (``drivers.plateau_script``).
RAISED = ("type", "class", "message", "stage", "training", "epoch")
INT_RANGE = (-(1 << 63), (1 << 64) - 1)   # what the wire lets through (wire.INT_MIN/MAX)


def unreadable(detail: str) -> Failure:
    return Failure(f"your `{CLASS}` left the optimizer or its own attributes in a state the "
                   f"grader cannot read: {detail}")


def _kind(value) -> str:
    """``"None"``, ``"a list"``, ``"an int"``... (a type name of the student's side)."""
    if value is None:
        return "None"
    name = type(value).__name__[:40]
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _readable_value(value) -> bool:
    """One recorded attribute as the driver records it: None, an int, a float, or a
    marker (``{"missing": True}``, ``{"unsupported": type name}``)."""
    kind = type(value)
    if value is None or kind is float:
        return True
    if kind is int:
        return INT_RANGE[0] <= value <= INT_RANGE[1]
    if kind is dict:
        return value == {"missing": True} or (
            list(value) == ["unsupported"] and type(value["unsupported"]) is str
            and 0 < len(value["unsupported"]) <= 100)
    return False


def checked(result, inputs: dict) -> dict:
    """``result`` when it has the form ``drivers.plateau_script`` gives for ``inputs``
    (one record per epoch run, each a number, None or a marker per field; the ValueError
    raised, if any); else the Failure :func:`unreadable` says."""
    if type(result) is not dict or set(result) != {"trainings", "raised"}:
        what = (f"a dict of {', '.join(repr(str(k)[:30]) for k in list(result)[:6])}"
                if type(result) is dict else _kind(result))
        raise unreadable(f"the fit loop's record is {what}, not the driver's record (did your "
                         "code replace or change the grader's driver?)")
    trainings, raised = result["trainings"], result["raised"]
    if type(trainings) is not list or not all(type(t) is list for t in trainings):
        raise unreadable("its trainings are not a list of lists of records")
    for t, records in enumerate(trainings):
        for e, rec in enumerate(records):
            where = f"{'in training ' + str(t + 1) + ', ' if len(trainings) > 1 else ''}" \
                    f"after epoch {e}"
            if type(rec) is not dict or set(rec) != set(FIELDS):
                raise unreadable(f"{where}, the record is {_kind(rec)}, not the driver's "
                                 "record of lr, wait, cooldown_counter and best")
            for field in FIELDS:
                if not _readable_value(rec[field]):
                    name = "the learning rate" if field == "lr" else f"`{field}`"
                    raise unreadable(f"{where}, {name} is {_kind(rec[field])}")
    if raised is not None and not (
            type(raised) is dict and set(raised) == set(RAISED)
            and all(type(raised[k]) is str and len(raised[k]) <= 1000 for k in RAISED[:4])
            and all(raised[k] is None or type(raised[k]) is int for k in RAISED[4:])):
        raise unreadable("the record of the ValueError raised is not the driver's")
    runs, epochs = [len(r) for r in trainings], [len(t) for t in inputs["trainings"]]
    if raised is None and runs != epochs or len(runs) > len(epochs) or any(
            r > e for r, e in zip(runs, epochs)):
        raise unreadable(f"epochs recorded per training: {runs[:10]}, for {epochs} epochs "
                         "run")
    return result


# -- comparing ---------------------------------------------------------------------------------

def _records(result: dict) -> list:
    """``[(training, epoch, record)]`` of a driver result, in order."""
    return [(t, e, rec) for t, recs in enumerate(result.get("trainings", ()))
            for e, rec in enumerate(recs)]


def _number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool))


def _value_text(value) -> str:
    if isinstance(value, dict):
        if value.get("missing"):
            return "missing (no such attribute)"
        kind = str(value.get("unsupported", "value"))
        return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind} (not a number)"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _same(field: str, got, exp) -> bool:
    if exp is None or got is None:
        return got is None and exp is None
    if not (_number(got) and _number(exp)):
        return False
    g, e = float(got), float(exp)
    if g == e:
        return True
    if np.isnan(e) or np.isnan(g):
        return bool(np.isnan(e) and np.isnan(g))
    if field == "lr":
        return abs(g - e) <= LR_RTOL * abs(e)
    if field == "best":
        return abs(g - e) <= BEST_RTOL * abs(e)
    return g == e


def _raised_text(raised: dict) -> str:
    where = raised.get("stage", "")
    if raised.get("epoch") is not None:
        where += f" (epoch {raised['epoch']}"
        where += f" of training {raised['training'] + 1})" if raised.get("training") else ")"
    # the exception's own words (the student's, or Keras's) quoted: they are not ours
    return f"{raised.get('class', 'ValueError')} in {where}: {raised.get('message', '')!r}"


def difference(got: dict, exp: dict, fields=FIELDS) -> str | None:
    """None when the two results agree on ``fields`` at every epoch (and on raising a
    ValueError), else what differs first, in the student's words."""
    g_recs, e_recs = _records(got), _records(exp)
    multi = len(exp.get("trainings", ())) > 1
    for (t, e, g), (_, _, k) in zip(g_recs, e_recs):
        where = f"{'in training ' + str(t + 1) + ', ' if multi else ''}after epoch {e}"
        for field in fields:
            if not _same(field, g.get(field), k.get(field)):
                name = "the learning rate" if field == "lr" else f"`{field}`"
                return f"{where}: {name} is {_value_text(g.get(field))}, Keras's is " \
                       f"{_value_text(k.get(field))}"
    if exp.get("raised") and not got.get("raised"):
        if len(g_recs) > len(e_recs):
            t, e, _ = g_recs[len(e_recs)]
            return (f"Keras raises ValueError here ({exp['raised'].get('message', '')[:120]!r}); "
                    f"yours ran on to epoch {e}")
        return f"Keras raises ValueError here ({exp['raised'].get('message', '')[:120]!r}); " \
               "yours does not"
    if got.get("raised") and not exp.get("raised"):
        return f"yours raised {_raised_text(got['raised'])}; Keras does not raise here"
    if len(g_recs) != len(e_recs):
        return f"{len(g_recs)} epochs recorded, Keras {len(e_recs)}"
    return None


def behaving_alike(student: list, cases, fields=FIELDS) -> list:
    """The known mistakes that behave exactly like the student on every given case."""
    found = []
    for mistake in dict.fromkeys(m for c in cases for m in c.mistakes):
        if all((rec := case.mistakes.get(mistake)) is not None
               and difference(got, rec, fields) is None for case, got in zip(cases, student)):
            found.append(mistake)
    return found


# -- rendering ---------------------------------------------------------------------------------

def inputs_text(inputs: dict) -> str:
    init = inputs["init"]
    monitor = init.get("monitor", "val_loss")
    lines = [init_text(init) + f"; the optimizer's learning rate starts at {inputs['initial_lr']!r}"]
    if inputs.get("metrics"):
        lines.append("the model's compiled metrics: " + ", ".join(
            f"{m['name']} (direction {m.get('direction')!r})" for m in inputs["metrics"]))
    for t, logs in enumerate(inputs["trainings"]):
        values = ", ".join("(missing)" if lg.get(monitor) is None else _value_text(lg[monitor])
                           for lg in logs)
        head = f"training {t + 1}, " if len(inputs["trainings"]) > 1 else ""
        lines.append(f"{head}{monitor} at the end of epochs 0, 1, ...: {values}")
    return "\n".join(lines)


def outcome_text(result: dict) -> str:
    lines = []
    multi = len(result.get("trainings", ())) > 1
    for t, e, rec in _records(result):
        head = f"training {t + 1}, " if multi else ""
        lines.append(f"{head}epoch {e}: lr={_value_text(rec.get('lr'))}, "
                     f"wait={_value_text(rec.get('wait'))}, "
                     f"cooldown_counter={_value_text(rec.get('cooldown_counter'))}, "
                     f"best={_value_text(rec.get('best'))}")
    if result.get("raised"):
        lines.append("raises " + _raised_text(result["raised"]))
    return "\n".join(lines) or "(no epoch recorded)"


# -- reference checks --------------------------------------------------------------------------

def passed_outcomes(ctx, cases=(), student=()) -> list:
    """The recorded cases of the checks of the part the student has passed so far in this
    grading, with the student's outcomes, ``[(case, outcome)]`` (``cases`` and ``student``
    added first: those of a check that has just passed). A name must agree with them: a
    mistake that would have failed a check the student passed is not the student's. (The
    passing cases of a failing check do not rule a mistake out: the student's slip may be
    narrower than the catalogued one.) Public checks run in their declared order, hidden
    ones last."""
    passed = ctx.__dict__.setdefault("_reduce_lr_on_plateau_passed", {})
    for case, got in zip(cases, student):
        passed[case.id] = (case, got)
    return list(passed.values())


def reference_check(*, tag=None, hidden=False, fields=FIELDS):
    """Compare with Keras on every recorded case of ``tag``; fail on the smallest failing
    case and name the known mistake behaving like the student on every case of the check
    and of the checks passed so far (:func:`passed_outcomes`)."""

    def run(ctx):
        cases = ctx.cases(hidden=hidden, tag=tag)
        if not cases:
            raise Failure("no recorded cases for this check")
        student, failing = [], []
        for case in cases:
            got = run_student(ctx, case.inputs)
            student.append(got)
            bad = difference(got, case.expected, fields)
            if bad:
                failing.append((case, got, bad))
        if not failing:
            passed_outcomes(ctx, cases, student)
            return
        passed = passed_outcomes(ctx)
        case, got, bad = failing[0]
        msg = f"differs from Keras: {bad}"
        if tag or hidden:
            msg += f" [case {case.id}]"
        if len(failing) > 1:
            msg += f" ({len(failing)} of {len(cases)} cases differ)"
        found = behaving_alike([*student, *(g for _, g in passed)],
                               [*cases, *(c for c, _ in passed)], fields)
        failure = Failure(msg, example=example(inputs_text(case.inputs),
                                               expected=outcome_text(case.expected),
                                               got=outcome_text(got)),
                          diagnosis=found[0] if len(found) == 1 else "")
        # what the check saw go wrong: the mistakes reproducing its failing cases (and the
        # checks passed); a name another failing check shows is dropped when these rule it
        # out (grader/diagnosis.py)
        note_candidates(ctx, failure,
                        behaving_alike([*(g for _, g, _ in failing), *(g for _, g in passed)],
                                       [*(c for c, _, _ in failing), *(c for c, _ in passed)],
                                       fields),
                        {m for c in cases for m in c.mistakes})
        raise failure

    return run


#: The errors check's condition: on a loss that never improves, with patience=2, a
#: callback that does something reduces the rate (Keras at epoch 2, then at epoch 4).
REAL_SCRIPT = {"init": {"monitor": "val_loss", "factor": 0.5, "patience": 2, "min_delta": 0},
               "initial_lr": 0.5, "trainings": [[{"val_loss": 1.0}] * 6]}


def errors_check():
    """Keras's ValueErrors (the ``errors`` cases), counted only when the class reduces the
    rate on a flat loss (:data:`REAL_SCRIPT`): a callback that does nothing earns nothing
    for refusing what Keras refuses."""
    compare = reference_check(tag="errors")

    def run(ctx):
        got = run_student(ctx, REAL_SCRIPT)
        head = "the refused arguments count once the callback reduces the rate"
        shown = example(inputs_text(REAL_SCRIPT), got=outcome_text(got))
        if got.get("raised"):
            raise Failure(f"{head}: on a loss that never improves, yours raised "
                          f"{_raised_text(got['raised'])}", example=shown)
        rates = [rec["lr"] for _, _, rec in _records(got)]
        if not any(_number(r) and r < _f32(REAL_SCRIPT["initial_lr"]) for r in rates):
            raise Failure(f"{head}: on a loss that never improves, with patience=2, yours "
                          f"never reduces it in {len(rates)} epochs", example=shown)
        return compare(ctx)

    return run


# -- properties (no reference: the student's own records against the rules) ---------------------

#: min_lr values whose float32 is not above them: ``lr > min_lr`` is then the same test
#: in float64 and in float32 (see the module's docstring).
SAFE_MIN_LR = (0.0, 0.0, 1 / 1024, 1 / 64, 0.02, 0.005)
LOSSES = ("val_loss", "loss")


def _grid(lo, hi):
    return st.integers(int(lo * GRID), int(hi * GRID)).map(lambda k: k / GRID)


def _init(draw, monitor):
    return {"monitor": monitor,
            "factor": draw(st.sampled_from([0.1, 0.5, 0.2, 0.25, 0.0])),
            "patience": draw(st.integers(0, 4)),
            "mode": draw(st.sampled_from(["auto", "min"])),
            "min_delta": draw(st.sampled_from([0, 1e-4, 1 / 64])),
            "cooldown": draw(st.integers(0, 3)),
            "min_lr": draw(st.sampled_from(SAFE_MIN_LR))}


def _payload(init, lr, trainings):
    monitor = init["monitor"]
    return {"init": init, "initial_lr": lr,
            "trainings": [[{monitor: v} for v in values] for values in trainings]}


@st.composite
def any_script(draw):
    """A random curve (ties, improvements, missing values), one or two trainings."""
    init = _init(draw, draw(st.sampled_from(LOSSES)))
    trainings = []
    for _ in range(draw(st.integers(1, 2))):
        n = draw(st.integers(1, 12))
        v, values = draw(_grid(0.5, 1.5)), []
        for _ in range(n):
            v = max(0.0, v + draw(st.integers(-3, 3)) / GRID)
            values.append(None if draw(st.integers(0, 9)) == 0 else v)
        trainings.append(values)
    return _payload(init, draw(st.sampled_from([0.1, 0.5, 1.0, 0.125])), trainings)


@st.composite
def improving_script(draw):
    """A loss that beats the best by more than min_delta every epoch."""
    init = _init(draw, draw(st.sampled_from(LOSSES)))
    n = draw(st.integers(2, 10))
    v, values = draw(_grid(1.0, 2.0)), []
    for _ in range(n):
        values.append(v)
        v -= (1 + draw(st.integers(0, 3))) / GRID + abs(init["min_delta"])
    return _payload(init, draw(st.sampled_from([0.1, 0.01, 1.0])), [values])


@st.composite
def flat_script(draw):
    """A loss that never improves after epoch 0 (equal values)."""
    init = _init(draw, draw(st.sampled_from(LOSSES)))
    n = max(1, init["patience"]) + 1 + draw(st.integers(0, 3))
    first = draw(_grid(0.25, 1.0))
    lr = draw(st.sampled_from([0.1, 0.5, 1.0]))      # above every SAFE_MIN_LR
    return _payload(init, lr, [[first] * n])


def _f32(x) -> float:
    return float(np.float32(x))


def _epochs(result):
    return [(t, e, rec) for t, e, rec in _records(result)]


def _where(result, t, e) -> str:
    return f"{'in training ' + str(t + 1) + ', ' if len(result['trainings']) > 1 else ''}" \
           f"after epoch {e}"


def _describe(inputs):
    return example(inputs_text(inputs))


def _prop_failure(msg, inputs, got, expected=""):
    return Failure(msg, example=example(inputs_text(inputs), expected=expected,
                                        got=outcome_text(got)))


def _check_numbers(inputs, got):
    """Every recorded value is a number (best may be None), and a finite one where
    Keras's is: the properties' curves are finite, so Keras's rate, wait and cooldown
    are, and its best once a value has been monitored in the training (None before). A
    NaN would pass every comparison written as "differs by more than the tolerance"."""
    monitor = inputs["init"]["monitor"]
    for t, e, rec in _epochs(got):
        for field in FIELDS:
            value = rec.get(field)
            if field == "best" and value is None:
                continue
            if not _number(value):
                raise _prop_failure(f"{_where(got, t, e)}: `{field}` is {_value_text(value)}",
                                    inputs, got)
            if field == "best" and all(logs.get(monitor) is None
                                       for logs in inputs["trainings"][t][:e + 1]):
                continue      # Keras's best is None here: the reference checks compare it
            if not math.isfinite(value):
                name = "the learning rate" if field == "lr" else f"`{field}`"
                raise _prop_failure(f"{_where(got, t, e)}: {name} is {value!r}; on these finite "
                                    "values it must be a finite number", inputs, got)


def _near(value, want, rtol) -> bool:
    """|value - want| <= rtol * |want|, False for NaN (written so that NaN fails)."""
    return abs(value - want) <= rtol * abs(want)


def _flat_follow_up(inputs: dict) -> dict:
    """The same callback settings on a loss that never improves after epoch 0: a class
    that never reduces passes "an improving loss never reduces the rate" and keeps every
    rule trivially; with this follow-up it earns nothing for them."""
    monitor = inputs["init"]["monitor"]
    n = max(1, inputs["init"]["patience"]) + 2
    return {**inputs, "initial_lr": 0.5, "trainings": [[{monitor: 1.0}] * n]}


def _check_first_reduction(inputs, got):
    """On a flat loss: the rate is first reduced at epoch max(1, patience), to
    max(lr * factor, min_lr)."""
    init = inputs["init"]
    first = max(1, init["patience"])
    lr0 = _f32(inputs["initial_lr"])
    reduced = _f32(max(lr0 * init["factor"], init["min_lr"]))
    for t, e, rec in _epochs(got)[:first + 1]:
        want = lr0 if e < first else reduced
        if not _near(float(rec["lr"]), want, LR_RTOL):
            raise _prop_failure(
                f"{_where(got, t, e)}: the learning rate is {rec['lr']!r}; on a loss that never "
                f"improves after epoch 0, with patience={init['patience']} the first reduction "
                f"(to max(lr * factor, min_lr) = {reduced!r}) comes at epoch {first}", inputs,
                got, expected=f"lr={want!r} after epoch {e}")


def _run_clean(ctx, inputs):
    got = run_student(ctx, inputs, wrap=False)
    if got.get("raised"):
        raise _prop_failure(f"raised {_raised_text(got['raised'])}", inputs, got)
    _check_numbers(inputs, got)
    return got


def rules_property():
    """Whatever the curve: the rate never increases, changes only to max(lr * factor,
    min_lr) and never below min_lr; wait >= 0; 0 <= cooldown_counter <= cooldown; right
    after a reduction wait is 0 and cooldown_counter is cooldown."""

    def run(ctx):
        def body(inputs):
            got = _run_clean(ctx, inputs)
            init = inputs["init"]
            factor, min_lr, cooldown = init["factor"], init["min_lr"], init["cooldown"]
            lr = _f32(inputs["initial_lr"])
            for t, e, rec in _epochs(got):
                where, new = _where(got, t, e), float(rec["lr"])
                if not (new == lr or _near(new, lr, LR_RTOL)):
                    want = _f32(max(lr * factor, min_lr))
                    if not _near(new, want, LR_RTOL):
                        raise _prop_failure(
                            f"{where}: the learning rate went from {lr!r} to {new!r}; a "
                            f"reduction sets it to max(lr * factor, min_lr) = {want!r}",
                            inputs, got, expected=f"{lr!r} or {want!r}")
                    if rec["wait"] != 0 or rec["cooldown_counter"] != cooldown:
                        raise _prop_failure(
                            f"{where}: right after a reduction, wait must be 0 and "
                            f"cooldown_counter must be cooldown = {cooldown}",
                            inputs, got, expected=f"wait=0, cooldown_counter={cooldown}")
                if new < _f32(min_lr) * (1 - LR_RTOL) <= _f32(inputs["initial_lr"]):
                    raise _prop_failure(f"{where}: the learning rate {new!r} is below "
                                        f"min_lr = {min_lr!r}", inputs, got)
                if not rec["wait"] >= 0 or not 0 <= rec["cooldown_counter"] <= max(cooldown, 0):
                    raise _prop_failure(
                        f"{where}: wait must be >= 0 and cooldown_counter between 0 and "
                        f"cooldown = {cooldown}", inputs, got)
                lr = new
            flat = _flat_follow_up(inputs)
            _check_first_reduction(flat, _run_clean(ctx, flat))
        run_property(any_script(), body, max_examples=ctx.settings.max_examples,
                     describe=_describe)
    return run


def improving_property():
    """A loss that improves by more than min_delta every epoch: the rate never changes,
    wait stays 0 and best is the latest value (and, with the same settings, a flat loss
    is reduced at epoch max(1, patience))."""

    def run(ctx):
        def body(inputs):
            got = _run_clean(ctx, inputs)
            lr0 = _f32(inputs["initial_lr"])
            monitor = inputs["init"]["monitor"]
            for (t, e, rec), logs in zip(_epochs(got), inputs["trainings"][0]):
                where = _where(got, t, e)
                if not _near(float(rec["lr"]), lr0, LR_RTOL):
                    raise _prop_failure(f"{where}: the learning rate changed to {rec['lr']!r} "
                                        "although the loss improved at every epoch", inputs, got,
                                        expected=f"lr={lr0!r} at every epoch")
                if rec["wait"] != 0 or not _same("best", rec["best"], logs[monitor]):
                    raise _prop_failure(f"{where}: after an improvement wait must be 0 and best "
                                        f"the new value {logs[monitor]!r}", inputs, got,
                                        expected=f"wait=0, best={logs[monitor]!r}")
            flat = _flat_follow_up(inputs)
            _check_first_reduction(flat, _run_clean(ctx, flat))
        run_property(improving_script(), body, max_examples=ctx.settings.max_examples,
                     describe=_describe)
    return run


def first_reduction_property():
    """A loss that never improves after epoch 0: the rate is first reduced at epoch
    max(1, patience), to max(lr * factor, min_lr)."""

    def run(ctx):
        def body(inputs):
            _check_first_reduction(inputs, _run_clean(ctx, inputs))
        run_property(flat_script(), body, max_examples=ctx.settings.max_examples,
                     describe=_describe)
    return run


# -- the part ------------------------------------------------------------------------------------

def parts() -> list[Part]:
    R = reference_check
    checks = (
        Check(T("matches Keras ReduceLROnPlateau(monitor='val_loss', factor=0.2, patience=5, "
                "min_lr=0.001) (the Keras documentation's example)",
                "Keras ReduceLROnPlateau(monitor='val_loss', factor=0.2, patience=5, "
                "min_lr=0.001) (Keras 문서 예제)와 같은 동작"),
              R(tag="lecture"), weight=3, hints=HINTS),
        Check(T("matches Keras for several patience, factor and min_delta values",
                "여러 patience, factor, min_delta 값에서 Keras와 같은 동작"),
              R(tag="patience"), weight=3, hints=HINTS),
        Check(T("matches Keras with a cooldown", "cooldown이 있을 때 Keras와 같은 동작"),
              R(tag="cooldown"), weight=2, hints=HINTS),
        Check(T("matches Keras with min_lr (the rate stops at min_lr)",
                "min_lr이 있을 때 Keras와 같은 동작 (학습률이 min_lr에서 멈춤)"),
              R(tag="min_lr"), weight=2, hints=HINTS),
        Check(T("matches Keras for mode 'min', 'max' and 'auto' (the direction of the model's "
                "compiled metric), with min_delta in both directions and unknown mode strings "
                "(Keras falls back to 'auto')",
                "mode 'min', 'max', 'auto'(모델에 컴파일된 지표의 방향)에서, 두 방향 모두의 "
                "min_delta와 알 수 없는 mode 문자열(Keras는 'auto'로 대신함)까지 Keras와 같은 "
                "동작"),
              R(tag="mode"), weight=2, hints=HINTS),
        Check(T("matches Keras on epochs whose logs lack the monitored value",
                "logs에 지켜보는 값이 없는 에포크에서 Keras와 같은 동작"),
              R(tag="missing"), weight=1, hints=HINTS),
        Check(T("one callback reused for two trainings starts afresh each time",
                "콜백 하나를 두 번의 학습에 다시 써도 매번 처음 상태에서 시작함"),
              R(tag="reuse"), weight=1, hints=HINTS),
        Check(T("factor >= 1.0, and mode='auto' on a name whose direction nothing gives, raise "
                "ValueError as in Keras (counted once the callback reduces the rate on a flat "
                "loss)",
                "factor >= 1.0이거나, 방향을 알 수 없는 이름에 mode='auto'를 쓰면 Keras처럼 "
                "ValueError를 냄 (그대로인 손실에서 학습률을 낮춰야 인정)"),
              errors_check(), weight=1, hints=HINTS),
        Check(T("min_lr is compared in float32, as Keras compares it (min_lr=0.001, 0.1)",
                "min_lr을 Keras처럼 float32로 비교함 (min_lr=0.001, 0.1)"),
              R(tag="float32"), weight=1, hints=HINTS),
        Check(T("the rate never increases and never goes below min_lr; wait and "
                "cooldown_counter stay in range",
                "학습률은 늘지 않고 min_lr 아래로 내려가지 않으며, wait와 cooldown_counter는 "
                "범위 안에 있음"),
              rules_property(), weight=1, hints=HINTS),
        Check(T("a loss that improves every epoch never reduces the rate (and a flat one does)",
                "매 에포크 개선되는 손실이면 학습률을 낮추지 않음 (그대로인 손실이면 낮춤)"),
              improving_property(), weight=1, hints=HINTS),
        Check(T("on a flat loss the first reduction comes at epoch max(1, patience)",
                "손실이 그대로면 첫 감소는 에포크 max(1, patience)에서 일어남"),
              first_reduction_property(), weight=1, hints=HINTS),
        Check(T("matches Keras on the hidden cases", "숨겨진 테스트 케이스에서 Keras와 같은 결과"),
              R(hidden=True), weight=1, hidden=True, hints=HINTS),
    )
    return [Part(id="reduce_lr_on_plateau", title=T("Reducing the learning rate on a plateau",
                                                   "정체 구간에서 학습률 낮추기"),
                 module="plateau", names=(CLASS,), points=45, checks=checks, probes=PROBES)]


# -- the ignored-argument probe ---------------------------------------------------------------------
#
# A training driven through the fit loop, each keyword argument of the constructor changed
# in turn: every change alters what Keras does on these logs, and what every known mistake
# that does not ignore that argument by definition does (tests check both). Those that do
# keep their names.

PROBE_SCRIPT = {"val_loss": [0.875, 0.875, 0.75, 0.75, 1.0, 1.125, 1.25, 1.375, 1.625, 1.625,
                             1.6875, 1.625, 1.5, 1.5],
                "loss": [0.5, 0.25, 0.3125, 0.6875, 0.4375, 0.8125, 0.6875, 0.875, 0.3125, 0.4375,
                         0.5625, 0.875, 0.4375, 0.625]}
PROBE_INIT = {"monitor": "val_loss", "factor": 0.5, "patience": 2, "mode": "auto",
              "min_delta": 0, "cooldown": 0, "min_lr": 0.0}


def _probe_run(ctx, init):
    """The student's rates, waits and cooldown counters on the probe's script (numbers
    only: a probe needs an output without None)."""
    n = len(PROBE_SCRIPT["loss"])
    logs = [{k: v[e] for k, v in PROBE_SCRIPT.items()} for e in range(n)]
    try:
        got = run_student(ctx, {"init": init, "initial_lr": 0.5, "trainings": [logs]},
                          wrap=False)
    except Failure as f:   # a result of another form proves nothing (a probe never fails)
        raise CallFailed("unsupported", f.message) from None
    if got.get("raised"):
        raise CallFailed("exception", "raised ValueError")
    return [[rec.get(f) if _number(rec.get(f)) else -1.0 for f in FIELDS[:3]]
            for _, _, rec in _records(got)]


PROBES = (Probe(fn=CLASS, kwargs=PROBE_INIT, run=_probe_run,
                alternatives={"monitor": "loss", "factor": 0.25, "patience": 3, "mode": "max",
                              "min_delta": 0.125, "cooldown": 2, "min_lr": 0.25},
                keeps=("plateau_ignores_cooldown", "plateau_ignores_min_lr")),)
