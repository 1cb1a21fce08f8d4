# feedback: un état d'un appel à l'autre
import numpy as np

_step = {"t": 0}


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    # The step counted here, one more at every call, instead of the argument t.
    _step["t"] += 1
    t = _step["t"]
    new_parameters, new_m, new_v = {}, {}, {}
    for name in parameters:
        key = "d" + name
        new_m[key] = beta1 * m[key] + (1 - beta1) * grads[key]
        new_v[key] = beta2 * v[key] + (1 - beta2) * grads[key] ** 2
        m_hat = new_m[key] / (1 - beta1**t)
        v_hat = new_v[key] / (1 - beta2**t)
        new_parameters[name] = parameters[name] - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return new_parameters, new_m, new_v
