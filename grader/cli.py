"""The ``grader`` command. Thin: parse arguments, call one function, render, exit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import UsageError, UserError


def _assignment(ref=None, near: Path | None = None):
    """The assignment a command works on: ``ref`` (``--assignment``: a registered name or
    the folder of an assignment package) when given; else the one whose modules are in
    ``near`` (a folder the command was pointed at), else the one whose stubs are in the
    current folder (its modules, or ``assignments/<name>/``), else the first registered.
    An unknown name is a usage error listing the known ones."""
    from .assignments import detect, get

    if ref is not None:
        return get(ref)
    if near is not None and Path(near).is_dir():
        found = detect(near)
        if any((Path(near) / f"{m}.py").is_file() for m in found.modules):
            return found
    return detect()


def assignment_option(f):
    """``--assignment NAME|PATH``, taken by every command."""
    return click.option(
        "--assignment", "assignment_ref", metavar="NAME|PATH", default=None,
        help="The assignment: a name listed by `grader assignments`, or the folder of an "
             "assignment package kept elsewhere. Default: the one whose files are in the "
             "current folder, else the first one listed.")(f)


def _default_path(assignment) -> Path:
    """Where `grader check` looks for the student's work when not told: the assignment's
    stubs folder ``assignments/<name>/``, else the current folder when it holds the
    assignment's modules, else ``assignments/`` (a bundle, or the older layout)."""
    own = Path("assignments") / assignment.name
    if own.is_dir():
        return own
    if any(Path(f"{m}.py").is_file() for m in assignment.modules):
        return Path(".")
    if Path("assignments").is_dir():
        return Path("assignments")
    modules = ", ".join(f"{m}.py" for m in assignment.modules)
    _fail_usage(f"no work of the assignment {assignment.name!r} here: no assignments/{assignment.name}/ "
                f"folder and none of {modules} in this folder (run from your assignment's folder, "
                "or use --path to point at your work)")


def _fail_usage(msg: str):
    click.echo(f"grader: error: {msg}", err=True)
    sys.exit(2)


def _sandbox_mode(*, grading: bool = False, allow_unisolated: bool = False) -> str:
    """The sandbox runner this machine will use (``$GRADER_SANDBOX``), checked before
    anything is graded: a bad value, or ``bwrap`` where bubblewrap cannot run, is a
    usage error; so is ``grade`` with no operating-system isolation, unless allowed."""
    import os

    from .sandbox import isolation
    from .sandbox.runner import Limits, SandboxUnavailable, choose_runner, runner_isolated

    try:
        mode, _why = choose_runner(Limits())
    except ValueError:
        _fail_usage(f"{isolation.RUNNER_ENV}={os.environ.get(isolation.RUNNER_ENV, '')!r} is not "
                    f"a sandbox runner (use {', '.join(isolation.RUNNERS)})")
    except SandboxUnavailable as exc:
        _fail_usage(f"{isolation.RUNNER_ENV}=bwrap, but {exc}")
    if grading and not allow_unisolated and not runner_isolated(mode):
        _fail_usage("refusing to grade: students' code would run without operating-system "
                    "isolation (bubblewrap cannot run here, this kernel has no Landlock ABI 6, "
                    "and without root the basic sandbox cannot switch to an unprivileged user); "
                    "install bubblewrap, run as root, or pass --allow-unisolated to accept that "
                    "(see SECURITY.md)")
    return mode


def _probe_early() -> None:
    """Start finding out whether bubblewrap can run here (it starts a worker) in a thread,
    while the assignment is imported; :func:`_sandbox_mode` then waits for the answer
    (cached per process). Nothing is decided differently, only sooner."""
    import threading

    from .sandbox import isolation

    try:
        if isolation.requested_runner(None) == "fallback":
            return
    except ValueError:
        return  # (said by _sandbox_mode)
    from .sandbox.runner import bwrap_status

    threading.Thread(target=bwrap_status, name="grader-probe").start()


def _keep_private(out: Path, submissions: Path, mode: str) -> None:
    """As root: OUT is made readable by root only (the workers run as other users), and
    what an unprivileged worker of the basic sandbox could still read is named."""
    import os

    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        os.chmod(out, os.stat(out).st_mode & 0o700)
    except OSError:
        return  # (reported by the batch as a folder it cannot write)
    from .sandbox import isolation, runner_choice

    if mode != "fallback" or (runner_choice.LANDLOCK and isolation.landlock_abi() >= 1):
        return  # (bubblewrap, or Landlock: the worker cannot open them anyway)

    open_to_all = isolation.exposed([*isolation.private_dirs(), submissions])
    if open_to_all:
        click.echo("grader: warning: every user of this machine can read "
                   f"{', '.join(open_to_all)}, and so can native code in students' submissions "
                   "under the basic sandbox: make them private (chmod o-rwx, e.g. on the "
                   "project folder) or install bubblewrap", err=True)


#: Exit status when the grader itself fails (not the student's code, not the user).
INTERNAL_ERROR = 3


class _Group(click.Group):
    """The command group: a user error (:class:`~grader.errors.UserError`) raised
    anywhere below is one line and exit status 2; a failure of the grader itself is one
    line and exit status 3 (``GRADER_DEBUG=1`` shows the traceback). Never a traceback
    for the user to read."""

    def invoke(self, ctx):
        import os

        try:
            return super().invoke(ctx)
        except UserError as exc:
            _fail_usage(str(exc))
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt,
                SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the edge: one line, never a traceback
            if os.environ.get("GRADER_DEBUG"):
                raise
            text = " ".join(str(exc).split())[:300]
            click.echo(f"grader: internal error: {type(exc).__name__}: {text} (this is the "
                       "grader's fault, not yours: please report it; GRADER_DEBUG=1 shows the "
                       "details)", err=True)
            sys.exit(INTERNAL_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
def main():
    """Auto-grader for the course's assignments (`grader assignments` lists them)."""


@main.command("assignments")
@assignment_option
def list_assignments(assignment_ref):
    """List the assignments: name, title, parts and points (* marks the default here;
    with --assignment PATH, that package too)."""
    from .assignments import all_assignments

    default = _assignment(assignment_ref)
    known = all_assignments()
    if all(a.name != default.name for a in known):
        known = (*known, default)
    width = max(len(a.name) for a in known) if known else 0
    for a in known:
        mark = "*" if a.name == default.name else " "
        click.echo(f"{mark} {a.name:{width}s}  {a.title}: {len(a.parts)} parts, "
                   f"{sum(p.points for p in a.parts):g} points ({', '.join(a.part_ids)})")


@main.command()
@click.argument("parts", nargs=-1)
@assignment_option
@click.option("--path", "path", type=click.Path(path_type=Path), default=None,
              help="Your work: a folder, an .ipynb or a .zip (default: assignments/<name>/, "
                   "else this folder when it holds the assignment's modules, else assignments/).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the checks that passed.")
@click.option("--max-examples", type=click.IntRange(1, 10000), default=None,
              help="Recorded examples per property check (default and at most: 25; "
                   "fewer is faster and less thorough).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="Language of the feedback: en (English) or ko (Korean, 한국어).")
def check(parts, assignment_ref, path, as_json, verbose, max_examples, lang):
    """Check your work on the public checks of PARTS (default: all parts)."""
    _probe_early()
    from .checking import Settings
    from .engine import grade
    from .report import render_terminal, to_json

    assignment = _assignment(assignment_ref, near=path)
    _known_parts(assignment, parts)
    if path is None:
        path = _default_path(assignment)
    elif not path.exists():
        _fail_usage(f"{path} does not exist")
    _sandbox_mode()
    settings = Settings(lang=lang) if max_examples is None else Settings(max_examples=max_examples,
                                                                         lang=lang)
    result = grade(path, assignment, parts=list(parts) or None, hidden=False, settings=settings)
    if as_json:
        from .i18n import localize
        click.echo(to_json(localize(result, lang)))
    else:
        from dataclasses import replace

        # headed by the assignment and the work as given ("." or a folder called
        # assignments/ alone would say nothing)
        render_terminal(replace(result, name=f"{assignment.name} ({path})"), verbose=verbose,
                        lang=lang)
    sys.exit(0 if all(p.full for p in result.parts) else 1)


def _known_parts(assignment, parts) -> None:
    unknown = [p for p in parts if p not in assignment.part_ids]
    if unknown:
        _fail_usage(f"unknown part {', '.join(unknown)} of {assignment.name} "
                    f"(parts: {', '.join(assignment.part_ids)})")


@main.command("grade")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.argument("parts", nargs=-1)
@assignment_option
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for the gradebook, grades.csv, the feedback and the class summary.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Grading processes in parallel (default: the number of cores).")
@click.option("--regrade", is_flag=True,
              help="Grade every submission again, even those the gradebook already holds.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Grade on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786).")
@click.option("--max-examples", type=click.IntRange(1, 10000), default=None,
              help="Recorded examples per property check (default and at most: 25; "
                   "fewer is faster and less thorough).")
@click.option("--no-progress", is_flag=True, help="No progress bar (e.g. in a log file).")
@click.option("--plots", is_flag=True,
              help="In feedback.html, the pictures the assignment draws of a failing part "
                   "(their data is made while grading; a picture never changes a score).")
@click.option("--allow-unisolated", is_flag=True,
              help="Grade even where students' code would run without operating-system "
                   "isolation (no bubblewrap, not root, no Landlock ABI 6: see SECURITY.md).")
def grade_cmd(submissions, parts, assignment_ref, out, workers, regrade, dask_address, max_examples,
              no_progress, plots, allow_unisolated):
    """Grade every submission in SUBMISSIONS on PARTS (default: all; public and hidden checks).

    Each entry of SUBMISSIONS (a folder, an .ipynb or a .zip) is one submission.
    grades.csv has a column for each part graded. A gradebook (OUT) holds one
    assignment and one selection of parts: grade others into another OUT.
    Results are kept in OUT/gradebook.sqlite as each one finishes: run the same
    command again after an interruption, or when new submissions arrive, and only
    what is missing is graded."""
    from rich.console import Console

    from .batch import grade_folder
    from .checking import Settings

    assignment = _assignment(assignment_ref)
    _known_parts(assignment, parts)
    # (with --dask the cluster's machines run the students' code: only the setting is checked)
    mode = _sandbox_mode(grading=not dask_address, allow_unisolated=allow_unisolated)
    _keep_private(out, submissions, mode)
    console = Console(stderr=True)
    settings = Settings() if max_examples is None else Settings(max_examples=max_examples)
    progress = _BatchProgress(console, enabled=not no_progress)
    try:
        batch = grade_folder(submissions, out, assignment, settings=settings, workers=workers,
                             regrade=regrade, dask=dask_address, progress=progress, plots=plots,
                             parts=list(parts) or None)
    except UsageError as exc:
        _fail_usage(str(exc))
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted[/]: every finished submission is in {out / 'gradebook.sqlite'}; "
                      "run the same command again to grade the rest")
        sys.exit(130)
    n = len(batch.results)
    mean = sum(r.score for r in batch.results) / n if n else 0.0
    maximum = batch.results[0].max_score if n else 0.0
    rate = len(batch.graded) / batch.seconds if batch.seconds and batch.graded else 0.0
    where = f"on {dask_address}" if dask_address else f"with {batch.workers} worker(s)"
    console.print(
        f"graded {len(batch.graded)} submission(s) of {assignment.name} in {batch.seconds:.1f} s {where}"
        + (f" ({rate:.2f}/s)" if rate else "")
        + f", {len(batch.reused)} already in the gradebook; {n} in all, mean {mean:.1f} / {maximum:g}. "
        f"Wrote {batch.out / 'grades.csv'} and {batch.out / 'summary.html'}",
        soft_wrap=True)  # one line, whatever the width: logs and scripts read it
    if batch.empty:  # graded 0: they hold no module of the assignment
        console.print(f"[yellow]nothing to grade[/] (no module of the assignment {assignment.name!r}: "
                      f"is it the right --assignment?) in: {', '.join(batch.empty)}", soft_wrap=True)
    if batch.missing:  # the grader itself failed on these (not the students): try again
        from rich.markup import escape
        console.print(f"[red]not graded[/] (the grader failed on them; nothing was recorded): "
                      f"{', '.join(batch.missing)}; {escape(batch.stats.get('failures', [''])[0])}. "
                      "Run the same command again.")
        sys.exit(1)


class _BatchProgress:
    """A rich progress bar: done / total, submissions per second, ETA, last score."""

    def __init__(self, console, enabled: bool = True):
        self.console, self.enabled, self.bar = console, enabled, None

    def start(self, total, reused):
        if reused:
            self.console.print(f"{reused} submission(s) already graded (gradebook); {total} to grade")
        if not self.enabled or not total:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                            TextColumn("ETA"), TimeRemainingColumn(),
                            TextColumn("[dim]{task.fields[last]}"), console=self.console)
        self.task = self.bar.add_task("grading", total=total, rate="", last="")
        self.bar.start()

    def advance(self, names, result, seconds):
        if self.bar is None:
            if not self.enabled:
                self.console.print(f"  {', '.join(names)}: {round(result.score, 2):g} / {result.max_score:g}")
            return
        self.bar.advance(self.task, len(names))
        task = self.bar.tasks[0]
        rate = task.completed / task.elapsed if task.elapsed else 0.0
        self.bar.update(self.task, rate=f"{rate:.2f}/s",
                        last=f"{names[0]}: {round(result.score, 2):g}/{result.max_score:g}")

    def stop(self):
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@assignment_option
@click.option("--force", is_flag=True, help="Replace OUT_DIR even if it is not an earlier bundle.")
def release(out_dir, assignment_ref, force):
    """Build the student bundle of one assignment in OUT_DIR: its stubs and notebook, its
    contract, the grader with that assignment only, without the instructor's tools,
    solutions or hidden reference cases."""
    from .release import build_release

    assignment = _assignment(assignment_ref)
    info = build_release(out_dir, assignment, force=force)
    click.echo(f"wrote {out_dir} ({assignment.name}): {info['files']} files; checked: no solution "
               "code, no authoring/, no hidden reference cases")


@main.command()
@click.argument("zip_path", metavar="OUT.zip", type=click.Path(path_type=Path))
@assignment_option
def gradescope(zip_path, assignment_ref):
    """Build the Gradescope autograder zip of one assignment (setup.sh, run_autograder,
    requirements, the grader with that assignment and its hidden reference cases)."""
    from .gradescope import build_autograder

    assignment = _assignment(assignment_ref)
    info = build_autograder(zip_path, assignment)
    click.echo(f"wrote {zip_path} ({assignment.name}; {info['files']} files; requirements: "
               f"{', '.join(info['requirements'])})")


@main.command("gradescope-run")
@assignment_option
@click.option("--root", type=click.Path(path_type=Path), default=None,
              help="The autograder folder (default: $GRADER_AUTOGRADER_ROOT or /autograder).")
@click.option("--max-examples", type=click.IntRange(1, 10000), default=None,
              help="Recorded examples per property check (default and at most: 25; "
                   "fewer is faster and less thorough).")
def gradescope_run(assignment_ref, root, max_examples):
    """Inside Gradescope: grade ROOT/submission, write ROOT/results/results.json."""
    from .checking import Settings
    from .gradescope import run_autograder

    settings = Settings() if max_examples is None else Settings(max_examples=max_examples)
    _sandbox_mode()
    result = run_autograder(root, settings=settings, assignment=assignment_ref)
    click.echo(f"{result['score']:g} points; wrote results.json")


@main.command()
@assignment_option
@click.option("--check", "check_only", is_flag=True, help="Only report drift; exit 1 if any.")
@click.option("--root", type=click.Path(path_type=Path), default=None,
              help="Project folder holding solutions/<name>/ and assignments/<name>/ "
                   "(default: the assignment's own).")
def stubs(assignment_ref, check_only, root):
    """Regenerate assignments/<name>/ (the students' stubs and notebook) from solutions/<name>/."""
    try:
        from .authoring.stubs import generate
    except ImportError:
        _fail_usage("`grader stubs` is an instructor command: this copy of the grader has no "
                    "instructor tools (grader/authoring) and no solutions")
    from dataclasses import replace

    assignment = _assignment(assignment_ref)
    if root is not None:
        assignment = replace(assignment, root=root)
    if not assignment.solutions_dir.is_dir():
        _fail_usage(f"no {assignment.solutions_dir} folder: the solutions of {assignment.name} "
                    "are not here" + ("" if root is not None else " (use --root)"))
    changed = generate(assignment, assignment.stubs_dir, check=check_only)
    where = f"assignments/{assignment.name}/"
    if check_only:
        if changed:
            from .assignments import ref_of

            click.echo(f"out of date: {', '.join(changed)} (run `grader stubs --assignment "
                       f"{ref_of(assignment)}`)")
            sys.exit(1)
        click.echo(f"{where} is up to date")
    else:
        click.echo(f"wrote {len(changed)} file(s) in {where}" + (f": {', '.join(changed)}" if changed else ""))


@main.command()
@click.argument("parts", nargs=-1)
@assignment_option
@click.option("--examples", "examples_only", is_flag=True,
              help="Only what derives from the property checks' examples and the time budgets "
                   "(no reference framework needed).")
def record(parts, assignment_ref, examples_only):
    """Record the reference outputs of PARTS (default: all; needs the framework the
    assignment's reference comes from), the property checks' examples and the time budgets."""
    try:
        from .authoring.record import record as do_record
    except ImportError as exc:  # pragma: no cover - depends on the environment
        _fail_usage(f"recording needs the instructor tools: {exc}")
    assignment = _assignment(assignment_ref)
    _known_parts(assignment, parts)
    try:
        do_record(assignment=assignment.name, parts=list(parts) or None, log=click.echo,
                  examples_only=examples_only)
    except ImportError as exc:
        _fail_usage(f"recording {assignment.name} needs what its recorders import (see the "
                    f"assignment's authoring/ and the project's optional dependencies): {exc}")


@main.command("parts")
@assignment_option
def list_parts(assignment_ref):
    """List the parts of the assignment, their names and points."""
    assignment = _assignment(assignment_ref)
    click.echo(f"{assignment.name}: {assignment.title}")
    for p in assignment.parts:
        click.echo(f"{p.id:22s} {p.points:>3g}  {p.module}.py: {', '.join(p.names)}")


#: What the student edition (the bundle of `grader release`) offers: grading a class,
#: recording, building releases and autograders need the instructor's grader.
STUDENT_COMMANDS = ("check", "parts", "assignments")


def _student_edition() -> bool:
    try:
        from ._edition import EDITION
    except ImportError:
        return False
    return EDITION == "student"


if _student_edition():
    for _name in [n for n in main.commands if n not in STUDENT_COMMANDS]:
        del main.commands[_name]
    main.help = "Check your work on the assignment (student edition)."


if __name__ == "__main__":  # pragma: no cover
    main()
