"""The notebook workflow: the generated assignment notebook, ``grader.check`` inside a
kernel, notebook submissions, pictures, and Korean feedback."""

from __future__ import annotations

import base64
import json
import linecache
import os
import sys
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest

import grader
from grader import jupyter as gnb
from grader.authoring import notebook as authoring
from grader.authoring import stubs
from grader.authoring.stubs import stub_source
from grader.assignments.training import notebook as training_notebook
from grader.assignments.training.optimizers import HINTS as OPTIMIZER_HINTS
from grader.i18n import localize
from grader.report import render_terminal

from .helpers import ASSIGNMENTS, FAST, SOLUTIONS, assignment, copy_solutions, grade_path

NOTEBOOK = ASSIGNMENTS / authoring.file_name(assignment())
BROKEN_ADAM = "alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)"


# -- helpers ----------------------------------------------------------------------------------

class FakeKernel:
    """A namespace whose cells are registered in linecache the way IPython does it."""

    def __init__(self):
        self.ns = {"__name__": "__main__", "__builtins__": __builtins__}
        self.count = 0

    def run(self, source: str):
        self.count += 1
        filename = f"/tmp/ipykernel_0/{id(self)}_{self.count}.py"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), self.ns)
        return self


def kernel_with(*modules: str, replace=None) -> FakeKernel:
    k = FakeKernel().run("import numpy as np\n")
    for module in modules:
        source = (SOLUTIONS / f"{module}.py").read_text(encoding="utf-8")
        for old, new in (replace or {}).items():
            source = source.replace(old, new)
        k.run(source)
    return k


def filled_notebook(path: Path) -> Path:
    path.write_text(authoring.text(assignment(), filled=True), encoding="utf-8")
    return path


def outputs(cell) -> list:
    return cell.get("outputs", [])


def texts(cell) -> str:
    out = []
    for o in outputs(cell):
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o:
            out.append(o.data.get("text/plain", ""))
    return "\n".join(out)


# -- the generated notebook -------------------------------------------------------------------

def test_notebook_is_in_sync_with_solutions():
    assert NOTEBOOK.name == "training_techniques.ipynb"
    assert authoring.generate(assignment(), check=True) == [], "run `grader stubs`"
    assert stubs.generate(assignment(), check=True) == [], "run `grader stubs`"


def test_stubs_and_notebook_are_one_pipeline(tmp_path):
    """`generate` writes the stubs, then the notebook, of one assignment (by name, by its
    declaration, or by its solutions folder as before), and reports what it changed."""
    written = stubs.generate("training", tmp_path)
    names = {Path(f).name for f in written}
    assert names == {f"{m}.py" for m in assignment().modules} | {NOTEBOOK.name}
    for f in names:
        assert (tmp_path / f).read_bytes() == (ASSIGNMENTS / f).read_bytes(), f
    assert stubs.generate(assignment(), tmp_path, check=True) == []
    assert stubs.generate(SOLUTIONS, tmp_path, check=True) == []
    (tmp_path / NOTEBOOK.name).write_text("{}", encoding="utf-8")
    assert stubs.generate(assignment(), tmp_path, check=True) == [NOTEBOOK.name]


def test_no_import_cycle_between_stubs_and_notebook():
    """The notebook builder reads the solution regions itself: it does not import the
    pipeline that calls it (issue 13: run them as one declared pipeline)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(authoring))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "stubs" not in imported and "regions" in imported


def test_the_builder_names_no_part_the_assignment_declares_its_text():
    """Generic builder: the intro and every concept come from the declaration, the
    pictures from the assignment's own notebook module."""
    a = assignment()
    nb = authoring.build(a)
    cells = {c.id: c for c in nb.cells}
    assert a.intro.ko in cells["intro"].source and a.intro in cells["intro"].source
    for part in a.parts:
        assert part.concept and part.concept.ko != part.concept
        assert part.concept.ko in cells[f"{part.id}-md"].source
        assert str(part.concept).splitlines()[0] in cells[f"{part.id}-md"].source
    assert [c.id for c in nb.cells][-13:] == [c.id for c in training_notebook.cells(6)]


def test_an_assignment_without_a_notebook_module_gets_a_plain_notebook(tmp_path):
    """Only the declaration: the intro, a section per module, the parts' cells."""
    from dataclasses import replace

    from grader.declaration import T

    a = replace(assignment(), notebook="", intro=T("An intro.", "소개."),
                parts=tuple(replace(p, concept=None) for p in assignment().parts[:2]))
    assert authoring.file_name(a) == "training.ipynb"
    nb = authoring.build(a)
    ids = [c.id for c in nb.cells]
    assert ids[:4] == ["intro", "howto", "setup-imports", "setup-grader"]
    assert ids[-2:] == ["all-md", "all-check"]
    assert "소개.\n\n> An intro." in nb.cells[0].source
    assert "## 1. optimizers" in nb.cells[ids.index("optimizers-intro")].source
    assert {f"{p.id}-check" for p in a.parts} <= set(ids)
    nbformat.validate(nb)


def test_every_part_has_explanation_stub_and_check_cells():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nbformat.validate(nb)
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids))
    cells = {c.id: c for c in nb.cells}
    for part in assignment().parts:
        md, code, check = (cells[f"{part.id}-{k}"] for k in ("md", "code", "check"))
        assert ids.index(md.id) + 1 == ids.index(code.id) == ids.index(check.id) - 1
        assert part.id in md.source and "```python" in md.source  # formula from the docstring
        assert any("\uac00" <= ch <= "\ud7a3" for ch in md.source)  # Korean ...
        assert "\n> " in md.source                                  # ... with the English beside it
        assert check.source == f'grader.check("{part.id}")'
        compile(code.source, part.id, "exec")
        for name in part.names:
            assert f"raise NotImplementedError(\"{name}" in code.source or \
                f"class {name}" in code.source


def test_stub_cells_are_the_py_stubs():
    """The code of each part's cell is, character for character, in the .py stub."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cells = {c.id: c for c in nb.cells}
    for part in assignment().parts:
        stub = (ASSIGNMENTS / f"{part.module}.py").read_text(encoding="utf-8")
        for chunk in cells[f"{part.id}-code"].source.split("\n\n\n"):
            assert chunk.strip() in stub, (part.id, chunk[:80])


def test_formula_blocks_come_from_docstrings():
    doc = ("One step.\n\n    Equations (Keras)::\n\n        v = m*v - lr*g\n        p = p + v\n\n"
           "    Args:\n        x: y\n")
    blocks = authoring.formula_blocks(doc)
    assert blocks == [("Equations (Keras):", "v = m*v - lr*g\np = p + v")]


def test_pictures_cells_are_tagged_not_graded():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    tagged = [c.id for c in nb.cells if "not-graded" in c.metadata.get("tags", [])]
    assert "paths-code" in tagged and "keras-code" in tagged
    assert not any(c.id.endswith(("-code", "-check")) and c.id in tagged
                   for c in nb.cells if c.id.split("-")[0] in assignment().part_ids)


# -- grader.check: the kernel's definitions, graded in the worker -----------------------------

def test_check_grades_kernel_definitions_helpers_and_constants():
    k = FakeKernel().run("import numpy as np\nF = np.float32\nEPS = 1e-7\n"
                         "from math import sqrt as msqrt\n")
    k.run("def helper(x):\n    return x * F(1)\n")
    k.run("def adam_step(param, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,\n"
          "              epsilon=EPS):\n"
          "    m = m + (1 - beta_1) * (grad - m)\n"
          "    v = v + (1 - beta_2) * (np.square(grad) - v)\n"
          "    a = learning_rate * msqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)\n"
          "    return helper(param - a * m / (np.sqrt(v) + epsilon)), m, v\n")
    result = grader.check("adam", namespace=k.ns, max_examples=5)
    assert result.passed and result.score == 12, repr(result)
    source = gnb.extract(k.ns, assignment()).modules["optimizers"]
    assert "import numpy as np" in source and "from numpy import float32 as F" in source
    assert "EPS = 1e-07" in source and "from math import sqrt as msqrt" in source
    assert "def helper" in source


def test_check_grades_classes_and_the_latest_definition():
    k = kernel_with("early_stopping")
    k.run("def adam_step(*args, **kwargs):\n    return None\n")   # a first, wrong attempt ...
    k.run((SOLUTIONS / "optimizers.py").read_text(encoding="utf-8"))  # ... redefined
    result = grader.check(["adam", "early_stopping"], namespace=k.ns, max_examples=5)
    assert result.score == 29, repr(result)


def test_decorated_and_aliased_definitions():
    k = kernel_with("optimizers")
    k.run("import functools\n\ndef logged(fn):\n    @functools.wraps(fn)\n"
          "    def inner(*a, **kw):\n        return fn(*a, **kw)\n    return inner\n")
    k.run("@logged\ndef rmsprop_step(param, grad, velocity, learning_rate=0.001, rho=0.9,\n"
          "                 epsilon=1e-7):\n    v = rho * velocity + (1 - rho) * grad ** 2\n"
          "    return param - learning_rate * grad / np.sqrt(v + epsilon), v\n")
    k.run("def my_adagrad(param, grad, accumulator, learning_rate=0.001, epsilon=1e-7):\n"
          "    a = accumulator + grad ** 2\n"
          "    return param - learning_rate * grad / np.sqrt(a + epsilon), a\n\n"
          "adagrad_step = my_adagrad\n")
    result = grader.check(["rmsprop", "adagrad"], namespace=k.ns, max_examples=5)
    assert result.score == 16, repr(result)
    source = gnb.extract(k.ns, assignment()).modules["optimizers"]
    assert "import functools" in source and "adagrad_step = my_adagrad" in source


def test_check_reads_main_on_purpose(monkeypatch):
    k = kernel_with("optimizers")
    main = types.ModuleType("__main__")
    main.__dict__.update(k.ns)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert grader.check("momentum", max_examples=5).score == 8


def test_missing_and_unimplemented_names_are_explained():
    k = kernel_with()
    k.run(stub_source((SOLUTIONS / "optimizers.py").read_text(encoding="utf-8"), "optimizers.py"))
    result = grader.check(["adam", "dropout"], namespace=k.ns, max_examples=5)
    assert result.score == 0 and not result.passed
    assert "not implemented yet" in result.result.part("adam").error
    assert "are not defined in this notebook yet" in result.result.part("dropout").error
    assert "`dropout_mask`" in repr(result)


def test_failure_shows_example_and_hint_in_text_and_html():
    k = kernel_with("optimizers", replace={BROKEN_ADAM: "alpha = learning_rate"})
    result = grader.check("adam", namespace=k.ns, max_examples=5)
    assert not result.passed
    text, page = repr(result), result._repr_html_()
    for shown in (text, page):
        assert "smallest failing example" in shown and "bias correction" in shown
    assert "<pre>" in page and "<script" not in page
    ko = grader.check("adam", namespace=k.ns, lang="ko", max_examples=5)
    assert "실패한 가장 작은 예" in repr(ko)
    assert OPTIMIZER_HINTS["adam_no_bias_correction"].ko in ko._repr_html_()


def test_a_forbidden_import_costs_only_the_module_that_uses_it():
    """As with files: regularization.py would import TensorFlow, optimizers.py would not."""
    k = kernel_with("optimizers", "regularization")
    k.ns["tf"] = types.ModuleType("tensorflow")     # as if `import tensorflow as tf` had run
    k.run("def l1_penalty(weights, l1=0.01):\n    return tf.reduce_sum(abs(weights)) * l1\n")
    result = grader.check(["adam", "l1_l2", "dropout"], namespace=k.ns, max_examples=5)
    assert result.result.part("adam").full
    for part in ("l1_l2", "dropout"):
        assert result.result.part(part).score == 0
        assert "only numpy" in result.result.part(part).error


def test_objects_that_cannot_be_copied_are_reported():
    k = kernel_with("optimizers")
    k.ns["RNG"] = np.random.default_rng(0)
    k.run("def nesterov_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):\n"
          "    noise = RNG.normal()\n    return param, velocity\n")
    result = grader.check("nesterov", namespace=k.ns, max_examples=5)
    assert any("`RNG`" in n and "cannot copy" in n for n in result.result.notes)
    assert result.score == 0


def test_nested_definitions_are_not_taken():
    k = kernel_with("optimizers")
    k.run("def make():\n    def adam_step(*a, **kw):\n        return a[:3]\n    return adam_step\n"
          "adam_step = make()\n")
    result = grader.check("adam", namespace=k.ns, max_examples=5)
    assert result.score == 0
    assert any("inside another function" in n for n in result.result.notes)


def test_literals_round_trip():
    values = [0.1, float("nan"), -float("inf"), 3, True, None, "s", (1,), [1.5, (2, "x")],
              {"a": 1}, np.float32(0.25), np.arange(6, dtype=np.float32).reshape(2, 3),
              np.dtype("float64"), frozenset({1})]
    for v in values:
        text = gnb._literal(v)
        assert text is not None, v
        back = eval(text)  # our own generated source
        if isinstance(v, np.ndarray):
            assert back.dtype == v.dtype and np.array_equal(back, v)
        elif isinstance(v, float) and v != v:
            assert back != back
        else:
            assert back == v and type(back) is type(v)
    assert gnb._literal(object()) is None


def test_usage_errors_name_the_argument():
    with pytest.raises(ValueError, match="unknown part 'adm'"):
        grader.check("adm", namespace={})
    with pytest.raises(ValueError, match="lang must be one of"):
        grader.check("adam", namespace={}, lang="fr")
    with pytest.raises(TypeError, match="namespace must be a dict"):
        grader.check("adam", namespace=[1])


# -- notebook submissions (grader check --path x.ipynb, grader grade) -------------------------

def _nb(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))
    return path


def test_cells_that_plot_print_or_train_do_not_matter(tmp_path):
    opt = (SOLUTIONS / "optimizers.py").read_text(encoding="utf-8")
    path = _nb(tmp_path / "kim.ipynb",
               "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt",
               "def adam_step(*a, **kw):\n    raise RuntimeError('first try')",
               opt,
               "print('training...')\nw = np.zeros(3)\nfor t in range(1, 50):\n"
               "    w, *_ = adam_step(w, w - 1, np.zeros(3), np.zeros(3), t)\n"
               "plt.plot([1, 2, 3]); plt.show()",
               "def later():\n    def sgd_momentum_step(*a, **kw):\n        return None\n",
               "import grader\ngrader.check('adam')")
    result = grade_path(path, parts=["momentum", "adam"], hidden=True)
    assert result.score == 20, result.to_dict()


@pytest.mark.slow
def test_broken_notebooks_score_zero_without_stopping_a_batch(tmp_path):
    from grader.batch import grade_folder

    subs = tmp_path / "subs"
    subs.mkdir()
    good = filled_notebook(subs / "alice.ipynb").read_text(encoding="utf-8")
    (subs / "bob.ipynb").write_text(good[: len(good) // 3], encoding="utf-8")   # truncated
    (subs / "carol.ipynb").write_text(json.dumps({"cells": "none"}), encoding="utf-8")
    batch = grade_folder(subs, tmp_path / "out", assignment(), settings=FAST)
    by_name = {r.name: r for r in batch.results}
    assert set(by_name) == {"alice", "bob", "carol"}
    assert by_name["alice"].score == 100, by_name["alice"].notes
    for name in ("bob", "carol"):
        assert by_name[name].score == 0
        assert "not a valid Jupyter notebook" in " ".join(by_name[name].notes)


@pytest.mark.slow
def test_filled_notebook_scores_like_the_py_solutions(tmp_path):
    nb = grade_path(filled_notebook(tmp_path / "filled.ipynb"), hidden=True)
    py = grade_path(copy_solutions(tmp_path / "py"), hidden=True)
    assert nb.score == py.score == 100
    assert {p.id: p.score for p in nb.parts} == {p.id: p.score for p in py.parts}


# -- Korean feedback --------------------------------------------------------------------------

# (every declared title, check name, hint and note has its Korean: tests/test_i18n.py)


def test_untranslated_text_falls_back_to_english():
    from grader.results import CheckResult, PartResult, SubmissionResult

    check = CheckResult(name="a brand-new check", passed=False, points=0, max_points=1,
                        message="something new went wrong", hint="a new hint", diagnosis="new_id")
    result = SubmissionResult(name="x", parts=(PartResult(id="p", title="New part", score=0,
                                                          max_score=1, checks=(check,)),))
    ko = localize(result, "ko").parts[0]
    assert (ko.title, ko.checks[0].name, ko.checks[0].message, ko.checks[0].hint) == \
        ("New part", "a brand-new check", "something new went wrong", "a new hint")
    assert localize(result, "en") is result


def test_render_terminal_in_korean(tmp_path):
    from rich.console import Console

    sub = copy_solutions(tmp_path / "bug")
    opt = sub / "optimizers.py"
    opt.write_text(opt.read_text(encoding="utf-8").replace(BROKEN_ADAM, "alpha = learning_rate"),
                   encoding="utf-8")
    result = grade_path(sub, parts=["adam"], hidden=False)
    console = Console(record=True, width=120, color_system=None)
    render_terminal(result, console=console, lang="ko")
    text = console.export_text()
    assert "번째 스텝에서 Keras와 다릅니다" in text
    assert OPTIMIZER_HINTS["adam_no_bias_correction"].ko[:20] in text
    assert "float64 입력에서 Keras와 같은 결과" in text     # "matches Keras on float64 inputs"


def test_cli_check_lang_ko():
    from click.testing import CliRunner

    from grader.cli import main

    res = CliRunner().invoke(main, ["check", "adam", "--path", str(ASSIGNMENTS), "--lang", "ko",
                                    "--max-examples", "3"])
    assert res.exit_code == 1, res.output
    assert "아직 구현되지 않았습니다" in res.output
    res = CliRunner().invoke(main, ["check", "adam", "--lang", "fr"])
    assert res.exit_code == 2


# -- executing the notebook headless (slow) ---------------------------------------------------

def _execute(path: Path, tmp_path: Path):
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:            # keep TensorFlow out: importing it takes seconds
        if cell.get("id") == "keras-code":
            assert "RUN_KERAS = True" in cell.source
            cell.source = cell.source.replace("RUN_KERAS = True", "RUN_KERAS = False")
    env = dict(os.environ, GRADER_MAX_EXAMPLES="5", MPLBACKEND="module://matplotlib_inline.backend_inline")
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)               # raises CellExecutionError on any error
    return {c.id: c for c in nb.cells}


def _pngs(cells) -> list:
    return [base64.b64decode(o.data["image/png"]) for c in cells.values() for o in outputs(c)
            if "data" in o and "image/png" in o.data]


@pytest.mark.slow
def test_executed_with_solutions_every_check_passes_and_pictures_appear(tmp_path):
    cells = _execute(filled_notebook(tmp_path / "filled.ipynb"), tmp_path)
    for part in assignment().parts:
        shown = texts(cells[f"{part.id}-check"])
        assert f"all passed: {part.id} " in shown, shown
    assert "score: 100 / 100 (all passed" in texts(cells["all-check"])
    assert "text/html" in outputs(cells["all-check"])[0].data
    pngs = _pngs(cells)
    assert len(pngs) >= 3 and all(p[:4] == b"\x89PNG" for p in pngs)
    assert "not implemented" not in "".join(texts(c) for c in cells.values())


@pytest.mark.slow
def test_executed_as_shipped_it_runs_to_the_end(tmp_path):
    cells = _execute(NOTEBOOK, tmp_path)
    for part in assignment().parts:
        page = outputs(cells[f"{part.id}-check"])[0].data["text/html"]
        assert "not implemented yet" in page and f"<b>{part.id}</b>" in page, page
    assert "score: 0 / 100" in texts(cells["all-check"])
    assert "is not implemented yet" in texts(cells["paths-code"])
    assert _pngs(cells)


@pytest.mark.tf
@pytest.mark.slow
def test_keras_comparison_cell_runs(tf, tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    cells = {c.id: c for c in nbformat.read(str(NOTEBOOK), as_version=4).cells}
    ns: dict = {"np": np}
    for cell_id in ("pictures-setup", "net-data"):
        exec(cells[cell_id].source, ns)
    ns.update(EPOCHS=3, plain=None)
    exec(cells["keras-code"].source, ns)
    assert len(ns["keras_history"]["val_loss"]) == 3
