"""Writing the files of ``OUT`` whole or not at all (used by the batch and the summary)."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path, text: str | bytes, durable: bool = False) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename
    (``durable``: flushed to disk first, so that even a power loss leaves the old or
    the new file, never a part of one)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
