import math

import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # Entry by entry: one scalar draw per weight.
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_in, n_out = layer_dims[l - 1], layer_dims[l]
        W = np.empty((n_out, n_in))
        for i in range(n_out):
            for j in range(n_in):
                W[i, j] = rng.standard_normal() * math.sqrt(2 / n_in)
        parameters[f"W{l}"] = W
        parameters[f"b{l}"] = np.zeros((1, n_out))
    return parameters
