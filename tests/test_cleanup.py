"""Cleaning up after hostile submissions (red-team review): folders nested deeper than
Python's recursion limit and PATH_MAX, the disk and inode watchdog, the sweep of
earlier runs' folders never stopping the grader, and daemons of the fallback run by a
normal user. The hostile submissions themselves run in tests/test_security.py
(``deep_dirs``, ``many_dirs``, ``disk_fill``, ``daemon_nonroot``) under every runner."""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from grader import tmpdirs
from grader.sandbox import disk_watch, isolation
from grader.sandbox import runner as runner_module
from grader.sandbox.runner import MB, Limits, Sandbox

from .helpers import ROOT

ADV = Path(__file__).with_name("adversarial")
pytestmark = pytest.mark.skipif(not isolation.LINUX, reason="Linux folder descriptors and /proc")


@pytest.fixture(autouse=True)
def _no_deep_leftovers(tmp_path):
    """Whatever a test leaves in its folder goes (pytest's own removal of old test
    folders is recursive, and would stumble on a chain 3000 deep if a test failed)."""
    yield
    for entry in os.listdir(tmp_path):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(tmp_path / entry)],
                       check=False, timeout=120)


def _chain(top: Path, levels: int = 3000) -> None:
    """``top/d/d/d/...``, ``levels`` deep (made through folder descriptors: the path
    is far longer than PATH_MAX)."""
    top.mkdir(parents=True, exist_ok=True)
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd))
    finally:
        os.close(fd)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- removing trees ----------------------------------------------------------------------------

def test_a_chain_deeper_than_recursion_and_path_max_is_removed(tmp_path):
    top = tmp_path / "grader-work-x"
    _chain(top / "work")
    with pytest.raises(RecursionError):  # what a recursive removal meets (the review's F1)
        shutil.rmtree(top / "work", ignore_errors=True)
    runner_module._rmtree(top)  # a Sandbox's own cleanup: never raises
    assert not top.exists()


def test_unreadable_and_unwritable_folders_are_removed(tmp_path):
    top = tmp_path / "t"
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "b" / "f").write_text("x")
    os.chmod(top / "a" / "b", 0)
    os.chmod(top / "a", 0o500)
    assert tmpdirs.remove_tree(top)
    assert not top.exists()


def test_removal_is_bounded_in_time_and_never_raises(tmp_path, caplog):
    top = tmp_path / "big"
    top.mkdir()
    for i in range(3000):
        (top / str(i)).mkdir()
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="grader"):
        assert tmpdirs.remove_tree(top, timeout=0.0) is False
    assert time.monotonic() - start < 5
    assert top.exists()
    line = [r.getMessage() for r in caplog.records if r.name == "grader"]
    assert len(line) == 1 and str(tmp_path) not in line[0], line
    assert tmpdirs.remove_tree(top)
    assert not top.exists()


# -- the sweep of earlier runs' folders ------------------------------------------------------

def test_the_sweep_removes_a_deep_left_over_folder(tmp_path):
    name = f"grader-work-{_dead_pid()}.1.{tmpdirs._namespace()}-{secrets.token_hex(3)}"
    _chain(tmp_path / name / "work")
    assert tmpdirs.sweep(tmp_path) == [name]
    assert not (tmp_path / name).exists()
    assert tmpdirs.sweep(tmp_path) == []


def test_the_sweep_never_raises(tmp_path, monkeypatch, caplog):
    name = f"grader-work-{_dead_pid()}.1.{tmpdirs._namespace()}-{secrets.token_hex(3)}"
    (tmp_path / name).mkdir()

    def broken(*_a, **_k):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(tmpdirs, "_owner_alive", broken)
    with caplog.at_level(logging.WARNING, logger="grader"):
        assert tmpdirs.sweep(tmp_path) == []
    assert any("RecursionError" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    monkeypatch.setattr(tmpdirs, "remove_tree", broken)
    assert tmpdirs.sweep(tmp_path) == []  # (the removal itself failing: same)
    assert tmpdirs.remove_own(tmp_path) == []


def _stage(case: str, dest: Path, marker: str) -> Path:
    folder = dest / case
    folder.mkdir(parents=True)
    text = (ADV / case / "optimizers.py").read_text(encoding="utf-8").replace("__MARKER__", marker)
    (folder / "optimizers.py").write_text(text, encoding="utf-8")
    return folder


def test_a_sandbox_removes_a_chain_its_worker_made(tmp_path, monkeypatch):
    """The review's F1 end to end: the fallback's working folder holds a chain 3000 deep;
    closing the sandbox removes it, and the next sweep has nothing to stumble on."""
    tmp = tmp_path / "grader-tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    sub = _stage("deep_dirs", tmp_path / "subs", "deep-" + secrets.token_hex(3))
    box = Sandbox(sub, ("optimizers",), Limits(runner="fallback", call_seconds=5, load_seconds=10,
                                                memory_mb=1024, submission_seconds=30))
    try:
        assert box.start()["optimizers"]["status"] == "ok"
        box.call("optimizers", "sgd_momentum_step", np.ones(2), np.ones(2), np.zeros(2))
        levels = 0
        fd = os.open(box._work, os.O_RDONLY)
        try:
            while True:
                try:
                    inner = os.open("d", os.O_RDONLY, dir_fd=fd)
                except OSError:
                    break
                os.close(fd)
                fd, levels = inner, levels + 1
        finally:
            os.close(fd)
        assert levels == 3000
    finally:
        box.close()
    assert os.listdir(tmp) == []
    assert tmpdirs.sweep(tmp) == []


# -- the disk watchdog ---------------------------------------------------------------------

def _sync_write(path: Path, mb: int) -> None:
    with open(path, "wb") as f:
        f.write(b"x" * (mb * MB))
        f.flush()
        os.fsync(f.fileno())
    os.sync()


def test_the_disk_watch_stops_what_the_worker_holds_and_not_others_writes(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    held = [(0, 0)]
    watch = disk_watch.DiskWatch(str(work), 1 * MB, 50, lambda: held[0])
    assert watch.check() == ""
    _sync_write(tmp_path / "someone-else", 3)  # the same file system, not the worker's
    for i in range(100):
        (tmp_path / f"other{i}").mkdir()
    assert watch.check() == ""  # measured: not the worker's; the baseline moves past it
    held[0] = (2 * MB, 1)
    _sync_write(work / "mine", 2)
    assert watch.check() == "used too much disk (more than 1 MiB)"
    held[0] = (0, 60)
    for i in range(60):
        (work / f"d{i}").mkdir()
    assert watch.check() == "used too much disk (more than 50 files and folders)"


def test_held_counts_files_folders_and_deleted_open_files(tmp_path):
    work = tmp_path / "work"
    (work / "a").mkdir(parents=True)
    _sync_write(work / "a" / "f", 1)
    size, files = disk_watch.held(str(work), [], 100 * MB, 1000)
    assert files == 2 and size >= MB
    gone = tmp_path / "gone"
    _sync_write(gone, 2)
    with open(gone, "rb"):
        os.unlink(gone)
        size, files = disk_watch.held(str(work), [os.getpid()], 100 * MB, 1000)
    assert size >= 3 * MB
    assert disk_watch.held(str(work), [], 100 * MB, 1)[1] == 2  # stops past the limit
    with open(work / "sparse", "wb") as f:  # 64 MiB long, nearly nothing on disk
        f.truncate(64 * MB)
    assert disk_watch.held(str(work), [], 8 * MB, 1000)[0] < 8 * MB


# -- processes of the fallback run by a normal user ----------------------------------------------

def test_the_fallback_refuses_processes_for_a_normal_user_too(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(isolation, "can_drop_root", lambda: False)
    box = Sandbox(tmp_path, (), Limits(runner="fallback"))
    try:
        assert box._config(str(tmp_path), str(box._work), None)["no_fork"] is True
    finally:
        box.close()


_AS_USER = r"""
import json, sys
import numpy as np
from grader.sandbox.runner import CallFailed, Limits, Sandbox
box = Sandbox(sys.argv[1], ("optimizers",), Limits(runner="fallback", call_seconds=5,
              load_seconds=10, memory_mb=1024, submission_seconds=30))
try:
    report = box.start()
finally:
    box.close()
print(json.dumps({"report": report, "isolated": box.isolated, "mode": box.mode}))
"""


def _everyone_reaches(path: str) -> bool:
    """Whether any user may run ``path`` (every folder above it searchable by others)."""
    p = Path(path).resolve()
    try:
        return all(os.stat(d).st_mode & 0o001 for d in p.parents) and bool(os.stat(p).st_mode & 0o001)
    except OSError:
        return False


def _survivors(marker: str) -> list:
    """Live processes carrying ``marker`` in their command line (killed: a failing test
    must not leave them running)."""
    deadline = time.monotonic() + 3
    while True:
        alive = [p for p in isolation.proc_table()
                 if marker.encode() in isolation._read(f"/proc/{p}/cmdline")]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for p in alive:
        try:
            os.kill(p, 9)
        except OSError:
            pass
    return alive


def test_a_daemon_under_the_fallback_as_a_normal_user_is_refused(tmp_path, monkeypatch):
    """The review's F3, the trusted side's decision: for a normal user (here the
    grader's own user, as it would be without root) the fallback's worker refuses to
    create processes, so the daemon a submission starts at import never exists."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(isolation, "can_drop_root", lambda: False)
    marker = "daemon-" + secrets.token_hex(4)
    sub = _stage("daemon_nonroot", tmp_path / "subs", marker)
    box = Sandbox(sub, ("optimizers",), Limits(runner="fallback", call_seconds=5, load_seconds=10,
                                                memory_mb=1024, submission_seconds=30))
    try:
        assert box.mode == "fallback" and box._uid is None
        load = box.start()["optimizers"]
    finally:
        box.close()
    survivors = _survivors(marker)
    assert load["status"] == "error" and "BlockingIOError" in load["error"], load
    assert not survivors, "a daemon of the submission survived"


#: A Python with numpy that another user may run (this one may be under /root), e.g.
#: a virtual environment in /tmp: GRADER_TEST_USER_PYTHON=/tmp/venv/bin/python.
_USER_PYTHON = os.environ.get("GRADER_TEST_USER_PYTHON") or sys.executable


@pytest.mark.skipif(os.geteuid() != 0, reason="runs the grader as another (normal) user")
@pytest.mark.skipif(not _everyone_reaches(_USER_PYTHON),
                    reason="this Python cannot be run by another user (see GRADER_TEST_USER_PYTHON)")
def test_a_daemon_started_under_a_normal_users_fallback_does_not_survive():
    """The review's F3: as a normal user (no uid to switch to) the worker double-forks
    into a new session at import and drops the token; the daemon must not outlive
    the sandbox. The fallback refuses to create the process at all."""
    nobody = 65534
    place = Path(tempfile.mkdtemp(prefix="grader-test-nonroot-"))
    try:
        os.chmod(place, 0o755)
        marker = "daemon-" + secrets.token_hex(4)
        sub = _stage("daemon_nonroot", place, marker)
        tmp = place / "tmp"
        tmp.mkdir()
        os.chown(tmp, nobody, nobody)
        for p in (place, sub, sub / "optimizers.py"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "TMPDIR": str(tmp), "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT),
               "GRADER_SANDBOX": "fallback"}
        done = subprocess.run([_USER_PYTHON, "-c", _AS_USER, str(sub)], check=False, user=nobody,
                              group=nobody, extra_groups=[], cwd=tmp, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        out = json.loads(done.stdout.strip().splitlines()[-1])
        assert out["mode"] == "fallback"
        load = out["report"]["optimizers"]
        survivors = _survivors(marker)
        assert load["status"] == "error" and "BlockingIOError" in load["error"], load
        assert not survivors, "a daemon of the submission survived"
    finally:
        tmpdirs.remove_tree(place)
