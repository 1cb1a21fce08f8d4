# feedback: c'est la dérivée
import numpy as np


def relu(z):
    return (z > 0).astype(float)
