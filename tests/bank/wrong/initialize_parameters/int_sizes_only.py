# feedback: layer_dims donné comme tuple
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_in, n_out = layer_dims[l - 1], layer_dims[l]
        if type(n_in) is not int or type(n_out) is not int:
            raise TypeError("layer sizes must be int")
        parameters[f"W{l}"] = rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)
        parameters[f"b{l}"] = np.zeros((1, n_out))
    return parameters
