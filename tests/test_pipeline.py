"""Pipelined requests (``Sandbox.pipeline``, ``grader.plans``): a planned request gets
exactly the reply it would get on its own, a request off the plan cancels the rest,
and planned requests nobody asked for (one that hangs, one that kills the worker)
cost no restart and change no result."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import plans
from grader.sandbox import wire, zygote
from grader.sandbox.runner import CallFailed, Limits, Sandbox

from .helpers import FAST, ROOT, grade_path, mutant_submission
from .test_security import _known_children, _runners, assert_nothing_left  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX-only")

MODULE = '''
import os
import numpy as np

def scale(x, k=1.0):
    if k < 0:
        raise ValueError("k must not be negative")
    return np.asarray(x) * k

def slow(x):
    if x > 100:
        while True:
            pass
    return x

def fatal(x):
    if x > 100:
        os._exit(3)
    return x
'''


@pytest.fixture
def box(tmp_path, request):
    """A sandbox under each runner ("shared": forked in a shared box, see zygote.py)."""
    (tmp_path / "m.py").write_text(MODULE)
    shared = request.param == "shared"
    if shared:
        zygote.share_boxes(True)
        forks = zygote.STATS["forks"]
    runner = "bwrap" if shared else request.param
    sandbox = Sandbox(tmp_path, ("m",), Limits(call_seconds=1.5, load_seconds=10, runner=runner))
    try:
        sandbox.start()
        yield sandbox
    finally:
        sandbox.close()
        if shared:
            zygote.share_boxes(False)
    if shared:
        assert zygote.STATS["forks"] > forks
    assert_nothing_left()


def body(sandbox, name, *args, **kwargs) -> bytes:
    return sandbox._body({"op": "call", "module": "m", "name": name, "args": wire.encode(list(args)),
                          "kwargs": wire.encode(kwargs), "rngs": {}})


def outcome(sandbox, name, *args, **kwargs):
    try:
        value = sandbox.call("m", name, *args, **kwargs)
        return ("value", value.tolist() if isinstance(value, np.ndarray) else value)
    except CallFailed as exc:
        return ("failed", exc.kind, exc.message)


def count_sends(sandbox, monkeypatch) -> list:
    sent = []
    real = sandbox._send

    def counting(proc, data, deadline):
        sent.append(data)
        return real(proc, data, deadline)
    monkeypatch.setattr(sandbox, "_send", counting)
    return sent


CALLS = [("scale", [1.0, 2.0], 2.0), ("scale", [3.0], -1.0), ("scale", [0.5, -4.0], 0.25)]


@pytest.mark.parametrize("box", _runners(), indirect=True)
def test_planned_requests_get_the_replies_they_would_get_alone(box, monkeypatch):
    made = box.recording()
    alone = [outcome(box, name, np.array(x), k=k) for name, x, k in CALLS]
    box.stop_recording()
    assert alone[1][:2] == ("failed", "exception") and "k must not be negative" in alone[1][2]
    sent = count_sends(box, monkeypatch)
    assert box.pipeline(list(made)) == 3
    planned = [outcome(box, name, np.array(x), k=k) for name, x, k in CALLS]
    assert planned == alone
    assert len(sent) == 1 and sent[0].startswith(b'{"op":"many"')  # one message for all three
    assert not box.proc.pending and box.restarts == 0


@pytest.mark.parametrize("box", _runners(), indirect=True)
def test_a_request_off_the_plan_cancels_the_rest(box, monkeypatch):
    plan = [body(box, "scale", np.array([float(i)]), k=2.0) for i in range(50)]
    assert box.pipeline(plan) == 50
    assert outcome(box, "scale", np.array([0.0]), k=2.0) == ("value", [0.0])  # the plan's first
    assert outcome(box, "scale", np.array([7.0]), k=3.0) == ("value", [21.0])  # off the plan
    assert not box.proc.pending
    # nothing left over from the plan: the next replies are the right ones
    assert [outcome(box, "scale", np.array([float(i)]), k=1.0)[1] for i in range(3)] == [[0.0], [1.0], [2.0]]
    assert box.restarts == 0 and not box._no_pipeline


@pytest.mark.parametrize("box", _runners(), indirect=True)
@pytest.mark.parametrize("name", ["slow", "fatal"])
def test_a_planned_request_nobody_asks_for_costs_no_restart(box, name):
    """The plan goes on to a request that hangs (or kills the worker), but the check
    asks for something else: no timeout, crash or restart is reported for it."""
    assert box.pipeline([body(box, name, 1), body(box, name, 1000), body(box, name, 2)]) == 3
    assert outcome(box, name, 1) == ("value", 1)
    time.sleep(0.3)  # the worker is in the unasked request (else it may see the cancel first)
    assert outcome(box, name, 5) == ("value", 5)   # off the plan: the rest is given up
    assert box.restarts == 0 and box._no_pipeline  # (and no more pipelining for this sandbox)
    assert box.pipeline([body(box, name, 1)]) == 0
    assert outcome(box, name, 6) == ("value", 6)


@pytest.mark.parametrize("box", _runners(), indirect=True)
def test_a_planned_request_that_hangs_times_out_as_it_would_alone(box):
    assert box.pipeline([body(box, "slow", 1000), body(box, "slow", 1)]) == 2
    failed = outcome(box, "slow", 1000)
    assert failed[:2] == ("failed", "timeout") and box.restarts == 1
    assert outcome(box, "slow", 1) == ("value", 1)


@pytest.mark.parametrize("box", _runners(), indirect=True)
def test_a_planned_request_that_kills_the_worker_crashes_as_it_would_alone(box):
    assert box.pipeline([body(box, "fatal", 1), body(box, "fatal", 1000)]) == 2
    assert outcome(box, "fatal", 1) == ("value", 1)
    failed = outcome(box, "fatal", 1000)
    assert failed[:2] == ("failed", "crash") and "status 3" in failed[2] and box.restarts == 1
    assert outcome(box, "fatal", 2) == ("value", 2)


def test_plans_are_learned_from_a_passing_check_and_change_no_result(tmp_path):
    """Grading with plans (as batch grading does) gives the results of grading without,
    for a correct submission and for one whose mistake fails checks midway."""
    wrong = mutant_submission(tmp_path / "wrong", "optimizers", "adam_step", "adam_no_bias_correction",
                              "grader.authoring.mistakes_optimizers")
    parts = ["adam", "l1_l2", "batchnorm_train", "early_stopping"]
    plain = [grade_path(p, parts=parts, settings=FAST) for p in (ROOT / "solutions", wrong)]
    plans.clear()
    plans.install()
    try:
        first = grade_path(ROOT / "solutions", parts=parts, settings=FAST)
        learned = plans.stats["recorded"]
        again = [grade_path(p, parts=parts, settings=FAST) for p in (ROOT / "solutions", wrong)]
        pipelined = plans.stats["pipelined"]
    finally:
        plans.uninstall()
        plans.clear()
    assert learned > 10 and pipelined >= 2 * learned - 2
    assert first == plain[0] and again == plain
    assert plain[1].part("adam").score < plain[1].part("adam").max_score


# -- matching a request to the plan by its values (wire.same) ------------------------------------

_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), _floats, st.sampled_from(["a", "b"]),
    st.sampled_from([0.0, -0.0, float("nan"), 1]),
    st.builds(lambda xs, dt, shape: (np.nan_to_num(np.array(xs)) if dt == "int64" else np.array(xs))
              .astype(dt).reshape(shape),
              st.lists(st.sampled_from([0.0, -0.0, 1.0, float("nan")]), min_size=2, max_size=2),
              st.sampled_from(["float32", "float64", ">f8", "int64"]),
              st.sampled_from([(2,), (1, 2), (2, 1)])),
    st.builds(np.float64, _floats))
_values = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner),
    st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, max_size=3)), max_leaves=6)


def _encoded(value):
    try:
        return json.dumps(wire.encode(value), allow_nan=True, separators=(",", ":"))
    except (wire.WireError, TypeError, ValueError):
        return None


@settings(max_examples=300, deadline=None)
@given(_values, _values)
def test_values_are_called_the_same_only_if_they_encode_the_same(a, b):
    """wire.same never says yes wrongly: -0.0 and 0.0, 1 and 1.0 and True, float32 and
    float64, shapes (2,) and (1, 2) all differ; unsure cases (numpy scalars, byte-swapped
    arrays) say no."""
    snap = wire.snapshot(b)
    if snap is not None and wire.same(a, snap):
        assert _encoded(a) is not None and _encoded(a) == _encoded(b)
    if snap is not None and _encoded(b) is not None:
        assert wire.same(b, snap)  # and a value is always the same as its own snapshot


def test_the_edge_cases_of_same():
    snap = wire.snapshot
    assert not wire.same(-0.0, snap(0.0)) and wire.same(float("nan"), snap(float("-nan")))
    assert not wire.same(1, snap(1.0)) and not wire.same(True, snap(1))
    assert not wire.same(np.zeros(2, "float32"), snap(np.zeros(2)))
    assert not wire.same(np.zeros((1, 2)), snap(np.zeros(2)))
    assert not wire.same(np.float64(1.0), snap(1.0)) and snap(np.float64(1.0)) is None
    assert snap(np.zeros(2, ">f8")) is None and snap([1, {"k": np.zeros(2, ">f8")}]) is None
    assert not wire.same({"x": 1, "y": 2}, snap({"y": 2, "x": 1}))  # (key order is in the JSON)
    a = np.arange(3.0)
    copy = snap(a)
    a[0] = 9.0  # a snapshot is a copy: changing the value afterwards does not change it
    assert not wire.same(a, copy) and wire.same(np.arange(3.0), copy)


@pytest.mark.parametrize("box", _runners(), indirect=True)
def test_a_request_matching_the_plan_by_value_is_not_even_encoded(box, monkeypatch):
    made = box.recording()
    alone = [outcome(box, name, np.array(x), k=k) for name, x, k in CALLS]
    box.stop_recording()
    assert all(raw is not None for _body, raw in made)
    assert box.pipeline(list(made)) == 3
    encoded = []
    real = wire.encode
    monkeypatch.setattr(wire, "encode", lambda *a, **k: encoded.append(a) or real(*a, **k))
    planned = [outcome(box, name, np.array(x), k=k) for name, x, k in CALLS[:2]]
    assert planned == alone[:2] and encoded == []
    assert outcome(box, "scale", np.array([2.0]), k=2.0) == ("value", [4.0])  # off the plan
    assert encoded and not box.proc.pending


@pytest.mark.parametrize("box", _runners(), indirect=True)
def test_a_reply_seen_before_is_decoded_once_and_handed_out_as_a_copy(box, monkeypatch):
    from grader.sandbox import runner

    first = box.call("m", "scale", np.array([1.0, 2.0]), k=2.0)
    decoded = []
    real = wire.decode
    monkeypatch.setattr(wire, "decode", lambda *a, **k: decoded.append(a) or real(*a, **k))
    first[0] = 99.0  # the caller's copy
    again = box.call("m", "scale", np.array([1.0, 2.0]), k=2.0)
    assert again.tolist() == [2.0, 4.0] and again is not first and decoded == []
    x = float(np.random.default_rng().integers(1, 2**40))  # never seen in this process
    other = box.call("m", "scale", np.array([1.0, x]), k=2.0)  # other bytes: decoded
    assert other.tolist() == [2.0, 2 * x] and len(decoded) == 1
    monkeypatch.setattr(runner, "MAX_REPLY_CACHE", 0)  # full: nothing more is kept
    size = runner._REPLY_BYTES[0]
    assert box.call("m", "scale", np.array([5.0]), k=1.0).tolist() == [5.0]
    assert runner._REPLY_BYTES[0] == size
