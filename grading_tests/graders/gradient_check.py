"""Graders of numerical_gradient and gradient_check (§12.2, eq. 57, Listing 7).

A Python function can't be sent to the sandbox, so ``f`` is a
:class:`~grading_tests.sandbox.TestFunction`, rebuilt in the worker from the
table of ``_worker._scalar_function``. The grader builds its own copy from the
same table, with the same parameters drawn at grading time: both sides
evaluate the same ``f``.
"""

import numpy as np

import reference_impl as ref

from .._worker import _scalar_function
from ..checks import RTOL, as_array, as_real_scalar, close, compare, expect_shape, expect_untouched, fmt, fmt_shape
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
# roundings, a few units in the last place of max(|θ|, ε): accepted.
RESTORE_ULPS = 4
# Relative size of the error added to the exact gradient for gradient_check:
# large enough that ‖num + ana‖ differs from ‖num‖ + ‖ana‖ by several percent,
# so that every mistaken denominator shows.
GC_ERROR_RANGE = (0.5, 1.5)
# gradient_check of an exact gradient: the chapter calls < 1e-7 correct;
# measured values are ~1e-8 with eq. 57 at ε = 1e-7 (rounding), so 1e-6
# leaves room for any correct implementation.
GC_CORRECT_MAX = 1e-6
# A value this close to a known mistake's is taken for it (the mistakes give
# values of 1e-2 to 1, or ~1e-9 for an ε that never reaches eq. 57).
GC_DIAGNOSIS_ATOL = 1e-6
# Two computations of gradient_check agree to this relative tolerance when
# one uses the student's numerical gradient (see _own_numeric).
GC_OWN_RTOL = 1e-6


# --- test functions ------------------------------------------------------------


def _quadratic(g, shape):
    """½ θᵀAθ + bᵀθ on the flattened θ; gradient Aθ + b (A symmetric)."""
    n = int(np.prod(shape))
    M = g.rng.standard_normal((n, n))
    params = {"A": (M + M.T) / 2, "b": g.rng.standard_normal(n)}

    def gradient(theta):
        return (params["A"] @ theta.ravel() + params["b"]).reshape(theta.shape)

    return TestFunction("quadratic", params), _scalar_function("quadratic", params, np), gradient


def _cubic(g, shape):
    """Σ c·θ³ + Σ sin θ; gradient 3cθ² + cos θ."""
    params = {"c": g.rng.uniform(0.5, 2.0, int(np.prod(shape)))}

    def gradient(theta):
        x = theta.ravel()
        return (3 * params["c"] * x**2 + np.cos(x)).reshape(theta.shape)

    return TestFunction("cubic", params), _scalar_function("cubic", params, np), gradient


def _softmax_loss(g, m, d, K):
    """Mean cross-entropy of softmax(Xθ), θ of shape (d, K); gradient Xᵀ(P − Y)/m."""
    X = g.rng.standard_normal((m, d))
    Y = np.eye(K)[g.rng.integers(0, K, m)]
    params = {"X": X, "Y": Y, "shape": (d, K)}

    def gradient(theta):
        return X.T @ (ref.softmax(X @ theta) - Y) / m

    return TestFunction("softmax_loss", params), _scalar_function("softmax_loss", params, np), gradient


def _describe(tf, theta):
    names = {"quadratic": "quadratique", "cubic": "cubique", "softmax_loss": "perte softmax"}
    return f"θ de forme {fmt_shape(theta.shape)}, f {names[tf.name]}"


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


def _numeric_mistakes(f, theta, eps, expected, exact):
    first = np.zeros(theta.shape)
    first.flat[0] = expected.flat[0]
    one_sided = "différence décentrée"
    mistakes = [
        ("vous divisez par ε au lieu de 2ε (éq. 57).", 2 * expected),
        (
            f"{one_sided} (f(θ+ε) − f(θ))/ε : son erreur est O(ε) ; l'éq. 57 est centrée, "
            "(f(θ+ε) − f(θ−ε))/(2ε), d'erreur O(ε²).",
            _one_sided(f, theta, eps, +1),
        ),
        (
            f"{one_sided} (f(θ) − f(θ−ε))/ε : son erreur est O(ε) ; l'éq. 57 est centrée, "
            "(f(θ+ε) − f(θ−ε))/(2ε), d'erreur O(ε²).",
            _one_sided(f, theta, eps, -1),
        ),
        (
            f"{one_sided} divisée par 2ε : l'éq. 57 est centrée, (f(θ+ε) − f(θ−ε))/(2ε).",
            _one_sided(f, theta, eps, +1) / 2,
        ),
        (
            "seul le premier élément de θ est perturbé : bouclez sur tous ses éléments "
            "(np.ndindex(theta.shape), ou np.nditer comme le Listing 7).",
            first,
        ),
        (
            "le gradient est nul : les perturbations n'atteignent pas le θ passé à f "
            "(theta.flatten() renvoie une copie ; theta.reshape(-1) est une vue, ou indexez θ avec np.ndindex).",
            np.zeros(theta.shape),
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
    tolerance = RESTORE_ULPS * np.spacing(np.maximum(np.abs(before), eps))
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


def _check_numeric(g, tf, theta, eps_args, expected, diagnoses, stage, return_args=False):
    """One call of numerical_gradient: type, shape and values; returns the outcome."""
    hints = [(r"IndexError|too many indices", _NDIM_HINT)]
    outcome = call_with_hints(g, tf, theta, *eps_args, hints=hints, stage=stage, return_args=return_args)
    eps_text = f", {fmt(eps_args[0])}" if eps_args else ""
    what = f"numerical_gradient(f, theta{eps_text}) pour {_describe(tf, theta)}"
    with stage_as(stage):
        grad = as_array(outcome.value, what)
        expect_shape(grad, theta.shape, what, "renvoyez un tableau de la forme de θ (np.zeros_like(theta)).")
        try:
            compare(grad, expected, what, diagnoses=diagnoses)
        except Fail as fail:
            if return_args and _unrestored(theta, outcome.args_after[1], eps_args[0] if eps_args else DEFAULT_EPSILON)[0]:
                fail.hint = (
                    "θ n'est pas restauré après chaque perturbation, donc les évaluations suivantes de f sont faussées. "
                    + _RESTORE_HINT
                )
            raise
    return outcome


@grader("numerical_gradient", points=2)
def grade_numerical_gradient(g):
    # A matrix θ, a quadratic f (eq. 57 is exact on it, up to rounding), the
    # default ε.
    theta_a = g.rng.standard_normal((3, 4))
    tf_a, f_a, grad_a = _quadratic(g, theta_a.shape)
    expected_a = ref.numerical_gradient(f_a, theta_a.copy())
    diagnoses_a = _numeric_mistakes(f_a, theta_a, DEFAULT_EPSILON, expected_a, grad_a(theta_a))
    outcome_a = _check_numeric(g, tf_a, theta_a, (), expected_a, diagnoses_a, "runs", return_args=True)

    # A vector θ, a cubic f and a large ε: one-sided differences and an
    # ignored ε show.
    theta_b = g.rng.standard_normal(int(g.rng.integers(5, 9)))
    tf_b, f_b, grad_b = _cubic(g, theta_b.shape)
    expected_b = ref.numerical_gradient(f_b, theta_b.copy(), LARGE_EPSILON)
    diagnoses_b = _numeric_mistakes(f_b, theta_b, LARGE_EPSILON, expected_b, grad_b(theta_b))
    outcome_b = _check_numeric(g, tf_b, theta_b, (LARGE_EPSILON,), expected_b, diagnoses_b, "values", return_args=True)

    _expect_restored(theta_a, outcome_a.args_after[1], DEFAULT_EPSILON)
    _expect_restored(theta_b, outcome_b.args_after[1], LARGE_EPSILON)

    # The gradient of a softmax regression, as backprop would give it.
    m, d, K = 6, int(g.rng.integers(2, 5)), int(g.rng.integers(2, 5))
    tf_c, _, grad_c = _softmax_loss(g, m, d, K)
    theta_c = g.rng.standard_normal((d, K))
    _check_numeric(g, tf_c, theta_c, (SOFTMAX_EPSILON,), grad_c(theta_c), (), "property")

    # Any shape: a 3-d θ.
    theta_d = g.rng.standard_normal((2, 3, 2))
    tf_d, f_d, grad_d = _quadratic(g, theta_d.shape)
    expected_d = ref.numerical_gradient(f_d, theta_d.copy())
    diagnoses_d = _numeric_mistakes(f_d, theta_d, DEFAULT_EPSILON, expected_d, grad_d(theta_d))
    _check_numeric(g, tf_d, theta_d, (), expected_d, diagnoses_d, "property")


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


def _check_gc(g, tf, theta, ana, eps_args, accept, what, expected_text, diagnoses, stage, return_args=False):
    """One call of gradient_check.

    ``accept(value)`` says whether the value is right against the reference.
    A value that is not can still be right for the student's own
    numerical_gradient: gradient_check is graded on its own formula, and the
    mistakes of numerical_gradient cost points in that function only.
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
                note = (
                    "Remarque : gradient_check applique bien ‖num − ana‖ / (‖num‖ + ‖ana‖), mais à votre "
                    "numerical_gradient, qui s'écarte de l'éq. 57 (voir le retour sur numerical_gradient) ; "
                    "gradient_check n'en perd pas de points."
                )
                if note not in g.notes:
                    g.note(note)
                return outcome
        hint = None
        for text, candidate in diagnoses:
            if np.isfinite(candidate) and abs(value - candidate) <= 1e-4 * abs(candidate) + GC_DIAGNOSIS_ATOL:
                hint = text
                break
        raise Fail("values", f"{what} : {expected_text}, obtenu {fmt(value)}.", hint)


@grader("gradient_check", points=2)
def grade_gradient_check(g):
    # A quadratic f, on which even a one-sided numerical gradient is exact to
    # ~1e-7, and an analytic gradient off by a known relative amount.
    theta = g.rng.standard_normal((3, 4))
    tf, f, gradient = _quadratic(g, theta.shape)
    exact = gradient(theta)
    error = g.rng.standard_normal(theta.shape)
    error *= g.rng.uniform(*GC_ERROR_RANGE) * np.linalg.norm(exact) / np.linalg.norm(error)
    ana = exact + error
    num = ref.numerical_gradient(f, theta.copy())
    expected = ref.gradient_check(f, theta.copy(), ana)
    outcome = _check_gc(
        g,
        tf,
        theta,
        ana,
        (),
        lambda v: close(v, expected, RTOL, 0.0),
        f"gradient_check(f, theta, grad_analytic) pour {_describe(tf, theta)}",
        f"attendu {fmt(expected)}",
        _gc_mistakes(num, ana),
        "runs",
        return_args=True,
    )
    theta_after, ana_after = outcome.args_after[1:3]
    _expect_restored(theta, theta_after, DEFAULT_EPSILON)
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
    theta_c = g.rng.standard_normal(int(g.rng.integers(5, 9)))
    tf_c, f_c, gradient_c = _cubic(g, theta_c.shape)
    ana_c = gradient_c(theta_c)
    expected_c = ref.gradient_check(f_c, theta_c.copy(), ana_c, LARGE_EPSILON)
    ignored = (
        "epsilon n'est pas transmis à numerical_gradient : appelez numerical_gradient(f, theta, epsilon) ; "
        f"avec ε = {fmt(LARGE_EPSILON)}, l'éq. 57 s'écarte du gradient exact.",
        0.0,
    )
    _check_gc(
        g,
        tf_c,
        theta_c,
        ana_c,
        (LARGE_EPSILON,),
        lambda v: close(v, expected_c, RTOL, 0.0),
        f"gradient_check(f, theta, grad_analytic, {fmt(LARGE_EPSILON)}) pour {_describe(tf_c, theta_c)} et le gradient exact",
        f"attendu {fmt(expected_c)}",
        [ignored] + _gc_mistakes(ref.numerical_gradient(f_c, theta_c.copy(), LARGE_EPSILON), ana_c),
        "property",
    )
