import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once per test run (skips if it is not installed)."""
    tensorflow = pytest.importorskip("tensorflow")
    return tensorflow
