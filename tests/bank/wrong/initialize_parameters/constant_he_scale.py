# feedback: la sortie est constante
# credit: no_work
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # Every weight equal to the He standard deviation: no random draw.
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.ones((layer_dims[l], layer_dims[l - 1])) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
