"""Named mistakes of dropout_forward (inverted dropout, §9.2), built from the reference.

The output: A_out is checked against the student's own mask.
:func:`dropout_with_mask` is ``ref.dropout_forward`` called with a generator
whose draws give that mask, and each named mistake of A_out is that call
with its inputs changed (keep_prob, or the mask) (:data:`OUTPUT_MISTAKES`).

The mask: the diagnoses of a mask that is not one independent draw per
example and unit (neighbouring entries correlated, counts of kept units
that are not binomial), with the statistics they rest on.
"""

from math import comb

import numpy as np

import reference_impl as ref

from . import Mistake, formula, on_inputs
from .initialization import chi2_limit as _chi2

__all__ = [
    "Z_STAT",
    "LAGS",
    "dropout_with_mask",
    "OUTPUT_MISTAKES",
    "TEST_TIME_MISTAKES",
    "chi2_limit",
    "correlation",
    "dependence_on_A",
    "structure_problem",
    "binomial_problem",
]

# Half-width of every statistical check, in standard errors of its statistic
# (binomial proportions, correlations of independent entries). A correct
# mask fails one with probability P(|N(0,1)| > 7) ≈ 2.6e-12 (exact binomial
# tails for N = 12 000 and keep_prob in [0.2, 0.9]: at most 4.4e-12); about
# thirty such checks per run, below 1e-10. A mask kept with probability
# 1 - keep_prob instead is off by |1 - 2·keep_prob| ≥ 0.3 on the values
# stage, over 50 standard errors.
Z_STAT = 7.0
# Pairs of entries (i, j), (i + di, j + dj) whose correlation must vanish:
# neighbours along the rows, along the columns and on both diagonals. A row
# repeated for two examples gives 0.5 at (1, 0), a sliding window over one
# random vector gives 1 at (1, -1).
LAGS = ((1, 0), (0, 1), (1, 1), (1, -1), (2, 0), (0, 2))


class _Draws(np.random.Generator):
    """A generator whose ``random`` returns fixed draws (0 keeps a unit, ∞ drops it)."""

    def __init__(self, draws):
        super().__init__(np.random.PCG64(0))
        self._draws = draws

    def random(self, size=None, dtype=np.float64, out=None):
        return self._draws


def dropout_with_mask(A, mask, keep_prob):
    """``ref.dropout_forward(A, keep_prob)`` for the mask ``mask`` (1 kept, 0 dropped): A ⊙ mask / keep_prob."""
    draws = np.where(np.asarray(mask, dtype=float) == 1, 0.0, np.inf)
    return ref.dropout_forward(A, keep_prob, rng=_Draws(draws))[0]


def _inputs(change):
    return on_inputs(dropout_with_mask, change)


# On (A, mask, keep_prob), each returns A_out for that mask.
OUTPUT_MISTAKES = [
    Mistake(
        "la division par keep_prob manque : A_out = A * mask / keep_prob (dropout inversé, §9.2), pour garder E[A_out] = A.",
        _inputs(lambda A, mask, keep: (A, mask, 1.0)),
        near_miss=True,
    ),
    Mistake(
        "il faut diviser par keep_prob, pas multiplier : A_out = A * mask / keep_prob (§9.2).",
        _inputs(lambda A, mask, keep: (A, mask, 1 / keep)),
    ),
    Mistake(
        "on divise par keep_prob, la probabilité de garder un neurone, pas par 1 − keep_prob : "
        "A_out = A * mask / keep_prob (§9.2).",
        _inputs(lambda A, mask, keep: (A, mask, 1 - keep)),
    ),
    Mistake(
        "A_out garde les neurones où mask vaut 0 : mask doit valoir 1 (True) pour les neurones gardés.",
        _inputs(lambda A, mask, keep: (A, 1 - mask, keep)),
    ),
    Mistake(
        "le masque n'est pas appliqué : A_out = A * mask / keep_prob (§9.2).",
        _inputs(lambda A, mask, keep: (A, np.ones(A.shape), keep)),
    ),
    Mistake(
        "keep_prob semble ignoré (division par 0.5) : utilisez l'argument keep_prob.",
        _inputs(lambda A, mask, keep: (A, mask, 0.5)),
    ),
]


def _at_test(A, keep):
    return ref.dropout_forward(A, keep, training=False)[0]


# On (A, keep_prob), each returns A_out at test time, where the reference returns A as it is.
TEST_TIME_MISTAKES = [
    Mistake(
        "avec le dropout inversé, la mise à l'échelle est faite pendant l'entraînement (÷ keep_prob) : au "
        "test on renvoie A tel quel, sans le multiplier par keep_prob (§9.2).",
        formula(_at_test, lambda A, keep: dropout_with_mask(A, np.ones(A.shape), 1 / keep)),
    ),
    Mistake(
        "au test, A est renvoyé tel quel : pas de division par keep_prob (§9.2).",
        formula(_at_test, lambda A, keep: dropout_with_mask(A, np.ones(A.shape), keep)),
    ),
]


def chi2_limit(df):
    """The χ² value with the tail of Z_STAT standard errors (Wilson–Hilferty):
    68 for df = 3, 67 for df = 2, where P(χ² > limit) is about 1e-14."""
    return _chi2(df, Z_STAT)


def correlation(a, b):
    a = a - a.mean()
    b = b - b.mean()
    denom = np.sqrt(np.mean(a**2) * np.mean(b**2))
    return float(np.mean(a * b) / denom) if denom > 0 else 0.0


def dependence_on_A(A, maskf):
    """The largest |correlation| of the mask with A or |A|, and its z-score."""
    r = max(abs(correlation(maskf.ravel(), A.ravel())), abs(correlation(maskf.ravel(), np.abs(A).ravel())))
    return r, r * np.sqrt(maskf.size)


def lag_label(di, dj):
    shift = lambda name, k: name if k == 0 else f"{name} {'+' if k > 0 else '-'} {abs(k)}"  # noqa: E731
    return f"mask[i, j] et mask[{shift('i', di)}, {shift('j', dj)}]"


def structure_problem(maskf):
    """(kind, message, hint) when neighbouring entries of the mask are not
    independent, else None; kind is "rows" or "columns" (all identical) or "lag"."""
    m, d = maskf.shape
    if m > 1 and np.all(maskf == maskf[:1]):
        return (
            "rows",
            f"toutes les lignes de mask sont identiques (le même masque pour les {m} exemples)",
            "tirez un masque de la forme de A, np.random.rand(*A.shape) (§9.2), pas une seule ligne répétée.",
        )
    if d > 1 and np.all(maskf == maskf[:, :1]):
        return (
            "columns",
            "toutes les colonnes de mask sont identiques (chaque exemple garde tous ses neurones ou aucun)",
            "tirez un masque de la forme de A, np.random.rand(*A.shape) (§9.2).",
        )
    c = maskf - maskf.mean()
    var = float(np.mean(c**2))
    if var == 0:
        return None
    worst = None  # the lag furthest from 0, in standard errors
    for di, dj in LAGS:
        if di >= m or abs(dj) >= d:
            continue
        a = c[: m - di, max(0, -dj) : d - max(0, dj)]
        b = c[di:, max(0, dj) : d - max(0, -dj)]
        r = float(np.mean(a * b) / var)
        z = abs(r) * np.sqrt(a.size)
        if z > Z_STAT and (worst is None or z > worst[0]):
            worst = (z, di, dj, r, a.size)
    if worst:
        _, di, dj, r, pairs = worst
        return (
            "lag",
            f"la corrélation entre {lag_label(di, dj)} vaut {r:.3f} sur {pairs} paires, attendu 0 "
            f"(tolérance ± {Z_STAT / np.sqrt(pairs):.3f}) : des entrées voisines du masque ne sont pas tirées "
            "indépendamment",
            "un tirage indépendant par exemple et par neurone : mask = rng.random(A.shape) < keep_prob (§9.2), "
            "sans répéter, décaler ni réutiliser des tirages d'une ligne ou d'une colonne à l'autre.",
        )
    return None


def binomial_problem(counts, n, keep_prob, label, unit):
    """(message, hint) when counts of kept units (0..n) don't follow B(n, keep_prob), else None."""
    K = counts.size
    pmf = np.array([comb(n, c) * keep_prob**c * (1 - keep_prob) ** (n - c) for c in range(n + 1)])
    observed = np.bincount(counts.astype(int), minlength=n + 1)
    expected = K * pmf
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    limit = chi2_limit(n)
    if chi2 <= limit:
        return None
    units = {"ligne": "lignes", "appel": "appels"}[unit]
    shown = ", ".join(f"{c} : {int(observed[c])}" for c in range(n + 1))
    wanted = ", ".join(f"{c} : {expected[c]:.0f}" for c in range(n + 1))
    message = (
        f"{label} : nombre de neurones gardés par {unit} (sur {n}), compté sur {K} {units} : {shown} ; "
        f"attendu environ {wanted} pour un tirage indépendant de chaque neurone, loi binomiale B({n}, keep_prob) "
        f"(χ² = {chi2:.0f}, limite {limit:.0f})."
    )
    independent = "Chaque neurone est gardé indépendamment des autres, avec probabilité keep_prob : mask = rng.random(A.shape) < keep_prob (§9.2)."
    if np.count_nonzero(observed) == 1:
        c = int(np.argmax(observed))
        hint = (
            f"le nombre de neurones gardés est toujours {c} : il est fixé d'avance (permutation, choice sans remise, "
            f"round(keep_prob·d)…), ce qui biaise les petites couches (ici E[A_out] = {c / (n * keep_prob):.3f} × A). "
            + independent
        )
    elif observed[0] == 0 and expected[0] >= 10:
        nobody = "aucune ligne n'a tous ses neurones éteints" if unit == "ligne" else "aucun appel n'a éteint tous les neurones"
        hint = (
            f"{nobody}, alors qu'un tirage indépendant les éteint tous avec probabilité (1 − keep_prob)^{n} = "
            f"{pmf[0]:.3f} : ne refaites pas le tirage quand tout est éteint, cela biaise E[A_out]. " + independent
        )
    else:
        hint = independent
    return message, hint
