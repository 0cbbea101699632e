import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once per test run (skips if it is not installed)."""
    tensorflow = pytest.importorskip("tensorflow")
    return tensorflow


@pytest.fixture(scope="session", autouse=True)
def _private_example_cache(tmp_path_factory):
    """Drawn hypothesis examples are kept on disk between processes
    (grader.propcache); each test run starts with an empty cache of its own."""
    old = os.environ.get("GRADER_CACHE_DIR")
    os.environ["GRADER_CACHE_DIR"] = str(tmp_path_factory.mktemp("grader-cache"))
    yield
    if old is None:
        os.environ.pop("GRADER_CACHE_DIR", None)
    else:
        os.environ["GRADER_CACHE_DIR"] = old
