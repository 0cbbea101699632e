"""Wall time of `grader check` on the solutions next to `python -c "import tensorflow"`.

Run by hand (not a test): `python benchmarks/bench_check.py [--repeat 3]`.
Both are measured in the same run, interleaved, and reported as medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(cmd) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--parts", nargs="*", default=None, help="parts to time one by one")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader.assignments import get

    part_ids = args.parts or list(get().part_ids)
    check = [sys.executable, "-m", "grader", "check", "--path", "solutions/training"]
    tf = [sys.executable, "-c", "import tensorflow"]
    rows = {"import tensorflow": [], "check (all parts)": []}
    rows.update({f"check {p}": [] for p in part_ids})
    for _ in range(args.repeat):
        rows["import tensorflow"].append(wall(tf))
        rows["check (all parts)"].append(wall(check))
        for p in part_ids:
            rows[f"check {p}"].append(wall(check + [p]))
    base = statistics.median(rows["import tensorflow"])
    print(f"{'what':28s} {'median s':>9s} {'x import tf':>11s}")
    for name, times in rows.items():
        med = statistics.median(times)
        print(f"{name:28s} {med:9.2f} {med / base:11.2f}")


if __name__ == "__main__":
    main()
