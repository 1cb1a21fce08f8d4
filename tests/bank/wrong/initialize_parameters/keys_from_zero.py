# feedback: clés manquantes
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    np.random.seed(seed)
    parameters = {}
    for l in range(len(layer_dims) - 1):
        parameters[f"W{l}"] = np.random.randn(layer_dims[l + 1], layer_dims[l]) * np.sqrt(2 / layer_dims[l])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l + 1]))
    return parameters
