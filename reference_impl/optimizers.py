"""Optimisers (chapter 06, §8.1).

Each update is a pure function of the chapter's equations. All of them take
``parameters``, a dict of ``W{l}`` (d_l, d_{l-1}) and ``b{l}`` (1, d_l)
arrays, and ``grads``, the gradients keyed ``dW{l}``, ``db{l}`` with the same
shapes; moment estimates are keyed like ``grads``. They return new dicts of
new arrays and leave their arguments (dicts, arrays, entries) untouched.

For training loops, ``OPTIMIZERS`` maps a name to a class with the same maths and one
interface, ``opt = OPTIMIZERS[name](parameters, learning_rate)`` then
``opt.step(grads)``, so a loop looks an optimiser up instead of branching on
its name.
"""

import math

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
        parameter; the velocity of éq. 42, or m and v of éq. 44-45.
    """
    return {"d" + name: np.zeros(np.shape(theta)) for name, theta in parameters.items()}


def sgd_update(parameters, grads, learning_rate):
    """One (mini-batch) stochastic gradient descent step (éq. 41).

    ``learning_rate`` is α; returns the new parameters θ - α ∇L.
    """
    # éq. 41
    return {name: theta - learning_rate * grads["d" + name] for name, theta in parameters.items()}


def momentum_update(parameters, grads, velocity, learning_rate, beta=0.9):
    """One SGD step with momentum (éq. 42-43).

    ``velocity`` is v_{t-1}, zeros before the first step (see
    :func:`initialize_moments`); ``learning_rate`` is α and ``beta`` β, the
    decay of the velocity. Returns the new parameters and velocity.

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
    """One Adam step (éq. 44-48).

    ``m`` and ``v`` are the first and second moment estimates, zeros before
    the first step; ``t`` the step number, from 1 (for the bias
    corrections); ``learning_rate``, ``beta1``, ``beta2``, ``epsilon`` are
    α, β1, β2 and ε of éq. 44-48. Returns the new parameters, m and v.

    Notes
    -----
    ε is added to sqrt(v̂) outside the square root, as in éq. 48 and Kingma
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
# training loop. The pure functions above allocate about a dozen new arrays
# per parameter and step, which on a small network costs more than the
# forward and backward passes together. The classes keep all the parameters
# in one flat float64 buffer and update it in place through scratch buffers:
# a step is a dozen numpy calls on the whole network instead of a dozen per
# parameter, and allocates nothing. Each class does the operations of its
# pure function in the same order on the same values, so both give the same
# bits; the tests check it. (Calling the pure function on the flat buffer
# instead would share its very code, but its temporaries of the whole
# network's size make a step about four times slower than the class's.)


class _InPlaceOptimizer:
    """Base class: the parameters in one flat buffer, ``parameters`` as views
    of it by name, the gradients gathered into a second buffer, a scratch
    buffer, a step counter, and ``_update`` on the flat buffers."""

    def __init__(self, parameters, learning_rate):
        self._shapes = {name: np.shape(theta) for name, theta in parameters.items()}
        self._theta = np.concatenate([np.ravel(np.asarray(theta, dtype=float)) for theta in parameters.values()])
        self.parameters = self._views(self._theta, prefix="")
        self.learning_rate = learning_rate
        self.t = 0
        self._grad = np.empty_like(self._theta)
        self._scratch = np.empty_like(self._theta)

    def _views(self, flat, prefix):
        """``flat`` cut into arrays of the parameters' shapes, keyed ``prefix + name``."""
        views, start = {}, 0
        for name, shape in self._shapes.items():
            stop = start + math.prod(shape)
            views[prefix + name] = flat[start:stop].reshape(shape)
            start = stop
        return views

    def _moments(self):
        """Zero moment estimates: one flat buffer, and its views keyed like the gradients."""
        flat = np.zeros_like(self._theta)
        return flat, self._views(flat, prefix="d")

    def step(self, grads):
        """Apply one update to ``self.parameters``, in place.

        Parameters
        ----------
        grads : dict
            ``dW{l}``, ``db{l}``, same shapes as the parameters; not modified.
        """
        self.t += 1
        np.concatenate([np.ravel(grads["d" + name]) for name in self._shapes], out=self._grad)
        self._update(self._theta, self._grad, self._scratch)

    def _update(self, theta, g, scratch):
        raise NotImplementedError


class SGD(_InPlaceOptimizer):
    """Stateful, in-place form of :func:`sgd_update` (éq. 41).

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

    def _update(self, theta, g, scratch):
        theta -= np.multiply(self.learning_rate, g, out=scratch)  # éq. 41


class Momentum(_InPlaceOptimizer):
    """Stateful, in-place form of :func:`momentum_update` (éq. 42-43).

    Parameters are those of :class:`SGD`, and ``beta`` (β); the attributes
    too, and ``velocity`` (v, keyed ``dW{l}``, ``db{l}``). The chapter's
    form v = βv + (1 - β)g, as in :func:`momentum_update`.
    """

    def __init__(self, parameters, learning_rate, beta=0.9):
        super().__init__(parameters, learning_rate)
        self.beta = beta
        self._velocity, self.velocity = self._moments()

    def _update(self, theta, g, scratch):
        v = self._velocity
        v *= self.beta
        v += np.multiply(1 - self.beta, g, out=scratch)  # éq. 42
        theta -= np.multiply(self.learning_rate, v, out=scratch)  # éq. 43


class Adam(_InPlaceOptimizer):
    """Stateful, in-place form of :func:`adam_update` (éq. 44-48).

    Parameters are those of :class:`SGD`, and ``beta1``, ``beta2``,
    ``epsilon`` (β1, β2, ε of éq. 44-48); the attributes too, and ``m``,
    ``v`` (the moment estimates, keyed ``dW{l}``, ``db{l}``), with ``t`` the
    t of the bias corrections. ε is outside the square root, as in
    :func:`adam_update`. This is not scikit-learn's variant: its
    ``AdamOptimizer`` moves the bias corrections onto the step size and
    leaves ε unscaled, which amounts to ε / sqrt(1 - β2^t) in éq. 48.
    """

    def __init__(self, parameters, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(parameters, learning_rate)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self._m, self.m = self._moments()
        self._v, self.v = self._moments()
        self._step = np.empty_like(self._theta)

    def _update(self, theta, g, scratch):
        m, v, step = self._m, self._v, self._step
        m *= self.beta1
        m += np.multiply(1 - self.beta1, g, out=scratch)  # éq. 44
        v *= self.beta2
        np.multiply(g, g, out=scratch)
        scratch *= 1 - self.beta2
        v += scratch  # éq. 45
        np.divide(v, 1 - self.beta2**self.t, out=scratch)  # v̂, éq. 47
        np.sqrt(scratch, out=scratch)
        scratch += self.epsilon
        np.divide(m, 1 - self.beta1**self.t, out=step)  # m̂, éq. 46
        step *= self.learning_rate
        step /= scratch
        theta -= step  # éq. 48


# Looked up by name by training loops: OPTIMIZERS[name](parameters, learning_rate).
OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
