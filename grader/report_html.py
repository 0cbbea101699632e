"""HTML renderers: a student's feedback page and the class summary page.

Both are single self-contained files (inline CSS, images as base64): they can be
mailed, uploaded to an LMS or opened from disk. The feedback page shows exactly the
tests of ``results.json`` (it renders :func:`grader.report.to_gradescope`).
"""

from __future__ import annotations

import base64
from html import escape

from .report import original_name, to_gradescope
from .results import SubmissionResult

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:62rem;margin:2rem auto;
     padding:0 1rem;color:#1d1d1f}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0} th,td{padding:.25rem .7rem;border-bottom:1px solid #eee;
     text-align:left;vertical-align:top} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1a7f37} .fail{color:#cf222e} .part{color:#9a6700}
.check{margin:.35rem 0 .35rem 0} .check summary{cursor:pointer}
pre{background:#f6f8fa;padding:.6rem .8rem;border-radius:6px;white-space:pre-wrap;margin:.3rem 0 .6rem 1.4rem}
.tag{font-size:.75rem;background:#eee;border-radius:4px;padding:0 .35rem;margin-left:.4rem;color:#555}
.note{background:#fff8c5;padding:.4rem .7rem;border-radius:6px}
.bar{background:#eee;height:.6rem;width:8rem;display:inline-block;border-radius:3px;overflow:hidden}
.bar span{background:#2da44e;height:100%;display:block}
img{max-width:100%}
"""


def _num(x) -> str:
    x = round(float(x), 2)
    return str(int(x)) if x == int(x) else f"{x:g}"


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _bar(fraction: float) -> str:
    pct = max(0.0, min(100.0, 100 * fraction))
    return f'<span class="bar"><span style="width:{pct:.0f}%"></span></span>'


def feedback_page(result: SubmissionResult, images: dict | None = None) -> str:
    """One submission's feedback: its score, a table of parts, then every test of
    results.json with its output (failures open, passes folded). Under a part's heading,
    the picture of its plot data (``PartResult.plot``, made while grading: see
    grader/plots.py); ``images`` may map a part id to a PNG drawn already."""
    images = images or {}
    doc = to_gradescope(result)
    out = [f"<h1>Feedback for {escape(result.name)}</h1>"]
    if original_name(result):
        out.append(f"<p>Submitted as: <code>{escape(original_name(result))}</code></p>")
    out.append(f"<p><strong>Score: {_num(doc['score'])} / {_num(result.max_score)}</strong></p>")
    if doc.get("output"):
        out.append(f'<p class="note">{escape(doc["output"])}</p>')
    out.append('<table><tr><th>part</th><th class="num">points</th><th></th><th>checks passed</th></tr>')
    for p in result.parts:
        cls = "pass" if p.full else ("fail" if p.score == 0 else "part")
        frac = p.score / p.max_score if p.max_score else 0.0
        out.append(f'<tr><td><a href="#{escape(p.id)}">{escape(p.id)}</a></td>'
                   f'<td class="num {cls}">{_num(p.score)} / {_num(p.max_score)}</td><td>{_bar(frac)}</td>'
                   f"<td>{sum(c.passed for c in p.checks)} / {len(p.checks)}</td></tr>")
    out.append("</table>")
    tests_by_part: dict[str, list] = {}
    for t in doc["tests"]:
        tests_by_part.setdefault(t["tags"][0] if t.get("tags") else "", []).append(t)
    for p in result.parts:
        out.append(f'<h2 id="{escape(p.id)}">{escape(p.id)}: {escape(p.title)} '
                   f"({_num(p.score)} / {_num(p.max_score)})</h2>")
        figure = _figure(p, images.get(p.id))
        if figure:
            out.append(figure)
        if p.error:
            out.append(f'<p class="fail">Not graded: {escape(p.error.splitlines()[0])}</p>')
            if "\n" in p.error:
                out.append(f"<pre>{escape(p.error)}</pre>")
        for t in tests_by_part.get(p.id, []):
            passed = t["score"] >= t["max_score"] - 1e-9
            name = t["name"].split(": ", 1)[-1]
            mark = '<span class="pass">&#10004;</span>' if passed else '<span class="fail">&#10008;</span>'
            hidden = ('<span class="tag">hidden: shown after grades are published</span>'
                      if t["visibility"] != "visible" else "")
            summary = (f"{mark} {escape(name)} ({_num(t['score'])} / {_num(t['max_score'])}){hidden}")
            body = f"<pre>{escape(t['output'])}</pre>" if t["output"] and t["output"] != "passed" else ""
            opened = " open" if not passed else ""
            out.append(f'<details class="check"{opened}><summary>{summary}</summary>{body}</details>'
                       if body else f'<div class="check">{summary}</div>')
    return _page(f"Feedback: {result.name}", "\n".join(out))


def _figure(part, png: bytes | None = None) -> str:
    """The part's picture (a PNG given, or drawn from its plot data), or ""."""
    data = part.plot or {}
    if png is None and data:
        from .plots import png as draw

        try:
            png = draw(data)
        except Exception:  # noqa: BLE001 - a picture never breaks a feedback page
            png = None
    if not png:
        return ""
    from .plots import alt, caption

    b64 = base64.b64encode(png).decode()
    text = caption(data)
    under = f"<figcaption>{escape(text)}</figcaption>" if text else ""
    return (f'<figure><img alt="{escape(alt(data) or "picture of " + part.id)}" '
            f'src="data:image/png;base64,{b64}">{under}</figure>')


def summary_page(summary: dict, images: dict[str, bytes] | None = None) -> str:
    """The class summary (see :func:`grader.summary.build`), plots embedded as PNG."""
    images = images or {}
    n = summary["submissions"]
    out = [f"<h1>Class summary: {escape(summary['assignment'])}</h1>"]
    s = summary.get("score") or {}
    if s:
        out.append(f"<p><strong>{n}</strong> submissions; mean <strong>{_num(s['mean'])}</strong>, "
                   f"median {_num(s['median'])}, min {_num(s['min'])}, max {_num(s['max'])} "
                   f"(of {_num(summary['max_score'])}); {s['full_marks']} with full marks.</p>")
    else:
        out.append("<p>No graded submissions yet.</p>")
    for key, alt in (("histogram", "score histogram"), ("parts", "average per part")):
        if key in images:
            data = base64.b64encode(images[key]).decode("ascii")
            out.append(f'<p><img alt="{alt}" src="data:image/png;base64,{data}"></p>')
    if n and not images:
        out.append('<p class="note">Plots need matplotlib (pip install matplotlib).</p>')

    out.append("<h2>Parts</h2><table><tr><th>part</th><th class=num>average</th><th></th>"
               "<th class=num>full marks</th><th class=num>not graded</th></tr>")
    for p in summary["parts"]:
        out.append(f"<tr><td>{escape(p['id'])}</td><td class=num>{_num(p['mean'])} / {_num(p['max_score'])}</td>"
                   f"<td>{_bar(p['mean_percent'] / 100)}</td><td class=num>{_num(p['full_marks_percent'])}%</td>"
                   f"<td class=num>{_num(p['not_graded_percent'])}%</td></tr>")
    out.append("</table>")

    out.append("<h2>Most frequent mistakes</h2>")
    if summary["mistakes"]:
        out.append("<table><tr><th class=num>share</th><th>mistake</th><th>part</th><th>what it means</th></tr>")
        for m in summary["mistakes"]:
            out.append(f"<tr><td class=num>{100 * m['share']:.0f}% ({m['submissions']})</td>"
                       f"<td><code>{escape(m['id'])}</code></td><td>{escape(m['part'])}</td>"
                       f"<td>{escape(m['hint'])}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No known mistake was diagnosed.</p>")

    out.append("<h2>Checks by failure rate</h2><table><tr><th class=num>failed</th><th>part</th>"
               "<th>check</th></tr>")
    for c in summary["checks"]:
        hidden = '<span class="tag">hidden</span>' if c["hidden"] else ""
        out.append(f"<tr><td class=num>{100 * c['failure_rate']:.0f}% ({c['failed']}/{c['runs']})</td>"
                   f"<td>{escape(c['part'])}</td><td>{escape(c['name'])}{hidden}</td></tr>")
    out.append("</table>")
    if summary.get("problems"):
        out.append("<h2>Submissions that could not be graded normally</h2><ul>")
        for p in summary["problems"]:
            out.append(f"<li><strong>{escape(p['submission'])}</strong>: "
                       f"{escape(' '.join(p['notes']))}</li>")
        out.append("</ul>")
    return _page(f"Class summary: {summary['assignment']}", "\n".join(out))
