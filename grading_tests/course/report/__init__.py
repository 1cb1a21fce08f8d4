"""``python -m grading_tests.course report <assignment>``: what the class got wrong, as one offline French page.

:func:`build_report` reads the gradebook and the graders' structured results
(:mod:`.data`), computes the statistics with numpy (:mod:`.stats`), draws the
figures (:mod:`.plots`) and writes three files into ``out``:

- ``rapport_classe.html``: one self-contained page, no script (a
  Content-Security-Policy ``<meta>`` like the feedback pages': ``script-src
  'none'``, the page's own style only, images ``data:`` only), the figures
  inline as SVG, the maths as MathML, readable on a phone. Every student id
  is printed through :func:`.student_ids.shown` and every text through
  Jinja's autoescaping; the maths go through :mod:`.safe_html`;
- ``rapport_classe.csv``: the per-function figures, for a spreadsheet (no
  student id in it);
- ``rapport_classe.json``: every figure of the page, the students concerned
  by each named mistake included.

Bad input raises :class:`.data.ReportError` before anything is written;
the three files are written side by side and renamed into place.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import secrets
import tempfile
import urllib.parse
from pathlib import Path

import numpy as np

from ...nbgrader_plugin.feedback_exporter import feedback_csp
from ...nbgrader_plugin.safe_html import markdown_to_html
from ...nbgrader_plugin.student_ids import printable, shown
from . import plots, stats
from .data import ReportError, anomalies, load, run_failures

__all__ = ["ReportError", "FILES", "TEMPLATES", "build_report", "write_files", "fmt"]

FILES = ("rapport_classe.html", "rapport_classe.csv", "rapport_classe.json")
TEMPLATES = Path(__file__).with_name("templates")
MATHS = {
    "alpha": r"$$\alpha = \frac{k}{k-1}\left(1 - \frac{\sum_{j=1}^{k} s_j^2}{s_T^2}\right)$$",
    "sem": r"$$\mathrm{SEM} = s_T \sqrt{1 - \alpha}$$",
    "discrimination": r"$$r_j = \mathrm{corr}\left(x_j,\; T - x_j\right), \quad "
                      r"\tanh\left(\operatorname{atanh} r_j \pm \frac{1.96}{\sqrt{n-3}}\right)$$",
}


def fmt(x):
    """A number as the page prints it: French decimal comma, at most two decimals."""
    return "—" if x is None else f"{x:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _fmt2(x):
    return "—" if x is None else f"{x:.2f}".replace(".", ",")


def _pct(x):
    return "—" if x is None else f"{100 * x:.0f} %"


def _delay(seconds):
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return (f"{days} j " if days else "") + (f"{hours} h " if hours or days else "") + f"{minutes:02d} min"


def _links(root, out, student, assignment, notebooks):
    """(label, relative href) of the student's feedback pages that exist, the id percent-encoded."""
    links = []
    for nb in notebooks:
        page = Path(root) / "feedback" / student / assignment / f"{nb}.html"
        if page.is_file() and not page.is_symlink():
            rel = os.path.relpath(page, out)
            links.append((nb.split("_", 2)[1] if nb.count("_") >= 2 else nb, urllib.parse.quote(rel, safe="/")))
    return links


def _figures(data, rows, max_total):
    return {
        "histogram": plots.histogram(data.scores.sum(axis=1), max_total),
        "scatter": plots.scatter(rows),
        "written": plots.written_distributions(data.written),
    }


def _compute(root, out, data):
    rows = stats.item_statistics(data)
    for item, row in zip(data.items, rows):
        row["mistakes"] = stats.mistake_counts(data, item)
        row["stages"] = stats.stage_counts(data, item)
        for m in row["mistakes"]:
            m["shown"] = [shown(s) for s in m["students"]]
    totals = data.scores.sum(axis=1)
    alpha = stats.cronbach_alpha(data.scores)
    summary = {
        "n": len(data.students), "max_total": float(sum(i.max_score for i in data.items)), "mean": float(totals.mean()),
        "median": float(np.median(totals)), "sd": float(totals.std(ddof=1)) if len(totals) > 1 else 0.0,
        "alpha": alpha, "sem": stats.sem(data.scores, alpha),
    }
    written = []
    for w in data.written:
        given = [s for s in w.scores if s is not None]
        written.append({"name": w.name, "notebook": w.notebook, "max_score": w.max_score, "graded": len(given),
                        "pending": len(w.scores) - len(given), "mean": float(np.mean(given)) if given else None,
                        "scores": given})
    students = []
    for s, student in enumerate(data.students):
        mistakes = [(i.function, data.results[(student, i.function)]["mistake"]) for i in data.items
                    if data.results.get((student, i.function)) and data.results[(student, i.function)]["mistake"]]
        students.append({"id": student, "shown": shown(student), "name": printable(data.names.get(student, "")),
                         "total": float(totals[s]), "mistakes": mistakes,
                         "links": _links(root, out, student, data.assignment, data.notebooks),
                         "detailed": student not in data.without_results})
    return rows, summary, written, students


def _csv(rows):
    buffer = io.StringIO()
    columns = ["fonction", "notebook", "points", "n", "moyenne", "mediane", "ecart_type", "part_tous_points", "part_zero",
               "part_sans_travail", "part_erreur_proche", "facilite", "discrimination", "discrimination_ic95_bas",
               "discrimination_ic95_haut", "signaux", "erreurs_nommees"]
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    keys = ["function", "notebook", "max_score", "n", "mean", "median", "sd", "full", "zero", "no_work", "near_miss", "facility",
            "discrimination", "discrimination_low", "discrimination_high"]
    for row in rows:
        values = ["" if row[k] is None else (round(row[k], 6) if isinstance(row[k], float) else row[k]) for k in keys]
        writer.writerow(values + ["; ".join(row["flags"]), "; ".join(f"{m['id']}={m['count']}" for m in row["mistakes"])])
    return buffer.getvalue()


def _render(context):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined)
    return env.get_template("rapport_classe.html.j2").render(**context)


def write_files(out, contents):
    """Write every file beside its place, then rename them all in: nothing half-written on a failure."""
    out.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, text in contents.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            staged.append((tmp, out / name))
        for tmp, final in staged:
            os.replace(tmp, final)
        staged = []
    finally:
        for tmp, _ in staged:
            os.unlink(tmp)
    return [out / name for name in contents]


def build_report(root, assignment, db_url, course_id, out=None, force=False, now=None):
    """Build and write the class report; return the paths written. Raise ReportError on bad input."""
    root = Path(root).resolve()
    out = Path(out).resolve() if out else root
    data = load(root, assignment, db_url, course_id, force=force)
    rows, summary, written, students = _compute(root, out, data)
    generated = (now or datetime.datetime.now()).strftime("%d/%m/%Y %H:%M")
    nonce = secrets.token_urlsafe(16)
    late = [(shown(s), _delay(seconds), penalty) for s, seconds, penalty in data.late]
    failures, found = run_failures(root, assignment), anomalies(root, assignment)
    context = {
        "assignment": assignment, "n": summary["n"], "summary": summary, "items": rows, "written": written, "late": late,
        "duedate": data.duedate, "failures": failures, "anomalies": found, "students": students,
        "without_results": [shown(s) for s in data.without_results], "generated": generated, "nonce": nonce,
        "csp": feedback_csp(nonce), "figures": _figures(data, rows, summary["max_total"]),
        "maths": {k: _markup(markdown_to_html(v)) for k, v in MATHS.items()}, "fmt": fmt, "fmt2": _fmt2, "pct": _pct,
        "thresholds": {"low": stats.LOW_DISCRIMINATION, "flag": stats.FLAG_FACILITY, "easy": stats.EASY, "hard": stats.HARD},
    }
    document = {
        "assignment": assignment, "generated": generated, "summary": summary,
        "items": [{k: v for k, v in row.items()} for row in rows], "written": written,
        "late": [{"student": s, "seconds": seconds, "penalty": penalty} for s, seconds, penalty in data.late],
        "failures": [{"student": s, "reason": r} for s, r in failures],
        "anomalies": [{"student": s, "notebook": nb, "message": m} for s, nb, m in found],
        "students": [{k: st[k] for k in ("id", "name", "total", "detailed")} | {"mistakes": [m for _, m in st["mistakes"]]}
                     for st in students],
        "without_results": data.without_results,
    }
    return write_files(out, {
        FILES[0]: _render(context), FILES[1]: _csv(rows), FILES[2]: json.dumps(document, ensure_ascii=False, indent=1),
    })


def _markup(html):
    from markupsafe import Markup

    return Markup(html)
