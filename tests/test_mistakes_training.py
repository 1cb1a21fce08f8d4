"""Drift tests of the named mistakes of the training graders (initialisation,
dropout, Adam, gradient checking, train_digits_model).

Each mistake is the reference with one thing changed (grading_tests/mistakes/).
Switched off, it must give the reference's result on random inputs; switched
on, something else. A reference that changes moves its mistakes with it.
"""

import numpy as np
import pytest

import reference_impl as ref
from grading_tests.mistakes import gradient_check as gc
from grading_tests.mistakes import initialization as init
from grading_tests.mistakes import mlp
from grading_tests.mistakes import optimizers as opt
from grading_tests.mistakes import regularization as reg
from grading_tests.mistakes.scalar_functions import cubic, quadratic, softmax_loss

SEEDS = range(5)


def _close(a, b, rtol=1e-10, atol=1e-12):
    return np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


# --- initialize_parameters (éq. 50) ------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_he_std_is_the_reference_scale(seed):
    rng = np.random.default_rng(seed)
    d_in, d_out = int(rng.integers(2, 400)), int(rng.integers(2, 400))
    W = ref.initialize_parameters([d_in, d_out], seed=seed)["W1"]
    draws = np.random.default_rng(seed).standard_normal((d_out, d_in))
    assert _close(W / draws, init.he_std(d_in, d_out))


@pytest.mark.parametrize("index", range(len(init.STD_MISTAKES)))
def test_std_mistakes_off_are_he_on_differ(index):
    mistake, law = init.STD_MISTAKES[index]
    assert law in ("normal", "uniform")
    for d_in, d_out in [(300, 40), (35, 380), (400, 12)]:
        he = init.he_std(d_in, d_out)
        assert mistake.build(False, d_in, d_out) == he
        assert not np.isclose(mistake(d_in, d_out), he, rtol=1e-3)


def test_the_named_near_miss_of_initialisation_is_lecun():
    near = [m for m, _ in init.STD_MISTAKES if m.near_miss]
    assert len(near) == 1 and _close(near[0](300, 40), np.sqrt(1 / 300))


# --- dropout_forward (§9.2) --------------------------------------------------


def _activations(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((int(rng.integers(5, 40)), int(rng.integers(5, 40)))), float(rng.uniform(0.2, 0.9))


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_with_the_reference_mask_is_the_reference(seed):
    A, keep = _activations(seed)
    A_out, mask = ref.dropout_forward(A, keep, rng=seed)
    assert np.array_equal(reg.dropout_with_mask(A, mask, keep), A_out)


@pytest.mark.parametrize("index", range(len(reg.OUTPUT_MISTAKES)))
@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_mistakes_off_are_the_reference_on_differ(index, seed):
    A, keep = _activations(seed)
    A_out, mask = ref.dropout_forward(A, keep, rng=seed)
    mistake = reg.OUTPUT_MISTAKES[index]
    maskf = mask.astype(float)
    assert np.array_equal(mistake.build(False, A, maskf, keep), A_out)
    assert not _close(mistake(A, maskf, keep), A_out, rtol=1e-6)


@pytest.mark.parametrize("index", range(len(reg.TEST_TIME_MISTAKES)))
def test_dropout_test_time_mistakes(index):
    A, keep = _activations(index)
    mistake = reg.TEST_TIME_MISTAKES[index]
    assert np.array_equal(mistake.build(False, A, keep), ref.dropout_forward(A, keep, training=False)[0])
    assert not _close(mistake(A, keep), A, rtol=1e-6)


# --- adam_update (éqs. 44-48) ------------------------------------------------


def _adam_args(seed, defaults=False):
    rng = np.random.default_rng(seed)
    P, G, M, V = {}, {}, {}, {}
    for name, shape in (("W1", (4, 5)), ("b1", (1, 4)), ("W2", (3, 4)), ("b2", (1, 3))):
        P[name] = rng.standard_normal(shape) * 0.1
        G["d" + name] = rng.standard_normal(shape)
        M["d" + name] = rng.standard_normal(shape) * 0.3
        V["d" + name] = rng.uniform(0.05, 1.0, shape)
    for d in (G, M, V):
        d["db1"][0, 0] = 0.0  # a unit that never got a gradient
    t = int(rng.integers(2, 6))
    hyper = (0.001, 0.9, 0.999, 1e-8) if defaults else (0.1, 0.8, 0.95, float(rng.uniform(0.02, 0.1)))
    return (P, G, M, V, t, *hyper)


def _same_outputs(a, b, **kw):
    return all(set(a[i]) == set(b[i]) and all(_close(a[i][k], b[i][k], **kw) for k in b[i]) for i in range(3))


@pytest.mark.parametrize("defaults", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_adam_with_nothing_on_is_the_reference(seed, defaults):
    args = _adam_args(seed, defaults)
    assert _same_outputs(opt.adam_with(*args), ref.adam_update(*args))


@pytest.mark.parametrize("seed", SEEDS)
def test_adam_parts_are_the_reference(seed):
    P, G, M, V, t, lr, b1, b2, eps = _adam_args(seed)
    _, m, v = ref.adam_update(P, G, M, V, t, lr, b1, b2, eps)
    assert all(_close(opt.first_moment(M, G, b1)[k], m[k]) for k in m)
    assert all(_close(opt.second_moment(V, G, b2)[k], v[k]) for k in v)
    # The step from the new moments is the reference's update.
    new = opt.step(P, m, v, t, lr, b1, b2, eps)
    assert all(_close(new[k], ref.adam_update(P, G, M, V, t, lr, b1, b2, eps)[0][k]) for k in P)
    # At t = ∞ the bias correction is the identity.
    assert all(_close(opt.bias_corrected(m, b1, opt.NO_CORRECTION)[k], m[k], rtol=1e-15) for k in m)


@pytest.mark.parametrize("index", range(len(opt.MISTAKES)))
@pytest.mark.parametrize("seed", SEEDS)
def test_adam_mistakes_off_are_the_reference_on_differ(index, seed):
    args = _adam_args(seed)
    mistake = opt.MISTAKES[index]
    expected = ref.adam_update(*args)
    assert _same_outputs(mistake.build(False, *args), expected)
    assert not _same_outputs(mistake(*args), expected, rtol=1e-6, atol=1e-9)


def test_adam_near_misses_are_the_bias_corrections():
    near = [m.hint for m in opt.MISTAKES if m.near_miss]
    assert len(near) == 3 and all("correction du biais" in hint for hint in near)


# --- numerical_gradient (éq. 57) and gradient_check ---------------------------


def _function(seed, shape):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(shape)
    _, f, gradient = quadratic(rng, shape)
    return f, theta, gradient


@pytest.mark.parametrize("shape", [(3, 4), (6,), (2, 3, 2)])
@pytest.mark.parametrize("seed", SEEDS)
def test_numeric_mistakes_off_are_the_reference_on_differ(seed, shape):
    f, theta, _ = _function(seed, shape)
    _, cubic_f, _ = cubic(np.random.default_rng(seed), shape)
    catalogue = gc.NUMERIC_MISTAKES + ([gc.WHOLE_ROW] if theta.ndim >= 2 else [])
    for eps in (gc.DEFAULT_EPSILON, 0.05):
        for function in (f, cubic_f):
            expected = ref.numerical_gradient(function, theta.copy(), eps)
            for mistake in catalogue:
                assert np.array_equal(mistake.build(False, function, theta, eps), expected), mistake.hint
    # At ε = 1e-7 some mistakes are off by O(ε) only; a step relative to |θᵢ| is exact on a quadratic f.
    for mistake in catalogue:
        assert any(
            not _close(mistake(function, theta, 0.05), ref.numerical_gradient(function, theta.copy(), 0.05), rtol=1e-4)
            for function in (f, cubic_f)
        ), mistake.hint


@pytest.mark.parametrize("seed", SEEDS)
def test_one_sided_difference_is_its_textbook_value(seed):
    # The mistaken loops come from the reference's own loop; check one against its definition.
    f, theta, _ = _function(seed, (6,))
    forward = gc.NUMERIC_MISTAKES[1](f, theta, 0.05)
    by_hand = [(f(theta + 0.05 * e) - f(theta)) / 0.05 for e in np.eye(6)]
    assert _close(forward, by_hand, rtol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_theta_given_to_the_mistakes_is_left_alone(seed):
    f, theta, _ = _function(seed, (3, 4))
    before = theta.copy()
    for mistake in gc.NUMERIC_MISTAKES + [gc.WHOLE_ROW]:
        mistake(f, theta, 0.05)
    assert np.array_equal(theta, before)


@pytest.mark.parametrize("shape", [(3, 4), (6,), (1,)])
@pytest.mark.parametrize("seed", SEEDS)
def test_gc_mistakes_off_are_the_reference_on_differ(seed, shape):
    f, theta, gradient = _function(seed, shape)
    ana = gradient(theta) * 1.5 + 0.1
    num = ref.numerical_gradient(f, theta.copy())
    expected = ref.gradient_check(f, theta.copy(), ana)
    assert gc.relative_difference(num, ana) == expected
    for mistake in gc.GC_MISTAKES:
        assert mistake.build(False, num, ana) == expected, mistake.hint
        if theta.size > 1:  # on one entry, most norms coincide
            assert not np.isclose(mistake(num, ana), expected, rtol=1e-6), mistake.hint


def test_spectral_norms_differ_on_matrices_only():
    f, theta, gradient = _function(0, (3, 4))
    ana = gradient(theta) + 0.3
    num = ref.numerical_gradient(f, theta.copy())
    assert not np.isclose(gc.relative_difference(num, ana, gc.NORMS["spectral"]), gc.relative_difference(num, ana))
    assert np.isclose(
        gc.relative_difference(num.ravel(), ana.ravel(), gc.NORMS["spectral"]),
        gc.relative_difference(num, ana),
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_the_exact_gradients_of_the_test_functions(seed):
    rng = np.random.default_rng(seed)
    for make, theta in ((quadratic, rng.standard_normal((3, 2))), (cubic, rng.standard_normal(5))):
        _, f, gradient = make(rng, theta.shape)
        assert _close(ref.numerical_gradient(f, theta.copy(), 1e-5), gradient(theta), rtol=1e-6, atol=1e-8)
    _, f, gradient = softmax_loss(rng, 6, 3, 4)
    theta = rng.standard_normal((3, 4))
    assert _close(ref.numerical_gradient(f, theta.copy(), 1e-5), gradient(theta), rtol=1e-6, atol=1e-8)


# --- train_digits_model: the network is read by the reference ---------------


@pytest.mark.parametrize("seed", SEEDS)
def test_predictions_are_the_reference_forward_pass(seed):
    rng = np.random.default_rng(seed)
    parameters = ref.initialize_parameters([64, 16, 10], seed=seed)
    X = rng.uniform(0, 1, (20, 64))
    assert np.array_equal(mlp.predict(parameters, X), np.argmax(ref.forward_pass(X, parameters)[0], axis=1))
    y = mlp.predict(parameters, X)
    assert mlp.shifted((y + 3) % 10, y) == 3  # digit c classified c + 3
    assert mlp.shifted(y, y) is None
