"""Grader of the perceptron learning rule (§2.2, Algorithm 1, lines 4-8).

The function returns the updated state (w, b), so updating ``w`` in place is
allowed: only the returned values are compared. The example ``x_i`` is not
state (in Algorithm 1 it is a row of the data set) and must be left as it is.

The contract (notebook 06_1, stub and reference docstrings, visible check):
``w`` is a float array (the state, np.zeros(d) at line 1), ``b`` a number,
``x_i`` an array of integers or floats (a row of the data), ``y_i`` 0 or 1 as
a Python int or a numpy integer (what ``zip(X, y)`` yields).

No work, no points: a function that returns zeros, the same (w, b) whatever
the inputs, or (w, b) untouched even on a misclassified example.
"""

import numpy as np

import reference_impl as ref

from ..checks import as_array, as_real_scalar, close, expect_finite, expect_shape, expect_untouched, fmt, student_error
from ..framework import Fail, grader
from ..mistakes.perceptron import MISTAKES, prediction, score

# Few features, so that w can be quoted in full in a message.
N_FEATURES = 4
# |w·x + b| of the random cases stays at least this far from the tie at 0,
# so that no rounding can move a point across the hyperplane.
MARGIN = 0.2
# Integer entries make w·x + b = 0 exact in floating point however it is
# summed (np.dot, a loop, float32): the tie of éq. 1 can be tested.
TIE_RANGE = 4
# Length of the short run of Algorithm 1 that chains the returned (w, b).
RUN_EXAMPLES = 8
# Range of the nonzero integer entries of x_i in the integer-data case. w is
# random, so the updated weights are never integers and a truncation shows.
INT_X_RANGE = 3


def _vec(v):
    return "[" + ", ".join(fmt(x) for x in np.ravel(v)) + "]"


def _call(g, w, b, x, y, lr, stage, return_args=False):
    """Call the student's function; return (w, b, outcome) once the types are right."""
    outcome = g.call(w, b, x, y, lr, stage=stage, return_args=return_args)
    value = outcome.value
    type_stage = "type" if stage == "runs" else stage
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        what = f"un {type(value).__name__} de longueur {len(value)}" if isinstance(value, (tuple, list)) else type(value).__name__
        raise Fail(type_stage, f"perceptron_update : attendu un tuple de 2 éléments (w, b), obtenu {what}.")
    w_new, b_new = value
    if isinstance(b_new, np.ndarray) and b_new.size > 1 and isinstance(w_new, np.ndarray):
        raise Fail(
            type_stage,
            f"perceptron_update : b doit être un nombre réel, obtenu un tableau de forme {b_new.shape}.",
            "b ← b + α(y − ŷ) (ligne 7) : le biais est un nombre, x_i n'intervient pas dans sa mise à jour.",
        )
    if not isinstance(w_new, np.ndarray) and isinstance(b_new, np.ndarray):
        raise Fail(
            type_stage,
            f"perceptron_update : le premier élément renvoyé doit être w (un numpy.ndarray), obtenu {type(w_new).__name__}.",
            "renvoyez (w, b) dans cet ordre.",
        )
    w_new = as_array(w_new, "perceptron_update : w renvoyé", stage=type_stage)
    b_new = as_real_scalar(b_new, "perceptron_update : b renvoyé", stage=type_stage)
    return w_new, b_new, outcome


_TRUNCATED_HINT = (
    "w renvoyé est un tableau d'entiers : les valeurs sont tronquées. Un tableau créé par np.zeros_like(x_i), "
    "np.empty_like(x_i) ou x_i.copy() a le dtype de x_i (int64 ici) ; partez de w, ou de np.asarray(x_i, dtype=float)."
)
_CAST_HINT = (
    "une opération en place (*=, +=, out=…) ne peut pas écrire des flottants dans un tableau d'entiers, et une copie "
    "de x_i garde son dtype (int64 ici) : convertissez d'abord, np.asarray(x_i, dtype=float)."
)


def _expect_work(results):
    """No work: zeros, one (w, b) whatever the inputs, or no update ever."""
    outputs = [(np.asarray(w_new, dtype=float), b_new) for _, _, _, _, w_new, b_new, _, _ in results]
    n = len(outputs)
    if all(not np.any(w_new) and b_new == 0 for w_new, b_new in outputs):
        raise Fail(
            "values",
            f"perceptron_update : la sortie est nulle partout (w = 0 et b = 0 pour chacun des {n} exemples).",
            kind="no_work",
        )
    w0, b0 = outputs[0]
    if all(w_new.shape == w0.shape and np.array_equal(w_new, w0) and b_new == b0 for w_new, b_new in outputs[1:]):
        raise Fail(
            "values",
            f"perceptron_update : la sortie ne dépend pas de l'entrée : le même (w, b) = ({_vec(w0)}, {fmt(b0)}) "
            f"revient pour {n} exemples différents.",
            kind="no_work",
        )
    if all(
        w_new.shape == np.shape(w) and close(w_new, w) and close(b_new, b)
        for (w, b, *_), (w_new, b_new) in zip(results, outputs)
    ):
        raise Fail(
            "values",
            "perceptron_update : w et b reviennent inchangés à chaque appel, y compris sur les exemples mal classés "
            "(ŷ ≠ y) : la fonction ne fait aucune mise à jour.",
            "sur une erreur (ligne 5), w ← w + α(y − ŷ)x et b ← b + α(y − ŷ) (lignes 6-7).",
            kind="no_work",
        )


def _check_case(w, b, x, y, lr, w_new, b_new, label, stage):
    """(w_new, b_new) must be the reference update; otherwise name the mistake."""
    w_exp, b_exp = ref.perceptron_update(w, b, x, y, lr)
    if w_new.shape != w.shape:
        raise Fail(stage, f"perceptron_update : w renvoyé de forme {w_new.shape}, attendu {w.shape}.")
    expect_finite(w_new, "perceptron_update : w renvoyé", stage=stage)
    if close(w_new, w_exp) and close(b_new, b_exp):
        return
    s, y_hat = score(w, b, x), prediction(w, b, x)
    hint = None
    if w_new.dtype.kind in "iu" and close(w_new, np.trunc(w_exp)):
        hint = _TRUNCATED_HINT
    for mistake in [] if hint else MISTAKES:
        w_c, b_c = mistake(w, b, x, y, lr)
        if close(w_new, w_c, 1e-4, 1e-8) and close(b_new, b_c, 1e-4, 1e-8):
            hint = mistake.hint
            break
    if hint is None and y_hat == y:
        hint = "la prédiction est correcte (ŷ = y) : w et b doivent rester inchangés (ligne 5)."
    if hint is None and y_hat != y:
        hint = "sur une erreur, w ← w + α(y − ŷ)x et b ← b + α(y − ŷ) avec ŷ = 𝕀[w·x + b > 0] (lignes 4-7)."
    raise Fail(
        stage,
        f"perceptron_update ({label} : y = {y}, w·x + b = {fmt(s)}, donc ŷ = {y_hat} ; α = {fmt(lr)}, "
        f"x = {_vec(x)}) : attendu w = {_vec(w_exp)}, b = {fmt(b_exp)} ; obtenu w = {_vec(w_new)}, b = {fmt(b_new)}.",
        hint,
    )


def _random_case(g, score_sign, integer_x=False):
    """w, b, x with w·x + b of the given sign, at least MARGIN from 0."""
    w = g.rng.standard_normal(N_FEATURES)
    if integer_x:
        x = g.rng.integers(1, INT_X_RANGE + 1, N_FEATURES) * g.rng.choice([-1, 1], N_FEATURES)
    else:
        x = g.rng.standard_normal(N_FEATURES)
    target = score_sign * g.rng.uniform(MARGIN, 2.0)
    b = float(target - w @ x)
    return w, b, x


@grader("perceptron_update", points=2)
def grade_perceptron_update(g):
    # Never 1, so that a forgotten α shows; below 0.45, so that 2α (np.sign's
    # y − ŷ = 2) can't pass for 1 (α forgotten).
    lr = float(g.rng.uniform(0.05, 0.45))
    # (label, sign of w·x + b, y): both mistakes and both right predictions.
    cases = [
        ("erreur sur un exemple positif", -1, 1),
        ("erreur sur un exemple négatif", +1, 0),
        ("prédiction correcte", +1, 1),
        ("prédiction correcte", -1, 0),
    ]
    results = []
    for label, sign, y in cases:
        w, b, x = _random_case(g, sign)
        w_new, b_new, outcome = _call(g, w, b, x, y, lr, "runs", return_args=True)
        results.append((w, b, x, y, w_new, b_new, outcome, label))
    _expect_work(results)
    for w, _, _, _, w_new, _, _, _ in results:
        expect_shape(w_new, w.shape, "perceptron_update : w renvoyé", "w garde la forme (d,) des poids reçus.")
    for w, b, x, y, w_new, b_new, _, label in results:
        _check_case(w, b, x, y, lr, w_new, b_new, label, "values")
    # w may be updated in place (it is the state); x_i is a row of the data.
    for w, b, x, y, _, _, outcome, _ in results:
        expect_untouched(x, outcome.args_after[2], "x_i")

    # Edge: w·x + b = 0 exactly predicts 0 (éq. 1): y = 1 is a mistake, y = 0 is not.
    for y in (1, 0):
        w = g.rng.integers(-TIE_RANGE, TIE_RANGE + 1, N_FEATURES).astype(float)
        x = g.rng.integers(-TIE_RANGE, TIE_RANGE + 1, N_FEATURES).astype(float)
        b = float(-(w @ x))
        w_new, b_new, _ = _call(g, w, b, x, y, lr, "property")
        _check_case(w, b, x, y, lr, w_new, b_new, "point sur l'hyperplan", "property")

    # Edge values, on a misclassified positive example: α = 1, α = 0 (no
    # update at all), and x_i = 0 (only b moves).
    for label, lr_edge, zero_x in (("α = 1", 1.0, False), ("α = 0", 0.0, False), ("x_i = 0", lr, True)):
        w, b, x = _random_case(g, -1)
        if zero_x:
            x, b = np.zeros(N_FEATURES), -float(g.rng.uniform(MARGIN, 2.0))
        w_new, b_new, _ = _call(g, w, b, x, 1, lr_edge, "property")
        try:
            _check_case(w, b, x, 1, lr_edge, w_new, b_new, f"valeur limite {label}", "property")
        except Fail as fail:
            if lr_edge == 0:
                fail.hint = (
                    "avec α = 0, w et b ne bougent pas, même sur une erreur : 0 est un taux permis, qu'un test comme "
                    "« learning_rate or 0.1 » ou « if not learning_rate » prend pour une valeur absente."
                )
            raise

    # A row of integer data (x_i of dtype int64), on both kinds of mistake.
    for label, sign, y in cases[:2]:
        w, b, x = _random_case(g, sign, integer_x=True)
        where = f"pour un x_i d'entiers (dtype {x.dtype})"
        try:
            w_new, b_new, _ = _call(g, w, b, x, y, lr, "property")
        except Fail as fail:
            raise Fail(
                "property",
                f"perceptron_update {where} : {fail.message.removeprefix('perceptron_update : ')}",
                _CAST_HINT if "Cannot cast" in (student_error(fail) or "") else fail.hint,
            )
        _check_case(w, b, x, y, lr, w_new, b_new, f"{label}, {where}", "property")

    # A short run of Algorithm 1 from w = 0, b = 0, feeding back what the
    # function returned as it is: the returned state must work as the next
    # input. The labels are numpy integers, as zip(X, y) gives them.
    X = g.rng.standard_normal((RUN_EXAMPLES, N_FEATURES))
    labels = (X @ g.rng.standard_normal(N_FEATURES) > 0).astype(np.int64)
    w_s, b_s = np.zeros(N_FEATURES), 0.0
    w_r, b_r = np.zeros(N_FEATURES), 0.0
    for x_i, y_i in zip(X, labels):
        w_s, _, outcome = _call(g, w_s, b_s, x_i, y_i, lr, "property")
        b_s = outcome.value[1]
        w_r, b_r = ref.perceptron_update(w_r, b_r, x_i, y_i, lr)
    b_got = as_real_scalar(b_s, "perceptron_update : b renvoyé", stage="property")
    if not (close(w_s, w_r) and close(b_got, b_r)):
        raise Fail(
            "property",
            f"perceptron_update : après une époque de l'algorithme 1 (w = 0, b = 0 au départ, {RUN_EXAMPLES} exemples, "
            f"α = {fmt(lr)}), attendu w = {_vec(w_r)}, b = {fmt(b_r)} ; obtenu w = {_vec(w_s)}, b = {fmt(b_got)}.",
            "le (w, b) renvoyé doit pouvoir être redonné tel quel à l'appel suivant ; au départ w·x + b = 0, "
            "donc ŷ = 0 (éq. 1).",
        )
