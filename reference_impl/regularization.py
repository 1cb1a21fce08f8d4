"""Regularisation (chapter 06, §9): L2, dropout, batch normalisation and
early stopping."""

import copy

import numpy as np

__all__ = [
    "l2_penalty",
    "l2_gradient",
    "dropout_forward",
    "dropout_backward",
    "batchnorm_forward",
    "batchnorm_backward",
    "EarlyStopping",
]


def l2_penalty(parameters, lambd, m):
    """L2 penalty (λ / 2m) Σ_l ‖W[l]‖²_F, the term added to the loss in éq. 51.

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape (d_l, d_{l-1}) and ``b{l}`` of shape (1, d_l).
    lambd : float
        λ, the regularisation strength (``lambda`` is a Python keyword).
    m : int
        Number of examples the loss is averaged over (the batch size).

    Returns
    -------
    float
        The penalty; 0.0 when λ = 0.

    Notes
    -----
    Only the weights ``W{l}`` are penalised, not the biases (éq. 51).
    scikit-learn's ``alpha`` is the same λ: its MLP adds
    0.5·alpha·Σ‖W‖² / m to the loss.
    """
    squares = sum(np.sum(np.square(theta)) for name, theta in parameters.items() if name.startswith("W"))
    return float(lambd / (2 * m) * squares)  # éq. 51


def l2_gradient(grads, parameters, lambd, m):
    """Add the gradient of the L2 penalty to the weight gradients (éq. 52).

    Parameters
    ----------
    grads : dict
        ``dW{l}``, ``db{l}``, gradients of the unregularised loss.
    parameters : dict
        ``W{l}`` of shape (d_l, d_{l-1}), ``b{l}`` of shape (1, d_l).
    lambd : float
        λ.
    m : int
        Number of examples the loss is averaged over (the batch size).

    Returns
    -------
    dict
        A new dict: ``dW{l} + (λ/m) W{l}`` as new arrays; the ``db{l}``
        arrays are passed through as they are (biases are not penalised).
        The inputs are left untouched.
    """
    new_grads = dict(grads)
    for name, theta in parameters.items():
        if name.startswith("W"):
            new_grads["d" + name] = grads["d" + name] + (lambd / m) * theta  # éq. 52
    return new_grads


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    """Inverted dropout (§9.2).

    Parameters
    ----------
    A : ndarray of float, shape (m, d)
        Activations of a layer; not modified.
    keep_prob : float in (0, 1]
        Probability of keeping each unit.
    training : bool
        At test time dropout does nothing.
    rng : np.random.Generator or None
        The generator the mask is drawn from (see the package docstring);
        None draws from a fresh, unseeded one.

    Returns
    -------
    A_out : ndarray of shape (m, d)
        ``A * mask / keep_prob`` in training, ``A`` itself otherwise.
    mask : ndarray of bool, shape (m, d), or None
        True for the kept units, each kept by its own independent draw (one
        per example and unit) with probability keep_prob; a new mask at
        every call. None when ``training`` is False.

    Notes
    -----
    Dividing by keep_prob keeps E[A_out] = A entry by entry, so nothing
    needs rescaling at test time. That needs one independent draw per
    unit: keeping a fixed number round(keep_prob·d) of units per row (a
    permutation, a choice without replacement) has the right average over
    a wide layer but not on a small one, and its count of kept units per
    row is no longer binomial.
    """
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    mask = rng.random(A.shape) < keep_prob
    return A * mask / keep_prob, mask


def dropout_backward(dA, mask, keep_prob):
    """Backward pass of inverted dropout (§9.2).

    Parameters
    ----------
    dA : ndarray of shape (m, d)
        Gradient of the loss with respect to the dropout output.
    mask : ndarray of bool, shape (m, d), or None
        The mask returned by :func:`dropout_forward`; None (test mode)
        means dropout did nothing.
    keep_prob : float in (0, 1]
        The keep probability used in the forward pass.

    Returns
    -------
    ndarray of shape (m, d)
        ``dA * mask / keep_prob``: dropped units get no gradient, kept ones
        the same 1/keep_prob scale as in the forward pass. A new array.
    """
    if mask is None:
        return np.array(dA, dtype=float)
    return dA * mask / keep_prob


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    """Batch normalisation of pre-activations, training mode (éq. 53-56).

    Parameters
    ----------
    Z : ndarray of shape (m, d)
        Pre-activations Z[l] of a batch, one row per example.
    gamma : ndarray of shape (1, d)
        Learned scale γ.
    beta : ndarray of shape (1, d)
        Learned shift β.
    eps : float
        ε of éq. 55, keeps the division finite for a constant feature.

    Returns
    -------
    Z_tilde : ndarray of shape (m, d)
        γ ẑ + β (éq. 56).
    cache : dict
        What :func:`batchnorm_backward` needs: ``Z_hat`` (m, d), the
        normalised inputs of éq. 55; ``inv_std`` (1, d), 1 / sqrt(σ_B² + ε);
        ``gamma`` (1, d). Also ``mu`` and ``var`` (1, d), the batch
        statistics, e.g. to update running averages for test time.

    Notes
    -----
    σ_B² is the biased variance (divided by m, éq. 54), as in Ioffe &
    Szegedy (2015). At test time a network uses running averages of μ_B
    and σ_B² instead of batch statistics; that bookkeeping is left to the
    caller.
    """
    Z = np.asarray(Z, dtype=float)
    mu = np.mean(Z, axis=0, keepdims=True)  # éq. 53
    var = np.mean((Z - mu) ** 2, axis=0, keepdims=True)  # éq. 54
    inv_std = 1.0 / np.sqrt(var + eps)
    Z_hat = (Z - mu) * inv_std  # éq. 55
    Z_tilde = gamma * Z_hat + beta  # éq. 56
    cache = {"Z_hat": Z_hat, "inv_std": inv_std, "gamma": np.asarray(gamma, dtype=float), "mu": mu, "var": var}
    return Z_tilde, cache


def batchnorm_backward(dZ_tilde, cache):
    """Backward pass of :func:`batchnorm_forward`.

    Parameters
    ----------
    dZ_tilde : ndarray of shape (m, d)
        Gradient of the loss with respect to Z̃.
    cache : dict
        The cache returned by :func:`batchnorm_forward`.

    Returns
    -------
    dZ : ndarray of shape (m, d)
        Gradient with respect to the input Z.
    dgamma : ndarray of shape (1, d)
    dbeta : ndarray of shape (1, d)

    Notes
    -----
    μ_B and σ_B² depend on every row of Z, so dZ is not just
    γ·inv_std·dZ̃. Differentiating éq. 53-55 through the batch
    statistics gives, with g = γ ⊙ dZ̃ (the gradient with respect to ẑ):

        dZ = inv_std · (g - mean_i(g) - ẑ ⊙ mean_i(g ⊙ ẑ))
    """
    Z_hat, inv_std = cache["Z_hat"], cache["inv_std"]
    dbeta = np.sum(dZ_tilde, axis=0, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_hat, axis=0, keepdims=True)
    g = dZ_tilde * cache["gamma"]
    dZ = inv_std * (
        g - np.mean(g, axis=0, keepdims=True) - Z_hat * np.mean(g * Z_hat, axis=0, keepdims=True)
    )
    return dZ, dgamma, dbeta


class EarlyStopping:
    """Stop training when the validation loss stops improving (§9.4).

    Call :meth:`step` once per epoch with the validation loss.

    Parameters
    ----------
    patience : int
        Number of epochs in a row without improvement before stopping.
    min_delta : float
        A loss counts as an improvement only if it is below the best loss
        minus ``min_delta``.

    Attributes
    ----------
    best_loss : float
        Lowest validation loss so far (inf before the first step).
    best_epoch : int or None
        Index of the epoch that gave it, counting the first call to
        :meth:`step` as epoch 0 (the index in a list of per-epoch losses).
    best_parameters : dict or None
        Deep copy of the parameters passed with the best loss, if any were
        passed: the "checkpoint" of the chapter's listing.
    counter : int
        Epochs since the last improvement.
    n_epochs : int
        Number of calls to :meth:`step` so far.
    """

    def __init__(self, patience=10, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = np.inf
        self.best_epoch = None
        self.best_parameters = None
        self.counter = 0
        self.n_epochs = 0

    def step(self, val_loss, parameters=None):
        """Record one epoch's validation loss.

        Parameters
        ----------
        val_loss : float
            Validation loss of this epoch.
        parameters : dict or None
            Current parameters; deep-copied into ``best_parameters`` when
            the loss improves, so later in-place updates cannot change them.

        Returns
        -------
        bool
            True when training should stop: ``patience`` epochs in a row
            without improvement.
        """
        epoch = self.n_epochs
        self.n_epochs += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = float(val_loss)
            self.best_epoch = epoch
            self.counter = 0
            if parameters is not None:
                self.best_parameters = copy.deepcopy(parameters)
            return False
        self.counter += 1
        return self.counter >= self.patience
