"""Turning a submission (folder, notebook or zip) into a folder of modules.

Every layout ends up as a private temporary folder holding ``<module>.py`` files,
which is all the worker ever sees. A notebook becomes one module that runs its code
cells in order (each cell on its own, so a broken cell does not hide the
definitions of the others) and one small module per assignment module that
re-exports its names.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from .errors import SubmissionError

MAX_FILES = 200
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def submission_name(path: Path) -> str:
    name = path.name
    for suffix in (".ipynb", ".zip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


@contextlib.contextmanager
def open_submission(path, modules):
    """Yield ``(folder, notes)``: a temporary folder of modules, and notes for the report."""
    path = Path(path)
    tmp = Path(tempfile.mkdtemp(prefix="grader-sub-"))
    try:
        notes: list[str] = []
        _materialize(path, tmp, tuple(modules), notes, depth=0)
        yield tmp, notes
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _materialize(path: Path, dest: Path, modules, notes, depth):
    if path.is_symlink():
        raise SubmissionError(f"{path.name} is a symbolic link; submit the file itself")
    if path.is_dir():
        _copy_folder(path, dest, modules, notes)
    elif path.suffix.lower() == ".ipynb":
        notebook_to_modules(_read_regular(path, MAX_NOTEBOOK_BYTES), path.name, dest, modules, notes)
    elif path.suffix.lower() == ".zip":
        if depth:
            raise SubmissionError("a zip inside a zip is not accepted")
        _regular(path, MAX_ZIP_BYTES)
        _extract_zip(path, dest, modules, notes)
    elif path.suffix == ".py" and path.stem in modules:
        data = _read_regular(path, MAX_FILE_BYTES)
        _check_text(data, path.name)
        (dest / path.name).write_bytes(data)
    elif not path.exists():
        raise SubmissionError(f"{path} does not exist")
    else:
        raise SubmissionError(f"{path.name}: expected a folder, an .ipynb or a .zip")


def _regular(path: Path, limit: int) -> None:
    """Refuse anything but a regular file (a FIFO or a device would hang or flood us)."""
    try:
        info = path.lstat()
    except OSError as exc:
        raise SubmissionError(f"{path.name} cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError(f"{path.name} is a symbolic link; links are not accepted")
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{path.name} is not a regular file")
    if info.st_size > limit:
        raise SubmissionError(f"{path.name} is larger than {limit // 1024 // 1024} MiB")


def _read_regular(path: Path, limit: int) -> bytes:
    _regular(path, limit)
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise SubmissionError(f"{path.name} is larger than {limit // 1024 // 1024} MiB")
    return data


def _refuse_outside_links(src: Path) -> None:
    """A link that leads out of the submission folder is refused outright."""
    top = src.resolve()
    for p in src.iterdir():
        if p.is_symlink():
            try:
                target = p.resolve()
            except (OSError, RuntimeError):  # a loop
                target = Path("/")
            if target != top and top not in target.parents:
                raise SubmissionError(f"{p.name} is a symbolic link pointing outside the "
                                      "submission; links are not accepted")


def _copy_folder(src: Path, dest: Path, modules, notes):
    """Copy the top-level .py files (the modules and any helpers they import)."""
    _refuse_outside_links(src)
    found = [p for p in sorted(src.iterdir()) if p.suffix == ".py"]
    if not found:
        notebooks = [p for p in sorted(src.iterdir()) if p.suffix.lower() == ".ipynb"
                     and not p.name.startswith(".")]
        if len(notebooks) == 1:
            notebook_to_modules(_read_regular(notebooks[0], MAX_NOTEBOOK_BYTES), notebooks[0].name,
                                dest, modules, notes)
            return
        if len(notebooks) > 1:
            raise SubmissionError("the folder holds several notebooks and no .py files: "
                                  f"submit one ({', '.join(p.name for p in notebooks)})")
        sub = [p for p in src.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))]
        if len(sub) == 1 and not sub[0].is_symlink():
            _copy_folder(sub[0], dest, modules, notes)
            return
    if len(found) > MAX_FILES:
        raise SubmissionError(f"too many files ({len(found)})")
    total = 0
    for p in found:
        data = _read_regular(p, MAX_FILE_BYTES)
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise SubmissionError(f"the submission is larger than {MAX_TOTAL_BYTES // 1024 // 1024} MiB")
        _check_text(data, p.name)
        (dest / p.name).write_bytes(data)


def _check_text(data: bytes, name: str):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{name} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from None


def _extract_zip(path: Path, dest: Path, modules, notes):
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{path.name} is not a valid zip file ({exc})") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()
                 and "__MACOSX" not in i.filename and not Path(i.filename).name.startswith("._")]
        if len(infos) > MAX_FILES:
            raise SubmissionError(f"{path.name} holds {len(infos)} files (at most {MAX_FILES})")
        total = unpacked = 0
        staging = dest / "_unzipped"
        staging.mkdir()
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise SubmissionError(f"{path.name}: unsafe path {info.filename!r} in the zip")
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise SubmissionError(f"{path.name}: {info.filename!r} is a symbolic link")
            if info.file_size > MAX_FILE_BYTES:
                raise SubmissionError(f"{path.name}: {info.filename!r} is larger than allowed")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise SubmissionError(f"{path.name}: {info.filename!r} is compressed suspiciously "
                                      "well (zip bomb?)")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{path.name} unpacks to more than allowed")
            target = staging.joinpath(*parts)
            if staging.resolve() not in target.resolve().parents:
                raise SubmissionError(f"{path.name}: unsafe path {info.filename!r} in the zip")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src:
                    # Read at most one byte past the limit: a header that lies about
                    # the size cannot make us unpack more than that.
                    data = src.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
                    ValueError) as exc:
                raise SubmissionError(f"{path.name}: {info.filename!r} cannot be unpacked "
                                      f"({type(exc).__name__})") from None
            if len(data) > MAX_FILE_BYTES:
                raise SubmissionError(f"{path.name}: {info.filename!r} is larger than allowed")
            if len(data) > MAX_RATIO * max(info.compress_size, 1) and len(data) > 1024 * 1024:
                raise SubmissionError(f"{path.name}: {info.filename!r} is compressed suspiciously "
                                      "well (zip bomb?)")
            unpacked += len(data)
            if unpacked > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{path.name} unpacks to more than allowed")
            with open(target, "wb") as out:
                out.write(data)
    _copy_folder(staging, dest, modules, notes)
    shutil.rmtree(staging, ignore_errors=True)


# -- notebooks ---------------------------------------------------------------------------

_HELP = re.compile(r"^[\w.]+\?{1,2}\s*$")


def _clean_cell(source: str) -> str:
    """Drop IPython magics and shell lines, keep everything else."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""
    kept = []
    for line in lines:
        s = line.lstrip()
        if s.startswith(("%", "!", "?")) or _HELP.match(s):
            kept.append("")  # keep line numbers stable
        else:
            kept.append(line)
    return "\n".join(kept)


NOTEBOOK_MODULE = "_submission_notebook"


def notebook_to_modules(data: bytes, name: str, dest: Path, modules, notes):
    import nbformat

    _check_text(data, name)
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        raise SubmissionError(f"{name} is not a valid Jupyter notebook ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
    # Cells the assignment notebook tags "not-graded" (the pictures section, which
    # trains small models) define nothing that is graded: skip them to save time.
    cells = [_clean_cell(c.source) for c in nb.cells if c.cell_type == "code"
             and "not-graded" not in (c.get("metadata", {}).get("tags") or [])]
    body = (
        "# Generated by the grader from the submitted notebook: each code cell runs in order.\n"
        "import sys as _sys, traceback as _tb\n"
        f"_CELLS = {json.dumps(cells)}\n"
        "CELL_ERRORS = []\n"
        "for _i, _src in enumerate(_CELLS):\n"
        "    try:\n"
        "        exec(compile(_src, f'<cell {_i + 1}>', 'exec'), globals())\n"
        "    except (Exception, SystemExit) as _e:\n"
        "        CELL_ERRORS.append((_i + 1, f'{type(_e).__name__}: {_e}'))\n"
    )
    (dest / f"{NOTEBOOK_MODULE}.py").write_text(body, encoding="utf-8")
    for module in modules:
        (dest / f"{module}.py").write_text(
            f"from {NOTEBOOK_MODULE} import *  # noqa: F401,F403\n", encoding="utf-8")
    notes.append(f"graded the notebook {name} ({len(cells)} code cells)")
