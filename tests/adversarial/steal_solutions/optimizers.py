# ruff: noqa  (a deliberately hostile test submission)
"""Tries, from Python, to read the reference solution, the recorded answers, the
grader's code and another submission."""
import glob
import importlib
import os
import subprocess
import sys

import numpy as np

PROJECT = "__PROJECT__"
TARGETS = [f"{PROJECT}/solutions/optimizers.py",
           f"{PROJECT}/grader/assignments/training/reference/momentum.hidden.json",
           f"{PROJECT}/grader/training/optimizers.py",
           "__VICTIM__/optimizers.py",
           "../solutions/optimizers.py", "../../solutions/optimizers.py",
           f"/proc/1/root{PROJECT}/solutions/optimizers.py"]


def _attempts():
    got, refused = [], []
    for path in TARGETS:
        try:
            with open(path, "rb") as f:
                if f.read(10):
                    got.append(path)
        except Exception as exc:  # noqa: BLE001
            refused.append(f"{path}: {type(exc).__name__}")
    for name in ("solutions", "grader", "grader.reference"):
        try:
            importlib.import_module(name)
            got.append(f"import {name}")
        except Exception as exc:  # noqa: BLE001
            refused.append(f"import {name}: {type(exc).__name__}")
    sys.path.append(PROJECT)
    try:
        __import__("solutions.optimizers")
        got.append("import solutions.optimizers via sys.path")
    except Exception as exc:  # noqa: BLE001
        refused.append(f"sys.path import: {type(exc).__name__}")
    try:
        spec = importlib.util.spec_from_file_location("s", f"{PROJECT}/solutions/optimizers.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        got.append("spec_from_file_location")
    except Exception as exc:  # noqa: BLE001
        refused.append(f"spec: {type(exc).__name__}")
    try:
        if glob.glob(f"{PROJECT}/solutions/*") or os.listdir(f"{PROJECT}/grader"):
            got.append("listing")
    except Exception as exc:  # noqa: BLE001
        refused.append(f"listing: {type(exc).__name__}")
    try:
        out = subprocess.run(["cat", f"{PROJECT}/solutions/optimizers.py"], capture_output=True)
        if out.stdout:
            got.append("subprocess cat")
    except Exception as exc:  # noqa: BLE001
        refused.append(f"subprocess: {type(exc).__name__}")
    try:
        if os.system(f"cat {PROJECT}/solutions/optimizers.py > /dev/null") == 0:
            got.append("os.system")
    except Exception as exc:  # noqa: BLE001
        refused.append(f"os.system: {type(exc).__name__}")
    return got, refused


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    got, refused = _attempts()
    if got:
        raise RuntimeError("STOLEN " + "; ".join(got))
    raise RuntimeError(f"NOTHING-STOLEN ({len(refused)} attempts refused)")
