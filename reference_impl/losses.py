"""Loss functions (chapter 06, §6).

``LOSS_FUNCTIONS`` maps a name to its function, so model code looks a loss up
instead of branching on strings. Each loss returns a float: the loss averaged
over the m examples, the rows of ``y_pred`` and ``y_true``.
"""

import numpy as np

__all__ = ["mse", "binary_cross_entropy", "categorical_cross_entropy", "LOSS_FUNCTIONS"]

# Smallest probability fed to log: log(1e-12) ≈ -27.6, finite, and far below
# any probability a trained network gives, so clipping only guards log(0).
EPS_LOG = 1e-12


def mse(y_pred, y_true):
    """Mean squared error L = (1/m) Σ_i (ŷ_i - y_i)² (éq. 25).

    Parameters
    ----------
    y_pred : array_like of shape (m,) or (m, k)
        Predictions, one row per example.
    y_true : array_like of the same shape
        Targets.

    Notes
    -----
    With k outputs the squared errors are summed over the outputs and
    averaged over the examples only (the 1/m of éq. 25). Other texts divide
    by m·k (``np.mean``) or by 2m (scikit-learn's ``squared_loss``); those
    only rescale the loss and its gradient.
    """
    y_pred = np.asarray(y_pred, dtype=float)
    y_true = np.asarray(y_true, dtype=float)
    m = y_pred.shape[0]
    return float(np.sum((y_pred - y_true) ** 2) / m)


def binary_cross_entropy(y_pred, y_true, eps=EPS_LOG):
    """Binary cross-entropy (éq. 26).

    L = -(1/m) Σ_i [y_i log ŷ_i + (1 - y_i) log(1 - ŷ_i)]

    Parameters
    ----------
    y_pred : array_like of shape (m,) or (m, 1)
        Predicted probabilities P(y = 1), e.g. sigmoid outputs.
    y_true : array_like of the same shape
        Labels, 0 or 1.
    eps : float
        ``y_pred`` is clipped to [eps, 1 - eps] before the logs.

    Notes
    -----
    Clipping, rather than adding ε inside the log as Listing 5 does, leaves
    every probability in [eps, 1 - eps] exactly as it is, and gives a finite
    loss (at most -log(eps) ≈ 27.6 per example) for a confident mistake.
    """
    y_pred = np.clip(np.asarray(y_pred, dtype=float), eps, 1.0 - eps)
    y_true = np.asarray(y_true, dtype=float)
    m = y_pred.shape[0]
    return float(-np.sum(y_true * np.log(y_pred) + (1.0 - y_true) * np.log(1.0 - y_pred)) / m)


def categorical_cross_entropy(y_pred, y_true, eps=EPS_LOG):
    """Categorical cross-entropy L = -(1/m) Σ_i Σ_k y_ik log ŷ_ik (éq. 27).

    Parameters
    ----------
    y_pred : array_like of shape (m, K)
        Predicted probabilities, e.g. softmax outputs; each row sums to 1.
    y_true : array_like of shape (m, K)
        One-hot labels.
    eps : float
        ``y_pred`` is clipped to [eps, 1] before the log.

    Notes
    -----
    With one-hot labels only the term of the correct class c_i survives, so
    this equals -(1/m) Σ_i log ŷ_{i,c_i} (éq. 28). As in
    :func:`binary_cross_entropy`, the probabilities are clipped rather than
    shifted by ε.
    """
    y_pred = np.clip(np.asarray(y_pred, dtype=float), eps, 1.0)
    y_true = np.asarray(y_true, dtype=float)
    m = y_pred.shape[0]
    return float(-np.sum(y_true * np.log(y_pred)) / m)


LOSS_FUNCTIONS = {
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "categorical_cross_entropy": categorical_cross_entropy,
}
