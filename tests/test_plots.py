"""Pictures in feedback: a part's ``plot`` hook computes the data while grading (only
when asked), the result keeps it, renderers only draw it; a picture never changes a
score."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from grader.checking import Settings
from grader.declaration import T
from grader.engine import grade
from grader.gradebook import result_from_dict, result_to_dict
from grader.plots import MAX_BYTES, plain, png
from grader.report_html import feedback_page

from .helpers import FAST, assignment, copy_solutions, grade_path

BROKEN_ADAM = "alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)"
PLOTS = replace(FAST, plots=True)


def broken_adam(tmp_path):
    sub = copy_solutions(tmp_path / "bug")
    opt = sub / "optimizers.py"
    source = opt.read_text(encoding="utf-8")
    assert BROKEN_ADAM in source
    opt.write_text(source.replace(BROKEN_ADAM, "alpha = learning_rate"), encoding="utf-8")
    return sub


def figure(**panel):
    return {"title": T("a title", "제목"), "caption": "under it",
            "panels": [{"title": "p", "lines": [{"x": [1, 2, 3], "y": np.array([1.0, np.nan, 3.0]),
                                                 "label": T("yours", "내 결과"), "style": "o-"}],
                        **panel}]}


# -- the data and the renderer ---------------------------------------------------------------

def test_plain_makes_json_data_with_both_languages():
    data = plain(figure(yscale="log", note=None))
    assert data["title"] == "a title" and data["title_ko"] == "제목"
    assert data["caption"] == "under it" and "caption_ko" not in data
    line = data["panels"][0]["lines"][0]
    assert line == {"x": [1.0, 2.0, 3.0], "y": [1.0, None, 3.0], "label": "yours",
                    "label_ko": "내 결과", "style": "o-"}
    assert data["panels"][0]["yscale"] == "log" and "note" not in data["panels"][0]
    assert plain(data) == data                                 # already plain: unchanged


@pytest.mark.parametrize("bad", [None, [], "x", {"panels": []}, {"panels": [{"lines": []}]},
                                 {"panels": [{"lines": [{"x": [1]}]}]}])
def test_plain_refuses_what_is_not_a_figure(bad):
    assert plain(bad) is None


def test_plain_drops_a_figure_too_large_to_keep():
    big = {"panels": [{"lines": [{"y": np.arange(MAX_BYTES, dtype=float)}]}]}
    assert plain(big) is None


def test_png_draws_the_data_and_nothing_without_lines():
    pytest.importorskip("matplotlib")
    assert png(figure())[:8] == b"\x89PNG\r\n\x1a\n"
    assert png(figure(yscale="log"), lang="ko")[:4] == b"\x89PNG"
    assert png({"panels": [{"lines": []}]}) is None


# -- made while grading ----------------------------------------------------------------------

def test_a_failing_optimizer_gets_its_path_next_to_kerass(tmp_path):
    sub = broken_adam(tmp_path)
    result = grade_path(sub, parts=["momentum", "adam"], hidden=False, settings=PLOTS)
    momentum, adam = result.part("momentum"), result.part("adam")
    assert momentum.full and momentum.plot is None            # nothing to show on a full part
    assert not adam.full and adam.plot is not None
    left, right = adam.plot["panels"]
    keras = [line for line in left["lines"] if line.get("style") == "--"]
    yours = [line for line in left["lines"] if line.get("style") == "o-"]
    assert keras and len(keras) == len(yours)
    assert len(yours[0]["y"]) == len(keras[0]["y"]) > 1      # every step ran
    assert not np.allclose(yours[0]["y"][-1], keras[0]["y"][-1])
    assert right["yscale"] == "log" and all(g > 0 for g in right["lines"][0]["y"])
    assert "next to Keras" in adam.plot["caption"] and adam.plot["caption_ko"]

    plain_result = grade_path(sub, parts=["momentum", "adam"], hidden=False)
    assert all(p.plot is None for p in plain_result.parts)     # only when asked
    assert result.score == plain_result.score
    assert [replace(p, plot=None) for p in result.parts] == list(plain_result.parts)
    assert result.notes == plain_result.notes


def test_the_plot_is_kept_with_the_result_and_drawn_by_the_feedback_page(tmp_path):
    pytest.importorskip("matplotlib")
    result = grade_path(broken_adam(tmp_path), parts=["adam"], hidden=False, settings=PLOTS)
    again = result_from_dict(result_to_dict(result))
    assert again.part("adam").plot == result.part("adam").plot
    page = feedback_page(again)
    assert page.count("data:image/png;base64,") == 1 and "next to Keras" in page
    assert "data:image/png" not in feedback_page(replace(again, parts=tuple(
        replace(p, plot=None) for p in again.parts)))


def test_a_plot_hook_that_breaks_changes_nothing_but_the_picture(tmp_path):
    """A hook raising, returning junk, or calling the student's code wrongly:
    the same scores, checks and notes as without plots."""
    calls = []

    def raises(ctx, checks):
        calls.append("raises")
        raise RuntimeError("a bug in the hook")

    def junk(ctx, checks):
        calls.append("junk")
        return {"panels": "no"}

    def student_code_fails(ctx, checks):
        calls.append("fails")
        ctx.call("adam_step", "not an array", None, None, None, 1)
        return None

    base = assignment()
    hooks = {"momentum": raises, "adam": junk, "adagrad": student_code_fails}
    a = replace(base, parts=tuple(replace(p, plot=hooks.get(p.id, p.plot)) for p in base.parts))
    sub = broken_adam(tmp_path)
    parts = ["momentum", "adagrad", "adam", "rmsprop"]
    with_plots = grade(sub, a, parts=parts, settings=PLOTS)
    without = grade(sub, a, parts=parts, settings=FAST)
    assert sorted(calls) == ["fails", "junk", "raises"]
    assert all(p.plot is None for p in with_plots.parts)
    assert with_plots.parts == without.parts and with_plots.notes == without.notes
    assert with_plots.score == without.score


def test_plots_are_not_in_the_checks_version():
    """A picture never changes a score: the gradebook need not regrade for it."""
    from grader.gradebook import checks_version

    assert repr(PLOTS) == repr(FAST)
    assert checks_version(PLOTS, assignment()) == checks_version(FAST, assignment())
