"""Renderers: every view of a result reads the same records (results.py)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from .results import CheckResult, SubmissionResult


def _num(x: float):
    """A score as shown to people: at most 2 decimals (JSON and CSV keep exact values)."""
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


def once_per_part(result: SubmissionResult) -> SubmissionResult:
    """The result with each note shown once per part: a note identical to one on an
    earlier check of the same part (the textbook-epsilon note, say) is dropped from the
    later checks. Every renderer shows this view; the stored result keeps them all."""
    parts = []
    changed = False
    for p in result.parts:
        seen: set[str] = set()
        checks = []
        for c in p.checks:
            if c.note and c.note in seen:
                c = replace(c, note="")
                changed = True
            elif c.note:
                seen.add(c.note)
            checks.append(c)
        parts.append(replace(p, checks=tuple(checks)))
    return replace(result, parts=tuple(parts)) if changed else result


#: What a failing hidden check says instead of its details (see :func:`student_view`).
HIDDEN_FAILED = ("failed. A hidden check does not show its inputs, expected values or "
                 "messages; the public checks of this part test the same kind of behaviour, "
                 "run `grader check` to see their examples.")


def student_view(result: SubmissionResult) -> SubmissionResult:
    """What a student may read of ``result`` (feedback files, Gradescope): each note
    once per part (:func:`once_per_part`), and for a failing hidden check only that it
    failed, its points and the named mistake's hint: its message and example would
    show the hidden inputs and Keras's answers, which a student could collect over
    resubmissions. The stored result (gradebook) keeps everything for the instructor."""
    result = once_per_part(result)
    # every failing hidden check that ran, also in a part with an error (red team: raising
    # NotImplementedError with the hidden inputs it had logged made a part "not
    # implemented yet", and its hidden checks showed all); a check that never ran (the
    # part could not be graded: its message is the part's error, known before any check)
    # keeps saying why
    def scrub(c, p):
        return c.hidden and not c.passed and c.message != p.error

    if not any(scrub(c, p) for p in result.parts for c in p.checks):
        return result
    parts = tuple(replace(p, checks=tuple(
        replace(c, message=HIDDEN_FAILED, example=None) if scrub(c, p) else c
        for c in p.checks)) for p in result.parts)
    return replace(result, parts=parts)


def original_name(result: SubmissionResult) -> str:
    """The submission's original entry name when it differs from the name shown."""
    original = str(result.meta.get("original", "") or "")
    return original if original and original != result.name else ""


# -- terminal -----------------------------------------------------------------------------

def render_terminal(result: SubmissionResult, console=None, verbose: bool = False,
                    lang: str = "en", assignment=None) -> None:
    """A readable report: one table row per part, then each failure with its example.
    ``lang="ko"`` gives the words, check names and hints in Korean, as declared by
    ``assignment`` (default: the one the result's parts belong to; see i18n.py)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .i18n import label, localize

    def L(text):  # noqa: N802 - a renderer's fixed word in the chosen language
        return label(text, lang)

    result = once_per_part(localize(result, lang, assignment))
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
    return json.dumps(once_per_part(result).to_dict(), indent=2, ensure_ascii=False)


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
    """Gradescope's autograder results format (what a student may read of it)."""
    result = student_view(result)
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

#: What Markdown may interpret inside a line of text: emphasis (``*`` ``_``), code spans,
#: links and images, GFM's strike-through and table cells, and the backslash itself.
_MD_INLINE = re.compile(r"([\\`*_!~|#])")
#: What it may read as a block marker where a line of text starts (the renderers put a
#: prefix before it, but a list item or a block quote may hold a list of its own): a
#: bullet or an ordered-list number (``1.`` / ``1)``).
_MD_LEADING = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))")


def md_text(text) -> str:
    """Text from a result (a name, a message, what the student's code printed...) as
    Markdown that shows it literally and runs nothing: ``&``, ``<`` and ``>`` become
    entities (every Markdown flavour honours them; so do ``[`` and ``]``, which makes
    no link or image), what Markdown could read as
    emphasis, code, a link, an image or a list marker is backslash-escaped (CommonMark
    lets any ASCII punctuation be), and line breaks become spaces."""
    text = " ".join(str(text).split("\n"))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text).replace("[", "&#91;").replace("]", "&#93;")
    return _MD_LEADING.sub(lambda m: m.group(1) + (f"\\{m.group(2)}" if m.group(2)
                                                   else f"{m.group(3)}\\{m.group(4)}"), text)


def _trusted(text: str) -> str:
    """A check's name, written by the assignment's author: its `code spans` are meant,
    only ``&``, ``<`` and ``>`` are made entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_block(text: str) -> list[str]:
    """``text`` verbatim in a fenced code block: Markdown and HTML inside are shown,
    never interpreted (the fence is longer than any run of backticks in it)."""
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return [fence + "text", *text.split("\n"), fence]


def to_markdown(result: SubmissionResult) -> str:
    result = student_view(result)
    lines = [f"# Feedback for {md_text(result.name)}", ""]
    if original_name(result):
        lines += [f"Submitted as: {md_text(original_name(result))}", ""]
    lines += [f"**Score: {_num(result.score)} / {_num(result.max_score)}**", ""]
    for note in result.notes:
        lines.append("> " + md_text(note).replace("\n", "\n> "))
    if result.notes:
        lines.append("")
    for p in result.parts:  # a list, not a table: CommonMark has no tables
        lines.append(f"- {md_text(p.id)}: {_num(p.score)} / {_num(p.max_score)} "
                     f"({sum(c.passed for c in p.checks)} of {len(p.checks)} checks passed)")
    for p in result.parts:
        lines += ["", f"## {md_text(p.id)}: {md_text(p.title)} ({_num(p.score)} / {_num(p.max_score)})", ""]
        if p.error:
            first, _, rest = p.error.partition("\n")
            lines += [f"Not graded: {md_text(first)}", ""]
            if rest.strip():
                lines += [*_md_block(rest), ""]
            continue
        for c in p.checks:
            lines.append(f"- {'✅' if c.passed else '❌'} {_trusted(c.name)}"
                         + (" *(hidden)*" if c.hidden else "")
                         + f" ({_num(c.points)} / {_num(c.max_points)})")
            if not c.passed or c.note:
                lines += ["", *("    " + line for line in _md_block(_check_output(c))), ""]
    return "\n".join(lines) + "\n"
