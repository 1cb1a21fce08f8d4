"""Graders of the activation functions and their derivatives (§3, §7.5) and
of softmax (§3.5, éq. 9): the functions of ``reference_impl/activations.py``.

The elementwise checks are those of ``checks.elementwise``; the named
mistakes, the reference with one thing changed, are in
``mistakes/activations.py``.

Points follow the rubric of ``framework``: an output with no work earns 0, a
function right for z > 0 only (or z < 0 only) the partial share, σ′ or tanh′
taken from z the near-miss share, and so does a σ that is right on moderate z
but not finite at ±800 (the unstable σ of the official list). Softmax earns
the near-miss share when it leaves out the shift by the row maximum (right
on small scores, nan/inf near 1000).
"""

import numpy as np

import reference_impl as ref

from ..checks import (
    NearMiss,
    as_array,
    call_with_hints,
    close,
    compare,
    expect_finite,
    expect_shape,
    expect_untouched,
    fmt,
    later_checks,
    same_failures,
    stage_as,
)
from ..checks.elementwise import TANH_EDGES, check_alpha, check_elementwise
from ..framework import Fail, grader
from ..mistakes import activations as mistakes
from ..mistakes import diagnoses

def _sigma_overflow(sides, observed, remedy):
    """The hint for a σ that is not finite at ±800 (or raises there): it names
    the side where that happens, the exponential that overflows there, and
    what came of it (``observed``: "nan", "inf" or "raise")."""
    became = {
        "nan": "inf/inf ou inf − inf y donne nan",
        "inf": "le résultat y devient inf",
        "raise": "math.exp lève alors OverflowError (np.exp renverrait inf)",
    }[observed]
    causes = []
    if "neg" in sides:
        form = " dans une forme comme e^{−z} / (1 + e^{−z})" if observed == "nan" else ""
        causes.append(f"pour z très négatif (z = −800), e^{{−z}} = e^{{800}} déborde (au-delà de 1.8e308){form} : {became}")
    if "pos" in sides:
        form = " dans une forme comme e^z / (1 + e^z)" if observed == "nan" else ""
        causes.append(f"pour z très positif (z = 800), e^{{z}} = e^{{800}} déborde{form} : {became}")
    if not causes:
        causes.append(f"l'exponentielle déborde pour |z| = 800 : {became}")
    return " ; ".join(causes) + f". {remedy}"


def _sigmoid_overflow(sides, observed):
    return _sigma_overflow(sides, observed, "Utilisez une forme stable : np.logaddexp, ou np.where selon le signe de z.")


def _sigmoid_derivative_overflow(sides, observed):
    return _sigma_overflow(
        sides,
        observed,
        "Calculez σ(z) sous une forme stable, comme dans sigmoid (np.logaddexp, ou np.where selon le signe de z), "
        "puis σ(z)(1 − σ(z)).",
    )

def _alpha_diagnoses(reference):
    """The mistakes of a call with ``alpha``: at 0, the default slope instead (0 taken for no value)."""

    def found(z, alpha):
        mistake = mistakes.alpha_zero_as_default if alpha == 0 else mistakes.alpha_ignored
        return [mistake(reference).diagnosis(z, alpha)]

    return found


@grader("sigmoid", points=1)
def grade_sigmoid(g):
    check_elementwise(g, ref.sigmoid, diagnoses(mistakes.SIGMOID), overflow_hint=_sigmoid_overflow)


@grader("tanh", points=1)
def grade_tanh(g):
    check_elementwise(g, ref.tanh, diagnoses(mistakes.TANH), edges=TANH_EDGES)


@grader("relu", points=1)
def grade_relu(g):
    check_elementwise(g, ref.relu, diagnoses(mistakes.RELU))


@grader("leaky_relu", points=1)
def grade_leaky_relu(g):
    check_elementwise(g, ref.leaky_relu, diagnoses(mistakes.LEAKY_RELU))
    check_alpha(g, ref.leaky_relu, "leaky_relu", _alpha_diagnoses(ref.leaky_relu))


@grader("sigmoid_derivative", points=1)
def grade_sigmoid_derivative(g):
    check_elementwise(
        g, ref.sigmoid_derivative, diagnoses(mistakes.SIGMOID_DERIVATIVE), overflow_hint=_sigmoid_derivative_overflow
    )


@grader("tanh_derivative", points=1)
def grade_tanh_derivative(g):
    check_elementwise(g, ref.tanh_derivative, diagnoses(mistakes.TANH_DERIVATIVE), edges=TANH_EDGES)


@grader("relu_derivative", points=1)
def grade_relu_derivative(g):
    check_elementwise(g, ref.relu_derivative, diagnoses(mistakes.RELU_DERIVATIVE))


@grader("leaky_relu_derivative", points=1)
def grade_leaky_relu_derivative(g):
    check_elementwise(g, ref.leaky_relu_derivative, diagnoses(mistakes.LEAKY_RELU_DERIVATIVE))
    check_alpha(g, ref.leaky_relu_derivative, "leaky_relu_derivative", _alpha_diagnoses(ref.leaky_relu_derivative))


# --- softmax -----------------------------------------------------------------

# Scores spread over about [-9, 9]: probabilities from ~1e-8 to ~1, far from
# the underflow of float32 (~1e-38), so a float32 softmax is graded fairly.
SOFTMAX_SCALE = 3.0
# Scores of this size overflow e^z (e^710 = inf) unless the row maximum is
# subtracted first (éq. 9 is unchanged by a shift).
LARGE_SCORE = 1000.0
# Row offsets of very different scales: subtracting the maximum of the whole
# array instead of each row's leaves e^{-800} = 0 in the lower rows, then 0/0.
ROW_OFFSETS = np.array([0.0, 800.0, -800.0, 400.0])
# Rows whose scores are far apart, where only the row maximum is a safe shift
# (the rows near 1000 above are all large together: a shift by any statistic
# of the row passes there). Each row defeats a different set of wrong shifts,
# so that the nan/inf they leave tell them apart (see _mixed_rows):
# e^{z − c} overflows beyond z − c ≈ 709.8, and a row gives 0/0 when every
# z − c is below ≈ -745.
DOMINANT_SCORE = 2000.0
# Above 709.8 even after a shift by the row mean: 720·(1 − 1/K) ≤ 630 for K ≤ 8.
MODERATE_SCORE = 720.0
SPREAD_SCORE = 1000.0
# The "−inf" of a masked class, beside ordinary scores.
VERY_NEGATIVE = -1e4
# Large scores are multiples of 1/256 below 2^14, hence exact in float32 as in
# float64: z - max(z) is then exact in both, and a float32 softmax keeps the
# usual tolerance even at |z| = 1e4.
QUANTUM = 256.0
# Integer scores for the check of an integer Z: small, so e^z is exact enough.
INTEGER_SCORES = (-6, 7)

_KEEPDIMS = (
    "np.max(Z, axis=-1) et np.sum(…, axis=-1) renvoient un tableau de forme (m,), qui ne se "
    "diffuse pas contre Z de forme (m, K) : gardez l'axe réduit avec keepdims=True."
)
_LAST_AXIS = "softmax porte sur le dernier axe (axis=-1), pour toute forme de Z : un vecteur (K,), un lot (m, K)…"
_INTEGER_CAST = (
    "les scores sont ici des entiers : une opération en place (out=…, -=, /=) sur un tableau d'entiers "
    "ne peut pas recevoir de float ; travaillez sur une copie en float (np.asarray(Z, dtype=float))."
)


def _softmax_mistakes(Z):
    """The diagnoses of a wrong softmax of Z; on a 3-d Z, axis=1 first."""
    catalogue = ([mistakes.SOFTMAX_AXIS_1] if Z.ndim == 3 else []) + mistakes.SOFTMAX
    return [mistake.diagnosis(Z) for mistake in catalogue]


def _tie_hint(got, Z):
    """Different scores of one row with the same probability: the scores were bounded."""
    got = np.asarray(got, dtype=float)
    for i in np.ndindex(*Z.shape[:-1]):
        p, z = got[i], Z[i]
        for j in range(len(z)):
            same = (p == p[j]) & (z != z[j]) & (p > 0)
            if np.isfinite(p[j]) and same.any():
                k = int(np.argmax(same))
                row = i[0] if len(i) == 1 else i
                return (
                    f"sur la ligne {row}, les scores {fmt(z[j])} et {fmt(z[k])} reçoivent la même probabilité "
                    f"{fmt(p[j])} : les scores ont-ils été bornés (np.clip) ? Borner un score change le softmax ; "
                    "le décaler (soustraire le maximum de la ligne) ne le change pas."
                )
    return None


def _softmax_call(g, Z, stage="runs", return_args=False):
    hints = [
        (r"broadcast", _KEEPDIMS),
        (r"AxisError|out of bounds for array of dimension", _LAST_AXIS),
        (r"Cannot cast ufunc .* to dtype\('u?int", _INTEGER_CAST),
    ]
    outcome = call_with_hints(g, Z, hints=hints, stage=stage, return_args=return_args)
    what = f"softmax(Z) pour Z de forme {Z.shape}"
    with stage_as(stage):
        out = as_array(outcome.value, what)
        hint = "softmax garde la forme de Z." if stage == "runs" else _LAST_AXIS
        expect_shape(out, Z.shape, what, None if out.size == Z.size else hint)
    return outcome, out


def _quantised(x):
    return np.round(x * QUANTUM) / QUANTUM


def _check_large_scores(g, Z, what):
    """softmax of scores that overflow e^z unless each row's maximum is subtracted."""
    _, out = _softmax_call(g, Z, stage="property")
    expected = ref.softmax(Z)
    if close(out, expected):
        return
    try:
        expect_finite(out, what, stage="property")
        compare(out, expected, what, inputs={"Z": Z}, stage="property", work=False)
    except Fail as fail:
        for diagnosis in diagnoses(mistakes.SHIFTS)(Z):
            if same_failures(out, diagnosis[1]):
                fail.hint = diagnosis[0]
                fail.kind = "near_miss" if isinstance(diagnosis, NearMiss) else None
                raise
        if fail.hint is None:
            finite = np.all(np.isfinite(np.asarray(out, dtype=float)))
            fail.hint = _tie_hint(out, Z) if finite else mistakes.WHY_MAX
        raise


def _mixed_rows(g, K):
    """Five rows of scores far apart, in random order; each wrong shift fails on some.

    ====================================  ======================================
    row                                   overflow (inf) or 0/0 after a shift by
    ====================================  ======================================
    2000 among small scores               mean, median, minimum, first score
    720 among small scores                median, minimum, first score
    -1000 first, then small scores        minimum, first score; max |z|: 0/0
    first near -1000, others near ±1000   mean, minimum, first score
    small first, some at -1e4             mean, minimum; max |z|: 0/0
    ====================================  ======================================

    The first column never holds a row's maximum. The maximum of the whole
    array (2000) leaves 0/0 in every other row.
    """

    def small(n):
        return _quantised(g.rng.standard_normal(n) * SOFTMAX_SCALE)

    dominant = small(K)
    dominant[g.rng.integers(1, K)] = DOMINANT_SCORE
    moderate = small(K)
    moderate[g.rng.integers(1, K)] = MODERATE_SCORE
    low_first = small(K)
    low_first[0] = -SPREAD_SCORE
    spread = small(K) + np.where(np.arange(K) % 2 == 1, SPREAD_SCORE, -SPREAD_SCORE)
    spread[1:] = g.rng.permutation(spread[1:])
    masked = small(K)
    hidden = 1 + g.rng.permutation(K - 1)[: max(1, K - 2)]
    masked[hidden] = VERY_NEGATIVE + small(len(hidden))
    rows = np.stack([dominant, moderate, low_first, spread, masked])
    return rows[g.rng.permutation(len(rows))]


@grader("softmax", points=2)
def grade_softmax(g):
    # m ≠ K: a forgotten keepdims can't broadcast by accident.
    m, K = (int(v) for v in g.rng.choice(np.arange(3, 9), size=2, replace=False))
    Z = g.rng.standard_normal((m, K)) * SOFTMAX_SCALE
    outcome, out = _softmax_call(g, Z, return_args=True)
    compare(out, ref.softmax(Z), "softmax(Z)", inputs={"Z": Z}, diagnoses=_softmax_mistakes(Z))
    expect_untouched(Z, outcome.args_after[0], "Z")

    with later_checks():
        # Scores near 1000: e^1000 overflows without the shift by the row maximum.
        Z_large = LARGE_SCORE + _quantised(g.rng.standard_normal((3, K)) * SOFTMAX_SCALE)
        _check_large_scores(g, Z_large, "softmax(Z) pour des scores proches de 1000")

        # Rows of very different scales: the maximum must be taken row by row.
        offsets = g.rng.permutation(ROW_OFFSETS).reshape(-1, 1)
        Z_rows = offsets + _quantised(g.rng.standard_normal((len(ROW_OFFSETS), K)) * SOFTMAX_SCALE)
        around = ", ".join(fmt(o) for o in offsets.ravel())
        _check_large_scores(g, Z_rows, f"softmax(Z) pour des lignes d'échelles très différentes (autour de {around})")

        # Scores far apart within a row: only the row maximum is a safe shift.
        Z_mixed = _mixed_rows(g, K)
        _check_large_scores(
            g,
            Z_mixed,
            "softmax(Z) pour des lignes aux scores très écartés (un score de 2000 ou 720 parmi de petits scores, "
            "des scores de ±1000, des scores de -1e4 à côté de scores ordinaires)",
        )

        # Any shape: one vector of scores (éq. 9 itself) and a 3-d array.
        for shape in [(K,), (2, 3, K)]:
            Z_other = g.rng.standard_normal(shape) * SOFTMAX_SCALE
            _, out_other = _softmax_call(g, Z_other, stage="property")
            compare(
                out_other,
                ref.softmax(Z_other),
                f"softmax(Z) pour Z de forme {shape}",
                stage="property",
                work=False,
                diagnoses=_softmax_mistakes(Z_other) if Z_other.ndim > 1 else (),
            )

        # Integer scores (the contract: an ndarray of integers or floats).
        Z_int = g.rng.integers(*INTEGER_SCORES, size=(m, K))
        _, out_int = _softmax_call(g, Z_int, stage="property")
        what = f"softmax(Z) pour Z d'entiers (dtype {Z_int.dtype}, forme {Z_int.shape})"
        try:
            compare(out_int, ref.softmax(Z_int), what, inputs={"Z": Z_int}, stage="property", work=False)
        except Fail as fail:
            if out_int.dtype.kind in "iub":
                fail.hint = (
                    f"le résultat est de dtype {out_int.dtype}, celui des scores entiers : des probabilités sont des "
                    "float. np.zeros_like(Z) ou np.empty_like(Z) gardent le dtype de Z ; partez de "
                    "np.asarray(Z, dtype=float)."
                )
            raise
