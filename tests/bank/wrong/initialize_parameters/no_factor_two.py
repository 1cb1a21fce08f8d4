# feedback: le facteur 2 manque
# credit: near_miss
# mistake: initialize_parameters.lecun_variance
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
