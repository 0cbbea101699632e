"""Batch grading of a folder of submissions (``grader grade``).

The instructor's process finds the submissions, asks the gradebook which of them
still need grading, hands those to grading processes (local ones, or a Dask
cluster), and writes each result to the gradebook the moment it comes back. Every
file in ``OUT`` is written from the gradebook, by replacing it whole.

A grading process is trusted grader code: it grades one submission at a time with
:func:`grader.engine.grade` (which runs the student's code in its own sandboxed
worker) and sends the result back as plain data.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import signal
import time
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .assignments import ref_of
from .checking import Settings
from .declaration import Assignment
from .engine import grade
from .errors import UsageError
from .fileio import atomic_write
from .gradebook import (
    Gradebook,
    checks_version,
    content_hash,
    result_from_dict,
    result_to_dict,
    selection,
)
from .loading import MAX_DEPTH, submission_name
from .report import to_gradescope, to_markdown
from .results import PartResult, SubmissionResult, cap, safe_text
from .sandbox.runner import FORKED_CPU


@dataclass(frozen=True)
class Submission:
    name: str             # as in grades.csv: unique, safe, stable (see assign_names)
    path: Path
    content_hash: str
    folder: str           # its folder under OUT (the same as name)
    original: str = ""    # the entry's own name, as readable text (names.csv)


@dataclass(frozen=True)
class BatchResult:
    out: Path
    results: tuple[SubmissionResult, ...]      # every graded submission of the folder, by name
    graded: tuple[str, ...] = ()                # graded by this run
    reused: tuple[str, ...] = ()                # taken from the gradebook
    missing: tuple[str, ...] = ()               # not graded (interrupted, or the grader failed)
    empty: tuple[str, ...] = ()                 # graded, but held no module of the assignment
    seconds: float = 0.0
    workers: int = 1
    version: str = ""
    stats: dict = field(default_factory=dict)   # timings and peak memory of the grading processes

    @property
    def interrupted(self) -> bool:
        return bool(self.missing)


class Progress:
    """What :func:`grade_folder` reports as it goes (the CLI draws a progress bar)."""

    def start(self, total: int, reused: int) -> None:
        """``total`` submissions to grade now; ``reused`` taken from the gradebook."""

    def advance(self, names: list[str], result: SubmissionResult, seconds: float) -> None:
        """One grading finished (``names``: the submissions with these exact bytes)."""

    def stop(self) -> None:
        pass


# -- finding submissions ------------------------------------------------------------------

def find_submissions(folder: Path, exclude: Path | None = None) -> list[Path]:
    """Each entry of the folder (a folder, an .ipynb or a .zip) is one submission. Two
    entries with the same name (``alice/`` and ``alice.zip``) are two submissions:
    :func:`assign_names` tells them apart."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{safe_text(str(folder))} is not a folder of submissions")
    skip = Path(exclude).resolve() if exclude else None
    entries, others = [], []
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "_")) or (skip and p.resolve() == skip):
            continue
        if p.is_dir() or p.suffix.lower() in (".ipynb", ".zip"):
            entries.append(p)
        else:
            others.append(p)
    if not entries:
        seen = (f"; it holds only {len(others)} other file(s), e.g. {safe_text(others[0].name)!r}"
                if others else "; it is empty")
        raise UsageError(f"no submissions in {safe_text(str(folder))} (each submission is a "
                         f"folder, an .ipynb or a .zip){seen}")
    return entries


#: The longest submission name (UTF-8 bytes, before a ``-<hash>`` suffix): folders under
#: OUT stay far below the file systems' 255-byte limit.
MAX_NAME_BYTES = 96
_UNSAFE_START = ("=", "+", "-", "@")


def safe_name(name: str) -> str:
    """A name that is safe as a folder name and as a spreadsheet cell: letters, digits
    and ``-_.@`` kept, anything else ``_``; no leading dot, no leading ``= + - @``
    (a spreadsheet formula); at most :data:`MAX_NAME_BYTES` bytes."""
    cleaned = "".join(ch if (ch.isalnum() and unicodedata.category(ch)[0] in "LN") or ch in "-_.@"
                      else "_" for ch in name).strip(".")
    if cleaned.startswith(_UNSAFE_START):
        cleaned = "_" + cleaned
    while len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        cleaned = cleaned[:-1]
    return cleaned or "submission"


def readable(raw: bytes) -> str:
    """A file name's bytes as text anyone can read: bytes that are not UTF-8 as ``\\xNN``,
    control and formatting characters (newlines, right-to-left overrides) escaped."""
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf") else
                   (f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}") for ch in text)


#: What OUT holds besides the submissions' folders.
RESERVED = frozenset({"grades.csv", "names.csv", "summary.html", "summary.json", "gradebook.sqlite",
                      "gradebook.sqlite-wal", "gradebook.sqlite-shm", "gradebook.sqlite-journal"})
_KIND_ORDER = {"": 0, ".zip": 1, ".ipynb": 2}


def assign_names(entries) -> dict[Path, tuple[str, str]]:
    """``{entry: (name, original)}``: a unique, safe name for every entry, whatever bytes
    its name holds, and its original name as readable text.

    An entry's name is its :func:`safe_name` (without ``.zip`` / ``.ipynb``). When two
    entries would get the same name (ignoring case: OUT may be on a case-insensitive
    disk), an entry whose name needed no change keeps it (a folder before a zip before
    a notebook), and every other one gets ``-`` and 8 hex digits of the hash of its
    full original name: the same entry gets the same name on every run, whatever else
    the folder holds, except the one that kept the plain name when an entry with
    exactly that name arrives later."""
    info = []
    for p in entries:
        raw = os.fsencode(Path(p).name)
        suffix = ""
        if not Path(p).is_dir():
            for ext in (b".zip", b".ipynb"):
                if raw.lower().endswith(ext):
                    suffix, raw_stem = ext.decode(), raw[: -len(ext)]
                    break
        if not suffix:
            raw_stem = raw
        stem = readable(raw_stem)
        base = safe_name(stem)
        info.append((p, raw, base, base == stem, suffix))
    groups: dict[str, list] = {}
    for item in info:
        groups.setdefault(item[2].lower(), []).append(item)
    names: dict[Path, tuple[str, str]] = {}
    used = set(RESERVED) | {k for k, g in groups.items() if len(g) == 1}
    for key, group in sorted(groups.items()):
        keeper = None
        if key not in RESERVED:
            exact = sorted((i for i in group if i[3]), key=lambda i: (_KIND_ORDER[i[4]], i[1]))
            keeper = exact[0] if exact else (group[0] if len(group) == 1 else None)
        for p, raw, base, _, _ in group:
            if keeper is not None and p == keeper[0]:
                name = base
            else:
                digest = hashlib.sha256(raw).hexdigest()
                name, k = f"{base}-{digest[:8]}", 8
                while name.lower() in used:
                    k += 4
                    name = f"{base}-{digest[:k]}"
            used.add(name.lower())
            names[p] = (name, readable(raw))
    return names


def scan(folder: Path, exclude: Path | None = None) -> list[Submission]:
    entries = find_submissions(folder, exclude)
    names = assign_names(entries)
    subs = []
    for p in entries:
        name, original = names[p]
        try:
            h = content_hash(p, max_depth=MAX_DEPTH + 2)
        except (OSError, RecursionError, ValueError) as exc:  # unreadable: graded anyway
            h = f"unreadable:{name}:{getattr(exc, 'errno', None) or type(exc).__name__}"
        subs.append(Submission(name=name, path=p, content_hash=h, folder=name, original=original))
    return subs


# -- the job a grading process runs --------------------------------------------------------

_READY = False


def _prepare(ignore_sigint: bool = False, replay: bool = True, assignment: str | None = None) -> None:
    """Once per grading process: load the assignment (``assignment``: what
    :func:`grader.assignments.get` takes; default: the first registered one), share one sandbox box across its
    submissions where that is supported (:mod:`grader.sandbox.shared_box`) and
    (``replay``) pipeline the requests of each check across submissions
    (:mod:`grader.pipelining`)."""
    global _READY
    if ignore_sigint:  # Ctrl-C is the instructor's process's business
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Stopped by the instructor's process (terminate): unwind, so that the
        # submission's temporary folders and the sandbox are removed on the way out.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if not _READY:
        from . import pipelining
        from .assignments import get
        from .sandbox import shared_box

        get(assignment)
        shared_box.share_boxes(True)
        if replay:
            pipelining.install()
        _READY = True


class _Stopped(BaseException):
    """SIGTERM during a grading: unwinds it (its ``finally`` clauses remove the temporary
    folders and the sandbox), then :func:`grade_job` ends the process."""


_IN_JOB = False


def _exit_on_sigterm(signum, frame):
    if _IN_JOB:
        raise _Stopped()
    from . import tmpdirs

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # (a second one must not cut this short)
    tmpdirs.remove_own()  # (nothing should be left between jobs; if anything is, it goes)
    raise SystemExit(128 + signum)  # idle: multiprocessing runs its finalizers and exits


def _stop_process() -> None:
    from multiprocessing import util

    from . import tmpdirs

    # a second SIGTERM (the pool stops its processes more than once) must not cut the
    # cleaning short: it would raise _Stopped again inside the finalizers
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        try:
            util._exit_function()  # the finalizers (the shared sandbox box is one of them)
        finally:
            tmpdirs.remove_own()   # and whatever the stopped grading had not removed yet
    finally:
        os._exit(143)


class GradingFailed(Exception):
    """The grader itself failed on a submission (not the student): nothing is recorded,
    the next run tries again."""


def grade_job(job: dict) -> dict:
    """Grade one submission; plain data in, plain data out. Runs in a grading process
    (or on a Dask worker): ``job`` holds ``name``, ``settings``, ``assignment`` (a registered
    name, or the folder of an assignment package: see :func:`grader.assignments.ref_of`),
    ``parts`` (None: all) and either ``path`` (a shared file system) or ``payload`` =
    ``[file name, bytes]``."""
    import resource
    import shutil

    from . import tmpdirs
    from .assignments import get

    global _IN_JOB
    _prepare(replay=job.get("replay", True), assignment=job.get("assignment"))
    assignment = get(job.get("assignment"))
    settings = Settings(**job.get("settings", {}))
    t0, cpu0 = time.perf_counter(), time.process_time()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    forked0 = FORKED_CPU[0]
    tmp = None
    _IN_JOB = True
    try:
        if job.get("payload"):
            filename, data = job["payload"]
            tmp = tmpdirs.mkdtemp("job")
            path = tmp / Path(filename).name
            path.write_bytes(data)
        else:
            path = Path(job["path"])
        result = grade_one(path, assignment, settings, name=job["name"], parts=job.get("parts"))
    except GradingFailed as exc:
        return {"error": str(exc), "seconds": time.perf_counter() - t0}
    except _Stopped:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        _stop_process()
    finally:
        _IN_JOB = False
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"result": result_to_dict(result), "seconds": time.perf_counter() - t0,
            "cpu": time.process_time() - cpu0,  # this grading process
            "sandbox_cpu": (children.ru_utime + children.ru_stime    # its finished workers
                            - children0.ru_utime - children0.ru_stime + FORKED_CPU[0] - forked0),
            "pid": os.getpid(), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def grade_one(path: Path, assignment: Assignment, settings: Settings,
              name: str | None = None, parts=None) -> SubmissionResult:
    """Grade one submission on ``parts`` (None: all) of the assignment. An internal error of the grader is never a grade: it raises
    :class:`GradingFailed` with one capped line for the instructor (the batch goes on,
    records nothing for this submission, and the next run tries it again)."""
    name = name or submission_name(Path(path))
    try:
        return grade(path, assignment, parts=parts, hidden=True, settings=settings, name=name)
    except Exception as exc:  # noqa: BLE001 - one submission must never stop the batch
        where = ""
        tb = exc.__traceback__
        while tb is not None:  # the innermost frame: where the grader failed
            where = f" ({Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno})"
            tb = tb.tb_next
        msg = safe_text(f"internal grader error: {type(exc).__name__}: {exc}").splitlines() or [""]
        raise GradingFailed(cap(msg[0], 300) + where) from None


def pack(path: Path) -> list:
    """A submission as ``[file name, bytes]`` for a worker that does not share our disk
    (a folder becomes an uncompressed zip of its files)."""
    path = Path(path)
    if not path.is_dir():
        return [path.name, path.read_bytes()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for root, dirs, files in os.walk(path):
            deep = len(Path(root).relative_to(path).parts) >= MAX_DEPTH + 2  # never graded
            dirs[:] = [] if deep else sorted(d for d in dirs if not d.startswith(".")
                                             and d != "__pycache__")
            for f in sorted(files):
                p = Path(root, f)
                if not f.startswith(".") and not p.is_symlink():
                    zf.write(p, p.relative_to(path).as_posix())
    return [f"{path.name}.zip", buf.getvalue()]


# -- running the jobs ---------------------------------------------------------------------

def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _run_local(jobs: list[dict], workers: int, replay: bool = True):
    """Yield ``(job, reply)`` as grading processes finish them. When a grading process
    dies (killed, out of memory), the jobs it took down are tried once more in a new pool."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":  # forked from a server that has already imported the grader
        ctx.set_forkserver_preload(["grader.batch", "grader.engine", "grader.assignments"])
    todo = list(jobs)
    assignment = todo[0]["assignment"] if todo else None  # (one batch, one assignment)
    for attempt in (1, 2):
        retry = []
        pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo))), mp_context=ctx,
                                   initializer=_prepare, initargs=(True, replay, assignment))
        try:
            pending = {pool.submit(grade_job, job): job for job in todo}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = pending.pop(fut)
                    if attempt == 1 and isinstance(fut.exception(), BrokenProcessPool):
                        retry.append(job)
                    else:
                        yield job, _reply(fut, job)
        except BaseException:  # Ctrl-C, or the consumer stopped: stop grading now
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()  # a grading process never holds the gradebook: safe to stop
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        if not retry:
            return
        todo = retry


def _run_dask(jobs: list[dict], address):
    """Yield ``(job, reply)`` as the Dask cluster at ``address`` (or a Client) finishes them."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--dask needs the `distributed` package (pip install 'grader[dask]')") from None
    client = address if isinstance(address, Client) else Client(address, timeout="30s")
    futures = {}
    try:
        for job in jobs:
            job = dict(job, payload=pack(Path(job.pop("path"))))
            fut = client.submit(grade_job, job, pure=False, key=f"grade-{job['hash'][:16]}-{job['name']}")
            futures[fut] = job
        for fut in as_completed(list(futures)):
            yield futures[fut], _reply(fut, futures[fut])
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        if client is not address:
            client.close()


def _reply(fut, job) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - the grading process itself died (OOM, killed)
        return {"error": f"the grading process failed on this submission: {type(exc).__name__}: {exc}",
                "seconds": 0.0}


# -- the batch ------------------------------------------------------------------------------

def grade_folder(submissions: Path, out: Path, assignment: Assignment, *,
                 settings: Settings | None = None, workers: int | None = None,
                 regrade: bool = False, dask=None, progress: Progress | None = None,
                 replay: bool = True, plots: bool = False, parts=None) -> BatchResult:
    """Grade every submission in ``submissions`` that the gradebook in ``out`` does not
    already hold (all of them with ``regrade``), write ``grades.csv``, each submission's
    feedback and the class summary.

    ``parts`` (part ids; None: all) grades only those parts: ``grades.csv`` then has their
    columns only. A gradebook holds the grades of one assignment on one selection of
    parts: grading another assignment, or other parts, into the same ``out`` is refused
    (:class:`~grader.errors.UsageError`) rather than mixing them or overwriting the
    files written from it.

    ``workers`` grading processes run in parallel (default: the machine's cores); with
    ``dask`` (a scheduler address or a ``distributed.Client``) the cluster grades instead.
    ``replay=False`` turns off the pipelining of requests across submissions (same
    scores, slower).
    ``plots=True`` adds, to feedback.html, the pictures the assignment draws of a failing part.
    With ``dask``, an assignment loaded from a folder must be at the same path on the
    cluster's machines.
    """
    from . import tmpdirs

    settings = settings or Settings()
    if plots:  # the pictures' data is made while grading (grader/plots.py)
        settings = replace(settings, plots=True)
    workers = workers or default_workers()
    progress = progress or Progress()
    out = Path(out)
    tmpdirs.sweep()  # what an interrupted (killed) run left in the temporary folder
    selected = _selected(assignment, parts)
    parts = list(selected) if selected != assignment.part_ids else None
    shown = replace(assignment, parts=tuple(assignment.part(p) for p in selected))  # the columns
    subs = scan(Path(submissions), exclude=out)
    _check_writable(out)
    version = checks_version(settings, assignment, parts)
    t0 = time.perf_counter()
    book = Gradebook.in_folder(out)
    try:
        held = book.bind(assignment.name, parts)
        if held:
            raise UsageError(
                f"{safe_text(str(out))} holds the grades of {_scope(held)}; this run grades "
                f"{_scope({'assignment': assignment.name, 'parts': parts})}: grade into another "
                "--out (a gradebook never mixes assignments or selections of parts)")
        known = set() if regrade else book.known(version)
        groups: dict[str, list[Submission]] = {}
        for s in subs:
            groups.setdefault(s.content_hash, []).append(s)
        due = {h: g for h, g in groups.items() if h not in known}
        reused = [s for h, g in groups.items() if h in known for s in g]
        for h in {s.content_hash for s in reused}:
            book.point([s.name for s in groups[h]], h, version)
        by_name = {s.name: s for s in subs}
        for entry in book.entries(version, names={s.name for s in reused}):
            s = by_name[entry.name]
            write_submission(out, entry.result, folder=s.folder, original=s.original)
        jobs = [{"name": g[0].name, "path": str(g[0].path), "hash": h, "settings": asdict(settings),
                 "assignment": ref_of(assignment), "parts": parts, "replay": replay}
                for h, g in due.items()]
        progress.start(len(jobs), len(reused))
        graded: list[str] = []
        replies: list[dict] = []
        failed: list[str] = []
        stream = ((pair for pair in ()) if not jobs else _run_dask(jobs, dask) if dask is not None
                  else _run_local(jobs, workers, replay))
        try:
            with contextlib.closing(stream):  # stops the grading processes on any exit
                for job, reply in stream:
                    group = groups[job["hash"]]
                    names = [s.name for s in group]
                    if "error" in reply:  # the grader failed, not the student: not recorded,
                        failed.append(f"{', '.join(names)}: {reply['error']}")  # tried again next run
                        progress.advance(names, _broken(names[0], shown, reply["error"]), 0.0)
                        continue
                    result = result_from_dict(reply["result"], name=names[0])
                    book.record(job["hash"], version, result, names, seconds=reply.get("seconds"))
                    for s in group:
                        write_submission(out, _renamed(result, s.name), folder=s.folder,
                                         original=s.original)
                    graded += names
                    replies.append(reply)
                    progress.advance(names, result, reply.get("seconds", 0.0))
        except KeyboardInterrupt:
            progress.stop()
            finish(out, book, version, subs, shown)
            raise
        progress.stop()
        results = finish(out, book, version, subs, shown)
    finally:
        book.close()
    from .engine import NOTHING

    done = {r.name for r in results}
    stats = _stats(replies)
    if failed:
        stats["failures"] = failed
    return BatchResult(out=out, results=tuple(results), graded=tuple(sorted(graded)),
                       reused=tuple(sorted(s.name for s in reused)),
                       missing=tuple(sorted(s.name for s in subs if s.name not in done)),
                       empty=tuple(sorted(r.name for r in results
                                          if any(n.startswith(NOTHING) for n in r.notes))),
                       seconds=time.perf_counter() - t0, workers=1 if dask is not None else workers,
                       version=version, stats=stats)


def finish(out: Path, book: Gradebook, version: str, subs, assignment: Assignment):
    """Rebuild ``grades.csv`` and the class summary from the gradebook (``assignment``:
    with the parts graded only)."""
    from .summary import write_summary

    current = {(s.name, s.content_hash) for s in subs}  # a resubmission not yet graded: absent
    results = [e.result for e in book.entries(version, names={s.name for s in subs})
               if (e.name, e.content_hash) in current]
    atomic_write(out / "grades.csv", grades_csv(results, assignment), durable=True)
    atomic_write(out / "names.csv", names_csv(subs))
    write_summary(out, results, assignment)
    return results


def _selected(assignment: Assignment, parts) -> tuple[str, ...]:
    unknown = [p for p in (parts or ()) if p not in assignment.part_ids]
    if unknown:
        raise UsageError(f"unknown part {', '.join(map(safe_text, unknown))} of {assignment.name} "
                         f"(parts: {', '.join(assignment.part_ids)})")
    return selection(assignment, parts)


def _scope(scope: dict) -> str:
    parts = scope.get("parts")
    return (f"assignment {scope['assignment']!r} "
            + (f"(parts {', '.join(parts)})" if parts else "(all parts)"))


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from None


def _renamed(result: SubmissionResult, name: str) -> SubmissionResult:
    return result if result.name == name else replace(result, name=name)


def _broken(name: str, assignment: Assignment, msg: str) -> SubmissionResult:
    parts = tuple(PartResult(id=p.id, title=p.title, score=0.0, max_score=p.points, error=msg)
                  for p in assignment.parts)
    return SubmissionResult(name=name, parts=parts, notes=(msg,))


def _stats(replies: list[dict]) -> dict:
    ok = [r for r in replies if "error" not in r]
    if not ok:
        return {}
    return {"grading_seconds": sum(r["seconds"] for r in ok),
            "grading_cpu_seconds": sum(r.get("cpu", 0.0) for r in ok),
            "sandbox_cpu_seconds": sum(r.get("sandbox_cpu", 0.0) for r in ok),
            "processes": len({r["pid"] for r in ok}),
            "peak_rss_mb_per_process": max(r["rss_mb"] for r in ok)}


# -- files in OUT ---------------------------------------------------------------------------

def write_submission(out: Path, result: SubmissionResult, folder: str | None = None,
                     images: dict | None = None, original: str = "") -> None:
    from .report_html import feedback_page

    if original and original != result.name:  # shown beside the name in the feedback
        result = replace(result, meta={**result.meta, "original": original})
    folder_path = Path(out) / (folder or safe_name(result.name))
    folder_path.mkdir(parents=True, exist_ok=True)
    atomic_write(folder_path / "results.json",
                 json.dumps(to_gradescope(result), indent=2, ensure_ascii=False))
    atomic_write(folder_path / "feedback.md", to_markdown(result))
    atomic_write(folder_path / "feedback.html", feedback_page(result, images=images))


def grades_csv(results, assignment: Assignment) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", *assignment.part_ids, "total"])
    for r in sorted(results, key=lambda r: r.name):
        scores = {p.id: p.score for p in r.parts}
        w.writerow([csv_cell(r.name), *(_fmt(scores.get(pid, 0.0)) for pid in assignment.part_ids),
                    _fmt(r.score)])
    return buf.getvalue()


def names_csv(subs) -> str:
    """``names.csv``: each submission's name (as in grades.csv) and the original name of
    its entry in the submissions folder (``alice.zip``; bytes that are not UTF-8 as
    ``\\xNN``). grades.csv keeps its fixed columns; this file maps one to the other."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "original"])
    for s in sorted(subs, key=lambda s: s.name):
        w.writerow([csv_cell(s.name), csv_cell(s.original or s.path.name)])
    return buf.getvalue()


def csv_cell(value) -> str:
    """A text cell no spreadsheet runs as a formula: one that starts with ``= + - @``
    (or a tab or carriage return) and is not a number gets a leading ``'``."""
    text = safe_text(str(value))
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def _fmt(x: float) -> str:
    x = round(float(x), 4)
    return str(int(x)) if x == int(x) else f"{x:g}"
