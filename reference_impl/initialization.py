"""Weight initialisation (chapter 06, §8.3)."""

import numpy as np

__all__ = ["initialize_parameters", "initialize_parameters_xavier", "INITIALIZERS"]


def initialize_parameters(layer_dims, seed=None):
    """He normal initialisation of an MLP (éq. 50, Listing 4).

    Parameters
    ----------
    layer_dims : sequence of int
        ``[d0, d1, ..., dL]``: input size, hidden sizes, output size. A list
        or a tuple of Python or numpy integers; not modified.
    seed : int, np.random.Generator or None
        Seed of the draws (see the package docstring): the same int gives
        the same parameters; a Generator is drawn from and advanced.

    Returns
    -------
    parameters : dict
        ``W{l}`` : ndarray of shape (d_l, d_{l-1}), entries drawn
        independently from N(0, 2 / d_{l-1}); ``b{l}`` : zeros of shape
        (1, d_l).

    Notes
    -----
    The variance uses the fan-in d_{l-1}: it keeps the variance of the
    pre-activations constant through ReLU layers (He et al., 2015). The law
    is the full normal law of éq. 50, not a truncated normal (Keras's
    ``he_normal``) nor a uniform law of the same variance.
    """
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        fan_in = layer_dims[l - 1]
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], fan_in)) * np.sqrt(2.0 / fan_in)
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters


def initialize_parameters_xavier(layer_dims, seed=None):
    """Xavier / Glorot normal initialisation of an MLP (éq. 49).

    The arguments and the result are those of :func:`initialize_parameters`,
    but the entries of ``W{l}`` are drawn from N(0, 2 / (d_{l-1} + d_l)).

    Notes
    -----
    The variance averages fan-in and fan-out, a compromise between keeping
    the variance of the activations (forward) and of the gradients
    (backward) constant through sigmoid or tanh layers (Glorot & Bengio,
    2010). This is the normal form of éq. 49; for ReLU and tanh networks
    scikit-learn's MLP draws from U(±sqrt(6 / (d_{l-1} + d_l))) instead,
    a uniform law with the same variance.
    """
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        fan_in, fan_out = layer_dims[l - 1], layer_dims[l]
        # éq. 49
        parameters[f"W{l}"] = rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / (fan_in + fan_out))
        parameters[f"b{l}"] = np.zeros((1, fan_out))
    return parameters


# He for ReLU layers, Xavier for sigmoid/tanh layers (§8.3).
INITIALIZERS = {
    "he": initialize_parameters,
    "xavier": initialize_parameters_xavier,
}
