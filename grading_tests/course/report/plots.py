"""The class report's figures: matplotlib, drawn as SVG and inlined as ``data:`` images.

An SVG in an ``<img>`` runs no script and loads nothing, so the page's
Content-Security-Policy (``img-src data:``) holds; its text is drawn as
paths, so it looks the same without any font installed. Labels are French
and every figure shows one idea (house style).
"""

from __future__ import annotations

import base64
import io

import numpy as np

__all__ = ["STYLE", "pyplot", "histogram", "scatter", "written_distributions", "data_uri"]

STYLE = {"figure.dpi": 100, "font.size": 10, "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "rapport"}


def pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def data_uri(fig):
    """The figure as a ``data:image/svg+xml;base64,…`` URI; the figure is closed."""
    plt = pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram(totals, max_total):
    """The distribution of the students' automatic totals."""
    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        bins = np.linspace(0, max_total, min(20, max(int(max_total), 1)) + 1)
        ax.hist(np.clip(totals, 0, max_total), bins=bins, color="#3b6ea5", edgecolor="white")
        ax.set_xlabel(f"note automatique (points, sur {max_total:g})")
        ax.set_ylabel("nombre d'élèves")
        ax.set_title("Répartition des notes automatiques")
        ax.set_xlim(0, max_total)
        return data_uri(fig)


def scatter(stats):
    """Facility against discrimination, one point per item, with the flags' thresholds."""
    from .stats import HARD, EASY, LOW_DISCRIMINATION

    plt = pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        ax.axhline(LOW_DISCRIMINATION, color="#b03a2e", lw=0.8, ls="--")
        ax.axvspan(0, HARD, color="#f5d6d3", lw=0)
        ax.axvspan(EASY, 1.0, color="#d6eadf", lw=0)
        for row in stats:
            if row["discrimination"] is None or row["facility"] is None:
                continue
            flagged = "à revoir" in row["flags"]
            ax.scatter(row["facility"], row["discrimination"], color="#b03a2e" if flagged else "#3b6ea5", s=22, zorder=3)
            ax.annotate(row["function"], (row["facility"], row["discrimination"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(-0.3, 1.0)
        ax.set_xlabel("facilité (moyenne / points de la fonction)")
        ax.set_ylabel("discrimination (corrélation item-reste)")
        ax.set_title("Facilité et discrimination par fonction")
        return data_uri(fig)


def written_distributions(written):
    """One small histogram per written answer, of the manual grades given so far; None without any answer."""
    if not written:
        return None
    plt = pyplot()
    with plt.rc_context(STYLE):
        columns = min(3, len(written))
        rows = -(-len(written) // columns)
        fig, axes = plt.subplots(rows, columns, figsize=(2.3 * columns, 1.9 * rows), squeeze=False)
        for ax, w in zip(axes.ravel(), written):
            given = np.array([s for s in w.scores if s is not None], dtype=float)
            steps = np.arange(0, w.max_score + 0.5, 0.5)
            counts = [int(np.sum(np.isclose(given, v))) for v in steps]
            ax.bar(steps, counts, width=0.4, color="#7d5ba6")
            ax.set_title(w.name, fontsize=9)
            ax.set_xticks(steps)
            ax.set_xlabel("points", fontsize=8)
            ax.set_ylabel("élèves", fontsize=8)
        for ax in axes.ravel()[len(written):]:
            ax.set_visible(False)
        fig.suptitle("Réponses écrites : notes données", fontsize=10)
        fig.tight_layout()
        return data_uri(fig)
