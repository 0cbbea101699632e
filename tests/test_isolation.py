"""Operating-system isolation of the runners (issue 12, items 1, 2, 5, 6, 11):

* the fallback runner started by root drops the worker to an unprivileged user, in a
  private working folder, before any student code runs (exercised for real: the tests
  run as root), and that worker needs no file of the grader's project;
* ``grader grade`` refuses a runner without operating-system isolation unless told to,
  and a bad ``GRADER_SANDBOX`` is a one-line usage error before anything is graded;
* bubblewrap runs a Python installed under /tmp;
* the fallback note says nothing of the machine.

The hostile submissions for the same items are in ``tests/adversarial/`` (run under
every runner by ``tests/test_security.py``).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import cli
from grader.sandbox import isolation, runner, runner_choice
from grader.sandbox.runner import Limits, Sandbox, bwrap_status

from .helpers import ROOT, assignment, copy_solutions

ROOT_ON_LINUX = pytest.mark.skipif(
    not (isolation.LINUX and os.geteuid() == 0),
    reason="the fallback drops privileges only when the grader runs as root (Linux here)")

SMALL = {"call_seconds": 10, "load_seconds": 20, "memory_mb": 1024, "submission_seconds": 60}

PROBE = '''
import ctypes, os, stat
import numpy as np

def probe(paths):
    """Who the worker is, where it works, and which paths native code can open."""
    import fractions, numpy.fft, tempfile          # imported after the drop: must still work
    libc = ctypes.CDLL(None, use_errno=True)
    opened = {}
    for p in paths:
        fd = libc.open(p.encode(), 0)
        opened[p] = "opened" if fd >= 0 else os.strerror(ctypes.get_errno())
        if fd >= 0:
            libc.close(fd)
    here = os.stat(".")
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"scratch")
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
            "groups": os.getgroups(), "cwd_owner": here.st_uid,
            "cwd_mode": stat.S_IMODE(here.st_mode), "opened": opened,
            "fft": float(np.fft.fft(np.ones(4))[0].real),
            "half": str(fractions.Fraction(1, 2))}
'''


@pytest.fixture
def world_tmp():
    """A folder in /tmp that every user can search (as OUT or a submissions folder
    usually are): only the permissions of what the grader makes inside it protect that."""
    base = Path(tempfile.mkdtemp(prefix="grader-isolation-test-", dir="/tmp"))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _submission(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "optimizers.py").write_text(text, encoding="utf-8")
    os.chmod(folder, 0o755)
    os.chmod(folder / "optimizers.py", 0o644)
    return folder


@ROOT_ON_LINUX
def test_fallback_as_root_runs_student_code_as_an_unprivileged_user(world_tmp, monkeypatch):
    """The worker is a random unprivileged user with no groups, working in a folder of
    its own (0700); by file permissions, not by the audit hook, its native code cannot
    open OUT's gradebook, or another submission's copy or working folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(world_tmp))
    monkeypatch.setattr(runner_choice, "LANDLOCK", False)  # the permissions alone
    out = world_tmp / "out"
    out.mkdir(mode=0o700)
    (out / "gradebook.sqlite").write_bytes(b"SQLite format 3\0")
    os.chmod(out / "gradebook.sqlite", 0o644)
    a = _submission(world_tmp / "subs" / "a", PROBE)
    b = _submission(world_tmp / "subs" / "b", PROBE + "\nSECRET = 'B'\n")
    limits = Limits(runner="fallback", **SMALL)
    with Sandbox(b, ("optimizers",), limits) as box_b:
        assert box_b.start()["optimizers"]["status"] == "ok"
        assert box_b.isolated
        with Sandbox(a, ("optimizers",), limits) as box_a:
            box_a.start()
            others = [str(out / "gradebook.sqlite"), str(box_b._box / "optimizers.py"),
                      str(box_b._work)]
            seen = box_a.call("optimizers", "probe", others)
            work = box_a._work
            assert stat.S_IMODE(os.stat(box_a._tmp).st_mode) == 0o700
    assert seen["uid"] == seen["euid"] == seen["gid"] >= 100000, seen
    assert seen["groups"] == [], seen
    assert seen["cwd_owner"] == seen["uid"] and seen["cwd_mode"] == 0o700, seen
    assert seen["fft"] == 4.0 and seen["half"] == "1/2"
    assert all(v == os.strerror(13) for v in seen["opened"].values()), seen["opened"]
    assert not work.exists()  # removed with its sandbox, whatever the student did


@ROOT_ON_LINUX
def test_fallback_worker_needs_no_file_of_the_project(tmp_path):
    """The project (here a copy in a folder only root can enter) and the Python
    installation (under /root here) are out of the unprivileged worker's reach by path:
    it loads everything of the grader's before it drops root and reaches Python's files
    through descriptors, so imports made later by the student's code still work."""
    project = tmp_path / "project"
    project.mkdir(mode=0o700)
    shutil.copytree(ROOT / "grader", project / "grader",
                    ignore=shutil.ignore_patterns("__pycache__"))
    sub = _submission(tmp_path / "sub", PROBE)
    script = textwrap.dedent(f'''
        import json, sys
        from grader.sandbox import runner_choice
        from grader.sandbox.runner import Limits, Sandbox
        runner_choice.LANDLOCK = False  # the permissions alone
        assert __import__("grader").__file__.startswith({str(project)!r})
        with Sandbox({str(sub)!r}, ("optimizers",), Limits(runner="fallback", **{SMALL!r})) as box:
            assert box.start()["optimizers"]["status"] == "ok", box.load_report
            print(json.dumps(box.call("optimizers", "probe", [{str(project / "grader" / "__init__.py")!r}])))
        ''')
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(project), *site]))
    done = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["uid"] != 0 and seen["fft"] == 4.0 and seen["half"] == "1/2", seen
    assert list(seen["opened"].values()) == [os.strerror(13)], seen


LANDLOCK_PROBE = '''
import ctypes, os, socket
import numpy as np

def probe(paths):
    import fractions, numpy.fft, tempfile
    libc = ctypes.CDLL(None, use_errno=True)
    opened = {}
    for p in paths:
        fd = libc.open(p.encode(), 0)
        opened[p] = "opened" if fd >= 0 else os.strerror(ctypes.get_errno())
        if fd >= 0:
            libc.close(fd)
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"scratch")
    s = libc.socket(2, 1, 0)                      # AF_INET, SOCK_STREAM, natively
    addr = (ctypes.c_ubyte * 16)(2, 0, 0, 22, 127, 0, 0, 1)  # 127.0.0.1:22
    connect = libc.connect(s, addr, 16), ctypes.get_errno()
    return {"opened": opened, "kill": (libc.kill(os.getppid(), 0), ctypes.get_errno()),
            "connect": connect, "fft": float(np.fft.fft(np.ones(4))[0].real),
            "half": str(fractions.Fraction(1, 2))}
'''


def _landlock_abi() -> int:
    return isolation.landlock_abi()


@pytest.mark.skipif(_landlock_abi() < 1, reason="the kernel has no Landlock")
@pytest.mark.parametrize("drop", [True, False], ids=["root", "user"])
def test_fallback_worker_is_confined_by_landlock(drop, tmp_path, monkeypatch):
    """Where the kernel has Landlock, a fallback worker (root's, or a user's, which has no
    other user to drop to) opens only its own files and the Python installation, with
    native code too: not the solutions (world-readable in this checkout), the grader's
    code, a framework or /etc; and (by ABI) no TCP and no signal to the grader."""
    if drop and not (isolation.LINUX and os.geteuid() == 0):
        pytest.skip("dropping to another user needs root")
    if not drop:
        monkeypatch.setattr(isolation, "can_drop_root", lambda: False)
    sub = _submission(tmp_path / "sub", LANDLOCK_PROBE)
    options = assignment().sandbox_options()  # what it forbids: the frameworks (hidden too)
    frameworks = isolation.framework_dirs(tuple(sorted(options["forbidden"])))
    targets = [str(ROOT / "solutions" / "training" / "optimizers.py"), str(ROOT / "grader" / "__init__.py"),
               "/etc/passwd", *[str(Path(d) / "__init__.py") for d in frameworks][:1]]
    with Sandbox(sub, ("optimizers",), Limits(runner="fallback", **SMALL), **options) as box:
        assert box.start()["optimizers"]["status"] == "ok", box.load_report
        seen = box.call("optimizers", "probe", targets)
    assert seen["fft"] == 4.0 and seen["half"] == "1/2"
    assert all(v == os.strerror(13) for v in seen["opened"].values()), seen["opened"]
    if _landlock_abi() >= 4:
        assert seen["connect"][0] == -1 and seen["connect"][1] == 13, seen  # EACCES
    if _landlock_abi() >= 6:
        assert tuple(seen["kill"]) == (-1, 1), seen  # EPERM


def test_a_non_root_fallback_is_not_isolated(monkeypatch, tmp_path):
    monkeypatch.setattr(isolation, "can_drop_root", lambda: False)
    monkeypatch.setattr(runner_choice, "LANDLOCK", False)
    with Sandbox(tmp_path, (), Limits(runner="fallback")) as box:
        assert box.mode == "fallback" and not box.isolated
    assert not runner.runner_isolated("fallback")
    assert runner.runner_isolated("bwrap")


# -- the note students see ----------------------------------------------------------------------

@pytest.mark.parametrize("why", [
    "bubblewrap is installed but cannot run the worker here (bwrap: execvp "
    "/tmp/venv/bin/python: No such file or directory)",
    "bubblewrap is not installed", "bubblewrap only exists on Linux (this is darwin)"])
def test_fallback_note_is_plain_words(why, monkeypatch, tmp_path):
    monkeypatch.delenv(isolation.RUNNER_ENV, raising=False)
    monkeypatch.setattr(runner_choice, "bwrap_status", lambda: (False, why))
    with Sandbox(tmp_path, ()) as box:
        assert box.mode == "fallback" and box.why == why  # the details stay for the instructor
        note = box.note
    assert "basic sandbox" in note and "bubblewrap" in note
    assert "/" not in note and "execvp" not in note and "SECURITY" not in note, note
    with Sandbox(tmp_path, (), Limits(runner="fallback")) as box:
        assert "/" not in box.note and "$" not in box.note and "basic sandbox" in box.note


# -- the command line --------------------------------------------------------------------------

def _cli(args, monkeypatch, env=None):
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(cli.main, args)


@pytest.fixture
def no_grading(monkeypatch):
    """grade_folder and the engine replaced by recorders: nothing may be graded."""
    import grader.batch
    import grader.engine

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("something was graded")
    monkeypatch.setattr(grader.batch, "grade_folder", refuse)
    monkeypatch.setattr(grader.engine, "grade", refuse)
    return calls


def _one_line_usage_error(result, *words):
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grader: error:"), result.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.mark.parametrize("command", ["check", "grade"])
def test_a_bad_sandbox_setting_is_a_usage_error_before_grading(command, tmp_path, monkeypatch,
                                                              no_grading):
    out = tmp_path / "out"
    args = ["check", "--path", str(ROOT / "solutions" / "training")] if command == "check" else \
        ["grade", str(tmp_path), "--out", str(out)]
    result = _cli(args, monkeypatch, {isolation.RUNNER_ENV: "bogus"})
    _one_line_usage_error(result, "GRADER_SANDBOX", "bogus", "auto, bwrap, fallback")
    assert not no_grading and not out.exists()


@pytest.mark.parametrize("command", ["check", "grade"])
def test_bwrap_required_but_unusable_is_a_usage_error(command, tmp_path, monkeypatch, no_grading):
    monkeypatch.setattr(isolation, "bwrap_executable", lambda: None)
    monkeypatch.setattr(runner_choice, "_PROBE", {})
    out = tmp_path / "out"
    args = ["check", "--path", str(ROOT / "solutions" / "training")] if command == "check" else \
        ["grade", str(tmp_path), "--out", str(out)]
    result = _cli(args, monkeypatch, {isolation.RUNNER_ENV: "bwrap"})
    _one_line_usage_error(result, "GRADER_SANDBOX=bwrap", "not installed")
    assert not no_grading and not out.exists()


FAKE_BWRAP = '''#!/bin/sh
if [ "$1" = "--version" ]; then echo "bubblewrap 0.8.0"; exit 0; fi
{body}
'''


@pytest.mark.skipif(not isolation.LINUX, reason="bubblewrap only exists on Linux")
@pytest.mark.parametrize("body,said", [
    ('echo "first line" >&2; echo "bwrap: setting up uid map: Permission denied" >&2; exit 1',
     "bwrap: setting up uid map: Permission denied"),
    ("exit 3", "the worker exited with status 3"),
    ("exec sleep 30.4217", "the worker did not answer within 1 s")])
def test_the_probe_says_why_bubblewrap_cannot_run_the_worker(body, said, tmp_path, monkeypatch):
    """A bubblewrap that cannot start the worker: the last line it wrote, else why no
    greeting came back; nothing of the probe is left (processes, folders)."""
    fake = tmp_path / "bwrap"
    fake.write_text(FAKE_BWRAP.format(body=body), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(isolation, "bwrap_executable", lambda: str(fake))
    monkeypatch.setattr(runner_choice, "_PROBE", {})
    monkeypatch.setattr(runner_choice, "PROBE_SECONDS", 1.0)
    before = set(Path(tempfile.gettempdir()).glob(f"grader-probe-{os.getpid()}*"))
    ok, why = runner_choice.bwrap_status()
    assert not ok and why == f"bubblewrap is installed but cannot run the worker here ({said})"
    assert runner_choice.bwrap_status() == (ok, why)  # found out once per process
    assert set(Path(tempfile.gettempdir()).glob(f"grader-probe-{os.getpid()}*")) <= before
    left = [p for p in os.listdir("/proc") if p.isdigit()
            and b"30.4217" in isolation._read(f"/proc/{p}/cmdline")]
    assert not left, left


def test_grade_refuses_a_runner_without_isolation_unless_allowed(tmp_path, monkeypatch):
    """The fallback without root (no user to drop to) has only the audit hook: `grade`
    refuses it, `grade --allow-unisolated` goes on, and `check` (students grading their
    own code) keeps it."""
    import grader.batch

    monkeypatch.setattr(isolation, "can_drop_root", lambda: False)
    monkeypatch.setattr(runner_choice, "LANDLOCK", False)
    graded = []
    monkeypatch.setattr(grader.batch, "grade_folder", lambda *a, **k: graded.append(a) or
                        (_ for _ in ()).throw(KeyboardInterrupt))
    out = tmp_path / "out"
    env = {isolation.RUNNER_ENV: "fallback"}
    result = _cli(["grade", str(tmp_path), "--out", str(out)], monkeypatch, env)
    _one_line_usage_error(result, "--allow-unisolated", "isolation")
    assert not graded and not out.exists()
    result = _cli(["grade", str(tmp_path), "--out", str(out), "--allow-unisolated"],
                  monkeypatch, env)
    assert len(graded) == 1, result.output  # (the stub then stops it like a Ctrl-C)
    sub = copy_solutions(tmp_path / "mine")
    result = _cli(["check", "momentum", "--path", str(sub)], monkeypatch, env)
    assert result.exit_code == 0, result.output
    assert "basic sandbox" in result.output


@ROOT_ON_LINUX
def test_grade_as_root_keeps_out_private_and_names_what_others_can_read(world_tmp, monkeypatch):
    import grader.batch

    out = world_tmp / "out"
    out.mkdir(mode=0o755)
    os.chmod(out, 0o755)
    shared = world_tmp / "project"
    shared.mkdir()
    os.chmod(shared, 0o755)
    monkeypatch.setattr(isolation, "private_dirs", lambda: (str(shared),))
    monkeypatch.setattr(runner_choice, "LANDLOCK", False)  # (with Landlock nothing is said: below)
    monkeypatch.setattr(grader.batch, "grade_folder",
                        lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    result = _cli(["grade", str(world_tmp / "subs"), "--out", str(out)], monkeypatch,
                  {isolation.RUNNER_ENV: "fallback"})
    assert result.exit_code == 130, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    assert "warning" in result.stderr and str(shared) in result.stderr, result.stderr
    if isolation.landlock_abi() >= 1:  # the worker could not open it: no warning
        monkeypatch.setattr(runner_choice, "LANDLOCK", True)
        result = _cli(["grade", str(world_tmp / "subs"), "--out", str(out)], monkeypatch,
                      {isolation.RUNNER_ENV: "fallback"})
        assert "warning" not in result.stderr, result.stderr
        monkeypatch.setattr(runner_choice, "LANDLOCK", False)
    os.chmod(shared, 0o700)
    result = _cli(["grade", str(world_tmp / "subs"), "--out", str(out)], monkeypatch,
                  {isolation.RUNNER_ENV: "fallback"})
    assert "warning" not in result.stderr, result.stderr


def test_exposed_means_reachable_by_every_user(world_tmp):
    inner = world_tmp / "inner"
    inner.mkdir()
    (inner / "f.py").write_text("x")
    os.chmod(inner, 0o755)
    os.chmod(inner / "f.py", 0o644)
    assert isolation.exposed([inner, inner / "f.py"]) == [str(inner), str(inner / "f.py")]
    os.chmod(inner / "f.py", 0o600)
    assert isolation.exposed([inner / "f.py"]) == []
    os.chmod(inner, 0o700)
    os.chmod(inner / "f.py", 0o644)
    assert isolation.exposed([inner, inner / "f.py", world_tmp / "missing"]) == []


# -- bubblewrap and a Python installed under /tmp ----------------------------------------------

VENV_SCRIPT = '''
import json, sys
from pathlib import Path
from grader.sandbox import shared_box
from grader.sandbox.runner import Limits, Sandbox, bwrap_status

ok, why = bwrap_status()
out = {"ok": ok, "why": why, "values": []}
if ok:
    limits = Limits(runner="bwrap", call_seconds=20, load_seconds=30)
    for shared in (False, True, True):
        shared_box.share_boxes(shared)
        with Sandbox(sys.argv[1], ("optimizers",), limits) as box:
            box.start()
            out["values"].append(box.call("optimizers", "probe"))
    shared_box.share_boxes(False)
    out["stats"] = shared_box.STATS
print(json.dumps(out))
'''

VENV_PROBE = '''
import os, sys
import numpy as np

def probe():
    import numpy.fft
    with open("scratch.txt", "w") as f:   # the working folder is the box's /tmp
        f.write("x")
    return {"executable": sys.executable, "fft": float(np.fft.fft(np.ones(2))[0].real),
            "tmp": sorted(os.listdir("/tmp"))}
'''


@pytest.mark.slow
@pytest.mark.skipif(not bwrap_status()[0], reason="bubblewrap cannot run here")
def test_bubblewrap_runs_a_python_installed_under_tmp(tmp_path):
    """A virtual environment in /tmp: its directories are bound on top of the box's /tmp
    tmpfs instead of being hidden by it, in a box of its own and in a shared box (whose
    cleaning between workers leaves them)."""
    venv = Path(tempfile.mkdtemp(prefix="grader-venv-test-", dir="/tmp"))
    try:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                        str(venv)], check=True, timeout=120, capture_output=True)
        sub = _submission(tmp_path / "sub", VENV_PROBE)
        script = tmp_path / "run.py"
        script.write_text(VENV_SCRIPT, encoding="utf-8")
        done = subprocess.run([str(venv / "bin" / "python"), str(script), str(sub)],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        import json

        seen = json.loads(done.stdout.strip().splitlines()[-1])
        assert seen["ok"], seen["why"]
        assert [v["executable"] for v in seen["values"]] == [str(venv / "bin" / "python")] * 3
        assert all(v["fft"] == 2.0 for v in seen["values"])
        top = venv.relative_to("/tmp").parts[0]
        # each worker sees the venv's mount point and its own scratch file, nothing earlier
        assert [v["tmp"] for v in seen["values"]] == [sorted([top, "scratch.txt"])] * 3, seen
        assert seen["stats"]["forks"] == 2 and seen["stats"]["destroyed"] == 0, seen["stats"]
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def test_box_binds_python_after_its_tmpfs(monkeypatch):
    """Unit view of the same: in bubblewrap's arguments the /tmp tmpfs comes before any
    bind of a Python directory, so a Python under /tmp is mounted on top of it."""
    monkeypatch.setattr(isolation, "python_paths", lambda: ("/tmp/venv-x", "/opt/py"))
    monkeypatch.setattr(isolation, "private_dirs", lambda: ())
    monkeypatch.setattr(isolation, "framework_dirs", lambda names=(): {})
    argv = isolation.bwrap_argv("bwrap", "/sub", {}, as_root=True, disk_mb=64, decoy="/decoy")
    tmpfs = argv.index("--tmpfs")
    assert argv[tmpfs + 1] == isolation.BOX_WORK
    binds = [i for i, a in enumerate(argv) if a == "--ro-bind" and argv[i + 1] == "/tmp/venv-x"]
    assert binds and binds[0] > tmpfs
    assert isolation.work_binds() == ["/tmp/venv-x"]


def test_a_non_root_fallback_confined_by_landlock_counts_as_isolated(tmp_path, monkeypatch):
    """Without root and bubblewrap, a kernel with Landlock ABI 6+ still confines the
    worker (the kernel refuses the project, OUT, other submissions, TCP and signals to
    the grader): `grade` goes on without --allow-unisolated there, and refuses where
    the kernel has no Landlock or an older one."""
    import grader.batch

    monkeypatch.setattr(isolation, "can_drop_root", lambda: False)
    monkeypatch.setattr(isolation, "landlock_abi", lambda: 6)
    assert runner.runner_isolated("fallback")
    graded = []
    monkeypatch.setattr(grader.batch, "grade_folder", lambda *a, **k: graded.append(a) or
                        (_ for _ in ()).throw(KeyboardInterrupt))
    env = {isolation.RUNNER_ENV: "fallback"}
    _cli(["grade", str(tmp_path), "--out", str(tmp_path / "out")], monkeypatch, env)
    assert len(graded) == 1
    for abi in (0, 1, 5):  # no Landlock, or one that cannot scope signals yet
        monkeypatch.setattr(isolation, "landlock_abi", lambda abi=abi: abi)
        assert not runner.runner_isolated("fallback")
    result = _cli(["grade", str(tmp_path), "--out", str(tmp_path / "out2")], monkeypatch, env)
    _one_line_usage_error(result, "--allow-unisolated", "isolation")
    assert len(graded) == 1
