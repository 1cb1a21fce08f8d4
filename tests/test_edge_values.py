"""Every grader draws its arguments' edge values as well as random ones (issue 18).

The reference is graded once through a sandbox that records every call; each
argument of each graded function must then have been given its edge values:
0, 1, a negative value where one is allowed, its default (the argument left
out), and large scores wherever an exp or a log is inside, composite
functions included. A value the grader never draws is a mistake it never
sees (a seed of 0 taken for "no seed", alpha = 0 for "no alpha").
"""

import inspect

import numpy as np
import pytest

import reference_impl as ref
from grading_tests.framework import run_grader
from grading_tests.reference_submission import write_reference_submission
from grading_tests.runner import function_names, registry
from grading_tests.sandbox import Sandbox
from grading_tests.submission import load_submission
from grading_tests import wire

# Scores from which e^z overflows (e^709.8 is the largest float64).
LARGE = 500.0


def _numbers(value):
    if isinstance(value, dict):
        return np.concatenate([_numbers(v) for v in value.values()] or [np.zeros(0)])
    if isinstance(value, (list, tuple)):
        return np.concatenate([_numbers(v) for v in value] or [np.zeros(0)])
    if isinstance(value, wire.TestFunction):
        return _numbers(value.params)
    if isinstance(value, (bool, int, float, np.number, np.ndarray)):
        return np.asarray(value, dtype=float).ravel()
    return np.zeros(0)


def has(label, predicate):
    """Some value given holds numbers that satisfy ``predicate``."""

    def check(values):
        return any(predicate(_numbers(v)) for v in values)

    check.__name__ = label
    return check


def given(label, predicate):
    def check(values):
        return any(predicate(v) for v in values)

    check.__name__ = label
    return check


ZERO = has("0", lambda a: a.size > 0 and np.any(a == 0))
ONE = has("±1", lambda a: np.any(np.abs(a) == 1))
NEGATIVE = has("a negative value", lambda a: np.any(a < 0))
LARGE_SCORES = has(f"|value| ≥ {LARGE:g}", lambda a: np.any(np.abs(a) >= LARGE))
ALL_ZERO = has("all zeros", lambda a: a.size > 1 and not np.any(a))
ABOVE_ONE = has("|value| > 1", lambda a: np.any(np.abs(a) > 1))
FALSE = given("False", lambda v: v is False)
GENERATOR = given("a Generator", lambda v: isinstance(v, wire.TestFunction) and v.name == "generator")
DEFAULT = "default"  # the argument left out, at least once

ELEMENTWISE = {"z": [ZERO, ONE, NEGATIVE, LARGE_SCORES]}
WANTED = {
    "perceptron_update": {"w": [ZERO], "b": [ZERO, NEGATIVE], "x_i": [ALL_ZERO, NEGATIVE], "y_i": [ZERO, ONE],
                          "learning_rate": [ZERO, ONE]},
    "sigmoid": ELEMENTWISE,
    "tanh": {"z": [ZERO, ONE, NEGATIVE, has("|z| ≥ 300", lambda a: np.any(np.abs(a) >= 300))]},
    "relu": ELEMENTWISE,
    "leaky_relu": {**ELEMENTWISE, "alpha": [ZERO, ONE, DEFAULT]},
    "sigmoid_derivative": ELEMENTWISE,
    "tanh_derivative": {"z": [ZERO, ONE, NEGATIVE, has("|z| ≥ 300", lambda a: np.any(np.abs(a) >= 300))]},
    "relu_derivative": ELEMENTWISE,
    "leaky_relu_derivative": {**ELEMENTWISE, "alpha": [ZERO, ONE, DEFAULT]},
    "softmax": {"Z": [NEGATIVE, LARGE_SCORES]},
    # softmax is inside: the output layer's scores must get large (its biases here).
    "forward_pass": {"X": [NEGATIVE], "parameters": [has(f"a bias ≥ {LARGE:g}", lambda a: np.any(a >= LARGE))]},
    "backward_pass": {"y_true": [ZERO, ONE]},
    "initialize_parameters": {"layer_dims": [ONE], "seed": [ZERO, ONE, DEFAULT]},
    "dropout_forward": {"A": [NEGATIVE], "keep_prob": [ONE, DEFAULT], "training": [FALSE], "rng": [DEFAULT, GENERATOR]},
    "adam_update": {"grads": [ZERO], "t": [ONE], "learning_rate": [ONE, DEFAULT], "beta1": [ZERO, DEFAULT],
                    "beta2": [ZERO, DEFAULT], "epsilon": [DEFAULT]},
    "numerical_gradient": {"theta": [ZERO, NEGATIVE, ABOVE_ONE], "epsilon": [DEFAULT]},
    "gradient_check": {"theta": [NEGATIVE, ABOVE_ONE], "grad_analytic": [ALL_ZERO], "epsilon": [DEFAULT]},
}
# Edge values that are a combination of arguments in one call.
WANTED_CALLS = {
    "gradient_check": {
        # The case the check exists for: a zero backward pass against a numerical gradient that is not zero.
        "grad_analytic = 0 with a nonzero f": lambda a: not np.any(a["grad_analytic"]) and np.any(_numbers(a["f"])),
    },
}


class Recording(Sandbox):
    """A sandbox that keeps the arguments of every call its grader makes to the function graded."""

    OPTIONS = ("timeout", "return_args", "repeat")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []
        self.graded = None

    def call(self, name, *args, **kwargs):
        if name == self.graded:
            self.calls.append((name, args, {k: v for k, v in kwargs.items() if k not in self.OPTIONS}))
        return super().call(name, *args, **kwargs)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """{function: {argument: [values given]}}, the arguments left out at least once, and every call's arguments."""
    submission = load_submission(write_reference_submission(tmp_path_factory.mktemp("edges") / "reference.py"))
    values, left_out, calls = {}, {}, {}
    with Recording(submission.cells, labels=submission.labels) as sandbox:
        for name in WANTED:
            sandbox.graded = name
            result = run_grader(registry()[name], sandbox, 2026)
            assert result.score == result.max_score, result.feedback
        for name, args, kwargs in sandbox.calls:
            if name not in WANTED:
                continue
            bound = inspect.signature(getattr(ref, name)).bind(*args, **kwargs).arguments
            calls.setdefault(name, []).append(bound)
            for argument in inspect.signature(getattr(ref, name)).parameters:
                if argument in bound:
                    values.setdefault(name, {}).setdefault(argument, []).append(bound[argument])
                else:
                    left_out.setdefault(name, set()).add(argument)
    return values, left_out, calls


def test_every_graded_function_has_its_edge_values_listed():
    assert set(WANTED) == set(function_names()) - {"train_digits_model"}


@pytest.mark.parametrize("name", sorted(WANTED))
def test_the_grader_draws_the_edge_values(drawn, name):
    values, left_out, calls = drawn
    missing = [label for label, wanted in WANTED_CALLS.get(name, {}).items() if not any(map(wanted, calls.get(name, [])))]
    for argument, wanted in WANTED[name].items():
        for predicate in wanted:
            if predicate == DEFAULT:
                ok = argument in left_out.get(name, set())
            else:
                ok = predicate(values.get(name, {}).get(argument, []))
            if not ok:
                missing.append(f"{argument}: {getattr(predicate, '__name__', predicate)}")
    assert not missing, f"{name} never draws {missing}"
