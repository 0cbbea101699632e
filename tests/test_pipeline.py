"""Pipelined requests (``Sandbox.pipeline``, ``grader.pipelining``): a planned request gets
exactly the reply it would get on its own, a request off the plan cancels the rest,
and planned requests nobody asked for (one that hangs, one that kills the worker)
cost no restart and change no result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import pipelining
from grader.sandbox import shared_box, wire
from grader.sandbox.runner import CallFailed, Limits, Sandbox, bwrap_status

from .helpers import (
    FAST,
    ROOT,
    assert_nothing_left,
    copy_solutions,
    grade_path,
    mutant_submission,
    runners,
)

pytestmark = [pytest.mark.skipif(os.name == "nt", reason="POSIX-only"),
              pytest.mark.usefixtures("known_children")]

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
    """A sandbox under each runner ("shared": forked in a shared box, see shared_box.py)."""
    (tmp_path / "m.py").write_text(MODULE)
    shared = request.param == "shared"
    if shared:
        shared_box.share_boxes(True)
        forks = shared_box.STATS["forks"]
    runner = "bwrap" if shared else request.param
    sandbox = Sandbox(tmp_path, ("m",), Limits(call_seconds=1.5, load_seconds=10, runner=runner))
    try:
        sandbox.start()
        yield sandbox
    finally:
        sandbox.close()
        if shared:
            shared_box.share_boxes(False)
    if shared:
        assert shared_box.STATS["forks"] > forks
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


@pytest.mark.parametrize("box", runners(), indirect=True)
def test_planned_requests_get_the_replies_they_would_get_alone(box, monkeypatch):
    made = box.recording()
    alone = [outcome(box, name, np.array(x), k=k) for name, x, k in CALLS]
    box.stop_recording()
    assert alone[1][:2] == ("failed", "exception") and "k must not be negative" in alone[1][2]
    sent = count_sends(box, monkeypatch)
    assert box.pipeline(list(made)) == 3
    planned = [outcome(box, name, np.array(x), k=k) for name, x, k in CALLS]
    assert planned == alone
    assert not sent  # all three were written ahead, none sent one at a time
    assert not box.proc.pending and box.restarts == 0


@pytest.mark.parametrize("box", runners(), indirect=True)
def test_a_request_off_the_plan_cancels_the_rest(box, monkeypatch):
    plan = [body(box, "scale", np.array([float(i)]), k=2.0) for i in range(50)]
    assert box.pipeline(plan) == 50
    assert outcome(box, "scale", np.array([0.0]), k=2.0) == ("value", [0.0])  # the plan's first
    assert outcome(box, "scale", np.array([7.0]), k=3.0) == ("value", [21.0])  # off the plan
    assert not box.proc.pending
    # nothing left over from the plan: the next replies are the right ones
    assert [outcome(box, "scale", np.array([float(i)]), k=1.0)[1] for i in range(3)] == [[0.0], [1.0], [2.0]]
    assert box.restarts == 0 and not box._no_pipeline


@pytest.mark.parametrize("box", runners(), indirect=True)
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


@pytest.mark.parametrize("box", runners(), indirect=True)
def test_a_planned_request_that_hangs_times_out_as_it_would_alone(box):
    assert box.pipeline([body(box, "slow", 1000), body(box, "slow", 1)]) == 2
    failed = outcome(box, "slow", 1000)
    assert failed[:2] == ("failed", "timeout") and box.restarts == 1
    # a function that hung is not called again in the submission (issue 15.2) ...
    again = outcome(box, "slow", 1)
    assert again[:2] == ("failed", "timeout") and again[2].startswith("was not run: earlier")
    assert "slow(1000)" in again[2] and box.restarts == 1
    # ... the others still run, in a fresh worker
    assert outcome(box, "scale", np.array([1.0]), k=2.0) == ("value", [2.0])


@pytest.mark.parametrize("box", runners(), indirect=True)
def test_a_planned_request_that_kills_the_worker_crashes_as_it_would_alone(box):
    assert box.pipeline([body(box, "fatal", 1), body(box, "fatal", 1000)]) == 2
    assert outcome(box, "fatal", 1) == ("value", 1)
    failed = outcome(box, "fatal", 1000)
    assert failed[:2] == ("failed", "crash") and "status 3" in failed[2] and box.restarts == 1
    assert outcome(box, "fatal", 2) == ("value", 2)


def test_plans_are_learned_from_a_passing_check_and_change_no_result(tmp_path):
    """Grading with pipelining (as batch grading does) gives the results of grading without,
    for a correct submission and for one whose mistake fails checks midway."""
    wrong = mutant_submission(tmp_path / "wrong", "optimizers", "adam_step", "adam_no_bias_correction",
                              "grader.assignments.training.authoring.mistakes_optimizers")
    parts = ["adam", "l1_l2", "batchnorm_train", "early_stopping"]
    plain = [grade_path(p, parts=parts, settings=FAST) for p in (ROOT / "solutions" / "training", wrong)]
    pipelining.clear()
    pipelining.install()
    try:
        first = grade_path(ROOT / "solutions" / "training", parts=parts, settings=FAST)
        learned = pipelining.stats["recorded"]
        again = [grade_path(p, parts=parts, settings=FAST) for p in (ROOT / "solutions" / "training", wrong)]
        pipelined = pipelining.stats["pipelined"]
    finally:
        pipelining.uninstall()
        pipelining.clear()
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


@pytest.mark.parametrize("box", runners(), indirect=True)
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


@pytest.mark.parametrize("box", runners(), indirect=True)
def test_a_reply_seen_before_is_decoded_once_and_handed_out_as_a_copy(box, monkeypatch):
    from grader.sandbox import replies

    # a cache of this test's own: the process-wide one may be full after the other tests
    for name, empty in (("_REPLIES", {}), ("_REPLY_BYTES", [0]), ("_CACHED", set()),
                        ("_DECODED", {})):
        monkeypatch.setattr(replies, name, empty)
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
    monkeypatch.setattr(replies, "MAX_REPLY_CACHE", 0)  # full: nothing more is kept
    size = replies._REPLY_BYTES[0]
    assert box.call("m", "scale", np.array([5.0]), k=1.0).tolist() == [5.0]
    assert replies._REPLY_BYTES[0] == size


# -- pipelining carry nothing of one student to another (issue 12.9) ----------------------------------

#: The solution, its outputs perturbed by one part in 2**20 (it still passes): every
#: array it returns is its own, never one the grader makes itself.
PERTURBED = '''

_exact_train = batchnorm_train


def batchnorm_train(*args, **kwargs):
    def mark(z):
        z = np.asarray(z)
        return (z * np.asarray(1 + 2.0 ** -20, dtype=z.dtype)).astype(z.dtype)
    return tuple(mark(z) for z in _exact_train(*args, **kwargs))
'''

#: A later submission looking through every frame above it and every list and dict in
#: its process for arrays (raw or wire-encoded), printing digests of what it finds.
SPY = '''

import base64 as _b64
import gc as _gc
import hashlib as _hl
import sys as _sys

_exact_train = batchnorm_train
_SEEN = set()
_CALLS = [0]


def _walk(v, out, depth=0):
    if depth > 10:
        return
    t = type(v)
    if t is np.ndarray:
        if v.size >= 2 and v.dtype.kind == "f":
            out.add(_hl.sha1(np.ascontiguousarray(v).tobytes()).hexdigest()[:12])
    elif t is dict:
        nd = v.get("__nd__")
        if type(nd) is list and len(nd) == 3 and type(nd[2]) is str and str(nd[0]).startswith("float"):
            try:
                raw = _b64.b64decode(nd[2])
            except Exception:
                raw = b""
            if len(raw) >= 16:
                out.add(_hl.sha1(raw).hexdigest()[:12])
        for x in list(v.values()):
            _walk(x, out, depth + 1)
    elif t in (list, tuple):
        for x in list(v)[:10000]:
            _walk(x, out, depth + 1)


def batchnorm_train(*args, **kwargs):
    out = set()
    f = _sys._getframe(1)
    while f is not None:
        for x in list(f.f_locals.values()):
            _walk(x, out)
        f = f.f_back
    if _CALLS[0] % 5 == 0:
        for o in _gc.get_objects():
            if type(o) in (dict, list):
                _walk(o, out, 8)
    _CALLS[0] += 1
    new = out - _SEEN
    _SEEN.update(new)
    if new:
        print("SEEN " + " ".join(sorted(new)))
    return _exact_train(*args, **kwargs)
'''

#: Correct only where it finds a plan of requests (a list of them, or the next request
#: already in its process): graded alone it never does.
PLAN_SEEKER = '''

import gc as _gc

_exact_train = batchnorm_train


def _sees_a_plan():
    for o in _gc.get_objects():
        if type(o) is dict and type(o.get("requests")) is list:
            return True
        if type(o) is list and len(o) > 1 and all(type(r) is dict and "op" in r for r in o[:3]):
            return True
    return False


def batchnorm_train(*args, **kwargs):
    y, m, v = _exact_train(*args, **kwargs)
    return (y, m, v) if _sees_a_plan() else (y, m + 1.0, v)
'''


def _variant(tmp_path, name, extra):
    folder = copy_solutions(tmp_path / name)
    path = folder / "batchnorm.py"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return folder


def _arrays(value):
    if isinstance(value, np.ndarray):
        if value.ndim:
            yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays(v)


def _digests(arr):
    import hashlib

    out = set()
    if arr.size >= 2 and arr.dtype.kind == "f" and np.any(arr != 0):
        for dt in {arr.dtype.name, "float16", "float32", "float64"}:
            with np.errstate(all="ignore"):
                out.add(hashlib.sha1(np.ascontiguousarray(arr.astype(dt)).tobytes()).hexdigest()[:12])
    return out


@pytest.fixture
def batch_plans():
    pipelining.clear()
    pipelining.install()
    yield
    pipelining.uninstall()
    pipelining.clear()


def _runner_limits(runner):
    return Limits(runner="bwrap" if runner == "shared" else runner)


@pytest.mark.slow
@pytest.mark.parametrize("runner", runners())
def test_a_later_submission_finds_no_array_an_earlier_one_returned(runner, tmp_path, monkeypatch,
                                                                      batch_plans):
    """Graded after a submission whose every returned array is its own (the pipelining of
    the batch learned from it), a submission walking every frame above its function
    and every list and dict of its worker finds none of those arrays (nor their float
    casts): a check that feeds the student's outputs back is planned only up to that
    request."""
    from grader.sandbox import replies

    first, spy = _variant(tmp_path, "first", PERTURBED), _variant(tmp_path, "spy", SPY)
    returned: set = set()
    real = replies.decoded

    def keep(reply):
        value = real(reply)
        for arr in _arrays(value):
            returned.update(_digests(arr))
        return value
    monkeypatch.setattr(replies, "decoded", keep)
    limits = _runner_limits(runner)
    assert grade_path(first, parts=["batchnorm_train"], settings=FAST, limits=limits).part(
        "batchnorm_train").full
    assert pipelining.stats["recorded"] >= 3 and returned
    monkeypatch.setattr(replies, "decoded", real)
    result = grade_path(spy, parts=["batchnorm_train"], settings=FAST, limits=limits)
    assert pipelining.stats["pipelined"] >= 3
    seen = {d for line in result.output.splitlines() if line.startswith("SEEN ")
            for d in line.split()[1:]}
    assert len(seen) > 20, result.output[:2000]  # it did find the arrays it was sent
    assert not seen & returned


@pytest.mark.slow
def test_a_grade_is_the_same_alone_first_or_after_others(tmp_path):
    """Graded alone, first in a batch, or after others (with the pipelining the batch learned
    from them), every submission gets the same result, including one that behaves
    correctly only where it finds a plan and one that searches its process."""
    wrong = mutant_submission(tmp_path / "wrong", "optimizers", "adam_step", "adam_no_bias_correction",
                              "grader.assignments.training.authoring.mistakes_optimizers")
    subs = [ROOT / "solutions" / "training", _variant(tmp_path, "perturbed", PERTURBED), wrong,
            _variant(tmp_path, "seeker", PLAN_SEEKER), _variant(tmp_path, "spy", SPY)]
    parts = ["adam", "batchnorm_train", "early_stopping"]

    def strip(result):  # (what the spy printed depends on the order: not graded)
        return [(p.id, p.score, [(c.name, c.passed, c.points, c.message) for c in p.checks])
                for p in result.parts]
    alone = []
    for sub in subs:
        pipelining.clear()
        pipelining.install()
        try:
            alone.append(strip(grade_path(sub, parts=parts, settings=FAST)))
        finally:
            pipelining.uninstall()
    score = [dict((p, s) for p, s, _ in result)["batchnorm_train"] for result in alone]
    assert score[3] < score[0]  # the seeker is wrong when alone
    for order in (subs, subs[::-1], [subs[3], *subs[:3], subs[4]]):
        pipelining.clear()
        pipelining.install()
        try:
            batch = {str(sub): strip(grade_path(sub, parts=parts, settings=FAST)) for sub in order}
            assert pipelining.stats["pipelined"] > 0
        finally:
            pipelining.uninstall()
            pipelining.clear()
        assert [batch[str(sub)] for sub in subs] == alone


# -- what one reply may cost the grading process (issue 12.3) ------------------------------------

def _hostile_reply(kind: str, size: int) -> bytes:
    if kind == "lists":
        return b"[" + b"[]," * (size // 3) + b"[]]"
    if kind == "floats":
        return b"[" + b"0.5," * (size // 4) + b"0.5]"
    if kind == "deep":
        return b"[" * (size // 2) + b"]" * (size // 2)
    return b'{"ok":true,"value":{"__tuple__":[' + b'"",' * (size // 3) + b'""]}}'


@pytest.mark.parametrize("kind", ["lists", "floats", "deep", "strings"])
def test_a_reply_that_does_not_fit_its_request_is_refused_before_it_is_parsed(kind):
    """A reply a thousand times the size of its request's structure is refused from its
    raw bytes, with a plain reason, never parsed (which costs ~50x its size)."""
    import tracemalloc

    from grader.sandbox import replies as r

    request = json.dumps({"op": "call", "args": [[1.0, 2.0]]}).encode()
    budget = r.budget_for(request, 64 * r.MB)
    reply = _hostile_reply(kind, budget.size - 1000)
    assert len(reply) < budget.size
    read, write = os.pipe()
    reader = r.Reader(read, 64 * r.MB)
    reader.budget = budget
    done = threading.Event()

    def feed():
        with os.fdopen(write, "wb") as f:
            f.write(wire._HEADER.pack(len(reply)) + reply)
        done.set()
    t = threading.Thread(target=feed, daemon=True)
    tracemalloc.start()
    try:
        t.start()
        kind_, why = reader.get(20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        os.close(read)
    t.join(5)
    assert kind_ == "bad" and "WireError" in why, why
    assert "for this request" in why or "levels deep" in why, why
    assert peak < 4 * len(reply) + 4 * r.MB, peak  # the bytes themselves, a copy, no expansion


HOSTILE_REPLY = '''
import os, stat, struct
import numpy as np


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    body = b"[" + b"[]," * (KIB * 1024 // 3) + b"[]]"
    for fd in range(3, 40):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, struct.pack("!I", len(body)) + body)
        except OSError:
            pass
    return param - learning_rate * grad, velocity
'''

GRADE_ONE = r"""
import json, resource, sys
from grader.assignments import get
from grader.checking import Settings
from grader.engine import grade
from grader.sandbox.runner import Limits
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
r = grade(sys.argv[1], get("training"), parts=["momentum"], settings=Settings(max_examples=5),
          limits=Limits(runner=sys.argv[2], submission_seconds=60))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
c = r.part("momentum").checks
print(json.dumps({"growth_kib": after - before, "score": r.part("momentum").score,
                  "messages": [x.message for x in c]}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["fallback", pytest.param("bwrap", marks=pytest.mark.skipif(
    not bwrap_status()[0], reason="bubblewrap cannot run here"))])
@pytest.mark.parametrize("kib", [900, 48 * 1024])
def test_a_worker_writing_huge_replies_costs_the_grader_little_memory(runner, kib, tmp_path):
    """A submission writing `[[],[],...]` straight to the protocol pipe (a reply just
    under the request's byte budget, or one of 48 MiB) fails its checks with "unreadable
    reply", and the grading process grows by megabytes, not the gigabytes parsing it
    would cost (measured in a subprocess held to 2 GiB of address space)."""
    sub = copy_solutions(tmp_path / "sub")
    (sub / "optimizers.py").write_text((sub / "optimizers.py").read_text(encoding="utf-8")
                                       + HOSTILE_REPLY.replace("KIB", str(kib)), encoding="utf-8")

    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    proc = subprocess.run([sys.executable, "-c", GRADE_ONE, str(sub), runner], capture_output=True,
                          text=True, timeout=600, preexec_fn=limit, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["score"] < 8 and any("unreadable reply" in m for m in out["messages"]), out
    assert out["growth_kib"] < 200 * 1024, out
