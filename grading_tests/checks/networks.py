"""Random networks for the graders of propagation (forward_pass, backward_pass).

Every network is drawn at grading time: its layer sizes, its He-initialised
weights (``ref.initialize_parameters``) and non-zero biases, its batch.
"""

from __future__ import annotations

import numpy as np

import reference_impl as ref
from reference_impl.losses import categorical_cross_entropy

from ..framework import Fail
from .compare import close, no_work
from .values import as_array, as_dict

__all__ = [
    "random_network", "one_hot_labels", "fmt_sizes", "large_scores", "same_rows", "expect_forward_work", "forward_output",
    "gradient_array", "gradients", "numeric_gradients",
]

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


def large_scores(rng, parameters, score):
    """The parameters with the output layer's biases moved to ``score``: every output score is then
    near ``score`` (within a few units). The biases are multiples of 1/256, exact in float32 too."""
    L = len(parameters) // 2
    b = parameters[f"b{L}"]
    return dict(parameters, **{f"b{L}": score + np.round(rng.standard_normal(b.shape) * 3.0 * 256) / 256})


# --- what both graders of propagation check -----------------------------------------


def same_rows(got, expected):
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


def expect_forward_work(outputs, expected, what, X):
    """``expect_work`` for the forward pass, where a prediction that is the same
    for every example (the biases alone, a fixed guess) shows no work either.
    A0 = X is left out: it is given, not computed."""
    reasons = [no_work(outputs[k], expected[k], {"X": X}) or same_rows(outputs[k], expected[k]) for k in expected]
    if all(reasons):
        names = ", ".join(expected)
        raise Fail("values", f"{what} : {reasons[0]} (pour chacune des sorties {names}).", kind="no_work")


def forward_output(g, X, parameters):
    """The A that forward_pass returns for these inputs, as floats, or None."""
    outcome = g.sandbox.call(g.spec.target, X, parameters, timeout=g.spec.timeout)
    value = outcome.value if outcome.ok else None
    if isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[0], np.ndarray):
        return value[0].astype(float)
    return None


def gradient_array(value, what):
    """A gradient: an array, or a scalar (then reported by its shape, ())."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return np.asarray(value, dtype=float)
    return as_array(value, what)


def gradients(value, what, required):
    grads = as_dict(value, what)
    missing = [k for k in required if k not in grads]
    if missing:
        L = len(required) // 2
        raise Fail(
            "shape",
            f"{what} : clés manquantes : {', '.join(missing)} (attendu dW1 … dW{L} et db1 … db{L}).",
            "un gradient par paramètre : dW{l} et db{l} pour chaque couche l = L, …, 1 (Listing 3).",
        )
    return grads, {k: gradient_array(grads[k], f"grads['{k}']") for k in required}


def numeric_gradients(X, Y, parameters, epsilon):
    """The reference's central differences (éq. 57) of the reference loss, parameter by parameter."""
    grads = {}
    for name, theta in parameters.items():
        params = dict(parameters, **{name: theta.copy()})

        def loss(_, params=params):
            return categorical_cross_entropy(ref.forward_pass(X, params)[0], Y)

        grads[f"d{name}"] = ref.numerical_gradient(loss, params[name], epsilon=epsilon)
    return grads
