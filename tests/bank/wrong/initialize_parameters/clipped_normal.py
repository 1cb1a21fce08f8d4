# feedback: aucun poids n'est à plus de
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # Normal draws clipped to ±2 before scaling: point masses at the bounds.
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        z = np.clip(rng.standard_normal((layer_dims[l], layer_dims[l - 1])), -2, 2)
        parameters[f"W{l}"] = z * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
