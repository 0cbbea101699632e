"""Korean feedback: ``grader check --lang ko`` and ``grader.check(..., lang="ko")``.

The checks speak English; this module translates a finished result, so the checks stay
language-free and every renderer works unchanged. The words come from two places:

* the engine's own words, here: the renderers' labels (:data:`LABELS_KO`), the messages
  of the engine and the sandbox and generic message fragments (:data:`MESSAGES_KO`);
* each assignment's words, declared with its parts as ``T(en, ko)``
  (:class:`grader.declaration.T`): part titles, check names, hints (by mistake id); and
  ``Assignment.messages_ko``: the ``(regex, Korean)`` fragments of its own messages
  and of its examples' text (line by line), with its notes (:func:`exact_ko`).

A result is matched with its declaration by what is stable: the part's id, the check's
English name, the mistake id. So this also works on results that crossed a process or
a JSON file (batch grading, the gradebook). Anything without a translation stays in
English. ``tests/test_i18n.py`` checks that every registered assignment declares a
Korean text for every title, check name and hint.
"""

from __future__ import annotations

import dataclasses
import re

LANGS = ("en", "ko")


def validate_lang(lang) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(map(repr, LANGS))}; received {lang!r}")
    return lang


# -- labels of the renderers ---------------------------------------------------------------------

LABELS_KO = {
    "part": "파트", "points": "점수", "checks": "검사", "passed": "통과", "PASS": "통과",
    "FAIL": "실패", "note": "참고", "hint": "힌트", "input": "입력", "expected": "기대값",
    "got": "실제값", "error": "오류", "score": "점수", "all passed": "모두 통과",
    "smallest failing example": "실패한 가장 작은 예", "not yet": "아직 남은 부분이 있음",
    "checks passed": "개 검사 통과",
}


def label(text: str, lang: str = "en") -> str:
    """A renderer's fixed word (``"hint"``, ``"expected"``...) in ``lang``."""
    if lang == "ko":
        return LABELS_KO.get(text, text)
    return text


# -- the engine's messages (applied in order, after the assignment's; whatever does not match
#    stays English) ------------------------------------------------------------------------------

MESSAGES_KO = [
    (r"^passed$", "통과"),
    (r"not implemented yet \((.+?) raises? NotImplementedError\)",
     r"아직 구현되지 않았습니다 (\1에서 NotImplementedError 발생)"),
    (r"^(.+?) (?:is|are) not defined in this notebook yet \(run the cell that defines it\)",
     r"\1이(가) 아직 이 노트북에 정의되지 않았습니다 (정의하는 셀을 먼저 실행하세요)"),
    (r"^(.+?) not found in the submission$", r"제출물에 \1이(가) 없습니다"),
    (r"^(.+?) not found in (\w+\.py)$", r"\2에서 \1을(를) 찾을 수 없습니다"),
    (r"^the submission could not be read: ", "제출물을 읽을 수 없습니다: "),
    (r"^importing your modules failed: ", "모듈을 불러오지 못했습니다: "),
    (r"^(\w+\.py) could not be imported: ", r"\1을(를) 불러올 수 없습니다: "),
    (r"only numpy \(and the standard library\) may be used",
     "numpy(와 표준 라이브러리)만 쓸 수 있습니다"),
    (r"(\d+) of (\d+) values differ; worst at index (\([^)]*\)): ",
     r"\2개 중 \1개 값이 다릅니다. 차이가 가장 큰 위치 \3: "),
    (r"(\d+) of (\d+) values differ; worst: ", r"\2개 중 \1개 값이 다릅니다. 가장 큰 차이: "),
    # how many of a check's recorded cases a submission gets wrong, as the checks of more
    # than one assignment end their messages ("(3 of 8 cases differ)", "[3 of 8 ...]")
    (r"\((\d+) of (\d+) cases differ\)", r"(\2개 중 \1개 케이스가 다릅니다)"),
    (r"\[(\d+) of (\d+) cases differ\]", r"[\2개 중 \1개 케이스가 다릅니다]"),
    (r"\((\d+) recorded cases differ\)", r"(기록된 케이스 중 \1개가 다릅니다)"),
    (r"got ([^,\s]+), expected ", r"실제값 \1, 기대값 "),
    (r"^(.+?) is None \(did you forget to return it\?\)",
     r"\1이(가) None입니다 (return을 빠뜨리지 않았나요?)"),
    (r"^(.+?) has shape (\(.*?\)), expected (\(.*?\))", r"\1의 모양이 \2입니다 (기대한 모양: \3)"),
    (r"contains NaN or inf \(the inputs were finite\)",
     "에 NaN이나 inf가 있습니다 (입력은 모두 유한한 값이었습니다)"),
    (r"^(.+?) raised ", r"\1에서 예외 발생: "),
    (r"^(.+?) was not run: earlier in this submission, ",
     r"\1은(는) 실행되지 않았습니다: 이 제출물에서 앞서 "),
    (r"; `(.+?)` is not called again, and the remaining checks that call it were not run$",
     r"; `\1`은(는) 다시 호출하지 않으며, 이를 호출하는 나머지 채점 항목은 실행되지 않았습니다"),
    (r"; `(.+?)` is not called again in this submission$",
     r"; 이 제출물에서 `\1`은(는) 다시 호출하지 않습니다"),
    (r"not run: time budget used up \(the whole submission may take ([\d.]+) s\)",
     r"실행되지 않았습니다: 시간 예산을 모두 썼습니다 (제출물 전체에 \1초까지 쓸 수 있습니다)"),
    ((r"did not finish before the time budget of the whole submission \(([\d.]+) s\) ran out; "
      r"the checks after this one are not run"),
     r"제출물 전체의 시간 예산(\1초)이 다하기 전에 끝나지 않았습니다. 이후 채점 항목은 실행되지 않습니다"),
    (r"stopped the process running your code (\d+) times",
     r"코드를 실행하는 프로세스를 \1번 멈추게 했습니다"),
    (r"did not finish within ([\d.]+) s", r"\1초 안에 끝나지 않았습니다"),
    (r" \(an infinite loop, or far too slow\)", " (무한 루프이거나 너무 느립니다)"),
    (r"^graded the notebook (.+?) \((\d+) code cells\)$",
     r"노트북 \1을(를) 채점했습니다 (코드 셀 \2개)"),
    (r"^your code's process was restarted (\d+) time\(s\) after a crash or a timeout$",
     r"코드를 실행하는 프로세스가 충돌이나 시간 초과로 \1번 다시 시작되었습니다"),
    (r"is defined inside another function; define it at the top level of a cell",
     "이(가) 다른 함수 안에 정의되어 있습니다. 셀의 최상위 수준에서 정의하세요"),
    ((r"^these are the public checks only: your final grade also counts hidden checks of the "
      r"same parts, so it can be lower than this score$"),
     ("공개 채점 항목만의 결과입니다. 최종 성적에는 같은 파트의 비공개 채점 항목도 포함되므로 "
      "이 점수보다 낮을 수 있습니다")),
]
_COMPILED = [(re.compile(p), r) for p, r in MESSAGES_KO]

#: Where a failing example stands in a sequence of calls (the start of its inputs).
EXAMPLE_KO = [
    (r"^step (\d+) of (\d+): ", r"스텝 \1/\2: "),
    (r"^call (\d+) of (\d+): ", r"호출 \1/\2: "),
]
_EXAMPLE_COMPILED = [(re.compile(p), r) for p, r in EXAMPLE_KO]


def exact_ko(*texts) -> tuple:
    """``Assignment.messages_ko`` entries translating each declared ``T(en, ko)`` when it
    is a whole message or note (a note a check returns, e.g. on an accepted variant)."""
    from .declaration import ko

    return tuple((f"^{re.escape(str(t))}$", ko(t).replace("\\", "\\\\")) for t in texts)


# -- the assignment's declared text ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DeclaredText:
    """An assignment's Korean, indexed by what a result keeps: part id, English title,
    check name and mistake id (see the module's docstring)."""

    titles: dict           # part id -> {English title: Korean}
    names: dict            # part id -> {English check name: Korean}
    hints: dict            # part id -> {mistake id: Korean}
    messages: tuple        # compiled (pattern, replacement) of Assignment.messages_ko

    @classmethod
    def of(cls, assignment) -> DeclaredText:
        from .declaration import ko

        titles, names, hints = {}, {}, {}
        for p in assignment.parts:
            titles[p.id] = {str(p.title): ko(p.title)}
            names[p.id] = {str(c.name): ko(c.name) for c in p.checks}
            hints[p.id] = {k: ko(v) for c in p.checks for k, v in c.hints.items()
                           if hasattr(v, "ko")}
        for table in (names, hints):       # what no part of its own declares: any part's
            table[None] = {k: v for per_part in table.values() for k, v in per_part.items()}
        messages = tuple((re.compile(p), r) for p, r in assignment.messages_ko)
        return cls(titles, names, hints, messages)

    def name(self, part_id: str, en: str) -> str:
        return self.names.get(part_id, {}).get(en) or self.names[None].get(en, en)

    def hint(self, part_id: str, mistake: str) -> str:
        return self.hints.get(part_id, {}).get(mistake) or self.hints[None].get(mistake, "")


_EMPTY = DeclaredText({}, {None: {}}, {None: {}}, ())
_TEXTS: dict[int, tuple] = {}       # id(assignment) -> (assignment, its DeclaredText)


def declared_text(assignment) -> DeclaredText:
    """The Korean declared by ``assignment`` (None: nothing)."""
    if assignment is None:
        return _EMPTY
    hit = _TEXTS.get(id(assignment))
    if hit is None or hit[0] is not assignment:
        hit = _TEXTS[id(assignment)] = (assignment, DeclaredText.of(assignment))
    return hit[1]


def assignment_of(result, assignment=None):
    """The declaration ``result`` was graded against: ``assignment`` when given (an
    Assignment, a name or a package's folder), else the one its ``meta["assignment"]``
    names, else the known assignment most of whose parts it has (by id and title);
    None when no assignment has any of them."""
    from . import assignments as registry

    if assignment is not None:
        return registry.get(assignment)
    ref = (getattr(result, "meta", None) or {}).get("assignment")
    named = _loaded(registry, ref) if ref else None
    if named is not None:
        return named
    best, best_score = None, 0
    for a in _known_assignments(registry):
        declared = {p.id: str(p.title) for p in a.parts}
        score = sum((p.id in declared) + (declared.get(p.id) == p.title) for p in result.parts)
        if score > best_score:
            best, best_score = a, score
    return best


def _loaded(registry, ref):
    """The assignment ``ref`` names, or None when it does not load (one being written
    must not break the feedback of the others)."""
    try:
        return registry.get(ref)
    except Exception:  # noqa: BLE001
        return None


def _known_assignments(registry):
    """The registered assignments that load, then those loaded by path in this process."""
    seen = []
    found = [_loaded(registry, name) for name in registry.names()]
    for a in (*found, *list(getattr(registry, "_LOADED", {}).values())):
        if a is not None and all(a is not b for b in seen):
            seen.append(a)
    return seen


# -- translating a result ------------------------------------------------------------------------

def _example_ko(ex, declared: DeclaredText | None = None):
    """An example's inputs, expected and got values in Korean: where it stands in a
    sequence (:data:`EXAMPLE_KO`), then, line by line, the assignment's fragments (its
    examples may describe their inputs in words: "the optimizer's rate starts at 0.1").
    The error (a traceback) stays as it is."""
    if ex is None or not (ex.inputs or ex.expected or ex.got):
        return ex
    inputs = ex.inputs
    for pattern, repl in _EXAMPLE_COMPILED:
        inputs = pattern.sub(repl, inputs) if inputs else inputs
    fields = {"inputs": inputs, "expected": ex.expected, "got": ex.got}
    for name, text in fields.items():
        if text and declared is not None and declared.messages:
            lines = text.split("\n")
            for i, line in enumerate(lines):
                for pattern, repl in declared.messages:
                    line = pattern.sub(repl, line)
                lines[i] = line
            fields[name] = "\n".join(lines)
    changed = {k: v for k, v in fields.items() if v != getattr(ex, k)}
    return dataclasses.replace(ex, **changed) if changed else ex


def translate_message(text: str, lang: str = "en", assignment=None) -> str:
    """``text`` (a message, a note) in ``lang``: the assignment's fragments first (an
    Assignment, or its :class:`DeclaredText`), then the engine's. Only the first line
    is translated (the rest is usually a traceback)."""
    if lang != "ko" or not text:
        return text
    declared = assignment if isinstance(assignment, DeclaredText) else declared_text(assignment)
    lines = text.split("\n")
    first = lines[0]
    for pattern, repl in (*declared.messages, *_COMPILED):
        first = pattern.sub(repl, first)
    return "\n".join([first] + lines[1:])


def _hint_ko(c, part_id: str, declared: DeclaredText) -> str:
    """A check's hint in Korean: the one declared for its mistake id, or generated
    (ignored arguments, see :mod:`grader.diagnosis`); else the English one."""
    text = declared.hint(part_id, c.diagnosis)
    if text:
        return text
    from .diagnosis import hint
    return hint(c.diagnosis, "ko") or c.hint


def _note_ko(note: str, declared: DeclaredText) -> str:
    """A check's note in Korean: by the assignment's declared notes and fragments."""
    if not note:
        return note
    for pattern, repl in declared.messages:
        note = pattern.sub(repl, note)
    return note


def localize(result, lang: str = "en", assignment=None):
    """The same :class:`~grader.results.SubmissionResult`, with its words in ``lang``.

    ``assignment``: the declaration it was graded against (an Assignment, a name or a
    package's folder); default: found from the result (see :func:`assignment_of`)."""
    validate_lang(lang)
    if lang == "en":
        return result
    declared = declared_text(assignment_of(result, assignment))
    parts = []
    for p in result.parts:
        checks = tuple(dataclasses.replace(
            c, name=declared.name(p.id, c.name),
            message=translate_message(c.message, lang, declared),
            hint=_hint_ko(c, p.id, declared) if c.hint else c.hint,
            note=_note_ko(c.note, declared), example=_example_ko(c.example, declared))
            for c in p.checks)
        title = declared.titles.get(p.id, {}).get(p.title, p.title)
        parts.append(dataclasses.replace(p, title=title, checks=checks,
                                         error=translate_message(p.error, lang, declared)))
    notes = tuple(translate_message(n, lang, declared) for n in result.notes)
    return dataclasses.replace(result, parts=tuple(parts), notes=notes)
