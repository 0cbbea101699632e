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
from hypothesis import strategies as st

from grader.declaration import Check, Part, Probe
from grader.checking import example, failed_call, run_property
from grader.diagnosis import note_candidates
from grader.errors import Failure
from grader.sandbox.runner import CallFailed

CLASS = "EarlyStopping"
FIELDS = ("stopped_epoch", "best_epoch", "best")
BEST_RTOL = 1e-6      # `best` is the monitored value itself; float32 copies of 0.7 pass
GRID = 64             # values are multiples of 1/64: float32 and float64 compare alike
WEIGHT_SHAPES = ((2,), (1, 3))

HINTS = {
    "early_stopping_off_by_one_patience":
        "You stop one epoch late: Keras increments `wait` BEFORE testing `wait >= patience`, "
        "so patience=2 stops at the 2nd epoch in a row without improvement.",
    "early_stopping_non_strict_improvement":
        "An equal value is not an improvement: Keras compares strictly "
        "(current + min_delta < best in min mode), so a tie counts towards patience.",
    "early_stopping_min_delta_wrong_way":
        "min_delta makes improving HARDER: in min mode the new value must be below "
        "best - min_delta (current + min_delta < best); in max mode above best + min_delta.",
    "early_stopping_min_delta_sign_kept":
        "Keras uses abs(min_delta): min_delta=-0.1 behaves exactly like 0.1. A negative "
        "min_delta must not make improving easier.",
    "early_stopping_restore_only_when_stopped":
        "restore_best_weights restores the best epoch's weights in on_train_end whenever a "
        "snapshot exists, also when training ran all its epochs without stopping early.",
    "early_stopping_baseline_seeds_best":
        "baseline does not start `best`: the first monitored epoch always becomes `best`; "
        "the baseline only decides whether an improvement resets `wait`.",
    "early_stopping_ignores_baseline":
        "With a baseline, an improvement resets `wait` only when it also beats the baseline; "
        "otherwise the epoch still counts towards patience.",
    "early_stopping_ignores_start_from_epoch":
        "Epochs before start_from_epoch are ignored completely: they are never `best`, never "
        "snapshotted and not counted in `wait`.",
    "early_stopping_missing_counts_as_wait":
        "An epoch whose logs lack the monitored key is skipped (Keras only warns); it does not "
        "count as an epoch without improvement.",
    "early_stopping_no_reset_on_train_begin":
        "Reset wait, best, best_epoch, stopped_epoch and best_weights in on_train_begin: the same "
        "callback object is reused for a second model.fit, which must start afresh.",
    "early_stopping_one_based_stopped_epoch":
        "stopped_epoch is the 0-based epoch number fit passed to on_epoch_end (Keras prints it "
        "1-based, as 'Epoch 3: early stopping' for stopped_epoch=2, but stores it 0-based).",
    "early_stopping_patience_zero_never_stops":
        "patience=0 (the default) does not switch early stopping off: it stops at the first "
        "epoch that does not improve (wait is 1 then, and 1 >= 0).",
    "early_stopping_stops_at_epoch_zero":
        "Keras never stops at epoch 0, nor at an epoch that improved `best`: after an "
        "improvement it returns at once (even when the baseline is not beaten, so `wait` keeps "
        "counting), and only an epoch without improvement runs the test "
        "`wait >= patience and epoch > 0`.",
    "early_stopping_stop_test_after_improvement":
        "An epoch that improves `best` never stops training: Keras 3 returns right after "
        "recording an improvement, and only an epoch without improvement runs the test "
        "`wait >= patience and epoch > 0` (older tf.keras tested every epoch, so patience=0 "
        "stopped at epoch 1 even while improving).",
    "early_stopping_accuracy_minimised":
        "mode='auto' maximises accuracy (names whose base is accuracy, acc or auc) and minimises "
        "loss; you minimised an accuracy.",
    "early_stopping_baseline_ignores_min_delta":
        "The baseline test uses min_delta too: an improvement resets `wait` only when it beats "
        "the baseline by more than min_delta (current + min_delta < baseline in min mode, "
        "current - min_delta > baseline in max mode), the same test as for `best`.",
    "early_stopping_best_starts_at_infinity":
        "Keras 3 starts `best` at None (not inf or -inf) and the first monitored epoch always "
        "becomes best; when no epoch is monitored (start_from_epoch past the last epoch, or the "
        "monitored key always missing), `best` is still None after training.",
    "early_stopping_best_epoch_not_set":
        "Record the epoch of each improvement: `best_epoch = epoch` whenever `best` changes "
        "(0-based, as fit passes it); yours stays 0.",
    "early_stopping_snapshot_taken_once":
        "Take a new snapshot (`best_weights = model.get_weights()`) at EVERY improvement, not "
        "only the first: restore_best_weights restores the weights of the best epoch.",
    "early_stopping_modes_swapped":
        "mode='min' improves when the value goes DOWN and mode='max' when it goes UP (in min mode "
        "current + min_delta < best); your two comparisons are swapped, so you maximise losses "
        "and minimise accuracies (with mode='auto' and with an explicit mode alike).",
    "early_stopping_snapshot_every_epoch":
        "Take the snapshot (`best_weights = model.get_weights()`) only when `best` improves: "
        "taken every epoch, restore_best_weights restores the last monitored epoch's weights, "
        "not the best epoch's.",
    "early_stopping_wait_not_counted_on_improvement":
        "Increment `wait` at EVERY monitored epoch, before testing for an improvement: an "
        "improvement resets it to 0 only when it also beats the baseline; otherwise that epoch "
        "still counts towards patience.",
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


def summarize(results) -> dict:
    """Reduce :func:`run_callback_script`'s results to what is compared."""
    runs = []
    for res in results:
        attrs = res.get("attrs", {})
        runs.append({"epochs_run": int(res["epochs_run"]),
                     **{f: _plain(attrs.get(f)) for f in FIELDS},
                     "final_weights": [np.asarray(w, dtype=np.float64)
                                       for w in res["final_weights"]]})
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
    try:
        runs = build_runs(inputs)
        raw = ctx.drive(CLASS, "callback_script",
                        {"init": inputs["init"], "runs": runs, "initial_weights": initial_weights()},
                        units=sum(len(run["logs"]) for run in runs),
                        shown=f"{init_text(inputs['init'])} (on {len(runs)} training run(s))")
    except CallFailed as exc:
        if not wrap:
            raise
        f = failed_call(exc, f"your `{CLASS}`")
        f.example = example(inputs_text(inputs), error=f.message.splitlines()[0])
        raise f from None
    return summarize(raw)


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

    from grader.examples_data import AuthoringError, decode, read_regular

    path = str(outcomes_path(assignment))
    found = _OUTCOMES.get(path)
    if found is None:
        try:
            doc = json.loads(read_regular(path).decode("utf-8"))
            if doc.get("format") != OUTCOMES_FORMAT:
                raise ValueError("format")
            found = {k: decode(v) for k, v in doc["outcomes"].items()}
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
        Check("matches Keras EarlyStopping(monitor='val_loss', min_delta=0, patience=0, "
              "mode='auto', restore_best_weights=False) (the lecture's example)",
              reference_check(tag="lecture"), weight=3, hints=HINTS),
        Check("matches Keras for several patience and min_delta values",
              reference_check(tag="patience"), weight=2, hints=HINTS),
        Check("matches Keras for mode 'min', 'max' and 'auto' on loss and accuracy names",
              reference_check(tag="mode", fields=behaviour), weight=2, hints=HINTS),
        Check("matches Keras with a baseline", reference_check(tag="baseline", fields=behaviour),
              weight=2, hints=HINTS),
        Check("matches Keras with restore_best_weights=True",
              reference_check(tag="restore", fields=behaviour), weight=2, hints=HINTS),
        Check("matches Keras with start_from_epoch and epochs whose logs lack the monitored value",
              reference_check(tag="start_missing", fields=behaviour), weight=2, hints=HINTS),
        Check("one callback reused for two trainings starts afresh each time",
              reference_check(tag="reuse", fields=behaviour), weight=1, hints=HINTS),
        Check("a quantity that improves every epoch never stops training",
              _property(improving_script(), _model_expect,
                        "training stopped (or kept the wrong best) although every epoch improved",
                        follow_up=_then_worse),
              weight=1, hints=HINTS),
        Check("after its best epoch, training stops once `patience` epochs have not improved",
              _property(plateau_script(), _model_expect,
                        "training did not stop max(1, patience) epochs after the only improvement"),
              weight=1, hints=HINTS),
        Check("matches Keras on the hidden cases", reference_check(hidden=True), weight=1,
              hidden=True, hints=HINTS),
    )
    return [Part(id="early_stopping", title="Early stopping", module="early_stopping",
                 names=(CLASS,), points=17, checks=checks, probes=PROBES)]


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
        out += run_student(ctx, {"init": init, "logs": [logs]}, wrap=False)["runs"]
    return out


PROBES = (Probe(fn=CLASS, kwargs=PROBE_INIT, run=_probe_run,
                alternatives={"monitor": "loss", "min_delta": 0.25, "patience": 4, "mode": "max",
                              "restore_best_weights": True, "start_from_epoch": 5},
                keeps=("early_stopping_ignores_start_from_epoch",
                       "early_stopping_accuracy_minimised",
                       # snapshots every epoch: restoring gives the last monitored epoch's
                       # weights, i.e. the probe's (no missing value) as if not restoring
                       "early_stopping_snapshot_every_epoch")),)
