"""A trusted model of Keras's EarlyStopping and of each known mistake (instructor-only:
never shipped, it is a solution). Checked against Keras and against every mistake
class on every recorded case (tests/test_training_early_stopping.py); used to record what Keras
and each mistake do on the property checks' examples
(``python -m grader.assignments.training.authoring.record_early_stopping``).
"""

from __future__ import annotations

import numpy as np

from ..early_stopping import epoch_weights, initial_weights

#: Mistakes the model can make (ids as in HINTS).
MODEL_MISTAKES = (
    "early_stopping_off_by_one_patience", "early_stopping_non_strict_improvement",
    "early_stopping_min_delta_wrong_way", "early_stopping_min_delta_sign_kept",
    "early_stopping_restore_only_when_stopped", "early_stopping_baseline_seeds_best",
    "early_stopping_ignores_baseline", "early_stopping_ignores_start_from_epoch",
    "early_stopping_missing_counts_as_wait", "early_stopping_no_reset_on_train_begin",
    "early_stopping_one_based_stopped_epoch", "early_stopping_accuracy_minimised",
    "early_stopping_patience_zero_never_stops", "early_stopping_stops_at_epoch_zero",
    "early_stopping_stop_test_after_improvement", "early_stopping_baseline_ignores_min_delta",
    "early_stopping_best_starts_at_infinity", "early_stopping_best_epoch_not_set",
    "early_stopping_snapshot_taken_once", "early_stopping_modes_swapped",
    "early_stopping_snapshot_every_epoch", "early_stopping_wait_not_counted_on_improvement",
)


def simulate(inputs: dict, mistake: str = "") -> dict:
    """The summary (as :func:`summarize`) of Keras's EarlyStopping on a case, or of the
    known ``mistake``; None when the configuration is one Keras refuses."""
    m = mistake.replace("early_stopping_", "")
    init = dict(inputs["init"])
    monitor = init.get("monitor", "val_loss")
    mode = init.get("mode", "auto")
    if mode == "auto":
        base = monitor[4:] if monitor.startswith("val_") else monitor
        if base == "loss" or m == "accuracy_minimised":
            mode = "min"
        elif base in ("accuracy", "acc", "auc"):
            mode = "max"
        else:
            return None
    delta = init.get("min_delta", 0)
    delta = delta if m == "min_delta_sign_kept" else abs(delta)
    patience, baseline = init.get("patience", 0), init.get("baseline")
    restore, start = init.get("restore_best_weights", False), init.get("start_from_epoch", 0)

    def improves(cur, ref):
        if ref is None:
            return True
        d = -delta if m == "min_delta_wrong_way" else delta
        if m == "modes_swapped":
            return cur + d < ref if mode == "max" else cur - d > ref
        if m == "non_strict_improvement":
            return cur + d <= ref if mode == "min" else cur - d >= ref
        return cur + d < ref if mode == "min" else cur - d > ref

    def patience_over(wait):
        if m == "patience_zero_never_stops" and patience == 0:
            return False
        return wait > patience if m == "off_by_one_patience" else wait >= patience

    state = {}
    runs = []
    for r, logs in enumerate(inputs["logs"]):
        if r == 0 or m != "no_reset_on_train_begin":
            first = None
            if m == "baseline_seeds_best":
                first = baseline
            elif m == "best_starts_at_infinity":
                first = float("inf") if mode == "min" else -float("inf")
            state = {"wait": 0, "stopped": 0, "best": first, "best_epoch": 0, "snapshot": None}
        weights, epochs_run = initial_weights(), 0
        for epoch, lg in enumerate(logs):
            weights = epoch_weights(r, epoch)
            epochs_run = epoch + 1
            cur = lg.get(monitor)
            stop = False
            if epoch < start and m != "ignores_start_from_epoch":
                pass
            elif cur is None:
                if m == "missing_counts_as_wait":
                    state["wait"] += 1
                    stop = patience_over(state["wait"]) and epoch > 0
            else:
                if m != "wait_not_counted_on_improvement":
                    state["wait"] += 1
                if restore and m == "snapshot_every_epoch":
                    state["snapshot"] = weights
                if improves(cur, state["best"]):
                    state["best"] = cur
                    if m != "best_epoch_not_set":
                        state["best_epoch"] = epoch
                    if restore and (m != "snapshot_taken_once" or state["snapshot"] is None):
                        state["snapshot"] = weights
                    if m == "baseline_ignores_min_delta" and baseline is not None:
                        resets = cur < baseline if mode == "min" else cur > baseline
                    else:
                        resets = (baseline is None or m == "ignores_baseline"
                                  or improves(cur, baseline))
                    if resets:
                        state["wait"] = 0
                    elif m == "stops_at_epoch_zero":
                        stop = patience_over(state["wait"])
                    if m == "stop_test_after_improvement":
                        stop = patience_over(state["wait"]) and epoch > 0
                else:
                    if m == "wait_not_counted_on_improvement":
                        state["wait"] += 1
                    stop = patience_over(state["wait"]) and (epoch > 0 or
                                                             m == "stops_at_epoch_zero")
            if stop:
                state["stopped"] = epoch + 1 if m == "one_based_stopped_epoch" else epoch
                break
        if restore and state["snapshot"] is not None and (
                m != "restore_only_when_stopped" or state["stopped"] > 0):
            weights = state["snapshot"]
        best = state["best"]
        runs.append({"epochs_run": epochs_run, "stopped_epoch": float(state["stopped"]),
                     "best_epoch": float(state["best_epoch"]),
                     "best": None if best is None else float(best),
                     "final_weights": [np.asarray(w, np.float64) for w in weights]})
    return {"runs": runs}
