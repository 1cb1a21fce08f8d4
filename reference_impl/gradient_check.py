"""Gradient checking (chapter 06, §12.2)."""

import numpy as np

__all__ = ["numerical_gradient", "gradient_check"]


def numerical_gradient(f, theta, epsilon=1e-7):
    """Central-difference gradient of a scalar function (éq. 57).

    Parameters
    ----------
    f : callable
        ``f(theta) -> float``. It may ignore its argument and read ``theta``
        through a closure, as the loss of Listing 7 reads the model's
        parameters.
    theta : ndarray of float, any shape
        Point where the gradient is taken. It is perturbed in place, one
        entry at a time, so that such an ``f`` sees each perturbation, and it
        is restored before returning: exactly here (the old value is put
        back); adding ε back instead would be off by a rounding, which the
        contract allows.
    epsilon : float
        Half-width of the difference.

    Returns
    -------
    ndarray of the same shape as ``theta``, float64.

    Notes
    -----
    The central quotient has error O(ε²), the one-sided one O(ε).
    """
    grad = np.zeros(theta.shape)
    for idx in np.ndindex(theta.shape):
        old_value = theta[idx]
        theta[idx] = old_value + epsilon
        loss_plus = f(theta)
        theta[idx] = old_value - epsilon
        loss_minus = f(theta)
        theta[idx] = old_value  # restore exactly, not by adding ε back
        grad[idx] = (loss_plus - loss_minus) / (2 * epsilon)
    return grad


def gradient_check(f, theta, grad_analytic, epsilon=1e-7):
    """Relative difference between numerical and analytic gradients (§12.2).

    Parameters
    ----------
    f : callable
        ``f(theta) -> float``.
    theta : ndarray of float, any shape
        Point of the check, handed to :func:`numerical_gradient` itself (not
        a copy: ``f`` may read it through a closure); restored afterwards.
    grad_analytic : ndarray of the same shape as ``theta``
        Gradient to check, e.g. from backpropagation.
    epsilon : float

    Returns
    -------
    float
        ‖num - ana‖ / (‖num‖ + ‖ana‖), Euclidean norms over all entries.
        Below 1e-7 backprop is almost certainly right. 0.0 when both
        gradients are zero.
    """
    grad_numeric = numerical_gradient(f, theta, epsilon)
    numerator = np.linalg.norm(grad_numeric - grad_analytic)
    denominator = np.linalg.norm(grad_numeric) + np.linalg.norm(grad_analytic)
    return float(numerator / denominator) if denominator > 0 else 0.0
