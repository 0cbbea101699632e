import os
import tempfile

import pytest

from grader.sandbox import isolation

from .helpers import LINUX, PREEXISTING

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once per test run (skips if it is not installed)."""
    tensorflow = pytest.importorskip("tensorflow")
    return tensorflow


@pytest.fixture
def known_children():
    """Children the test process already had (e.g. multiprocessing's forkserver and
    resource tracker, started by earlier tests of the run) are not a submission's."""
    PREEXISTING.clear()
    if LINUX:
        PREEXISTING.update(isolation.descendants(os.getpid(), isolation.proc_table()))
    yield


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The grader's temporary folders go to a private place, checked empty afterwards."""
    tmp = tmp_path / "grader-tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    cwd = tmp_path / "grader-cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    yield tmp
    monkeypatch.undo()
    assert sorted(os.listdir(tmp)) == [], "the grader left temporary folders behind"
    # (hypothesis keeps its example database there: that is the grader, not the submission)
    assert sorted(set(os.listdir(cwd)) - {".hypothesis"}) == [], \
        "something was written in the grader's working folder"
