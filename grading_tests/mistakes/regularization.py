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

from ..checks import as_array, close
from ..framework import Fail
from ..wire import TestFunction
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
    "mean_bias",
    "rounded",
    "unpack",
    "rounding_hint",
    "BIAS_HINT",
    "constant_mask",
    "kept_fraction",
    "seeded_generator",
    "RNG_HINT",
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
        name="no_rescale",
    ),
    Mistake(
        "il faut diviser par keep_prob, pas multiplier : A_out = A * mask / keep_prob (§9.2).",
        _inputs(lambda A, mask, keep: (A, mask, 1 / keep)),
        name="multiplies_by_keep_prob",
    ),
    Mistake(
        "on divise par keep_prob, la probabilité de garder un neurone, pas par 1 − keep_prob : "
        "A_out = A * mask / keep_prob (§9.2).",
        _inputs(lambda A, mask, keep: (A, mask, 1 - keep)),
        name="divides_by_drop_prob",
    ),
    Mistake(
        "A_out garde les neurones où mask vaut 0 : mask doit valoir 1 (True) pour les neurones gardés.",
        _inputs(lambda A, mask, keep: (A, 1 - mask, keep)),
        name="mask_inverted",
    ),
    Mistake(
        "le masque n'est pas appliqué : A_out = A * mask / keep_prob (§9.2).",
        _inputs(lambda A, mask, keep: (A, np.ones(A.shape), keep)),
        name="mask_not_applied",
    ),
    Mistake(
        "keep_prob semble ignoré (division par 0.5) : utilisez l'argument keep_prob.",
        _inputs(lambda A, mask, keep: (A, mask, 0.5)),
        name="keep_prob_ignored",
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
        name="test_time_multiplied",
    ),
    Mistake(
        "au test, A est renvoyé tel quel : pas de division par keep_prob (§9.2).",
        formula(_at_test, lambda A, keep: dropout_with_mask(A, np.ones(A.shape), keep)),
        name="test_time_divided",
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


def binomial_problem(counts, n, keep_prob, label, unit, shape_only=False):
    """(message, hint) when counts of kept units (0..n) don't follow B(n, keep_prob), else None.

    ``shape_only``: against B(n, p̂), p̂ the fraction kept: the law of the counts, whatever their
    mean (a biased mean is the 1 % check's, which names it the same way under every seed).
    """
    K = counts.size
    if shape_only:
        keep_prob = min(max(float(counts.sum()) / (n * K), 1e-9), 1 - 1e-9)
    pmf = np.array([comb(n, c) * keep_prob**c * (1 - keep_prob) ** (n - c) for c in range(n + 1)])
    observed = np.bincount(counts.astype(int), minlength=n + 1)
    expected = K * pmf
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    limit = chi2_limit(n - 1 if shape_only else n)
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


def mean_bias(maskf, keep_prob, z_stat):
    """The message when the kept fraction is not keep_prob within ``z_stat`` standard errors, or None."""
    n, kept = maskf.size, float(maskf.mean())
    se = np.sqrt(keep_prob * (1 - keep_prob) / n)
    if abs(kept - keep_prob) <= z_stat * se:
        return None
    return (
        f"{100 * kept:.2f} % des {n} neurones sont gardés, attendu keep_prob = {100 * keep_prob:.2f} % (tolérance "
        f"± {100 * z_stat * se:.2f} %) : E[A_out] vaut {kept / keep_prob:.4f} × A au lieu de A, un biais de "
        f"{100 * (kept / keep_prob - 1):+.1f} %"
    )


# The kept fraction of one call fails only this far from keep_prob,
# relatively, or beyond (keep_prob ignored, the comparison inverted: 17 % or
# more off at the values stage); a smaller bias is the 1 % check's, at the
# properties. Judged at Z_STAT standard errors alone, a bias of 1 to 5 % would
# fail the values on some seeds and the properties on others, or be named by
# whichever call happened to see it.
VALUES_BIAS = 0.10
# A kept fraction within this many standard errors of round(keep_prob, 2) is
# that of keep_prob rounded, when it is so for two keep_prob rounded in
# opposite directions (a bias in proportion to keep_prob moves both one way).
ROUNDED_Z = 4.0


def rounded(maskf, keep_prob):
    """True when the kept fraction is that of keep_prob rounded to a percent."""
    se = np.sqrt(keep_prob * (1 - keep_prob) / maskf.size)
    return abs(float(maskf.mean()) - round(keep_prob, 2)) <= ROUNDED_Z * se


def rounding_hint(keep_probs):
    return (
        f"la fraction gardée est celle de keep_prob arrondi au centième ({', '.join(f'{round(p, 2):g} pour {p:g}' for p in keep_probs)}) : "
        "tirez le masque avec keep_prob lui-même, mask = rng.random(A.shape) < keep_prob, sinon E[A_out] ≠ A (§9.2)."
    )


BIAS_HINT = "chaque neurone est gardé avec probabilité exactement keep_prob : mask = rng.random(A.shape) < keep_prob (§9.2)."


def seeded_generator(seed):
    """An rng argument for the student's function: ``np.random.default_rng(seed)``, built in the worker."""
    return TestFunction("generator", {"seed": int(seed)})


RNG_HINT = (
    "rng est un np.random.Generator (ou None) : il tire avec rng.random(shape), rng.uniform, rng.binomial… "
    "mais n'a ni rand ni randn (ceux de np.random) ; np.random.default_rng(rng) accepte les deux."
)


# --- the mask of one call ----------------------------------------------------------


def constant_mask(A, keep_prob, A_out, maskf, what, stage):
    """A mask of all 0 or all 1 (for keep_prob < 1 on a large layer) draws
    nothing; so does the output when it is the one of that mask, or A."""
    if np.all(maskf == maskf.flat[0]):
        value = int(maskf.flat[0])
        state = "aucun neurone n'est gardé" if value == 0 else "aucun neurone n'est éteint"
        out = np.asarray(A_out, dtype=float)
        if np.array_equal(out, A):
            state += ", et A_out est une copie de l'entrée A"
        elif not close(out, dropout_with_mask(A, maskf, keep_prob)):
            raise Fail(
                stage,
                f"{what} : mask vaut {value} partout sur {maskf.size} neurones ({state}), mais A_out n'est pas "
                "A * mask / keep_prob pour ce masque.",
                "renvoyez le masque que vous avez appliqué à A : return A * mask / keep_prob, mask (§9.2).",
            )
        raise Fail(
            stage,
            f"{what} : mask vaut {value} partout sur {maskf.size} neurones ({state}) : aucun tirage au hasard.",
            "chaque neurone est gardé avec probabilité keep_prob : mask = rng.random(A.shape) < keep_prob, puis "
            "A_out = A * mask / keep_prob (§9.2).",
            kind="no_work",
        )


def kept_fraction(maskf, keep_prob, what, stage, correlated=False):
    """The Fail for a kept fraction far from keep_prob, or None. A ``correlated`` mask (neighbours
    drawn together) is judged as m + d − 1 draws, the fewest a shifted or repeated pattern holds."""
    n = sum(maskf.shape) - 1 if correlated else maskf.size
    kept = float(maskf.mean())
    tol = Z_STAT * np.sqrt(keep_prob * (1 - keep_prob) / n)
    tol = max(tol, VALUES_BIAS * keep_prob)
    if abs(kept - keep_prob) <= tol:
        return None
    if abs(kept - (1 - keep_prob)) <= tol:
        hint = (
            "la comparaison est inversée : chaque neurone est gardé avec probabilité keep_prob, "
            "mask = np.random.rand(*A.shape) < keep_prob (§9.2), pas > keep_prob."
        )
    elif abs(kept - 0.5) <= Z_STAT * np.sqrt(0.25 / n):
        hint = "keep_prob semble ignoré (la moitié des neurones est gardée) : utilisez l'argument keep_prob."
    else:
        hint = "mask = np.random.rand(*A.shape) < keep_prob garde chaque neurone avec probabilité keep_prob (§9.2)."
    return Fail(
        stage,
        f"{what} : {100 * kept:.1f} % des neurones sont gardés, attendu keep_prob = {100 * keep_prob:.1f} % "
        f"(tolérance ± {100 * tol:.1f} % sur {n} neurones) ; E[A_out] vaudrait alors {kept / keep_prob:.3f} × A.",
        hint,
    )


def unpack(value, what, stage):
    """(A_out, mask) of a training call, with types checked."""
    type_stage = "type" if stage == "values" else stage
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got = f"un {type(value).__name__} de longueur {len(value)}" if isinstance(value, (tuple, list)) else type(value).__name__
        raise Fail(type_stage, f"{what} : attendu un tuple de 2 éléments (A_out, mask), obtenu {got}.")
    A_out, mask = value
    A_out = as_array(A_out, f"{what} : A_out", stage=type_stage)
    if mask is None:
        raise Fail(
            type_stage,
            f"{what} : mask vaut None en entraînement (training=True).",
            "en entraînement, renvoyez le masque utilisé : la rétropropagation en a besoin (§9.2). "
            "Seul training=False renvoie (A, None).",
        )
    mask = as_array(mask, f"{what} : mask", stage=type_stage)
    return A_out, mask
