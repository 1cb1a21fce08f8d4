import numpy as np


def initialize_parameters(layer_dims, seed=None):
    state = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        # Drawn as (d_{l-1}, d_l) then transposed: same law, right shape.
        W = state.standard_normal((layer_dims[l - 1], layer_dims[l])).T
        parameters[f"W{l}"] = W * (2.0 / layer_dims[l - 1]) ** 0.5
        parameters[f"b{l}"] = np.zeros_like(W[:, :1].T)
    return parameters
