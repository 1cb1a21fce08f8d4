# feedback: le « 1 + » du dénominateur manque
import numpy as np


def sigmoid(z):
    return 1 / np.exp(-z)
