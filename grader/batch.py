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
import io
import json
import os
import time
import traceback
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .assignment import Assignment
from .checking import Settings
from .engine import grade
from .errors import UsageError
from .gradebook import Gradebook, checks_version, content_hash, result_from_dict, result_to_dict
from .loading import submission_name
from .report import to_gradescope, to_markdown
from .results import PartResult, SubmissionResult
from .sandbox.runner import FORKED_CPU


@dataclass(frozen=True)
class Submission:
    name: str             # as in grades.csv
    path: Path
    content_hash: str
    folder: str           # its folder under OUT


@dataclass(frozen=True)
class BatchResult:
    out: Path
    results: tuple[SubmissionResult, ...]      # every graded submission of the folder, by name
    graded: tuple[str, ...] = ()                # graded by this run
    reused: tuple[str, ...] = ()                # taken from the gradebook
    missing: tuple[str, ...] = ()               # not graded (the run was interrupted)
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
    """Each entry of the folder (a folder, an .ipynb or a .zip) is one submission."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of submissions")
    skip = Path(exclude).resolve() if exclude else None
    entries = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "_")) or (skip and p.resolve() == skip):
            continue
        if p.is_dir() or p.suffix.lower() in (".ipynb", ".zip"):
            entries.append(p)
    names = [submission_name(p) for p in entries]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise UsageError(f"two entries have the same submission name: {', '.join(sorted(dupes))}")
    return entries


def safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_.@" else "_" for ch in name).strip(".")
    return cleaned or "submission"


#: What OUT holds besides the submissions' folders.
RESERVED = frozenset({"grades.csv", "summary.html", "summary.json", "gradebook.sqlite",
                      "gradebook.sqlite-wal", "gradebook.sqlite-shm", "gradebook.sqlite-journal"})


def _folders(names) -> dict[str, str]:
    """A distinct, file-system-safe folder for every submission name (stable: sorted)."""
    taken: dict[str, str] = {}
    used: set[str] = set(RESERVED)
    for name in sorted(names):
        base = safe_name(name)
        folder, k = base, 2
        while folder.lower() in used:
            folder, k = f"{base}-{k}", k + 1
        used.add(folder.lower())
        taken[name] = folder
    return taken


def scan(folder: Path, exclude: Path | None = None) -> list[Submission]:
    entries = find_submissions(folder, exclude)
    folders = _folders(submission_name(p) for p in entries)
    subs = []
    for p in entries:
        name = submission_name(p)
        try:
            h = content_hash(p)
        except OSError as exc:  # unreadable: grade it anyway (it will be reported)
            h = f"unreadable:{name}:{exc.errno}"
        subs.append(Submission(name=name, path=p, content_hash=h, folder=folders[name]))
    return subs


# -- the job a grading process runs --------------------------------------------------------

_READY = False


def _prepare(ignore_sigint: bool = False, replay: bool = True) -> None:
    """Once per grading process: load the assignment, share one sandbox box across its
    submissions where that is supported (:mod:`grader.sandbox.zygote`) and
    (``replay``) pipeline the requests of each check across submissions
    (:mod:`grader.plans`)."""
    global _READY
    if ignore_sigint:  # Ctrl-C is the instructor's process's business
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _READY:
        from . import plans
        from .assignments import get
        from .sandbox import zygote

        get()
        zygote.share_boxes(True)
        if replay:
            plans.install()
        _READY = True


def grade_job(job: dict) -> dict:
    """Grade one submission; plain data in, plain data out. Runs in a grading process
    (or on a Dask worker): ``job`` holds ``name``, ``settings``, ``assignment`` and either
    ``path`` (a shared file system) or ``payload`` = ``[file name, bytes]``."""
    import resource
    import shutil
    import tempfile

    from .assignments import get

    _prepare(replay=job.get("replay", True))
    assignment = get(job.get("assignment", "training"))
    settings = Settings(**job.get("settings", {}))
    t0, cpu0 = time.perf_counter(), time.process_time()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    forked0 = FORKED_CPU[0]
    tmp = None
    try:
        if job.get("payload"):
            filename, data = job["payload"]
            tmp = Path(tempfile.mkdtemp(prefix="grader-job-"))
            path = tmp / filename
            path.write_bytes(data)
        else:
            path = Path(job["path"])
        result = grade_one(path, assignment, settings, name=job["name"])
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"result": result_to_dict(result), "seconds": time.perf_counter() - t0,
            "cpu": time.process_time() - cpu0,  # this grading process
            "sandbox_cpu": (children.ru_utime + children.ru_stime    # its finished workers
                            - children0.ru_utime - children0.ru_stime + FORKED_CPU[0] - forked0),
            "pid": os.getpid(), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def grade_one(path: Path, assignment: Assignment, settings: Settings,
              name: str | None = None) -> SubmissionResult:
    """Grade one submission; an internal error becomes a zero with a message, never a crash."""
    name = name or submission_name(Path(path))
    try:
        return grade(path, assignment, hidden=True, settings=settings, name=name)
    except Exception as exc:  # noqa: BLE001 - one submission must never stop the batch
        msg = f"internal grader error while grading this submission: {type(exc).__name__}: {exc}"
        parts = tuple(PartResult(id=p.id, title=p.title, score=0.0, max_score=p.points, error=msg)
                      for p in assignment.parts)
        return SubmissionResult(name=name, parts=parts, notes=(msg, traceback.format_exc(limit=3)))


def pack(path: Path) -> list:
    """A submission as ``[file name, bytes]`` for a worker that does not share our disk
    (a folder becomes an uncompressed zip of its files)."""
    path = Path(path)
    if not path.is_dir():
        return [path.name, path.read_bytes()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
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
    for attempt in (1, 2):
        retry = []
        pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo))), mp_context=ctx,
                                   initializer=_prepare, initargs=(True, replay))
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
                 replay: bool = True, plots: bool = False) -> BatchResult:
    """Grade every submission in ``submissions`` that the gradebook in ``out`` does not
    already hold (all of them with ``regrade``), write ``grades.csv``, each submission's
    feedback and the class summary.

    ``workers`` grading processes run in parallel (default: the machine's cores); with
    ``dask`` (a scheduler address or a ``distributed.Client``) the cluster grades instead.
    ``replay=False`` turns off the pipelining of requests across submissions (same
    scores, slower).
    ``plots=True`` adds, to feedback.html, each failing optimizer's path next to Keras's.
    """
    settings = settings or Settings()
    workers = workers or default_workers()
    progress = progress or Progress()
    out = Path(out)
    subs = scan(Path(submissions), exclude=out)
    _check_writable(out)
    version = checks_version(settings, assignment.name)
    t0 = time.perf_counter()
    book = Gradebook.in_folder(out)
    try:
        known = set() if regrade else book.known(version)
        groups: dict[str, list[Submission]] = {}
        for s in subs:
            groups.setdefault(s.content_hash, []).append(s)
        due = {h: g for h, g in groups.items() if h not in known}
        reused = [s for h, g in groups.items() if h in known for s in g]
        for h in {s.content_hash for s in reused}:
            book.point([s.name for s in groups[h]], h, version)
        for entry in book.entries(version, names={s.name for s in reused}):
            write_submission(out, entry.result, folder=_folder_of(subs, entry.name))
        jobs = [{"name": g[0].name, "path": str(g[0].path), "hash": h, "settings": asdict(settings),
                 "assignment": assignment.name, "replay": replay} for h, g in due.items()]
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
                        failed.append(reply["error"])  # so that the next run tries again
                        progress.advance(names, _broken(names[0], assignment, reply["error"]), 0.0)
                        continue
                    result = result_from_dict(reply["result"], name=names[0])
                    book.record(job["hash"], version, result, names, seconds=reply.get("seconds"))
                    images = trajectory_images(result, group[0].path) if plots else None
                    for s in group:
                        write_submission(out, _renamed(result, s.name), folder=s.folder,
                                         images=images)
                    graded += names
                    replies.append(reply)
                    progress.advance(names, result, reply.get("seconds", 0.0))
        except KeyboardInterrupt:
            progress.stop()
            finish(out, book, version, subs, assignment)
            raise
        progress.stop()
        results = finish(out, book, version, subs, assignment)
    finally:
        book.close()
    done = {r.name for r in results}
    stats = _stats(replies)
    if failed:
        stats["failures"] = failed
    return BatchResult(out=out, results=tuple(results), graded=tuple(sorted(graded)),
                       reused=tuple(sorted(s.name for s in reused)),
                       missing=tuple(sorted(s.name for s in subs if s.name not in done)),
                       seconds=time.perf_counter() - t0, workers=1 if dask is not None else workers,
                       version=version, stats=stats)


def finish(out: Path, book: Gradebook, version: str, subs, assignment: Assignment):
    """Rebuild ``grades.csv`` and the class summary from the gradebook."""
    from .summary import write_summary

    current = {(s.name, s.content_hash) for s in subs}  # a resubmission not yet graded: absent
    results = [e.result for e in book.entries(version, names={s.name for s in subs})
               if (e.name, e.content_hash) in current]
    atomic_write(out / "grades.csv", grades_csv(results, assignment), durable=True)
    write_summary(out, results, assignment)
    return results


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from None


def _folder_of(subs, name: str) -> str:
    return next(s.folder for s in subs if s.name == name)


def _renamed(result: SubmissionResult, name: str) -> SubmissionResult:
    from dataclasses import replace

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

def trajectory_images(result: SubmissionResult, path: Path) -> dict:
    """PNG plots of each failing optimizer part: the student's path next to Keras's."""
    from .plots import trajectory_png

    images = {}
    for part in result.parts:
        if part.full or part.error:
            continue
        try:
            png = trajectory_png(part, submission=path)
        except Exception:  # noqa: BLE001 - a picture is a bonus, never a reason to fail
            png = None
        if png:
            images[part.id] = png
    return images


def write_submission(out: Path, result: SubmissionResult, folder: str | None = None,
                     images: dict | None = None) -> None:
    from .report_html import feedback_page

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
        w.writerow([r.name, *(_fmt(scores.get(pid, 0.0)) for pid in assignment.part_ids),
                    _fmt(r.score)])
    return buf.getvalue()


def _fmt(x: float) -> str:
    x = round(float(x), 4)
    return str(int(x)) if x == int(x) else f"{x:g}"


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
