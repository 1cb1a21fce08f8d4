# feedback: la sortie est nulle partout
# credit: no_work
# mistake: -
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    zeros = lambda d: {k: np.zeros_like(a) for k, a in d.items()}  # noqa: E731
    return zeros(parameters), zeros(m), zeros(v)
