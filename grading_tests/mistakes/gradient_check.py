"""Named mistakes of numerical_gradient (éq. 57) and gradient_check (Listing 7), built from the reference.

The hints that name no formula, and the evidence they rest on, are in ``gradient_evidence``. The test functions f, and the check that
θ comes back restored, are in ``scalar_functions``.

numerical_gradient: each mistake changes which point f is evaluated at, not
the quotient of éq. 57. :func:`numerical_gradient_seeing` runs
``ref.numerical_gradient`` with an ``f`` that sees, instead of the point the
reference perturbs, the point the mistaken loop would have built (only
θ[i] + ε and θ in the one-sided difference, a whole row moved, the earlier
entries left at θ − ε); the step and the scale of the quotient are inputs
and outputs of that call.

gradient_check: each mistake replaces the norms of the formula
‖num − ana‖ / (‖num‖ + ‖ana‖). :func:`relative_difference` runs
``ref.gradient_check`` on a given numerical gradient, with ``np.linalg.norm``
bound (``reference_impl.parts.with_parts``) to the norm the mistake takes of
each of the three terms.

With no mistake switched on both equal the reference
(tests/test_mistakes_training.py).
"""

from types import SimpleNamespace

import numpy as np

import reference_impl as ref
from reference_impl.parts import with_parts

from ..checks import fmt
from . import Mistake, on_output

__all__ = [
    "DEFAULT_EPSILON", "numerical_gradient_seeing", "SEEN", "NUMERIC_MISTAKES", "NOT_RESTORED", "WHOLE_ROW", "numeric_mistakes",
    "relative_difference", "NORMS", "GC_MISTAKES", "gc_mistakes",
]

# The chapter's default step (Listing 7).
DEFAULT_EPSILON = 1e-7


# --- named mistakes of the loop of numerical_gradient --------------------------

# --- numerical_gradient ------------------------------------------------------------


def numerical_gradient_seeing(f, theta, epsilon=DEFAULT_EPSILON, seen=None):
    """``ref.numerical_gradient(f, θ, ε)`` where f sees ``seen(x, θ, index, ε)``
    instead of the point x the reference builds by moving θ[index] by ±ε;
    ``seen`` None is the reference itself. θ is not modified."""
    theta = np.array(theta, dtype=float)
    if seen is None:
        return ref.numerical_gradient(f, theta.copy(), epsilon)
    original = theta.copy()

    def f_seeing(x):
        moved = np.flatnonzero(x != original)
        if moved.size == 0:
            return f(x)
        index = np.unravel_index(int(moved[0]), original.shape)
        return f(seen(np.array(x), original, index, epsilon))

    return ref.numerical_gradient(f_seeing, theta, epsilon)


def _forward(x, theta, index, step):
    """At step ε/2 the reference evaluates θ ± ε/2; moved by +ε/2 these are θ + ε and θ."""
    x[index] += step
    return x


def _backward(x, theta, index, step):
    x[index] -= step
    return x


def _whole_row(x, theta, index, step):
    """θ[i] += ε on a 2-d θ moves the whole row i."""
    moved = theta.copy()
    moved[index[0]] += x[index] - theta[index]
    return moved


def _left_moved(x, theta, index, step):
    """θ not restored: every entry before this one was left at θ − ε."""
    flat = x.reshape(-1)
    flat[: np.ravel_multi_index(index, theta.shape)] -= step
    return x


def _relative(x, theta, index, step):
    """A step relative to the entry: θ[i] ± ε·|θ[i]| where the reference moves θ[i] ± ε."""
    x[index] = theta[index] + (x[index] - theta[index]) * abs(theta[index])
    return x


# The point f sees in each mistaken loop, given the one the reference built
# with ε times the factor.
SEEN = {
    "relative": (_relative, 1.0),
    "forward": (_forward, 0.5),
    "backward": (_backward, 0.5),
    "whole_row": (_whole_row, 1.0),
    "not_restored": (_left_moved, 1.0),
}


def _seeing(name, scale=1.0):
    """The build of the loop whose f sees the points of SEEN[name], its quotient times ``scale``."""
    seen, factor = SEEN[name]

    def build(on, f, theta, eps):
        if not on:
            return numerical_gradient_seeing(f, theta, eps)
        return scale * numerical_gradient_seeing(f, theta, factor * eps, seen)

    return build


def _first_only(result, f, theta, eps):
    first = np.zeros(result.shape)
    first.flat[0] = result.flat[0]
    return first


_ONE_SIDED = "différence décentrée"
_RELATIVE = "le pas est relatif à la composante, ε·|θᵢ|"
_SAME_STEP = (
    "L'éq. 57 utilise le même ε pour chaque composante, (f(θ + ε eᵢ) − f(θ − ε eᵢ))/(2ε) ; un pas relatif devient "
    "nul (0/0) en θᵢ = 0 et change l'erreur de la différence avec |θᵢ|."
)


def _relative_step(on, f, theta, eps):
    """The loop whose step is ε·|θ[i]| for each entry, its quotient divided by that step."""
    if not on:
        return numerical_gradient_seeing(f, theta, eps)
    return _seeing("relative")(True, f, theta, eps) / np.abs(np.asarray(theta, dtype=float))


# Only named when θ comes back modified: a restored θ rules it out.
NOT_RESTORED = Mistake(
    "θ n'est pas restauré après chaque perturbation : remettez θ[i] à sa valeur d'origine (Listing 7).",
    _seeing("not_restored"),
    name="theta_not_restored",
)

# On (f, θ, ε), each returns the gradient of the mistaken loop.
NUMERIC_MISTAKES = [
    Mistake("vous divisez par ε au lieu de 2ε (éq. 57).", on_output(numerical_gradient_seeing, lambda r, *args: 2 * r), name="divides_by_epsilon"),
    Mistake(
        f"{_ONE_SIDED} (f(θ+ε) − f(θ))/ε : son erreur est O(ε) ; l'éq. 57 est centrée, "
        "(f(θ+ε) − f(θ−ε))/(2ε), d'erreur O(ε²).",
        _seeing("forward"),
        near_miss=True,
        name="one_sided_forward",
    ),
    Mistake(
        f"{_ONE_SIDED} (f(θ) − f(θ−ε))/ε : son erreur est O(ε) ; l'éq. 57 est centrée, "
        "(f(θ+ε) − f(θ−ε))/(2ε), d'erreur O(ε²).",
        _seeing("backward"),
        near_miss=True,
        name="one_sided_backward",
    ),
    Mistake(
        f"{_ONE_SIDED} divisée par 2ε : (f(θ+ε) − f(θ))/(2ε), comme si f(θ−ε) était évaluée en θ. "
        "Avec np.nditer, old_value = x est une vue qui suit x : gardez old_value = x.copy() (ou float(x)).",
        _seeing("forward", 0.5),
        name="one_sided_over_two_epsilon",
    ),
    Mistake(
        "seul le premier élément de θ est perturbé : bouclez sur tous ses éléments "
        "(np.ndindex(theta.shape), ou np.nditer comme le Listing 7).",
        on_output(numerical_gradient_seeing, _first_only),
        name="first_entry_only",
    ),
    NOT_RESTORED,
    Mistake(f"{_RELATIVE}, (f(θ + εᵢ) − f(θ − εᵢ))/(2εᵢ) avec εᵢ = ε·|θᵢ|. {_SAME_STEP}", _relative_step, name="relative_step"),
    Mistake(f"{_RELATIVE} : f est évaluée en θᵢ ± ε·|θᵢ| mais divisée par 2ε. {_SAME_STEP}", _seeing("relative"), name="relative_step_fixed_divisor"),
]
# For a θ of two dimensions or more only.
WHOLE_ROW = Mistake(
    "θ[i] désigne une ligne entière d'un θ à deux dimensions : perturbez chaque élément θ[i, j] "
    "séparément (np.ndindex(theta.shape), ou np.nditer comme le Listing 7).",
    _seeing("whole_row"),
    name="whole_row_perturbed",
)


def numeric_mistakes(f, theta, eps, exact, near_miss=False, restored=False):
    """(hint, candidate) of the known mistakes; the one-sided ones are NearMiss if ``near_miss``.

    ``exact`` is the exact gradient, which an ε left unused would give. With
    ``restored`` (θ came back as it was sent), θ left unrestored is not named.
    """
    catalogue = NUMERIC_MISTAKES + ([WHOLE_ROW] if theta.ndim >= 2 else [])
    catalogue = [m for m in catalogue if not (restored and m is NOT_RESTORED)]
    mistakes = [mistake.diagnosis(f, theta, eps) for mistake in catalogue]
    if not near_miss:
        mistakes = [tuple(d) for d in mistakes]
    if eps != DEFAULT_EPSILON:
        mistakes.append(
            (
                f"epsilon semble ignoré : vous renvoyez le gradient exact, alors qu'avec epsilon = {fmt(eps)} l'éq. 57 "
                "s'en écarte un peu ; utilisez l'argument epsilon au lieu d'une valeur fixe.",
                exact,
            )
        )
    return mistakes


# --- gradient_check ----------------------------------------------------------------


def _euclidean(x, ord=None):
    return np.linalg.norm(x, ord)


def _constant(value):
    return lambda x: value


def relative_difference(num, ana, norms=None):
    """``ref.gradient_check`` on the numerical gradient ``num``: ‖num − ana‖ / (‖num‖ + ‖ana‖).

    ``norms`` = (of the difference, of num, of ana) replaces the three norms
    of the formula (each a function of its term); None keeps the Euclidean
    norm of the reference.
    """
    num, ana = np.asarray(num, dtype=float), np.asarray(ana, dtype=float)
    parts = {"numerical_gradient": lambda f, theta, epsilon: num}
    if norms is not None:
        of_difference, of_num, of_ana = norms

        def norm(x, *args, **kwargs):
            return of_num(x) if x is num else of_ana(x) if x is ana else of_difference(x)

        parts["np"] = SimpleNamespace(linalg=SimpleNamespace(norm=norm))
    return with_parts(ref.gradient_check, **parts)(None, np.zeros(num.shape), ana)


# The norms (of num − ana, of num, of ana) of each mistaken formula.
NORMS = {
    "no_denominator": (_euclidean, _constant(1.0), _constant(0.0)),
    "squared": (lambda x: np.linalg.norm(x) ** 2, lambda x: np.linalg.norm(x) ** 2, lambda x: np.linalg.norm(x) ** 2),
    "max_abs": (lambda x: np.max(np.abs(x)), lambda x: np.max(np.abs(x)), lambda x: np.max(np.abs(x))),
    "max_abs_alone": (lambda x: np.max(np.abs(x)), _constant(1.0), _constant(0.0)),
    "l1": (lambda x: np.sum(np.abs(x)), lambda x: np.sum(np.abs(x)), lambda x: np.sum(np.abs(x))),
    "num_alone": (_euclidean, _euclidean, _constant(0.0)),
    "ana_alone": (_euclidean, _constant(0.0), _euclidean),
    "spectral": (lambda x: np.linalg.norm(x, 2),) * 3,
}


def _normed(name):
    """The build of the formula with the norms NORMS[name]."""

    def build(on, num, ana):
        return relative_difference(num, ana, NORMS[name] if on else None)

    return build


def _over(denominator):
    """The build of ‖num − ana‖ over ``denominator(num, ana)``, the num term of the norms."""

    def build(on, num, ana):
        norms = (_euclidean, _constant(denominator(num, ana)), _constant(0.0)) if on else None
        return relative_difference(num, ana, norms)

    return build


_SUM_HINT = "le dénominateur est ‖num‖ + ‖ana‖, la somme des deux normes (Listing 7)"
_NORM_HINT = "utilisez la norme euclidienne np.linalg.norm sur tous les éléments"
_SQUARED = "les normes ne sont pas élevées au carré : ‖num − ana‖ / (‖num‖ + ‖ana‖) (Listing 7)."

# On (num, ana), each returns the value of the mistaken formula.
GC_MISTAKES = [
    Mistake("le dénominateur manque : divisez ‖num − ana‖ par ‖num‖ + ‖ana‖ (Listing 7).", _normed("no_denominator"), name="no_denominator"),
    Mistake(f"{_SUM_HINT}, pas la norme de la somme ‖num + ana‖.", _over(lambda num, ana: np.linalg.norm(num + ana)), name="norm_of_sum"),
    Mistake(_SQUARED, _normed("squared"), name="squared"),
    Mistake(_SQUARED, on_output(relative_difference, lambda r, *args: r**2), name="squared"),
    Mistake(f"{_NORM_HINT}, pas le plus grand écart en valeur absolue.", _normed("max_abs"), name="max_abs_difference"),
    Mistake(f"{_NORM_HINT}, pas le plus grand écart en valeur absolue.", _normed("max_abs_alone"), name="max_abs_difference"),
    Mistake(f"{_NORM_HINT}, pas la somme des valeurs absolues.", _normed("l1"), name="l1_norm"),
    Mistake(
        "vous renvoyez 1 − (différence relative) : renvoyez ‖num − ana‖ / (‖num‖ + ‖ana‖) elle-même.",
        on_output(relative_difference, lambda r, *args: 1 - r),
        name="one_minus_relative",
    ),
    Mistake(f"{_SUM_HINT}, pas ‖num‖ seul.", _normed("num_alone"), name="num_norm_only"),
    Mistake(f"{_SUM_HINT}, pas ‖ana‖ seul.", _normed("ana_alone"), name="ana_norm_only"),
    Mistake(
        f"{_SUM_HINT}, pas max(‖num‖, ‖ana‖).",
        _over(lambda num, ana: max(np.linalg.norm(num), np.linalg.norm(ana))),
        name="max_of_norms",
    ),
]


def gc_mistakes(num, ana):
    """(hint, value) of the known mistaken formulas of gradient_check, for these gradients."""
    return [mistake.diagnosis(num, ana) for mistake in GC_MISTAKES]


