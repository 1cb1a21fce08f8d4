# feedback: colonnes de W1 sont identiques
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # One random weight per neuron, shared by all its inputs.
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        column = rng.standard_normal((layer_dims[l], 1)) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"W{l}"] = column * np.ones((1, layer_dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
