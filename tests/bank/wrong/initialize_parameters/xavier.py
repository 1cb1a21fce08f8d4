# feedback: c'est l'initialisation de Xavier
# mistake: initialize_parameters.xavier
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / (layer_dims[l - 1] + layer_dims[l]))
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
