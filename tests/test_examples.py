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
