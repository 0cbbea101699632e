"""Auto-grader for the "training techniques" assignment.

In a Jupyter notebook::

    import grader
    grader.check("adam")                 # the public checks of one part
    grader.check(["momentum", "nesterov"])
    grader.check_all()                   # every part
    grader.check("adam", lang="ko")      # feedback in Korean (or grader.set_lang("ko"))

The definitions graded are taken from the namespace passed as ``namespace=`` (for
example ``globals()``) or, by default, on purpose from the ``__main__`` module, which
in Jupyter is the notebook's own namespace. They run in the grader's sandboxed
worker, not in the notebook. See :mod:`grader.jupyter` for how.

From a terminal: ``grader check [PART ...] --path my_work.ipynb``.
"""

from __future__ import annotations

__all__ = ["check", "check_all", "set_lang"]


def check(parts=None, namespace=None, *, lang=None, max_examples=None):
    """Grade this notebook's definitions on the public checks of ``parts``.

    Args:
        parts: a part id such as ``"adam"``, a list of ids, or None for every part.
        namespace: where the definitions are, e.g. ``globals()``; default: the
            ``__main__`` module's namespace (the notebook's globals in Jupyter).
        lang: ``"en"`` or ``"ko"`` (default: English, or what ``set_lang`` chose).
        max_examples: hypothesis examples per property check (default: the grader's).

    Returns:
        A result that Jupyter shows as a small report; ``.score``, ``.max_score``,
        ``.passed`` and ``.result`` (the plain data) are there for code.
    """
    from .jupyter import check as _check

    return _check(parts, namespace, lang=lang, max_examples=max_examples)


def check_all(namespace=None, *, lang=None, max_examples=None):
    """Grade every part of the assignment (public checks); see :func:`check`."""
    from .jupyter import check as _check

    return _check(None, namespace, lang=lang, max_examples=max_examples)


def set_lang(lang):
    """Choose the feedback language of later checks in this kernel: "en" or "ko"."""
    from .jupyter import set_lang as _set_lang

    _set_lang(lang)
