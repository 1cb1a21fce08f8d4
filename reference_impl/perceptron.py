"""The perceptron (chapter 06, §2)."""

import numpy as np

__all__ = ["perceptron_update", "Perceptron"]


def perceptron_update(w, b, x_i, y_i, learning_rate):
    """One step of the perceptron learning rule (Algorithm 1, lines 4-8).

    Parameters
    ----------
    w : ndarray of shape (d,), float
        Current weights: the state, np.zeros(d) at line 1, then what the
        previous step returned.
    b : float
        Current bias.
    x_i : ndarray of shape (d,), integers or floats
        One example, a row of the data.
    y_i : int or numpy integer
        Its label, 0 or 1 (``zip(X, y)`` yields numpy integers).
    learning_rate : float
        The step size α.

    Returns
    -------
    w : ndarray of shape (d,), float64
        Updated weights (a new array; the input is left untouched), never
        truncated to integers, even for an integer x_i.
    b : float
        Updated bias.

    Notes
    -----
    The prediction is ``1 if w·x + b > 0 else 0`` (éq. 1): a point exactly on
    the hyperplane is predicted 0. The weights only move on a mistake.
    """
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    update = learning_rate * (y_i - y_hat)  # 0 when the prediction is right
    w = np.asarray(w, dtype=float) + update * np.asarray(x_i, dtype=float)
    b = float(b) + update
    return w, b


class Perceptron:
    """Rosenblatt's perceptron trained with Algorithm 1 (Listing 1).

    Parameters
    ----------
    learning_rate : float
        The step size α.
    n_epochs : int
        Maximum number of passes over the data (T in Algorithm 1).

    Attributes
    ----------
    w : ndarray of shape (d,)
        Weights, after :meth:`fit`.
    b : float
        Bias, after :meth:`fit`.
    errors_ : list of int
        Number of mistakes (updates) in each epoch, to plot convergence: it
        reaches 0 on linearly separable data and never does on XOR.
    n_epochs_ : int
        Number of epochs actually run.
    """

    def __init__(self, learning_rate=0.01, n_epochs=100):
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.w = None
        self.b = 0.0

    def fit(self, X, y):
        """Learn w and b with Algorithm 1.

        Parameters
        ----------
        X : array_like of shape (n, d)
            Training examples, one per row; visited in this order.
        y : array_like of shape (n,)
            Labels, 0 or 1.

        Returns
        -------
        self

        Notes
        -----
        Training starts from w = 0, b = 0 (line 1) and stops early after the
        first epoch without a mistake: from then on Algorithm 1 would leave
        w and b unchanged, so the result is the same as running all T epochs.
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        w, b = np.zeros(X.shape[1]), 0.0
        self.errors_ = []
        for _ in range(self.n_epochs):
            mistakes = 0
            for x_i, y_i in zip(X, y):
                mistakes += int((np.dot(w, x_i) + b > 0) != y_i)  # éq. 1, line 5
                w, b = perceptron_update(w, b, x_i, y_i, self.learning_rate)
            self.errors_.append(mistakes)
            if mistakes == 0:
                break
        self.w, self.b = w, b
        self.n_epochs_ = len(self.errors_)
        return self

    def decision_function(self, X):
        """Signed score w·x + b of each row of X (n, d), the left side of
        éq. 2: float64, shape (n,), positive on the side predicted as class 1."""
        return np.asarray(X, dtype=float) @ self.w + self.b

    def predict(self, X):
        """Predicted labels of the rows of X (n, d), 1 if w·x + b > 0 else 0
        (éq. 1): ints, shape (n,)."""
        return (self.decision_function(X) > 0).astype(int)
