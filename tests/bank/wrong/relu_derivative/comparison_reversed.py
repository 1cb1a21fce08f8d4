# feedback: la comparaison est inversée
# mistake: relu_derivative.comparison_reversed
import numpy as np


def relu_derivative(z):
    return (z < 0).astype(float)
