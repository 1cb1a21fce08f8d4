"""Reference numpy implementation of chapter 06, Réseaux de Neurones Fondamentaux.

One module per section of the chapter. The functions students write are
re-exported here, so graders can look them up by name. Each equation is
written once; code that needs it with one part changed calls it through
:func:`reference_impl.parts.with_parts`. Equation numbers are the chapter's,
written "éq. N" in the comments too.

Randomness has two names, one per idea:

- ``seed``: what determines the draws, anything ``np.random.default_rng``
  takes. An int gives the same draws at every call, None fresh ones, and a
  ``np.random.Generator`` is drawn from as it is (advanced), which is how one
  generator serves several calls in a row (``initialize_parameters(dims,
  seed=rng)`` then ``rng.permutation(m)``, as in :func:`train_digits_model`).
- ``rng``: the generator itself, a ``np.random.Generator`` the function draws
  from (``dropout_forward(A, keep_prob, rng=rng)``); None draws from a fresh,
  unseeded one. A function that takes ``rng`` is called again and again with
  the same generator, each call getting new draws.

The students' signatures fix which name a graded function takes.
"""

from .activations import (
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
)
from .gradient_check import gradient_check, numerical_gradient
from .initialization import initialize_parameters
from .mlp import train_digits_model
from .optimizers import adam_update
from .perceptron import perceptron_update
from .propagation import backward_pass, forward_pass
from .regularization import dropout_forward

__all__ = [
    "perceptron_update",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "sigmoid_derivative",
    "tanh_derivative",
    "relu_derivative",
    "leaky_relu_derivative",
    "softmax",
    "initialize_parameters",
    "forward_pass",
    "backward_pass",
    "dropout_forward",
    "adam_update",
    "numerical_gradient",
    "gradient_check",
    "train_digits_model",
]
