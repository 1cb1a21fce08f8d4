"""Tests against drift of the named mistakes of perceptron, activations, softmax,
forward_pass and backward_pass (grading_tests/mistakes/).

Each mistake is the reference with one thing switched on. Switched off, it
must give the reference's result exactly, on random inputs: a change of the
reference then moves its mistakes with it. Switched on, it must differ from
the reference on some of those inputs, or it names nothing.
"""

import numpy as np
import pytest

import reference_impl as ref
from grading_tests.checks import one_hot_labels, random_network, scale_factor
from grading_tests.checks.networks import large_scores
from grading_tests.checks.elementwise import EDGES, INT_Z, TANH_EDGES
from grading_tests.mistakes import activations, perceptron, propagation

SEEDS = range(3)


def same(a, b):
    """Exactly equal results: arrays (nan where nan), numbers, dicts, tuples."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def differs(a, b):
    """Not the same result, beyond rounding."""
    if isinstance(a, dict):
        return any(differs(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return any(differs(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-4, atol=1e-8, equal_nan=True)


def check(mistake, reference, inputs):
    """Off: the reference on every input. On: different on at least one."""
    for args in inputs:
        assert same(mistake.build(False, *args), reference(*args)), mistake.hint
    assert any(differs(mistake(*args), reference(*args)) for args in inputs), mistake.hint


# --- perceptron ------------------------------------------------------------------


def perceptron_inputs(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for y, sign in [(1, -1), (0, 1), (1, 1), (0, -1)]:
        w, x = rng.standard_normal(4), rng.standard_normal(4)
        b = float(sign * rng.uniform(0.2, 2.0) - w @ x)
        cases.append((w, b, x, y, float(rng.uniform(0.05, 0.45))))
    w, x = rng.integers(-4, 5, 4).astype(float), rng.integers(-4, 5, 4).astype(float)
    cases.append((w, float(-(w @ x)), x, 1, 0.1))  # on the hyperplane
    return cases


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("index", range(len(perceptron.MISTAKES)))
def test_perceptron_mistakes(index, seed):
    check(perceptron.MISTAKES[index], ref.perceptron_update, perceptron_inputs(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_perceptron_label_trick(seed):
    """An error term e is handed to the reference as the label ŷ + e: with
    e = y − ŷ, that is the reference itself."""
    for w, b, x, y, lr in perceptron_inputs(seed):
        y_hat = perceptron.prediction(w, b, x)
        assert y_hat == (1 if w @ x + b > 0 else 0)
        assert same(ref.perceptron_update(w, b, x, y_hat + (y - y_hat), lr), ref.perceptron_update(w, b, x, y, lr))


# --- activations and softmax -------------------------------------------------------


def elementwise_inputs(seed):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((6, 5)) * 4,), (EDGES.reshape(1, -1),), (TANH_EDGES,), (INT_Z.astype(float),)]


def softmax_inputs(seed):
    rng = np.random.default_rng(seed)
    small = rng.standard_normal((5, 6)) * 3
    mixed = small.copy()
    mixed[0, 2], mixed[1, 3], mixed[2, 0] = 2000.0, 720.0, -1000.0
    mixed[3] += np.where(np.arange(6) % 2 == 1, 1000.0, -1000.0)
    mixed[4, 1:4] = -1e4
    return [(small,), (rng.standard_normal((2, 3, 6)) * 3,), (1000 + small,), (mixed,), (small + [[0], [800], [-800], [400], [0]],)]


ELEMENTWISE = [
    (reference, index)
    for reference, catalogue in activations.CATALOGUES.items()
    for index in range(len(catalogue))
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "reference, index", ELEMENTWISE, ids=[f"{r.__name__}-{i}" for r, i in ELEMENTWISE]
)
def test_activation_mistakes(reference, index, seed):
    inputs = softmax_inputs(seed) if reference is ref.softmax else elementwise_inputs(seed)
    check(activations.CATALOGUES[reference][index], reference, inputs)


@pytest.mark.parametrize("reference", [ref.leaky_relu, ref.leaky_relu_derivative])
def test_alpha_ignored(reference):
    z = np.random.default_rng(0).standard_normal((6, 5)) * 4
    check(activations.alpha_ignored(reference), reference, [(z, 0.2)])


# --- forward_pass and backward_pass ----------------------------------------------------


def networks(seed):
    rng = np.random.default_rng(seed)
    for L, m in [(3, 7), (2, 1), (4, 5)]:
        dims, parameters, X = random_network(rng, L, m)
        yield dims, parameters, X, one_hot_labels(rng, m, dims[-1])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("index", range(len(propagation.FORWARD)))
def test_forward_mistakes(index, seed):
    inputs = [(X, parameters) for _, parameters, X, _ in networks(seed)]
    check(propagation.FORWARD[index], ref.forward_pass, inputs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("index", range(len(propagation.FORWARD_SHIFTS)))
def test_forward_softmax_shifts(index, seed):
    """softmax's shift mistakes inside forward_pass: the reference when off, and on output scores near
    1000 (the grader's check) another result, nan or inf where the reference is finite."""
    rng = np.random.default_rng(seed)
    inputs = []
    for _, parameters, X, _ in networks(seed):
        inputs.append((X, large_scores(rng, parameters, 1000.0)))
    check(propagation.FORWARD_SHIFTS[index], ref.forward_pass, inputs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("index", range(len(propagation.BACKWARD)))
def test_backward_mistakes(index, seed):
    inputs = [(Y, ref.forward_pass(X, parameters)[1], parameters) for _, parameters, X, Y in networks(seed)]
    check(propagation.BACKWARD[index], ref.backward_pass, inputs)


@pytest.mark.parametrize("seed", SEEDS)
def test_missing_mean(seed):
    """Every gradient m times too large, as the grader recognises it by scale."""
    inputs = [(Y, ref.forward_pass(X, parameters)[1], parameters) for _, parameters, X, Y in networks(seed)]
    check(propagation.MISSING_MEAN, ref.backward_pass, inputs)
    for Y, cache, parameters in inputs:
        got, expected = propagation.MISSING_MEAN(Y, cache, parameters), ref.backward_pass(Y, cache, parameters)
        for key in expected:
            if Y.shape[0] > 1 and np.any(expected[key]):
                assert scale_factor(got[key], expected[key]) == pytest.approx(Y.shape[0])


def test_numerical_gradient_of_the_grader():
    """The grader's numerical check of backward_pass uses ref.numerical_gradient:
    on a small network it agrees with the reference backward pass."""
    from grading_tests.checks.networks import numeric_gradients
    from grading_tests.graders.propagation import NUMERIC_EPSILON

    rng = np.random.default_rng(0)
    dims, parameters, X = random_network(rng, 2, 4, kink_margin=1e-3)
    Y = one_hot_labels(rng, 4, dims[-1])
    numeric = numeric_gradients(X, Y, parameters, NUMERIC_EPSILON)
    analytic = ref.backward_pass(Y, ref.forward_pass(X, parameters)[1], parameters)
    for key, value in analytic.items():
        assert np.allclose(numeric[key], value, rtol=1e-5, atol=1e-8)


# --- stable names: the ids the structured results and the class report count ---------------


def _mistakes_in(value):
    """Every Mistake held by a module attribute: itself, or inside lists, tuples and dicts."""
    from grading_tests.mistakes import Mistake

    if isinstance(value, Mistake):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _mistakes_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _mistakes_in(item)


def _catalogues():
    import importlib

    for module in ("activations", "gradient_check", "initialization", "optimizers", "perceptron", "propagation", "regularization"):
        loaded = importlib.import_module(f"grading_tests.mistakes.{module}")
        for attr, value in vars(loaded).items():
            # A dict is one catalogue per key (activations.CATALOGUES: one per reference function).
            parts = value.items() if isinstance(value, dict) else [("", value)]
            for key, part in parts:
                found = list(_mistakes_in(part))
                if found and not attr.startswith("__"):
                    yield f"{module}.{attr}{key and f'[{key}]'}", found


def test_every_mistake_has_one_stable_name_per_hint():
    """In one catalogue a name is one hint and a hint one name: the id <function>.<name> counts one mistake.
    The name is English snake_case and the hint carries it (framework.Named), wherever the graders pass it."""
    import re

    seen = 0
    for where, mistakes in _catalogues():
        by_name, by_hint = {}, {}
        for mistake in mistakes:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", mistake.name), (where, mistake.name)
            assert mistake.hint.mistake == mistake.name, where
            assert by_name.setdefault(mistake.name, str(mistake.hint)) == str(mistake.hint), (where, mistake.name)
            assert by_hint.setdefault(str(mistake.hint), mistake.name) == mistake.name, (where, mistake.hint)
            seen += 1
    assert seen > 100  # every catalogue was found


def test_a_named_mistake_reaches_the_result_with_its_id():
    """A Fail whose hint came from a Mistake names it in the graded Result, prefixed by the function."""
    from grading_tests.framework import Fail, Grader, run_grader

    mistake = activations.SIGMOID_DERIVATIVE[0]

    def grade(g):
        fail = Fail("values", "sigmoid_derivative : valeurs fausses.", kind="near_miss")
        fail.hint = mistake.hint  # graders often set the hint after the Fail is made
        raise fail

    result = run_grader(Grader("sigmoid_derivative", 1.0, grade), sandbox=None, seed=0)
    assert (result.stage, result.kind, result.mistake) == ("values", "near_miss", "sigmoid_derivative.sigma_from_z")
    assert result.hint == str(mistake.hint) and result.score == 0.5
    plain = run_grader(Grader("sigmoid_derivative", 1.0, lambda g: (_ for _ in ()).throw(Fail("values", "x", "texte"))), None, 0)
    assert plain.mistake is None and plain.hint == "texte" and plain.score == 0
