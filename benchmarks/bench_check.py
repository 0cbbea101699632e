"""Where the time of `grader check` goes, and its wall time next to `python -c "import tensorflow"`.

Run by hand (not a test), from the project folder:

    python benchmarks/bench_check.py --phases [--repeat 5]    # phase breakdown of a whole check
    python benchmarks/bench_check.py [--repeat 3] [--parts adam dropout]   # wall times, ratios

``--phases`` runs ``grader check --path solutions/training`` (the whole assignment, warm:
a first run is not counted) in a fresh interpreter each time, the command's own code
unchanged, with timers wrapped around its stages in the main thread: interpreter start
(spawn to the first line), the command-line imports, building the assignment, waiting
for the sandbox probe (bubblewrap: started in a thread when ``check`` starts), preparing
the sandbox (staging the submission), starting the worker (to its ``hello``) and
importing the student's modules in it, the checks of each part, rendering, closing the
sandbox and the interpreter's exit. Reading the recorded data is shown apart: it runs
in the prefetch thread while the worker starts ("waited": what the main thread still
waited for it). Then the totals: wall, CPU time (user + system, of the command and the
processes it waited for, and of the grader's process alone), the round trips to the
worker, whether hypothesis was imported, and the objects the garbage collector tracks
at exit. Medians over the runs, with the load average: the machine may be shared, and
CPU time is less sensitive to that.

Byte code is cached as on a student's machine (written once, in a folder of the
benchmark's own, never in the tree), even under PYTHONDONTWRITEBYTECODE=1;
``--no-bytecode`` measures without (every run compiles the grader's modules).
"""

from __future__ import annotations

import time

FIRST_LINE = time.time()  # (the child: when the interpreter reached this file)

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBMISSION = "solutions/training"

#: The stages of the main thread, in the order they happen (then each part's checks).
STAGES = ("interpreter start (to first line)", "imports: grader.cli (click)",
          "imports: sandbox (numpy); probe started", "imports: engine, checking, report", "building the assignment",
          "sandbox probe (waited)", "sandbox: prepare (stage submission)",
          "sandbox: start worker (to hello)", "sandbox: import student modules",
          "recorded data: prefetch (waited)")
LATE = ("render", "sandbox: close", "other (main thread)", "interpreter exit")
THREAD = ("[prefetch thread] reference cases", "[prefetch thread] property examples")
TOTALS = ("total (wall)", "CPU: total (user+sys, with children)", "CPU: grader process",
          "round trips", "hypothesis imported", "GC-tracked objects at exit")


def environment(tmp: str, bytecode: bool) -> dict:
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def timed(cmd, env=None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and the processes it waited for)."""
    before = os.times()
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    elapsed = time.perf_counter() - t
    after = os.times()
    return elapsed, (after.children_user - before.children_user) + (after.children_system - before.children_system)


# -- the child: `grader check` with timers around its stages -----------------------------------

def child(out: str, argv: list) -> None:
    """Run ``grader check ARGV`` in this process with timers (see the module's docstring);
    writes {stage: seconds} and the first line's time to ``out`` at exit."""
    import atexit
    import threading

    clock = time.perf_counter
    spent: dict = {}
    lock = threading.Lock()
    counts = {"requests": 0}
    main = threading.main_thread()

    def add(name, seconds):
        with lock:
            spent[name] = spent.get(name, 0.0) + seconds

    def wrap(owner, attr, name, key=None, thread=False):
        """Time ``owner.attr`` when called in the main thread (or in another, ``thread``)."""
        real = getattr(owner, attr)

        def timed_call(*a, **k):
            if (threading.current_thread() is main) == thread:
                return real(*a, **k)
            t = clock()
            try:
                return real(*a, **k)
            finally:
                add(name if key is None else key(*a, **k), clock() - t)
        timed_call.__wrapped__ = real
        for extra in ("cache_clear", "cache_info"):
            if hasattr(real, extra):
                setattr(timed_call, extra, getattr(real, extra))
        setattr(owner, attr, timed_call)

    t = clock()
    from grader import cli
    add("imports: grader.cli (click)", clock() - t)
    start = clock()
    real_probe = cli._probe_early

    def probe_then_patch():
        t = clock()
        real_probe()  # (its thread starts before anything is patched)
        add("imports: sandbox (numpy); probe started", clock() - t)
        t = clock()
        from grader import checking, engine, report  # noqa: F401 - what check() imports next
        add("imports: engine, checking, report", clock() - t)
        from grader import examples_data, reference
        from grader.sandbox import runner

        wrap(cli, "_assignment", "building the assignment")
        wrap(cli, "_sandbox_mode", "sandbox probe (waited)")
        wrap(runner.Sandbox, "__init__", "sandbox: prepare (stage submission)")
        wrap(runner.Sandbox, "_spawn", "sandbox: start worker (to hello)")
        wrap(runner.Sandbox, "start", "sandbox: start (all)")
        wrap(runner.Sandbox, "close", "sandbox: close")
        wrap(engine, "_run_check", "checks", key=lambda ctx, check, w: f"checks: {ctx.part.id}")
        wrap(report, "render_terminal", "render")
        wrap(report, "to_json", "render")
        wrap(examples_data, "load", "[prefetch thread] property examples", thread=True)
        wrap(reference, "_load", "[prefetch thread] reference cases", thread=True)
        real_request = runner.Sandbox._request

        def counted(self, *a, **k):
            if threading.current_thread() is main:
                counts["requests"] += 1
            return real_request(self, *a, **k)
        runner.Sandbox._request = counted
        real_prefetch = engine._prefetch

        def prefetch(*a, **k):
            thread = real_prefetch(*a, **k)
            if thread is None:
                return None

            class Joined:
                def join(self_inner):
                    t = clock()
                    thread.join()
                    add("recorded data: prefetch (waited)", clock() - t)
            return Joined()
        engine._prefetch = prefetch
    cli._probe_early = probe_then_patch

    def done():
        import gc
        import resource

        spent["in process"] = clock() - start
        me = resource.getrusage(resource.RUSAGE_SELF)
        spent["CPU: grader process"] = me.ru_utime + me.ru_stime
        spent["round trips"] = counts["requests"]
        spent["hypothesis imported"] = float("hypothesis" in sys.modules)
        spent["GC-tracked objects at exit"] = len(gc.get_objects())
        with open(out, "w") as f:
            json.dump({"first_line": FIRST_LINE, "at_exit": time.time(), "spent": spent}, f)
    atexit.register(done)
    sys.argv = ["grader", "check", *argv]
    cli.main(prog_name="grader")


def _derive(spent: dict) -> dict:
    """The stages that do not nest: what start() did besides spawning the worker, and
    what the main thread did that no stage names."""
    spent["sandbox: import student modules"] = spent.pop("sandbox: start (all)", 0.0) - spent.get(
        "sandbox: start worker (to hello)", 0.0)
    checks = sum(v for k, v in spent.items() if k.startswith("checks: "))
    named = sum(spent.get(k, 0.0) for k in STAGES[2:] + LATE if k != "other (main thread)") + checks
    spent["other (main thread)"] = spent.pop("in process") - named
    return spent


def phases(repeat: int, argv: list, bytecode: bool = True) -> None:
    rows: dict = {}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp, bytecode)
        out = os.path.join(tmp, "phases.json")
        for i in range(repeat + 1):  # the first run warms up and is not counted
            loads.append(os.getloadavg()[0])
            before = os.times()
            start = time.time()
            subprocess.run([sys.executable, __file__, "--child", out, *argv], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            end = time.time()
            after = os.times()
            with open(out) as f:
                got = json.load(f)
            if i == 0:
                continue
            spent = _derive(got["spent"])
            spent["interpreter start (to first line)"] = got["first_line"] - start
            spent["interpreter exit"] = end - got["at_exit"]
            spent["total (wall)"] = end - start
            spent["CPU: total (user+sys, with children)"] = (
                (after.children_user - before.children_user)
                + (after.children_system - before.children_system))
            for k, v in spent.items():
                rows.setdefault(k, []).append(v)
    print(f"grader check {' '.join(argv)}: medians of {repeat} runs, "
          f"{'byte code cached' if bytecode else 'no byte code cache (compiled every run)'} "
          f"(load average at start: {', '.join(f'{x:.2f}' for x in loads[1:])})")
    checks = sorted(k for k in rows if k.startswith("checks: "))
    total = statistics.median(rows["total (wall)"])
    summed = 0.0
    for name in (*STAGES, *checks, *LATE, None, *THREAD, None, *TOTALS):
        if name is None:
            print()
            continue
        if name not in rows:
            continue
        med = statistics.median(rows[name])
        if name in ("round trips", "hypothesis imported", "GC-tracked objects at exit"):
            print(f"  {name:42s} {med:9.0f}")
            continue
        if name in STAGES or name in checks or name in LATE:
            summed += med
        print(f"  {name:42s} {med:7.3f} s {100 * med / total:5.1f}%   "
              f"[{min(rows[name]):.3f} .. {max(rows[name]):.3f}]")
    all_checks = [sum(rows[k][i] for k in checks) for i in range(repeat)]
    print(f"  {'(checks, all parts)':42s} {statistics.median(all_checks):7.3f} s")
    print(f"  {'(sum of the medians above)':42s} {summed:7.3f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--parts", nargs="*", default=None, help="parts to time one by one")
    ap.add_argument("--phases", action="store_true",
                    help="the phase breakdown of a whole `grader check` (see the docstring)")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="as under PYTHONDONTWRITEBYTECODE=1: every run compiles the grader")
    args, rest = ap.parse_known_args()
    if args.phases:
        phases(max(1, args.repeat), ["--path", SUBMISSION, *rest], bytecode=not args.no_bytecode)
        return
    sys.path.insert(0, str(ROOT))
    from grader.assignments import get

    part_ids = args.parts or list(get().part_ids)
    check = [sys.executable, "-m", "grader", "check", "--path", SUBMISSION]
    tf = [sys.executable, "-c", "import tensorflow"]
    runs = [("import tensorflow", tf), ("check (all parts)", check),
            *((f"check {p}", check + [p]) for p in part_ids)]
    rows = {name: [] for name, _ in runs}
    cpu = {name: [] for name, _ in runs}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp, not args.no_bytecode)
        for _, cmd in runs:  # warm-up (byte code, caches), not counted
            timed(cmd, env)
        for _ in range(args.repeat):
            loads.append(os.getloadavg()[0])
            for name, cmd in runs:
                w, c = timed(cmd, env)
                rows[name].append(w)
                cpu[name].append(c)
    base = statistics.median(rows["import tensorflow"])
    print(f"medians of {args.repeat} runs (load average at start: {', '.join(f'{x:.2f}' for x in loads)})")
    print(f"{'what':28s} {'wall s':>7s} {'CPU s':>7s} {'x import tf':>11s}")
    for name, times in rows.items():
        med = statistics.median(times)
        print(f"{name:28s} {med:7.2f} {statistics.median(cpu[name]):7.2f} {med / base:11.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(sys.argv[2], sys.argv[3:])
    else:
        main()
