# feedback: aux valeurs extrêmes
import numpy as np


def sigmoid(z):
    # Clipped to keep exp finite; σ(±10) is not yet 0 or 1, so σ(50) comes out as σ(10).
    z = np.clip(np.asarray(z, dtype=float), -10, 10)
    return 1 / (1 + np.exp(-z))
