"""The registry of assignments the grader knows."""

from __future__ import annotations

from functools import lru_cache

from .assignment import Assignment
from .errors import UsageError

DEFAULT = "training"


@lru_cache(maxsize=None)
def get(name: str = DEFAULT) -> Assignment:
    if name == "training":
        from .training import build
        return build()
    raise UsageError(f"unknown assignment {name!r} (known: training)")
