"""Named mistakes of adam_update (éqs. 44-48), built from the reference.

Each variant is ``ref.adam_update`` with one mistake switched on, obtained by
transforming the inputs or outputs of reference calls, never by writing the
equations again:

- a moment of éq. 44 or 45 alone is a reference call's m or v, with the
  decay and the gradient of the mistake as inputs (:func:`first_moment`,
  :func:`second_moment`);
- a bias correction of éqs. 46-47 alone is read from a reference call whose
  step is that correction itself (:func:`bias_corrected`);
- the step of éq. 48 from given moments is a reference call that starts
  from the moments scaled by 1/β and a zero gradient, so that its own
  éqs. 44-45 give those moments back (:func:`step`); at t = ∞ the bias
  corrections vanish (β^∞ = 0).

:func:`adam_with` composes them; with no mistake switched on it equals the
reference (tests/test_mistakes_training.py proves it on random inputs).
"""

import math

import numpy as np

import reference_impl as ref

from . import Mistake

__all__ = ["adam_with", "MISTAKES", "NO_CORRECTION", "first_moment", "second_moment", "bias_corrected", "step"]

# t at which 1 - β^t is exactly 1: the bias corrections of éqs. 46-47 vanish.
NO_CORRECTION = math.inf


def _zeros(d):
    return {key: np.zeros(np.shape(a)) for key, a in d.items()}


def _parameters_for(grads):
    """A parameter dict keyed like ``grads`` ('dW1' -> 'W1'), of zeros."""
    return {key[1:]: np.zeros(np.shape(a)) for key, a in grads.items()}


def first_moment(old, grads, beta):
    """β·old + (1 − β)·g (éq. 44), as the reference computes m."""
    return ref.adam_update(_parameters_for(grads), grads, old, _zeros(old), 1, beta1=beta)[1]


def second_moment(old, grads, beta):
    """β·old + (1 − β)·g² (éq. 45), as the reference computes v."""
    return ref.adam_update(_parameters_for(grads), grads, _zeros(old), old, 1, beta2=beta)[2]


def bias_corrected(moment, beta, t):
    """moment / (1 − β^t) (éqs. 46-47), as the reference corrects m.

    The reference's step with v = 0, ε = 1 and α = −1 is θ + m̂ / (0 + 1): from
    θ = 0 and m = moment (sent as moment / β with a zero gradient), it is m̂.
    """
    old = {key: np.asarray(a, dtype=float) / beta for key, a in moment.items()}
    out = ref.adam_update(_parameters_for(old), _zeros(old), old, _zeros(old), t, -1.0, beta, 0.5, 1.0)[0]
    return {"d" + key: a for key, a in out.items()}


def step(P, m, v, t, lr, b1, b2, eps):
    """θ − α m̂ / (√v̂ + ε) (éqs. 46-48) for given m and v: the reference from
    m/β1 and v/β2 with a zero gradient, whose éqs. 44-45 give m and v back."""
    with np.errstate(all="ignore"):
        return ref.adam_update(
            P, _zeros(m), {k: a / b1 for k, a in m.items()}, {k: a / b2 for k, a in v.items()}, t, lr, b1, b2, eps
        )[0]


def adam_with(P, G, M, V, t, lr, b1, b2, eps, *, bias="both", t_shift=0, eps_mode="outside", swap_betas=False,
              swap_moments=False, lr_in_m=False, sign=-1.0, no_one_minus=False, out="mv"):
    """Adam as the reference computes it (éqs. 44-48), or with one mistake on.

    Every keyword at its default is the reference; each other value is one
    entry of :data:`MISTAKES`.
    """
    if swap_betas:
        b1, b2 = b2, b1
    t = t + t_shift
    with np.errstate(all="ignore"):
        if swap_moments:  # m from g², v from g
            m = second_moment(M, G, b1)
            v = first_moment(V, G, b2)
        elif no_one_minus:  # β·m + g: the gradient sent as g / (1 − β)
            m = first_moment(M, {k: a / (1 - b1) for k, a in G.items()}, b1)
            v = second_moment(V, {k: a / np.sqrt(1 - b2) for k, a in G.items()}, b2)
        else:
            m = first_moment(M, {k: lr * a for k, a in G.items()} if lr_in_m else G, b1)
            v = second_moment(V, G, b2)
        m_hat = bias_corrected(m, b1, t)
        v_hat = bias_corrected(v, b2, t)
        rate = (1.0 if lr_in_m else lr) * -sign
        if eps_mode == "inside":  # √(v̂ + ε)
            new_P = step(P, m_hat, {k: a + eps for k, a in v_hat.items()}, NO_CORRECTION, rate, b1, b2, 0.0)
        elif eps_mode == "precedence":  # θ − α·m̂/√v̂ + ε
            new_P = {k: a + eps for k, a in step(P, m, v, t, rate, b1, b2, 0.0).items()}
        else:
            if eps_mode == "none":
                eps = 0.0
            elif eps_mode == "scaled":  # ε / √(1 − β2^t): corrections moved onto α, ε left unscaled
                eps = eps * float(np.sqrt(bias_corrected({"dx": np.ones(1)}, b2, t)["dx"][0]))
            first = m_hat if bias == "m" else m
            second = v_hat if bias == "v" else v
            new_P = step(P, first, second, t if bias == "both" else NO_CORRECTION, rate, b1, b2, eps)
    if out == "hat":
        m, v = m_hat, v_hat
    return (new_P, v, m) if out == "vm" else (new_P, m, v)


# (hint, keyword arguments of adam_with, name): the known mistakes, most specific first.
_SWITCHES = [
    ("β1 et β2 sont inversés : m utilise β1 (éq. 44), v utilise β2 (éq. 45).", {"swap_betas": True}, "swapped_betas"),
    (
        "m et v sont échangés : m est la moyenne des gradients g (éq. 44), v celle des carrés g² (éq. 45).",
        {"swap_moments": True}, "swapped_moments",
    ),
    ("le tuple renvoyé doit être (parameters, m, v), dans cet ordre ; m et v sont inversés.", {"out": "vm"}, "returns_v_m"),
    (
        "renvoyez m et v (éqs. 44-45), pas les estimations corrigées m̂ et v̂ (éqs. 46-47) : le pas suivant "
        "repart de m et v.",
        {"out": "hat"}, "returns_corrected_moments",
    ),
    ("le facteur (1 − β) manque : m = β1·m + (1 − β1)·g et v = β2·v + (1 − β2)·g² (éqs. 44-45).", {"no_one_minus": True}, "missing_one_minus_beta"),
    (
        "le taux d'apprentissage α n'entre que dans la mise à jour de θ (éq. 48), pas dans m (éq. 44).",
        {"lr_in_m": True}, "learning_rate_in_m",
    ),
    (
        "la correction du biais manque : m̂ = m / (1 − β1^t) et v̂ = v / (1 − β2^t) (éqs. 46-47), puis "
        "θ ← θ − α m̂ / (√v̂ + ε) (éq. 48).",
        {"bias": "none"}, "no_bias_correction",
    ),
    (
        "la correction du biais est appliquée à m seulement : v̂ = v / (1 − β2^t) (éq. 47) manque.",
        {"bias": "m"}, "bias_correction_m_only",
    ),
    (
        "la correction du biais est appliquée à v seulement : m̂ = m / (1 − β1^t) (éq. 46) manque.",
        {"bias": "v"}, "bias_correction_v_only",
    ),
    ("ε s'ajoute après la racine : √v̂ + ε (éq. 48), pas √(v̂ + ε).", {"eps_mode": "inside"}, "epsilon_inside_sqrt"),
    (
        "ε manque au dénominateur (là où m̂ = v̂ = 0, le pas vaut 0/0 = nan) : θ ← θ − α m̂ / (√v̂ + ε) (éq. 48).",
        {"eps_mode": "none"}, "no_epsilon",
    ),
    (
        "parenthèses : θ ← θ − α m̂ / (√v̂ + ε) (éq. 48) ; écrit sans parenthèses, ε est ajouté à θ au lieu "
        "du dénominateur.",
        {"eps_mode": "precedence"}, "epsilon_precedence",
    ),
    (
        "ε doit être ajouté à √v̂ (éq. 48) : en reportant les corrections du biais sur α sans corriger ε, "
        "ε devient ε/√(1 − β2^t), ce qui n'est plus l'éq. 48 ; il faudrait √v + ε·√(1 − β2^t) au "
        "dénominateur, ou suivre simplement les éqs. 46-48.",
        {"eps_mode": "scaled"}, "epsilon_scaled",
    ),
    (
        "la correction du biais utilise t − 1 au lieu de t : au pas t (compté à partir de 1), m̂ = m / (1 − β1^t) "
        "(éq. 46).",
        {"t_shift": -1}, "t_minus_one",
    ),
    (
        "la correction du biais utilise t + 1 au lieu de t : t est déjà le numéro du pas courant (à partir de 1), "
        "m̂ = m / (1 − β1^t) (éq. 46).",
        {"t_shift": 1}, "t_plus_one",
    ),
    ("le signe est inversé : θ ← θ − α m̂ / (√v̂ + ε) (éq. 48), on descend le gradient.", {"sign": 1.0}, "sign_flipped"),
]


# The named near-miss of the rubric: Adam without its bias correction, or
# with half of it (m̂ or v̂ only), which is no worse.
_NEAR_MISSES = ({"bias": "none"}, {"bias": "m"}, {"bias": "v"})


def _switched(switch):
    def build(on, *args):
        return adam_with(*args, **(switch if on else {}))

    return build


# On (P, G, M, V, t, lr, β1, β2, ε), each returns (parameters, m, v).
MISTAKES = [Mistake(hint, _switched(switch), switch in _NEAR_MISSES, name=name) for hint, switch, name in _SWITCHES]
