import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    # Bias corrections moved onto scalars, ε scaled back: eq. 48 exactly.
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    new_parameters, new_m, new_v = {}, {}, {}
    for name in parameters:
        g = np.asarray(grads["d" + name], dtype=np.float32)
        m_t = beta1 * np.asarray(m["d" + name], dtype=np.float32) + (1 - beta1) * g
        v_t = beta2 * np.asarray(v["d" + name], dtype=np.float32) + (1 - beta2) * g * g
        step = learning_rate * np.sqrt(c2) / c1
        new_parameters[name] = (parameters[name] - step * m_t / (np.sqrt(v_t) + epsilon * np.sqrt(c2))).astype(np.float32)
        new_m["d" + name], new_v["d" + name] = m_t.astype(np.float32), v_t.astype(np.float32)
    return new_parameters, new_m, new_v
