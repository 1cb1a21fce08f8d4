"""What tells the mistakes of numerical_gradient and gradient_check apart, beyond their formulas.

The evidence a hint rests on: how many times f was evaluated, other calls of
the student's function (another grad_analytic, a vector θ, the student's own
numerical_gradient), and the French hints that name no formula: the loop's
own mistakes (a copy of θ perturbed, f never reached, θ not restored), the
wrong types, and the reasons an output shows no work. The mistaken formulas
are in ``gradient_check``.
"""

import numpy as np

import reference_impl as ref

from ..checks import RTOL, as_real_scalar, close, fmt
from ..framework import Fail
from .gradient_check import NORMS, gc_mistakes, relative_difference
from .scalar_functions import GC_ERROR_RANGE, RESTORE_HINT, cubic, with_error

__all__ = [
    "CLOSURE_RIGHT", "zero_hint", "NDIM_HINT", "COPY_HINT", "PART_COPY_HINT", "gc_value", "no_work_reason",
    "closure_hint", "epsilon_not_passed", "OWN_ZEROS_HINT", "OWN_NOTE", "NOT_RESTORED_HINT", "OTHER_F_REASON",
    "SPECTRAL_HINT", "MATRIX_NORM_HINT", "ZERO_ANALYTIC_HINT", "GC_DIAGNOSIS_ATOL", "GC_OWN_RTOL", "GC_SAME_RTOL",
    "expect_calls", "expect_gc_vectors_right", "confirm_mistakes", "near", "probe", "own_numeric", "gc_probe",
    "same_value",
]

CLOSURE_RIGHT = " Les valeurs sont justes quand f lit son argument, fausses quand f lit θ par une fermeture."



# --- the loop of numerical_gradient ------------------------------------------------

def zero_hint(calls):
    """What a zero gradient shows, from the number of calls of f."""
    if calls is None:
        return None
    if calls == 0:
        return "f n'est jamais appelée : l'éq. 57 évalue f(θ+ε) et f(θ−ε) pour chaque composante de θ."
    return (
        f"f a été appelée {calls} fois, mais le gradient est nul : f a reçu chaque fois le même θ. "
        "Les perturbations n'atteignent-elles pas le θ passé à f ? (theta.flatten() renvoie une copie ; "
        "theta.reshape(-1) est une vue, ou indexez θ avec np.ndindex.)"
    )


NDIM_HINT = (
    "θ peut avoir plusieurs dimensions : parcourez chacun de ses éléments avec np.ndindex(theta.shape), "
    "ou np.nditer comme le Listing 7."
)
COPY_HINT = (
    "f ne voit pas vos perturbations : vous les faites sur une copie de θ (theta.copy(), theta.flatten(), "
    "theta.astype(…), np.array(theta), theta + ε·e_k…) et c'est la copie que reçoit f. Or la perte du Listing 7 "
    "lit θ elle-même, comme celle de la cellule « Vérifier votre rétropropagation » : perturbez theta en place, "
    "old_value = theta[idx] ; theta[idx] = old_value + epsilon ; f(theta) … puis theta[idx] = old_value."
)
PART_COPY_HINT = (
    "une partie des évaluations de f se fait sur une copie de θ : f(θ+ε) et f(θ−ε) doivent toutes deux être "
    "évaluées sur theta lui-même, perturbé en place (Listing 7)."
)



# --- gradient_check --------------------------------------------------------------


def gc_value(value, what, stage):
    """The value of gradient_check as a float; the hint names the mistake of a wrong type."""
    try:
        return as_real_scalar(value, what, stage=stage)
    except Fail as fail:
        if isinstance(value, np.ndarray) and value.size > 1:
            fail.hint = (
                "gradient_check renvoie un seul nombre, ‖num − ana‖ / (‖num‖ + ‖ana‖), pas le tableau des écarts."
            )
        elif isinstance(value, (bool, np.bool_)):
            fail.hint = (
                "renvoyez la différence relative elle-même ; la comparaison au seuil (1e-7 dans le Listing 7) "
                "se fait ensuite."
            )
        raise


def no_work_reason(value, same_ana, same_f):
    """Why a value of gradient_check shows no work: it stays the same when grad_analytic, or f, changes."""
    if same_ana and same_f:
        reason = (
            f"la sortie ne dépend pas des entrées : gradient_check renvoie {fmt(value)} quels que soient f "
            "et grad_analytic"
        )
    elif same_ana:
        reason = (
            "la sortie ne dépend pas de grad_analytic : la même valeur revient pour un autre gradient analytique "
            "(‖num‖ seul ?), alors que gradient_check compare les deux gradients"
        )
    elif same_f:
        reason = (
            "la sortie ne dépend pas de f : la même valeur revient pour une autre fonction f, donc un autre gradient "
            "numérique (‖grad_analytic‖ seul ?), alors que gradient_check compare les deux gradients"
        )
    else:
        return None
    return reason


def closure_hint(value):
    """The hint for gradient_check wrong only when f reads θ through a closure."""
    return (
        "1 est la valeur pour un gradient numérique nul : f ne voit pas les perturbations. θ est-il copié avant "
        "l'appel de numerical_gradient (theta.copy(), np.array(theta)…) ? Passez-lui theta lui-même."
        if abs(value - 1) < 1e-9
        else "passez à numerical_gradient le theta reçu lui-même, pas une copie : f peut le lire par une fermeture."
    )


def epsilon_not_passed(eps):
    """(hint, value) of gradient_check when ε does not reach numerical_gradient, for the exact gradient."""
    return (
        "epsilon n'est pas transmis à numerical_gradient : appelez numerical_gradient(f, theta, epsilon) ; "
        f"avec ε = {fmt(eps)}, l'éq. 57 s'écarte du gradient exact.",
        0.0,
    )


# gradient_check right for the student's own numerical_gradient, which shows no work there ...
OWN_ZEROS_HINT = (
    "votre numerical_gradient renvoie des zéros ici : gradient_check vaut alors 1 quel que soit "
    "grad_analytic, et sa formule ne peut pas être vérifiée. Corrigez d'abord numerical_gradient."
)
# ... or that is wrong: gradient_check loses no point for it.
OWN_NOTE = (
    "Remarque : gradient_check applique bien ‖num − ana‖ / (‖num‖ + ‖ana‖), mais à votre "
    "numerical_gradient, qui s'écarte de l'éq. 57 (voir le retour sur numerical_gradient) ; "
    "gradient_check n'en perd pas de points."
)


# θ not restored between two evaluations of f.
NOT_RESTORED_HINT = (
    "θ n'est pas restauré après chaque perturbation, donc les évaluations suivantes de f sont faussées. "
    + RESTORE_HINT
)
# The same gradient for a quadratic f and for a cubic one.
OTHER_F_REASON = (
    "la sortie ne dépend pas de f : au même θ, une f quadratique et une f cubique donnent le même gradient "
    "(l'éq. 57 évalue f en θ ± ε)"
)


SPECTRAL_HINT = (
    "np.linalg.norm(M, 2) d'une matrice est sa plus grande valeur singulière, pas la norme euclidienne de "
    "ses éléments : écrivez np.linalg.norm(M), sans ord (ou np.linalg.norm(M.ravel(), 2))."
)
MATRIX_NORM_HINT = (
    "la norme d'une matrice (par colonne, par ligne, ou np.linalg.norm(M, ord)) n'est pas la norme euclidienne "
    "de tous ses éléments : écrivez np.linalg.norm(M), sans ord ni axis (ou np.linalg.norm(M.ravel()))."
)
ZERO_ANALYTIC_HINT = (
    "grad_analytic est nul ici, mais pas le gradient numérique : la différence relative vaut alors 1. Ne renvoyez "
    "0 que si les deux gradients sont nuls : un test sur le seul gradient analytique laisse passer une "
    "rétropropagation qui renvoie des zéros, l'erreur même que gradient_check doit trouver."
)


# --- evidence from the calls ----------------------------------------------------

# A value this close to a known mistake's is taken for it (the mistakes give
# values of 1e-2 to 1, or ~1e-9 for an ε that never reaches éq. 57).
GC_DIAGNOSIS_ATOL = 1e-6
# Two computations of gradient_check agree to this relative tolerance when
# one uses the student's numerical_gradient (see own_numeric).
GC_OWN_RTOL = 1e-6
# Two calls of gradient_check "give the same value" to this relative
# tolerance: a value computed from the inputs moves by far more (the probes
# change its expected value by 10 % or more).
GC_SAME_RTOL = 1e-9


def expect_calls(outcome, theta, what, stage, centred):
    """f must be evaluated as often as the formula needs: n + 1 times for any difference quotient on n
    entries, 2n for éq. 57 (``centred``: where its values differ from a one-sided difference's).
    Fewer: the values do not come from f."""
    calls = outcome.calls[0] if outcome.calls else None
    n = theta.size
    needed = 2 * n if centred else n + 1
    if calls is None or calls >= needed:
        return
    formula = f"l'éq. 57 l'évalue {2 * n} fois, f(θ+ε) et f(θ−ε) pour chaque composante" if centred else (
        f"aucune différence finie n'en demande moins de {n + 1}")
    raise Fail(
        stage,
        f"{what} : f n'a été appelée que {calls} fois pour un θ de {n} composante(s) ; {formula}. Un gradient "
        "qui n'est pas calculé à partir des valeurs de f ne vaut aucun point.",
        "évaluez f elle-même en θ ± ε, une composante à la fois (Listing 7) : ni formule fermée, ni copie de f.",
        kind="no_work" if stage in ("runs", "values") else None,
    )


def expect_gc_vectors_right(g, value, num, ana, what):
    """Wrong on matrices and right on vectors (a matrix norm, the spectral one or one per column,
    instead of the Euclidean norm of every entry): right on a named part of the inputs."""
    if num.ndim != 2:
        return
    theta = g.rng.standard_normal(int(g.rng.integers(5, 9)))
    tf, f, gradient = cubic(g.rng, theta.shape)
    ana_v = gradient(theta) + with_error(g.rng, gradient(theta), GC_ERROR_RANGE)
    if close(gc_probe(g, tf, theta, ana_v), ref.gradient_check(f, theta.copy(), ana_v), RTOL, 0.0):
        spectral = relative_difference(num, ana, NORMS["spectral"])
        raise Fail(
            "values",
            f"{what} : attendu {fmt(relative_difference(num, ana))}, obtenu {fmt(value)}. Les valeurs sont justes "
            "quand θ et les gradients sont des vecteurs, fausses quand ce sont des matrices.",
            SPECTRAL_HINT if abs(value - spectral) <= 1e-4 * abs(spectral) + GC_DIAGNOSIS_ATOL else MATRIX_NORM_HINT,
            kind="partial",
        )


def confirm_mistakes(g, tf, theta, num, texts):
    """Of the named mistakes whose value matched, those that match again for two other grad_analytic,
    one of norm below ‖num‖ and one above: max(‖num‖, ‖ana‖) is then ‖num‖, then ‖ana‖, so that it
    is told apart from ‖num‖ alone and from ‖ana‖ alone."""
    for scale in (0.3, 3.0):
        ana = scale * num + with_error(g.rng, scale * num, (0.2, 0.2))
        value = gc_probe(g, tf, theta, ana)
        if value is None:
            return texts
        again = {text for text, candidate in gc_mistakes(num, ana) if near(value, candidate)}
        texts = [text for text in texts if text in again]
    return texts


def near(value, candidate):
    return np.isfinite(candidate) and abs(value - candidate) <= 1e-4 * abs(candidate) + GC_DIAGNOSIS_ATOL


def probe(g, target, *args):
    """The value of another call of the student's ``target``, or None if it gave none."""
    outcome = g.sandbox.call(target, *args, timeout=g.spec.timeout)
    return outcome.value if outcome.ok else None


def own_numeric(g, tf, theta, eps_args):
    """The student's own numerical_gradient on these inputs, if it gives finite values of θ's shape."""
    value = probe(g, "numerical_gradient", tf, theta, *eps_args)
    ok = isinstance(value, np.ndarray) and value.shape == theta.shape and np.all(np.isfinite(value.astype(float)))
    return value.astype(float) if ok else None


def gc_probe(g, tf, theta, ana):
    """gradient_check on other inputs, for the no-work probes: a float, or None."""
    value = probe(g, g.spec.target, tf, theta, ana)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)):
        return None
    value = np.asarray(value, dtype=float)
    return float(value.reshape(())) if value.size == 1 else None


def same_value(a, b):
    return a is not None and b is not None and abs(a - b) <= GC_SAME_RTOL * max(abs(a), abs(b))
