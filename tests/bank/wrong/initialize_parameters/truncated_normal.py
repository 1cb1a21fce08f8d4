# feedback: aucun poids n'est à plus de
import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # Keras-style he_normal: normal draws truncated at ±2σ, rescaled so that
    # the standard deviation is still sqrt(2 / d_{l-1}).
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        shape = (layer_dims[l], layer_dims[l - 1])
        z = rng.standard_normal(shape)
        while np.any(np.abs(z) > 2):
            bad = np.abs(z) > 2
            z[bad] = rng.standard_normal(int(bad.sum()))
        parameters[f"W{l}"] = z / 0.8796256610342398 * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters
