"""Regenerate examples/submissions/ (instructor tool; run from the project folder).

Five students, each a different layout and a different set of mistakes, built from
solutions/training/ by small textual edits, as students would make them:

- kim_minji/        a folder, everything right                     -> 100
- lee_junho/        a folder: Adam without bias correction, L2 with a 1/2
- park_seoyeon.ipynb a notebook: dropout not inverted (no 1/(1-rate) scaling)
- choi_woojin.zip   a zip: only the optimizers done, the rest still stubs
- jung_hyun/        a folder: unbiased batch variance, early stopping off by one,
                    and a regularization.py that does not even import
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "submissions"


def sol(name: str) -> str:
    return (ROOT / "solutions" / "training" / f"{name}.py").read_text(encoding="utf-8")


def stub(name: str) -> str:
    return (ROOT / "assignments" / "training" / f"{name}.py").read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"example edit no longer applies: {old!r}"
    return text.replace(old, new, 1)


MODULES = ("optimizers", "regularization", "batchnorm", "early_stopping")


def folder(name: str, files: dict, out: Path = OUT) -> None:
    d = out / name
    d.mkdir(parents=True)
    for module, text in files.items():
        (d / f"{module}.py").write_text(text, encoding="utf-8")


def main(dest: Path = OUT) -> None:
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    folder("kim_minji", {m: sol(m) for m in MODULES}, dest)

    lee = {m: sol(m) for m in MODULES}
    lee["optimizers"] = edit(lee["optimizers"],
                             "    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)\n"
                             "    new_param = param - alpha * new_m / (np.sqrt(new_v) + epsilon)",
                             "    new_param = param - learning_rate * new_m / (np.sqrt(new_v) + epsilon)")
    lee["regularization"] = edit(lee["regularization"], "return l2 * np.sum(np.square(weights))",
                                 "return 0.5 * l2 * np.sum(np.square(weights))")
    folder("lee_junho", lee, dest)

    park = {m: sol(m) for m in MODULES}
    park["regularization"] = edit(park["regularization"], "return np.where(mask, x * scale",
                                  "return np.where(mask, x")
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# 학습 기법 과제 (Training techniques)"))
    nb.cells.append(nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np"))
    for m in MODULES:
        nb.cells.append(nbformat.v4.new_markdown_cell(f"## {m}"))
        nb.cells.append(nbformat.v4.new_code_cell(park[m]))
    nb.cells.append(nbformat.v4.new_code_cell("print(adam_step(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), 1))"))
    for i, cell in enumerate(nb.cells):  # stable ids: the file is the same on every run
        cell.id = f"cell-{i}"
    nbformat.write(nb, str(dest / "park_seoyeon.ipynb"))

    with zipfile.ZipFile(dest / "choi_woojin.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for m in MODULES:
            zf.writestr(f"choi_woojin/{m}.py", sol(m) if m == "optimizers" else stub(m))

    jung = {m: sol(m) for m in MODULES}
    jung["batchnorm"] = edit(jung["batchnorm"], "var = np.mean(np.square(x - mean), axis=axes)",
                             "var = np.var(x, axis=axes, ddof=1)")
    jung["early_stopping"] = edit(jung["early_stopping"], "if self.wait >= self.patience and epoch > 0:",
                                  "if self.wait > self.patience and epoch > 0:")
    jung["regularization"] = "import numpy as np\n\ndef l1_penalty(weights, l1=0.01)\n    return l1\n"
    folder("jung_hyun", jung, dest)
    print(f"wrote {len(list(dest.iterdir()))} submissions to {dest}")


if __name__ == "__main__":
    main()
