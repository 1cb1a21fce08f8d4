# feedback: W1 a la forme (d_l, d_{l-1})
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l - 1], layer_dims[l])) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
