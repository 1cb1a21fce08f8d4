"""The class report's statistics, with numpy: per item, for the whole assignment, per named mistake.

Definitions (PrairieLearn's question statistics and Moodle's facility index):

- facility: the mean score as a share of the item's points;
- corrected item-rest discrimination: Pearson's r between the item's score
  and the rest of the total (the total without the item), so that an item is
  not correlated with itself; its 95 % interval by Fisher's z,
  tanh(atanh r ± 1.96 / √(n − 3)); undefined (None) when either side is
  constant or n ≤ 3;
- Cronbach's α over the automatically graded items,
  α = k/(k − 1) · (1 − Σ s²_j / s²_T) with sample variances (for items scored
  0 or full marks it is KR-20), and the standard error of measurement
  SEM = s_T · √(1 − α), α taken as 0 when negative;
- flags: « à revoir » when the discrimination is under :data:`LOW_DISCRIMINATION`
  and the facility under :data:`FLAG_FACILITY` (an item most students fail or
  pass at random, or a grader that tells nothing of the rest of the work);
  « facile » at a facility of :data:`EASY` or more, « difficile » at
  :data:`HARD` or less.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ...framework import STAGE_LABELS

__all__ = ["LOW_DISCRIMINATION", "FLAG_FACILITY", "EASY", "HARD", "Z95", "item_rest", "cronbach_alpha", "sem",
           "item_statistics", "mistake_counts", "stage_counts", "NO_WORK_STATUSES"]

LOW_DISCRIMINATION = 0.2
FLAG_FACILITY = 0.95
EASY = 0.90
HARD = 0.30
Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile
NO_WORK_STATUSES = ("not_implemented", "missing")  # the function was never written: no work either
STATUS_LABELS = {
    "not_implemented": "non implémentée", "missing": "introuvable", "error": "erreur", "timeout": "temps dépassé",
    "crash": "processus arrêté", "protocol": "valeur illisible", "budget": "trop lente", "internal": "erreur du correcteur",
    "not_loaded": "copie non chargée",
}


def _pearson(x, y):
    x, y = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return None if denominator == 0 else float(x @ y) / denominator


def item_rest(scores, j):
    """(r, low, high): item j's corrected item-rest correlation and its 95 % interval; Nones when undefined."""
    n = scores.shape[0]
    item = scores[:, j]
    rest = scores.sum(axis=1) - item
    r = _pearson(item, rest) if n > 1 else None
    if r is None:
        return None, None, None
    r = max(-1.0, min(1.0, r))
    if n <= 3 or abs(r) == 1.0:
        return r, None, None
    z, half = math.atanh(r), Z95 / math.sqrt(n - 3)
    return r, math.tanh(z - half), math.tanh(z + half)


def cronbach_alpha(scores):
    """Cronbach's α of the items (columns); None when it is undefined (one item, or a constant total)."""
    n, k = scores.shape
    if k < 2 or n < 2:
        return None
    total = scores.sum(axis=1).var(ddof=1)
    if total == 0:
        return None
    return k / (k - 1) * (1.0 - float(scores.var(axis=0, ddof=1).sum()) / float(total))


def sem(scores, alpha):
    """The standard error of measurement of the total, s_T √(1 − α) (α < 0 taken as 0); None without α."""
    if alpha is None:
        return None
    return float(scores.sum(axis=1).std(ddof=1)) * math.sqrt(1.0 - min(max(alpha, 0.0), 1.0))


def _share(count, n):
    return count / n if n else 0.0


def item_statistics(data):
    """One dict per item: n, mean, median, sd, shares, facility, discrimination with its interval, flags."""
    rows = []
    n = len(data.students)
    for j, item in enumerate(data.items):
        column = data.scores[:, j]
        detailed = [data.results.get((s, item.function)) for s in data.students]
        kinds = Counter(r["kind"] for r in detailed if r is not None)
        no_work = sum(1 for r in detailed if r is not None and (r["kind"] == "no_work" or r["status"] in NO_WORK_STATUSES))
        with_results = sum(r is not None for r in detailed)
        facility = float(column.mean()) / item.max_score if item.max_score else None
        r, low, high = item_rest(data.scores, j)
        flags = []
        if r is not None and r < LOW_DISCRIMINATION and facility is not None and facility < FLAG_FACILITY:
            flags.append("à revoir")
        if facility is not None and facility >= EASY:
            flags.append("facile")
        if facility is not None and facility <= HARD:
            flags.append("difficile")
        rows.append({
            "function": item.function, "notebook": item.notebook, "kind": item.kind, "max_score": item.max_score, "n": n,
            "mean": float(column.mean()), "median": float(np.median(column)),
            "sd": float(column.std(ddof=1)) if n > 1 else 0.0,
            "full": _share(int(np.sum(column >= item.max_score - 1e-9)), n), "zero": _share(int(np.sum(column == 0)), n),
            "no_work": _share(no_work, with_results), "near_miss": _share(kinds["near_miss"], with_results),
            "facility": facility, "discrimination": r, "discrimination_low": low, "discrimination_high": high,
            "flags": flags, "with_results": with_results,
        })
    return rows


def mistake_counts(data, item):
    """The named mistakes of ``item``, most frequent first: id, hint, count, share, students (sorted)."""
    found = {}
    for student in data.students:
        r = data.results.get((student, item.function))
        if r is not None and r["mistake"]:
            entry = found.setdefault(r["mistake"], {"id": r["mistake"], "hint": r["hint"] or "", "students": []})
            entry["students"].append(student)
    with_results = sum((s, item.function) in data.results for s in data.students)
    mistakes = sorted(found.values(), key=lambda m: (-len(m["students"]), m["id"]))
    for m in mistakes:
        m["count"], m["share"] = len(m["students"]), _share(len(m["students"]), with_results)
    return mistakes


def stage_counts(data, item):
    """Where the students who lost points without a named mistake first failed: [(label, count)], in stage order."""
    counts = Counter()
    for student in data.students:
        r = data.results.get((student, item.function))
        if r is None or r["mistake"] or r["score"] >= r["max_score"] or r["stage"] is None:
            continue
        label = STAGE_LABELS.get(r["stage"], r["stage"])
        if r["status"]:
            label += f" ({STATUS_LABELS.get(r['status'], r['status'])})"
        elif r["kind"] == "no_work":
            label += " (aucun travail)"
        elif r["kind"] == "partial":
            label += " (juste en partie)"
        counts[(list(STAGE_LABELS).index(r["stage"]) if r["stage"] in STAGE_LABELS else 99, label)] += 1
    return [(label, count) for (_, label), count in sorted(counts.items())]
