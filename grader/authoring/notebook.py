"""Generating an assignment's notebook, ``assignments/<name>/<file>.ipynb``.

Generic: everything comes from the assignment's declaration and its solutions.

- the title and introduction: ``Assignment.title``/``title_ko`` and ``Assignment.intro``
  (markdown, ``T(en, ko)``), with a table of the parts, their functions and points;
- how to work in it (the same for every assignment: what to fill in, ``grader.check``,
  the frameworks it may not import, how it is graded);
- one section per student module, and in it, per part: the part's ``concept``
  (``T(en, ko)``), the ``::`` formula blocks of its functions' docstrings, a code cell
  holding the stubs of its functions (the same region replacement as the ``.py``
  stubs, :mod:`grader.authoring.regions`) and a ``grader.check("<part>")`` cell;
- a cell checking every part; then the cells the assignment adds.

What the assignment adds is declared by the module named in ``Assignment.notebook``
(optional; every name in it is optional too):

``FILE``
    the notebook's file name (default ``<name>.ipynb``);
``TITLE``
    ``T(en, ko)`` (default "Assignment: <title>");
``SECTIONS``
    ``{module: (T(heading), T(text))}``: each student module's section heading and
    its introduction;
``HOWTO``
    ``(T(en, ko), ...)``: items added to the "how to work" list;
``FORMULAS``
    ``T(en, ko)``: the heading above the docstrings' formula blocks;
``EXAMPLE_PART``
    the part the "how to work" text uses as its example (default: the first);
``cells(section) -> [grader.declaration.Cell, ...]``
    cells after the "all parts" check (``section``: the number of the next section),
    e.g. pictures drawn with the student's functions, tagged ``not-graded``.

``build(assignment, filled=True)`` gives the same notebook with the solutions in place
of the stubs (for tests only: it is never written to ``assignments/``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path

from ..declaration import T, ko
from .regions import stub_source, strip_markers

#: The default heading above the formula blocks taken from the docstrings.
FORMULAS = T("the formula", "식")


def shape(assignment):
    """The module that shapes the notebook (``Assignment.notebook``), or None."""
    name = getattr(assignment, "notebook", "")
    return importlib.import_module(name) if name else None


def file_name(assignment) -> str:
    """The notebook's file name in ``assignments/<name>/``."""
    return getattr(shape(assignment), "FILE", "") or f"{assignment.name}.ipynb"


# -- text of the generic cells ---------------------------------------------------------------

def _howto(assignment, extra, example: str, file: str) -> tuple[str, str]:
    """The "how to work" list, (Korean, English)."""
    frameworks = list(dict.fromkeys(assignment.forbidden.values()))
    listed = ", ".join(frameworks)
    items = [
        T("In each part's code cell, replace the `raise NotImplementedError(...)` line with your "
          "code. Do not change the names of the functions or of their arguments.",
          "각 파트의 코드 셀에서 `raise NotImplementedError(...)` 줄을 지우고 코드를 채우세요. "
          "함수 이름과 인자는 바꾸면 안 됩니다."),
        T(f'Run the check cell below it (`grader.check("{example}")`): it runs the public checks '
          "and, for a failure, shows the smallest failing example (input, expected, got) and a "
          f'hint. For feedback in Korean: `grader.set_lang("ko")` or `grader.check("{example}", '
          'lang="ko")`.',
          f'바로 아래의 확인 셀(`grader.check("{example}")`)을 실행하면 공개 테스트의 결과가 '
          "나옵니다. 실패하면 실패한 가장 작은 예(입력, 기대값, 결과)와 힌트가 함께 보입니다. "
          f'한국어 피드백은 `grader.set_lang("ko")` 또는 `grader.check("{example}", lang="ko")`로 '
          "볼 수 있습니다."),
    ]
    if frameworks:
        items.append(T(f"Only numpy and Python's standard library may be used: a part that "
                       f"imports {_or(frameworks)} scores 0.",
                       f"numpy와 파이썬 표준 라이브러리만 쓸 수 있습니다. {listed}를 import하면 "
                       "그 파트는 0점입니다."))
    items.append(T(
        "A submitted notebook is graded by running its code cells from top to bottom (with "
        "hidden checks too); what is graded are the functions and classes defined at the top "
        f"level of its cells. From a terminal, `grader check --assignment {assignment.name} "
        f"--path {file}` runs the same checks.",
        "제출한 노트북은 코드 셀을 위에서부터 차례로 실행해서 채점하고(숨겨진 테스트 포함), "
        "셀의 최상위 수준에 정의된 함수와 클래스가 채점 대상입니다. 터미널에서는 "
        f"`grader check --assignment {assignment.name} --path {file}`로 같은 확인을 할 수 "
        "있습니다."))
    items += list(extra)
    ko_lines = ["**진행 방법**"] + [f"{i}. {ko(t)}" for i, t in enumerate(items, 1)]
    en_lines = ["**How to work**"] + [f"{i}. {t}" for i, t in enumerate(items, 1)]
    return "\n".join(ko_lines), "\n".join(en_lines)


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# -- reading the solutions -------------------------------------------------------------------

def _segments(source: str) -> tuple[dict, list, list]:
    """``({name: source of its def/class}, import lines, other top-level statements)``."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    defs, imports, other = {}, [], []
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]                                     # the module docstring
    for node in body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = "".join(lines[start - 1:node.end_lineno]).rstrip() + "\n"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(text.strip())
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = text
        else:
            other.append(text)
    return defs, imports, other


def _docstrings(source: str) -> dict:
    tree = ast.parse(source)
    return {n.name: ast.get_docstring(n) or "" for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def formula_blocks(doc: str) -> list[tuple[str, str]]:
    """The ``::`` literal blocks of a docstring, each with the paragraph that leads to it."""
    lines = inspect.cleandoc(doc).splitlines()
    out, i = [], 0
    while i < len(lines):
        if not lines[i].rstrip().endswith("::"):
            i += 1
            continue
        k = i
        while k > 0 and lines[k - 1].strip():
            k -= 1
        lead = " ".join(s.strip() for s in lines[k:i + 1])
        lead = lead[:-2].rstrip() + ":" if not lead.endswith(" ::") else lead[:-3] + ":"
        j, body = i + 1, []
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
            body.append(lines[j])
            j += 1
        out.append((lead, textwrap.dedent("\n".join(body)).strip("\n")))
        i = j
    return out


# -- cells -----------------------------------------------------------------------------------

def _md(source: str, cell_id: str):
    from nbformat.v4 import new_markdown_cell

    cell = new_markdown_cell(source)
    cell["id"] = cell_id
    return cell


def _code(source: str, cell_id: str, tags=()):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(source)
    cell["id"] = cell_id
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _both(ko_text: str, en: str) -> str:
    """``"Korean (English)"``, or one of them when they are the same."""
    return ko_text if ko_text == en else f"{ko_text} ({en})"


def _bilingual(text) -> str:
    """A declared ``T(en, ko)`` markdown text: the Korean, then the English as a quote."""
    if not text:
        return ""
    en, k = str(text), ko(text)
    if k == en:
        return en
    quoted = "\n".join(f"> {line}" if line else ">" for line in en.splitlines())
    return f"{k}\n\n{quoted}"


def _num(x):
    return int(x) if float(x) == int(x) else x


# -- the notebook ----------------------------------------------------------------------------

def build(assignment, *, filled: bool = False, solutions: Path | None = None):
    """The assignment's notebook (a ``nbformat`` node), from the solution modules that
    exist in ``solutions`` (default: the assignment's ``solutions/<name>/``)."""
    from nbformat.v4 import new_notebook

    extra = shape(assignment)
    solutions = Path(solutions) if solutions else assignment.solutions_dir
    sources, stubs = {}, {}
    for module in assignment.modules:
        path = solutions / f"{module}.py"
        if path.exists():
            text = path.read_text(encoding="utf-8")
            sources[module] = text
            stubs[module] = strip_markers(text) if filled else stub_source(text, path.name)
    parts = [p for p in assignment.parts if p.module in sources]
    file = file_name(assignment)

    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    cells = nb.cells
    title = getattr(extra, "TITLE", None) or T(
        f"Assignment: {assignment.title}", f"과제: {assignment.title_ko or assignment.title}")
    table = ["| # | 파트 (part) | 함수 (names) | 점수 (points) |", "|---|---|---|---:|"]
    for i, p in enumerate(parts, 1):
        table.append(f"| {i} | `{p.id}`: {_both(ko(p.title), p.title)} | "
                     + ", ".join(f"`{n}`" for n in p.names) + f" | {_num(p.points)} |")
    intro = _bilingual(assignment.intro)
    cells.append(_md(f"# {_both(ko(title), title)}\n\n" + (f"{intro}\n\n" if intro else "")
                     + "\n".join(table), "intro"))
    example = getattr(extra, "EXAMPLE_PART", "") or (parts[0].id if parts else "")
    howto_ko, howto_en = _howto(assignment, getattr(extra, "HOWTO", ()), example, file)
    cells.append(_md(f"{howto_ko}\n\n{howto_en}", "howto"))

    imports: list[str] = []
    segments = {}
    for module, text in stubs.items():
        defs, imps, other = _segments(text)
        segments[module] = (defs, other)
        imports += [i for i in imps if i not in imports]
    cells.append(_code("\n".join(imports or ["import numpy as np"]), "setup-imports"))
    cells.append(_code("import grader  # grader.check(\"part\") runs the public checks\n"
                       "# grader.set_lang(\"ko\")  # 한국어 피드백 (feedback in Korean)",
                       "setup-grader"))

    sections = getattr(extra, "SECTIONS", {})
    formulas = getattr(extra, "FORMULAS", None) or FORMULAS
    section = 0
    for module in assignment.modules:
        if module not in stubs:
            continue
        section += 1
        heading, text = sections.get(module, (module, None))
        body = _bilingual(text)
        cells.append(_md(f"## {section}. {_both(ko(heading), heading)}"
                         + (f"\n\n{body}" if body else ""), f"{module}-intro"))
        defs, other = segments[module]
        if other:
            cells.append(_code("\n\n\n".join(s.rstrip() for s in other), f"{module}-helpers"))
        docs = _docstrings(sources[module])
        number = 0
        for part in parts:
            if part.module != module:
                continue
            number += 1
            cells.append(_md(_part_markdown(section, number, part, docs, formulas),
                             f"{part.id}-md"))
            code = "\n\n\n".join(defs[n].rstrip() for n in part.names if n in defs)
            cells.append(_code(code, f"{part.id}-code"))
            cells.append(_code(f'grader.check("{part.id}")', f"{part.id}-check"))

    cells.append(_md("## 전체 확인 (All parts)\n\n모든 파트의 공개 테스트를 한 번에 실행합니다.\n\n"
                     "> Runs the public checks of every part.", "all-md"))
    cells.append(_code("grader.check_all()", "all-check"))

    more = getattr(extra, "cells", None)
    for cell in (more(section + 1) if callable(more) else ()):
        cells.append(_code(cell.source, cell.id, tags=cell.tags) if cell.code
                     else _md(cell.source, cell.id))
    return nb


def _part_markdown(section, number, part, docs, formulas) -> str:
    name = _both(ko(part.title), part.title)
    title = f"### {section}.{number} {name}: `{part.id}`, {_num(part.points)}점 (points)"
    out = [title, "", _bilingual(part.concept)]
    blocks = [(name, lead, code) for name in part.names
              for lead, code in formula_blocks(docs.get(name, ""))]
    if blocks:
        out += ["", f"**{_both(ko(formulas), formulas)}**"]
        for name, lead, code in blocks:
            lead = re.sub(r"\s+", " ", lead)
            out += ["", f"`{name}`: {lead}" if len(part.names) > 1 else lead, "", "```python",
                    code, "```"]
    return "\n".join(out).strip() + "\n"


def text(assignment, *, filled: bool = False, solutions: Path | None = None) -> str:
    """The notebook file's text: deterministic, so that a drift check can compare it."""
    import nbformat

    return nbformat.writes(build(assignment, filled=filled, solutions=solutions)) + "\n"


def generate(assignment, stubs_dir: Path | None = None, *, check: bool = False) -> list[str]:
    """Write (or with ``check``, compare) the assignment's notebook in ``stubs_dir``
    (default: ``assignments/<name>/``). Returns ``[its file name]`` when it was (or would
    be) changed, else ``[]``."""
    dest = Path(stubs_dir or assignment.stubs_dir) / file_name(assignment)
    new = text(assignment)
    current = dest.read_text(encoding="utf-8") if dest.exists() else None
    if current == new:
        return []
    if not check:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(new, encoding="utf-8")
    return [dest.name]
