"""feedback.md is valid CommonMark: rendered by a CommonMark parser (markdown-it-py, which
rich already brings), a failing check's details stay a code block, formulas are not turned
into bold or italics, and nothing from a submission becomes HTML."""

from __future__ import annotations

import pytest

from grader.report import to_markdown
from grader.results import CheckResult, Example, PartResult, SubmissionResult

markdown_it = pytest.importorskip("markdown_it")

HINT = ("Adam's bias correction divides m by 1-beta_1**t and v by 1-beta_2**t; "
        "a_b_c and *stars* and <b>tags</b> | pipes | stay text.")


def _result() -> SubmissionResult:
    failing = CheckResult(
        name="matches Keras's Adam(0.01, beta_1=0.9, beta_2=0.99) on the lecture's example",
        passed=False, points=0.0, max_points=4.0,
        message="`adam_step` differs from Keras at step 2 (new parameter: 3 of 4 values differ)\n"
                "second line with **stars** and __under__ and <script>alert(1)</script>",
        example=Example(inputs="step 2 of 12: adam_step(array([1., -2.]), t=2)",
                        expected="array([0.99, -1.99])", got="array([0.9, -1.9])",
                        error="Traceback:\n  File \"optimizers.py\", line 3\n    x = y ** 2 * z ** 3"),
        diagnosis="adam_no_bias_correction", hint=HINT)
    passing = CheckResult(name="first step ~ -lr * sign(grad)", passed=True, points=2.0, max_points=2.0,
                          message="passed", note="You use the textbook form m_hat / (sqrt(v_hat) + "
                                                 "epsilon); accepted.")
    part = PartResult(id="adam", title="Adam", score=2.0, max_score=6.0, checks=(failing, passing))
    return SubmissionResult(name="kim_**minji**", parts=(part,), notes=("printed: <img src=x>",))


def _tokens(text: str):
    md = markdown_it.MarkdownIt("commonmark")
    out = []

    def walk(tokens):
        for t in tokens:
            out.append(t)
            walk(t.children or [])
    walk(md.parse(text))
    return out


def test_failing_details_are_code_blocks_and_formulas_stay_text():
    text = to_markdown(_result())
    tokens = _tokens(text)
    kinds = [t.type for t in tokens]
    assert "html_block" not in kinds and "html_inline" not in kinds
    blocks = [t.content for t in tokens if t.type in ("fence", "code_block")]
    details = "\n".join(blocks)
    # every line of the failing check's details is inside a code block, verbatim
    for line in ("second line with **stars** and __under__ and <script>alert(1)</script>",
                 "step 2 of 12: adam_step(array([1., -2.]), t=2)", "x = y ** 2 * z ** 3", HINT):
        assert line in details, line
    # bold only where the renderer means it (the score line); no italics from formulas
    strong = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "strong_open"]
    assert all(s.startswith("Score") for s in strong), strong
    assert "em_open" not in kinds
    # a list of the parts (one item), then the part's checks (one item each)
    assert kinds.count("bullet_list_open") == 2 and kinds.count("list_item_open") == 1 + 2


def test_text_from_the_submission_is_shown_not_interpreted():
    tokens = _tokens(to_markdown(_result()))
    inline = "".join(t.content for t in tokens if t.type == "text")
    assert "kim_**minji**" in inline  # the name, literally: no bold
    assert "<img src=x>" in inline   # printed output shown as text
    assert not any(t.type == "image" for t in tokens)
