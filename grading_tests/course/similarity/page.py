"""The similarity report's two files: the French page and the CSV of the pairs.

The page is built like the class report (:mod:`..report`): its style, its
Content-Security-Policy (no script at all, the page's own style only, images
``data:`` only), its way of writing files (side by side, then renamed into
place) and its figures (matplotlib SVG inlined as ``data:`` images). Student
code is put in ``<pre>`` through Jinja's autoescaping, never as markup, and
every student id goes through :func:`.student_ids.shown`.
"""

from __future__ import annotations

import csv
import datetime
import io
import secrets
from pathlib import Path

import numpy as np

from ...nbgrader_plugin.feedback_exporter import feedback_csp
from ...nbgrader_plugin.student_ids import printable, shown
from ..export.formats import text_cell
from ..report import TEMPLATES as REPORT_TEMPLATES
from ..report import fmt, plots, write_files
from .mistakes import describe
from .score import COMMON_SHARE

__all__ = ["FILES", "histogram", "write_pages"]

FILES = ("similarite.html", "similarite.csv")
TEMPLATES = Path(__file__).with_name("templates")
MAX_CODE_CHARS = 20_000  # one side of a side-by-side view; the rest is cut, with a note


def histogram(scores, threshold, zero_pairs):
    """The pair scores, one bar per bin (log scale), the threshold drawn: where to put it can be read off."""
    plt = plots.pyplot()
    with plt.rc_context(plots.STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        scores = np.asarray(scores, dtype=float)
        top = max(float(scores.max()) if scores.size else 0.0, threshold) * 1.05
        ax.hist(scores, bins=np.linspace(0, top, 41), color="#3b6ea5", edgecolor="white")
        ax.axvline(threshold, color="#b03a2e", lw=1.2, ls="--", label=f"seuil {fmt(threshold)}")
        ax.set_yscale("log")
        ax.set_xlim(0, top)
        ax.set_xlabel("indice de similarité de la paire")
        ax.set_ylabel("nombre de paires (échelle log)")
        ax.set_title(f"Paires qui partagent un élément rare ({zero_pairs} autres paires : indice 0)", fontsize=9)
        ax.legend(frameon=False)
        return plots.data_uri(fig)


def _code(text):
    """A student's code as lines of visible text: control and invisible characters (bidi overrides…) escaped."""
    text = "\n".join(printable(line.expandtabs(4)) for line in text[: MAX_CODE_CHARS + 1].split("\n"))
    if len(text) > MAX_CODE_CHARS:
        return text[:MAX_CODE_CHARS], True
    return text, False


def _pair_view(pair, compared, with_units):
    a, b = compared[pair.a], compared[pair.b]
    view = {"a": shown(a.student), "b": shown(b.student), "score": pair.score, "units": [], "mistakes": []}
    if not with_units:
        return view
    for key, weight in pair.units:
        left, cut_a = _code(a.units[key].code)
        right, cut_b = _code(b.units[key].code)
        view["units"].append({"key": key, "notebook": a.notebook[key], "weight": weight, "left": left, "right": right,
                              "cut": cut_a or cut_b, "notes": [n for n in (a.units[key].note, b.units[key].note) if n]})
    for feature, weight in pair.mistakes:
        function, what = describe(feature)
        view["mistakes"].append({"function": function, "what": what, "weight": weight})
    return view


def _csv(context):
    compared, scored, threshold = context["compared"], context["scored"], context["threshold"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["eleve_a", "eleve_b", "indice", "au_dessus_du_seuil"])
    for p in scored.pairs:
        writer.writerow([text_cell(shown(compared[p.a].student)), text_cell(shown(compared[p.b].student)),
                         f"{p.score:.4f}", "oui" if p.score >= threshold else "non"])
    return buffer.getvalue()


def _render(context):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader([str(TEMPLATES), str(REPORT_TEMPLATES)]), autoescape=True,
                      undefined=StrictUndefined)
    return env.get_template("similarite.html.j2").render(**context)


def write_pages(out, context):
    """Write similarite.html and similarite.csv into ``out``; return their paths."""
    compared, scored, threshold = context["compared"], context["scored"], context["threshold"]
    n = len(compared)
    zero_pairs = n * (n - 1) // 2 - len(scored.pairs)
    nonce = secrets.token_urlsafe(16)
    above = context["above"]
    page = {
        "assignment": context["assignment"], "threshold": threshold, "n": n, "handins": len(context["answers"]),
        "pairs_total": n * (n - 1) // 2, "candidates": len(scored.pairs), "cap": scored.cap,
        "above": [_pair_view(p, compared, i < context["shown_pairs"]) for i, p in enumerate(above)],
        "shown_pairs": context["shown_pairs"],
        "groups": [[shown(compared[i].student) for i in g] for g in context["groups"]],
        "mistakes_note": context["mistakes_note"], "with_mistakes": context["with_mistakes"],
        "notes": [(shown(a.student), note) for a in context["answers"] for note in a.notes],
        "without_code": [shown(a.student) for a in context["answers"] if not a.units],
        "figure": histogram([p.score for p in scored.pairs], threshold, zero_pairs),
        "generated": datetime.datetime.now().strftime("%d/%m/%Y %H:%M"), "nonce": nonce, "csp": feedback_csp(nonce),
        "fmt": fmt, "common_pct": f"{100 * COMMON_SHARE:.0f} %",
    }
    return write_files(Path(out), {FILES[0]: _render(page), FILES[1]: _csv(context)})
