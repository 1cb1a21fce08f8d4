"""Reference numpy implementation of chapter 06, Réseaux de Neurones Fondamentaux.

One module per section of the chapter. The functions students write are
re-exported here, so graders can look them up by name.
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
