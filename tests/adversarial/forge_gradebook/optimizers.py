# ruff: noqa  (a deliberately hostile test submission)
"""Tries to write a gradebook with sqlite3 (which opens files without an "open" audit
event): a file next to another submission (where OUT could be), one in /tmp, and one
ATTACHed from an in-memory database."""
import os

import numpy as np

TARGETS = ["__VICTIM__/../__MARKER__-gradebook.sqlite", "/tmp/__MARKER__-gradebook.sqlite"]


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    forged, refused = [], []
    try:
        import sqlite3
    except Exception as exc:  # noqa: BLE001
        refused.append(f"import: {type(exc).__name__}")
    else:
        for target in TARGETS + [":memory:"]:
            try:
                con = sqlite3.connect(target)
                if target == ":memory:":
                    con.execute(f"ATTACH DATABASE '{TARGETS[1]}' AS g")
                    con.execute("CREATE TABLE g.grades (name, score)")
                else:
                    con.execute("CREATE TABLE grades (name, score)")
                con.commit()
                con.close()
                forged.append(target)
            except Exception as exc:  # noqa: BLE001
                refused.append(f"{target}: {type(exc).__name__}")
    if forged:
        raise RuntimeError("FORGED " + "; ".join(forged))
    raise RuntimeError(f"NOTHING-FORGED ({len(refused)} attempts refused)")
