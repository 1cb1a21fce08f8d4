# feedback: tous les poids sont nuls
# credit: no_work
# mistake: -
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
