"""Forward pass and backpropagation of an MLP (chapter 06, §5 and §7).

The hidden layers use ReLU and the output layer softmax, as in Listings 2-3.
"""

import numpy as np

from .activations import relu, relu_derivative, softmax

__all__ = ["forward_pass", "backward_pass"]


def forward_pass(X, parameters):
    """Forward pass of an L-layer MLP (Algorithm 2, éq. 22-24).

    Parameters
    ----------
    X : ndarray of shape (m, d0), of integers or floats
        A batch of m ≥ 1 examples, one per row (m = 1 stays 2-d: (1, d0)).
    parameters : dict
        ``W{l}`` of shape (d_l, d_{l-1}) and ``b{l}`` of shape (1, d_l),
        for l = 1..L.

    Returns
    -------
    A : ndarray of shape (m, d_L), float64
        Softmax probabilities; each row sums to 1.
    cache : dict
        ``A0`` (= X, as float64) to ``A{L}``, each of shape (m, d_l), and
        ``Z1`` to ``Z{L}``, the pre-activations of shape (m, d_l).
    """
    L = len(parameters) // 2
    A = np.asarray(X, dtype=float)
    cache = {"A0": A}
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]  # éq. 23
        A = relu(Z) if l < L else softmax(Z)  # éq. 24
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache


def backward_pass(y_true, cache, parameters):
    """Backpropagation for softmax + categorical cross-entropy (Algorithm 3).

    Parameters
    ----------
    y_true : ndarray of shape (m, K)
        One-hot labels (0 and 1), of integers or floats.
    cache : dict
        The cache returned by :func:`forward_pass`.
    parameters : dict
        ``W{l}``, ``b{l}`` as in :func:`forward_pass`.

    Returns
    -------
    grads : dict
        ``dW{l}`` of shape (d_l, d_{l-1}) and ``db{l}`` of shape (1, d_l),
        float64: gradients of the mean loss over the batch (éq. 27), hence
        the 1/m of éq. 38-39.
    """
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    dZ = cache[f"A{L}"] - y_true  # δ[L] = ŷ - y  (éq. 32)
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ.T @ cache[f"A{l - 1}"] / m  # éq. 38
        grads[f"db{l}"] = np.sum(dZ, axis=0, keepdims=True) / m  # éq. 39
        if l > 1:
            # δ[l-1] = (δ[l] W[l]) ⊙ ReLU'(Z[l-1])  (éq. 35)
            dZ = (dZ @ parameters[f"W{l}"]) * relu_derivative(cache[f"Z{l - 1}"])
    return grads
