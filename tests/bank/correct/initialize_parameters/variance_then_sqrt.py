import numpy as np


def initialize_parameters(layer_dims, seed=None):
    # He as a variance, then its square root; sizes read as a list of pairs.
    rng = np.random.default_rng(seed)
    sizes = list(zip(layer_dims[:-1], layer_dims[1:]))
    parameters = {}
    for l, (fan_in, fan_out) in enumerate(sizes, start=1):
        variance = 2.0 / fan_in
        parameters["W%d" % l] = np.sqrt(variance) * rng.standard_normal(size=(fan_out, fan_in))
        parameters["b%d" % l] = np.zeros(shape=(1, fan_out))
    return parameters
