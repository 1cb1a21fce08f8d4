"""Graders of numerical_gradient and gradient_check (§12.2, eq. 57, Listing 7).

A Python function can't be sent to the sandbox, so ``f`` is a
:class:`~grading_tests.sandbox.TestFunction`, rebuilt in the worker from the
table of ``_worker._scalar_function``. The grader builds its own copy from the
same table, with the same parameters drawn at grading time: both sides
evaluate the same ``f``.

``f`` comes in the two kinds the notebook uses. One reads its argument. The
other ignores it and reads θ through a closure, as the loss of the notebook's
cell « Vérifier votre rétropropagation » reads ``parametres_gc``
(``params["closure"]``: the worker binds it to the θ of the call). Hence the
contract, the same in the notebook, the stub and reference docstrings, the
visible check and here: θ is perturbed **in place**, one entry at a time, and
comes back as it was sent, to rounding (RESTORE_ULPS). Saving the old value
and putting it back is exact; adding ε back is off by a rounding, accepted.

Kinds of the rubric (``framework.KINDS``):

- numerical_gradient: zeros, a constant, θ itself, or a gradient that stays
  the same when f changes show no work (0). The one-sided difference is the
  named near-miss (0.5). Values right when f reads its argument and wrong
  when it reads θ through a closure (f was given perturbed copies of θ) are
  right on a named part of the inputs (0.25).
- gradient_check: a value that stays the same when grad_analytic or f
  changes (a constant, ‖ana‖ or ‖num‖ alone) shows no work. Right when f
  reads its argument and wrong through a closure (θ copied before
  numerical_gradient) is partial. The formula applied to the student's own
  numerical_gradient is right: the mistakes of numerical_gradient cost points
  there only. There is no near-miss: a wrong denominator is not half of the
  formula of Listing 7, it is another formula.
"""

import numpy as np

import reference_impl as ref

from .._worker import _scalar_function
from ..checks import (
    RTOL,
    NearMiss,
    as_array,
    as_real_scalar,
    close,
    compare,
    expect_shape,
    expect_untouched,
    fmt,
    fmt_shape,
    no_work,
)
from ..framework import Fail, grader
from ..sandbox import TestFunction
from .propagation import call_with_hints, stage_as

# The chapter's default step (Listing 7).
DEFAULT_EPSILON = 1e-7
# A large step for the cubic test function: the central quotient is then off
# the true gradient by about c·ε² ≈ 2.5e-3·c, the one-sided one by
# ε/2·f'' ≈ 0.025·f''. Both are far above the tolerance, so the call shows
# whether ε is used, and whether the difference is centred (eq. 57).
LARGE_EPSILON = 0.05
# Step for the softmax-regression loss, compared with its exact gradient:
# error of eq. 57 ≈ ε²·f''' ≈ 1e-11, rounding ≈ 1e-16·|f| / ε ≈ 1e-11.
SOFTMAX_EPSILON = 1e-5
# θ must come back as it was sent. Restoring by adding ε back
# (θ + ε − 2ε + ε) instead of saving the old value leaves up to three
# roundings of numbers up to |θ| + 2ε, half a unit in the last place each:
# accepted, since no f can tell.
RESTORE_ULPS = 4
# Relative size of the error added to the exact gradient for gradient_check:
# large enough that ‖num + ana‖ differs from ‖num‖ + ‖ana‖ by several percent,
# so that every mistaken denominator shows.
GC_ERROR_RANGE = (0.5, 1.5)
# gradient_check of an exact gradient: the chapter calls < 1e-7 correct;
# measured values are ~1e-8 with eq. 57 at ε = 1e-7 (rounding), so 1e-6
# leaves room for any correct implementation.
GC_CORRECT_MAX = 1e-6
# Both gradients zero: the numerator is exactly 0, so any guard of the 0/0
# (a test, a max, a tiny term added) gives 0; nan does not pass.
GC_ZERO_MAX = 1e-12
# A value this close to a known mistake's is taken for it (the mistakes give
# values of 1e-2 to 1, or ~1e-9 for an ε that never reaches eq. 57).
GC_DIAGNOSIS_ATOL = 1e-6
# Two computations of gradient_check agree to this relative tolerance when
# one uses the student's numerical_gradient (see _own_numeric).
GC_OWN_RTOL = 1e-6
# Two calls of gradient_check "give the same value" to this relative
# tolerance: a value computed from the inputs moves by far more (the probes
# change its expected value by 10 % or more).
GC_SAME_RTOL = 1e-9


# --- test functions ------------------------------------------------------------

# The argument of numerical_gradient(f, theta, …) and gradient_check(f, theta,
# …) that a closure f reads.
THETA_ARGUMENT = 1


def _test_function(name, params, closure):
    """The function to send (reading θ through a closure if asked) and the grader's own copy."""
    sent = dict(params, closure=THETA_ARGUMENT) if closure else params
    return TestFunction(name, sent), _scalar_function(name, params, np)


def _quadratic(g, shape, closure=False):
    """½ θᵀAθ + bᵀθ on the flattened θ; gradient Aθ + b (A symmetric)."""
    n = int(np.prod(shape))
    M = g.rng.standard_normal((n, n))
    params = {"A": (M + M.T) / 2, "b": g.rng.standard_normal(n)}

    def gradient(theta):
        return (params["A"] @ theta.ravel() + params["b"]).reshape(theta.shape)

    return (*_test_function("quadratic", params, closure), gradient)


def _zero(shape):
    """f = 0 everywhere (a quadratic with A = 0, b = 0): both gradients are zero."""
    n = int(np.prod(shape))
    params = {"A": np.zeros((n, n)), "b": np.zeros(n)}
    return (*_test_function("quadratic", params, False), lambda theta: np.zeros(theta.shape))


def _cubic(g, shape, closure=False):
    """Σ c·θ³ + Σ sin θ; gradient 3cθ² + cos θ."""
    params = {"c": g.rng.uniform(0.5, 2.0, int(np.prod(shape)))}

    def gradient(theta):
        x = theta.ravel()
        return (3 * params["c"] * x**2 + np.cos(x)).reshape(theta.shape)

    return (*_test_function("cubic", params, closure), gradient)


def _softmax_loss(g, m, d, K):
    """Mean cross-entropy of softmax(Xθ), θ of shape (d, K); gradient Xᵀ(P − Y)/m."""
    X = g.rng.standard_normal((m, d))
    Y = np.eye(K)[g.rng.integers(0, K, m)]
    params = {"X": X, "Y": Y, "shape": (d, K)}

    def gradient(theta):
        return X.T @ (ref.softmax(X @ theta) - Y) / m

    return (*_test_function("softmax_loss", params, False), gradient)


def _describe(tf, theta):
    names = {"quadratic": "quadratique", "cubic": "cubique", "softmax_loss": "perte softmax"}
    text = f"θ de forme {fmt_shape(theta.shape)}, f {names[tf.name]}"
    if "closure" in tf.params:
        text += " qui lit θ par une fermeture (elle ignore son argument, comme perte dans « Vérifier votre rétropropagation »)"
    return text


_CLOSURE_RIGHT = " Les valeurs sont justes quand f lit son argument, fausses quand f lit θ par une fermeture."


# --- known mistakes of numerical_gradient --------------------------------------


def _one_sided(f, theta, eps, direction):
    f0 = f(theta)
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        t = theta.copy()
        t[idx] += direction * eps
        grad[idx] = direction * (f(t) - f0) / eps
    return grad


def _row_perturbation(f, theta, eps):
    """θ[i] += ε on a 2-d θ moves a whole row: each row gets its directional derivative."""
    grad = np.zeros(theta.shape)
    if theta.ndim < 2:
        return grad
    for i in range(len(theta)):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def _not_restored(f, theta, eps):
    t = theta.copy()
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        old = t[idx]
        t[idx] = old + eps
        plus = f(t)
        t[idx] = old - eps
        grad[idx] = (plus - f(t)) / (2 * eps)
    return grad


def _zero_hint(calls):
    """What a zero gradient shows, from the number of calls of f."""
    if calls is None:
        return None
    if calls == 0:
        return "f n'est jamais appelée : l'éq. 57 évalue f(θ+ε) et f(θ−ε) pour chaque composante de θ."
    return (
        f"f a été appelée {calls} fois, mais le gradient est nul : f a reçu chaque fois le même θ. "
        "Les perturbations n'atteignent-elles pas le θ passé à f ? (theta.flatten() renvoie une copie ; "
        "theta.reshape(-1) est une vue, ou indexez θ avec np.ndindex.)"
    )


def _numeric_mistakes(f, theta, eps, expected, exact, near_miss=False):
    """(hint, candidate) of the known mistakes; the one-sided ones are NearMiss if ``near_miss``."""
    first = np.zeros(theta.shape)
    first.flat[0] = expected.flat[0]
    one_sided = "différence décentrée"
    named = NearMiss if near_miss else (lambda hint, candidate: (hint, candidate))
    mistakes = [
        ("vous divisez par ε au lieu de 2ε (éq. 57).", 2 * expected),
        named(
            f"{one_sided} (f(θ+ε) − f(θ))/ε : son erreur est O(ε) ; l'éq. 57 est centrée, "
            "(f(θ+ε) − f(θ−ε))/(2ε), d'erreur O(ε²).",
            _one_sided(f, theta, eps, +1),
        ),
        named(
            f"{one_sided} (f(θ) − f(θ−ε))/ε : son erreur est O(ε) ; l'éq. 57 est centrée, "
            "(f(θ+ε) − f(θ−ε))/(2ε), d'erreur O(ε²).",
            _one_sided(f, theta, eps, -1),
        ),
        (
            f"{one_sided} divisée par 2ε : (f(θ+ε) − f(θ))/(2ε), comme si f(θ−ε) était évaluée en θ. "
            "Avec np.nditer, old_value = x est une vue qui suit x : gardez old_value = x.copy() (ou float(x)).",
            _one_sided(f, theta, eps, +1) / 2,
        ),
        (
            "seul le premier élément de θ est perturbé : bouclez sur tous ses éléments "
            "(np.ndindex(theta.shape), ou np.nditer comme le Listing 7).",
            first,
        ),
        (
            "θ n'est pas restauré après chaque perturbation : remettez θ[i] à sa valeur d'origine (Listing 7).",
            _not_restored(f, theta, eps),
        ),
    ]
    if theta.ndim >= 2:
        mistakes.append(
            (
                "θ[i] désigne une ligne entière d'un θ à deux dimensions : perturbez chaque élément θ[i, j] "
                "séparément (np.ndindex(theta.shape), ou np.nditer comme le Listing 7).",
                _row_perturbation(f, theta, eps),
            )
        )
    if eps != DEFAULT_EPSILON:
        mistakes.append(
            (
                f"epsilon semble ignoré : vous renvoyez le gradient exact, alors qu'avec epsilon = {fmt(eps)} l'éq. 57 "
                "s'en écarte un peu ; utilisez l'argument epsilon au lieu d'une valeur fixe.",
                exact,
            )
        )
    return mistakes


# --- θ restored ------------------------------------------------------------------

_RESTORE_HINT = (
    "après avoir évalué f(θ+ε) et f(θ−ε), remettez θ[i] à sa valeur d'origine (old_value, Listing 7) : "
    "l'appelant réutilise θ."
)


def _unrestored(before, after, eps):
    """Number of entries of θ not restored, and the largest change; (0, 0) if restored."""
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        return before.size, float("inf")
    after = after.astype(float)
    tolerance = RESTORE_ULPS * np.spacing(np.abs(before) + 2 * eps)
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(after - before) <= tolerance)
    if not bad.any():
        return 0, 0.0
    return int(bad.sum()), float(np.nanmax(np.abs(after - before)))


def _expect_restored(before, after, eps, what="theta"):
    count, change = _unrestored(before, after, eps)
    if count:
        raise Fail(
            "inputs",
            f"{what} n'est pas restauré après l'appel : {count} élément(s) sur {before.size} diffèrent "
            f"de leur valeur d'origine (écart max {fmt(change)}).",
            _RESTORE_HINT,
        )


# --- numerical_gradient ----------------------------------------------------------

_NDIM_HINT = (
    "θ peut avoir plusieurs dimensions : parcourez chacun de ses éléments avec np.ndindex(theta.shape), "
    "ou np.nditer comme le Listing 7."
)
_COPY_HINT = (
    "f ne voit pas vos perturbations : vous les faites sur une copie de θ (theta.copy(), theta.flatten(), "
    "theta.astype(…), np.array(theta), theta + ε·e_k…) et c'est la copie que reçoit f. Or la perte du Listing 7 "
    "lit θ elle-même, comme celle de la cellule « Vérifier votre rétropropagation » : perturbez theta en place, "
    "old_value = theta[idx] ; theta[idx] = old_value + epsilon ; f(theta) … puis theta[idx] = old_value."
)
_PART_COPY_HINT = (
    "une partie des évaluations de f se fait sur une copie de θ : f(θ+ε) et f(θ−ε) doivent toutes deux être "
    "évaluées sur theta lui-même, perturbé en place (Listing 7)."
)


def _numeric_call(g, tf, theta, eps_args, stage):
    """One call of numerical_gradient, type and shape checked: (outcome, gradient, what)."""
    hints = [(r"IndexError|too many indices", _NDIM_HINT)]
    outcome = call_with_hints(g, tf, theta, *eps_args, hints=hints, stage=stage, return_args=True)
    eps_text = f", {fmt(eps_args[0])}" if eps_args else ""
    what = f"numerical_gradient(f, theta{eps_text}) pour {_describe(tf, theta)}"
    with stage_as(stage):
        grad = as_array(outcome.value, what)
        expect_shape(grad, theta.shape, what, "renvoyez un tableau de la forme de θ (np.zeros_like(theta)).")
    return outcome, grad, what


def _restore_hint(fail, theta, outcome, eps):
    if _unrestored(theta, outcome.args_after[1], eps)[0]:
        fail.hint = (
            "θ n'est pas restauré après chaque perturbation, donc les évaluations suivantes de f sont faussées. "
            + _RESTORE_HINT
        )


def _expect_numeric(g, outcome, grad, what, theta, expected, diagnoses, stage, eps):
    """Values of one call; at the property stage no failure carries a kind (values were right before)."""
    if stage == "property":
        diagnoses = [tuple(d) for d in diagnoses]  # a NearMiss is a values-stage verdict
    with stage_as(stage):
        try:
            compare(grad, expected, what, diagnoses=diagnoses, work=False)
        except Fail as fail:
            _restore_hint(fail, theta, outcome, eps)
            raise


def _probe_other_f(g, theta, grad, expected):
    """Why the gradient shows no work because it stays the same for another f, or None."""
    tf, f, _ = _cubic(g, theta.shape)
    expected_other = ref.numerical_gradient(f, theta.copy())
    outcome = g.sandbox.call(g.spec.target, tf, theta, timeout=g.spec.timeout)
    other = outcome.value if outcome.ok else None
    if (
        isinstance(other, np.ndarray)
        and other.shape == grad.shape
        and np.array_equal(other.astype(float), grad.astype(float))
        and not close(expected_other, expected)
    ):
        return (
            "la sortie ne dépend pas de f : au même θ, une f quadratique et une f cubique donnent le même gradient "
            "(l'éq. 57 évalue f en θ ± ε)"
        )
    return None


def _expect_numeric_work(g, outcome, grad, expected, what, theta):
    """Zeros, a constant, θ itself, or the same gradient for another f: no work."""
    reason = no_work(grad, expected, {"theta": theta})
    hint = _zero_hint(outcome.calls[0] if outcome.calls else None) if reason and not np.any(grad) else None
    if reason is None:
        reason = _probe_other_f(g, theta, grad, expected)
    if reason:
        raise Fail("values", f"{what} : {reason}.", hint, kind="no_work")


@grader("numerical_gradient", points=2)
def grade_numerical_gradient(g):
    # A matrix θ, a quadratic f reading its argument (eq. 57 is exact on it,
    # up to rounding), the default ε.
    theta_a = g.rng.standard_normal((3, 4))
    tf_a, f_a, grad_a = _quadratic(g, theta_a.shape)
    expected_a = ref.numerical_gradient(f_a, theta_a.copy())
    outcome_a, got_a, what_a = _numeric_call(g, tf_a, theta_a, (), "runs")
    if not close(got_a, expected_a):
        _expect_numeric_work(g, outcome_a, got_a, expected_a, what_a, theta_a)
    diagnoses_a = _numeric_mistakes(f_a, theta_a, DEFAULT_EPSILON, expected_a, grad_a(theta_a))
    _expect_numeric(g, outcome_a, got_a, what_a, theta_a, expected_a, diagnoses_a, "values", DEFAULT_EPSILON)

    # The same kind of θ and f, but f reads θ through a closure, as the loss
    # of the notebook's own check does: perturbations made on copies of θ
    # never reach it.
    theta_c = g.rng.standard_normal((3, 4))
    tf_c, f_c, _ = _quadratic(g, theta_c.shape, closure=True)
    expected_c = ref.numerical_gradient(f_c, theta_c.copy())
    outcome_c, got_c, what_c = _numeric_call(g, tf_c, theta_c, (), "values")
    try:
        compare(got_c, expected_c, what_c, work=False)
    except Fail as fail:
        fail.message += _CLOSURE_RIGHT
        fail.kind = "partial"
        fail.hint = _COPY_HINT if not np.any(got_c) else _PART_COPY_HINT
        _restore_hint(fail, theta_c, outcome_c, DEFAULT_EPSILON)
        raise

    # A vector θ, a cubic f and a large ε: one-sided differences (the named
    # near-miss) and an ignored ε show.
    theta_b = g.rng.standard_normal(int(g.rng.integers(5, 9)))
    tf_b, f_b, grad_b = _cubic(g, theta_b.shape)
    expected_b = ref.numerical_gradient(f_b, theta_b.copy(), LARGE_EPSILON)
    outcome_b, got_b, what_b = _numeric_call(g, tf_b, theta_b, (LARGE_EPSILON,), "values")
    diagnoses_b = _numeric_mistakes(f_b, theta_b, LARGE_EPSILON, expected_b, grad_b(theta_b), near_miss=True)
    _expect_numeric(g, outcome_b, got_b, what_b, theta_b, expected_b, diagnoses_b, "values", LARGE_EPSILON)

    _expect_restored(theta_a, outcome_a.args_after[1], DEFAULT_EPSILON)
    _expect_restored(theta_c, outcome_c.args_after[1], DEFAULT_EPSILON)
    _expect_restored(theta_b, outcome_b.args_after[1], LARGE_EPSILON)

    # The gradient of a softmax regression, as backprop would give it.
    m, d, K = 6, int(g.rng.integers(2, 5)), int(g.rng.integers(2, 5))
    tf_s, _, grad_s = _softmax_loss(g, m, d, K)
    theta_s = g.rng.standard_normal((d, K))
    outcome, got, what = _numeric_call(g, tf_s, theta_s, (SOFTMAX_EPSILON,), "property")
    _expect_numeric(g, outcome, got, what, theta_s, grad_s(theta_s), (), "property", SOFTMAX_EPSILON)

    # Any shape: a 3-d θ read through a closure, and a θ with a single entry.
    for theta, closure in ((g.rng.standard_normal((2, 3, 2)), True), (g.rng.standard_normal(1), False)):
        tf, f, gradient = _quadratic(g, theta.shape, closure=closure)
        expected = ref.numerical_gradient(f, theta.copy())
        outcome, got, what = _numeric_call(g, tf, theta, (), "property")
        diagnoses = _numeric_mistakes(f, theta, DEFAULT_EPSILON, expected, gradient(theta))
        _expect_numeric(g, outcome, got, what, theta, expected, diagnoses, "property", DEFAULT_EPSILON)
        with stage_as("property"):
            _expect_restored(theta, outcome.args_after[1], DEFAULT_EPSILON)


# --- gradient_check --------------------------------------------------------------


def _relative_difference(num, ana):
    """‖num − ana‖ / (‖num‖ + ‖ana‖), the formula of Listing 7."""
    denominator = np.linalg.norm(num) + np.linalg.norm(ana)
    return float(np.linalg.norm(num - ana) / denominator) if denominator > 0 else 0.0


def _gc_mistakes(num, ana):
    d = num - ana
    nd, nn, na = np.linalg.norm(d), np.linalg.norm(num), np.linalg.norm(ana)
    right = nd / (nn + na)
    sum_hint = "le dénominateur est ‖num‖ + ‖ana‖, la somme des deux normes (Listing 7)"
    norm_hint = "utilisez la norme euclidienne np.linalg.norm sur tous les éléments"
    squared = "les normes ne sont pas élevées au carré : ‖num − ana‖ / (‖num‖ + ‖ana‖) (Listing 7)."
    l1 = np.sum(np.abs(d)) / (np.sum(np.abs(num)) + np.sum(np.abs(ana)))
    return [
        ("le dénominateur manque : divisez ‖num − ana‖ par ‖num‖ + ‖ana‖ (Listing 7).", nd),
        (f"{sum_hint}, pas la norme de la somme ‖num + ana‖.", nd / np.linalg.norm(num + ana)),
        (squared, nd**2 / (nn**2 + na**2)),
        (squared, nd**2 / (nn + na) ** 2),
        (
            f"{norm_hint}, pas le plus grand écart en valeur absolue.",
            np.max(np.abs(d)) / (np.max(np.abs(num)) + np.max(np.abs(ana))),
        ),
        (f"{norm_hint}, pas le plus grand écart en valeur absolue.", np.max(np.abs(d))),
        (f"{norm_hint}, pas la somme des valeurs absolues.", l1),
        ("vous renvoyez 1 − (différence relative) : renvoyez ‖num − ana‖ / (‖num‖ + ‖ana‖) elle-même.", 1 - right),
        (f"{sum_hint}, pas ‖num‖ seul.", nd / nn),
        (f"{sum_hint}, pas ‖ana‖ seul.", nd / na),
        (f"{sum_hint}, pas max(‖num‖, ‖ana‖).", nd / max(nn, na)),
    ]


_SPECTRAL_HINT = (
    "np.linalg.norm(M, 2) d'une matrice est sa plus grande valeur singulière, pas la norme euclidienne de "
    "ses éléments : écrivez np.linalg.norm(M), sans ord (ou np.linalg.norm(M.ravel(), 2))."
)


def _spectral(num, ana):
    """The formula with ord=2 norms, which are spectral norms for matrices."""
    n2 = lambda x: np.linalg.norm(x, 2)  # noqa: E731
    return n2(num - ana) / (n2(num) + n2(ana))


def _expect_gc_vectors_right(g, value, num, ana, what):
    """Spectral norms on matrices, and right on vectors: right on a named part of the inputs."""
    candidate = _spectral(num, ana)
    if num.ndim != 2 or abs(value - candidate) > 1e-4 * abs(candidate) + GC_DIAGNOSIS_ATOL:
        return
    theta = g.rng.standard_normal(int(g.rng.integers(5, 9)))
    tf, f, gradient = _cubic(g, theta.shape)
    ana_v = gradient(theta) + _with_error(g, gradient(theta))
    if close(_gc_probe(g, tf, theta, ana_v), ref.gradient_check(f, theta.copy(), ana_v), RTOL, 0.0):
        raise Fail(
            "values",
            f"{what} : attendu {fmt(_relative_difference(num, ana))}, obtenu {fmt(value)}. Les valeurs sont justes "
            "quand θ et les gradients sont des vecteurs, fausses quand ce sont des matrices.",
            _SPECTRAL_HINT,
            kind="partial",
        )


def _own_numeric(g, tf, theta, eps_args):
    """The student's own numerical_gradient on these inputs, if it gives an array of θ's shape."""
    outcome = g.sandbox.call("numerical_gradient", tf, theta, *eps_args, timeout=g.spec.timeout)
    if outcome.ok and isinstance(outcome.value, np.ndarray) and outcome.value.shape == theta.shape:
        value = outcome.value.astype(float)
        if np.all(np.isfinite(value)):
            return value
    return None


def _gc_value(value, what, stage):
    try:
        return as_real_scalar(value, what, stage=stage)
    except Fail as fail:
        if isinstance(value, np.ndarray) and value.size > 1:
            fail.hint = (
                "gradient_check renvoie un seul nombre, ‖num − ana‖ / (‖num‖ + ‖ana‖), pas le tableau des écarts."
            )
        elif isinstance(value, (bool, np.bool_)):
            fail.hint = (
                "renvoyez la différence relative elle-même ; la comparaison au seuil (1e-7 dans le Listing 7) "
                "se fait ensuite."
            )
        raise


def _gc_probe(g, tf, theta, ana):
    """gradient_check on other inputs, for the no-work probes: a float, or None."""
    outcome = g.sandbox.call(g.spec.target, tf, theta, ana, timeout=g.spec.timeout)
    value = outcome.value if outcome.ok else None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)):
        return None
    value = np.asarray(value, dtype=float)
    return float(value.reshape(())) if value.size == 1 else None


def _same(a, b):
    return a is not None and b is not None and abs(a - b) <= GC_SAME_RTOL * max(abs(a), abs(b))


def _expect_gc_work(g, value, tf, theta, f, ana, error, expected, what):
    """A value that stays the same when grad_analytic, or f, changes shows no work."""
    ana_other = ana + error  # the error doubled: the expected value changes by 10 % or more
    tf_other, f_other, _ = _cubic(g, theta.shape)
    expected_ana = ref.gradient_check(f, theta.copy(), ana_other)
    expected_f = ref.gradient_check(f_other, theta.copy(), ana)
    same_ana = _same(value, _gc_probe(g, tf, theta, ana_other))
    same_f = _same(value, _gc_probe(g, tf_other, theta, ana))
    same_ana = same_ana and not close(expected_ana, expected, 1e-3, 0.0)
    same_f = same_f and not close(expected_f, expected, 1e-3, 0.0)
    if same_ana and same_f:
        reason = (
            f"la sortie ne dépend pas des entrées : gradient_check renvoie {fmt(value)} quels que soient f "
            "et grad_analytic"
        )
    elif same_ana:
        reason = (
            "la sortie ne dépend pas de grad_analytic : la même valeur revient pour un autre gradient analytique "
            "(‖num‖ seul ?), alors que gradient_check compare les deux gradients"
        )
    elif same_f:
        reason = (
            "la sortie ne dépend pas de f : la même valeur revient pour une autre fonction f, donc un autre gradient "
            "numérique (‖grad_analytic‖ seul ?), alors que gradient_check compare les deux gradients"
        )
    else:
        return
    raise Fail("values", f"{what} : {reason}.", kind="no_work")


def _check_gc(
    g,
    tf,
    theta,
    ana,
    eps_args,
    accept,
    what,
    expected_text,
    diagnoses,
    stage,
    *,
    return_args=False,
    own_needs_work=False,
    on_wrong=None,
    hint=None,
):
    """One call of gradient_check.

    ``accept(value)`` says whether the value is right against the reference.
    A value that is not can still be right for the student's own
    numerical_gradient: gradient_check is graded on its own formula, and the
    mistakes of numerical_gradient cost points in that function only; unless
    ``own_needs_work`` and that gradient shows no work (zeros make the formula
    1 whatever grad_analytic is: it can't be checked). ``on_wrong(value)`` may
    raise a failure of a kind; ``hint`` is the hint when no mistake is named.
    """
    outcome = g.call(tf, theta, ana, *eps_args, stage=stage, return_args=return_args)
    with stage_as(stage):
        value = _gc_value(outcome.value, what, "type")
        if accept(value):
            return outcome
        own = _own_numeric(g, tf, theta, eps_args)
        if own is not None:
            mine = _relative_difference(own, ana)
            if abs(value - mine) <= GC_OWN_RTOL * abs(mine) + 1e-15:
                if own_needs_work and not np.any(own):
                    hint = (
                        "votre numerical_gradient renvoie des zéros ici : gradient_check vaut alors 1 quel que soit "
                        "grad_analytic, et sa formule ne peut pas être vérifiée. Corrigez d'abord numerical_gradient."
                    )
                else:
                    note = (
                        "Remarque : gradient_check applique bien ‖num − ana‖ / (‖num‖ + ‖ana‖), mais à votre "
                        "numerical_gradient, qui s'écarte de l'éq. 57 (voir le retour sur numerical_gradient) ; "
                        "gradient_check n'en perd pas de points."
                    )
                    if note not in g.notes:
                        g.note(note)
                    return outcome
        if on_wrong is not None:
            on_wrong(value)
        for text, candidate in diagnoses:
            if np.isfinite(candidate) and abs(value - candidate) <= 1e-4 * abs(candidate) + GC_DIAGNOSIS_ATOL:
                hint = text
                break
        raise Fail("values", f"{what} : {expected_text}, obtenu {fmt(value)}.", hint)


def _with_error(g, exact):
    """An error of known relative size, to add to an exact gradient."""
    error = g.rng.standard_normal(exact.shape)
    return error * g.rng.uniform(*GC_ERROR_RANGE) * np.linalg.norm(exact) / np.linalg.norm(error)


def _gc_close(expected):
    return lambda v: close(v, expected, RTOL, 0.0)


@grader("gradient_check", points=2)
def grade_gradient_check(g):
    # A quadratic f reading its argument, on which even a one-sided numerical
    # gradient is exact to ~1e-7, and an analytic gradient off by a known
    # relative amount.
    theta = g.rng.standard_normal((3, 4))
    tf, f, gradient = _quadratic(g, theta.shape)
    error = _with_error(g, gradient(theta))
    ana = gradient(theta) + error
    expected = ref.gradient_check(f, theta.copy(), ana)
    num = ref.numerical_gradient(f, theta.copy())
    what = f"gradient_check(f, theta, grad_analytic) pour {_describe(tf, theta)}"
    outcome = _check_gc(
        g,
        tf,
        theta,
        ana,
        (),
        _gc_close(expected),
        what,
        f"attendu {fmt(expected)}",
        _gc_mistakes(num, ana),
        "runs",
        return_args=True,
        own_needs_work=True,
        on_wrong=lambda v: _expect_gc_work(g, v, tf, theta, f, ana, error, expected, what)
        or _expect_gc_vectors_right(g, v, num, ana, what),
    )

    # The same, with an f that reads θ through a closure, as the loss of the
    # notebook's cell « Vérifier votre rétropropagation »: a copy of θ given to
    # numerical_gradient leaves f at θ, and the numerical gradient at 0.
    theta_c = g.rng.standard_normal((3, 4))
    tf_c, f_c, gradient_c = _quadratic(g, theta_c.shape, closure=True)
    ana_c = gradient_c(theta_c) + _with_error(g, gradient_c(theta_c))
    expected_c = ref.gradient_check(f_c, theta_c.copy(), ana_c)
    what_c = f"gradient_check(f, theta, grad_analytic) pour {_describe(tf_c, theta_c)}"

    def closure_failed(value):
        hint = (
            "1 est la valeur pour un gradient numérique nul : f ne voit pas les perturbations. θ est-il copié avant "
            "l'appel de numerical_gradient (theta.copy(), np.array(theta)…) ? Passez-lui theta lui-même."
            if abs(value - 1) < 1e-9
            else "passez à numerical_gradient le theta reçu lui-même, pas une copie : f peut le lire par une fermeture."
        )
        raise Fail("values", f"{what_c} : attendu {fmt(expected_c)}, obtenu {fmt(value)}." + _CLOSURE_RIGHT, hint, kind="partial")

    outcome_c = _check_gc(
        g,
        tf_c,
        theta_c,
        ana_c,
        (),
        _gc_close(expected_c),
        what_c,
        f"attendu {fmt(expected_c)}",
        (),
        "values",
        return_args=True,
        on_wrong=closure_failed,
    )

    theta_after, ana_after = outcome.args_after[1:3]
    _expect_restored(theta, theta_after, DEFAULT_EPSILON)
    _expect_restored(theta_c, outcome_c.args_after[1], DEFAULT_EPSILON)
    expect_untouched(ana, ana_after, "grad_analytic")

    # An exact gradient, as backprop gives it for a softmax regression.
    m, d, K = 6, int(g.rng.integers(2, 5)), int(g.rng.integers(2, 5))
    tf_s, f_s, gradient_s = _softmax_loss(g, m, d, K)
    theta_s = g.rng.standard_normal((d, K))
    ana_s = gradient_s(theta_s)
    _check_gc(
        g,
        tf_s,
        theta_s,
        ana_s,
        (),
        lambda v: 0 <= v < GC_CORRECT_MAX,
        f"gradient_check avec le gradient exact ({_describe(tf_s, theta_s)})",
        f"attendu une valeur positive < {fmt(GC_CORRECT_MAX)} (le Listing 7 juge « correct » sous 1e-7)",
        _gc_mistakes(ref.numerical_gradient(f_s, theta_s.copy()), ana_s),
        "property",
    )

    # epsilon must reach numerical_gradient: with a cubic f and ε = 0.05,
    # eq. 57 is off the exact gradient by ~1e-3.
    theta_e = g.rng.standard_normal(int(g.rng.integers(5, 9)))
    tf_e, f_e, gradient_e = _cubic(g, theta_e.shape)
    ana_e = gradient_e(theta_e)
    expected_e = ref.gradient_check(f_e, theta_e.copy(), ana_e, LARGE_EPSILON)
    ignored = (
        "epsilon n'est pas transmis à numerical_gradient : appelez numerical_gradient(f, theta, epsilon) ; "
        f"avec ε = {fmt(LARGE_EPSILON)}, l'éq. 57 s'écarte du gradient exact.",
        0.0,
    )
    _check_gc(
        g,
        tf_e,
        theta_e,
        ana_e,
        (LARGE_EPSILON,),
        _gc_close(expected_e),
        f"gradient_check(f, theta, grad_analytic, {fmt(LARGE_EPSILON)}) pour {_describe(tf_e, theta_e)} et le gradient exact",
        f"attendu {fmt(expected_e)}",
        [ignored] + _gc_mistakes(ref.numerical_gradient(f_e, theta_e.copy(), LARGE_EPSILON), ana_e),
        "property",
    )

    # A θ with a single entry (one bias, say), its gradient off by a known amount.
    theta_1 = g.rng.standard_normal(1)
    tf_1, f_1, gradient_1 = _cubic(g, theta_1.shape)
    ana_1 = gradient_1(theta_1) * g.rng.uniform(1.5, 3.0)
    expected_1 = ref.gradient_check(f_1, theta_1.copy(), ana_1)
    _check_gc(
        g,
        tf_1,
        theta_1,
        ana_1,
        (),
        _gc_close(expected_1),
        f"gradient_check(f, theta, grad_analytic) pour {_describe(tf_1, theta_1)}",
        f"attendu {fmt(expected_1)}",
        _gc_mistakes(ref.numerical_gradient(f_1, theta_1.copy()), ana_1),
        "property",
    )

    # Both gradients zero (f constant): the denominator is 0 too, and the
    # contract asks for 0.0.
    theta_z = g.rng.standard_normal((2, 3))
    tf_z, _, _ = _zero(theta_z.shape)
    _check_gc(
        g,
        tf_z,
        theta_z,
        np.zeros(theta_z.shape),
        (),
        lambda v: abs(v) <= GC_ZERO_MAX,
        f"gradient_check pour une fonction f constante et grad_analytic = 0 ({fmt_shape(theta_z.shape)})",
        "attendu 0.0 (les deux gradients sont nuls)",
        (),
        "property",
        hint="si ‖num‖ + ‖ana‖ = 0, les deux gradients sont nuls : renvoyez 0.0 au lieu de diviser 0 par 0.",
    )
