"""Recording the TensorFlow reference: ``grader record``.

For every part, a recorder generates the cases (hypothesis, derandomized, plus the
lecture's fixed examples), runs TensorFlow on each, and stores inputs, Keras's
outputs, accepted variants and the outputs of the known mistakes in
``grader/assignments/<name>/reference/<part>[.hidden].json``.

It also records the examples of every property check (:func:`record_examples`, alone
with ``grader record --examples``, which needs no TensorFlow): hypothesis draws them
here, once, and grading reads them from
``grader/assignments/<name>/reference/<part>.examples[.hidden].json``
(see :mod:`grader.examples_data`), then what the trusted models of the known
mistakes do on those examples (:func:`_record_derived`), and the time budgets of
every part (:mod:`grader.authoring.budgets`). One command records it all.
"""

from __future__ import annotations

import numpy as np

from ..reference import Case, save_cases
from .recording import PartRecorder, case_id, collect, rng_array

__all__ = ["record", "record_examples", "recorders", "authoring_of", "build_cases",
           # the recorders' tools, re-exported (they live in grader.authoring.recording)
           "PartRecorder", "case_id", "collect", "rng_array"]


def authoring_of(assignment: str):
    """The assignment's instructor-only package (``Assignment.recorders``), which
    declares how its reference is recorded:

    - ``recorders() -> {part id: PartRecorder}`` (required);
    - ``versions() -> dict``: the versions of what the reference comes from (required);
    - ``record_derived(assignment, parts, root, log) -> [paths]`` (optional): what the
      property checks read besides their examples, computed on them by trusted models;
      run after the examples are recorded.
    """
    import importlib

    from ..assignments import get
    from ..errors import UsageError

    spec = get(assignment)
    if not spec.recorders:
        raise UsageError(f"the assignment {spec.name!r} declares no recorders")
    return importlib.import_module(spec.recorders)


def recorders(assignment: str = "training") -> dict[str, PartRecorder]:
    return dict(authoring_of(assignment).recorders())


def build_cases(rec: PartRecorder, hidden: bool) -> list[Case]:
    cases = []
    for tags, inputs in (rec.hidden_cases() if hidden else rec.cases()):
        expected = rec.expected(inputs)
        cases.append(Case(id=case_id(inputs), tags=tuple(tags), inputs=inputs, expected=expected,
                          variants=rec.variants(inputs), mistakes=rec.mistakes(inputs)))
    return cases


def record(assignment: str = "training", parts=None, root=None, log=print,
           examples_only: bool = False) -> list:
    """Record the reference (with TensorFlow) and the property examples of ``parts``
    (all by default); only the examples with ``examples_only``."""
    if examples_only:
        return record_examples(assignment, parts, root, log)
    authoring = authoring_of(assignment)
    written = []
    meta = authoring.versions()
    for part_id, rec in authoring.recorders().items():
        if parts and part_id not in parts:
            continue
        for hidden in (False, True):
            cases = build_cases(rec, hidden)
            path = save_cases(assignment, part_id, hidden, cases, meta, root)
            log(f"recorded {len(cases):3d} {'hidden' if hidden else 'public'} cases of {part_id} -> {path}")
            written.append(path)
    return written + record_examples(assignment, parts, root, log)


def _record_derived(assignment, parts, root, log) -> list:
    """What the property checks read besides their examples, computed on them by the
    trusted models (so it is recorded after them, in this order): the optimizers'
    mistakes' outputs on every property call (the assignment's ``record_derived``), then
    the time budgets."""
    from .budgets import record_budgets

    derived = getattr(authoring_of(assignment), "record_derived", None)
    written = list(derived(assignment, parts, root, log)) if derived else []
    written.append(record_budgets(assignment, parts, root, log))
    return written


def record_examples(assignment: str = "training", parts=None, root=None, log=print) -> list:
    """Draw the examples of every property of every check (public and hidden) once, and
    write them as the assignment's recorded data.

    The reference solution is graded with every property drawing its examples here
    (hypothesis, derandomized, for each budget of ``examples_data.BUDGETS``) instead
    of reading them; each is kept only if it comes back identical from the file format.
    The solution must pass every check on them (else nothing is written).
    """
    import platform

    import hypothesis

    from .. import examples_data as ed
    from ..assignments import get
    from ..checking import Settings, draw_examples
    from ..engine import grade

    spec = get(assignment)
    selected = [p.id for p in spec.parts if not parts or p.id in parts]
    recorded: dict = {}

    def recorder(scope, index, strategy, body, budget):
        entries = recorded.setdefault((scope.part, scope.hidden), {}).setdefault(scope.check, [])
        if index < len(entries):
            raise RuntimeError(f"check {scope.check!r} of {scope.part!r} ran twice while recording")
        drawn = {b: tuple(ed.exact_copy(x) for x in draw_examples(strategy, b)) for b in ed.BUDGETS}
        entries.append({"fingerprint": ed.fingerprint(strategy, body), "examples": drawn})
        return ed.pick(drawn, budget)

    ed._recorder[0] = recorder
    try:
        result = grade(spec.solutions_dir, spec, parts=selected, hidden=True,
                       settings=Settings())
    finally:
        ed._recorder[0] = None
    wrong = [f"{p.id}: {c.name}: {c.message.splitlines()[0] if c.message else ''}"
             for p in result.parts for c in p.checks if not c.passed]
    if wrong:
        from ..errors import AuthoringError

        raise AuthoringError(
            "the reference solution fails its checks on the drawn examples; no example file "
            "was written (the reference cases of this run, if any, were already written: "
            "fix the solution or the checks, then record again):\n" + "\n".join(wrong))
    meta = {"hypothesis": hypothesis.__version__, "numpy": np.__version__,
            "python": platform.python_version()}
    written = []
    for part_id in selected:
        for hidden in (False, True):
            checks = recorded.get((part_id, hidden), {})
            path = ed.path_for(assignment, part_id, hidden, root)
            if not checks:
                if path.exists():
                    path.unlink()
                continue
            ed.save(assignment, part_id, hidden, checks, meta, root)
            n = sum(len(e) for e in checks.values())
            log(f"recorded the examples of {n:2d} {'hidden' if hidden else 'public'} "
                f"properties of {part_id} -> {path}")
            written.append(path)
    return written + _record_derived(assignment, parts, root, log)
