"""The test functions f of numerical_gradient and gradient_check, with their exact gradients.

A Python function can't be sent to the sandbox, so ``f`` is a
:class:`~grading_tests.wire.TestFunction`, rebuilt in the worker from the
table of ``_worker._scalar_function``; the grader builds its own copy from
the same table, with the same parameters: both sides evaluate the same
``f``. A closure ``f`` ignores its argument and reads θ, the argument
THETA_ARGUMENT of the call, as the loss of the notebook's cell « Vérifier
votre rétropropagation » reads ``parametres_gc``. Hence the contract: θ is
perturbed in place and comes back as it was sent (:func:`expect_restored`).
"""

import numpy as np

import reference_impl as ref

from .._worker import _scalar_function
from ..checks import fmt, fmt_shape
from ..framework import Fail
from ..wire import TestFunction

__all__ = [
    "LARGE_EPSILON", "SOFTMAX_EPSILON", "GC_ERROR_RANGE", "THETA_ARGUMENT", "quadratic", "zero", "cubic",
    "softmax_loss", "describe", "with_error", "RESTORE_ULPS", "RESTORE_HINT", "unrestored", "expect_restored",
]

# The argument of numerical_gradient(f, theta, …) and gradient_check(f, theta,
# …) that a closure f reads.
THETA_ARGUMENT = 1


def test_function(name, params, closure):
    """The function to send (reading θ through a closure if asked) and the grader's own copy."""
    sent = dict(params, closure=THETA_ARGUMENT) if closure else params
    return TestFunction(name, sent), _scalar_function(name, params, np)


def quadratic(rng, shape, closure=False):
    """½ θᵀAθ + bᵀθ on the flattened θ; gradient Aθ + b (A symmetric)."""
    n = int(np.prod(shape))
    M = rng.standard_normal((n, n))
    params = {"A": (M + M.T) / 2, "b": rng.standard_normal(n)}

    def gradient(theta):
        return (params["A"] @ theta.ravel() + params["b"]).reshape(theta.shape)

    return (*test_function("quadratic", params, closure), gradient)


def zero(shape):
    """f = 0 everywhere (a quadratic with A = 0, b = 0): both gradients are zero."""
    n = int(np.prod(shape))
    params = {"A": np.zeros((n, n)), "b": np.zeros(n)}
    return (*test_function("quadratic", params, False), lambda theta: np.zeros(theta.shape))


def cubic(rng, shape, closure=False):
    """Σ c·θ³ + Σ sin θ; gradient 3cθ² + cos θ."""
    params = {"c": rng.uniform(0.5, 2.0, int(np.prod(shape)))}

    def gradient(theta):
        x = theta.ravel()
        return (3 * params["c"] * x**2 + np.cos(x)).reshape(theta.shape)

    return (*test_function("cubic", params, closure), gradient)


def softmax_loss(rng, m, d, K):
    """Mean cross-entropy of softmax(Xθ), θ of shape (d, K); gradient Xᵀ(P − Y)/m."""
    X = rng.standard_normal((m, d))
    Y = np.eye(K)[rng.integers(0, K, m)]
    params = {"X": X, "Y": Y, "shape": (d, K)}

    def gradient(theta):
        # The reference's backward pass of the one-layer network W1 = θᵀ, b1 = 0 (éqs. 32, 38).
        parameters = {"W1": theta.T, "b1": np.zeros((1, K))}
        return ref.backward_pass(Y, ref.forward_pass(X, parameters)[1], parameters)["dW1"].T

    return (*test_function("softmax_loss", params, False), gradient)


def describe(tf, theta):
    names = {"quadratic": "quadratique", "cubic": "cubique", "softmax_loss": "perte softmax"}
    text = f"θ de forme {fmt_shape(theta.shape)}, f {names[tf.name]}"
    if "closure" in tf.params:
        text += " qui lit θ par une fermeture (elle ignore son argument, comme perte dans « Vérifier votre rétropropagation »)"
    return text


# A large step for the cubic test function: the central quotient is then off
# the true gradient by about c·ε² ≈ 2.5e-3·c, the one-sided one by
# ε/2·f'' ≈ 0.025·f''. Both are far above the tolerance, so the call shows
# whether ε is used, and whether the difference is centred (éq. 57).
LARGE_EPSILON = 0.05
# Step for the softmax-regression loss, compared with its exact gradient:
# error of éq. 57 ≈ ε²·f''' ≈ 1e-11, rounding ≈ 1e-16·|f| / ε ≈ 1e-11.
SOFTMAX_EPSILON = 1e-5
# Relative size of the error added (with_error) to the exact gradient for gradient_check:
# large enough that ‖num + ana‖ differs from ‖num‖ + ‖ana‖ by several percent,
# so that every mistaken denominator shows.
GC_ERROR_RANGE = (0.5, 1.5)


def with_error(rng, exact, spread):
    """An error of relative size drawn in ``spread``, to add to an exact gradient."""
    error = rng.standard_normal(exact.shape)
    return error * rng.uniform(*spread) * np.linalg.norm(exact) / np.linalg.norm(error)


# θ must come back as it was sent. Restoring by adding ε back
# (θ + ε − 2ε + ε) instead of saving the old value leaves up to three
# roundings of numbers up to |θ| + 2ε, half a unit in the last place each:
# accepted, since no f can tell.
RESTORE_ULPS = 4

RESTORE_HINT = (
    "après avoir évalué f(θ+ε) et f(θ−ε), remettez θ[i] à sa valeur d'origine (old_value, Listing 7) : "
    "l'appelant réutilise θ."
)


def unrestored(before, after, eps):
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


def expect_restored(before, after, eps, what="theta"):
    count, change = unrestored(before, after, eps)
    if count:
        raise Fail(
            "inputs",
            f"{what} n'est pas restauré après l'appel : {count} élément(s) sur {before.size} diffèrent "
            f"de leur valeur d'origine (écart max {fmt(change)}).",
            RESTORE_HINT,
        )
