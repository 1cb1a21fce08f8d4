import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # Listing 4, with the global generator seeded once.
    np.random.seed(seed)
    parameters = {}
    L = len(layer_dims) - 1
    for l in range(1, L + 1):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2 / layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((1, layer_dims[l]))
    return parameters
