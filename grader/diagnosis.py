"""Part-level diagnoses that no single check can make (issue 11.5): ignored arguments.

The commonest real mistake is a hyper-parameter that is declared but not used: a
literal ``1e-7`` where ``epsilon`` belongs, a fixed learning rate or momentum. Checks
see only that the numbers are wrong; this module proves the cause. When a check of a
part fails, :func:`explain` runs the part's declared :class:`~grader.declaration.Probe`
objects: it calls each student function once as declared, then once per declared
alternative value of ONE keyword argument. An output identical to the first one
(within 1e-12 relative; NaN equal to NaN) means the result does not depend on that
argument, and every failing check of the part then says so ("your result does not
depend on `epsilon`"), instead of a known mistake's name, unless that mistake is
declared by the probe to ignore an argument itself (``Probe.keeps``): a check naming
it keeps the name, and when exactly one such mistake is named, the other failing
checks of the part show it too (it explains their failure as well).

The mechanism names no part: what to call, with which values, is data declared by
each part (see :class:`~grader.declaration.Probe`). Student code runs in the sandbox
as for every check; only plain data comes back, compared here.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .sandbox.runner import CallFailed

#: Prefix of the diagnosis id of an ignored argument: ``"ignores:epsilon"``,
#: ``"ignores:learning_rate,epsilon"``.
PREFIX = "ignores:"
REL = 1e-12
#: How the sandbox reports a call that ran out of time (no probe runs after one).
TIMEOUT = "did not finish within"


def diagnosis_id(names) -> str:
    return PREFIX + ",".join(names)


def ignored_names(diagnosis: str) -> tuple[str, ...]:
    """The argument names of an ignored-argument diagnosis id, else ()."""
    if not diagnosis.startswith(PREFIX):
        return ()
    return tuple(n for n in diagnosis[len(PREFIX):].split(",") if n)


def _quoted(names, joiner: str) -> str:
    names = [f"`{n}`" for n in names]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {joiner} " + names[-1]


#: The diagnosis id of a function whose result changes between two calls with the same
#: arguments (it keeps state between calls: a global step counter, a global RNG...).
STATEFUL = "stateful"


def hint(diagnosis: str, lang: str = "en") -> str:
    """The sentence shown for a generated diagnosis id (an ignored argument, or
    :data:`STATEFUL`); "" for other ids."""
    if diagnosis == STATEFUL:
        if lang == "ko":
            return ("같은 인자로 두 번 호출했는데 결과가 달랐습니다: 함수가 호출 사이에 무언가를 "
                    "기억하고 있습니다(전역 변수, 직접 센 호출 횟수, 전역 난수 생성기 등). 결과는 "
                    "인자만으로 정해져야 합니다(단계 번호가 필요하면 그 인자를 쓰세요).")
        return ("Calling your function twice with the same arguments gave different results: it "
                "keeps something between calls (a global variable, a count of its own calls, the "
                "global random generator...). Its result must depend on its arguments only (use "
                "the step-number argument if there is one, not a counter of your own).")
    names = ignored_names(diagnosis)
    if not names:
        return ""
    if lang == "ko":
        return (f"결과가 {_quoted(names, '와(과)')}에 전혀 좌우되지 않습니다: 이 인자 하나만 "
                "바꿔서 다시 호출해도 출력이 완전히 같았습니다. 고정된 숫자(예: 직접 써 넣은 "
                "1e-7)가 아니라 인자를 그 자리에 쓰세요.")
    one = len(names) == 1
    return (f"Your result does not depend on {_quoted(names, 'or')}: calling your function again "
            f"with only {'this argument' if one else 'one of these arguments'} changed gave exactly "
            "the same output. Use the argument where it belongs, not a fixed number "
            "(such as a literal 1e-7).")


# -- the evidence of several checks ------------------------------------------------------------

def note_candidates(ctx, failure, candidates, considered=None) -> None:
    """Record, for a check that is about to raise ``failure``, the known mistakes that
    reproduce everything it saw (its evidence). :func:`explain` then names a mistake on
    the checks that could not tell it apart on their own, when it is the only one that
    explains every failing check of the part that recorded its evidence; and it drops a
    name shown on another failing check when this evidence rules it out: every mistake
    in ``considered`` (default: every mistake) that is not a candidate. Pass
    ``considered`` when the check could only compare its evidence with some mistakes
    (those recorded for its cases). Call it with the final ``failure`` (its message and
    example are how the result is matched)."""
    ctx.__dict__.setdefault("_diagnosis_candidates", []).append(
        (failure, frozenset(candidates), None if considered is None else frozenset(considered)))


def _noted(ctx, result):
    for failure, candidates, considered in ctx.__dict__.get("_diagnosis_candidates", ()):
        if failure.example is result.example and failure.message == result.message:
            return candidates, considered
    return None


def _candidates_of(ctx, result):
    noted = _noted(ctx, result)
    return None if noted is None else noted[0]


def _ruled_out(ctx, checks, mistake: str) -> bool:
    """Does the recorded evidence of a failing check rule ``mistake`` out?"""
    for c in checks:
        if c.passed:
            continue
        noted = _noted(ctx, c)
        if noted is None:
            continue
        candidates, considered = noted
        if mistake not in candidates and (considered is None or mistake in considered):
            return True
    return False


def _without_ruled_out(ctx, checks):
    """A name shown on a failing check is dropped when another failing check of the part
    has evidence that rules that mistake out (issue 11.4: a name must explain ALL the
    evidence, not the one check where two mistakes happen to coincide). Generated
    diagnoses (ignored arguments, stateful) are not mistakes of the catalogue: kept."""
    out = []
    for c in checks:
        if (not c.passed and c.diagnosis and not c.diagnosis.startswith(PREFIX)
                and c.diagnosis != STATEFUL and _ruled_out(ctx, checks, c.diagnosis)):
            c = dataclasses.replace(c, diagnosis="", hint="")
        out.append(c)
    return tuple(out)


def _by_all_evidence(ctx, part, checks):
    """Name, on each failing check without a name whose own evidence it reproduces,
    the one known mistake that reproduces the evidence of every failing check that
    recorded some (see :func:`note_candidates`). Nothing when any such check is
    explained by no known mistake, or when two or more explain them all."""
    failing = [(c, _candidates_of(ctx, c)) for c in checks if not c.passed]
    sets = [cands for _, cands in failing if cands is not None]
    if not sets or not all(sets):
        return checks
    common = frozenset.intersection(*sets)
    if len(common) != 1:
        return checks
    (mistake,) = common
    text = next((chk.hints[mistake] for chk in getattr(part, "checks", ())
                 if mistake in getattr(chk, "hints", {})), "")
    if not text:
        return checks
    return tuple(dataclasses.replace(c, diagnosis=mistake, hint=text)
                 if not c.passed and not c.diagnosis and cands is not None and mistake in cands
                 else c for c, cands in zip(checks, [_candidates_of(ctx, c) for c in checks]))


# -- comparing outputs ----------------------------------------------------------------------

def same(a, b) -> bool:
    """Are two outputs (plain data: arrays, numbers, tuples, lists, dicts) the same,
    within 1e-12 relative (NaN equal to NaN)?"""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple, dict)) or isinstance(b, (list, tuple, dict)):
        return False
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    try:
        x = np.asarray(a)
        y = np.asarray(b)
    except Exception:  # pragma: no cover - plain data always converts
        return False
    if x.shape != y.shape:
        return False
    if x.dtype.kind not in "biufc" or y.dtype.kind not in "biufc":
        return bool(np.all(x == y))
    x = x.astype(np.complex128 if "c" in (x.dtype.kind, y.dtype.kind) else np.float64)
    y = y.astype(x.dtype)
    with np.errstate(all="ignore"):
        return bool(np.all((x == y) | (np.abs(x - y) <= REL * np.maximum(np.abs(x), np.abs(y)))
                           | (np.isnan(x) & np.isnan(y))))


def _finite(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    try:
        arr = np.asarray(value)
    except Exception:  # pragma: no cover
        return True
    if arr.dtype.kind not in "biufc":
        return True
    return bool(np.all(np.isfinite(arr)))


def _informative(value) -> bool:
    """Whether an output can show that it depends on an argument: it holds numbers and
    no ``None`` (a function that returns ``None``, or a tuple with a ``None`` in it, is
    told so by its checks; calling it "independent of its arguments" would mislead)."""
    if value is None:
        return False
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_informative(v) for v in value)
    if isinstance(value, dict):
        return bool(value) and all(_informative(v) for v in value.values())
    if isinstance(value, str):
        return False
    try:
        arr = np.asarray(value)
    except Exception:  # pragma: no cover
        return False
    return arr.dtype.kind in "biuf" and arr.size > 0


# -- running the probes -----------------------------------------------------------------------

def _run(ctx, probe, kwargs):
    if probe.run is not None:
        return probe.run(ctx, dict(kwargs))
    return ctx.call(probe.fn, *probe.args, **dict(kwargs))


def ignored_arguments(ctx, part, stateful=None) -> list[tuple[object, str]]:
    """``[(probe, argument name)]`` for every declared argument whose change leaves the
    student's output unchanged. A probe whose first call fails (raises, hangs, returns
    something non-finite, ``None`` or no number at all) proves nothing and is skipped; so is an alternative whose
    call fails. The first call is made twice: when the two results differ, the function
    keeps state between calls, nothing can be concluded about its arguments, and the
    probe is added to ``stateful`` (a list) if given."""
    found = []
    for probe in part.probes:
        try:
            base = _run(ctx, probe, probe.kwargs)
        except CallFailed:
            continue
        if not _finite(base) or not _informative(base):
            continue
        try:
            again = _run(ctx, probe, probe.kwargs)
        except CallFailed:
            continue
        if not same(base, again):
            if stateful is not None:
                stateful.append(probe)
            continue
        for name, value in probe.alternatives.items():
            kwargs = dict(probe.kwargs)
            kwargs[name] = value
            try:
                other = _run(ctx, probe, kwargs)
            except CallFailed:
                continue
            if same(base, other):
                found.append((probe, name))
    return found


def probe(ctx, part, checks):
    """Run the part's ignored-argument probes when one of ``checks`` failed: ``(found,
    stateful)`` (see :func:`ignored_arguments`), or None when nothing was probed (every
    check passed, the part declares no probe, or its code hung: it would only hang
    again, a full time budget per call). The engine runs this right after the part's
    public checks, before any hidden check, and with the sandbox's ``aside`` (a probe
    never changes a grade)."""
    checks = tuple(checks)
    if all(c.passed for c in checks) or not getattr(part, "probes", ()):
        return None
    if any(TIMEOUT in c.message for c in checks if not c.passed):
        return None
    stateful: list = []
    found = ignored_arguments(ctx, part, stateful)
    return found, stateful


def explain(ctx, part, checks, probed=None):
    """The part's check results, with a known mistake named on the failing checks that
    could not name it alone when the evidence of all of them points to it (see
    :func:`note_candidates`), and the ignored-argument diagnosis on every failing check
    when a probe proves it (see the module's docstring). ``probed``: what :func:`probe`
    found (None: nothing was probed). Calls no student code."""
    checks = tuple(checks)
    if all(c.passed for c in checks):
        return checks
    checks = _without_ruled_out(ctx, checks)
    checks = _by_all_evidence(ctx, part, checks)
    if probed is None:
        return checks
    found, stateful = probed
    if stateful and not found:
        # the same call gave two results: every failing check that names nothing says so
        text = hint(STATEFUL)
        return tuple(c if c.passed or c.diagnosis
                     else dataclasses.replace(c, diagnosis=STATEFUL, hint=text) for c in checks)
    if not found:
        return checks
    names: list[str] = []
    for _, name in found:
        if name not in names:
            names.append(name)
    keeps = {m for probe_, _ in found for m in probe_.keeps}
    diag, text = diagnosis_id(names), hint(diagnosis_id(names))
    kept = {c.diagnosis: c.hint for c in checks if not c.passed and c.diagnosis in keeps}
    if len(kept) == 1:
        # one known mistake that ignores an argument explains a check's evidence, and
        # the probe shows the argument ignored: it is the cause of every failure here
        (diag, text), = kept.items()
    return tuple(c if c.passed or c.diagnosis in keeps
                 else dataclasses.replace(c, diagnosis=diag, hint=text) for c in checks)