"""Korean feedback: the words a student reads are translated, including where a failing
example stands in a sequence of steps or calls.

The engine's words are in grader/i18n.py; an assignment's (part titles, check names,
hints, notes, its own message fragments) are declared by the assignment, beside each
part, as ``T(en, ko)``; every registered assignment is held to that here."""

from __future__ import annotations

import json
import re
import tokenize
from pathlib import Path

import pytest

from grader.assignments import get, names
from grader.declaration import T
from grader.i18n import LABELS_KO, assignment_of, exact_ko, localize, translate_message
from grader.results import CheckResult, Example, PartResult, SubmissionResult

HANGUL = re.compile("[가-힣]")
I18N = Path(__file__).resolve().parents[1] / "grader" / "i18n.py"


def _result(inputs: str) -> SubmissionResult:
    check = CheckResult(name="x", passed=False, points=0.0, max_points=1.0, message="m",
                        example=Example(inputs=inputs, expected="1", got="2"))
    part = PartResult(id="adam", title="Adam", score=0.0, max_score=1.0, checks=(check,))
    return SubmissionResult(name="s", parts=(part,))


def test_step_and_call_positions_are_translated():
    ko = localize(_result("step 2 of 12: adam_step(array([1.0]), t=2)"), "ko")
    inputs = ko.parts[0].checks[0].example.inputs
    assert inputs == "스텝 2/12: adam_step(array([1.0]), t=2)"
    ko = localize(_result("call 1 of 3: batchnorm_train(x)"), "ko")
    assert ko.parts[0].checks[0].example.inputs == "호출 1/3: batchnorm_train(x)"


def test_english_examples_and_other_inputs_are_left_alone():
    en = _result("step 2 of 12: adam_step(x)")
    assert localize(en, "en") is en
    ko = localize(_result("adam_step(x)  # step 2 of 12"), "ko")
    assert ko.parts[0].checks[0].example.inputs == "adam_step(x)  # step 2 of 12"


# -- every assignment declares its Korean ------------------------------------------------------

@pytest.mark.parametrize("name", names())
def test_every_title_check_name_and_hint_is_declared_in_english_and_korean(name):
    """Each part's text lives with the part: ``T(en, ko)`` for its title, every check's
    name and every hint (the Korean of a name or a hint is a Korean sentence)."""
    assignment = get(name)
    missing = []
    for part in assignment.parts:
        if not isinstance(part.title, T) or not part.title.ko.strip():
            missing.append(f"{part.id}: title {part.title!r}")
        for check in part.checks:
            if not isinstance(check.name, T) or not HANGUL.search(check.name.ko):
                missing.append(f"{part.id}: check name {check.name!r}")
            for mistake, hint in check.hints.items():
                if not isinstance(hint, T) or not HANGUL.search(hint.ko):
                    missing.append(f"{part.id}: hint {mistake!r}")
    assert missing == [], f"declare these with T(en, ko) in {name}'s package"
    for pattern, replacement in assignment.messages_ko:    # its own message fragments
        re.compile(pattern).sub(replacement, "")            # valid regex and replacement
        assert HANGUL.search(replacement), pattern
    assert all(v.strip() for v in LABELS_KO.values())


def _plain(result: SubmissionResult) -> SubmissionResult:
    """``result`` as the gradebook and batch grading see it: rebuilt from JSON (plain
    strings: no ``T`` survives)."""
    d = json.loads(json.dumps(result.to_dict()))
    parts = tuple(PartResult(
        id=p["id"], title=p["title"], score=p["score"], max_score=p["max_score"],
        error=p["error"], checks=tuple(CheckResult(**{
            **c, "example": Example(**c["example"]) if c.get("example") else None})
            for c in p["checks"])) for p in d["parts"])
    return SubmissionResult(name=d["submission"], parts=parts, notes=tuple(d["notes"]))


@pytest.mark.parametrize("name", names())
def test_a_result_from_json_is_translated_by_the_declaration(name):
    """Part titles, check names and hints are found by part id, English name and
    mistake id in the assignment's declaration, with or without naming it."""
    assignment = get(name)
    parts = []
    for part in assignment.parts:
        checks = []
        for check in part.checks:
            mistake, hint = next(iter(check.hints.items()), ("", ""))
            checks.append(CheckResult(name=str(check.name), passed=False, points=0.0,
                                      max_points=1.0, message="m", hint=str(hint),
                                      diagnosis=mistake))
        parts.append(PartResult(id=part.id, title=str(part.title), score=0.0, max_score=1.0,
                                checks=tuple(checks)))
    result = _plain(SubmissionResult(name="s", parts=tuple(parts)))
    assert assignment_of(result) is assignment
    for ko in (localize(result, "ko"), localize(result, "ko", assignment),
               localize(result, "ko", name)):
        for part, shown in zip(assignment.parts, ko.parts, strict=True):
            assert shown.title == part.title.ko
            for check, c in zip(part.checks, shown.checks, strict=True):
                assert c.name == check.name.ko
                if c.diagnosis:
                    assert c.hint == check.hints[c.diagnosis].ko


def test_notes_on_accepted_variants_are_translated():
    """A note a check returns is declared with its part (``T``) and translated through
    ``Assignment.messages_ko`` (:func:`grader.i18n.exact_ko`), also as plain text."""
    from grader.assignments.training import optimizers, regularization

    training = get("training")
    notes = (*optimizers.EPS_NOTE.values(), regularization.SGD_NOTE,
             regularization.NONFINITE_NOTE)
    for note in notes:
        assert isinstance(note, T) and HANGUL.search(note.ko)
        assert translate_message(str(note), "ko", training) == note.ko
    check = CheckResult(name="x", passed=True, points=1.0, max_points=1.0,
                        note=str(regularization.SGD_NOTE))
    result = _plain(SubmissionResult(name="s", parts=(
        PartResult(id="l1_l2", title="L1 and L2 weight penalties", score=1.0, max_score=1.0,
                   checks=(check,)),)))
    assert localize(result, "ko").parts[0].checks[0].note == regularization.SGD_NOTE.ko


def test_exact_ko_matches_the_whole_text_only():
    (pattern, replacement), = exact_ko(T("a (b) c\\d.", "가 (나) 다\\라."))
    assert re.sub(pattern, replacement, "a (b) c\\d.") == "가 (나) 다\\라."
    assert re.sub(pattern, replacement, "a (b) c\\d. and more") == "a (b) c\\d. and more"


def test_the_assignment_s_fragments_come_before_the_engine_s():
    training = get("training")
    text = ("differs from Keras at step 3 (new parameter: 2 of 4 values differ; worst at "
            "index (1,): got 0.5, expected 0.25)")
    assert translate_message(text, "ko", training) == (
        "3번째 스텝에서 Keras와 다릅니다 (새 파라미터: 4개 중 2개 값이 다릅니다. 차이가 가장 "
        "큰 위치 (1,): 실제값 0.5, 기대값 0.25)")
    # without the assignment, only the engine's generic fragments are translated
    assert translate_message(text, "ko").startswith("differs from Keras at step 3 (new parameter")


def test_how_many_cases_differ_is_the_engine_s_fragment():
    """'(N of M cases differ)' ends the messages of several assignments' checks: the
    engine translates it, for an assignment that declares nothing of it, and leaves an
    assignment's own wording of it (applied first) alone."""
    from grader.i18n import DeclaredText

    new = "your rate is wrong"                        # no assignment translates this part
    assert translate_message(f"{new} (2 of 5 cases differ)", "ko") == \
        f"{new} (5개 중 2개 케이스가 다릅니다)"
    assert translate_message(f"{new} [3 of 4 cases differ]", "ko") == \
        f"{new} [4개 중 3개 케이스가 다릅니다]"
    assert translate_message(f"{new} (7 recorded cases differ)", "ko") == \
        f"{new} (기록된 케이스 중 7개가 다릅니다)"
    assert translate_message(f"{new} (2 of 5 cases differ)\ntraceback (1 of 2 cases differ)",
                             "ko").endswith("다릅니다)\ntraceback (1 of 2 cases differ)")
    for name in names():                              # with or without an entry of its own
        shown = translate_message(f"{new} (2 of 5 cases differ)", "ko", get(name))
        assert "cases differ" not in shown and "5개 중 2개" in shown, (name, shown)
    own = DeclaredText({}, {None: {}}, {None: {}},
                       ((re.compile(r"\((\d+) of (\d+) cases differ\)"), r"(\1/\2 다름)"),))
    assert translate_message(f"{new} (2 of 5 cases differ)", "ko", own) == f"{new} (2/5 다름)"


def test_parts_of_no_known_assignment_stay_english():
    check = CheckResult(name="a brand-new check", passed=False, points=0, max_points=1,
                        message="something new went wrong", hint="a new hint", diagnosis="new_id")
    result = SubmissionResult(name="x", parts=(PartResult(id="p", title="New part", score=0,
                                                          max_score=1, checks=(check,)),))
    assert assignment_of(result) is None
    ko = localize(result, "ko").parts[0]
    assert (ko.title, ko.checks[0].name, ko.checks[0].hint) == \
        ("New part", "a brand-new check", "a new hint")


# -- the engine names no assignment ------------------------------------------------------------

def _tokens(path: Path) -> set[str]:
    """The identifiers and the words in the strings of a Python file (lower case)."""
    out = set()
    with path.open(encoding="utf-8") as f:
        for tok in tokenize.generate_tokens(f.readline):
            if tok.type == tokenize.NAME:
                out.add(tok.string.lower())
            elif tok.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1),
                              tokenize.COMMENT):
                out |= {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", tok.string)}
    return out


def test_i18n_names_no_part_student_function_or_framework():
    """What is about an assignment is declared by it: grader/i18n.py has no token naming
    a part, a student function or name, or the frameworks the references come from."""
    forbidden = {"keras", "tensorflow", "tf", "tf_keras", "torch", "pytorch", "jax"}
    for name in names():
        a = get(name)
        forbidden |= {w.lower() for p in a.parts for w in (p.id, *p.names)}
        forbidden |= {w.lower() for w in a.forbidden}
    found = _tokens(I18N) & forbidden
    assert found == set(), f"move these to the assignment's declaration: {sorted(found)}"


def test_token_scan_sees_strings_comments_and_names(tmp_path):
    src = tmp_path / "x.py"
    src.write_text('x = "differs from Keras"  # Adam\ndef adam_step():\n    pass\n',
                   encoding="utf-8")
    assert {"keras", "adam", "adam_step"} <= _tokens(src)
