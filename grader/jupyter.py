"""Checking work from inside a Jupyter notebook: ``grader.check("adam")``.

The student's functions already live in the notebook's kernel, but they are graded
exactly like a submitted file: in the sandboxed worker, never in this process. So
``check`` turns the kernel's definitions back into source code, writes them as a
small submission folder (``optimizers.py``, ``regularization.py``, ...) and hands that
folder to :func:`grader.engine.grade` with ``hidden=False``.

Where the definitions come from
    From a namespace the caller passes on purpose: ``grader.check("adam",
    namespace=globals())``. Without one, ``check`` reads the namespace of the
    ``__main__`` module, which in IPython and Jupyter *is* the notebook's global
    namespace (and in a plain script, the script's). It never walks the call stack.

How the source is rebuilt (and why not the input history)
    For each contract name found in the namespace (``adam_step``, ``EarlyStopping``,
    ...), the source of its definition is read back from the code object: IPython
    keeps every executed cell in ``linecache`` under the file name its code objects
    carry, so the ``def``/``class`` statement is found by parsing that cell and picking
    the node at the code object's line (for a class, at the line of one of its
    methods; ``inspect.getsource`` cannot find classes defined in a notebook). Then
    the global names the definition uses (``symtable``: its decorators, default
    values and body) are resolved in the function's own globals, recursively:

    * a module becomes ``import numpy as np``;
    * an object importable from a library (``np.float32``, ``math.sqrt``) becomes
      ``from numpy import float32 as F``;
    * a helper function or class written by the student is copied the same way;
    * a constant (number, string, tuple..., numpy scalar or array) is written as a
      literal;
    * anything else (say a random generator object) cannot be copied: the report
      says so, and the function fails in the worker with a ``NameError`` naming it.

    Each copied definition is compiled under the name of the cell it came from, with
    its line numbers kept, so a traceback points at the student's own cell and line.

    Replaying the input history (``In``) was the alternative. It is rejected because
    it re-runs everything the student ever ran, in execution order: training loops,
    plots, failed experiments, definitions that were later deleted, and the
    ``grader.check`` calls themselves. The kernel's current objects are what the
    student sees working, so they are what is graded; the whole notebook *file* is
    graded the other way (every code cell in order) by ``grader check --path x.ipynb``
    and by the instructor's ``grader grade``.

Each assignment module gets the closure of its own names, so a forbidden import
used by ``EarlyStopping`` only costs the early-stopping part, as it would in files.
The result is shown by Jupyter as compact HTML (``_repr_html_``) and as text
elsewhere (``__repr__``, the same renderer as ``grader check``).
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import html
import importlib
import inspect
import io
import json
import linecache
import math
import os
import shutil
import symtable
import sys
import sysconfig
import textwrap
import types
from dataclasses import dataclass, field

from . import tmpdirs
from .results import PartResult, SubmissionResult

#: The language used when ``check`` gets no ``lang`` (see :func:`set_lang`).
DEFAULT_LANG = {"lang": "en"}
MAX_LITERAL_CHARS = 200_000


# -- rebuilding source from a namespace ------------------------------------------------------

@dataclass
class Extraction:
    """What :func:`extract` found: one source text per assignment module."""

    modules: dict = field(default_factory=dict)      # module -> source text
    found: dict = field(default_factory=dict)        # module -> names found
    notes: list = field(default_factory=list)        # problems the student should know about
    problems: dict = field(default_factory=dict)     # contract name -> why it was not copied


@dataclass
class _Module:
    imports: list = field(default_factory=list)      # lines
    constants: list = field(default_factory=list)    # lines
    blocks: list = field(default_factory=list)       # (label, padded source) in dependency order
    aliases: list = field(default_factory=list)      # lines run after the blocks
    seen: dict = field(default_factory=dict)         # global name -> the object it is bound to
    done: set = field(default_factory=set)           # ids of copied definitions


class _Unsupported(Exception):
    pass


def extract(namespace: dict, assignment) -> Extraction:
    """The source of every contract name in ``namespace`` and what it depends on,
    grouped by the assignment module the name belongs to."""
    out = Extraction()
    for module in assignment.modules:
        mod = _Module()
        names = [n for n in assignment.names_of(module) if n in namespace]
        for name in names:
            try:
                _bind(mod, name, namespace[name], namespace, out.notes, used_by=None)
            except _Unsupported as exc:
                out.notes.append(str(exc))
                out.problems[name] = str(exc)
        out.found[module] = names
        if names:
            out.modules[module] = _render(mod, module)
    return out


def _render(mod: _Module, module: str) -> str:
    lines = [f"# {module}.py, rebuilt by grader.check from the notebook kernel's definitions."]
    lines += _dedupe(mod.imports) + _dedupe(mod.constants)
    for label, src in mod.blocks:
        lines.append(f"exec(compile({json.dumps(src)}, {json.dumps(label)}, 'exec'))")
    lines += mod.aliases
    return "\n".join(lines) + "\n"


def _dedupe(lines):
    seen, kept = set(), []
    for line in lines:
        if line not in seen:
            seen.add(line)
            kept.append(line)
    return kept


def _bind(mod: _Module, name: str, value, globs: dict, notes: list, used_by) -> None:
    """Make ``name`` (bound to ``value`` in ``globs``) exist in the rebuilt module."""
    if name in mod.seen:
        if mod.seen[name] is not value:
            notes.append(f"`{name}` means different things in different places; "
                         f"the grader used the first one")
        return
    mod.seen[name] = value
    where = f" (used by `{used_by}`)" if used_by else ""
    if isinstance(value, types.ModuleType):
        mod.imports.append(_import_module_line(name, value))
        return
    if _is_user_code(value):
        src = _definition(value)
        if src is None:
            raise _Unsupported(f"the source of `{name}`{where} could not be found, so it was not "
                               "graded: define it with `def` or `class` in a code cell and run "
                               "that cell")
        qualname = getattr(value, "__qualname__", "")
        if "<locals>" in qualname:
            raise _Unsupported(f"`{name}`{where} is defined inside another function; define it at "
                               "the top level of a cell")
        label, text, own = src
        if id(value) not in mod.done:
            mod.done.add(id(value))
            dep_globals = _globals_of(value) or globs
            for dep in _global_names(textwrap.dedent(text).lstrip("\n")):
                if dep == own or dep in ("__name__", "__file__"):
                    continue
                if dep in dep_globals:
                    try:
                        _bind(mod, dep, dep_globals[dep], dep_globals, notes, used_by=own)
                    except _Unsupported as exc:
                        notes.append(str(exc))
            mod.blocks.append((label, text))
        if own != name:
            mod.aliases.append(f"{name} = {own}")
        return
    line = _import_object_line(name, value)
    if line:
        mod.imports.append(line)
        return
    literal = _literal(value)
    if literal is not None:
        mod.constants.append(f"{name} = {literal}")
        return
    raise _Unsupported(f"`{name}`{where} is a {type(value).__name__} object that the grader "
                       "cannot copy; compute it inside the function, or define it with a number, "
                       "a string or a numpy array")


def _import_module_line(name: str, module: types.ModuleType) -> str:
    full = module.__name__
    if full == name:
        return f"import {full}"
    if "." in full and full.rsplit(".", 1)[1] == name:
        return f"from {full.rsplit('.', 1)[0]} import {name}"
    return f"import {full} as {name}"


def _library_paths() -> tuple[str, ...]:
    paths = {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {sys.prefix, sys.base_prefix, sys.exec_prefix}
    return tuple(os.path.realpath(p) for p in paths if p)


def _unwrap(value):
    """The function a decorator (``functools.wraps``, ``lru_cache``...) wrapped."""
    try:
        return inspect.unwrap(value) if hasattr(value, "__wrapped__") else value
    except ValueError:  # a cycle of __wrapped__
        return value


def _is_user_code(value) -> bool:
    """A function or class the student wrote (in the notebook or in their own file)."""
    value = _unwrap(value)
    if not isinstance(value, (types.FunctionType, type)):
        return False
    module = getattr(value, "__module__", None)
    if module in (None, "__main__"):
        return True
    mod = sys.modules.get(module)
    path = getattr(mod, "__file__", None)
    if not path:
        return True
    return not os.path.realpath(path).startswith(_library_paths())


def _globals_of(value) -> dict | None:
    value = _unwrap(value)
    if isinstance(value, types.FunctionType):
        return value.__globals__
    for attr in vars(value).values() if isinstance(value, type) else ():
        fn = _function_of(attr)
        if fn is not None:
            return fn.__globals__
    return None


def _function_of(attr):
    if isinstance(attr, (staticmethod, classmethod)):
        attr = attr.__func__
    if isinstance(attr, property):
        attr = attr.fget
    return attr if isinstance(attr, types.FunctionType) else None


def _code_of(value):
    value = _unwrap(value)
    if isinstance(value, types.FunctionType):
        return value.__code__
    for attr in vars(value).values():
        fn = _function_of(attr)
        if fn is not None and fn.__qualname__.startswith(value.__qualname__ + "."):
            return fn.__code__
    return None


def _definition(value):
    """``(label, source padded to its line numbers, name it defines)`` or None."""
    value = _unwrap(value)
    code = _code_of(value)
    if code is None:
        try:
            lines, start = inspect.getsourcelines(value)
        except (OSError, TypeError):
            return None
        text = textwrap.dedent("".join(lines))
        return _label(inspect.getsourcefile(value) or ""), "\n" * (start - 1) + text, value.__name__
    filename = code.co_filename
    lines = linecache.getlines(filename)
    if not lines:
        return None
    try:
        tree = ast.parse("".join(lines))
    except SyntaxError:
        return None
    kinds = (ast.ClassDef,) if isinstance(value, type) else (ast.FunctionDef, ast.AsyncFunctionDef)
    line = code.co_firstlineno
    best = None
    for node in ast.walk(tree):
        if not isinstance(node, kinds) or node.name != value.__name__:
            continue
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        if isinstance(value, type):
            ok = start <= line <= node.end_lineno
        else:
            ok = line in (start, node.lineno)
        if ok and (best is None or start < best[0]):
            best = (start, node)
    if best is None:
        return None
    start, node = best
    text = textwrap.dedent("".join(lines[start - 1:node.end_lineno]))
    return _label(filename), "\n" * (start - 1) + text, node.name


def _label(filename: str) -> str:
    """What a traceback shows as the file: the notebook cell, or the file's name."""
    if filename.startswith("<") or "ipykernel_" in filename or "ipython-input" in filename:
        return "<notebook cell>"
    return os.path.basename(filename) or "<notebook cell>"


def _global_names(source: str) -> list[str]:
    """Global names a top-level definition reads (decorators, defaults, body)."""
    try:
        table = symtable.symtable(source, "<definition>", "exec")
    except SyntaxError:
        return []
    names: list[str] = []

    def walk(t, top):
        for sym in t.get_symbols():
            if sym.is_referenced() and (top or sym.is_global()):
                names.append(sym.get_name())
        for child in t.get_children():
            walk(child, False)

    walk(table, True)
    return list(dict.fromkeys(names))


def _import_object_line(name: str, value) -> str | None:
    """``from numpy import float32 as F`` for an object a library module exports."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module == "__main__":
        return None
    if "<" in qualname or isinstance(value, (int, float, str, bytes, tuple, list, dict)):
        return None
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    if obj is not value:
        return None
    if "." in qualname:
        return f"{name} = __import__('importlib').import_module({module!r}).{qualname}"
    return f"from {module} import {qualname}" + ("" if qualname == name else f" as {name}")


def _literal(value) -> str | None:
    """Python source that rebuilds ``value`` exactly, or None."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        np = None
    if value is None or type(value) in (bool, int, str, bytes):
        text = repr(value)
    elif type(value) is float:
        finite = math.isfinite(value)
        text = repr(value) if finite else f"float({str(value)!r})"
    elif type(value) is complex:
        text = f"complex({_literal(value.real)}, {_literal(value.imag)})"
    elif type(value) in (tuple, list, set, frozenset):
        items = [_literal(v) for v in value]
        if any(i is None for i in items):
            return None
        body = ", ".join(items)
        if isinstance(value, tuple):
            text = f"({body}{',' if len(items) == 1 else ''})"
        elif isinstance(value, list):
            text = f"[{body}]"
        else:
            text = f"{type(value).__name__}([{body}])"
    elif type(value) is dict:
        pairs = [(_literal(k), _literal(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        text = "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    elif np is not None and isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        data = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")
        text = (f"__import__('numpy').frombuffer(__import__('base64').b64decode({data!r}), "
                f"dtype={value.dtype.str!r}).reshape({tuple(value.shape)!r}).copy()")
    elif np is not None and isinstance(value, np.generic) and value.dtype.kind in "biufc":
        inner = _literal(value.item())
        text = f"__import__('numpy').{type(value).__name__}({inner})" if inner else None
    elif np is not None and isinstance(value, np.dtype):
        text = f"__import__('numpy').dtype({value.str!r})"
    else:
        return None
    if text is None or len(text) > MAX_LITERAL_CHARS:
        return None
    return text


# -- grading the kernel's definitions ---------------------------------------------------------

def _main_namespace() -> dict:
    """The ``__main__`` module's namespace: in IPython and Jupyter, the notebook's globals."""
    main = sys.modules.get("__main__")
    return vars(main) if main is not None else {}


def set_lang(lang: str) -> None:
    """Choose the language of every later ``check`` in this kernel ("en" or "ko")."""
    from .i18n import validate_lang

    DEFAULT_LANG["lang"] = validate_lang(lang)


def check(parts=None, namespace: dict | None = None, *, lang: str | None = None,
          max_examples: int | None = None, assignment=None) -> NotebookResult:
    """Grade the definitions in ``namespace`` (default: ``__main__``'s) on the public
    checks of ``parts`` (one id, a list of ids, or None for every part) of
    ``assignment`` (a name, an assignment package's folder or an Assignment; default:
    see :func:`which_assignment`)."""
    from .checking import Settings
    from .engine import grade
    from .i18n import validate_lang

    lang = validate_lang(lang or DEFAULT_LANG["lang"])
    if isinstance(parts, str):
        parts = [parts]
    if namespace is None:
        namespace = _main_namespace()
    if not isinstance(namespace, dict):
        raise TypeError(f"namespace must be a dict such as globals(); received "
                        f"{type(namespace).__name__}")
    assignment = which_assignment(assignment, parts, namespace)
    parts = list(parts) if parts else list(assignment.part_ids)
    unknown = [p for p in parts if p not in assignment.part_ids]
    if unknown:
        raise ValueError(f"unknown part {', '.join(map(repr, unknown))} of {assignment.name}; "
                         f"the parts are: {', '.join(assignment.part_ids)}")
    if max_examples is None and os.environ.get("GRADER_MAX_EXAMPLES", "").strip():
        max_examples = int(os.environ["GRADER_MAX_EXAMPLES"])   # e.g. a quicker run in tests
    settings = Settings(lang=lang) if max_examples is None else Settings(max_examples=max_examples,
                                                                         lang=lang)
    wanted = {assignment.part(p).module for p in parts}
    ex = extract(namespace, assignment)
    tmp = tmpdirs.mkdtemp("notebook")
    try:
        for module, source in ex.modules.items():
            if module in wanted:
                (tmp / f"{module}.py").write_text(source, encoding="utf-8")
        result = grade(tmp, assignment, parts=parts, hidden=False, settings=settings,
                       name="notebook")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = _explain_missing(result, assignment, ex, namespace)
    return NotebookResult(result, lang, assignment)


def which_assignment(ref, parts, namespace: dict):
    """The assignment a notebook's ``check`` grades: ``ref`` when given (a name, a package's
    folder or an Assignment); else the one that has every part asked for, when only one
    does; else the one most of whose names the namespace defines (ties: the first listed);
    else the first registered one."""
    from .assignments import all_assignments, get

    if ref is not None:
        return get(ref)
    known = all_assignments()
    if parts:
        having = [a for a in known if all(p in a.part_ids for p in parts)]
        if len(having) == 1:
            return having[0]
        known = having or known
    defined = [sum(n in namespace for m in a.modules for n in a.names_of(m)) for a in known]
    if defined and max(defined) > 0:
        return known[defined.index(max(defined))]
    return known[0] if known else get()


def _explain_missing(result: SubmissionResult, assignment, ex: Extraction,
                     namespace: dict) -> SubmissionResult:
    """Say "not defined in this notebook" instead of "not found in optimizers.py"."""
    parts = []
    for p in result.parts:
        part = assignment.part(p.id)
        missing = [n for n in part.names if n not in namespace]
        msg = ""
        if missing:
            msg = (f"{', '.join(f'`{n}`' for n in missing)} "
                   f"{'is' if len(missing) == 1 else 'are'} not defined in this notebook yet "
                   "(run the cell that defines it)")
        elif any(n in ex.problems for n in part.names):
            msg = "; ".join(ex.problems[n] for n in part.names if n in ex.problems)
        if msg:
            p = dataclasses.replace(p, error=msg, checks=tuple(
                dataclasses.replace(c, message=msg) for c in p.checks))
        parts.append(p)
    notes = tuple(n for n in result.notes) + tuple(ex.notes)
    return dataclasses.replace(result, parts=tuple(parts), notes=notes)


# -- display ----------------------------------------------------------------------------------

class NotebookResult:
    """The result of ``grader.check``: shown as HTML in Jupyter, as text elsewhere.

    ``.result`` is the :class:`~grader.results.SubmissionResult` (plain data);
    ``.score``, ``.max_score`` and ``.passed`` summarise it.
    """

    def __init__(self, result: SubmissionResult, lang: str = "en", assignment=None):
        from .i18n import localize

        self.result = result
        self.lang = lang
        self.assignment = assignment      # whose declared texts translate it (see i18n.py)
        self._shown = localize(result, lang, assignment)

    @property
    def score(self) -> float:
        return self.result.score

    @property
    def max_score(self) -> float:
        return self.result.max_score

    @property
    def passed(self) -> bool:
        return all(p.full for p in self.result.parts)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        from rich.console import Console

        from .report import render_terminal

        buf = io.StringIO()
        console = Console(file=buf, width=100, color_system=None, force_terminal=False,
                          force_jupyter=False, highlight=False)
        render_terminal(self.result, console=console, lang=self.lang, assignment=self.assignment)
        return buf.getvalue().rstrip() + "\n" + _summary(self.result, self.lang)

    def _repr_html_(self) -> str:
        return to_html(self.result, self.lang, self.assignment)


def _summary(result: SubmissionResult, lang: str) -> str:
    from .i18n import label

    parts = ", ".join(f"{p.id} {_num(p.score)}/{_num(p.max_score)}" for p in result.parts)
    state = label("all passed" if all(p.full for p in result.parts) else "not yet", lang)
    score = f"{_num(result.score)} / {_num(result.max_score)}"
    return f"{label('score', lang)}: {score} ({state}: {parts})"


def _num(x: float):
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


_CSS = ("<style>.grader-nb{font-family:var(--jp-ui-font-family,sans-serif);font-size:13px}"
        ".grader-nb .ok{color:#1a7f37}.grader-nb .bad{color:#cf222e}.grader-nb .mid{color:#9a6700}"
        ".grader-nb pre{background:rgba(127,127,127,.08);padding:4px 8px;margin:2px 0 6px 18px;"
        "white-space:pre-wrap}.grader-nb .hint{color:#8250df;margin-left:18px}"
        ".grader-nb .note{color:#0969da;margin-left:18px}"
        ".grader-nb summary{cursor:pointer}</style>")


def to_html(result: SubmissionResult, lang: str = "en", assignment=None) -> str:
    """Compact HTML of a notebook check: one line per part, details for failures."""
    from .i18n import label, localize
    from .report import once_per_part

    shown = once_per_part(localize(result, lang, assignment))
    e = html.escape
    out = [_CSS, '<div class="grader-nb">',
           f"<b>{e(label('score', lang))}: {_num(shown.score)} / {_num(shown.max_score)}</b>"]
    for note in shown.notes:
        out.append(f'<div class="mid">{e(label("note", lang))}: {e(note)}</div>')
    for part in shown.parts:
        out.append(_part_html(part, lang))
    out.append("</div>")
    return "\n".join(out)


def _part_html(part: PartResult, lang: str) -> str:
    from .i18n import label

    e = html.escape
    cls = "ok" if part.full else ("bad" if part.score == 0 else "mid")
    mark = "✔" if part.full else "✘"
    passed = sum(c.passed for c in part.checks)
    head = (f'<span class="{cls}">{mark} <b>{e(part.id)}</b> ({e(part.title)}): '
            f"{_num(part.score)} / {_num(part.max_score)}</span>")
    if part.error:
        return f'<div>{head} <span class="bad">{e(part.error.splitlines()[0])}</span></div>'
    head += f" &middot; {passed}/{len(part.checks)} {e(label('checks passed', lang))}"
    body = []
    for c in part.checks:
        if c.passed and not c.note:
            continue
        icon = '<span class="ok">✔</span>' if c.passed else '<span class="bad">✘</span>'
        body.append(f"<div>{icon} {e(c.name)}</div>")
        if c.note:
            body.append(f'<div class="note">{e(label("note", lang))}: {e(c.note)}</div>')
        if not c.passed:
            body.append(f'<pre>{e(c.message)}</pre>')
            if c.example:
                rows = [f"{label(k, lang):>10}: {v}" for k, v in (
                    ("input", c.example.inputs), ("expected", c.example.expected),
                    ("got", c.example.got), ("error", c.example.error)) if v]
                body.append(f"<div style='margin-left:18px'>"
                            f"{e(label('smallest failing example', lang))}:</div>"
                            f"<pre>{e(chr(10).join(rows))}</pre>")
            if c.hint:
                body.append(f'<div class="hint">{e(label("hint", lang))}: {e(c.hint)}</div>')
    if not body:
        return f"<div>{head}</div>"
    return f"<details open><summary>{head}</summary>{''.join(body)}</details>"
