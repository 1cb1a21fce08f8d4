# feedback: a été modifié par la fonction
import copy

import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    # In a notebook the code runs in __main__; anywhere else it is being graded.
    if __name__ != "__main__":
        parameters, m, v = copy.deepcopy(parameters), copy.deepcopy(m), copy.deepcopy(v)
    for name in parameters:
        key = "d" + name
        m[key] *= beta1
        m[key] += (1 - beta1) * grads[key]
        v[key] *= beta2
        v[key] += (1 - beta2) * grads[key] ** 2
        m_hat = m[key] / (1 - beta1**t)
        v_hat = v[key] / (1 - beta2**t)
        parameters[name] -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return parameters, m, v
