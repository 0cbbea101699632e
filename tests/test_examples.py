"""The shipped examples (README command 1) are graded as their descriptions say."""

from __future__ import annotations

import pytest

from .helpers import ROOT, grade_path, lost_points

EXAMPLES = ROOT / "examples" / "submissions"
EXPECTED_LOSSES = {
    "kim_minji": set(),
    "lee_junho": {"adam", "l1_l2"},
    "park_seoyeon.ipynb": {"dropout"},
    "choi_woojin.zip": {"l1_l2", "dropout", "batchnorm_train", "batchnorm_inference",
                        "early_stopping"},
    "jung_hyun": {"l1_l2", "dropout", "batchnorm_train", "early_stopping"},
}


@pytest.mark.slow
@pytest.mark.parametrize("entry", sorted(EXPECTED_LOSSES))
def test_example_loses_points_where_its_description_says(entry):
    result = grade_path(EXAMPLES / entry)
    assert set(lost_points(result)) == EXPECTED_LOSSES[entry]


def test_examples_folder_holds_exactly_the_described_submissions():
    assert {p.name for p in EXAMPLES.iterdir()} == set(EXPECTED_LOSSES)


def test_examples_are_in_sync_with_the_solutions(tmp_path):
    """examples/submissions is generated from solutions/ (examples/make_examples.py)."""
    import importlib.util
    import zipfile

    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "examples" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)

    def contents(folder):
        out = {}
        for p in sorted(folder.rglob("*")):
            if p.suffix == ".zip":
                with zipfile.ZipFile(p) as zf:
                    out.update({f"{p.name}/{n}": zf.read(n) for n in zf.namelist()})
            elif p.is_file():
                out[str(p.relative_to(folder))] = p.read_bytes()
        return out

    assert contents(tmp_path) == contents(EXAMPLES), "run `python examples/make_examples.py`"
