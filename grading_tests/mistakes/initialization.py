"""Named mistakes of initialize_parameters (He, éq. 50), built from the reference.

The weights are random, so a mistake is named by the law its weights follow:
a standard deviation (:data:`STD_MISTAKES`, each σ read from
``ref.initialize_parameters`` or ``initialize_parameters_xavier`` drawn
with a generator whose normal draws are all 1, so that W holds σ itself)
and a shape of law (:func:`law`: normal, uniform, truncated, heavy-tailed).
"""

import numpy as np

import reference_impl as ref
from reference_impl.initialization import initialize_parameters_xavier

from . import Mistake, formula, on_inputs, on_output

__all__ = ["he_std", "xavier_std", "STD_MISTAKES", "std_rules", "law", "chi2_limit", "NORMAL_WITHIN"]


class _Ones(np.random.Generator):
    """A generator whose normal draws are all 1: W = 1 · σ shows the σ of the law."""

    def __init__(self):
        super().__init__(np.random.PCG64(0))

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return np.ones(size)


def he_std(d_in, d_out):
    """σ of the reference's W for a layer d_in → d_out: √(2 / d_in) (éq. 50)."""
    return float(ref.initialize_parameters([d_in, d_out], seed=_Ones())["W1"][0, 0])


def xavier_std(d_in, d_out):
    """σ of Xavier's W for a layer d_in → d_out: √(2 / (d_in + d_out)) (éq. 49)."""
    return float(initialize_parameters_xavier([d_in, d_out], seed=_Ones())["W1"][0, 0])


def chi2_limit(df, z_stat):
    """The χ² value with the tail of ``z_stat`` standard errors (Wilson–Hilferty)."""
    a = 2.0 / (9.0 * df)
    return df * (1.0 - a + z_stat * np.sqrt(a)) ** 3


# Fractions of a normal law within 1σ and 2σ of its mean. A uniform law of the
# same variance puts 57.7 % within 1σ and 100 % within 2σ.
NORMAL_WITHIN = {1: 0.6826894921370859, 2: 0.9544997361036416}
# A uniform law of standard deviation σ lies within ±√3 σ: its largest
# standardised draw is √3 up to the error on σ (under 2 % for 3000 draws),
# while the largest of 3000 normal draws exceeds 3.
UNIFORM_BOUND = np.sqrt(3.0) * 1.1
# Fraction of a normal law beyond 3σ, and the number of weights it must
# predict there before "none beyond 3σ" is evidence of a bounded law: with
# 30 expected, seeing none has probability e^-30 ≈ 1e-13. Every run has at
# least 9 000 + 9 000 + 3 000 weights, about 57 of them expected beyond 3σ.
NORMAL_BEYOND_3 = 0.0026997960632601866
MIN_EXPECTED_TAIL = 30


def _scaled(factor):
    return on_output(he_std, lambda sigma, d_in, d_out: sigma * factor)


# On (d_in, d_out), each gives the σ of its weights; with the law their
# draws follow ("normal" or "uniform"), which must be seen too before the
# hint names the mistake.
STD_MISTAKES = [
    (
        Mistake(
            "l'écart-type utilise d_l (nombre de sorties, fan-out) ; He utilise d_{l-1}, le nombre d'entrées "
            "de la couche (fan-in) : np.sqrt(2 / d_{l-1}) (éq. 50).",
            on_inputs(he_std, lambda d_in, d_out: (d_out, d_in)),
            name="fan_out",
        ),
        "normal",
    ),
    (
        Mistake(
            "c'est l'initialisation de Xavier (éq. 49) ; He utilise la variance 2 / d_{l-1} (éq. 50).",
            formula(he_std, xavier_std),
            name="xavier",
        ),
        "normal",
    ),
    (
        Mistake(
            "2 / d_{l-1} est la variance ; l'écart-type qui multiplie randn est sa racine, np.sqrt(2 / d_{l-1}) (éq. 50).",
            on_output(he_std, lambda sigma, d_in, d_out: sigma**2),
            name="variance_as_std",
        ),
        "normal",
    ),
    (
        Mistake(
            "les tirages de randn (écart-type 1) doivent être multipliés par np.sqrt(2 / d_{l-1}) (éq. 50).",
            formula(he_std, lambda d_in, d_out: 1.0),
            name="unscaled_randn",
        ),
        "normal",
    ),
    (
        Mistake(
            "le facteur 2 manque : la variance de He est 2 / d_{l-1} (éq. 50), pas 1 / d_{l-1} (celle de LeCun).",
            on_inputs(he_std, lambda d_in, d_out: (2 * d_in, d_out)),
            near_miss=True,
            name="lecun_variance",
        ),
        "normal",
    ),
    (
        Mistake(
            "np.random.rand(...) - 0.5 suit une loi uniforme (écart-type 1/√12) ; il faut la loi normale "
            "np.random.randn (ou rng.standard_normal) fois np.sqrt(2 / d_{l-1}) (éq. 50).",
            _scaled(1 / np.sqrt(12.0)),
            name="uniform_centred",
        ),
        "uniform",
    ),
    (
        Mistake(
            "2·np.random.rand(...) - 1 suit une loi uniforme (écart-type 1/√3) ; il faut la loi normale "
            "np.random.randn (ou rng.standard_normal) fois np.sqrt(2 / d_{l-1}) (éq. 50).",
            _scaled(1 / np.sqrt(3.0)),
            name="uniform_symmetric",
        ),
        "uniform",
    ),
]


def std_rules(d_in, d_out):
    """(hint, σ, law, near_miss) that the known mistakes give for one layer."""
    return [(mistake.hint, mistake(d_in, d_out), law, mistake.near_miss) for mistake, law in STD_MISTAKES]


def law(arrays, stds, z_stat):
    """What the standardised weights look like: (name, message, hint).

    ``name`` is "normal" when the fractions within 1σ and 2σ are those of a
    normal law; else "uniform" when the weights are bounded at √3 σ with a
    flat histogram, "bounded" when none lies beyond 3σ although a normal law
    puts 0.27 % there (a truncated or clipped normal law), "heavy" for tails
    heavier than a normal law's, "other" otherwise. The message describes
    what was seen; the hint names a law only on that evidence.
    """
    z = np.concatenate([np.asarray(W, dtype=float).ravel() / stds[l] for l, (W, _) in arrays.items()])
    total = z.size
    a = np.abs(z)
    # The fractions within 1σ and 2σ, then the one beyond 3σ: a law clipped at
    # 2σ can pass the first two on a few thousand weights, never the tail.
    for k, p in [*NORMAL_WITHIN.items(), (3, 1 - NORMAL_BEYOND_3)]:
        fraction = float(np.mean(a < k))
        tol = z_stat * np.sqrt(p * (1 - p) / total)
        if abs(fraction - p) > tol:
            break
    else:
        return "normal", None, None
    message = (
        f"{100 * fraction:.2f} % des {total} poids sont à moins de {k} écart-type(s) de 0, attendu "
        f"{100 * p:.2f} % pour une loi normale (tolérance ± {100 * tol:.2f} %)"
    )
    normal_hint = "W[l] ~ N(0, 2 / d_{l-1}) : rng.standard_normal((d_l, d_{l-1})) * np.sqrt(2 / d_{l-1}) (éq. 50)."
    top = float(a.max())
    beyond3 = float(np.mean(a > 3))
    kurtosis = float(np.mean(z**4))
    # Flat histogram on [-top, top]: 10 bins, each expecting a tenth.
    counts = np.histogram(z, bins=10, range=(-top, top))[0]
    flat = float(np.sum((counts - total / 10) ** 2 / (total / 10))) <= chi2_limit(9, z_stat)
    if top <= UNIFORM_BOUND and flat:
        return (
            "uniform",
            f"{message} ; tous les poids sont entre ± {top:.2f} écarts-types, répartis uniformément",
            "la loi doit être normale, N(0, 2 / d_{l-1}) (éq. 50), pas uniforme : np.random.randn ou "
            "rng.standard_normal, pas np.random.rand ni rng.uniform.",
        )
    if beyond3 == 0 and total * NORMAL_BEYOND_3 >= MIN_EXPECTED_TAIL:
        return (
            "bounded",
            f"{message} ; aucun poids n'est à plus de {top:.2f} écarts-types de 0, alors qu'une loi normale en "
            f"place {100 * NORMAL_BEYOND_3:.2f} % (≈ {total * NORMAL_BEYOND_3:.0f} poids) au-delà de 3",
            "la loi semble tronquée ou écrêtée (np.clip, tirages refaits au-delà d'un seuil) ; tirez la loi normale "
            "complète, sans borne : " + normal_hint,
        )
    if kurtosis > 3 + z_stat * np.sqrt(24 / total):
        return (
            "heavy",
            f"{message} ; les queues de la loi sont plus lourdes que celles d'une loi normale : "
            f"{100 * beyond3:.2f} % des poids au-delà de 3 écarts-types (0.27 % pour une loi normale), "
            f"kurtosis E[w⁴]/σ⁴ = {kurtosis:.2f} (3 pour une loi normale)",
            "la loi doit être normale : " + normal_hint,
        )
    return "other", message, "la répartition des poids n'est pas celle d'une loi normale : " + normal_hint
