"""Graders of softmax (§3.5), forward_pass (§5.2, Listing 2) and backward_pass
(§7, Listing 3).

Every network is drawn at grading time: its layer sizes, its He-initialised
weights (``ref.initialize_parameters``) and non-zero biases, its batch. The
cache given to ``backward_pass`` comes from the reference ``forward_pass`` on
that batch, the only kind of cache the chapter's code produces.

Credit beyond right values (framework.KINDS):

- no work: zeros, constants, a copy of an input (Z, X, the parameters), a
  prediction that is the same for every example, gradients that are the same
  for other labels;
- near-miss: softmax without the shift by the row maximum (right on small
  scores, nan/inf near 1000), and backward_pass without the 1/m (every
  gradient m times too large);
- partial: forward_pass right on every hidden layer, wrong on the output
  layer; backward_pass right on the output layer's gradients, wrong below.

Inputs follow the contract of the docstrings: integer as well as float Z, X
and one-hot y_true, a single vector of scores, a single example (m = 1).
"""

import re
from contextlib import contextmanager

import numpy as np

import reference_impl as ref
from reference_impl.losses import categorical_cross_entropy

from ..checks import (
    as_array,
    as_dict,
    as_tuple,
    close,
    compare,
    expect_finite,
    expect_shape,
    expect_untouched,
    expect_work,
    fmt,
    no_work,
    scale_factor,
    NearMiss,
)
from ..framework import Fail, grader

# --- shared helpers ------------------------------------------------------------


def call_with_hints(g, *args, hints=(), **kwargs):
    """``g.call``, adding a hint when the student's error matches a pattern.

    ``hints`` holds (regex, hint) pairs tried on the French failure message,
    which quotes the exception type and text (``erreur ValueError : …``).
    """
    try:
        return g.call(*args, **kwargs)
    except Fail as fail:
        if fail.hint is None:
            for pattern, hint in hints:
                if re.search(pattern, fail.message):
                    fail.hint = hint(fail.message) if callable(hint) else hint
                    break
        raise


@contextmanager
def stage_as(stage):
    """Checks made on a later call count at that call's stage.

    The first call of a grader goes through every stage (``stage="runs"``);
    the checks of the calls made for properties fail at ``"property"``.
    """
    try:
        yield
    except Fail as fail:
        if stage != "runs":
            fail.stage = stage
        raise


def _vec(v):
    return "[" + ", ".join(str(int(x)) for x in v) + "]"


# --- softmax -----------------------------------------------------------------

# Scores spread over about [-9, 9]: probabilities from ~1e-8 to ~1, far from
# the underflow of float32 (~1e-38), so a float32 softmax is graded fairly.
SOFTMAX_SCALE = 3.0
# Scores of this size overflow e^z (e^710 = inf) unless the row maximum is
# subtracted first (eq. 9 is unchanged by a shift).
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
_WHY_MAX = (
    "softmax(z − c) = softmax(z) pour toute constante c, mais seul c = max(z) de chaque ligne garantit à la fois "
    "z − c ≤ 0 (e^{z−c} ≤ 1 : pas de débordement) et un terme e^0 = 1 au dénominateur (pas de 0/0)."
)


@contextmanager
def _later_checks():
    """Checks after the values stage (other shapes, edge values) earn no kind's
    share for a lack of work or a partial result: the values are already
    right. Only a named near-miss (softmax without the shift) keeps its share.
    """
    try:
        yield
    except Fail as fail:
        if fail.kind in ("no_work", "partial"):
            fail.kind = None
        raise


def _softmax_axis(Z, axis):
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_mistakes(Z):
    shifted = np.exp(Z - Z.max(axis=-1, keepdims=True))
    whole = (
        "vous divisez par la somme de tout le tableau : la somme de l'éq. 9 porte sur chaque ligne "
        "(axis=-1, keepdims=True)."
    )
    with np.errstate(over="ignore", invalid="ignore"):
        raw = np.exp(Z)
        mistakes = [
            (
                "la normalisation porte sur le mauvais axe : chaque ligne (axis=-1) doit sommer à 1, pas chaque colonne.",
                _softmax_axis(Z, 0),
            ),
            (whole, shifted / shifted.sum()),
            (whole, raw / raw.sum()),
            ("la normalisation manque : divisez e^{z_j} par Σ_k e^{z_k} (éq. 9).", raw),
            ("la normalisation manque : divisez par la somme de chaque ligne (éq. 9).", shifted),
            ("le signe de l'exposant est inversé : softmax(z)_j = e^{z_j} / Σ_k e^{z_k} (éq. 9).", _softmax_axis(-Z, -1)),
        ]
    if Z.ndim == 3:
        last = "la normalisation doit porter sur le dernier axe (axis=-1), pas sur axis=1."
        mistakes.insert(0, (last, _softmax_axis(Z, 1)))
    return mistakes


def _shifted_softmax(Z, c):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(Z - c)
        return e / e.sum(axis=-1, keepdims=True)


def _shift_mistakes(Z):
    """Softmax shifted by something else than each row's maximum, as (hint, candidate).

    Each candidate keeps the nan/inf that the mistake gives, to be matched by
    :func:`_same_failures`. The shift left out altogether comes last, as the
    near-miss of the rubric, written directly or as e^{z − log Σ e^z}: it
    fails on the rows near 1000, checked first, where the others pass.
    """
    row = {"axis": -1, "keepdims": True}
    named = [
        ("la moyenne de chaque ligne", np.mean(Z, **row)),
        ("la médiane de chaque ligne", np.median(Z, **row)),
        ("le minimum de chaque ligne", np.min(Z, **row)),
        ("le premier score de chaque ligne", Z[..., :1]),
        ("le maximum de |z| de chaque ligne", np.max(np.abs(Z), **row)),
        ("le maximum de tout le tableau", np.max(Z)),
    ]
    mistakes = [
        (
            f"vous décalez les scores par c = {what} : un score bien plus grand que c déborde encore "
            f"(e^{{z − c}} = inf), et si tous les scores sont bien plus petits que c, la somme vaut 0 (0/0). {_WHY_MAX}",
            _shifted_softmax(Z, c),
        )
        for what, c in named
    ]
    no_shift = (
        "e^{1000} déborde (inf/inf = nan) : soustrayez le maximum de chaque ligne avant exp ; "
        "softmax(z − max z) = softmax(z) (éq. 9)."
    )
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_domain = np.exp(Z - np.log(np.sum(np.exp(Z), axis=-1, keepdims=True)))
    mistakes += [NearMiss(no_shift, _shifted_softmax(Z, 0.0)), NearMiss(no_shift, log_domain)]
    return mistakes


def _same_failures(got, candidate):
    """``got`` is ``candidate``: finite at the same entries, with the same values there."""
    got = np.asarray(got, dtype=float)
    if got.shape != candidate.shape:
        return False
    finite = np.isfinite(candidate)
    if not np.array_equal(np.isfinite(got), finite):
        return False
    return close(got[finite], candidate[finite], 1e-4, 1e-8)


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
        for diagnosis in _shift_mistakes(Z):
            if _same_failures(out, diagnosis[1]):
                fail.hint = diagnosis[0]
                fail.kind = "near_miss" if isinstance(diagnosis, NearMiss) else None
                raise
        if fail.hint is None:
            finite = np.all(np.isfinite(np.asarray(out, dtype=float)))
            fail.hint = _tie_hint(out, Z) if finite else _WHY_MAX
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

    with _later_checks():
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

        # Any shape: one vector of scores (eq. 9 itself) and a 3-d array.
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


# --- networks ----------------------------------------------------------------

# Biases drawn N(0, BIAS_SCALE²): a trained network's biases are not zero, and
# zero biases (as initialize_parameters returns) would hide a forgotten "+ b".
BIAS_SCALE = 0.5
# Share of active ReLU units (Z > 0) wanted in every hidden layer of a drawn
# network, and how many draws to try for it.
ACTIVE_SHARE = (0.2, 0.8)
MAX_DRAWS = 50
# Integer inputs for the check of an integer X: features in {-3, …, 3}.
INTEGER_FEATURES = (-3, 4)


def _random_network(g, L, m, kink_margin=0.0, integer=False):
    """Layer sizes, parameters and batch of an L-layer network.

    The sizes are distinct, so that a W used untransposed or from the wrong
    layer raises a shape error instead of giving plausible numbers. The draw
    is repeated until every hidden layer has active and inactive units
    (ACTIVE_SHARE): a dead layer would hide every mistake in ReLU' below it.
    With ``integer``, X holds integers (as an int64 array).
    """
    for _ in range(MAX_DRAWS):
        dims = [int(d) for d in g.rng.choice(np.arange(3, 10), size=L + 1, replace=False)]
        parameters = ref.initialize_parameters(dims, seed=g.rng)
        for l in range(1, L + 1):
            parameters[f"b{l}"] = g.rng.standard_normal((1, dims[l])) * BIAS_SCALE
        if integer:
            X = g.rng.integers(*INTEGER_FEATURES, size=(m, dims[0]))
        else:
            X = g.rng.standard_normal((m, dims[0]))
        _, cache = ref.forward_pass(X, parameters)
        hidden = [cache[f"Z{l}"] for l in range(1, L)]
        low, high = ACTIVE_SHARE if m > 1 else (1e-9, 1 - 1e-9)
        if all(low <= np.mean(Z > 0) <= high and np.abs(Z).min() > kink_margin for Z in hidden):
            break
    return dims, parameters, X


def _forward_variant(X, parameters, hidden=ref.relu, output=ref.softmax, bias=True):
    """The forward pass, with one piece swapped for a known mistake."""
    L = len(parameters) // 2
    A = np.asarray(X, dtype=float)
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + (parameters[f"b{l}"] if bias else 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            A = hidden(Z) if l < L else output(Z)
    return A


def _identity(z):
    return z


def _forward_mistakes(X, parameters):
    variants = [
        ("le biais manque : Z[l] = A[l-1] W[l]ᵀ + b[l] (éq. 23).", {"bias": False}),
        (
            "softmax ne s'applique qu'à la couche de sortie ; les couches cachées utilisent ReLU (Listing 2).",
            {"hidden": ref.softmax},
        ),
        ("la couche de sortie utilise softmax (éq. 9), pas ReLU.", {"output": ref.relu}),
        ("la sortie doit passer par softmax (éq. 9) : vous renvoyez Z[L].", {"output": _identity}),
        ("les couches cachées utilisent ReLU (Listing 2), pas la sigmoïde.", {"hidden": ref.sigmoid}),
        ("les couches cachées utilisent ReLU (Listing 2), pas tanh.", {"hidden": ref.tanh}),
        ("l'activation ReLU des couches cachées manque : A[l] = ReLU(Z[l]) (éq. 24).", {"hidden": _identity}),
    ]
    mistakes = [(hint, _forward_variant(X, parameters, **change)) for hint, change in variants]
    relu_out, logits = mistakes[2][1], mistakes[3][1]
    if close(relu_out, logits):
        # Z[L] > 0 everywhere: ReLU(Z[L]) = Z[L], the two mistakes look the same.
        both = "la couche de sortie utilise softmax (éq. 9) : vous renvoyez Z[L] (ou ReLU(Z[L]), qui lui est égal ici)."
        mistakes[2] = mistakes[3] = (both, logits)
    return mistakes


def _layer_count_hint(L):
    def hint(message):
        match = re.search(r"KeyError : '([WbAZ])(\d+)'", message)
        if match and int(match.group(2)) > L:
            return (
                "le nombre de couches vient de parameters : L = len(parameters) // 2 "
                "(un W et un b par couche, Listing 2)."
            )
        return "vérifiez les indices de couche : parameters contient W1 … WL et b1 … bL."

    return hint


def _matmul_sizes(message):
    """The two sizes a failed matrix product quotes: (rows of the right operand, columns of the left)."""
    match = re.search(r"size (\d+) is different from (\d+)", message)  # @, np.matmul
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.search(r"(\d+) \(dim \d+\) != (\d+) \(dim \d+\)", message)  # np.dot
    if match:
        return int(match.group(2)), int(match.group(1))
    return None


def _forward_matmul_hint(dims):
    """Name the untransposed W only when the sizes quoted are those of A[l-1] @ W[l]."""
    untransposed = {(dims[l], dims[l - 1]) for l in range(1, len(dims))}

    def hint(message):
        if _matmul_sizes(message) in untransposed:
            return (
                "une multiplication matricielle a échoué : Z[l] = A[l-1] W[l]ᵀ + b[l] (éq. 23), où W[l] a la forme "
                "(d_l, d_{l-1}) : il faut sa transposée W.T."
            )
        return (
            "une opération entre tableaux a échoué sur leurs formes : Z[l] = A[l-1] W[l]ᵀ + b[l] (éq. 23), avec "
            f"A[l-1] de forme (m, d_{{l-1}}), W[l] de forme (d_l, d_{{l-1}}) et b[l] de forme (1, d_l) ; "
            f"ici les tailles des couches sont {_vec(dims)}."
        )

    return hint


_INTEGER_CAST_X = (
    "X est ici un tableau d'entiers : une opération en place (+=, out=…) sur un tableau au dtype de X "
    "(np.zeros_like(X), dtype=X.dtype) ne peut pas recevoir de float ; travaillez en float (np.asarray(X, dtype=float))."
)
_CACHE_HINTS = {
    "A": "le cache garde chaque activation A0 = X (éq. 22), A1, …, AL (Listing 2) : backward_pass lit A[l-1] "
    "pour dW[l] (éq. 38).",
    "Z": "le cache garde aussi les pré-activations Z1, …, ZL : backward_pass en a besoin pour ReLU'(Z) (éq. 35).",
}


def _same_rows(got, expected):
    """Why ``got`` ignores the examples (every row the same, where the expected rows differ), or None."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.ndim != 2 or got.shape[0] < 2 or got.shape != expected.shape:
        return None
    # Rows equal up to rounding: a BLAS product may round identical rows differently.
    if close(got, np.broadcast_to(got[:1], got.shape), 1e-9, 1e-12) and not close(
        expected, np.broadcast_to(expected[:1], expected.shape)
    ):
        return "toutes les lignes sont identiques : la sortie ne dépend pas de l'exemple (la ligne de X)"
    return None


def _expect_forward_work(outputs, expected, what, X):
    """``expect_work`` for the forward pass, where a prediction that is the same
    for every example (the biases alone, a fixed guess) shows no work either.
    A0 = X is left out: it is given, not computed."""
    reasons = [no_work(outputs[k], expected[k], {"X": X}) or _same_rows(outputs[k], expected[k]) for k in expected]
    if all(reasons):
        names = ", ".join(expected)
        raise Fail("values", f"{what} : {reasons[0]} (pour chacune des sorties {names}).", kind="no_work")


def _check_forward(g, X, parameters, dims, stage, label, return_args=False):
    """Run forward_pass and check type, shape and values; return the outcome."""
    L = len(dims) - 1
    m = X.shape[0]
    hints = [
        (r"KeyError", _layer_count_hint(L)),
        (r"Cannot cast ufunc .* to dtype\('u?int", _INTEGER_CAST_X),
        (r"mismatch|not aligned|shapes \(|broadcast", _forward_matmul_hint(dims)),
    ]
    outcome = call_with_hints(g, X, parameters, hints=hints, stage=stage, return_args=return_args)
    what = f"forward_pass(X, parameters){label}"
    with stage_as(stage):
        A, cache = as_tuple(outcome.value, 2, what, ["A", "cache"])
        A = as_array(A, f"A renvoyé par {what}")
        if A.shape == X.shape and np.array_equal(A, X):
            raise Fail("shape", f"A renvoyé par {what} : la sortie est une copie de l'entrée X.", kind="no_work")
        cache = as_dict(cache, f"cache renvoyé par {what}")
        required = ["A0"] + [f"{k}{l}" for l in range(1, L + 1) for k in ("Z", "A")]
        missing = [k for k in required if k not in cache]
        if missing:
            raise Fail(
                "shape",
                f"cache renvoyé par {what} : clés manquantes : {', '.join(missing)} (attendu A0 … A{L} et Z1 … Z{L}).",
                _CACHE_HINTS[missing[0][0]],
            )
        arrays = {k: as_array(cache[k], f"cache['{k}']") for k in required}
        extra = sorted(set(cache) - set(required))
        if extra and stage == "runs":
            extra = ", ".join(extra)
            g.note(f"Remarque : le cache contient aussi {extra} ; c'est accepté (backward_pass n'en a pas besoin).")
        expect_shape(A, (m, dims[-1]), f"A renvoyé par {what}")
        for key in required:
            expect_shape(arrays[key], (m, dims[int(key[1:])]), f"cache['{key}']{label}")

        expected_A, expected_cache = ref.forward_pass(X, parameters)
        computed = [k for k in required if k != "A0"]
        _expect_forward_work(
            {"A": A, **{k: arrays[k] for k in computed}},
            {"A": expected_A, **{k: expected_cache[k] for k in computed}},
            what,
            X,
        )
        hidden = [f"{k}{l}" for l in range(1, L) for k in ("Z", "A")]
        hidden_right = all(close(arrays[k], expected_cache[k]) for k in ["A0"] + hidden)
        try:
            compare(A, expected_A, f"A renvoyé par {what}", diagnoses=_forward_mistakes(X, parameters), work=False)
            for key in required:
                layer = int(key[1:])
                diagnoses = []
                if key[0] == "A" and layer > 0:
                    before = f"{key} est mis en cache avant l'activation : A[l] = σ(Z[l]) (éq. 24)."
                    shifted = f"décalage d'indice : {key} doit être la sortie de la couche {layer}."
                    diagnoses += [(before, expected_cache[f"Z{layer}"]), (shifted, expected_cache[f"A{layer - 1}"])]
                if key[0] == "Z":
                    after = f"{key} est mis en cache après l'activation : Z[l] est la pré-activation (éq. 23)."
                    diagnoses.append((after, expected_cache[f"A{layer}"]))
                compare(arrays[key], expected_cache[key], f"cache['{key}']{label}", diagnoses=diagnoses, work=False)
        except Fail as fail:
            # Right hidden layers are most of the pass (eqs. 23-24, L − 1 times over).
            if hidden and hidden_right and fail.kind is None:
                fail.kind = "partial"
                fail.message += (
                    f" Les couches cachées sont justes ({', '.join(hidden)} dans le cache) ; "
                    f"seule la couche de sortie (Z{L}, A{L}) est fausse."
                )
            integers = [k for k in ["A", *computed] if ({"A": A} | arrays)[k].dtype.kind in "iub"]
            if fail.hint is None and X.dtype.kind in "iu" and integers:
                dtype = ({"A": A} | arrays)[integers[0]].dtype
                fail.hint = (
                    f"X est ici un tableau d'entiers, et {integers[0]} est de dtype {dtype} : un tableau créé au dtype "
                    "de X (np.zeros_like(X), np.empty(…, dtype=X.dtype)) tronque les valeurs ; travaillez en float "
                    "(np.asarray(X, dtype=float))."
                )
            raise
    return outcome


@grader("forward_pass", points=3)
def grade_forward_pass(g):
    L, m = 3, int(g.rng.integers(5, 10))
    dims, parameters, X = _random_network(g, L, m)
    outcome = _check_forward(g, X, parameters, dims, "runs", f" (réseau {_vec(dims)})", return_args=True)
    X_after, parameters_after = outcome.args_after
    expect_untouched(X, X_after, "X")
    expect_untouched(
        parameters,
        parameters_after,
        "parameters",
        "forward_pass ne doit pas modifier parameters (par exemple parameters['W1'] = parameters['W1'].T) : "
        "travaillez sur des variables locales.",
    )
    with _later_checks():
        # One hidden layer with a single example (m = 1).
        dims_o, parameters_o, X_o = _random_network(g, 2, 1)
        _check_forward(g, X_o, parameters_o, dims_o, "property", f" (réseau {_vec(dims_o)}, m = 1)")
        # Three hidden layers and an integer X (the contract: integers or floats),
        # after the same values as floats, so that a failure points at the dtype.
        m_i = int(g.rng.integers(5, 10))
        dims_i, parameters_i, X_i = _random_network(g, 4, m_i, integer=True)
        label = f" (réseau {_vec(dims_i)}, m = {m_i}"
        _check_forward(g, X_i.astype(float), parameters_i, dims_i, "property", label + ")")
        try:
            _check_forward(g, X_i, parameters_i, dims_i, "property", label + f", X d'entiers de dtype {X_i.dtype})")
        except Fail as fail:
            fail.hint = fail.hint or (
                f"les mêmes valeurs de X, en float, donnaient le bon résultat ; en entiers (dtype {X_i.dtype}), non : "
                "une opération garde-t-elle le dtype de X ? Calculez en float (np.asarray(X, dtype=float))."
            )
            raise


# --- backward_pass -------------------------------------------------------------

# Mini-batch sizes: the missing 1/m shows as a factor m that no other mistake gives.
BATCH_SIZES = (20, 41)
# Step of the numerical gradient of the property check: central differences
# (eq. 57) have error O(ε²) ≈ 1e-12 here, rounding ≈ 1e-16 / ε ≈ 1e-10.
NUMERIC_EPSILON = 1e-6
# Relative difference ‖num − ana‖ / (‖num‖ + ‖ana‖) accepted against the
# numerical gradient: the chapter calls < 1e-7 correct; measured values with
# this ε are ~1e-9, and every mistake of the bank gives > 1e-2.
GRADIENT_CHECK_MAX = 1e-6
# Pre-activations at least this far from ReLU's kink, so that θ ± ε never
# crosses it during the numerical gradient.
KINK_MARGIN = 1e-3


def _backward_variant(Y, cache, parameters, derivative):
    """The reference backward pass with ``derivative(Z, A)`` in place of ReLU'(Z)."""
    m = Y.shape[0]
    L = len(parameters) // 2
    grads = {}
    dZ = cache[f"A{L}"] - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ.T @ cache[f"A{l - 1}"] / m
        grads[f"db{l}"] = np.sum(dZ, axis=0, keepdims=True) / m
        if l > 1:
            dZ = (dZ @ parameters[f"W{l}"]) * derivative(cache[f"Z{l - 1}"], cache[f"A{l - 1}"])
    return grads


def _backward_mistakes(Y, cache, parameters):
    variants = [
        ("la dérivée de ReLU manque : δ[l-1] = (δ[l] W[l]) ⊙ ReLU'(Z[l-1]) (éq. 35).", lambda z, a: 1.0),
        (
            "les couches cachées utilisent ReLU : ReLU'(Z) = 𝕀[Z > 0] (§7.5), pas la dérivée de la sigmoïde.",
            lambda z, a: ref.sigmoid_derivative(z),
        ),
        (
            "les couches cachées utilisent ReLU : ReLU'(Z) = 𝕀[Z > 0] (§7.5), pas A(1 − A) (la dérivée de la sigmoïde).",
            lambda z, a: a * (1 - a),
        ),
        ("vous multipliez par ReLU(Z[l-1]) au lieu de sa dérivée 𝕀[Z[l-1] > 0] (éq. 35).", lambda z, a: ref.relu(z)),
    ]
    return [(hint, _backward_variant(Y, cache, parameters, derivative=d)) for hint, d in variants]


def _norms(got, expected, name):
    return f"attendu ‖{name}‖ = {fmt(np.linalg.norm(expected))}, obtenu {fmt(np.linalg.norm(got))}."


def _missing_mean(arrays, expected, required, m):
    """The near-miss of the rubric: every gradient exactly m times too large (1/m left out)."""
    if m < 2:
        return
    for key in required:
        k = scale_factor(arrays[key], expected[key])
        if not np.any(expected[key]):
            continue
        if k is None or abs(k - m) > 1e-3 * m:
            return
    first = required[0]
    raise Fail(
        "values",
        f"backward_pass : {first} est {m}× trop grand (m = {m}), comme tous les gradients ; "
        + _norms(arrays[first], expected[first], first),
        "la moyenne sur le batch (1/m, éq. 38) manque-t-elle ? dW[l] = (1/m) δ[l]ᵀ A[l-1] et "
        "db[l] = (1/m) Σ_i δ[l]_i (éq. 38-39).",
        kind="near_miss",
    )


def _scale_diagnosis(got, expected, name, m, output_layer):
    """Fail with a named message when ``got`` is a multiple of ``expected``."""
    k = scale_factor(got, expected)
    if k is None:
        return
    norms = _norms(got, expected, name)
    if k == 0:
        raise Fail("values", f"backward_pass : {name} est nul partout ; {norms}")
    if abs(k + 1) < 1e-3:
        hint = (
            "δ[L] = ŷ − y (éq. 32), pas y − ŷ."
            if output_layer
            else "la couche de sortie est juste : le signe s'inverse dans la propagation, "
            "δ[l-1] = (δ[l] W[l]) ⊙ ReLU'(Z[l-1]) (éq. 35)."
        )
        raise Fail("values", f"backward_pass : {name} a le signe opposé du gradient ; {norms}", hint)
    if abs(k - m) < 1e-3 * m:
        raise Fail(
            "values",
            f"backward_pass : {name} est {m}× trop grand (m = {m}) ; {norms}",
            f"la division par m (éq. 38-39) manque-t-elle pour {name} ?",
        )
    if abs(k * m - 1) < 1e-3:
        raise Fail(
            "values",
            f"backward_pass : {name} est {m}× trop petit (m = {m}) ; {norms}",
            "vous divisez par m deux fois ? Le facteur 1/m n'apparaît qu'une fois (éq. 38-39).",
        )
    size = f"{fmt(k)}× trop grand" if abs(k) > 1 else f"{fmt(1 / k)}× trop petit"
    raise Fail("values", f"backward_pass : {name} est {size} (m = {m}) ; {norms}")


_BACKWARD_MATMUL = (
    "une multiplication matricielle a échoué : δ[l-1] = (δ[l] W[l]) ⊙ ReLU'(Z[l-1]) (éq. 35) utilise W[l], "
    "le poids de la couche l (de forme (d_l, d_{l-1})), et dW[l] = (1/m) δ[l]ᵀ A[l-1] (éq. 38)."
)
_BACKWARD_KEY = (
    "vérifiez les indices de couche : cache contient A0 … AL et Z1 … ZL, parameters W1 … WL ; "
    "L = len(parameters) // 2."
)
_INTEGER_CAST_Y = (
    "y_true est ici un tableau d'entiers : une opération en place (-=, out=…) sur un tableau au dtype de y_true "
    "ne peut pas recevoir de float ; calculez δ[L] = ŷ − y (éq. 32) dans un nouveau tableau."
)


def _grad_array(value, what):
    """A gradient: an array, or a scalar (then reported by its shape, ())."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return np.asarray(value, dtype=float)
    return as_array(value, what)


def _gradients(value, what, required):
    grads = as_dict(value, what)
    missing = [k for k in required if k not in grads]
    if missing:
        L = len(required) // 2
        raise Fail(
            "shape",
            f"{what} : clés manquantes : {', '.join(missing)} (attendu dW1 … dW{L} et db1 … db{L}).",
            "un gradient par paramètre : dW{l} et db{l} pour chaque couche l = L, …, 1 (Listing 3).",
        )
    return grads, {k: _grad_array(grads[k], f"grads['{k}']") for k in required}


def _depends_on_labels(g, Y, cache, parameters, arrays, required):
    """False when the gradients for other labels are the very same (then they ignore y_true)."""
    other = np.roll(Y, 1, axis=-1)  # every example moved to the next class
    try:
        outcome = g.call(other, cache, parameters)
        _, again = _gradients(outcome.value, "", required)
    except Fail:
        return True
    return not all(again[k].shape == arrays[k].shape and np.array_equal(again[k], arrays[k]) for k in required)


def _check_backward(g, Y, cache, parameters, dims, stage, label, return_args=False):
    """Run backward_pass and check type, shape and values; return the outcome and gradients."""
    L = len(dims) - 1
    m = Y.shape[0]
    hints = [
        (r"Cannot cast ufunc .* to dtype\('u?int", _INTEGER_CAST_Y),
        (r"mismatch|not aligned|shapes \(", _BACKWARD_MATMUL),
        (r"KeyError", _BACKWARD_KEY),
    ]
    outcome = call_with_hints(g, Y, cache, parameters, hints=hints, stage=stage, return_args=return_args)
    what = f"backward_pass(y_true, cache, parameters){label}"
    with stage_as(stage):
        required = [f"{k}{l}" for l in range(L, 0, -1) for k in ("dW", "db")]
        grads, arrays = _gradients(outcome.value, what, required)
        extra = sorted(set(grads) - set(required))
        if extra and stage == "runs":
            g.note(f"Remarque : grads contient aussi {', '.join(extra)} ; c'est accepté.")
        for key in required:
            l = int(key[2:])
            arr = arrays[key]
            hint = None
            if key.startswith("dW"):
                shape = (dims[l], dims[l - 1])
                if arr.shape == shape[::-1]:
                    hint = (
                        f"dW{l} = (1/m) δ[{l}]ᵀ A[{l - 1}] (éq. 38) a la forme de W{l}, (d_{l}, d_{l - 1}) = {shape} : "
                        f"A[{l - 1}]ᵀ δ[{l}] en est la transposée."
                    )
            else:
                shape = (1, dims[l])
                if arr.shape == (dims[l],):
                    hint = (
                        f"keepdims=True oublié ? db{l} a la forme de b{l}, (1, d_{l}) : "
                        "np.sum(δ, axis=0, keepdims=True) (éq. 39)."
                    )
                elif arr.shape in [(m, 1), (m,), (1, m)]:
                    hint = "la somme de l'éq. 39 porte sur les exemples (axis=0), pas sur les neurones."
                elif arr.shape == ():
                    hint = (
                        f"db{l} est un vecteur (1, d_{l}) : la somme de l'éq. 39 porte sur axis=0 seulement, "
                        "pas sur tout le tableau."
                    )
            expect_shape(arr, shape, f"grads['{key}']{label}", hint)

        expected = ref.backward_pass(Y, cache, parameters)
        wrong = [k for k in required if not close(arrays[k], expected[k])]
        if not wrong:
            return outcome, arrays
        # A copy of the parameters, zeros, constants: no work, whatever the shapes.
        expect_work(arrays, expected, what, inputs={name: parameters[name] for name in parameters})
        if stage == "runs" and not _depends_on_labels(g, Y, cache, parameters, arrays, required):
            raise Fail(
                "values",
                f"{what} : les gradients ne dépendent pas de y_true : les mêmes reviennent pour d'autres étiquettes "
                "(chaque exemple changé de classe).",
                "la perte compare ŷ à y : δ[L] = ŷ − y (éq. 32) fait entrer y_true dans tous les gradients.",
                kind="no_work",
            )
        _missing_mean(arrays, expected, required, m)
        output = [f"dW{L}", f"db{L}"]
        right = [k for k in required if k not in wrong]
        mistakes = _backward_mistakes(Y, cache, parameters)
        key = wrong[0]
        try:
            _scale_diagnosis(arrays[key], expected[key], key, m, output_layer=key in output)
            compare(
                arrays[key],
                expected[key],
                f"backward_pass : {key}{label}",
                diagnoses=[(hint, grads_v[key]) for hint, grads_v in mistakes],
                work=False,
            )
        except Fail as fail:
            # δ[L] and the output layer's gradients right: the first half of Algorithm 3.
            if fail.kind is None and set(output) <= set(right):
                fail.kind = "partial"
                also = [k for k in right if k not in output]
                fail.message += (
                    f" Les gradients de la couche de sortie ({', '.join(output)}) sont justes"
                    + (f", ainsi que {', '.join(also)}" if also else "")
                    + f" ; faux : {', '.join(wrong)}."
                )
            raise
    return outcome, arrays


def _numeric_grads(X, Y, parameters):
    """Central differences (eq. 57) of the reference loss, parameter by parameter."""
    grads = {}
    for name, theta in parameters.items():
        theta = theta.copy()
        params = dict(parameters)
        params[name] = theta
        grad = np.zeros_like(theta)
        for idx in np.ndindex(theta.shape):
            old = theta[idx]
            theta[idx] = old + NUMERIC_EPSILON
            plus = categorical_cross_entropy(ref.forward_pass(X, params)[0], Y)
            theta[idx] = old - NUMERIC_EPSILON
            minus = categorical_cross_entropy(ref.forward_pass(X, params)[0], Y)
            theta[idx] = old
            grad[idx] = (plus - minus) / (2 * NUMERIC_EPSILON)
        grads[f"d{name}"] = grad
    return grads


def _labels(g, m, K):
    return np.eye(K)[g.rng.integers(0, K, m)]


@grader("backward_pass", points=4)
def grade_backward_pass(g):
    L, m = 3, int(g.rng.integers(*BATCH_SIZES))
    dims, parameters, X = _random_network(g, L, m)
    Y = _labels(g, m, dims[-1])
    _, cache = ref.forward_pass(X, parameters)
    outcome, _ = _check_backward(g, Y, cache, parameters, dims, "runs", "", return_args=True)
    Y_after, cache_after, parameters_after = outcome.args_after
    expect_untouched(Y, Y_after, "y_true")
    expect_untouched(
        cache,
        cache_after,
        "cache",
        f"backward_pass ne doit pas modifier le cache : dZ = cache['A{L}'] - y_true crée un nouveau tableau, "
        "mais dZ -= …, dZ *= … ou np.maximum(…, out=…) sur un tableau du cache le modifient.",
    )
    expect_untouched(parameters, parameters_after, "parameters")

    with _later_checks():
        # The same labels as integers (the contract: a one-hot of 0 and 1, int or float).
        Y_int = Y.astype(np.int64)
        try:
            _check_backward(g, Y_int, cache, parameters, dims, "property", f" (y_true one-hot d'entiers, dtype {Y_int.dtype})")
        except Fail as fail:
            fail.hint = fail.hint or (
                f"les mêmes étiquettes, en float, donnaient les bons gradients ; en entiers (dtype {Y_int.dtype}), non. "
                "Un tableau qui prend le dtype de y_true (np.zeros_like(y_true), .astype(y_true.dtype)…) tronque "
                "ŷ − y : calculez δ[L] en float."
            )
            raise

        # A small network against the numerical gradient of the loss (eq. 57).
        dims_s, parameters_s, X_s = _random_network(g, 2, 4, kink_margin=KINK_MARGIN)
        _, cache_s = ref.forward_pass(X_s, parameters_s)
        Y_s = _labels(g, 4, dims_s[-1])
        label = f" (réseau {_vec(dims_s)}, m = 4)"
        _, got = _check_backward(g, Y_s, cache_s, parameters_s, dims_s, "property", label)
        numeric = _numeric_grads(X_s, Y_s, parameters_s)
        for key, num in numeric.items():
            ana = got[key]
            diff = float(np.linalg.norm(num - ana) / (np.linalg.norm(num) + np.linalg.norm(ana)))
            if not diff < GRADIENT_CHECK_MAX:
                raise Fail(
                    "property",
                    f"backward_pass{label} : {key} diffère du gradient numérique (éq. 57) ; "
                    f"‖num − ana‖ / (‖num‖ + ‖ana‖) = {fmt(diff)}, attendu < {fmt(GRADIENT_CHECK_MAX)}.",
                )
        # A deeper network with a single example.
        dims_d, parameters_d, X_d = _random_network(g, 4, 1)
        _, cache_d = ref.forward_pass(X_d, parameters_d)
        label = f" (réseau {_vec(dims_d)}, m = 1)"
        _check_backward(g, _labels(g, 1, dims_d[-1]), cache_d, parameters_d, dims_d, "property", label)
