# feedback: softmax(Z) pour Z de forme
import numpy as np


def softmax(Z):
    # One softmax per Z[i]: right for a batch (m, K) only.
    out = np.empty(Z.shape)
    for i in range(Z.shape[0]):
        e = np.exp(Z[i] - np.max(Z[i]))
        out[i] = e / np.sum(e)
    return out
