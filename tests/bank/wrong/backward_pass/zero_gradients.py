# feedback: la sortie est nulle partout
# credit: no_work
# mistake: -
import numpy as np


def backward_pass(y_true, cache, parameters):
    return {f"d{name}": np.zeros_like(theta) for name, theta in parameters.items()}
