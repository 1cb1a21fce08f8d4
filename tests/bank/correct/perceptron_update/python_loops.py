import numpy as np


def perceptron_update(w, b, x_i, y_i, learning_rate):
    score = b
    for j in range(len(w)):
        score += w[j] * x_i[j]
    prediction = 1 if score > 0 else 0
    new_w = np.array([float(v) for v in w])
    if prediction != y_i:
        for j in range(len(w)):
            new_w[j] = w[j] + learning_rate * (y_i - prediction) * x_i[j]
        b = float(b) + learning_rate * (y_i - prediction)
    return new_w, float(b)
