"""Gradescope: the autograder zip (``grader gradescope OUT.zip``) and the entry point
that runs inside Gradescope's container (``grader gradescope-run``).

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when
it builds the image, and for every submission runs ``/autograder/run_autograder``
with the student's files in ``/autograder/submission``; the results go to
``/autograder/results/results.json``. The root is ``$GRADER_AUTOGRADER_ROOT`` (or
``--root``) so that the same code runs on a simulated tree.

A zip grades one assignment: it holds the engine and that assignment's package (with
its hidden reference cases, without its ``authoring/``), and its ``run_autograder``
names it.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import zipfile
from pathlib import Path

from .errors import UsageError

ENV_ROOT = "GRADER_AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"

#: Gradescope's base images run Ubuntu 22.04 (Python 3.10) and later. The grader is
#: installed into its own virtual environment: a venv is never "externally managed"
#: (PEP 668), keeps the image's system packages out of the grader's way, and the
#: system Python may lack pip altogether (apt's python3-venv brings ensurepip).
#: Requirements are ranges, not the instructor's pins: the pins of a Python 3.11+
#: machine do not exist for Python 3.10, and grades do not depend on these versions
#: (the property examples are recorded data, not drawn by the installed hypothesis).
SETUP_SH = """#!/usr/bin/env bash
# Run once by Gradescope when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${PYTHON:-python3}"
# bubblewrap isolates the student's code in its own namespaces (without it, the
# grader runs the code as an unprivileged user under resource limits);
# python3-venv provides the virtual environment (and pip inside it).
if [ "${GRADER_SETUP_APT:-1}" = 1 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \\
     bubblewrap python3-venv >/dev/null) || echo "warning: apt-get could not install bubblewrap/python3-venv"
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \\
  || { echo "the grader needs Python >= 3.10 (found: $("$PYTHON" --version 2>&1))" >&2; exit 1; }
rm -rf "$ROOT/venv"
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check --quiet \\
  -r requirements.txt
"$ROOT/venv/bin/python" -c "import grader.engine" && echo "grader installed in $ROOT/venv"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Run by Gradescope for every submission: grades /autograder/submission on the
# assignment {name} and writes /autograder/results/results.json (public and hidden checks).
ROOT="${{GRADER_AUTOGRADER_ROOT:-/autograder}}"
cd "$ROOT/source"
if [ -x "$ROOT/venv/bin/python" ]; then PY="$ROOT/venv/bin/python"; else PY="${{PYTHON:-python3}}"; fi
exec "$PY" -m grader gradescope-run --assignment {name} --root "$ROOT"
"""

#: Upper bounds: the next major version, which may change what the grader relies on.
MAJOR_CAPS = {"numpy": "<3", "hypothesis": "<7", "nbformat": "<6", "click": "<9", "rich": "<16"}


def requirements() -> list[str]:
    """The autograder's requirements: the project's lower bounds, capped below the
    next major version; they resolve on every Python the grader supports (>= 3.10)."""
    from .release import _requirements

    out = []
    for req in _requirements():
        name = req.split(">", 1)[0].split("=", 1)[0].split("<", 1)[0].strip().lower()
        cap = MAJOR_CAPS.get(name)
        out.append(f"{req},{cap}" if cap and any(op in req for op in "<>=") else
                   f"{req}{cap}" if cap else req)
    return out


def build_autograder(zip_path: Path, assignment=None) -> dict:
    """Write the autograder zip of ``assignment`` (an Assignment, a registered name or a
    package's folder; default: the first registered one): setup.sh, run_autograder
    (which grades that assignment), requirements.txt (see :func:`requirements`) and the
    grader with that assignment's package only, with its hidden reference cases,
    without any ``authoring/``."""
    from .assignments import get
    from .release import copy_grader, others_shipped

    assignment = get(assignment)
    zip_path = Path(zip_path)
    if zip_path.suffix.lower() != ".zip":
        raise UsageError(f"{zip_path}: the autograder must be a .zip")
    reqs = requirements()
    with tempfile.TemporaryDirectory(prefix="grader-gs-") as tmp:
        src = Path(tmp)
        copy_grader(src / "grader", assignment, hidden=True)
        others = others_shipped(src / "grader", assignment.name)
        if others:  # pragma: no cover - copy_grader ships one package
            raise UsageError("; ".join(others))
        (src / "requirements.txt").write_text("\n".join(reqs) + "\n", encoding="utf-8")
        (src / "setup.sh").write_text(SETUP_SH, encoding="utf-8")
        (src / "run_autograder").write_text(RUN_AUTOGRADER.format(name=assignment.name),
                                            encoding="utf-8")
        files = sorted(p for p in src.rglob("*") if p.is_file())
        try:
            zip_path.parent.mkdir(parents=True, exist_ok=True)
            part = zip_path.with_name(zip_path.name + ".part")
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
                for p in files:
                    rel = p.relative_to(src).as_posix()
                    info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
                    executable = p.name in ("setup.sh", "run_autograder")
                    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, p.read_bytes())
            os.replace(part, zip_path)
        except OSError as exc:
            raise UsageError(f"cannot write {zip_path}: {exc.strerror or exc}") from None
    return {"zip": zip_path, "files": len(files), "requirements": reqs, "assignment": assignment.name}


# -- inside the container ------------------------------------------------------------------

def autograder_root(root=None) -> Path:
    return Path(root or os.environ.get(ENV_ROOT) or DEFAULT_ROOT)


def find_submission(folder: Path) -> Path:
    """What to grade in Gradescope's submission folder: the folder itself when it holds
    Python files or a single notebook; the zip when it holds only one zip."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist")
    visible = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    if any(p.suffix == ".py" for p in visible):
        return folder
    zips = [p for p in visible if p.suffix.lower() == ".zip"]
    notebooks = [p for p in visible if p.suffix.lower() == ".ipynb"]
    if len(zips) == 1 and not notebooks:
        return zips[0]
    return folder  # a notebook, a nested folder, or nothing: the loader says what it found


def run_autograder(root=None, *, settings=None, assignment=None) -> dict:
    """Grade ``ROOT/submission`` on every check (public and hidden) of ``assignment``
    (default: the zip's only one) and write ``ROOT/results/results.json``; returns what
    was written. Never raises for a bad submission: results.json always exists
    afterwards."""
    from .assignments import get
    from .engine import grade
    from .report import to_gradescope

    root = autograder_root(root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    try:
        path = find_submission(root / "submission")
        result = grade(path, get(assignment), hidden=True, settings=settings, name="submission")
        doc = to_gradescope(result)
    except Exception as exc:  # noqa: BLE001 - Gradescope must always get a results.json
        doc = {"score": 0.0, "tests": [], "visibility": "visible", "stdout_visibility": "hidden",
               "output": f"The autograder could not grade this submission ({type(exc).__name__}: {exc}). "
                         "Please contact the course staff."}
    tmp = results_dir / ".results.json.tmp"
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, results_dir / "results.json")
    return doc
