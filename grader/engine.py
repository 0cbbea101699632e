"""The engine: grade one submission on the parts of one assignment.

Student code runs only in the sandboxed worker; every score is computed here, from
plain data, by the checks of the assignment.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import pipelining
from .declaration import Assignment, Part
from .checking import Context, Settings
from .errors import Failure, SubmissionError
from .loading import open_submission, submission_name
from .results import CheckResult, PartResult, SubmissionResult, clean_result
from .sandbox.runner import BUDGET_USED_UP, STOPPED, CallFailed, Limits, Sandbox


def grade(path, assignment: Assignment, *, parts=None, hidden: bool = False,
          settings: Settings | None = None, limits: Limits | None = None,
          name: str | None = None) -> SubmissionResult:
    """Grade the submission at ``path`` (folder, .ipynb or .zip).

    Never raises for a broken submission: what cannot be graded scores 0 with a
    message saying why.
    """
    settings = settings or Settings()
    path = Path(path)
    selected = [assignment.part(p) for p in parts] if parts else list(assignment.parts)
    name = name or submission_name(path)
    folder = None
    _sweep_once()
    try:
        with open_submission(path, assignment.modules) as (folder, notes):
            extra = [HIDDEN_NOTE] if not hidden and any(
                c.hidden for p in selected for c in p.checks) else []
            if not any((folder / f"{p.module}.py").is_file() for p in selected):
                result = _nothing_to_grade(folder, assignment, selected, hidden, name, notes)
            else:
                with Sandbox(folder, assignment.modules, limits or Limits(),
                             **assignment.sandbox_options()) as sandbox:
                    _set_budgets(sandbox, assignment, selected)
                    result = _grade_in(sandbox, assignment, selected, hidden, settings, name, notes)
            if extra:
                result = replace(result, notes=(*result.notes, *extra))
            return clean_result(result, folder)
    except SubmissionError as exc:
        msg = f"the submission could not be read: {exc}"
        return clean_result(SubmissionResult(name=name, notes=(msg,), parts=tuple(
            _zero(p, hidden, msg) for p in selected)), folder)


def _set_budgets(sandbox, assignment: Assignment, selected) -> None:
    """Each function's time budget, and the whole submission's, from the evidence
    recorded with the assignment (see :mod:`grader.budgets`); the sandbox's Limits are
    the ceilings, and what applies where nothing is recorded."""
    from . import budgets

    lim = sandbox.limits
    sandbox.budgets = budgets.budgets_of(assignment, selected, lim.call_seconds)
    sandbox.submission_seconds = budgets.submission_seconds(assignment.name, selected,
                                                            lim.submission_seconds)


_PREFETCHED: set = set()


def _prefetch(assignment: Assignment, selected, hidden: bool):
    """Read the recorded data of the selected parts (reference cases, property examples)
    in a thread while the worker starts (it waits on the worker's process: the two
    overlap); once per process and part. Returns the thread to join, or None. What
    cannot be read is left for the check that needs it to report."""
    wanted = [(p.id, h) for p in selected for h in ((False, True) if hidden else (False,))
              if (assignment.name, p.id, h) not in _PREFETCHED]
    if not wanted:
        return None
    _PREFETCHED.update((assignment.name, pid, h) for pid, h in wanted)

    def read():
        from . import examples_data
        from .reference import load_cases

        for pid, h in wanted:
            for load in (load_cases, examples_data.load):
                try:
                    load(assignment.name, pid, h)
                except Exception:  # noqa: BLE001 - reported by the check that reads it
                    pass
    import threading

    thread = threading.Thread(target=read, name="grader-prefetch", daemon=True)
    thread.start()
    return thread


_SWEPT: list = []


def _sweep_once() -> None:
    """Once per process: remove the temporary folders (copies of students' code) that
    killed grader processes left behind (see :mod:`grader.tmpdirs`)."""
    if not _SWEPT:
        from . import tmpdirs

        _SWEPT.append(tmpdirs.sweep())


#: Said once by ``grader check`` (public checks only): why ``grade`` may give less.
HIDDEN_NOTE = ("these are the public checks only: your final grade also counts hidden checks "
               "of the same parts, so it can be lower than this score")

#: The start of the note on a submission that holds no module of the assignment.
NOTHING = "nothing to grade"


def _nothing_to_grade(folder: Path, assignment, selected, hidden, name, notes) -> SubmissionResult:
    """A submission without any module of the selected parts: said plainly, once, with
    what it does hold, instead of one "not found" per part."""
    problems = getattr(notes, "modules", {})
    if problems:  # modules that are there but cannot be read: each part says why
        return SubmissionResult(name=name, notes=tuple(notes), parts=tuple(
            _zero(p, hidden, problems.get(p.module) or f"{p.module}.py not found in the submission")
            for p in selected))
    wanted = sorted({f"{p.module}.py" for p in selected})
    msg = (f"{NOTHING}: the submission holds none of the assignment's modules "
           f"({', '.join(wanted)}); check that the right files were submitted")
    return SubmissionResult(name=name, notes=(*notes, msg), parts=tuple(
        _zero(p, hidden, f"{p.module}.py not found in the submission") for p in selected))


def _zero(part: Part, hidden: bool, message: str) -> PartResult:
    checks = tuple(CheckResult(name=c.name, passed=False, points=0.0, max_points=w, message=message,
                               hidden=c.hidden)
                   for c, w in zip(part.selected(hidden), _weights(part, hidden)))
    return PartResult(id=part.id, title=part.title, score=0.0, max_score=part.points,
                      checks=checks, error=message)


def _weights(part: Part, hidden: bool) -> list[float]:
    checks = part.selected(hidden)
    total = sum(c.weight for c in checks) or 1.0
    return [part.points * c.weight / total for c in checks]


def _grade_in(sandbox, assignment, selected, hidden, settings, name, notes) -> SubmissionResult:
    notes_in, notes = notes, list(notes)
    if sandbox.note:  # the fallback runner was used: say so once, plainly
        notes.append(sandbox.note)
    prefetch = _prefetch(assignment, selected, hidden)
    try:
        report = sandbox.start()
    except CallFailed as exc:
        if prefetch is not None:
            prefetch.join()
        msg = f"importing your modules failed: {exc.message}"
        return SubmissionResult(name=name, notes=(*notes, msg), output=sandbox.output,
                                parts=tuple(_zero(p, hidden, msg) for p in selected))
    if prefetch is not None:
        prefetch.join()
    unreadable = getattr(notes_in, "modules", {})
    # Public checks first, part by part, each part's diagnosis (probes) and picture right
    # after its public checks; the hidden checks of every part last. Once a hidden check
    # has run, the student's code may know its inputs: nothing it does after that may
    # reach what a student reads (a later check's message, a diagnosis, a picture).
    graded, zeros = [], {}
    for part in selected:
        problem = unreadable.get(part.module) or _unavailable(
            part, report.get(part.module, {"status": "missing"}))
        if problem:
            zeros[part.id] = _zero(part, hidden, problem)
            continue
        ctx = Context(sandbox, assignment, part, settings)
        pairs = list(zip(part.selected(hidden), _weights(part, hidden), strict=True))
        done = {i: _run_check(ctx, check, weight)
                for i, (check, weight) in enumerate(pairs) if not check.hidden}
        probed, plot = _aside(sandbox, ctx, part, list(done.values()), settings)
        graded.append((part, ctx, pairs, done, probed, plot))
    # (what the student reads of the restarts counts those before the hidden checks: a
    # crash chosen by a hidden input would otherwise tell "crashed" from "wrong value")
    restarts = sandbox.restarts
    for part, ctx, pairs, done, _, _ in graded:
        for i, (check, weight) in enumerate(pairs):
            if check.hidden:
                done[i] = _run_check(ctx, check, weight)
    from .diagnosis import explain  # known mistakes and ignored arguments, named

    by_id = {}
    for part, ctx, pairs, done, probed, plot in graded:
        checks = list(explain(ctx, part, [done[i] for i in range(len(pairs))], probed))
        score = round(sum(c.points for c in checks), 6)
        error = ""
        if checks and all(not c.passed and "NotImplementedError" in c.message for c in checks):
            verb = "raises" if len(part.names) == 1 else "raise"
            error = (f"not implemented yet ({', '.join(f'`{n}`' for n in part.names)} {verb} "
                     "NotImplementedError)")
        by_id[part.id] = PartResult(id=part.id, title=part.title, score=score,
                                    max_score=part.points, checks=tuple(checks), error=error,
                                    plot=plot if not error else None)
    results = [by_id.get(p.id) or zeros[p.id] for p in selected]
    if restarts:
        notes.append(f"your code's process was restarted {restarts} time(s) "
                     "after a crash or a timeout")
    return SubmissionResult(name=name, parts=tuple(results), notes=tuple(notes),
                            output=sandbox.output)


def _aside(sandbox, ctx, part, public, settings):
    """The part's ignored-argument probes (when a public check failed) and its picture's
    data (``Settings.plots``), run right after its public checks, before any hidden
    check, with the sandbox's :meth:`~grader.sandbox.runner.Sandbox.aside`: whatever
    their calls do (hang, crash, use time) changes no grade. ``(probed, plot)``."""
    from .diagnosis import probe
    from .plots import plain

    probed = plot = None
    with sandbox.aside():
        try:
            probed = probe(ctx, part, public)
        except CallFailed:
            probed = None
        if settings.plots and part.plot is not None:
            try:
                plot = plain(part.plot(ctx, tuple(public)))
            except Exception:  # noqa: BLE001 - a picture never fails a grade
                plot = None
    return probed, plot or None


def _unavailable(part: Part, info: dict) -> str:
    module = f"{part.module}.py"
    status = info.get("status")
    if status == "missing":
        return f"{module} not found in the submission"
    if status == "forbidden":
        return (f"{module} imports {', '.join(info.get('forbidden') or ['a forbidden module'])}: "
                "only numpy (and the standard library) may be used")
    if status == "error":
        trace = info.get("trace", "").rstrip()
        return f"{module} could not be imported: {info.get('error')}" + (f"\n{trace}" if trace else "")
    names = info.get("names", {})
    missing = [n for n in part.names if n not in names]
    if missing:
        return f"{', '.join(f'`{n}`' for n in missing)} not found in {module}"
    wrong = [n for n in part.names if names.get(n) not in ("callable", "class")]
    if wrong:
        return f"{', '.join(f'`{n}`' for n in wrong)} in {module} is not a function or class"
    return ""


def _run_check(ctx: Context, check, weight: float) -> CheckResult:
    with pipelining.Planned(ctx.sandbox, pipelining.key(ctx.assignment, ctx.part, check, ctx.settings)) as planned:
        result = _check_result(ctx, check, weight)
        planned.passed = result.passed
    return result


def _check_result(ctx: Context, check, weight: float) -> CheckResult:
    base = dict(name=check.name, max_points=weight, hidden=check.hidden)
    try:
        note = check.run(ctx)
    except Failure as f:
        if STOPPED in f.message or BUDGET_USED_UP in f.message:
            # nothing ran: no example, no mistake named
            f.example, f.diagnosis, f.hint = None, "", ""
        return CheckResult(passed=False, points=0.0, message=f.message, example=f.example,
                           diagnosis=f.diagnosis, hint=f.hint or check.hints.get(f.diagnosis, ""),
                           **base)
    except CallFailed as exc:
        from .checking import failed_call
        f = failed_call(exc, "your code")
        return CheckResult(passed=False, points=0.0, message=f.message, **base)
    return CheckResult(passed=True, points=weight, message="passed", note=note or "", **base)
