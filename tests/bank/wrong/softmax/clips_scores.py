# feedback: np.clip
import numpy as np


def softmax(Z):
    # Keeps e^z finite, but changes the scores instead of shifting them.
    expZ = np.exp(np.clip(Z, -500, 500))
    return expZ / np.sum(expZ, axis=-1, keepdims=True)
