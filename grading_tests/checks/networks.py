"""Random networks for the graders of propagation (forward_pass, backward_pass).

Every network is drawn at grading time: its layer sizes, its He-initialised
weights (``ref.initialize_parameters``) and non-zero biases, its batch.
"""

from __future__ import annotations

import numpy as np

import reference_impl as ref

__all__ = ["random_network", "one_hot_labels", "fmt_sizes"]

# Biases drawn N(0, BIAS_SCALE²): a trained network's biases are not zero, and
# zero biases (as initialize_parameters returns) would hide a forgotten "+ b".
BIAS_SCALE = 0.5
# Share of active ReLU units (Z > 0) wanted in every hidden layer of a drawn
# network, and how many draws to try for it.
ACTIVE_SHARE = (0.2, 0.8)
MAX_DRAWS = 50
# Integer inputs for the check of an integer X: features in {-3, …, 3}.
INTEGER_FEATURES = (-3, 4)


def fmt_sizes(sizes):
    """Layer sizes as a message quotes them: ``[5, 3, 4]``."""
    return "[" + ", ".join(str(int(x)) for x in sizes) + "]"


def random_network(rng, L, m, kink_margin=0.0, integer=False):
    """Layer sizes, parameters and batch of an L-layer network.

    The sizes are distinct, so that a W used untransposed or from the wrong
    layer raises a shape error instead of giving plausible numbers. The draw
    is repeated until every hidden layer has active and inactive units
    (ACTIVE_SHARE): a dead layer would hide every mistake in ReLU' below it.
    With ``kink_margin``, every hidden pre-activation is at least that far
    from ReLU's kink. With ``integer``, X holds integers (as an int64 array).
    """
    for _ in range(MAX_DRAWS):
        dims = [int(d) for d in rng.choice(np.arange(3, 10), size=L + 1, replace=False)]
        parameters = ref.initialize_parameters(dims, seed=rng)
        for l in range(1, L + 1):
            parameters[f"b{l}"] = rng.standard_normal((1, dims[l])) * BIAS_SCALE
        if integer:
            X = rng.integers(*INTEGER_FEATURES, size=(m, dims[0]))
        else:
            X = rng.standard_normal((m, dims[0]))
        _, cache = ref.forward_pass(X, parameters)
        hidden = [cache[f"Z{l}"] for l in range(1, L)]
        low, high = ACTIVE_SHARE if m > 1 else (1e-9, 1 - 1e-9)
        if all(low <= np.mean(Z > 0) <= high and np.abs(Z).min() > kink_margin for Z in hidden):
            break
    return dims, parameters, X


def one_hot_labels(rng, m, K):
    """m one-hot labels of K classes, drawn uniformly."""
    return np.eye(K)[rng.integers(0, K, m)]
