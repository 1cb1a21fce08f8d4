"""Tests of reference_impl, the library the graders compare students against.

Every test can fail: gradients are checked against finite differences,
optimisers against hand-worked steps, random functions against statistics.
"""

import copy
import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from reference_impl import activations, train_digits_model
from reference_impl.activations import ACTIVATIONS, DERIVATIVES, relu, sigmoid, softmax
from reference_impl.gradient_check import gradient_check, numerical_gradient
from reference_impl.initialization import INITIALIZERS, initialize_parameters, initialize_parameters_xavier
from reference_impl.losses import LOSS_FUNCTIONS, binary_cross_entropy, categorical_cross_entropy, mse
from reference_impl.mlp import MLP
from reference_impl.optimizers import (
    OPTIMIZERS,
    Adam,
    Momentum,
    SGD,
    adam_update,
    initialize_moments,
    momentum_update,
    sgd_update,
)
from reference_impl.perceptron import Perceptron, perceptron_update
from reference_impl.propagation import backward_pass, forward_pass
from reference_impl.regularization import (
    EarlyStopping,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    l2_gradient,
    l2_penalty,
)

# Relative difference ‖num - ana‖ / (‖num‖ + ‖ana‖) accepted by a gradient
# check. Central differences with ε = 1e-6 in float64 give ~1e-9 on these
# small smooth problems; a wrong factor or a missing term gives > 1e-2.
GRAD_TOL = 1e-6
EPS_FD = 1e-6
# Agreement of two float64 computations of the same formula in a different
# order: a few ulps, amplified by at most a few steps.
SAME_MATHS_RTOL = 1e-10


def _random_net(layer_dims=(4, 5, 3, 3), m=6, seed=0):
    rng = np.random.default_rng(seed)
    parameters = initialize_parameters(list(layer_dims), seed=rng)
    for l in range(1, len(layer_dims)):  # non-zero biases, so db is really tested
        parameters[f"b{l}"] = rng.normal(0, 0.5, parameters[f"b{l}"].shape)
    X = rng.standard_normal((m, layer_dims[0]))
    labels = rng.integers(0, layer_dims[-1], m)
    Y = np.eye(layer_dims[-1])[labels]
    return parameters, X, Y, labels


def _assert_gradients(loss, parameters, grads):
    for name, theta in parameters.items():
        diff = gradient_check(loss, theta, grads["d" + name], epsilon=EPS_FD)
        assert diff < GRAD_TOL, f"{name}: relative difference {diff:.2e}"


# ------------------------------------------------------------ propagation
def test_backward_pass_matches_numerical_gradient():
    parameters, X, Y, _ = _random_net()
    _, cache = forward_pass(X, parameters)
    grads = backward_pass(Y, cache, parameters)

    def loss(_theta):  # numerical_gradient perturbs the dict's arrays in place
        return categorical_cross_entropy(forward_pass(X, parameters)[0], Y)

    _assert_gradients(loss, parameters, grads)


def test_mlp_trains_with_the_library_passes():
    # One home per equation: without dropout the MLP runs forward_pass and
    # backward_pass themselves, with dropout the same code with two parts swapped.
    assert MLP([4, 5, 3], keep_prob=1.0)._passes() == (forward_pass, backward_pass)
    forward, backward = MLP([4, 5, 3], keep_prob=0.5)._passes()
    assert forward.__code__ is forward_pass.__code__ and backward.__code__ is backward_pass.__code__


def test_mlp_dropout_passes_match_relu_then_dropout_and_numerical_gradient():
    parameters, X, Y, labels = _random_net(layer_dims=(4, 6, 5, 3), m=8)
    model = MLP([4, 6, 5, 3], keep_prob=0.6, seed=0)
    model.fit(X, labels)
    model.parameters_.update(copy.deepcopy(parameters))

    def passes():
        model._rng = np.random.default_rng(123)  # the same masks at every call
        return model._passes()

    forward, backward = passes()
    A, cache = forward(X, model.parameters_)
    # The forward pass is ReLU then inverted dropout on each hidden layer.
    rng, A_l = np.random.default_rng(123), X
    for l in (1, 2):
        A_l, mask = dropout_forward(relu(cache[f"Z{l}"]), 0.6, rng=rng)
        np.testing.assert_array_equal(cache[f"A{l}"], A_l)
        assert not mask.all()
    np.testing.assert_array_equal(A, softmax(cache["Z3"]))
    grads = backward(Y, cache, model.parameters_)
    _assert_gradients(
        lambda _t: categorical_cross_entropy(passes()[0](X, model.parameters_)[0], Y), model.parameters_, grads
    )


def test_l2_gradient_matches_numerical_gradient_of_penalised_loss():
    parameters, X, Y, _ = _random_net()
    lambd, m = 0.7, X.shape[0]
    _, cache = forward_pass(X, parameters)
    grads = l2_gradient(backward_pass(Y, cache, parameters), parameters, lambd, m)

    def loss(_theta):  # éq. 51
        return categorical_cross_entropy(forward_pass(X, parameters)[0], Y) + l2_penalty(parameters, lambd, m)

    _assert_gradients(loss, parameters, grads)


def test_l2_penalty_hand_values_and_biases_excluded():
    parameters = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[100.0]]), "W2": np.array([[3.0]]), "b2": np.ones((1, 1))}
    # λ/(2m) Σ‖W‖² = 0.5 / 4 · (1 + 4 + 9) = 1.75; the biases do not count
    assert l2_penalty(parameters, 0.5, 2) == pytest.approx(1.75)
    grads = {k.replace("W", "dW").replace("b", "db"): np.zeros_like(v) for k, v in parameters.items()}
    new = l2_gradient(grads, parameters, 0.5, 2)
    np.testing.assert_allclose(new["dW1"], [[0.25, 0.5]])
    np.testing.assert_array_equal(new["db1"], 0.0)


# ----------------------------------------------------------- batch norm
def test_batchnorm_forward_normalises_then_scales():
    rng = np.random.default_rng(1)
    Z = rng.normal(3.0, 2.0, (50, 4))
    gamma, beta = np.array([[1.0, 2.0, 0.5, 3.0]]), np.array([[0.0, -1.0, 2.0, 0.5]])
    Z_tilde, cache = batchnorm_forward(Z, gamma, beta)
    np.testing.assert_allclose(Z_tilde.mean(axis=0, keepdims=True), beta, atol=1e-12)
    np.testing.assert_allclose(Z_tilde.std(axis=0, keepdims=True), np.abs(gamma), rtol=1e-5)  # ε = 1e-5
    np.testing.assert_allclose(cache["mu"], Z.mean(axis=0, keepdims=True))


def test_batchnorm_backward_matches_numerical_gradient():
    rng = np.random.default_rng(2)
    Z = rng.normal(1.0, 2.0, (7, 3))
    gamma, beta = rng.normal(1.0, 0.3, (1, 3)), rng.normal(0.0, 1.0, (1, 3))
    R = rng.standard_normal((7, 3))  # loss = Σ R ⊙ Z̃, so ∂loss/∂Z̃ = R

    def loss(_theta):
        return float(np.sum(R * batchnorm_forward(Z, gamma, beta)[0]))

    _, cache = batchnorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = batchnorm_backward(R, cache)
    assert dZ.shape == Z.shape and dgamma.shape == dbeta.shape == (1, 3)
    for theta, analytic in ((Z, dZ), (gamma, dgamma), (beta, dbeta)):
        assert gradient_check(loss, theta, analytic, epsilon=EPS_FD) < GRAD_TOL


# ------------------------------------------------------------ optimisers
def test_adam_two_steps_by_hand():
    # One scalar θ = 1, α = 0.1, gradients 0.5 then -0.2, default β1, β2, ε.
    # t = 1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, θ = 1 - 0.1·0.5/(0.5 + 1e-8)
    # t = 2: m = 0.045 - 0.02 = 0.025, v = 0.00024975 + 0.00004 = 0.00028975,
    #        m̂ = 0.025 / 0.19, v̂ = 0.00028975 / 0.001999
    theta1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
    theta2 = theta1 - 0.1 * (0.025 / 0.19) / (math.sqrt(0.00028975 / 0.001999) + 1e-8)
    assert theta2 == pytest.approx(0.8654394181, abs=1e-10)

    params = {"W1": np.array([[1.0]])}
    m, v = initialize_moments(params), initialize_moments(params)
    params, m, v = adam_update(params, {"dW1": np.array([[0.5]])}, m, v, 1, learning_rate=0.1)
    assert params["W1"][0, 0] == pytest.approx(theta1, abs=1e-14)
    assert m["dW1"][0, 0] == pytest.approx(0.05) and v["dW1"][0, 0] == pytest.approx(0.00025)
    params, m, v = adam_update(params, {"dW1": np.array([[-0.2]])}, m, v, 2, learning_rate=0.1)
    assert params["W1"][0, 0] == pytest.approx(theta2, abs=1e-14)

    opt = Adam({"W1": np.array([[1.0]])}, learning_rate=0.1)
    opt.step({"dW1": np.array([[0.5]])})
    opt.step({"dW1": np.array([[-0.2]])})
    assert opt.parameters["W1"][0, 0] == pytest.approx(theta2, abs=1e-14)


def test_sgd_and_momentum_by_hand():
    params, g = {"b1": np.array([[2.0]])}, {"db1": np.array([[4.0]])}
    assert sgd_update(params, g, 0.25)["b1"][0, 0] == 1.0  # 2 - 0.25·4
    v = initialize_moments(params)
    params, v = momentum_update(params, g, v, 0.5, beta=0.9)
    # v = 0.1·4 = 0.4 (éq. 42), θ = 2 - 0.5·0.4 = 1.8 (éq. 43)
    assert v["db1"][0, 0] == pytest.approx(0.4) and params["b1"][0, 0] == pytest.approx(1.8)
    params, v = momentum_update(params, g, v, 0.5, beta=0.9)
    # v = 0.9·0.4 + 0.4 = 0.76, θ = 1.8 - 0.38 = 1.42
    assert v["db1"][0, 0] == pytest.approx(0.76) and params["b1"][0, 0] == pytest.approx(1.42)


# Each in-place class next to its pure function, with hyperparameters away
# from the defaults: (class, pure step, its state, keyword arguments).
IN_PLACE_AND_PURE = {
    "sgd": (SGD, lambda p, g, state, t, kw: (sgd_update(p, g, **kw),), (), dict(learning_rate=0.05)),
    "momentum": (
        Momentum,
        lambda p, g, state, t, kw: momentum_update(p, g, *state, **kw),
        ("velocity",),
        dict(learning_rate=0.05, beta=0.8),
    ),
    "adam": (
        Adam,
        lambda p, g, state, t, kw: adam_update(p, g, *state, t, **kw),
        ("m", "v"),
        dict(learning_rate=0.01, beta1=0.85, beta2=0.99, epsilon=1e-6),
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_in_place_optimizers_equal_pure_updates_exactly(name):
    # The class does the pure function's operations in the same order on the
    # same values: over many steps, on random parameters and gradients (some
    # tiny, where ε matters), the parameters and the moments agree to the bit.
    cls, pure_step, state_names, kwargs = IN_PLACE_AND_PURE[name]
    assert OPTIMIZERS[name] is cls
    rng = np.random.default_rng(5)
    shapes = {"W1": (5, 4), "b1": (1, 5), "W2": (3, 5), "b2": (1, 3)}
    parameters = {name: rng.standard_normal(shape) for name, shape in shapes.items()}
    before = copy.deepcopy(parameters)
    opt = cls(parameters, **kwargs)
    pure, state = parameters, tuple(initialize_moments(parameters) for _ in state_names)
    for t in range(1, 26):
        scale = 10.0 ** rng.integers(-9, 2)
        grads = {"d" + k: scale * rng.standard_normal(p.shape) for k, p in parameters.items()}
        grads_copy = copy.deepcopy(grads)
        opt.step(grads)
        _assert_same_dict(grads, grads_copy)
        pure, *state = pure_step(pure, grads, state, t, kwargs)
        _assert_same_dict(opt.parameters, pure)
        for state_name, value in zip(state_names, state):
            _assert_same_dict(getattr(opt, state_name), value)
    assert opt.t == 25
    _assert_same_dict(parameters, before)  # the optimiser worked on its own copies


# ----------------------------------------------------------------- dropout
def test_dropout_statistics():
    A = np.ones((400, 250))
    keep_prob = 0.8
    A_out, mask = dropout_forward(A, keep_prob, rng=np.random.default_rng(0))
    n = A.size
    sigma = math.sqrt(keep_prob * (1 - keep_prob) / n)
    assert abs(mask.mean() - keep_prob) < 5 * sigma  # Binomial(n, keep_prob) / n
    assert set(np.unique(A_out)) == {0.0, 1.0 / keep_prob}
    assert abs(A_out.mean() - 1.0) < 5 * sigma / keep_prob  # inverted dropout keeps E[A_out] = A
    np.testing.assert_array_equal(A_out == 0, ~mask)
    # Same generator seed, same mask; dropout_backward routes the gradient through it.
    _, mask2 = dropout_forward(A, keep_prob, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(mask, mask2)
    dA = np.full(A.shape, 2.0)
    np.testing.assert_array_equal(dropout_backward(dA, mask, keep_prob), np.where(mask, 2.0 / keep_prob, 0.0))


def test_dropout_keep_prob_one_and_test_mode_are_identity():
    A = np.random.default_rng(0).standard_normal((20, 7))
    A_out, mask = dropout_forward(A, keep_prob=1.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(A_out, A)
    assert mask.all()
    A_test, mask_test = dropout_forward(A, keep_prob=0.3, training=False)
    np.testing.assert_array_equal(A_test, A)
    assert mask_test is None
    np.testing.assert_array_equal(dropout_backward(A, None, 0.3), A)


# ---------------------------------------------------------- initialisation
@pytest.mark.parametrize(
    "init, variance",
    [
        (initialize_parameters, lambda fan_in, fan_out: 2.0 / fan_in),  # éq. 50
        (initialize_parameters_xavier, lambda fan_in, fan_out: 2.0 / (fan_in + fan_out)),  # éq. 49
    ],
)
def test_initialisation_variance(init, variance):
    # Asymmetric sizes: swapping fan-in and fan-out changes the variance by 40-150 %.
    dims = [300, 500, 120]
    parameters = init(dims, seed=0)
    for l in (1, 2):
        W = parameters[f"W{l}"]
        assert W.shape == (dims[l], dims[l - 1])
        assert parameters[f"b{l}"].shape == (1, dims[l]) and not parameters[f"b{l}"].any()
        expected = variance(dims[l - 1], dims[l])
        # The sample variance of n normal draws has relative std sqrt(2/n) < 0.6 %.
        assert W.var() == pytest.approx(expected, rel=0.05)
        assert abs(W.mean()) < 5 * math.sqrt(expected / W.size)
    again = init(dims, seed=0)
    np.testing.assert_array_equal(again["W2"], parameters["W2"])
    assert not np.array_equal(init(dims, seed=1)["W2"], parameters["W2"])
    assert INITIALIZERS["he"] is initialize_parameters and INITIALIZERS["xavier"] is initialize_parameters_xavier


# ------------------------------------------------------------------ losses
def test_losses_hand_values():
    assert mse(np.array([1.0, 2.0]), np.array([0.0, 0.0])) == pytest.approx(2.5)  # (1 + 4) / 2
    assert mse(np.array([[1.0, 1.0], [0.0, 2.0]]), np.zeros((2, 2))) == pytest.approx(3.0)  # (2 + 4) / 2
    assert binary_cross_entropy(np.array([0.9, 0.2]), np.array([1, 0])) == pytest.approx(
        -(math.log(0.9) + math.log(0.8)) / 2
    )
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    y_true = np.array([[1, 0, 0], [0, 0, 1]])
    assert categorical_cross_entropy(y_pred, y_true) == pytest.approx(-(math.log(0.7) + math.log(0.8)) / 2)
    assert LOSS_FUNCTIONS == {
        "mse": mse,
        "binary_cross_entropy": binary_cross_entropy,
        "categorical_cross_entropy": categorical_cross_entropy,
    }


def test_losses_are_finite_on_certain_mistakes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bce = binary_cross_entropy(np.array([1.0, 0.0]), np.array([0, 1]))
        cce = categorical_cross_entropy(np.array([[0.0, 1.0]]), np.array([[1, 0]]))
    assert np.isfinite(bce) and bce > 20  # -log(1e-12) ≈ 27.6
    assert np.isfinite(cce) and cce > 20
    assert binary_cross_entropy(np.array([1.0, 0.0]), np.array([1, 0])) < 1e-10


# ------------------------------------------------------------- activations
def test_softmax_is_stable_at_1000():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = softmax(np.array([[1000.0, 1000.0, 1000.0], [1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(P[0], [1 / 3] * 3)
    np.testing.assert_allclose(P[1], [1.0, 0.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(softmax(np.array([1.0, 2.0]) + 500), softmax(np.array([1.0, 2.0])))


def test_activations_at_extremes_give_no_warning():
    z = np.array([-800.0, -1.0, 0.0, 1.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(sigmoid(np.array([-800.0, 800.0])), [0.0, 1.0])
        for name, f in ACTIVATIONS.items():
            assert np.all(np.isfinite(f(z))), name
        for name, f in DERIVATIVES.items():
            assert np.all(np.isfinite(f(z))), name


# ---------------------------------------------------------------- purity
def _assert_same_dict(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def _purity_cases():
    rng = np.random.default_rng(7)
    parameters, X, Y, labels = _random_net()
    _, cache = forward_pass(X, parameters)
    grads = backward_pass(Y, cache, parameters)
    moments = {k: rng.random(g.shape) for k, g in grads.items()}
    Z = rng.standard_normal((6, 3))
    gamma, beta = rng.random((1, 3)) + 0.5, rng.random((1, 3))
    _, bn_cache = batchnorm_forward(Z, gamma, beta)
    _, mask = dropout_forward(Z, 0.5, rng=rng)
    probs = softmax(Z)
    cases = [(f"activation {name}", f, (Z,)) for name, f in {**ACTIVATIONS, **DERIVATIVES}.items()]
    cases += [
        ("perceptron_update", perceptron_update, (rng.standard_normal(3), 0.5, rng.standard_normal(3), 1, 0.1)),
        ("forward_pass", forward_pass, (X, parameters)),
        ("backward_pass", backward_pass, (Y, cache, parameters)),
        ("initialize_parameters", initialize_parameters, ([4, 5, 3], 0)),
        ("initialize_parameters_xavier", initialize_parameters_xavier, ([4, 5, 3], 0)),
        ("sgd_update", sgd_update, (parameters, grads, 0.1)),
        ("momentum_update", momentum_update, (parameters, grads, moments, 0.1)),
        ("adam_update", adam_update, (parameters, grads, moments, moments, 3)),
        ("dropout_forward", dropout_forward, (Z, 0.5, True, np.random.default_rng(0))),
        ("dropout_backward", dropout_backward, (Z, mask, 0.5)),
        ("l2_penalty", l2_penalty, (parameters, 0.1, 6)),
        ("l2_gradient", l2_gradient, (grads, parameters, 0.1, 6)),
        ("batchnorm_forward", batchnorm_forward, (Z, gamma, beta)),
        ("batchnorm_backward", batchnorm_backward, (Z, bn_cache)),
        ("mse", mse, (probs, Y[:, :3])),
        ("binary_cross_entropy", binary_cross_entropy, (probs[:, 0], Y[:, 0])),
        ("categorical_cross_entropy", categorical_cross_entropy, (probs, Y[:, :3])),
        ("numerical_gradient", numerical_gradient, (lambda t: float(np.sum(t**3)), Z.copy())),
        ("gradient_check", gradient_check, (lambda t: float(np.sum(t**3)), Z.copy(), 3 * Z**2)),
    ]
    return cases


def _snapshot(value):
    return copy.deepcopy(value) if not callable(value) else value


def _assert_unchanged(before, after):
    if isinstance(before, dict):
        assert before.keys() == after.keys()
        for k in before:
            _assert_unchanged(before[k], after[k])
    elif isinstance(before, (list, tuple)):
        for b, a in zip(before, after):
            _assert_unchanged(b, a)
    elif isinstance(before, np.ndarray):
        np.testing.assert_array_equal(before, after)  # exact: not even restored up to rounding
        assert before.dtype == after.dtype
    elif not callable(before) and not isinstance(before, np.random.Generator):
        assert before == after


@pytest.mark.parametrize("name, function, args", _purity_cases(), ids=lambda c: c if isinstance(c, str) else "")
def test_functions_leave_their_inputs_untouched(name, function, args):
    before = [_snapshot(a) for a in args]
    out = function(*args)
    _assert_unchanged(before, list(args))
    # The results do not alias the inputs: writing into them changes nothing.
    # Caches may hold their inputs (A0 is X), and l2_gradient passes db{l}
    # through on purpose, so those are not written to.
    if name in {"forward_pass", "batchnorm_forward", "l2_gradient"}:
        return
    outputs = out if isinstance(out, tuple) else (out,)
    for o in outputs:
        for arr in o.values() if isinstance(o, dict) else [o]:
            if isinstance(arr, np.ndarray) and arr.dtype == np.float64:
                arr += 1.0
    _assert_unchanged(before, list(args))


def test_mlp_fit_and_early_stopping_leave_inputs_untouched():
    _, X, _, labels = _random_net(m=20)
    X0, y0 = X.copy(), labels.copy()
    MLP([4, 5, 3, 3], n_epochs=3, patience=2, seed=0).fit(X, labels, X, labels)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(labels, y0)


# ------------------------------------------------------------- perceptron
def test_perceptron_converges_on_separable_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 2))
    score = X @ np.array([2.0, -1.0]) + 0.3
    keep = np.abs(score) > 0.1  # a margin, so convergence is quick
    X, y = X[keep], (score[keep] > 0).astype(int)
    model = Perceptron(learning_rate=0.1, n_epochs=200).fit(X, y)
    assert model.errors_[-1] == 0 and model.errors_[0] > 0
    assert model.n_epochs_ < 200
    np.testing.assert_array_equal(model.predict(X), y)
    assert np.all((model.decision_function(X) > 0) == y)

    # Same result as Algorithm 1 written out with perceptron_update.
    w, b = np.zeros(2), 0.0
    for _ in range(model.n_epochs_):
        for x_i, y_i in zip(X, y):
            w, b = perceptron_update(w, b, x_i, y_i, 0.1)
    np.testing.assert_array_equal(model.w, w)
    assert model.b == b


def test_perceptron_fails_on_xor():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    model = Perceptron(learning_rate=0.1, n_epochs=50).fit(X, y)
    assert len(model.errors_) == 50 and min(model.errors_) > 0
    assert np.mean(model.predict(X) == y) <= 0.75  # no line separates XOR


# --------------------------------------------------------- early stopping
def test_early_stopping_counts_patience_and_copies_parameters():
    stopper = EarlyStopping(patience=3, min_delta=0.05)
    params = {"W1": np.zeros((2, 2))}
    decisions = []
    for epoch, loss in enumerate([3.0, 2.0, 1.97, 2.5, 2.6]):
        params["W1"][...] = epoch  # training updates in place
        decisions.append(stopper.step(loss, params))
    # 1.97 is not below 2.0 - 0.05: epochs 2, 3, 4 make three without improvement.
    assert decisions == [False, False, False, False, True]
    assert stopper.best_epoch == 1 and stopper.best_loss == 2.0
    np.testing.assert_array_equal(stopper.best_parameters["W1"], 1.0)


def test_mlp_early_stopping_restores_best_parameters():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.default_rng(0)
    y_val = rng.integers(0, 10, 200)  # random labels: the validation loss must rise as the model learns
    model = MLP([64, 32, 10], learning_rate=1e-2, n_epochs=200, patience=4, seed=0)
    model.fit(X[:300], y[:300], X[300:500], y_val)
    val_loss = model.history_["val_loss"]
    assert model.n_epochs_ == len(val_loss) < 200
    assert model.best_epoch_ == int(np.argmin(val_loss))
    assert model.n_epochs_ - 1 - model.best_epoch_ == 4
    restored = categorical_cross_entropy(model.predict_proba(X[300:500]), np.eye(10)[y_val])
    assert restored == pytest.approx(min(val_loss), rel=1e-12)
    assert restored < val_loss[-1]
    assert set(model.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}


# --------------------------------------------------------------------- MLP
@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.2, stratify=y, random_state=0)


@pytest.mark.parametrize("optimizer, learning_rate", [("sgd", 0.1), ("momentum", 0.1), ("adam", 1e-3)])
def test_mlp_learns_with_every_optimizer(digits_split, optimizer, learning_rate):
    X_train, X_test, y_train, y_test = digits_split
    model = MLP([64, 32, 10], learning_rate=learning_rate, optimizer=optimizer, n_epochs=8, seed=0)
    model.fit(X_train, y_train)
    assert model.history_["loss"][-1] < 0.5 * model.history_["loss"][0]
    assert model.score(X_test, y_test) > 0.9
    assert set(model.history_) == {"loss", "accuracy"}
    assert model.predict(X_test).shape == y_test.shape
    np.testing.assert_allclose(model.predict_proba(X_test).sum(axis=1), 1.0)


def test_mlp_is_reproducible_and_dropout_l2_train(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    kwargs = dict(keep_prob=0.8, lambd=1e-3, n_epochs=10, seed=3)
    a = MLP([64, 32, 10], **kwargs).fit(X_train, y_train)
    b = MLP([64, 32, 10], **kwargs).fit(X_train, y_train)
    _assert_same_dict(a.parameters_, b.parameters_)
    assert a.score(X_test, y_test) > 0.85
    np.testing.assert_array_equal(a.predict_proba(X_test), a.predict_proba(X_test))  # no dropout at test time


def test_mlp_rejects_bad_input():
    with pytest.raises(ValueError):
        MLP([2, 3, 2], patience=3).fit(np.zeros((4, 2)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError):
        MLP([2, 3, 2]).fit(np.zeros((4, 2)), np.array([0, 1, 2, 0]))  # label 2 with K = 2
    with pytest.raises(ValueError):
        MLP([2, 3, 2]).fit(np.zeros((4, 2)), np.array([0.0, 0.5, 1.0, 0.0]))
    MLP([2, 3, 2], n_epochs=1).fit(np.zeros((4, 2)), np.array([0.0, 1.0, 1.0, 0.0]))  # integral floats are fine


@pytest.mark.parametrize("split_seed", [0, 1])
def test_train_digits_model_beats_95_percent(split_seed):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.2, stratify=y, random_state=split_seed
    )
    parameters = train_digits_model(X_train, y_train)
    assert type(parameters) is dict and sorted(parameters) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert parameters["W1"].shape == (128, 64) and parameters["W3"].shape == (10, 64)
    accuracy = np.mean(forward_pass(X_test, parameters)[0].argmax(axis=1) == y_test)
    assert accuracy > 0.95
    # One-hot labels, as in Listing 5, give the same model.
    _assert_same_dict(train_digits_model(X_train, np.eye(10)[y_train]), parameters) if split_seed == 0 else None


def test_registries_are_complete():
    assert set(DERIVATIVES) == set(ACTIVATIONS) - {"softmax"}
    assert all(callable(f) for f in ACTIVATIONS.values())
    assert activations.__all__  # explicit public surface
