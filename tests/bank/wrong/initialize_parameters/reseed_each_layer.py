# feedback: le générateur est ré-initialisé à chaque couche
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    parameters = {}
    for l in range(1, len(layer_dims)):
        rng = np.random.default_rng(seed)
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
