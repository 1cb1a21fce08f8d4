import numpy as np


def initialize_parameters(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n = layer_dims[l - 1]
        parameters[f"W{l}"] = rng.normal(0, np.sqrt(2 / n), (layer_dims[l], n))
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
