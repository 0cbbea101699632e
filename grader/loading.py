"""Turning a submission (folder, notebook or zip) into a folder of modules.

Every layout ends up as a private temporary folder holding ``<module>.py`` files,
which is all the worker ever sees. A notebook becomes one module that runs its code
cells in order (each cell on its own, so a broken cell does not hide the
definitions of the others) and one small module per assignment module that
re-exports its names.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import stat
import tokenize
import zipfile
from pathlib import Path

from . import tmpdirs
from .errors import SubmissionError

MAX_FILES = 200
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Folders a module may sit in (``alice/hw/optimizers.py`` is 2 deep).
MAX_DEPTH = 8
#: Longest path of a module inside an archive, and longest name of one of its folders.
MAX_PATH_CHARS = 255
MAX_NAME_CHARS = 100
#: Entries an archive may list in all (candidate modules or not).
MAX_ENTRIES = 10000


class Notes(list):
    """The notes of a loaded submission, and (``modules``) why a module of the
    assignment could not be taken from it (only that module's parts fail)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.modules: dict[str, str] = {}


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
    tmp = tmpdirs.mkdtemp("sub")
    try:
        notes = Notes()
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
        _add_module(dest, path.name, data, modules, notes)
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
    """Copy the top-level .py files (the modules and any helpers they import). A folder
    holding nothing but one folder (``alice/hw/...``) is entered, at most
    :data:`MAX_DEPTH` times."""
    for _ in range(MAX_DEPTH + 1):
        _refuse_outside_links(src)
        entries = sorted(src.iterdir())
        found = [p for p in entries if p.suffix == ".py" and not p.name.startswith(".")]
        if found:
            break
        notebooks = [p for p in entries if p.suffix.lower() == ".ipynb" and not p.name.startswith(".")]
        if len(notebooks) == 1:
            notebook_to_modules(_read_regular(notebooks[0], MAX_NOTEBOOK_BYTES), notebooks[0].name,
                                dest, modules, notes)
            return
        if len(notebooks) > 1:
            raise SubmissionError("the folder holds several notebooks and no .py files: "
                                  f"submit one ({', '.join(p.name for p in notebooks)})")
        sub = [p for p in entries if p.is_dir() and not p.name.startswith((".", "__"))]
        if len(sub) != 1 or sub[0].is_symlink():
            return
        src = sub[0]
    else:
        return  # deeper than any real submission: nothing is taken from it
    if len(found) > MAX_FILES:
        raise SubmissionError(f"too many files ({len(found)})")
    total = 0
    for p in found:
        data = _read_regular(p, MAX_FILE_BYTES)
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise SubmissionError(f"the submission is larger than {MAX_TOTAL_BYTES // 1024 // 1024} MiB")
        _add_module(dest, p.name, data, modules, notes)


def _add_module(dest: Path, filename: str, data: bytes, modules, notes) -> None:
    """Put one .py file in the folder the worker sees. A module of the assignment that
    Python could not read (not UTF-8 and no coding line that fits) is left out, and why
    is kept in ``notes.modules``: only that module's parts fail."""
    stem = filename[:-3]
    problem = text_problem(data, filename)
    if problem and stem in modules:
        if isinstance(notes, Notes):
            notes.modules[stem] = problem
            return
        raise SubmissionError(problem)
    # A helper module with such a problem is copied all the same: Python's own error
    # then names it, in the parts whose modules import it.
    (dest / filename).write_bytes(data)


#: Encodings a file that is not UTF-8 is most likely in, and who uses them.
#: (Only these two: Shift-JIS or GBK would also "decode" most Latin-1 text.)
_LIKELY = (("cp949", "CP949 (EUC-KR), the encoding of Korean Windows"),
           ("cp1252", "Windows-1252 or Latin-1 (Western European Windows)"))


#: A PEP 263 coding line (the regular expression of the PEP).
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def text_problem(data: bytes, name: str) -> str:
    """Why Python cannot read ``data`` as source code ("" when it can): its encoding is
    UTF-8, or the one a PEP 263 coding line (``# -*- coding: cp949 -*-``) declares."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        head = data.split(b"\n", 2)[:2]
        if any(_CODING.match(line) for line in head):  # a coding line Python cannot use
            return f"{name}: its coding line cannot be used ({str(exc)[:120]}); save it as UTF-8"
        encoding = "utf-8"  # not UTF-8 in its first two lines, and no coding line
    try:
        data.decode(encoding)
        return ""
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
    return not_utf8_message(data, name, start, encoding)


def not_utf8_message(data: bytes, name: str, start: int, encoding: str = "utf-8") -> str:
    line = data.count(b"\n", 0, start) + 1
    where = f"line {line}, byte 0x{data[start]:02X}" if start < len(data) else f"line {line}"
    declared = "" if encoding in ("utf-8", "utf-8-sig") else f" (its coding line says {encoding})"
    likely = ""
    suspect = b"\n".join(line for line in data.split(b"\n") if not _is_utf8(line))
    for enc, who in _LIKELY:
        try:
            suspect.decode(enc)
        except UnicodeDecodeError:
            continue
        likely = f" It looks like {who}."
        break
    return (f"{name} is not UTF-8 text{declared} ({where}).{likely} Save it as UTF-8 "
            "(VS Code: click the encoding in the status bar, then \"Save with Encoding\", "
            "UTF-8; Notepad: \"Save as\", Encoding: UTF-8) and submit it again.")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _check_text(data: bytes, name: str):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(not_utf8_message(data, name, exc.start)) from None


def _candidate(parts: list[str]) -> bool:
    """Whether an archive entry can be part of a submission: a module or a notebook,
    not hidden, not in a cache or macOS's resource folder."""
    base = parts[-1] if parts else ""
    if not base.endswith(".py") and not base.lower().endswith(".ipynb"):
        return False
    return not any(p.startswith((".", "__MACOSX", "__pycache__")) for p in parts) \
        and not base.startswith("._")


def _extract_zip(path: Path, dest: Path, modules, notes):
    """Unpack the modules and notebooks of a zip (everything else in it is ignored),
    refusing, with a one-line reason, paths that are unsafe, too deep or too long."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SubmissionError(f"{path.name} is not a valid zip file ({str(exc)[:200]})") from None
    with zf:
        everything = zf.infolist()
        if len(everything) > MAX_ENTRIES:
            raise SubmissionError(f"{path.name} lists {len(everything)} entries (at most {MAX_ENTRIES})")
        infos = []
        for info in everything:
            if info.is_dir():
                continue
            name = info.filename.replace("\\", "/")
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise SubmissionError(f"{path.name}: unsafe path {info.filename[:80]!r} in the zip")
            if not _candidate(parts):
                continue
            if len(parts) - 1 > MAX_DEPTH:
                raise SubmissionError(f"{path.name}: {parts[-1][:80]!r} is {len(parts) - 1} folders "
                                      f"deep in the zip (at most {MAX_DEPTH})")
            if len(name) > MAX_PATH_CHARS or any(len(p) > MAX_NAME_CHARS for p in parts):
                raise SubmissionError(f"{path.name}: a path in the zip is too long "
                                      f"({name[:60]!r}...; at most {MAX_PATH_CHARS} characters)")
            infos.append((info, parts))
        if len(infos) > MAX_FILES:
            raise SubmissionError(f"{path.name} holds {len(infos)} files (at most {MAX_FILES})")
        total = unpacked = 0
        staging = dest / "_unzipped"
        staging.mkdir()
        for info, parts in infos:
            shown = "/".join(parts)[:80]
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise SubmissionError(f"{path.name}: {shown!r} is a symbolic link")
            if info.file_size > MAX_FILE_BYTES:
                raise SubmissionError(f"{path.name}: {shown!r} is larger than allowed")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise SubmissionError(f"{path.name}: {shown!r} is compressed suspiciously "
                                      "well (zip bomb?)")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{path.name} unpacks to more than allowed")
            target = staging.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists() or target.is_symlink():
                    raise SubmissionError(f"{path.name}: {shown!r} is in the zip twice, or is "
                                          "both a file and a folder")
            except OSError:
                raise SubmissionError(f"{path.name}: {shown!r} is both a file and a folder "
                                      "in the zip") from None
            try:
                with zf.open(info) as src:
                    # Read at most one byte past the limit: a header that lies about
                    # the size cannot make us unpack more than that.
                    data = src.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
                    ValueError) as exc:
                raise SubmissionError(f"{path.name}: {shown!r} cannot be unpacked "
                                      f"({type(exc).__name__})") from None
            if len(data) > MAX_FILE_BYTES:
                raise SubmissionError(f"{path.name}: {shown!r} is larger than allowed")
            if len(data) > MAX_RATIO * max(info.compress_size, 1) and len(data) > 1024 * 1024:
                raise SubmissionError(f"{path.name}: {shown!r} is compressed suspiciously "
                                      "well (zip bomb?)")
            unpacked += len(data)
            if unpacked > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{path.name} unpacks to more than allowed")
            try:
                with open(target, "xb") as out:
                    out.write(data)
            except OSError as exc:
                raise SubmissionError(f"{path.name}: {shown!r} cannot be unpacked "
                                      f"({exc.strerror or type(exc).__name__})") from None
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
