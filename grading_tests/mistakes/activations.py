"""Named mistakes of the activations (éqs. 3-6, §7.5) and of softmax (éq. 9).

Each catalogue is a list of :class:`Mistake` in the order the graders try
them (the first match names the mistake). σ′ and tanh′ taken from z are the
reference derivatives with σ (or tanh) bound to the identity; ReLU as a
Leaky ReLU is the reference with α = 0; softmax's mistakes are
``ref.softmax`` with its ``np.max`` (the shift) or ``np.sum`` (the
normalisation) bound to something else.
"""

import numpy as np

import reference_impl as ref

from . import Mistake, formula, identity, numpy_with, on_inputs, on_output, swapped

__all__ = [
    "SIGMOID",
    "TANH",
    "RELU",
    "LEAKY_RELU",
    "SIGMOID_DERIVATIVE",
    "TANH_DERIVATIVE",
    "RELU_DERIVATIVE",
    "LEAKY_RELU_DERIVATIVE",
    "alpha_ignored",
    "alpha_zero_as_default",
    "SOFTMAX",
    "SOFTMAX_AXIS_1",
    "SHIFTS",
    "WHY_MAX",
    "CATALOGUES",
]


def _exp(z):
    return np.exp(np.clip(z, -700, 700))


def _alpha_zero(z):
    return (z, 0.0)


SIGMOID = [
    Mistake("le signe de l'exposant est inversé : σ(z) = 1 / (1 + e^{-z}) (éq. 3).", on_inputs(ref.sigmoid, lambda z: (-z,)), name="exponent_sign"),
    Mistake("le « 1 + » du dénominateur manque : σ(z) = 1 / (1 + e^{-z}) (éq. 3).", formula(ref.sigmoid, _exp), name="missing_one_plus"),
    Mistake("c'est la dérivée σ'(z), pas σ(z).", formula(ref.sigmoid, ref.sigmoid_derivative), name="returns_derivative"),
]

TANH = [
    Mistake("vous avez calculé σ(z) ; tanh(z) = 2σ(2z) − 1 (éq. 4).", formula(ref.tanh, ref.sigmoid), name="returns_sigmoid"),
    Mistake("vous avez calculé 2σ(z) − 1 ; c'est 2σ(2z) − 1 (éq. 4).", formula(ref.tanh, lambda z: 2 * ref.sigmoid(z) - 1), name="sigmoid_not_doubled"),
    Mistake("le dénominateur e^z + e^{-z} manque (éq. 4).", formula(ref.tanh, lambda z: np.sinh(np.clip(z, -700, 700))), name="missing_denominator"),
    Mistake(
        "c'est tanh(|z|) : le signe de z est perdu (tanh est impaire, tanh(−z) = −tanh(z)).",
        on_inputs(ref.tanh, lambda z: (np.abs(z),)),
        name="tanh_of_abs",
    ),
]

RELU = [
    Mistake("ReLU(z) = max(0, z) (éq. 5), pas |z|.", formula(ref.relu, np.abs), name="absolute_value"),
    Mistake("vous renvoyez min(0, z) ; ReLU(z) = max(0, z) (éq. 5).", formula(ref.relu, lambda z: np.minimum(0, z)), name="minimum"),
    Mistake("c'est la dérivée 𝕀[z > 0], pas ReLU(z).", formula(ref.relu, ref.relu_derivative), name="returns_derivative"),
]

LEAKY_RELU = [
    Mistake("pour z ≤ 0 il faut αz (éq. 6), pas 0 : c'est ReLU.", on_inputs(ref.leaky_relu, _alpha_zero), name="slope_zero"),
    Mistake("pour z ≤ 0 il faut αz, pas α (éq. 6).", formula(ref.leaky_relu, lambda z: np.where(z > 0, z, 0.01)), name="constant_alpha"),
    Mistake(
        "la pente s'applique à z ≤ 0 : z si z > 0, sinon αz (éq. 6).",
        formula(ref.leaky_relu, lambda z: np.where(z > 0, 0.01 * z, z)),
        name="slope_on_positive_side",
    ),
    Mistake(
        "pour z > 0, LeakyReLU(z) = z : la pente α ne s'applique qu'à z ≤ 0 (éq. 6).",
        formula(ref.leaky_relu, lambda z: 0.01 * z),
        name="slope_everywhere",
    ),
]

SIGMOID_DERIVATIVE = [
    Mistake(
        "σ' est calculé à partir de z au lieu de σ(z) : σ'(z) = σ(z)(1 − σ(z)) (§7.5).",
        swapped(ref.sigmoid_derivative, sigmoid=identity),
        near_miss=True,
        name="sigma_from_z",
    ),
    Mistake("vous renvoyez σ(z) et non sa dérivée σ(z)(1 − σ(z)).", formula(ref.sigmoid_derivative, ref.sigmoid), name="returns_sigmoid"),
    Mistake(
        "le facteur (1 − σ(z)) manque : σ'(z) = σ(z)(1 − σ(z)).",
        formula(ref.sigmoid_derivative, lambda z: ref.sigmoid(z) ** 2),
        name="missing_one_minus_sigma",
    ),
    Mistake("signe : σ'(z) = σ(z)(1 − σ(z)) est positif.", on_output(ref.sigmoid_derivative, lambda out, z: -out), name="sign_flipped"),
]

TANH_DERIVATIVE = [
    Mistake(
        "tanh' est calculé à partir de z au lieu de tanh(z) : tanh'(z) = 1 − tanh²(z) (§7.5).",
        swapped(ref.tanh_derivative, np=numpy_with(tanh=identity)),
        near_miss=True,
        name="tanh_from_z",
    ),
    Mistake("le carré manque : tanh'(z) = 1 − tanh²(z).", formula(ref.tanh_derivative, lambda z: 1 - ref.tanh(z)), name="missing_square"),
    Mistake("vous renvoyez tanh(z) et non sa dérivée.", formula(ref.tanh_derivative, ref.tanh), name="returns_tanh"),
    Mistake("vous renvoyez tanh²(z) ; c'est 1 − tanh²(z).", formula(ref.tanh_derivative, lambda z: ref.tanh(z) ** 2), name="returns_tanh_squared"),
]

RELU_DERIVATIVE = [
    Mistake("vous renvoyez ReLU(z) et non sa dérivée 𝕀[z > 0].", formula(ref.relu_derivative, ref.relu), name="returns_relu"),
    Mistake(
        "la comparaison est inversée : ReLU'(z) = 1 là où z > 0.",
        formula(ref.relu_derivative, lambda z: (z < 0).astype(float)),
        name="comparison_reversed",
    ),
    Mistake("ReLU'(z) vaut 1 ou 0 (𝕀[z > 0]), pas z.", formula(ref.relu_derivative, identity), name="returns_z"),
    Mistake(
        "ReLU'(z) = 𝕀[z > 0] : 1 pour z > 0 et 0 sinon, y compris en z = 0 (§7.5).",
        formula(ref.relu_derivative, lambda z: (z >= 0).astype(float)),
        name="one_at_zero",
    ),
]

LEAKY_RELU_DERIVATIVE = [
    Mistake(
        "pour z ≤ 0 la dérivée vaut α, pas 0 : c'est la dérivée de ReLU.",
        on_inputs(ref.leaky_relu_derivative, _alpha_zero),
        name="relu_derivative",
    ),
    Mistake(
        "la dérivée vaut α pour z ≤ 0, pas αz (§7.5).",
        formula(ref.leaky_relu_derivative, lambda z: np.where(z > 0, 1.0, 0.01 * z)),
        name="alpha_times_z",
    ),
    Mistake("vous renvoyez Leaky ReLU(z) et non sa dérivée.", formula(ref.leaky_relu_derivative, ref.leaky_relu), name="returns_leaky_relu"),
    Mistake(
        "LReLU'(z) = 1 si z > 0, α si z ≤ 0 : en z = 0 elle vaut α (§7.5).",
        formula(ref.leaky_relu_derivative, lambda z: np.where(z >= 0, 1.0, 0.01)),
        name="one_at_zero",
    ),
]


def alpha_zero_as_default(reference):
    """alpha = 0 taken for "no alpha given" (``alpha or 0.01``): the default slope comes back."""
    return Mistake(
        "alpha = 0 est une pente permise (Leaky ReLU devient ReLU), mais votre code la remplace par 0.01 : un test "
        "comme « alpha or 0.01 » ou « if not alpha » prend 0 pour une valeur absente. Utilisez alpha tel quel.",
        on_inputs(reference, lambda z, alpha: (z,)),
        name="alpha_zero_as_default",
    )


def alpha_ignored(reference):
    """The Leaky ReLU (or its derivative) called with alpha = 0.2 that keeps α = 0.01."""
    return Mistake(
        "le paramètre alpha est ignoré : utilisez-le au lieu de 0.01.",
        on_inputs(reference, lambda z, alpha: (z,)),
        name="alpha_ignored",
    )


# --- softmax (éq. 9) -------------------------------------------------------------


def _reduce_on(reduce, axis):
    """``np.max`` or ``np.sum`` of the reference, taken over ``axis`` instead."""
    return lambda a, *args, **kwargs: reduce(a, axis=axis, keepdims=True)


def _whole(reduce):
    """``np.max`` or ``np.sum`` of the reference, over the whole array."""
    return lambda a, *args, **kwargs: reduce(a)


def _constant(c):
    return lambda a, *args, **kwargs: c


def _softmax_with(**functions):
    """``ref.softmax`` with some of the numpy functions of its body replaced."""
    return swapped(ref.softmax, np=numpy_with(**functions))


_WHOLE = (
    "vous divisez par la somme de tout le tableau : la somme de l'éq. 9 porte sur chaque ligne "
    "(axis=-1, keepdims=True)."
)

SOFTMAX = [
    Mistake(
        "la normalisation porte sur le mauvais axe : chaque ligne (axis=-1) doit sommer à 1, pas chaque colonne.",
        _softmax_with(max=_reduce_on(np.max, 0), sum=_reduce_on(np.sum, 0)),
        name="wrong_axis",
    ),
    Mistake(_WHOLE, _softmax_with(sum=_whole(np.sum)), name="whole_array_sum"),
    Mistake(_WHOLE, _softmax_with(max=_constant(0.0), sum=_whole(np.sum)), name="whole_array_sum"),
    Mistake("la normalisation manque : divisez e^{z_j} par Σ_k e^{z_k} (éq. 9).", _softmax_with(max=_constant(0.0), sum=_constant(1.0)), name="exp_only"),
    Mistake("la normalisation manque : divisez par la somme de chaque ligne (éq. 9).", _softmax_with(sum=_constant(1.0)), name="no_normalisation"),
    Mistake(
        "le signe de l'exposant est inversé : softmax(z)_j = e^{z_j} / Σ_k e^{z_k} (éq. 9).",
        on_inputs(ref.softmax, lambda Z: (-Z,)),
        name="exponent_sign",
    ),
]

# Tried first on a 3-d Z.
SOFTMAX_AXIS_1 = Mistake(
    "la normalisation doit porter sur le dernier axe (axis=-1), pas sur axis=1.",
    _softmax_with(max=_reduce_on(np.max, 1), sum=_reduce_on(np.sum, 1)),
    name="axis_1",
)

WHY_MAX = (
    "softmax(z − c) = softmax(z) pour toute constante c, mais seul c = max(z) de chaque ligne garantit à la fois "
    "z − c ≤ 0 (e^{z−c} ≤ 1 : pas de débordement) et un terme e^0 = 1 au dénominateur (pas de 0/0)."
)
_NO_SHIFT = (
    "e^{1000} déborde (inf/inf = nan) : soustrayez le maximum de chaque ligne avant exp ; "
    "softmax(z − max z) = softmax(z) (éq. 9)."
)


def _row(statistic):
    return lambda a, *args, **kwargs: statistic(a, axis=-1, keepdims=True)


# Softmax shifted by something else than each row's maximum: ref.softmax
# with its np.max bound to that statistic. The candidates keep the nan/inf
# that the mistake gives. The shift left out altogether comes last, as the
# near-miss of the rubric, written directly or as e^{z − log Σ e^z}: it
# fails on the rows near 1000, checked first, where the others pass.
SHIFTS = [
    Mistake(
        f"vous décalez les scores par c = {what} : un score bien plus grand que c déborde encore "
        f"(e^{{z − c}} = inf), et si tous les scores sont bien plus petits que c, la somme vaut 0 (0/0). {WHY_MAX}",
        _softmax_with(max=shift),
        name=name,
    )
    for name, what, shift in [
        ("row_mean_shift", "la moyenne de chaque ligne", _row(np.mean)),
        ("row_median_shift", "la médiane de chaque ligne", _row(np.median)),
        ("row_min_shift", "le minimum de chaque ligne", _row(np.min)),
        ("first_score_shift", "le premier score de chaque ligne", lambda a, *args, **kwargs: a[..., :1]),
        ("abs_max_shift", "le maximum de |z| de chaque ligne", _row(lambda a, **kw: np.max(np.abs(a), **kw))),
        ("global_max_shift", "le maximum de tout le tableau", _whole(np.max)),
    ]
] + [
    Mistake(_NO_SHIFT, _softmax_with(max=_constant(0.0)), near_miss=True, name="no_max_shift"),
    Mistake(
        _NO_SHIFT,
        _softmax_with(max=_row(lambda a, **kw: np.log(np.sum(np.exp(a), **kw))), sum=_constant(1.0)),
        near_miss=True,
        name="no_max_shift",
    ),
]

# {reference function: its catalogue}, for the tests against drift.
CATALOGUES = {
    ref.sigmoid: SIGMOID,
    ref.tanh: TANH,
    ref.relu: RELU,
    ref.leaky_relu: LEAKY_RELU,
    ref.sigmoid_derivative: SIGMOID_DERIVATIVE,
    ref.tanh_derivative: TANH_DERIVATIVE,
    ref.relu_derivative: RELU_DERIVATIVE,
    ref.leaky_relu_derivative: LEAKY_RELU_DERIVATIVE,
    ref.softmax: SOFTMAX + [SOFTMAX_AXIS_1] + SHIFTS,
}
