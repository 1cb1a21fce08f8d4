"""Named mistakes of the perceptron learning rule (Algorithm 1, lines 4-8).

Each mistake is ``ref.perceptron_update`` with one thing changed, on the
arguments ``(w, b, x_i, y_i, learning_rate)``, and returns ``(w, b)``:

- another step size (−α for the sign, 1 for a forgotten α);
- another error term e in place of y − ŷ: the reference is handed the label
  ŷ + e, so that its own y − ŷ is e (the ≥ of éq. 1, the score instead of
  ŷ, np.sign…);
- one of w and b left as it was.
"""

import numpy as np

import reference_impl as ref
from reference_impl.perceptron import Perceptron

from . import Mistake, on_inputs, on_output

__all__ = ["MISTAKES", "prediction", "score"]


def score(w, b, x):
    """w·x + b, the left side of éq. 2."""
    return float(np.dot(w, x) + b)


def prediction(w, b, x):
    """ŷ = 𝕀[w·x + b > 0] (éq. 1), as the reference's Perceptron predicts it."""
    model = Perceptron()
    model.w, model.b = np.asarray(w, dtype=float), float(b)
    return int(model.predict(np.asarray(x, dtype=float).reshape(1, -1))[0])


def _error(term):
    """The arguments that make the reference's y − ŷ equal ``term(w, b, x, y)``."""

    def change(w, b, x, y, lr):
        return w, b, x, prediction(w, b, x) + term(w, b, x, y), lr

    return change


def _rate(rate):
    return lambda w, b, x, y, lr: (w, b, x, y, rate(lr))


def _mistaken(w, b, x, y):
    """w += α·y·x on a mistake only: the rule written for y ∈ {−1, 1}."""
    return y if prediction(w, b, x) != y else 0


def _alpha_missing_in_b(result, w, b, x, y, lr):
    return result[0], ref.perceptron_update(w, b, x, y, 1.0)[1]


MISTAKES = [
    Mistake(
        "la prédiction est ŷ = 𝕀[w·x + b > 0] (éq. 1) : en w·x + b = 0 exactement, ŷ = 0 ; "
        "une comparaison ≥ 0 prédit 1 sur l'hyperplan.",
        on_inputs(ref.perceptron_update, _error(lambda w, b, x, y: y - (1 if score(w, b, x) >= 0 else 0))),
        name="predicts_one_on_hyperplane",
    ),
    Mistake(
        "le signe de la mise à jour est inversé : w ← w + α(y − ŷ)x et b ← b + α(y − ŷ) (lignes 6-7).",
        on_inputs(ref.perceptron_update, _rate(lambda lr: -lr)),
        name="update_sign_flipped",
    ),
    Mistake(
        "le taux d'apprentissage α manque : w ← w + α(y − ŷ)x, b ← b + α(y − ŷ) (lignes 6-7).",
        on_inputs(ref.perceptron_update, _rate(lambda lr: 1.0)),
        name="missing_learning_rate",
    ),
    Mistake(
        "le taux d'apprentissage α manque dans la mise à jour de b : b ← b + α(y − ŷ) (ligne 7).",
        on_output(ref.perceptron_update, _alpha_missing_in_b),
        name="missing_learning_rate_in_b",
    ),
    Mistake(
        "le biais n'est pas mis à jour : b ← b + α(y − ŷ) (ligne 7).",
        on_output(ref.perceptron_update, lambda result, w, b, *_: (result[0], b)),
        name="bias_not_updated",
    ),
    Mistake(
        "w n'est pas mis à jour : w ← w + α(y − ŷ)x (ligne 6).",
        on_output(ref.perceptron_update, lambda result, w, *_: (w, result[1])),
        name="weights_not_updated",
    ),
    Mistake(
        "avec y ∈ {0, 1}, la règle w ← w + α·y·x (écrite pour y ∈ {−1, 1}) ne corrige jamais une erreur "
        "sur un exemple y = 0 ; utilisez α(y − ŷ) (lignes 6-7).",
        on_inputs(ref.perceptron_update, _error(_mistaken)),
        name="rule_for_signed_labels",
    ),
    Mistake(
        "ŷ est la prédiction seuillée 𝕀[w·x + b > 0] (ligne 4), qui vaut 0 ou 1, pas le score w·x + b.",
        on_inputs(ref.perceptron_update, _error(lambda w, b, x, y: y - score(w, b, x))),
        name="score_not_thresholded",
    ),
    Mistake(
        "ŷ vaut 0 ou 1 (éq. 1) : np.sign(w·x + b) donne −1 pour un score négatif, ce qui déclenche "
        "une mise à jour sur un exemple y = 0 bien classé.",
        on_inputs(ref.perceptron_update, _error(lambda w, b, x, y: y - float(np.sign(score(w, b, x))))),
        name="sign_prediction",
    ),
    Mistake(
        "w et b ne doivent changer que si la prédiction est fausse (ŷ ≠ y, ligne 5) ; "
        "ici ils changent à chaque exemple.",
        on_inputs(ref.perceptron_update, _error(lambda w, b, x, y: 2 * y - 1)),
        name="updates_every_example",
    ),
]
