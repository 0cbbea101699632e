"""An auto-grader for the course's assignments (``grader assignments`` lists them).

In a Jupyter notebook::

    import grader
    grader.check("PART")                 # the public checks of one part (`grader parts` lists them)
    grader.check(["PART1", "PART2"])
    grader.check_all()                   # every part
    grader.check("PART", lang="ko")      # feedback in Korean (or grader.set_lang("ko"))
    grader.check("PART", assignment="NAME")   # name the assignment (default: see below)

The definitions graded are taken from the namespace passed as ``namespace=`` (for
example ``globals()``) or, by default, on purpose from the ``__main__`` module, which
in Jupyter is the notebook's own namespace. They run in the grader's sandboxed
worker, not in the notebook. See :mod:`grader.jupyter` for how.

The assignment is the one named by ``assignment=`` (a name, or the folder of an
assignment package); by default the one that has the parts asked for, else the one
whose names the notebook defines, else the first registered one.

From a terminal: ``grader check [PART ...] [--assignment NAME] --path my_work.ipynb``.
"""

from __future__ import annotations

__all__ = ["check", "check_all", "set_lang"]


def check(parts=None, namespace=None, *, assignment=None, lang=None, max_examples=None):
    """Grade this notebook's definitions on the public checks of ``parts``.

    Args:
        parts: a part id (``grader parts`` lists them), a list of ids, or None for every part.
        namespace: where the definitions are, e.g. ``globals()``; default: the
            ``__main__`` module's namespace (the notebook's globals in Jupyter).
        assignment: the assignment's name (``grader assignments`` lists them) or the
            folder of an assignment package; default: the one that has ``parts``, else
            the one whose names the namespace defines, else the first registered one.
        lang: ``"en"`` or ``"ko"`` (default: English, or what ``set_lang`` chose).
        max_examples: hypothesis examples per property check (default: the grader's).

    Returns:
        A result that Jupyter shows as a small report; ``.score``, ``.max_score``,
        ``.passed`` and ``.result`` (the plain data) are there for code.
    """
    from .jupyter import check as _check

    return _check(parts, namespace, lang=lang, max_examples=max_examples, assignment=assignment)


def check_all(namespace=None, *, assignment=None, lang=None, max_examples=None):
    """Grade every part of the assignment (public checks); see :func:`check`."""
    from .jupyter import check as _check

    return _check(None, namespace, lang=lang, max_examples=max_examples, assignment=assignment)


def set_lang(lang):
    """Choose the feedback language of later checks in this kernel: "en" or "ko"."""
    from .jupyter import set_lang as _set_lang

    _set_lang(lang)
