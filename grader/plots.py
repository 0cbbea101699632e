"""Pictures in feedback: the data a part's ``plot`` hook computes while grading, and the
renderer that draws it.

A picture is made in two steps, so that a renderer never runs a student's code:

1. while grading, only when ``Settings.plots`` asks for it and after every check of
   the submission has run, the engine calls each part's hook ``Part.plot(ctx, checks)``
   (``checks``: the part's :class:`~grader.results.CheckResult` tuple). The hook calls
   the student's code through ``ctx`` like a check does and returns the figure as data,
   or None (e.g. when every check passed). :func:`plain` makes it JSON-able and it is
   kept in the part's result (``PartResult.plot``), with the gradebook;
2. a renderer (:func:`png`, used by :func:`grader.report_html.feedback_page`) draws it.

The data of a figure (every key optional but ``panels``)::

    {"title": str, "caption": str, "alt": str,
     "panels": [{"title": str, "xlabel": str, "ylabel": str, "yscale": "linear" | "log",
                 "note": str,                         # a line of text in the panel
                 "lines": [{"x": [...], "y": [...],   # numbers; None draws a gap
                            "label": str, "style": "o-", "color": "C0"}]}]}

A text may be declared ``T(en, ko)``: :func:`plain` keeps the English under its key and
the Korean under ``<key>_ko``. A feedback page is shown to the student: a figure must
hold only what the student may see (public inputs, never a hidden case's).

matplotlib is optional: without it, :func:`png` returns None. Figures are built with
matplotlib's object API (no pyplot, no global state), so any thread may draw.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np

#: Largest figure data kept in a result (bytes of JSON): a bigger one is dropped.
MAX_BYTES = 256 * 1024
#: Most panels in one figure, and lines in one panel.
MAX_PANELS = 4
MAX_LINES = 12
_STYLES = {"-", "--", "-.", ":", "o-", "o--", "o", ".-", ".", "s-", "x-"}


def plain(data) -> dict | None:
    """``data`` (what a ``plot`` hook returned) as JSON-able figure data, or None when it
    is not a figure (no panel with a line) or is too large."""
    if not isinstance(data, dict):
        return None
    out = _texts(data, ("title", "caption", "alt"))
    panels = []
    for panel in list(data.get("panels") or ())[:MAX_PANELS]:
        if not isinstance(panel, dict):
            continue
        p = _texts(panel, ("title", "xlabel", "ylabel", "note"))
        if panel.get("yscale") in ("linear", "log"):
            p["yscale"] = panel["yscale"]
        lines = []
        for line in list(panel.get("lines") or ())[:MAX_LINES]:
            if not isinstance(line, dict) or line.get("y") is None:
                continue
            y = _numbers(line["y"])
            x = _numbers(line["x"]) if line.get("x") is not None else list(range(1, len(y) + 1))
            n = min(len(x), len(y))
            entry = {"x": x[:n], "y": y[:n]}
            entry.update(_texts(line, ("label",)))
            if line.get("style") in _STYLES:
                entry["style"] = line["style"]
            if isinstance(line.get("color"), str) and len(line["color"]) <= 16:
                entry["color"] = line["color"]
            lines.append(entry)
        p["lines"] = lines
        panels.append(p)
    if not any(p["lines"] for p in panels):
        return None
    out["panels"] = panels
    return out if len(json.dumps(out)) <= MAX_BYTES else None


def _texts(d: dict, keys) -> dict:
    out = {}
    for key in keys:
        value = d.get(key)
        if value is None or value == "":
            continue
        out[key] = str.__str__(value) if isinstance(value, str) else str(value)
        k = getattr(value, "ko", None) or d.get(f"{key}_ko")
        if k and k != out[key]:
            out[f"{key}_ko"] = str(k)
    return out


def _numbers(values) -> list:
    flat = np.asarray(values, dtype=np.float64).ravel()
    return [float(v) if math.isfinite(v) else None for v in flat.tolist()]


def _text(d: dict, key: str, lang: str) -> str:
    return (d.get(f"{key}_ko") if lang == "ko" else None) or d.get(key, "")


def caption(data: dict, lang: str = "en") -> str:
    """The sentence shown under the figure."""
    return _text(data, "caption", lang)


def alt(data: dict, lang: str = "en") -> str:
    """The figure's text alternative."""
    return _text(data, "alt", lang) or _text(data, "title", lang) or caption(data, lang)


def png(data: dict, lang: str = "en", dpi: int = 90) -> bytes | None:
    """The figure ``data`` (see the module's docstring) drawn as a PNG, or None when
    matplotlib is missing or there is nothing to draw."""
    data = plain(data)
    if data is None:
        return None
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    font = _hangul_font() if lang == "ko" else None
    if lang == "ko" and font is None:
        lang = "en"                       # no font can draw Korean here: English it is
    kw = {"fontfamily": [font, "DejaVu Sans"]} if font else {}
    panels = data["panels"]
    fig = Figure(figsize=(4.5 * len(panels), 3.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        for line in panel["lines"]:
            x = np.array([np.nan if v is None else v for v in line["x"]], dtype=np.float64)
            y = np.array([np.nan if v is None else v for v in line["y"]], dtype=np.float64)
            ax.plot(x, y, line.get("style", "-"), color=line.get("color"), ms=3, lw=1.2,
                    label=_text(line, "label", lang) or None)
        if panel.get("yscale") == "log" and any(
                v is not None and v > 0 for line in panel["lines"] for v in line["y"]):
            ax.set_yscale("log")
        ax.set_xlabel(_text(panel, "xlabel", lang), **kw)
        ax.set_ylabel(_text(panel, "ylabel", lang), **kw)
        ax.set_title(_text(panel, "title", lang), **kw)
        if any(_text(line, "label", lang) for line in panel["lines"]):
            ax.legend(prop={"size": 8, "family": kw["fontfamily"]} if kw else {"size": 8})
        if panel.get("note"):
            ax.text(0.02, 0.95, _text(panel, "note", lang), transform=ax.transAxes, va="top",
                    fontsize=8, color="C3", **kw)
    if data.get("title"):
        fig.suptitle(_text(data, "title", lang), fontsize=10, **kw)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


#: Font families that draw Hangul, in the order they are tried.
HANGUL_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                "AppleGothic", "UnDotum", "Baekmuk Gulim")


def _hangul_font() -> str | None:
    """An installed font family that draws Korean, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in HANGUL_FONTS if name in installed), None)
