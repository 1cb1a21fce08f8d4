import numpy as np


def initialize_parameters(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l, (fan_in, fan_out) in enumerate(zip(layer_dims[:-1], layer_dims[1:]), start=1):
        parameters[f"W{l}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)).astype(np.float32)
        parameters[f"b{l}"] = np.zeros((1, fan_out), dtype=np.float32)
    return parameters
