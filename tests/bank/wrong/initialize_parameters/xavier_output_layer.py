# feedback: pour W4 : c'est l'initialisation de Xavier
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # He for the hidden layers, Xavier for the output layer (softmax is not ReLU).
    rng = np.random.default_rng(seed)
    L = len(layer_dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        fan_in, fan_out = layer_dims[l - 1], layer_dims[l]
        std = np.sqrt(2 / (fan_in + fan_out)) if l == L else np.sqrt(2 / fan_in)
        parameters[f"W{l}"] = rng.standard_normal((fan_out, fan_in)) * std
        parameters[f"b{l}"] = np.zeros((1, fan_out))
    return parameters
