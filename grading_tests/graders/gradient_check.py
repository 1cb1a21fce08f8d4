"""Graders of numerical_gradient and gradient_check (§12.2, éq. 57, Listing 7).

``f`` is a test function of ``mistakes/scalar_functions.py``: one that reads
its argument, or one that reads θ through a closure as the notebook's cell
« Vérifier votre rétropropagation » does. Hence the contract: θ is perturbed
**in place** and comes back as it was sent, to rounding (RESTORE_ULPS).

Kinds of the rubric (``framework.KINDS``):

- numerical_gradient: zeros, a constant, θ itself, or a gradient that stays
  the same when f changes show no work (0). The one-sided difference is the
  named near-miss (0.5). Values right when f reads its argument and wrong
  when it reads θ through a closure (f was given perturbed copies of θ) are
  right on a named part of the inputs (0.25).
- gradient_check: a value that stays the same when grad_analytic or f
  changes (a constant, ‖ana‖ or ‖num‖ alone) shows no work. Right when f
  reads its argument and wrong through a closure (θ copied before
  numerical_gradient) is partial. The formula applied to the student's own
  numerical_gradient is right: the mistakes of numerical_gradient cost points
  there only. There is no near-miss: a wrong denominator is not half of the
  formula of Listing 7, it is another formula.
"""

import numpy as np

import reference_impl as ref

from ..checks import (
    RTOL,
    as_array,
    call_with_hints,
    close,
    compare,
    expect_shape,
    expect_untouched,
    fmt,
    fmt_shape,
    no_work,
    stage_as,
)
from ..framework import Fail, grader
from ..mistakes.gradient_check import DEFAULT_EPSILON, gc_mistakes, numeric_mistakes, relative_difference
from ..mistakes.gradient_evidence import (
    CLOSURE_RIGHT, COPY_HINT, GC_OWN_RTOL, NDIM_HINT, NOT_RESTORED_HINT, OTHER_F_REASON, OWN_NOTE, OWN_ZEROS_HINT,
    PART_COPY_HINT, ZERO_ANALYTIC_HINT, closure_hint, confirm_mistakes, epsilon_not_passed, expect_calls,
    expect_gc_vectors_right, gc_probe, gc_value, near, no_work_reason, own_numeric, probe, same_value, zero_hint,
)
from ..mistakes.scalar_functions import (
    GC_ERROR_RANGE, LARGE_EPSILON, SOFTMAX_EPSILON, cubic, describe, expect_restored, quadratic, softmax_loss,
    unrestored, with_error, zero,
)

# gradient_check of an exact gradient: the chapter calls < 1e-7 correct;
# measured values are ~1e-8 with éq. 57 at ε = 1e-7 (rounding), so 1e-6
# leaves room for any correct implementation.
GC_CORRECT_MAX = 1e-6
# Both gradients zero: the numerator is exactly 0, so any guard of the 0/0
# (a test, a max, a tiny term added) gives 0; nan does not pass.
GC_ZERO_MAX = 1e-12


# --- numerical_gradient ----------------------------------------------------------

# |θᵢ| of the values stage: the quadratic f is exact for any step, so a step
# relative to |θᵢ| passes there at any |θᵢ| away from 0, and fails on the
# cubic f at |θᵢ| > 1, where its error grows with θᵢ² (THETA_LARGE).
THETA_VALUES = (0.5, 2.0)
THETA_LARGE = (1.5, 3.0)


def _numeric_call(g, tf, theta, eps_args, stage):
    """One call of numerical_gradient, type and shape checked: (outcome, gradient, what)."""
    hints = [(r"IndexError|too many indices", NDIM_HINT)]
    outcome = call_with_hints(g, tf, theta, *eps_args, hints=hints, stage=stage, return_args=True)
    eps_text = f", {fmt(eps_args[0])}" if eps_args else ""
    what = f"numerical_gradient(f, theta{eps_text}) pour {describe(tf, theta)}"
    with stage_as(stage):
        grad = as_array(outcome.value, what)
        expect_shape(grad, theta.shape, what, "renvoyez un tableau de la forme de θ (np.zeros_like(theta)).")
    return outcome, grad, what


def _theta(g, shape, low, high):
    """θ with entries of magnitude in [low, high] and random signs: |θ| > 1 shows a step relative to
    |θᵢ|, and no entry near 0 leaves that step to rounding (a grade that would depend on the seed)."""
    return g.rng.uniform(low, high, shape) * g.rng.choice([-1.0, 1.0], shape)


def _restore_hint(fail, theta, outcome, eps):
    if unrestored(theta, outcome.args_after[1], eps)[0]:
        fail.hint = NOT_RESTORED_HINT


def _expect_numeric(g, outcome, grad, what, theta, expected, diagnoses, stage, eps, centred=False):
    """Values of one call; at the property stage no failure carries a kind (values were right before).
    Values right, or a named near-miss, from fewer evaluations of f than they need show no work."""
    if stage == "property":
        diagnoses = [tuple(d) for d in diagnoses]  # a NearMiss is a values-stage verdict
    with stage_as(stage):
        try:
            compare(grad, expected, what, diagnoses=diagnoses, work=False)
        except Fail as fail:
            if fail.kind == "near_miss":
                expect_calls(outcome, theta, what, stage, False)
            _restore_hint(fail, theta, outcome, eps)
            raise
    expect_calls(outcome, theta, what, stage, centred)


def _probe_other_f(g, theta, grad, expected):
    """Why the gradient shows no work because it stays the same for another f, or None."""
    tf, f, _ = cubic(g.rng, theta.shape)
    expected_other = ref.numerical_gradient(f, theta.copy())
    other = probe(g, g.spec.target, tf, theta)
    if (
        isinstance(other, np.ndarray)
        and other.shape == grad.shape
        and np.array_equal(other.astype(float), grad.astype(float))
        and not close(expected_other, expected)
    ):
        return OTHER_F_REASON
    return None


def _expect_numeric_work(g, outcome, grad, expected, what, theta):
    """Zeros, a constant, θ itself, or the same gradient for another f: no work."""
    reason = no_work(grad, expected, {"theta": theta})
    hint = zero_hint(outcome.calls[0] if outcome.calls else None) if reason and not np.any(grad) else None
    if reason is None:
        reason = _probe_other_f(g, theta, grad, expected)
    if reason:
        raise Fail("values", f"{what} : {reason}.", hint, kind="no_work")


@grader("numerical_gradient", points=2)
def grade_numerical_gradient(g):
    # A matrix θ, a quadratic f reading its argument (éq. 57 is exact on it,
    # up to rounding), the default ε.
    theta_a = _theta(g, (3, 4), *THETA_VALUES)
    tf_a, f_a, grad_a = quadratic(g.rng, theta_a.shape)
    expected_a = ref.numerical_gradient(f_a, theta_a.copy())
    outcome_a, got_a, what_a = _numeric_call(g, tf_a, theta_a, (), "runs")
    if not close(got_a, expected_a):
        _expect_numeric_work(g, outcome_a, got_a, expected_a, what_a, theta_a)
    restored = not unrestored(theta_a, outcome_a.args_after[1], DEFAULT_EPSILON)[0]
    diagnoses_a = numeric_mistakes(f_a, theta_a, DEFAULT_EPSILON, grad_a(theta_a), restored=restored)
    _expect_numeric(g, outcome_a, got_a, what_a, theta_a, expected_a, diagnoses_a, "values", DEFAULT_EPSILON)

    # The same kind of θ and f, but f reads θ through a closure, as the loss
    # of the notebook's own check does: perturbations made on copies of θ
    # never reach it.
    theta_c = _theta(g, (3, 4), *THETA_VALUES)
    tf_c, f_c, _ = quadratic(g.rng, theta_c.shape, closure=True)
    expected_c = ref.numerical_gradient(f_c, theta_c.copy())
    outcome_c, got_c, what_c = _numeric_call(g, tf_c, theta_c, (), "values")
    try:
        compare(got_c, expected_c, what_c, work=False)
    except Fail as fail:
        fail.message += CLOSURE_RIGHT
        fail.kind = "partial"
        fail.hint = COPY_HINT if not np.any(got_c) else PART_COPY_HINT
        _restore_hint(fail, theta_c, outcome_c, DEFAULT_EPSILON)
        raise
    expect_calls(outcome_c, theta_c, what_c, "values", False)

    # A vector θ with |θᵢ| > 1, a cubic f and a large ε: one-sided differences
    # (the named near-miss), an ignored ε and a step relative to |θᵢ| show.
    theta_b = _theta(g, int(g.rng.integers(5, 9)), *THETA_LARGE)
    tf_b, f_b, grad_b = cubic(g.rng, theta_b.shape)
    expected_b = ref.numerical_gradient(f_b, theta_b.copy(), LARGE_EPSILON)
    outcome_b, got_b, what_b = _numeric_call(g, tf_b, theta_b, (LARGE_EPSILON,), "values")
    restored = not unrestored(theta_b, outcome_b.args_after[1], LARGE_EPSILON)[0]
    diagnoses_b = numeric_mistakes(f_b, theta_b, LARGE_EPSILON, grad_b(theta_b), near_miss=True, restored=restored)
    _expect_numeric(g, outcome_b, got_b, what_b, theta_b, expected_b, diagnoses_b, "values", LARGE_EPSILON, centred=True)

    expect_restored(theta_a, outcome_a.args_after[1], DEFAULT_EPSILON)
    expect_restored(theta_c, outcome_c.args_after[1], DEFAULT_EPSILON)
    expect_restored(theta_b, outcome_b.args_after[1], LARGE_EPSILON)

    # The gradient of a softmax regression, as backprop would give it.
    m, d, K = 6, int(g.rng.integers(2, 5)), int(g.rng.integers(2, 5))
    tf_s, _, grad_s = softmax_loss(g.rng, m, d, K)
    theta_s = g.rng.standard_normal((d, K))
    outcome, got, what = _numeric_call(g, tf_s, theta_s, (SOFTMAX_EPSILON,), "property")
    _expect_numeric(g, outcome, got, what, theta_s, grad_s(theta_s), (), "property", SOFTMAX_EPSILON)

    # Any shape: a 3-d θ read through a closure, a θ with a single entry, and
    # edge values: an entry exactly 0 beside large ones.
    edges = np.concatenate([[0.0], _theta(g, 3, *THETA_LARGE) * 4])
    for theta, closure in ((g.rng.standard_normal((2, 3, 2)), True), (g.rng.standard_normal(1), False), (edges, False)):
        tf, f, gradient = quadratic(g.rng, theta.shape, closure=closure)
        expected = ref.numerical_gradient(f, theta.copy())
        outcome, got, what = _numeric_call(g, tf, theta, (), "property")
        diagnoses = numeric_mistakes(f, theta, DEFAULT_EPSILON, gradient(theta))
        _expect_numeric(g, outcome, got, what, theta, expected, diagnoses, "property", DEFAULT_EPSILON)
        with stage_as("property"):
            expect_restored(theta, outcome.args_after[1], DEFAULT_EPSILON)


# --- gradient_check --------------------------------------------------------------


def _expect_gc_work(g, value, tf, theta, f, ana, error, expected, what):
    """A value that stays the same when grad_analytic, or f, changes shows no work."""
    ana_other = ana + error  # the error doubled: the expected value changes by 10 % or more
    tf_other, f_other, _ = cubic(g.rng, theta.shape)
    expected_ana = ref.gradient_check(f, theta.copy(), ana_other)
    expected_f = ref.gradient_check(f_other, theta.copy(), ana)
    same_ana = same_value(value, gc_probe(g, tf, theta, ana_other))
    same_f = same_value(value, gc_probe(g, tf_other, theta, ana))
    same_ana = same_ana and not close(expected_ana, expected, 1e-3, 0.0)
    same_f = same_f and not close(expected_f, expected, 1e-3, 0.0)
    reason = no_work_reason(value, same_ana, same_f)
    if reason is not None:
        raise Fail("values", f"{what} : {reason}.", kind="no_work")


def _check_gc(g, call, accept, what, expected_text, diagnoses, stage, *, return_args=False, own_needs_work=False,
              on_wrong=None, hint=None, confirm=None):
    """One call of gradient_check on ``call`` = (tf, θ, grad_analytic, eps_args).

    ``accept(value)``: right against the reference. A value that is not is
    still right for the student's own numerical_gradient (its mistakes cost
    points there only), unless ``own_needs_work`` and that gradient is zero
    (the formula is then 1 whatever grad_analytic). ``on_wrong(value)`` may
    raise a failure of a kind; ``hint``: the hint when no mistake is named.
    """
    tf, theta, ana, eps_args = call
    outcome = g.call(tf, theta, ana, *eps_args, stage=stage, return_args=return_args)
    with stage_as(stage):
        value = gc_value(outcome.value, what, "type")
        if accept(value):
            return outcome
        own = own_numeric(g, tf, theta, eps_args)
        if own is not None:
            mine = relative_difference(own, ana)
            if abs(value - mine) <= GC_OWN_RTOL * abs(mine) + 1e-15:
                if own_needs_work and not np.any(own):
                    hint = OWN_ZEROS_HINT
                else:
                    if OWN_NOTE not in g.notes:
                        g.note(OWN_NOTE)
                    return outcome
        if on_wrong is not None:
            on_wrong(value)
        texts = list(dict.fromkeys(text for text, candidate in diagnoses if near(value, candidate)))
        if len(texts) > 1 and confirm is not None:
            texts = confirm(texts)
        hint = texts[0] if texts else hint
        raise Fail("values", f"{what} : {expected_text}, obtenu {fmt(value)}.", hint)


def _gc_close(expected):
    return lambda v: close(v, expected, RTOL, 0.0)


def _against_reference(f, theta, ana, eps_args=()):
    """(accept, expected text, named mistakes) of a call of gradient_check against the reference."""
    expected = ref.gradient_check(f, theta.copy(), ana, *eps_args)
    num = ref.numerical_gradient(f, theta.copy(), *eps_args)
    return _gc_close(expected), f"attendu {fmt(expected)}", gc_mistakes(num, ana)


@grader("gradient_check", points=2)
def grade_gradient_check(g):
    # A quadratic f reading its argument (even a one-sided numerical gradient
    # is exact to ~1e-7), an analytic gradient off by a known relative amount.
    theta = g.rng.standard_normal((3, 4))
    tf, f, gradient = quadratic(g.rng, theta.shape)
    error = with_error(g.rng, gradient(theta), GC_ERROR_RANGE)
    ana = gradient(theta) + error
    expected = ref.gradient_check(f, theta.copy(), ana)
    num = ref.numerical_gradient(f, theta.copy())
    what = f"gradient_check(f, theta, grad_analytic) pour {describe(tf, theta)}"
    outcome = _check_gc(
        g, (tf, theta, ana, ()), _gc_close(expected), what, f"attendu {fmt(expected)}", gc_mistakes(num, ana), "runs",
        return_args=True,
        own_needs_work=True,
        on_wrong=lambda v: _expect_gc_work(g, v, tf, theta, f, ana, error, expected, what)
        or expect_gc_vectors_right(g, v, num, ana, what),
        confirm=lambda texts: confirm_mistakes(g, tf, theta, num, texts),
    )

    # The case the check exists for: a backward pass that returns zeros. grad_analytic = 0 against a
    # numerical gradient that is not: the relative difference is then ‖num‖ / ‖num‖ = 1.
    theta_0 = g.rng.standard_normal((2, 3))
    tf_0, f_0, _ = cubic(g.rng, theta_0.shape)
    ana_0 = np.zeros(theta_0.shape)
    accept, _, _ = _against_reference(f_0, theta_0, ana_0)
    _check_gc(
        g, (tf_0, theta_0, ana_0, ()), accept,
        f"gradient_check(f, theta, grad_analytic) avec grad_analytic = 0 et un gradient numérique non nul "
        f"({describe(tf_0, theta_0)})",
        "attendu 1 (‖num − 0‖ / (‖num‖ + 0))", (), "values", hint=ZERO_ANALYTIC_HINT,
    )

    # The same, with an f that reads θ through a closure, as the loss of the
    # notebook's cell « Vérifier votre rétropropagation »: a copy of θ given to
    # numerical_gradient leaves f at θ, and the numerical gradient at 0.
    theta_c = g.rng.standard_normal((3, 4))
    tf_c, f_c, gradient_c = quadratic(g.rng, theta_c.shape, closure=True)
    ana_c = gradient_c(theta_c) + with_error(g.rng, gradient_c(theta_c), GC_ERROR_RANGE)
    expected_c = ref.gradient_check(f_c, theta_c.copy(), ana_c)
    what_c = f"gradient_check(f, theta, grad_analytic) pour {describe(tf_c, theta_c)}"

    def closure_failed(value):
        hint = closure_hint(value)
        raise Fail("values", f"{what_c} : attendu {fmt(expected_c)}, obtenu {fmt(value)}." + CLOSURE_RIGHT, hint, kind="partial")

    outcome_c = _check_gc(
        g, (tf_c, theta_c, ana_c, ()), _gc_close(expected_c), what_c, f"attendu {fmt(expected_c)}", (), "values",
        return_args=True,
        on_wrong=closure_failed,
    )

    expect_restored(theta, outcome.args_after[1], DEFAULT_EPSILON)
    expect_restored(theta_c, outcome_c.args_after[1], DEFAULT_EPSILON)
    expect_untouched(ana, outcome.args_after[2], "grad_analytic")

    # An exact gradient, as backprop gives it for a softmax regression.
    m, d, K = 6, int(g.rng.integers(2, 5)), int(g.rng.integers(2, 5))
    tf_s, f_s, gradient_s = softmax_loss(g.rng, m, d, K)
    theta_s = g.rng.standard_normal((d, K))
    ana_s = gradient_s(theta_s)
    _check_gc(
        g, (tf_s, theta_s, ana_s, ()), lambda v: 0 <= v < GC_CORRECT_MAX,
        f"gradient_check avec le gradient exact ({describe(tf_s, theta_s)})",
        f"attendu une valeur positive < {fmt(GC_CORRECT_MAX)} (le Listing 7 juge « correct » sous 1e-7)",
        gc_mistakes(ref.numerical_gradient(f_s, theta_s.copy()), ana_s),
        "property",
    )

    # epsilon must reach numerical_gradient: with a cubic f and ε = 0.05,
    # éq. 57 is off the exact gradient by ~1e-3.
    theta_e = g.rng.standard_normal(int(g.rng.integers(5, 9)))
    tf_e, f_e, gradient_e = cubic(g.rng, theta_e.shape)
    ana_e = gradient_e(theta_e)
    accept, expected_text, mistakes = _against_reference(f_e, theta_e, ana_e, (LARGE_EPSILON,))
    what = f"gradient_check(f, theta, grad_analytic, {fmt(LARGE_EPSILON)}) pour {describe(tf_e, theta_e)} et le gradient exact"
    _check_gc(g, (tf_e, theta_e, ana_e, (LARGE_EPSILON,)), accept, what, expected_text, [epsilon_not_passed(LARGE_EPSILON)] + mistakes, "property")

    # A θ with a single entry (one bias, say), its gradient off by a known amount.
    theta_1 = g.rng.standard_normal(1)
    tf_1, f_1, gradient_1 = cubic(g.rng, theta_1.shape)
    ana_1 = gradient_1(theta_1) * g.rng.uniform(1.5, 3.0)
    accept, expected_text, mistakes = _against_reference(f_1, theta_1, ana_1)
    what = f"gradient_check(f, theta, grad_analytic) pour {describe(tf_1, theta_1)}"
    _check_gc(g, (tf_1, theta_1, ana_1, ()), accept, what, expected_text, mistakes, "property")

    # Both gradients zero (f constant): the denominator is 0 too, and the
    # contract asks for 0.0.
    theta_z = g.rng.standard_normal((2, 3))
    tf_z, _, _ = zero(theta_z.shape)
    what = f"gradient_check pour une fonction f constante et grad_analytic = 0 ({fmt_shape(theta_z.shape)})"
    _check_gc(
        g, (tf_z, theta_z, np.zeros(theta_z.shape), ()), lambda v: abs(v) <= GC_ZERO_MAX, what,
        "attendu 0.0 (les deux gradients sont nuls)", (), "property",
        hint="si ‖num‖ + ‖ana‖ = 0, les deux gradients sont nuls : renvoyez 0.0 au lieu de diviser 0 par 0.",
    )
