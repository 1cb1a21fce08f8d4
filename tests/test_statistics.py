"""The power the statistical checks claim in their comments, recomputed from their constants.

Each check is sized for the smallest effect it must see (issue 18): a 1 % bias
of dropout's E[A_out], and Xavier's σ on any one layer of He's initialisation
(2 to 7 % on the layers of a digits network). A check runs in two stages: a
screen at two-sided α = 0.001, then, only when it fails, a verdict on more
draws at 7 standard errors. Here the figures are computed over every value
the grader can draw (the corners of its ranges).
"""

import itertools
from math import erf, log, sqrt

import numpy as np

from grading_tests.graders import initialization as init
from grading_tests.graders import regularization as dropout


def normal_cdf(x):
    return 0.5 * (1 + erf(x / sqrt(2)))


def two_sided(z):
    """P(|N(0, 1)| > z)."""
    return 2 * (1 - normal_cdf(z))


def power(shift, z):
    """P(|N(shift, 1)| > z): the chance a check at z standard errors sees an effect of ``shift`` of them."""
    return normal_cdf(shift - z) + normal_cdf(-shift - z)


def test_the_screens_are_at_alpha_one_per_thousand_and_the_verdicts_at_seven_standard_errors():
    for module in (init, dropout):
        assert two_sided(module.Z_SCREEN) <= 1e-3
        assert module.Z_STAT == 7.0 and two_sided(module.Z_STAT) < 3e-12


def test_dropout_sees_a_one_percent_bias_of_its_mean():
    n_screen, n_confirm = int(np.prod(dropout.BIAS_UNITS)), int(np.prod(dropout.BIAS_CONFIRM_UNITS))
    for k in range(*dropout.BIAS_KEEP_PERCENT):
        p = (k + 0.5) / 100
        # A mask keeping p(1 + δ) of the units is δ·√(n p / (1 − p)) standard errors off.
        shift = lambda n: 0.01 * sqrt(n * p / (1 - p))  # noqa: E731
        assert power(shift(n_screen), dropout.Z_SCREEN) >= 0.99, p
        assert power(shift(n_confirm), dropout.Z_STAT) >= 0.999, p
        # keep_prob rounded to a percent moves it by at least 1 % of itself.
        assert abs(round(p, 2) - p) / p >= 0.01 - 1e-12, p


def test_he_sees_xavier_on_any_one_layer():
    ranges = [init.WIDE, init.NARROW, init.WIDE, init.NARROWER, init.OUTPUT]
    worst_screen, worst_confirm = 1.0, 1.0
    for dims in itertools.product(*ranges):
        for d_in, d_out in zip(dims, dims[1:]):
            n = d_in * d_out
            # ln(s/σ) has standard error 1/√(2N); Xavier's σ is √(d_in / (d_in + d_out)) of He's.
            effect = -log(sqrt(d_in / (d_in + d_out)))
            worst_screen = min(worst_screen, power(effect * sqrt(2 * n), init.Z_SCREEN))
            worst_confirm = min(worst_confirm, power(effect * sqrt(2 * n * (init.CONFIRM_CALLS + 1)), init.Z_STAT))
    assert worst_screen >= 0.9998
    assert worst_confirm >= 1 - 1e-9
