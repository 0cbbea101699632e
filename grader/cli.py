"""The ``grader`` command. Thin: parse arguments, call one function, render, exit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import GraderError, UsageError


def _assignment():
    from .assignments import get

    return get()


def _fail_usage(msg: str):
    click.echo(f"grader: error: {msg}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
def main():
    """Auto-grader for the "training techniques" assignment."""


@main.command()
@click.argument("parts", nargs=-1)
@click.option("--path", "path", type=click.Path(path_type=Path), default=Path("assignments"),
              show_default=True, help="Your work: a folder, an .ipynb or a .zip.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the checks that passed.")
@click.option("--max-examples", type=click.IntRange(1, 10000), default=None,
              help="Hypothesis examples per property check (default: the grader's budget).")
def check(parts, path, as_json, verbose, max_examples):
    """Check your work on the public checks of PARTS (default: all parts)."""
    from .checking import Settings
    from .engine import grade
    from .report import render_terminal, to_json

    assignment = _assignment()
    unknown = [p for p in parts if p not in assignment.part_ids]
    if unknown:
        _fail_usage(f"unknown part {', '.join(unknown)} (parts: {', '.join(assignment.part_ids)})")
    if not path.exists():
        _fail_usage(f"{path} does not exist (use --path to point at your work)")
    settings = Settings() if max_examples is None else Settings(max_examples=max_examples)
    result = grade(path, assignment, parts=list(parts) or None, hidden=False, settings=settings)
    if as_json:
        click.echo(to_json(result))
    else:
        render_terminal(result, verbose=verbose)
    sys.exit(0 if all(p.full for p in result.parts) else 1)


@main.command("grade")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for grades.csv and the per-submission feedback.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Parallel workers (default: the number of cores).")
def grade_cmd(submissions, out, workers):
    """Grade every submission in SUBMISSIONS (public and hidden checks)."""
    from rich.console import Console

    from .batch import grade_folder

    console = Console(stderr=True)
    try:
        def progress(result):
            console.print(f"  {result.name}: {result.score:g} / {result.max_score:g}")
        batch = grade_folder(submissions, out, _assignment(), progress=progress)
    except UsageError as exc:
        _fail_usage(str(exc))
    n = len(batch.results)
    mean = sum(r.score for r in batch.results) / n if n else 0.0
    console.print(f"graded {n} submission(s), mean {mean:.1f}; wrote {batch.out / 'grades.csv'}")


@main.command()
@click.option("--check", "check_only", is_flag=True, help="Only report drift; exit 1 if any.")
@click.option("--root", type=click.Path(path_type=Path), default=None,
              help="Project folder holding solutions/ and assignments/.")
def stubs(check_only, root):
    """Regenerate assignments/ (the students' stubs) from solutions/."""
    from .authoring.stubs import generate

    root = root or _assignment().root
    changed = generate(root / "solutions", root / "assignments", check=check_only)
    if check_only:
        if changed:
            click.echo(f"out of date: {', '.join(changed)} (run `grader stubs`)")
            sys.exit(1)
        click.echo("assignments/ is up to date")
    else:
        click.echo(f"wrote {len(changed)} file(s)" + (f": {', '.join(changed)}" if changed else ""))


@main.command()
@click.argument("parts", nargs=-1)
def record(parts):
    """Record TensorFlow's reference outputs (needs TensorFlow)."""
    try:
        from .authoring.record import record as do_record
    except ImportError as exc:  # pragma: no cover - depends on the environment
        _fail_usage(f"recording needs the instructor tools and TensorFlow: {exc}")
    do_record(parts=list(parts) or None, log=click.echo)


@main.command("parts")
def list_parts():
    """List the parts, their names and points."""
    for p in _assignment().parts:
        click.echo(f"{p.id:22s} {p.points:>3g}  {p.module}.py: {', '.join(p.names)}")


def run():  # pragma: no cover
    try:
        main(standalone_mode=True)
    except GraderError as exc:
        _fail_usage(str(exc))


if __name__ == "__main__":  # pragma: no cover
    main()
