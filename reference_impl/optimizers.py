"""Optimisers (chapter 06, §8.1).

Each update is a pure function of the chapter's equations. For training
loops, ``OPTIMIZERS`` maps a name to a class with the same maths and one
interface, ``opt = OPTIMIZERS[name](parameters, learning_rate)`` then
``opt.step(grads)``, so a loop looks an optimiser up instead of branching on
its name.
"""

import numpy as np

__all__ = [
    "sgd_update",
    "momentum_update",
    "adam_update",
    "initialize_moments",
    "SGD",
    "Momentum",
    "Adam",
    "OPTIMIZERS",
]


def initialize_moments(parameters):
    """Zero moment estimates, keyed like the gradients.

    Parameters
    ----------
    parameters : dict
        ``W{l}``, ``b{l}`` arrays.

    Returns
    -------
    dict
        ``dW{l}``, ``db{l}`` : float64 zeros of the shape of the matching
        parameter; the velocity of eq. 42, or m and v of eqs. 44-45.
    """
    return {"d" + name: np.zeros(np.shape(theta)) for name, theta in parameters.items()}


def sgd_update(parameters, grads, learning_rate):
    """One (mini-batch) stochastic gradient descent step (eq. 41).

    Parameters
    ----------
    parameters : dict
        ``W{l}`` of shape (d_l, d_{l-1}), ``b{l}`` of shape (1, d_l).
    grads : dict
        ``dW{l}``, ``db{l}``, same shapes as the parameters.
    learning_rate : float
        α.

    Returns
    -------
    parameters : dict
        A new dict of new arrays θ - α ∇L; the inputs are left untouched.
    """
    # éq. 41
    return {name: theta - learning_rate * grads["d" + name] for name, theta in parameters.items()}


def momentum_update(parameters, grads, velocity, learning_rate, beta=0.9):
    """One SGD step with momentum (eqs. 42-43).

    Parameters
    ----------
    parameters : dict
        ``W{l}``, ``b{l}`` arrays.
    grads : dict
        ``dW{l}``, ``db{l}``, same shapes as the parameters.
    velocity : dict
        v_{t-1}, keyed like ``grads``; zeros before the first step (see
        :func:`initialize_moments`).
    learning_rate : float
        α.
    beta : float
        β, the decay of the velocity.

    Returns
    -------
    parameters, velocity : dict
        New dicts of new arrays; the inputs are left untouched.

    Notes
    -----
    This is the chapter's form, an exponential moving average of the
    gradients: v = βv + (1 - β)∇L. The "classical" form v = βv + ∇L
    (PyTorch, Sutskever et al. 2013) takes steps 1/(1 - β) = 10 times larger
    for β = 0.9, so the same α does not transfer between the two.
    """
    new_parameters, new_velocity = {}, {}
    for name, theta in parameters.items():
        key = "d" + name
        new_velocity[key] = beta * velocity[key] + (1 - beta) * grads[key]  # éq. 42
        new_parameters[name] = theta - learning_rate * new_velocity[key]  # éq. 43
    return new_parameters, new_velocity


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step (eqs. 44-48).

    Parameters
    ----------
    parameters : dict
        ``W{l}``, ``b{l}`` arrays.
    grads : dict
        ``dW{l}``, ``db{l}``, same shapes as the parameters.
    m, v : dict
        First and second moment estimates, keyed like ``grads``; zeros
        before the first step.
    t : int
        Step number, starting at 1 (used by the bias correction).
    learning_rate, beta1, beta2, epsilon : float
        α, β1, β2 and ε of eq. 48.

    Returns
    -------
    parameters, m, v : dict
        New dicts of new arrays; the arguments (parameters, grads, m, v, their
        arrays and their entries) are left untouched.

    Notes
    -----
    ε is added to sqrt(v̂) outside the square root, as in eq. 48 and Kingma
    & Ba (2014), not inside it. Moving the bias corrections onto the step
    size, α_t = α sqrt(1 - β2^t) / (1 - β1^t) (Kingma & Ba's "efficient"
    form), gives the same step only with ε scaled too:
    α_t m / (sqrt(v) + ε sqrt(1 - β2^t)).
    """
    new_parameters, new_m, new_v = {}, {}, {}
    for name, theta in parameters.items():
        g = grads["d" + name]
        new_m["d" + name] = beta1 * m["d" + name] + (1 - beta1) * g  # éq. 44
        new_v["d" + name] = beta2 * v["d" + name] + (1 - beta2) * g**2  # éq. 45
        m_hat = new_m["d" + name] / (1 - beta1**t)  # éq. 46
        v_hat = new_v["d" + name] / (1 - beta2**t)  # éq. 47
        new_parameters[name] = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)  # éq. 48
    return new_parameters, new_m, new_v


# The classes below are the stateful form of the same three updates, for a
# training loop. Each owns private float64 copies of the parameters and of its
# moments and updates them in place through scratch buffers, so a step
# allocates nothing: the pure functions above allocate about a dozen new
# arrays per parameter and step, which on a small network costs more than
# the forward and backward passes together. The tests check both forms agree.


class _InPlaceOptimizer:
    """Base class: private parameter copies, a scratch buffer per parameter,
    a step counter, and a loop over the parameters calling ``_update``."""

    def __init__(self, parameters, learning_rate):
        self.parameters = {name: np.array(theta, dtype=float) for name, theta in parameters.items()}
        self.learning_rate = learning_rate
        self.t = 0
        self._scratch = {name: np.empty_like(theta) for name, theta in self.parameters.items()}

    def step(self, grads):
        """Apply one update to ``self.parameters``, in place.

        Parameters
        ----------
        grads : dict
            ``dW{l}``, ``db{l}``, same shapes as the parameters; not modified.
        """
        self.t += 1
        for name, theta in self.parameters.items():
            self._update(name, theta, grads["d" + name], self._scratch[name])

    def _update(self, name, theta, g, scratch):
        raise NotImplementedError


class SGD(_InPlaceOptimizer):
    """Stateful, in-place form of :func:`sgd_update` (eq. 41).

    Parameters
    ----------
    parameters : dict
        ``W{l}``, ``b{l}`` arrays; copied, never modified.
    learning_rate : float
        α.

    Attributes
    ----------
    parameters : dict
        Private float64 copies, updated in place by :meth:`step`.
    t : int
        Number of steps taken.
    """

    def _update(self, name, theta, g, scratch):
        theta -= np.multiply(g, self.learning_rate, out=scratch)  # éq. 41


class Momentum(_InPlaceOptimizer):
    """Stateful, in-place form of :func:`momentum_update` (eqs. 42-43).

    Parameters
    ----------
    parameters : dict
        ``W{l}``, ``b{l}`` arrays; copied, never modified.
    learning_rate : float
        α.
    beta : float
        β.

    Attributes
    ----------
    parameters : dict
        Private float64 copies, updated in place by :meth:`step`.
    velocity : dict
        v, keyed ``dW{l}``, ``db{l}``.
    t : int
        Number of steps taken.

    Notes
    -----
    The chapter's form v = βv + (1 - β)g, as in :func:`momentum_update`.
    """

    def __init__(self, parameters, learning_rate, beta=0.9):
        super().__init__(parameters, learning_rate)
        self.beta = beta
        self.velocity = initialize_moments(self.parameters)

    def _update(self, name, theta, g, scratch):
        v = self.velocity["d" + name]
        v *= self.beta
        v += np.multiply(g, 1 - self.beta, out=scratch)  # éq. 42
        theta -= np.multiply(v, self.learning_rate, out=scratch)  # éq. 43


class Adam(_InPlaceOptimizer):
    """Stateful, in-place form of :func:`adam_update` (eqs. 44-48).

    Parameters
    ----------
    parameters : dict
        ``W{l}``, ``b{l}`` arrays; copied, never modified.
    learning_rate, beta1, beta2, epsilon : float
        α, β1, β2 and ε of eqs. 44-48.

    Attributes
    ----------
    parameters : dict
        Private float64 copies, updated in place by :meth:`step`.
    m, v : dict
        Moment estimates, keyed ``dW{l}``, ``db{l}``.
    t : int
        Number of steps taken, the t of the bias corrections.

    Notes
    -----
    ε is outside the square root, as in :func:`adam_update`. The bias
    corrections are applied to scalars instead of arrays, which gives the
    same value as eq. 48 up to rounding. This is not scikit-learn's variant:
    its ``AdamOptimizer`` also moves them onto the step size but leaves ε
    unscaled, which amounts to ε / sqrt(1 - β2^t) in eq. 48.
    """

    def __init__(self, parameters, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(parameters, learning_rate)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.m = initialize_moments(self.parameters)
        self.v = initialize_moments(self.parameters)

    def _update(self, name, theta, g, scratch):
        m, v = self.m["d" + name], self.v["d" + name]
        m *= self.beta1
        m += np.multiply(g, 1 - self.beta1, out=scratch)  # éq. 44
        v *= self.beta2
        np.multiply(g, g, out=scratch)
        scratch *= 1 - self.beta2
        v += scratch  # éq. 45
        # éqs. 46-48 with c1 = 1 - β1^t and c2 = 1 - β2^t on scalars (one
        # pass less over the array): α m̂ / (sqrt(v̂) + ε)
        #   = (α sqrt(c2) / c1) · m / (sqrt(v) + ε sqrt(c2))
        sqrt_c2 = np.sqrt(1 - self.beta2**self.t)
        np.sqrt(v, out=scratch)
        scratch += self.epsilon * sqrt_c2
        np.divide(m, scratch, out=scratch)
        scratch *= self.learning_rate * sqrt_c2 / (1 - self.beta1**self.t)
        theta -= scratch


# Looked up by name by training loops: OPTIMIZERS[name](parameters, learning_rate).
OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
