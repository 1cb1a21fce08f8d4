# feedback: le facteur 2 manque
# credit: near_miss
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # LeCun's variance 1 / d_{l-1}, written with rng.normal.
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n = layer_dims[l - 1]
        parameters[f"W{l}"] = rng.normal(0.0, np.sqrt(1.0 / n), size=(layer_dims[l], n))
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
