"""The gradebook: every finished grading, kept in SQLite as soon as it finishes.

``OUT/gradebook.sqlite`` holds one row per graded *content* (the hash of the
submission's bytes) and *checks version* (the hash of the grading code, the recorded
reference and the settings), so that

- a run that is interrupted (Ctrl-C, kill -9, power loss) and started again grades
  only what is missing: each result is committed on its own, in WAL mode;
- a re-run after new submissions arrive grades only those;
- two byte-identical submissions are graded once;
- a change to the checks or the reference makes every submission due again.

``grades.csv`` and the summaries are always rebuilt from here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from .results import CheckResult, Example, PartResult, SubmissionResult

FILENAME = "gradebook.sqlite"

#: Modules that only present results: changing them does not change any score.
PRESENTATION = frozenset({
    "__init__.py", "__main__.py", "cli.py", "batch.py", "gradebook.py", "gradescope.py",
    "release.py", "summary.py", "report.py", "report_html.py", "propcache.py", "i18n.py",
    "plots.py",
})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    content_hash   TEXT NOT NULL,
    checks_version TEXT NOT NULL,
    result         TEXT NOT NULL,     -- JSON: result_to_dict()
    score          REAL NOT NULL,
    max_score      REAL NOT NULL,
    seconds        REAL,              -- wall time of the grading
    graded_at      REAL NOT NULL,     -- unix time
    PRIMARY KEY (content_hash, checks_version)
);
CREATE TABLE IF NOT EXISTS submissions (
    name           TEXT PRIMARY KEY,
    content_hash   TEXT NOT NULL,
    checks_version TEXT NOT NULL,
    updated_at     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (      -- what this gradebook grades: 'assignment', 'parts'
    key            TEXT PRIMARY KEY,
    value          TEXT NOT NULL
);
"""


# -- hashes --------------------------------------------------------------------------------

#: Files larger than this are hashed by their size and modification time, not read:
#: no module or notebook of a submission is that large (the loader refuses them), and
#: reading a huge (or sparse) file would cost the whole batch memory and time.
HASH_READ_LIMIT = 64 << 20


def _feed(h, p: Path) -> None:
    """Feed a file's bytes to ``h``, safely: only a regular file is read (never a FIFO
    or a device, which could block or never end), in chunks, up to
    :data:`HASH_READ_LIMIT`; anything else is fed as a marker of what it is."""
    try:
        st = os.lstat(p)
    except OSError as exc:
        h.update(b"\0unreadable\0" + str(exc.errno).encode())
        return
    if not stat.S_ISREG(st.st_mode):
        h.update(b"\0special\0" + oct(stat.S_IFMT(st.st_mode)).encode())
        return
    if st.st_size > HASH_READ_LIMIT:
        h.update(b"\0large\0" + f"{st.st_size}:{st.st_mtime_ns}".encode())
        return
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        h.update(b"\0unreadable\0" + str(exc.errno).encode())
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since lstat
            h.update(b"\0special\0")
            return
        left = HASH_READ_LIMIT
        while left > 0:
            chunk = os.read(fd, min(1 << 20, left))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    except OSError as exc:
        h.update(b"\0unreadable\0" + str(exc.errno).encode())
    finally:
        os.close(fd)


def _file_digest(p: Path) -> bytes:
    h = hashlib.sha256()
    _feed(h, p)
    return h.digest()


def content_hash(path: Path, max_depth: int | None = None) -> str:
    """SHA-256 of what a submission holds: a file's bytes, or a folder's files (relative
    paths and bytes, in sorted order, hidden files and caches skipped; folders deeper
    than ``max_depth`` are not entered). File names are taken as bytes: any name works."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_symlink():
        h.update(b"link\0" + os.fsencode(os.readlink(path)))
    elif path.is_dir():
        h.update(b"folder\0")
        stack = [(path, 0)]  # the order of os.walk (top-down, sorted), without recursion
        while stack:
            root, depth = stack.pop()
            dirs, files = [], []
            for entry in os.scandir(root):
                (dirs if entry.is_dir() else files).append(entry.name)
            for name in sorted(files):
                if name.startswith(".") or name.endswith(".pyc"):
                    continue
                p = Path(root, name)
                rel = os.fsencode(p.relative_to(path).as_posix())
                h.update(b"file\0" + rel + b"\0")
                if p.is_symlink():
                    h.update(b"link\0" + os.fsencode(os.readlink(p)))
                else:
                    h.update(_file_digest(p))
            if max_depth is not None and depth >= max_depth:
                continue
            subdirs = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for d in reversed(subdirs):
                if not Path(root, d).is_symlink():
                    stack.append((Path(root, d), depth + 1))
    else:
        h.update(b"file\0" + path.suffix.lower().encode() + b"\0")
        _feed(h, path)
    return h.hexdigest()


def checks_version(settings=None, assignment=None, parts=None) -> str:
    """A hash of everything a score depends on: the engine's grading code (the grader
    package without its assignments, the instructor-only ``authoring/`` and the
    presentation modules), the assignment's own package (its code and recorded
    reference, without its ``authoring/``), hypothesis's and numpy's versions, the
    settings, and which assignment and parts are graded (``assignment``: an
    :class:`~grader.declaration.Assignment` or what :func:`grader.assignments.get`
    takes; default: the first registered one; ``parts``: None for all of them).

    Results graded for another assignment, or another selection of parts, are another
    version: they are never reused."""
    from importlib.metadata import PackageNotFoundError, version

    from .assignments import get

    spec = get(assignment)
    selected = selection(spec, parts)
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for label, p in sorted(_engine_files(pkg) + _assignment_files(spec)):
        h.update(label.encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    for dist in ("hypothesis", "numpy"):
        try:
            h.update(f"{dist}=={version(dist)}\0".encode())
        except PackageNotFoundError:  # pragma: no cover
            pass
    h.update(spec.name.encode() + b"\0" + ",".join(selected).encode() + b"\0"
             + repr(settings).encode())
    return h.hexdigest()[:16]


def selection(assignment, parts=None) -> tuple[str, ...]:
    """The part ids graded, in the order of the assignment's parts table (all: None)."""
    wanted = set(parts or ())
    return tuple(pid for pid in assignment.part_ids if not wanted or pid in wanted)


def _engine_files(pkg: Path) -> list[tuple[str, Path]]:
    files = []
    for p in pkg.rglob("*"):
        rel = p.relative_to(pkg)
        if (not p.is_file() or rel.parts[0] in ("assignments", "authoring")
                or "__pycache__" in rel.parts):
            continue
        code = p.suffix == ".py" and not (len(rel.parts) == 1 and p.name in PRESENTATION)
        if code or (p.suffix == ".json" and rel.parts[0] == "reference_data"):
            files.append((rel.as_posix(), p))
    return files


def _assignment_files(assignment) -> list[tuple[str, Path]]:
    """The assignment package's code and recorded data (not its instructor-only tools)."""
    files = []
    if assignment.drivers is not None:
        files.append((f"assignment:{assignment.name}:drivers", Path(assignment.drivers)))
    if assignment.folder is None:
        return files
    folder = Path(assignment.folder).resolve()
    for p in folder.rglob("*"):
        rel = p.relative_to(folder)
        if (p.is_file() and p.suffix in (".py", ".json") and rel.parts[0] != "authoring"
                and "__pycache__" not in rel.parts):
            files.append((f"assignment:{assignment.name}/{rel.as_posix()}", p))
    return files


# -- results as plain data -----------------------------------------------------------------

def result_to_dict(result: SubmissionResult) -> dict:
    """Everything a :class:`SubmissionResult` holds, as JSON-able data."""
    d = result.to_dict()
    d["output"] = result.output
    d["meta"] = dict(result.meta)
    return d


def result_from_dict(d: dict, name: str | None = None) -> SubmissionResult:
    """The inverse of :func:`result_to_dict` (and of ``SubmissionResult.to_dict``)."""
    parts = []
    for p in d["parts"]:
        checks = []
        for c in p.get("checks", ()):
            c = dict(c)
            ex = c.pop("example", None)
            checks.append(CheckResult(**c, example=Example(**ex) if ex else None))
        parts.append(PartResult(id=p["id"], title=p["title"], score=p["score"],
                                max_score=p["max_score"], checks=tuple(checks),
                                error=p.get("error", ""), plot=p.get("plot")))
    return SubmissionResult(name=name or d["submission"], parts=tuple(parts),
                            notes=tuple(d.get("notes", ())), output=d.get("output", ""),
                            meta=dict(d.get("meta", {})))


# -- the database -------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    name: str
    content_hash: str
    result: SubmissionResult
    seconds: float | None
    graded_at: float


class Gradebook:
    """``OUT/gradebook.sqlite``. Only the process that runs ``grade`` writes to it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a crash
        self.db.executescript(_SCHEMA)

    @classmethod
    def in_folder(cls, out: Path) -> Gradebook:
        return cls(Path(out) / FILENAME)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def scope(self) -> dict:
        """What this gradebook grades, as recorded by :meth:`bind`: ``{"assignment": name,
        "parts": [ids] or None for all}``; ``{}`` for a new (or an older) gradebook."""
        rows = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('assignment', 'parts')"))
        if "assignment" not in rows:
            return {}
        return {"assignment": rows["assignment"], "parts": json.loads(rows.get("parts", "null"))}

    def bind(self, assignment: str, parts=None) -> dict:
        """Record that this gradebook grades ``assignment`` on ``parts`` (None: all), unless
        it already grades something else: then nothing is changed and what it grades is
        returned (``{}`` when it is bound, or was already, to exactly this)."""
        wanted = {"assignment": assignment, "parts": list(parts) if parts else None}
        with self._transaction():
            held = self.scope()
            if held and held != wanted:
                return held
            if not held:
                self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                    [("assignment", assignment), ("parts", json.dumps(wanted["parts"]))])
        return {}

    def known(self, version: str) -> set[str]:
        """Content hashes already graded with this version of the checks."""
        return {h for (h,) in self.db.execute(
            "SELECT content_hash FROM results WHERE checks_version=?", (version,))}

    def record(self, content_hash: str, version: str, result: SubmissionResult, names,
               seconds: float | None = None) -> None:
        """Store one finished grading and point ``names`` at it: one committed transaction."""
        now = time.time()
        doc = json.dumps(result_to_dict(result), ensure_ascii=False, separators=(",", ":"))
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                (content_hash, version, doc, result.score, result.max_score, seconds, now))
            self._point(names, content_hash, version, now)

    def point(self, names, content_hash: str, version: str) -> None:
        """Record that the submissions ``names`` now hold ``content_hash`` (already graded)."""
        with self._transaction():
            self._point(names, content_hash, version, time.time())

    def _point(self, names, content_hash, version, now):
        self.db.executemany("INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?)",
                            [(n, content_hash, version, now) for n in names])

    @contextlib.contextmanager
    def _transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def entries(self, version: str | None = None, names=None) -> list[Entry]:
        """The graded submissions (by name, sorted), each with its result; only those
        graded with ``version`` when given, only ``names`` when given."""
        sql = ("SELECT s.name, s.content_hash, r.result, r.seconds, r.graded_at FROM submissions s "
               "JOIN results r ON r.content_hash = s.content_hash AND r.checks_version = s.checks_version")
        args: tuple = ()
        if version is not None:
            sql += " WHERE s.checks_version = ?"
            args = (version,)
        wanted = set(names) if names is not None else None
        out = []
        for name, h, doc, seconds, graded_at in self.db.execute(sql + " ORDER BY s.name", args):
            if wanted is not None and name not in wanted:
                continue
            out.append(Entry(name, h, result_from_dict(json.loads(doc), name=name), seconds, graded_at))
        return out
