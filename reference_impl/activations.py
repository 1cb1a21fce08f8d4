"""Activation functions and their derivatives (chapter 06, §3 and §7.5).

``ACTIVATIONS`` and ``DERIVATIVES`` map a name to its function, so model code
looks an activation up instead of branching on strings.

Every function but ``softmax`` is elementwise, with one contract, said here
once rather than in each docstring: it takes ``z``, an ndarray of any shape
and real dtype (integers included: they are cast first, so nothing is
truncated) or a number (notebook 06_2 calls ``sigmoid_derivative(0.0)``),
the pre-activations; it returns float64 values of the same shape (a number
for a number). ``alpha``, where there is one, is a float.
"""

import numpy as np

__all__ = [
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "swish",
    "softmax",
    "sigmoid_derivative",
    "tanh_derivative",
    "relu_derivative",
    "leaky_relu_derivative",
    "elu_derivative",
    "swish_derivative",
    "ACTIVATIONS",
    "DERIVATIVES",
]


def sigmoid(z):
    """Logistic sigmoid σ(z) = 1 / (1 + e^{-z}) (éq. 3), values in [0, 1].

    Computed as exp(-log(1 + e^{-z})) with ``np.logaddexp``, which never
    overflows: σ(-800) is 0.0 and σ(800) is 1.0, without a warning.
    """
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))


def tanh(z):
    """Hyperbolic tangent (éq. 4), values in [-1, 1]."""
    return np.tanh(np.asarray(z, dtype=float))


def relu(z):
    """ReLU(z) = max(0, z) (éq. 5)."""
    return np.maximum(0.0, np.asarray(z, dtype=float))


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z if z > 0, else αz (éq. 6); ``alpha`` is the slope for z <= 0."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def elu(z, alpha=1.0):
    """ELU: z if z > 0, else α(e^z - 1) (éq. 7); -α is the limit for z → -∞."""
    z = np.asarray(z, dtype=float)
    # expm1 on min(z, 0) so the unused branch never overflows for large z.
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def swish(z):
    """Swish / SiLU: z·σ(z) (éq. 8)."""
    z = np.asarray(z, dtype=float)
    return z * sigmoid(z)


def softmax(Z):
    """Softmax over the last axis (éq. 9).

    Parameters
    ----------
    Z : ndarray of shape (..., K), of integers or floats
        Scores: (K,) for one vector, (m, K) for a batch with one row per
        example; any shape, the softmax is taken over the last axis.

    Returns
    -------
    ndarray of the same shape, float64 (also for integer scores); each slice
    along the last axis sums to 1.

    Notes
    -----
    The row maximum is subtracted before ``exp``. Softmax is unchanged by a
    constant shift, and only this one keeps every exponent ≤ 0 (no overflow,
    even for scores of 1000) with one of them e^0 = 1 (no 0/0, even beside
    scores of -1e4). A shift by the row's mean, median or minimum fails on a
    row whose scores are far apart.
    """
    Z = np.asarray(Z, dtype=float)
    expZ = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return expZ / np.sum(expZ, axis=-1, keepdims=True)


def sigmoid_derivative(z):
    """σ'(z) = σ(z)(1 - σ(z)) (§3.1, §7.5), values in [0, 1/4]; z, not σ(z)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_derivative(z):
    """tanh'(z) = 1 - tanh²(z) (§3.2, §7.5), values in [0, 1]."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu_derivative(z):
    """ReLU'(z) = 1 where z > 0, else 0 (§3.3, §7.5).

    Float64 0.0 and 1.0: numbers, not booleans (``-d`` or ``d - d`` fail on
    a bool array). ReLU is not differentiable at 0; like the chapter
    (𝕀[z > 0]) we take 0 there.
    """
    return (np.asarray(z) > 0).astype(float)


def leaky_relu_derivative(z, alpha=0.01):
    """Leaky ReLU'(z) = 1 if z > 0, else α (§7.5)."""
    return np.where(np.asarray(z) > 0, 1.0, float(alpha))


def elu_derivative(z, alpha=1.0):
    """ELU'(z) = 1 if z > 0, else αe^z."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def swish_derivative(z):
    """Swish'(z) = σ(z) + zσ(z)(1 - σ(z))."""
    z = np.asarray(z, dtype=float)
    s = sigmoid(z)
    return s + z * s * (1.0 - s)


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "swish": swish,
    "softmax": softmax,
}

DERIVATIVES = {
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
    "swish": swish_derivative,
}
