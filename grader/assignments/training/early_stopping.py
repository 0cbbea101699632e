"""Checks of the early-stopping part: the student's ``EarlyStopping`` and Keras's own
``keras.callbacks.EarlyStopping`` driven by the same fit loop (``sandbox/drivers.py``)
on the same fake model and the same logs.

A case's ``inputs`` are ``{"init": kwargs, "logs": [[{name: value or None}, ...], ...]}``:
one list of per-epoch logs per training (two trainings = one callback reused), a None
value meaning the key is absent that epoch. The model's weights at the end of each
epoch are made by :func:`epoch_weights`, so the final weights name the epoch they
come from. ``expected`` (and each recorded mistake) is ``{"runs": [summary, ...]}``,
one :func:`summarize` record per training.
"""

from __future__ import annotations

import numpy as np
from grader.lazy_hypothesis import st  # hypothesis only when recording (see there)

from grader.declaration import Check, Part, Probe, T
from grader.checking import example, run_driven, run_property
from grader.diagnosis import note_candidates
from grader.errors import Failure
from grader.sandbox.runner import CallFailed

CLASS = "EarlyStopping"
FIELDS = ("stopped_epoch", "best_epoch", "best")
BEST_RTOL = 1e-6      # `best` is the monitored value itself; float32 copies of 0.7 pass
GRID = 64             # values are multiples of 1/64: float32 and float64 compare alike
WEIGHT_SHAPES = ((2,), (1, 3))

HINTS = {
    "early_stopping_off_by_one_patience": T(
        "You stop one epoch late: Keras increments `wait` BEFORE testing `wait >= patience`, so "
        "patience=2 stops at the 2nd epoch in a row without improvement.",
        "한 에포크 늦게 멈춥니다. Keras는 `wait >= patience`를 검사하기 '전에' `wait`을 1 "
        "늘리므로, patience=2면 개선이 없는 두 번째 에포크에서 멈춥니다."),
    "early_stopping_non_strict_improvement": T(
        "An equal value is not an improvement: Keras compares strictly (current + min_delta < best "
        "in min mode), so a tie counts towards patience.",
        "같은 값은 개선이 아닙니다. Keras는 엄격하게 비교하므로(min 모드에서 current + min_delta < "
        "best) 동점은 patience에 포함됩니다."),
    "early_stopping_min_delta_wrong_way": T(
        "min_delta makes improving HARDER: in min mode the new value must be below best - "
        "min_delta (current + min_delta < best); in max mode above best + min_delta.",
        "min_delta는 개선을 '더 어렵게' 만듭니다. min 모드에서는 새 값이 best - min_delta보다 "
        "작아야 하고(current + min_delta < best), max 모드에서는 best + min_delta보다 커야 "
        "합니다."),
    "early_stopping_min_delta_sign_kept": T(
        "Keras uses abs(min_delta): min_delta=-0.1 behaves exactly like 0.1. A negative min_delta "
        "must not make improving easier.",
        "Keras는 abs(min_delta)를 씁니다. min_delta=-0.1은 0.1과 똑같이 동작하며, 음수 min_delta가 "
        "개선을 더 쉽게 만들면 안 됩니다."),
    "early_stopping_restore_only_when_stopped": T(
        "restore_best_weights restores the best epoch's weights in on_train_end whenever a "
        "snapshot exists, also when training ran all its epochs without stopping early.",
        "restore_best_weights는 스냅샷이 있으면 on_train_end에서 항상 최고 에포크의 가중치를 "
        "복원합니다. 조기 종료 없이 모든 에포크를 다 돈 경우에도 마찬가지입니다."),
    "early_stopping_baseline_seeds_best": T(
        "baseline does not start `best`: the first monitored epoch always becomes `best`; the "
        "baseline only decides whether an improvement resets `wait`.",
        "baseline으로 `best`를 초기화하지 않습니다. 처음 모니터링한 에포크가 항상 `best`가 되고, "
        "baseline은 개선이 `wait`을 초기화할지만 결정합니다."),
    "early_stopping_ignores_baseline": T(
        "With a baseline, an improvement resets `wait` only when it also beats the baseline; "
        "otherwise the epoch still counts towards patience.",
        "baseline이 있으면 개선이 baseline까지 넘어설 때만 `wait`을 초기화합니다. 그렇지 않으면 그 "
        "에포크도 patience에 포함됩니다."),
    "early_stopping_ignores_start_from_epoch": T(
        "Epochs before start_from_epoch are ignored completely: they are never `best`, never "
        "snapshotted and not counted in `wait`.",
        "start_from_epoch 이전의 에포크는 완전히 무시됩니다: `best`가 되지도, 스냅샷을 남기지도, "
        "`wait`에 세지도 않습니다."),
    "early_stopping_missing_counts_as_wait": T(
        "An epoch whose logs lack the monitored key is skipped (Keras only warns); it does not "
        "count as an epoch without improvement.",
        "logs에 모니터링하는 키가 없는 에포크는 건너뜁니다(Keras는 경고만 합니다). 개선 없는 "
        "에포크로 세면 안 됩니다."),
    "early_stopping_no_reset_on_train_begin": T(
        "Reset wait, best, best_epoch, stopped_epoch and best_weights in on_train_begin: the same "
        "callback object is reused for a second model.fit, which must start afresh.",
        "on_train_begin에서 wait, best, best_epoch, stopped_epoch, best_weights를 초기화하세요. "
        "같은 콜백 객체를 두 번째 model.fit에 다시 쓰면 처음부터 시작해야 합니다."),
    "early_stopping_one_based_stopped_epoch": T(
        "stopped_epoch is the 0-based epoch number fit passed to on_epoch_end (Keras prints it "
        "1-based, as 'Epoch 3: early stopping' for stopped_epoch=2, but stores it 0-based).",
        "stopped_epoch는 fit이 on_epoch_end에 넘긴 0부터 시작하는 에포크 번호입니다(Keras는 "
        "stopped_epoch=2일 때 'Epoch 3: early stopping'처럼 1부터 세어 출력하지만, 저장은 0부터 "
        "합니다)."),
    "early_stopping_patience_zero_never_stops": T(
        "patience=0 (the default) does not switch early stopping off: it stops at the first epoch "
        "that does not improve (wait is 1 then, and 1 >= 0).",
        "patience=0(기본값)은 조기 종료를 끄는 것이 아닙니다. 개선되지 않은 첫 에포크에서 "
        "멈춥니다(그때 wait는 1이고 1 >= 0)."),
    "early_stopping_stops_at_epoch_zero": T(
        "Keras never stops at epoch 0, nor at an epoch that improved `best`: after an improvement "
        "it returns at once (even when the baseline is not beaten, so `wait` keeps counting), and "
        "only an epoch without improvement runs the test `wait >= patience and epoch > 0`.",
        "Keras는 에포크 0에서도, best를 개선한 에포크에서도 멈추지 않습니다. 개선이 있으면 "
        "(baseline을 넘지 못해 wait가 계속 세어지더라도) 바로 return하고, 개선이 없는 에포크만 "
        "`wait >= patience and epoch > 0` 검사를 합니다."),
    "early_stopping_stop_test_after_improvement": T(
        "An epoch that improves `best` never stops training: Keras 3 returns right after recording "
        "an improvement, and only an epoch without improvement runs the test `wait >= patience and "
        "epoch > 0` (older tf.keras tested every epoch, so patience=0 stopped at epoch 1 even "
        "while improving).",
        "best를 개선한 에포크에서는 학습을 멈추지 않습니다. Keras 3는 개선을 기록한 뒤 바로 "
        "return하고, 개선이 없는 에포크만 `wait >= patience and epoch > 0` 검사를 합니다(예전 "
        "tf.keras는 매 에포크 검사했기 때문에 patience=0이면 개선 중에도 에포크 1에서 "
        "멈췄습니다)."),
    "early_stopping_accuracy_minimised": T(
        "mode='auto' maximises accuracy (names whose base is accuracy, acc or auc) and minimises "
        "loss; you minimised an accuracy.",
        "mode='auto'는 accuracy(기본 이름이 accuracy, acc, auc인 것)는 최대화하고 loss는 "
        "최소화합니다. 정확도를 최소화하고 있습니다."),
    "early_stopping_baseline_ignores_min_delta": T(
        "The baseline test uses min_delta too: an improvement resets `wait` only when it beats the "
        "baseline by more than min_delta (current + min_delta < baseline in min mode, current - "
        "min_delta > baseline in max mode), the same test as for `best`.",
        "baseline 검사에도 min_delta를 씁니다: 개선이 baseline을 min_delta보다 크게 넘어야만 "
        "`wait`를 초기화합니다(min 모드에서는 current + min_delta < baseline, max 모드에서는 "
        "current - min_delta > baseline). `best`와 같은 검사입니다."),
    "early_stopping_best_starts_at_infinity": T(
        "Keras 3 starts `best` at None (not inf or -inf) and the first monitored epoch always "
        "becomes best; when no epoch is monitored (start_from_epoch past the last epoch, or the "
        "monitored key always missing), `best` is still None after training.",
        "Keras 3는 `best`를 inf나 -inf가 아니라 None으로 시작하고, 처음 모니터링한 에포크가 항상 "
        "best가 됩니다. 모니터링한 에포크가 하나도 없으면(start_from_epoch가 마지막 에포크보다 "
        "크거나 모니터링하는 키가 늘 없을 때) 학습이 끝난 뒤에도 `best`는 None입니다."),
    "early_stopping_best_epoch_not_set": T(
        "Record the epoch of each improvement: `best_epoch = epoch` whenever `best` changes "
        "(0-based, as fit passes it); yours stays 0.",
        "개선할 때마다 그 에포크를 기록하세요: `best`가 바뀔 때마다 `best_epoch = epoch`(fit이 "
        "넘기는 0부터 시작하는 번호)입니다. 지금은 0에 머뭅니다."),
    "early_stopping_snapshot_taken_once": T(
        "Take a new snapshot (`best_weights = model.get_weights()`) at EVERY improvement, not only "
        "the first: restore_best_weights restores the weights of the best epoch.",
        "개선할 때마다 새 스냅샷(`best_weights = model.get_weights()`)을 남기세요. 첫 개선에서만 "
        "남기면 안 됩니다: restore_best_weights는 가장 좋은 에포크의 가중치를 복원합니다."),
    "early_stopping_modes_swapped": T(
        "mode='min' improves when the value goes DOWN and mode='max' when it goes UP (in min mode "
        "current + min_delta < best); your two comparisons are swapped, so you maximise losses and "
        "minimise accuracies (with mode='auto' and with an explicit mode alike).",
        "mode='min'은 값이 작아질 때, mode='max'는 값이 커질 때 개선입니다(min 모드에서는 current "
        "+ min_delta < best). 두 비교가 바뀌어서 손실은 최대화하고 정확도는 "
        "최소화합니다('auto'에서도, 명시한 모드에서도)."),
    "early_stopping_snapshot_every_epoch": T(
        "Take the snapshot (`best_weights = model.get_weights()`) only when `best` improves: taken "
        "every epoch, restore_best_weights restores the last monitored epoch's weights, not the "
        "best epoch's.",
        "스냅샷(`best_weights = model.get_weights()`)은 `best`가 개선될 때만 남기세요. 매 에포크 "
        "남기면 restore_best_weights가 가장 좋은 에포크가 아니라 마지막으로 모니터링한 에포크의 "
        "가중치를 복원합니다."),
    "early_stopping_wait_not_counted_on_improvement": T(
        "Increment `wait` at EVERY monitored epoch, before testing for an improvement: an "
        "improvement resets it to 0 only when it also beats the baseline; otherwise that epoch "
        "still counts towards patience.",
        "모니터링하는 '모든' 에포크에서 개선 여부를 검사하기 전에 `wait`을 1 늘리세요. 개선이 "
        "baseline까지 넘을 때만 `wait`이 0으로 돌아가고, 그렇지 않으면 그 에포크도 patience에 "
        "포함됩니다."),
}


# -- the script both callbacks are driven with --------------------------------------------

def epoch_weights(run: int, epoch: int) -> list:
    """The model's weights at the end of ``epoch`` of training ``run`` (both 0-based):
    arrays filled with ``100*(run+1) + epoch`` (and its negative)."""
    code = 100.0 * (run + 1) + epoch
    return [np.full(WEIGHT_SHAPES[0], code), np.full(WEIGHT_SHAPES[1], -code)]


def initial_weights() -> list:
    return [np.zeros(s) for s in WEIGHT_SHAPES]


def build_runs(inputs: dict) -> list:
    """The driver's ``runs`` for a case."""
    return [{"logs": logs, "weights": [epoch_weights(r, e) for e in range(len(logs))]}
            for r, logs in enumerate(inputs["logs"])]


def _plain(value):
    """A driver attribute as a comparable value: int/float, None, or a marker string."""
    if isinstance(value, dict):
        if value.get("missing"):
            return "<no such attribute>"
        return f"<a {value.get('unsupported', 'value')}>"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "<a list or array>"
    if value is None or isinstance(value, str):
        return value
    return float(value)


def unreadable(detail: str) -> Failure:
    return Failure(f"your `{CLASS}` left the model or its own attributes in a state the grader "
                   f"cannot read: {detail}")


def _kind(value) -> str:
    if value is None:
        return "None"
    name = type(value).__name__[:40]
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


#: What the wire lets through (wire.INT_MIN/MAX); a float holds every such int.
INT_RANGE = (-(1 << 63), (1 << 64) - 1)


def _attr_ok(value) -> bool:
    """One attribute as ``drivers.plain_attr`` records it: None, a number, a list of
    numeric arrays (``best_weights``) or a marker."""
    kind = type(value)
    if value is None or kind is float:
        return True
    if kind is int:
        return INT_RANGE[0] <= value <= INT_RANGE[1]
    if kind is dict:
        return value == {"missing": True} or (
            list(value) == ["unsupported"] and type(value["unsupported"]) is str
            and 0 < len(value["unsupported"]) <= 100)
    if kind is list:
        return all(type(v) is np.ndarray for v in value)
    return False


def _weights(value, r: int) -> list:
    """The model's final weights of training ``r`` as float64 arrays (numeric arrays,
    else a Failure)."""
    if type(value) is not list or not all(type(w) is np.ndarray and w.dtype.kind in "biuf"
                                          for w in value):
        raise unreadable(f"in training {r + 1} the model's weights are not a list of numeric "
                         "arrays (what does your code do to model.get_weights?)")
    return [w.astype(np.float64) for w in value]


def summarize(results, inputs: dict | None = None) -> dict:
    """Reduce :func:`run_callback_script`'s results to what is compared. They come from
    the student's process (the driver runs there, on a model the student's code can
    change): anything not of the form the driver gives is a Failure (:func:`unreadable`);
    with ``inputs``, so is a training that ran more epochs than it has."""
    if type(results) is not list or not all(type(res) is dict for res in results):
        raise unreadable(f"the fit loop's record is {_kind(results)}, not a list of trainings "
                         "(did your code replace or change the grader's driver?)")
    if inputs is not None and len(results) != len(inputs["logs"]):
        raise unreadable(f"{len(results)} trainings recorded for {len(inputs['logs'])} run")
    runs = []
    for r, res in enumerate(results):
        attrs, epochs_run = res.get("attrs"), res.get("epochs_run")
        if type(attrs) is not dict or not all(_attr_ok(v) for v in attrs.values()):
            raise unreadable(f"in training {r + 1} the callback's attributes were recorded as "
                             "something else than numbers, None or arrays")
        limit = len(inputs["logs"][r]) if inputs is not None else INT_RANGE[1]
        if type(epochs_run) is not int or not 0 <= epochs_run <= limit:
            shown = epochs_run if type(epochs_run) is int else _kind(epochs_run)
            raise unreadable(f"in training {r + 1} the number of epochs run is {shown}")
        runs.append({"epochs_run": epochs_run,
                     **{f: _plain(attrs.get(f)) for f in FIELDS},
                     "final_weights": _weights(res.get("final_weights"), r)})
    return {"runs": runs}


def _same_value(field, got, exp) -> bool:
    # `best` is None after a training that monitored no epoch (Keras 3 starts it at None):
    # an initial +-inf (tf.keras 2.x) is not Keras's value (a named mistake)
    if isinstance(got, float) and isinstance(exp, float):
        if field == "best":
            return bool(np.isclose(got, exp, rtol=BEST_RTOL, atol=0.0))
        return got == exp
    return got == exp


def _same_weights(got, exp) -> bool:
    return len(got) == len(exp) and all(
        np.shape(g) == np.shape(e) and np.array_equal(g, e) for g, e in zip(got, exp))


def difference(got: dict, exp: dict, fields=FIELDS, against="Keras") -> str | None:
    """None when the two summaries agree on the epochs run, the final weights and
    ``fields``, else what differs first, in the student's words (``against`` names
    where ``exp`` comes from: "Keras", or "" for what a property expects)."""
    ran, theirs = (f"{against} ran", f"{against}'s is") if against else ("expected", "expected")
    for r, (g, e) in enumerate(zip(got["runs"], exp["runs"])):
        where = f"in training {r + 1}: " if len(exp["runs"]) > 1 else ""
        if g["epochs_run"] != e["epochs_run"]:
            return f"{where}training ran {g['epochs_run']} epochs, {ran} {e['epochs_run']}"
        for f in fields:
            if not _same_value(f, g[f], e[f]):
                return f"{where}`{f}` is {_show(g[f])}, {theirs} {_show(e[f])}"
        if not _same_weights(g["final_weights"], e["final_weights"]):
            multi = len(exp["runs"]) > 1
            return (f"{where}the model ends with {_weights_text(g['final_weights'], multi)}, "
                    f"{against + ' with' if against else 'expected'} "
                    f"{_weights_text(e['final_weights'], multi)}")
    if len(got["runs"]) != len(exp["runs"]):
        return f"{len(got['runs'])} trainings instead of {len(exp['runs'])}"
    return None


def _show(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v) if not isinstance(v, str) else v


def _weights_text(ws, multi: bool = False) -> str:
    """Name the epoch that produced these weights (see :func:`epoch_weights`)."""
    try:
        code = float(np.asarray(ws[0]).flat[0])
        if _same_weights(ws, initial_weights()):
            return "the initial weights"
        run, epoch = int(code // 100) - 1, int(code % 100)
        if run >= 0 and _same_weights(ws, epoch_weights(run, epoch)):
            which = f" of training {run + 1}" if multi or run else ""
            return f"the weights of epoch {epoch}{which}"
    except (IndexError, TypeError, ValueError):
        pass
    from grader.checking import fmt
    return fmt(list(ws))


def outcome_text(summary: dict) -> str:
    lines = []
    for r, s in enumerate(summary["runs"]):
        head = f"training {r + 1}: " if len(summary["runs"]) > 1 else ""
        lines.append(f"{head}ran {s['epochs_run']} epoch(s); "
                     f"stopped_epoch={_show(s['stopped_epoch'])}, best={_show(s['best'])}, "
                     f"best_epoch={_show(s['best_epoch'])}; "
                     f"final weights: {_weights_text(s['final_weights'], bool(head))}")
    return "\n".join(lines)


def init_text(init: dict) -> str:
    return f"{CLASS}(" + ", ".join(f"{k}={v!r}" for k, v in init.items()) + ")"


def inputs_text(inputs: dict) -> str:
    monitor = inputs["init"].get("monitor", "val_loss")
    lines = [init_text(inputs["init"])]
    for r, logs in enumerate(inputs["logs"]):
        values = ", ".join("(missing)" if lg.get(monitor) is None else _show(float(lg[monitor]))
                           for lg in logs)
        others = sorted({k for lg in logs for k in lg if k != monitor})
        head = f"training {r + 1}, " if len(inputs["logs"]) > 1 else ""
        lines.append(f"{head}{monitor} at the end of epochs 0, 1, ...: {values}"
                     + (f"  (the logs also hold {', '.join(others)})" if others else ""))
    return "\n".join(lines)


def run_student(ctx, inputs: dict, wrap: bool = True) -> dict:
    """Drive the student's class through the fit loop; its summary, or a Failure
    (``wrap=False`` lets :class:`CallFailed` through, for :func:`run_property`)."""
    runs = build_runs(inputs)
    return run_driven(ctx, CLASS, "callback_script",
                      {"init": inputs["init"], "runs": runs, "initial_weights": initial_weights()},
                      units=sum(len(run["logs"]) for run in runs),
                      shown=f"{init_text(inputs['init'])} (on {len(runs)} training run(s))",
                      inputs=inputs_text(inputs), unreadable=unreadable,
                      read=lambda raw: summarize(raw, inputs), wrap=wrap)


# -- reference checks ---------------------------------------------------------------------

def behaving_alike(student: list, cases, fields=FIELDS) -> list:
    """The known mistakes that behave exactly like the student on every case of the
    check, the failing ones and the passing ones."""
    found = []
    for mistake in dict.fromkeys(m for c in cases for m in c.mistakes):
        if all((rec := case.mistakes.get(mistake)) is not None and "runs" in rec
               and difference(got, rec, fields) is None for case, got in zip(cases, student)):
            found.append(mistake)
    return found


def closest_mistake(student: list, cases, failing: set, fields=FIELDS) -> str:
    """The one known mistake that behaves exactly like the student on every case of the
    check, the failing ones and the passing ones ("" when none does, or several do)."""
    found = behaving_alike(student, cases, fields)
    return found[0] if len(found) == 1 else ""


def reference_check(*, tag=None, hidden=False, fields=FIELDS):
    """Compare with Keras on every recorded case of ``tag`` (epochs run, final weights
    and ``fields``); fail on the smallest failing case and name the known mistake that
    behaves like the student.

    ``stopped_epoch`` is compared by the lecture, patience and hidden checks only, so
    that a numbering slip costs those, not every check in which training stops."""

    def run(ctx):
        cases = ctx.cases(hidden=hidden, tag=tag)
        if not cases:
            raise Failure("no recorded cases for this check")
        student, first, failing = [], None, set()
        for case in cases:
            got = run_student(ctx, case.inputs)
            student.append(got)
            bad = difference(got, case.expected, fields)
            if bad:
                failing.add(case.id)
                first = first or (case, got, bad)
        if first is None:
            return None
        case, got, bad = first
        msg = f"differs from Keras: {bad}"
        if tag or hidden:
            msg += f" [case {case.id}]"
        if len(failing) > 1:
            msg += f" ({len(failing)} of {len(cases)} cases differ)"
        diagnosis = closest_mistake(student, cases, failing, fields)
        failure = _failure(msg, case.inputs, case.expected, got, diagnosis)
        # what the check saw go wrong: the known mistakes reproducing the student on every
        # failing case. A name another failing check shows is dropped when it does not
        # explain these failures (grader/diagnosis.py); a mistake that does not explain
        # them cannot be the student's. (Passing cases a mistake would fail only show that
        # the student's slip is narrower than the catalogued one, e.g. in one mode only.)
        bad_cases = [(c, g) for c, g in zip(cases, student) if c.id in failing]
        note_candidates(ctx, failure,
                        behaving_alike([g for _, g in bad_cases], [c for c, _ in bad_cases],
                                       fields),
                        {m for c in cases for m in c.mistakes})
        raise failure

    return run


def _failure(msg, inputs, expected, got, diagnosis=""):
    return Failure(msg, example=example(inputs_text(inputs), expected=outcome_text(expected),
                                        got=outcome_text(got)), diagnosis=diagnosis)


# -- what Keras and each known mistake do on the properties' examples (recorded) ---------
#
# The property checks run recorded examples (grader/examples_data.py). What Keras does on
# each of them, and what each known mistake does, is recorded once by the instructor
# (``python -m grader.assignments.training.authoring.record_early_stopping``, from the trusted model in
# ``grader/assignments/training/authoring/es_model.py``, itself checked against Keras on every recorded case)
# in ``reference_data/<assignment>/early_stopping.outcomes.json``, keyed by the script's
# exact inputs. Grading only reads it: no implementation of the callback is shipped. A
# mistake is named only when it is the one that behaves exactly like the student.

OUTCOMES_FORMAT = 1


def script_key(inputs: dict) -> str:
    import hashlib
    import json

    from grader.examples_data import encode

    text = json.dumps(encode(inputs), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def outcomes_path(assignment: str = "training", root=None):
    from grader.reference import path_for

    return path_for(assignment, "early_stopping", False, root).with_name(
        "early_stopping.outcomes.json")


_OUTCOMES: dict = {}


def _outcomes(assignment: str) -> dict:
    """``{script key: {"expected": summary, "mistakes": {id: summary}}}``."""
    import json

    from grader.examples_data import AuthoringError, Decoded, read_regular

    path = str(outcomes_path(assignment))
    found = _OUTCOMES.get(path)
    if found is None:
        try:
            doc = json.loads(read_regular(path).decode("utf-8"))
            if doc.get("format") != OUTCOMES_FORMAT:
                raise ValueError("format")
            found = Decoded(doc["outcomes"], "an entry of the recorded outcomes of the early_stopping "
                            "properties", "run `python -m grader.assignments.training.authoring."
                            "record_early_stopping`")  # (decoded when used)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise AuthoringError("the recorded outcomes of the early_stopping properties are "
                                 f"missing or unusable ({exc}); run `python -m "
                                 "grader.assignments.training.authoring.record_early_stopping`") from None
        _OUTCOMES[path] = found
    return found


def _summary(record) -> dict:
    """A recorded summary in the form :func:`summarize` gives (arrays, floats)."""
    runs = []
    for r in record["runs"]:
        runs.append({**r, "final_weights": [np.asarray(w, np.float64) for w in r["final_weights"]]})
    return {"runs": runs}


def recorded_outcome(assignment: str, inputs: dict):
    """``(expected, {mistake: summary})`` recorded for a property's script."""
    from grader.examples_data import AuthoringError

    entry = _outcomes(assignment).get(script_key(inputs))
    if entry is None:
        raise AuthoringError("no recorded outcome for an early_stopping property example; run "
                             "`python -m grader.assignments.training.authoring.record_early_stopping`")
    return _summary(entry["expected"]), {m: _summary(r) for m, r in entry["mistakes"].items()}


# -- properties (no reference needed) ------------------------------------------------------

MODES = {"val_loss": ("auto", "min"), "loss": ("auto", "min"),
         "val_accuracy": ("auto", "max"), "accuracy": ("auto", "max")}


def _grid(lo, hi):
    return st.integers(int(lo * GRID), int(hi * GRID)).map(lambda k: k / GRID)


@st.composite
def improving_script(draw):
    """A monitored value that beats the previous one by more than min_delta every epoch."""
    monitor = draw(st.sampled_from(sorted(MODES)))
    sign = -1.0 if MODES[monitor][1] == "min" else 1.0
    min_delta = draw(st.sampled_from([0, 1 / 64, 1 / 32, -1 / 32]))
    n = draw(st.integers(2, 8))
    start = draw(_grid(0.25, 0.75))
    steps = draw(st.lists(st.integers(1, 4), min_size=n - 1, max_size=n - 1))
    values, v = [start], start
    for k in steps:
        v = v + sign * (abs(min_delta) + k / GRID)
        values.append(v)
    init = {"monitor": monitor, "min_delta": min_delta, "patience": draw(st.integers(0, 3)),
            "mode": draw(st.sampled_from(MODES[monitor])),
            "baseline": draw(st.none() | _grid(-1.0, 2.0)),
            "restore_best_weights": draw(st.booleans()),
            "start_from_epoch": draw(st.integers(0, n - 1))}
    return {"init": init, "logs": [[{monitor: x} for x in values]]}


@st.composite
def plateau_script(draw):
    """The first monitored value is never beaten again (equal or worse afterwards)."""
    monitor = draw(st.sampled_from(sorted(MODES)))
    sign = -1.0 if MODES[monitor][1] == "min" else 1.0
    patience = draw(st.integers(0, 4))
    start = draw(st.integers(0, 2))
    n = start + max(1, patience) + draw(st.integers(1, 3))
    first = draw(_grid(0.25, 0.75))
    warmup = draw(st.lists(_grid(0.0, 1.0), min_size=start, max_size=start))
    later = draw(st.lists(st.integers(0, 8), min_size=n - start - 1, max_size=n - start - 1))
    values = warmup + [first] + [first - sign * k / GRID for k in later]
    init = {"monitor": monitor, "patience": patience, "mode": draw(st.sampled_from(MODES[monitor])),
            "restore_best_weights": draw(st.booleans()), "start_from_epoch": start}
    return {"init": init, "logs": [[{monitor: x} for x in values]]}


def _then_worse(inputs):
    """The same callback settings on a curve that never improves after its first epoch
    (ties and worse values for patience + 2 epochs): Keras stops there. A class that
    never stops passes "an improving quantity never stops" trivially; with this
    follow-up it earns nothing for it."""
    init = {k: v for k, v in inputs["init"].items() if k not in ("baseline", "start_from_epoch")}
    monitor = init["monitor"]
    mode = init.get("mode", "auto")
    mode = ("min" if "loss" in monitor else "max") if mode == "auto" else mode
    sign = 1.0 if mode == "min" else -1.0
    first = 0.5
    values = [first] + [first + sign * (k % 3) / GRID for k in range(init.get("patience", 0) + 2)]
    return {"init": init, "logs": [[{monitor: v} for v in values]]}


def _property(strategy, expect_fn, what, follow_up=None):
    def run(ctx):
        def body(inputs):
            for script, text in ((inputs, what), *(((follow_up(inputs),
                                                      "and on a curve that never improves "
                                                      "after epoch 0"),) if follow_up else ())):
                got = run_student(ctx, script, wrap=False)
                exp, mistakes = expect_fn(ctx.assignment.name, script)
                bad = difference(got, exp, against="")
                if bad:
                    # the known mistakes behaving exactly like the student on this script
                    # (one behaving like Keras cannot: the student differs from Keras)
                    found = [m for m, rec in mistakes.items() if difference(got, rec) is None]
                    failure = Failure(f"{text}: {bad}", example=example(
                        inputs_text(script), expected=outcome_text(exp), got=outcome_text(got)),
                        diagnosis=found[0] if len(found) == 1 else "")
                    note_candidates(ctx, failure, found, set(mistakes))
                    raise failure
        run_property(strategy, body, max_examples=ctx.settings.max_examples,
                     describe=lambda inputs: example(inputs_text(inputs)))
    return run


def _model_expect(assignment, inputs):
    """What Keras and each known mistake do on a property's script (recorded): a mistake
    is named only when it is the one behaving exactly like the student there."""
    return recorded_outcome(assignment, inputs)


# -- the part --------------------------------------------------------------------------------

def parts() -> list[Part]:
    behaviour = ("best_epoch", "best")     # what each feature changes; not the numbering
    checks = (
        Check(T("matches Keras EarlyStopping(monitor='val_loss', min_delta=0, patience=0, "
                "mode='auto', restore_best_weights=False) (the lecture's example)",
                "Keras EarlyStopping(monitor='val_loss', min_delta=0, patience=0, mode='auto', "
                "restore_best_weights=False)과 같은 동작 (강의 예제)"),
              reference_check(tag="lecture"), weight=3, hints=HINTS),
        Check(T("matches Keras for several patience and min_delta values",
                "여러 patience, min_delta 값에서 Keras와 같은 동작"),
              reference_check(tag="patience"), weight=2, hints=HINTS),
        Check(T("matches Keras for mode 'min', 'max' and 'auto' on loss and accuracy names",
                "loss, accuracy 이름에 대해 mode 'min', 'max', 'auto'에서 Keras와 같은 동작"),
              reference_check(tag="mode", fields=behaviour), weight=2, hints=HINTS),
        Check(T("matches Keras with a baseline",
                "baseline이 있을 때 Keras와 같은 동작"),
              reference_check(tag="baseline", fields=behaviour), weight=2, hints=HINTS),
        Check(T("matches Keras with restore_best_weights=True",
                "restore_best_weights=True일 때 Keras와 같은 동작"),
              reference_check(tag="restore", fields=behaviour), weight=2, hints=HINTS),
        Check(T("matches Keras with start_from_epoch and epochs whose logs lack the monitored "
                "value",
                "start_from_epoch를 쓰거나 logs에 모니터링 값이 없는 에포크가 있을 때 Keras와 "
                "같은 동작"),
              reference_check(tag="start_missing", fields=behaviour), weight=2, hints=HINTS),
        Check(T("one callback reused for two trainings starts afresh each time",
                "콜백 하나를 두 번의 학습에 다시 써도 매번 처음 상태에서 시작함"),
              reference_check(tag="reuse", fields=behaviour), weight=1, hints=HINTS),
        Check(T("a quantity that improves every epoch never stops training",
                "매 에포크 개선되는 값이면 학습을 멈추지 않음"),
              _property(improving_script(), _model_expect,
                        "training stopped (or kept the wrong best) although every epoch improved",
                        follow_up=_then_worse),
              weight=1, hints=HINTS),
        Check(T("after its best epoch, training stops once `patience` epochs have not improved",
                "최고 에포크 이후 `patience`번의 에포크 동안 개선이 없으면 학습을 멈춤"),
              _property(plateau_script(), _model_expect,
                        "training did not stop max(1, patience) epochs after the only improvement"),
              weight=1, hints=HINTS),
        Check(T("matches Keras on the hidden cases",
                "숨겨진 테스트 케이스에서 Keras와 같은 결과"),
              reference_check(hidden=True), weight=1, hidden=True, hints=HINTS),
    )
    return [Part(id="early_stopping", title=T("Early stopping", "조기 종료"),
                 module="early_stopping", names=(CLASS,), points=17, checks=checks, probes=PROBES)]


#: The ignored-argument probe: trainings driven through the fit loop, each keyword
#: argument of the constructor changed in turn (every change alters what Keras does on
#: these logs). Not `baseline`: with patience <= 1 no baseline changes anything (any
#: epoch without improvement stops), so a hard-coded patience=1 would be reported as
#: ignoring it too. Mistakes that ignore an argument by definition keep their names.
PROBE_SCRIPTS = (
    {"val_loss": [1.0, 0.875, 0.9375, 0.96875, 0.75, 1.0, 1.0625, 1.125],
     "loss": [0.5, 0.625, 0.25, 0.125, 0.0625, 0.5, 0.375, 0.4375]},
    {"val_loss": [0.5, 0.625, 0.4375, 0.75, 0.8125, 0.375, 0.875, 0.9375, 1.0, 1.0625],
     "loss": [0.75, 0.5, 0.625, 0.25, 0.375, 0.5, 0.125, 0.0625, 0.25, 0.5]},
)
PROBE_INIT = {"monitor": "val_loss", "min_delta": 0, "patience": 2, "mode": "auto",
              "baseline": None, "restore_best_weights": False, "start_from_epoch": 0}


def _probe_run(ctx, init):
    """The student's outcome on each probe script (separate trainings, separate
    objects): an argument counts as ignored only if no script shows it."""
    out = []
    for script in PROBE_SCRIPTS:
        n = len(script["loss"])
        logs = [{k: v[e] for k, v in script.items()} for e in range(n)]
        try:
            out += run_student(ctx, {"init": init, "logs": [logs]}, wrap=False)["runs"]
        except Failure as f:   # a result of another form proves nothing (a probe never fails)
            raise CallFailed("unsupported", f.message) from None
    return out


PROBES = (Probe(fn=CLASS, kwargs=PROBE_INIT, run=_probe_run,
                alternatives={"monitor": "loss", "min_delta": 0.25, "patience": 4, "mode": "max",
                              "restore_best_weights": True, "start_from_epoch": 5},
                keeps=("early_stopping_ignores_start_from_epoch",
                       "early_stopping_accuracy_minimised",
                       # snapshots every epoch: restoring gives the last monitored epoch's
                       # weights, i.e. the probe's (no missing value) as if not restoring
                       "early_stopping_snapshot_every_epoch")),)
