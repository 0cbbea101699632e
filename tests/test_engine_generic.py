"""The engine names no assignment (issue 13.4).

No module of ``grader/`` outside ``grader/assignments/`` may name, in its code, a part
id or a student function or class of any registered assignment, nor Keras or
TensorFlow: what is particular to an assignment is declared by its package. The scan
reads code tokens only: names, and string literals that are not documentation (a bare
string statement: docstrings). Comments and docstrings may explain, with examples.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from grader.assignments import all_assignments

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "grader"
#: The frameworks a reference is recorded with (any case: ``Keras``, ``tf``).
FRAMEWORKS = frozenset({"keras", "tensorflow", "tf"})
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: String-like tokens: Python 3.12 splits an f-string into START, MIDDLE and END.
_STRING_TYPES = {tokenize.STRING} | {getattr(tokenize, n) for n in ("FSTRING_MIDDLE",)
                                     if hasattr(tokenize, n)}


def engine_modules() -> list[Path]:
    return sorted(p for p in ENGINE.rglob("*.py")
                  if p.relative_to(ENGINE).parts[0] != "assignments" and "__pycache__" not in p.parts)


def assignment_words() -> dict[str, str]:
    """Every part id and student name of every registered assignment: what it is."""
    words = {}
    for a in all_assignments():
        for p in a.parts:
            words.setdefault(p.id, f"a part id of {a.name}")
            for n in p.names:
                words.setdefault(n, f"a student name in {a.name}")
    return words


def _documentation(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the bare string statements (docstrings) are: (start, end) positions."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            spans.append(((node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)))
    return spans


def _literal_text(token: str) -> str:
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError):   # an f-string: its text, braces and all
        return token
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def violations(path: Path, words: dict[str, str]) -> list[str]:
    source = path.read_text(encoding="utf-8")
    docs = _documentation(source)
    rel = path.relative_to(ROOT).as_posix()
    found = []

    def bad(word: str) -> bool:
        return word in words or word.lower() in FRAMEWORKS

    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME:
            if bad(tok.string):
                found.append(f"{rel}:{tok.start[0]} {tok.string}")
        elif tok.type in _STRING_TYPES:
            if any(start <= tok.start and tok.end <= end for start, end in docs):
                continue
            text = tok.string if tok.type != tokenize.STRING else _literal_text(tok.string)
            for word in dict.fromkeys(WORD.findall(text)):
                if bad(word):
                    found.append(f"{rel}:{tok.start[0]} {word!r}")
    return found


def test_the_scan_sees_names_and_strings_but_not_docs_or_comments(tmp_path):
    words = {"adam": "a part id", "adam_step": "a student name"}
    path = ENGINE / "_scan_probe.py"
    path.write_text('"""adam and keras in a docstring."""\n'
                    "# adam_step in a comment, tf too\n"
                    "def f(adam_step):\n"
                    '    """Keras: explained."""\n'
                    '    x = "the adam part"\n'
                    "    y = f'{adam_step} with TensorFlow'\n"
                    "    return tf.keras\n", encoding="utf-8")
    try:
        got = violations(path, words)
    finally:
        path.unlink()
    assert got == ["grader/_scan_probe.py:3 adam_step", "grader/_scan_probe.py:5 'adam'",
                   "grader/_scan_probe.py:6 'adam_step'", "grader/_scan_probe.py:6 'TensorFlow'",
                   "grader/_scan_probe.py:7 tf", "grader/_scan_probe.py:7 keras"]


def test_the_engine_names_no_assignment_and_no_framework():
    words = assignment_words()
    assert {"adam", "adam_step", "EarlyStopping"} <= set(words)   # training is registered
    found = [v for path in engine_modules() for v in violations(path, words)]
    assert not found, (f"{len(found)} code tokens of grader/ outside grader/assignments/ name "
                       "an assignment's part or student name, or Keras/TensorFlow (declare it "
                       "in the assignment's package instead):\n" + "\n".join(found))
