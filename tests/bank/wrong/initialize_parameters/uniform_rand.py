# feedback: np.random.rand tire selon la loi uniforme sur [0, 1)
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.random.rand(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
