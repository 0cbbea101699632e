"""Renderers: every view of a result reads the same records (results.py)."""

from __future__ import annotations

import json

from .results import CheckResult, PartResult, SubmissionResult


def _num(x: float):
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


# -- terminal -----------------------------------------------------------------------------

def render_terminal(result: SubmissionResult, console=None, verbose: bool = False,
                    lang: str = "en") -> None:
    """A readable report: one table row per part, then each failure with its example.
    ``lang="ko"`` gives the words, check names and hints in Korean (see i18n.py)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .i18n import label, localize

    def L(text):  # noqa: N802 - a renderer's fixed word in the chosen language
        return label(text, lang)

    result = localize(result, lang)
    console = console or Console()
    for note in result.notes:
        console.print(f"[yellow]{L('note')}:[/] {escape(note)}")
    table = Table(title=f"{result.name}: {_num(result.score)} / {_num(result.max_score)}",
                  title_justify="left")
    table.add_column(L("part"))
    table.add_column(L("points"), justify="right")
    table.add_column(L("checks"))
    for part in result.parts:
        passed = sum(c.passed for c in part.checks)
        colour = "green" if part.full else ("red" if part.score == 0 else "yellow")
        status = f"{passed}/{len(part.checks)} {L('passed')}" if not part.error else escape(part.error.splitlines()[0])
        table.add_row(part.id, f"[{colour}]{_num(part.score)} / {_num(part.max_score)}[/]", status)
    console.print(table)
    for part in result.parts:
        failures = [c for c in part.checks if not c.passed]
        notes = [c for c in part.checks if c.passed and c.note]
        if part.error:
            if "\n" in part.error:  # the table showed the first line; here comes the rest
                console.print(f"\n[bold]{part.id}[/]: [red]{escape(part.error)}[/]")
            continue
        if not failures and not notes and not verbose:
            continue
        console.print(f"\n[bold]{part.id}[/] ({escape(part.title)})")
        for c in part.checks:
            if c.passed and not (verbose or c.note):
                continue
            mark = f"[green]{L('PASS')}[/]" if c.passed else f"[red]{L('FAIL')}[/]"
            console.print(f"  {mark} {escape(c.name)}")
            if c.note:
                console.print(f"       [cyan]{L('note')}:[/] {escape(c.note)}")
            if not c.passed:
                console.print(f"       {escape(c.message)}")
                if c.example:
                    _example(console, c, lang)
                if c.hint:
                    console.print(f"       [magenta]{L('hint')}:[/] {escape(c.hint)}")


def _example(console, c: CheckResult, lang: str = "en") -> None:
    from rich.markup import escape

    from .i18n import label as L

    ex = c.example
    console.print(f"       [dim]{L('smallest failing example', lang)}:[/]")
    for label, text in (("input", ex.inputs), ("expected", ex.expected), ("got", ex.got),
                        ("error", ex.error)):
        if text:
            body = str(text).replace("\n", "\n" + " " * 18)
            console.print(f"         {L(label, lang):>8}: {escape(body)}")


# -- JSON (grader check --json) -------------------------------------------------------------

def to_json(result: SubmissionResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)


# -- Gradescope results.json --------------------------------------------------------------

def _check_output(c: CheckResult) -> str:
    lines = [c.message if not c.passed else "passed"]
    if c.note:
        lines.append(f"note: {c.note}")
    if c.example and not c.passed:
        ex = c.example
        lines.append("smallest failing example:")
        for label, text in (("input", ex.inputs), ("expected", ex.expected), ("got", ex.got),
                            ("error", ex.error)):
            if text:
                lines.append(f"  {label}: {text}")
    if c.hint:
        lines.append(f"hint: {c.hint}")
    return "\n".join(lines)


def to_gradescope(result: SubmissionResult) -> dict:
    """Gradescope's autograder results format."""
    tests = []
    for part in result.parts:
        for c in part.checks:
            tests.append({
                "name": f"{part.id}: {c.name}",
                "score": round(c.points, 4),
                "max_score": round(c.max_points, 4),
                "output": _check_output(c),
                "visibility": "after_published" if c.hidden else "visible",
                "tags": [part.id] + ([c.diagnosis] if c.diagnosis else []),
            })
    out = {"score": result.score, "tests": tests, "visibility": "visible",
           "stdout_visibility": "hidden"}
    if result.notes:
        out["output"] = "\n".join(result.notes)
    return out


# -- Markdown feedback --------------------------------------------------------------------

def to_markdown(result: SubmissionResult) -> str:
    lines = [f"# Feedback for {result.name}", "",
             f"**Score: {_num(result.score)} / {_num(result.max_score)}**", ""]
    for note in result.notes:
        lines.append(f"> {note}")
    if result.notes:
        lines.append("")
    lines += ["| part | points | checks passed |", "|---|---:|---:|"]
    for p in result.parts:
        lines.append(f"| {p.id} | {_num(p.score)} / {_num(p.max_score)} | "
                     f"{sum(c.passed for c in p.checks)} / {len(p.checks)} |")
    for p in result.parts:
        lines += ["", f"## {p.id}: {p.title} ({_num(p.score)} / {_num(p.max_score)})", ""]
        if p.error:
            lines += [f"Not graded: {p.error}", ""]
            continue
        for c in p.checks:
            lines.append(f"- {'✅' if c.passed else '❌'} {c.name}"
                         + (" *(hidden)*" if c.hidden else "")
                         + f" ({_num(c.points)} / {_num(c.max_points)})")
            if not c.passed or c.note:
                body = _check_output(c).replace("\n", "\n    ")
                lines += ["", "    " + body, ""]
    return "\n".join(lines) + "\n"


def part_summary(part: PartResult) -> str:
    return f"{part.id}: {_num(part.score)}/{_num(part.max_score)}"
