# feedback: seed = 0 et seed = 1 donnent les mêmes poids
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    rng = np.random.default_rng(seed or 1)  # meant for None, but 0 becomes 1 too
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
