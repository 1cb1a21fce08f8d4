# feedback: lignes de W1 sont identiques
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # One random row per layer, copied to every neuron: the symmetry stays.
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        row = rng.standard_normal((1, layer_dims[l - 1])) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"W{l}"] = np.repeat(row, layer_dims[l], axis=0)
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
