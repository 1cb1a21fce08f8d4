# feedback: la sortie est constante
# credit: no_work
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.full((layer_dims[l], layer_dims[l - 1]), 0.01)
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
