"""How long a hang costs (issue 15), run by hand: ``python benchmarks/bench_hangs.py``.

Times, as medians of ``--runs`` runs with the load average before and after:

- ``grader grade`` of ``tests/corpus/broken_hangs`` (one function loops forever),
- ``grader grade`` of a generated submission whose every function loops forever,
- ``grader check adagrad`` on ``broken_hangs`` (a hanging part),
- ``grader check`` (all parts) on the stubs and on the reference solution.

Targets: one hanging function at most 10 s in ``grade``, every function hanging at most
30 s, ``check`` on a hanging part at most 5 s. Each command runs in a fresh process,
as a user would run it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANG = "def _hang(*a, **k):\n    while True:\n        pass\n"
ALL_HANG = {
    "optimizers.py": HANG + "sgd_momentum_step = nesterov_step = adagrad_step = rmsprop_step = "
                            "adam_step = adamw_step = _hang\n",
    "regularization.py": HANG + "l1_penalty = l1_grad = l2_penalty = l2_grad = dropout_mask = "
                                "dropout = _hang\n",
    "batchnorm.py": HANG + "batchnorm_train = batchnorm_inference = _hang\n",
    "early_stopping.py": "class EarlyStopping:\n    def __init__(self, *a, **k):\n"
                         "        while True:\n            pass\n",
}


def timed(argv: list, runs: int) -> list:
    times = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.monotonic() - start)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    grader = [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory(prefix="bench-hangs-") as tmp:
        tmp = Path(tmp)
        one = tmp / "one" / "broken_hangs"
        shutil.copytree(ROOT / "tests" / "corpus" / "broken_hangs", one,
                        ignore=shutil.ignore_patterns("EXPECTED.json"))
        every = tmp / "every" / "all_hang"
        every.mkdir(parents=True)
        for name, text in ALL_HANG.items():
            (every / name).write_text(text)
        solution = tmp / "solution"
        shutil.copytree(ROOT / "solutions" / "training", solution)
        rows = [
            ("grade: one function hangs (broken_hangs)",
             grader + ["grade", str(one.parent), "--out", str(tmp / "out1"), "--no-progress", "--regrade"]),
            ("grade: every function hangs",
             grader + ["grade", str(every.parent), "--out", str(tmp / "out2"), "--no-progress", "--regrade"]),
            ("check adagrad on broken_hangs", grader + ["check", "adagrad", "--path", str(one)]),
            ("check, all parts, the stubs", grader + ["check"]),
            ("check, all parts, the solution", grader + ["check", "--path", str(solution)]),
        ]
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for label, argv in rows:
            times = timed(argv, args.runs)
            print(f"{label:45s} median {statistics.median(times):6.2f} s  "
                  f"({', '.join(f'{t:.2f}' for t in times)})")
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
