# feedback: queues
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # A Laplace law of the right variance (scale σ/√2): heavier tails than a normal law.
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / layer_dims[l - 1])
        parameters[f"W{l}"] = rng.laplace(0.0, std / np.sqrt(2), size=(layer_dims[l], layer_dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
