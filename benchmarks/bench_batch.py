"""Throughput of `grader grade` on a generated class, with 1 and 2 grading processes.

Run by hand (not a test), from the project folder:

    python benchmarks/bench_batch.py                # 200 submissions, workers 1 and 2
    python benchmarks/bench_batch.py -n 40 --workers 2
    python benchmarks/bench_batch.py -n 12 --profile  # where one grading process spends its time

The class mixes correct submissions, submissions with one known mistake (built from
solutions/training and grader/assignments/training/authoring/mistakes_*.py, as the tests
build mutants), failing ones (the untouched stubs, a syntax error, a missing module, a zip)
and, with ``--hanging PCT``, that share of correct submissions with one function that
never returns (an infinite loop: each costs its function's time budget). Every
submission is byte-distinct, as real ones are, so nothing is deduplicated. Prints
submissions per second, seconds per submission, peak memory per grading process
and per sandboxed worker, and the machine's load before and after.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODULES = ("optimizers", "regularization", "batchnorm", "early_stopping")


def mistakes(assignment):
    """(module, target name, mistake name) for every known mistake."""
    out = []
    for module in MODULES:
        m = importlib.import_module(f"grader.assignments.training.authoring.mistakes_{module}")
        targets = getattr(m, "TARGET", {})
        for part_id, fns in m.MISTAKES.items():
            for fn in fns:
                target = targets.get(fn.__name__) or assignment.part(part_id).names[0]
                out.append((module, target, fn.__name__))
    return out


#: What a hanging submission loops forever in (rotating): (module, code appended).
HANGS = (
    ("optimizers", "def adam_step(*args, **kwargs):\n    while True:\n        pass\n"),
    ("regularization", "def dropout(*args, **kwargs):\n    while True:\n        pass\n"),
    ("batchnorm", "def batchnorm_train(*args, **kwargs):\n    while True:\n        pass\n"),
    ("early_stopping", "class EarlyStopping(EarlyStopping):\n"
                       "    def on_epoch_end(self, epoch, logs=None):\n        while True:\n"
                       "            pass\n"),
)


def make_class(dest: Path, n: int, assignment, hanging: float = 0.0) -> dict:
    """``n`` byte-distinct submissions in ``dest``; returns how many of each kind.
    ``hanging``: the percentage of submissions (spread evenly) that hang in one function."""
    bugs = mistakes(assignment)
    kinds = {"correct": 0, "one mistake": 0, "failing": 0, "hanging": 0}
    every = round(100 / hanging) if hanging > 0 else 0
    failing = ("stubs", "syntax error", "missing modules", "zip of stubs")
    for i in range(n):
        sub = dest / f"student{i:03d}"
        stamp = f"\n# student {i:03d}\n"
        kind = i % 5
        if every and i % every == every // 2:
            module, code = HANGS[kinds["hanging"] % len(HANGS)]
            shutil.copytree(ROOT / "solutions" / "training", sub)
            path = sub / f"{module}.py"
            path.write_text(path.read_text() + "\n\n# --- hangs ---\n" + code)
            kinds["hanging"] += 1
            kind = -1
        elif kind in (0, 1):
            shutil.copytree(ROOT / "solutions" / "training", sub)
            kinds["correct"] += 1
        elif kind in (2, 3):
            module, target, name = bugs[(i // 5 * 2 + kind - 2) % len(bugs)]
            shutil.copytree(ROOT / "solutions" / "training", sub)
            src = importlib.import_module(f"grader.assignments.training.authoring.mistakes_{module}")
            path = sub / f"{module}.py"
            path.write_text(path.read_text() + "\n\n# --- mutant ---\n" + Path(src.__file__).read_text()
                            + f"\n\n{target} = {name}\n")
            kinds["one mistake"] += 1
        else:
            what = failing[(i // 5) % len(failing)]
            shutil.copytree(ROOT / "assignments" / "training", sub)
            if what == "syntax error":
                (sub / "optimizers.py").write_text("def adam_step(:\n")
            elif what == "missing modules":
                for m in MODULES[1:]:
                    (sub / f"{m}.py").unlink()
            kinds["failing"] += 1
        for p in sub.glob("*.py"):
            p.write_text(p.read_text() + stamp)
        if kind == 4 and failing[(i // 5) % len(failing)] == "zip of stubs":
            with zipfile.ZipFile(dest / f"student{i:03d}.zip", "w") as zf:
                for p in sorted(sub.glob("*.py")):
                    zf.write(p, p.name)
            shutil.rmtree(sub)
    return kinds


class SandboxMemory:
    """Samples the sandboxed workers under this process: peak RSS (VmHWM) and CPU time
    (their last sample: a worker's last 50 ms are missed)."""

    def __init__(self):
        import threading

        self.peak_mb = 0.0
        self.cpu: dict[int, float] = {}
        self.cpu_self = 0.0  # the sampler's own CPU time (taken out of the figures)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self):
        me = os.getpid()
        start = time.thread_time()
        hz = os.sysconf("SC_CLK_TCK")
        is_worker: dict[int, bool] = {}
        while not self._stop.wait(0.05):
            self.cpu_self = time.thread_time() - start
            for pid in _descendants(me):
                if pid not in is_worker:
                    try:
                        is_worker[pid] = b"worker.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
                    except OSError:
                        continue
                if not is_worker[pid]:
                    continue
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    self.cpu[pid] = max(self.cpu.get(pid, 0.0), (int(stat[11]) + int(stat[12])) / hz)
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
                except (OSError, ValueError, IndexError):
                    pass


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = [int(c) for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
            except (OSError, ValueError):
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all processes, from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Records when each submission finished (for the steady-state rate)."""

    def __init__(self):
        self.times = []

    def start(self, total, reused):
        self.t0 = time.perf_counter()

    def advance(self, names, result, seconds):
        self.times.append(time.perf_counter() - self.t0)

    def stop(self):
        pass


def run(subs: Path, workers: int, settings, replay: bool):
    import resource

    from grader.assignments import get
    from grader.batch import grade_folder

    with tempfile.TemporaryDirectory(prefix="bench-out-") as out, SandboxMemory() as memory:
        clock = Clock()
        t = time.perf_counter()
        own = resource.getrusage(resource.RUSAGE_SELF)
        busy = machine_busy()
        batch = grade_folder(subs, Path(out), get(), settings=settings, workers=workers,
                             progress=clock, replay=replay)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_SELF)
        busy = machine_busy() - busy
        memory.stop()
        parent = (after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime - memory.cpu_self)
    n = len(batch.graded)
    half = clock.times[len(clock.times) // 2:]
    steady = (len(half) - 1) / (half[-1] - half[0]) if len(half) > 2 and half[-1] > half[0] else float("nan")
    return {"workers": workers, "n": n, "wall": wall, "rate": n / wall, "steady": steady,
            "per_sub": wall / n, "cpu_per_sub": batch.stats["grading_cpu_seconds"] / n,
            "sandbox_cpu_per_sub": sum(memory.cpu.values()) / n,
            "rss": batch.stats["peak_rss_mb_per_process"], "sandbox_rss": memory.peak_mb,
            "parent_cpu_per_sub": parent / n, "machine_cpu_per_sub": busy / n,
            "sampler_cpu": memory.cpu_self,
            "mean": sum(r.score for r in batch.results) / len(batch.results)}


def profile(subs: Path, settings, k: int, replay: bool):
    """cProfile one grading process grading ``k`` submissions (after one warm-up)."""
    import cProfile
    import pstats

    from grader import batch, pipelining
    from grader.assignments import get
    from grader.sandbox import shared_box

    get()
    shared_box.share_boxes(True)
    if replay:
        pipelining.install()
    entries = sorted(p for p in subs.iterdir())[: k + 1]
    batch.grade_one(entries[0], get(), settings)  # warm-up: imports, recorded examples
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for p in entries[1:]:
        batch.grade_one(p, get(), settings)
    prof.disable()
    print(f"\nprofile: {k} submissions in {time.perf_counter() - t:.2f} s (one process, after warm-up)")
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="submissions (default 200)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--max-examples", type=int, default=None, help="default: the grader's budget")
    ap.add_argument("--no-replay", action="store_true", help="turn off the pipelining of requests across submissions")
    ap.add_argument("--no-shared-box", action="store_true",
                    help="start a sandbox box per submission (no fork server, see grader/sandbox/shared_box.py)")
    ap.add_argument("--profile", action="store_true", help="profile one grading process instead")
    ap.add_argument("--keep", type=Path, default=None, help="build the class here (and keep it)")
    ap.add_argument("--hanging", type=float, default=0.0, metavar="PCT",
                    help="percentage of submissions with a function that never returns (e.g. 5)")
    args = ap.parse_args()
    if args.no_shared_box:
        os.environ["GRADER_SHARED_BOX"] = "0"  # read by each grading process

    from grader.assignments import get
    from grader.checking import Settings

    settings = Settings() if args.max_examples is None else Settings(max_examples=args.max_examples)
    tmp = None
    if args.keep:
        subs = args.keep
        shutil.rmtree(subs, ignore_errors=True)
        subs.mkdir(parents=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="bench-class-")
        subs = Path(tmp.name)
    kinds = make_class(subs, args.n, get("training"), args.hanging)
    print(f"class of {args.n}: " + ", ".join(f"{v} {k}" for k, v in kinds.items())
          + f"; max_examples={settings.max_examples}; replay={'off' if args.no_replay else 'on'}; "
          f"shared box={'off' if args.no_shared_box else 'on'}; "
          f"{os.cpu_count()} cores")
    try:
        if args.profile:
            profile(subs, settings, min(args.n - 1, 12), not args.no_replay)
            return
        print(f"{'workers':>7} {'subs/s':>7} {'steady/s':>8} {'s/sub':>6} {'CPU s/sub':>9} "
              f"{'(sandbox)':>9} {'(main)':>6} {'machine':>7} {'peak MB/process':>15} {'peak MB/sandbox':>15} {'mean':>6} "
              f"{'load before -> after':>22}")
        for w in args.workers:
            before = os.getloadavg()[0]
            r = run(subs, w, settings, not args.no_replay)
            after = os.getloadavg()[0]
            print(f"{w:7d} {r['rate']:7.2f} {r['steady']:8.2f} {r['per_sub']:6.2f} {r['cpu_per_sub']:9.2f} "
                  f"{r['sandbox_cpu_per_sub']:9.2f} {r['parent_cpu_per_sub']:6.2f} {r['machine_cpu_per_sub']:7.2f} {r['rss']:15.0f} {r['sandbox_rss']:15.0f} {r['mean']:6.1f} {before:10.2f} -> {after:5.2f}"
                  f"   (sampler {r['sampler_cpu']:.1f} CPU s)")
    finally:
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    main()
