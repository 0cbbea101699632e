import os
import tempfile

import pytest

from grader.sandbox import isolation, shared_box

from .helpers import LINUX, PREEXISTING

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_collection_modifyitems(items):
    """A test that needs TensorFlow is also ``slow``: importing it alone takes seconds, which
    the fast lane (``-m "not slow"``) does not spend; the full suite runs them."""
    for item in items:
        if item.get_closest_marker("tf") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture(autouse=True)
def shared_runner(request):
    """Under the "shared" runner (a test parametrized by ``runner``, see helpers.runners),
    the test's sandboxes share one box, destroyed at the end (before private_tmp checks
    that the grader's temporary folders are gone)."""
    params = getattr(request.node, "callspec", None)
    shared = params is not None and params.params.get("runner") == "shared"
    if shared and "private_tmp" in request.fixturenames:
        request.getfixturevalue("private_tmp")
    if shared:
        shared_box.share_boxes(True)
        before = dict(shared_box.STATS)
    yield
    if shared:
        shared_box.share_boxes(False)
        print("shared box:", {k: shared_box.STATS[k] - before[k] for k in before})
        assert shared_box.STATS["forks"] > before["forks"], "no worker was forked in a shared box"
