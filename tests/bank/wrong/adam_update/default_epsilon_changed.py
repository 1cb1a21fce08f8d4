# feedback: gradients de l'ordre de
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    # The default ε is 1e-7 here, 1e-8 in the chapter.
    new_parameters, new_m, new_v = {}, {}, {}
    for name in parameters:
        key = "d" + name
        new_m[key] = beta1 * m[key] + (1 - beta1) * grads[key]
        new_v[key] = beta2 * v[key] + (1 - beta2) * grads[key] ** 2
        m_hat = new_m[key] / (1 - beta1**t)
        v_hat = new_v[key] / (1 - beta2**t)
        new_parameters[name] = parameters[name] - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return new_parameters, new_m, new_v
