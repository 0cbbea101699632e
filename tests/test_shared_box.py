"""The shared box (grader/sandbox/shared_box.py): one bubblewrap box in which a batch's
grading process forks the workers of its submissions. Nothing of one submission is
left for the next, a box that dies is replaced, grading in it changes no result, and
it goes when its process goes. (The hostile submissions run in one shared box too, as
the "shared" runner of tests/test_security.py.)"""

from __future__ import annotations

import os
import site
import sys
import time
from pathlib import Path

import pytest

from grader.sandbox import isolation, shared_box
from grader.sandbox.runner import CallFailed, Sandbox, bwrap_status

from .helpers import (
    FAST,
    ROOT,
    adversarial_submission,
    assert_nothing_left,
    copy_solutions,
    grade_path,
    live,
    mutant_submission,
    small_limits,
)

pytestmark = [pytest.mark.skipif(os.name == "nt", reason="POSIX-only"),
              pytest.mark.usefixtures("known_children")]

NEEDS_SHARED = pytest.mark.skipif(not (bwrap_status()[0] and shared_box.supported()),
                                  reason="a shared box needs root, bubblewrap and pidfd")


@pytest.fixture
def sharing():
    """This test's sandboxes share one box (destroyed at the end, before private_tmp's
    check, as private_tmp is requested first)."""
    shared_box.share_boxes(True)
    yield
    shared_box.share_boxes(False)


LEAVER = '''
import ctypes, errno, os, time

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p

def leave():
    """Everything a submission could leave behind for the next one in the same box."""
    out = {}
    with open("/tmp/left-by-a.txt", "w") as f:
        f.write("SECRET-A")
    os.mkdir("/tmp/locked")
    with open("/tmp/locked/x", "w") as f:
        f.write("x")
    os.chmod("/tmp/locked", 0)
    shmid = libc.shmget(0x5EC2E7, 4096, 0o1000 | 0o666)  # IPC_CREAT
    out["shm"] = shmid
    if shmid >= 0:
        ctypes.memmove(libc.shmat(shmid, None, 0), b"SECRET-A", 8)
    for pid in (1, 2):  # bubblewrap's init and the fork server
        out[f"kill{pid}"] = ctypes.get_errno() if libc.kill(pid, 19) else 0  # SIGSTOP
        out[f"ptrace{pid}"] = ctypes.get_errno() if libc.ptrace(16, pid, None, None) else 0
    pid = os.fork()
    if pid == 0:  # a daemon out of the worker's tree, writing files as long as it lives
        os.setsid()
        if os.fork() == 0:
            while True:
                try:
                    open(f"/tmp/daemon-{time.monotonic()}", "w").close()
                except OSError:
                    pass
                time.sleep(0.01)
        os._exit(0)
    os.waitpid(pid, 0)
    time.sleep(0.1)
    out["tmp"] = len(os.listdir("/tmp"))
    return out
'''

PROBE = '''
import ctypes, os, time

libc = ctypes.CDLL(None, use_errno=True)

def probe():
    """What the next submission in the box can see of the one before."""
    first = sorted(os.listdir("/tmp"))
    time.sleep(0.2)
    return {"tmp": first, "tmp_later": sorted(os.listdir("/tmp")),
            "submission": sorted(os.listdir("/submission")),
            "shm": libc.shmget(0x5EC2E7, 0, 0), "pid": os.getpid(), "uid": os.getuid()}
'''


def _module(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "optimizers.py").write_text(text, encoding="utf-8")
    (folder / "a_file_of_its_own.txt").write_text("mine", encoding="utf-8")
    return folder


def _state(pid: int) -> str:
    raw = isolation._read(f"/proc/{pid}/stat", 512)
    return raw[raw.rfind(b")") + 2:][:1].decode()


@NEEDS_SHARED
def test_a_shared_box_keeps_nothing_of_one_submission_for_the_next(tmp_path, private_tmp, sharing):
    """Submission A leaves files (one it made unreadable), a System V segment and a daemon
    out of its tree, and tries to stop and trace the fork server; submission B, forked
    next in the same box, finds none of it, and the fork server is untouched."""
    a = _module(tmp_path / "a", LEAVER)
    b = _module(tmp_path / "b", PROBE)
    before = dict(shared_box.STATS)
    with Sandbox(a, ("optimizers",), small_limits("shared")) as box_a:
        box_a.start()
        shared = box_a._shared
        assert shared is not None
        left = box_a.call("optimizers", "leave")
        assert left["shm"] >= 0 and left["tmp"] >= 3, left  # it did leave things
        for key in ("kill1", "kill2", "ptrace1", "ptrace2"):
            assert left[key] == 1, (key, left)  # EPERM: a foreign, non-dumpable root process
        server = shared.server_pid
    assert _state(server) in ("S", "R"), "the fork server was stopped"
    assert not shared._strangers(), "a process of submission A survived it"
    with Sandbox(b, ("optimizers",), small_limits("shared")) as box_b:
        box_b.start()
        assert box_b._shared is shared  # the same box, reused
        seen = box_b.call("optimizers", "probe")
    # (a Python installed under /tmp is bound at its own path in the box's /tmp)
    python_under_tmp = sorted({Path(p).resolve().relative_to("/tmp").parts[0]
                               for p in {sys.prefix, sys.base_prefix, sys.exec_prefix,
                                         *site.getsitepackages()}
                               if p and Path(p).resolve().is_relative_to("/tmp")
                               and Path(p).resolve() != Path("/tmp")})
    assert seen["tmp"] == python_under_tmp and seen["tmp_later"] == python_under_tmp, seen
    assert seen["submission"] == ["a_file_of_its_own.txt", "optimizers.py"], seen
    assert seen["shm"] == -1, seen
    assert seen["uid"] != 0
    assert shared_box.STATS["destroyed"] == before["destroyed"]
    assert shared_box.STATS["boxes"] - before["boxes"] <= 1
    assert_nothing_left()


@NEEDS_SHARED
def test_a_shared_box_that_dies_is_replaced(tmp_path, private_tmp, sharing):
    """The fork server killed under a running submission: that call fails as a crash,
    the submission goes on in a box of its own, and the next one gets a new shared box."""
    import signal as signals

    import numpy as np

    sub = copy_solutions(tmp_path / "good")
    args = (np.ones(2), np.ones(2), np.zeros(2))
    with Sandbox(sub, ("optimizers",), small_limits("shared")) as box:
        box.start()
        first = box._shared
        os.kill(first.server_pid, signals.SIGKILL)
        with pytest.raises(CallFailed) as exc:
            for _ in range(50):  # (the box takes a moment to go down)
                box.call("optimizers", "sgd_momentum_step", *args)
                time.sleep(0.02)
        assert exc.value.kind == "crash"
        value = box.call("optimizers", "sgd_momentum_step", *args)  # in a box of its own
        assert box._shared is None and box._own_box
    with Sandbox(sub, ("optimizers",), small_limits("shared")) as box:
        assert box.call("optimizers", "sgd_momentum_step", *args)[0].tolist() == value[0].tolist()
        assert box._shared is not None and box._shared is not first
    assert_nothing_left()


@NEEDS_SHARED
@pytest.mark.parametrize("which", ["correct_wrong_crashing",
                                   pytest.param("more_parts_and_hanging", marks=pytest.mark.slow)])
def test_a_shared_box_changes_no_result(which, tmp_path, private_tmp):
    """Grading in a shared box (as a batch's grading process does) gives the results of
    grading in a box per submission: correct, wrong, crashing and hanging code (the
    hanging one, which waits out its time limit twice, and the correct one's other parts
    in the slow lane)."""
    solutions = ROOT / "solutions" / "training"
    if which == "correct_wrong_crashing":
        wrong = mutant_submission(tmp_path / "wrong", "optimizers", "adam_step", "adam_no_bias_correction",
                                  "grader.assignments.training.authoring.mistakes_optimizers")
        crash = adversarial_submission("segfault", tmp_path / "subs", "same", tmp_path)
        cases = [(solutions, ["adam"]), (wrong, ["adam"]), (crash, ["momentum"])]
    else:
        hang = adversarial_submission("loop_in_call", tmp_path / "subs", "same", tmp_path)
        cases = [(solutions, ["l1_l2", "batchnorm_train", "early_stopping"]), (hang, ["momentum"])]

    def run(runner):
        return [grade_path(p, parts=parts, settings=FAST,
                           limits=small_limits(runner, submission_seconds=6))
                for p, parts in cases]
    alone = run("bwrap")
    shared_box.share_boxes(True)
    try:
        before = shared_box.STATS["forks"]
        shared = run("shared")
        assert shared_box.STATS["forks"] - before >= len(cases)
    finally:
        shared_box.share_boxes(False)
    assert shared == alone
    if which == "correct_wrong_crashing":
        assert alone[0].part("adam").full
        assert alone[1].part("adam").score < alone[1].part("adam").max_score
        assert alone[2].part("momentum").score == 0
    else:
        assert alone[0].score == alone[0].max_score and alone[1].part("momentum").score == 0
    assert_nothing_left()


_LEAVE_A_BOX = '''
import multiprocessing as mp, sys, tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from grader.sandbox import shared_box

def take_one(_):
    shared_box.share_boxes(True)
    stage = Path(tempfile.mkdtemp())
    (stage / "optimizers.py").write_text("")
    box = shared_box.take(64, 30, stage)
    assert box is not None and box.usable()
    box.give_back()  # given back, never destroyed: the process's exit must do it
    return box.server_pid

if __name__ == "__main__":
    if sys.argv[1] == "pool":
        with ProcessPoolExecutor(1, mp_context=mp.get_context("forkserver")) as pool:
            print(list(pool.map(take_one, [0])))
    else:
        print(take_one(0))
'''


@NEEDS_SHARED
@pytest.mark.parametrize("how", ["process", "pool"])
def test_a_shared_box_is_destroyed_when_its_process_exits(how, tmp_path):
    """A grading process that ends (a plain exit, or a pool worker that multiprocessing
    ends without atexit) takes its box with it: no process, no folder left."""
    import subprocess
    import sys

    script = tmp_path / "leave.py"
    script.write_text(_LEAVE_A_BOX, encoding="utf-8")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    server = int(done.stdout.strip().strip("[]"))
    deadline = time.monotonic() + 5
    while live(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not live(server), "the fork server outlived its process"
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("grader-box-")]
