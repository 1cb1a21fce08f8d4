"""Graders of forward_pass (§5.2, Listing 2) and backward_pass (§7, Listing 3):
the functions of ``reference_impl/propagation.py``.

Every network is drawn at grading time (``checks.networks``). The cache
given to ``backward_pass`` comes from the reference ``forward_pass`` on that
batch, the only kind of cache the chapter's code produces. The named
mistakes, the reference with one part switched, are in
``mistakes/propagation.py``.

Credit beyond right values (framework.KINDS):

- no work: zeros, constants, a copy of an input (X, the parameters), a
  prediction that is the same for every example, gradients that are the same
  for other labels;
- near-miss: backward_pass without the 1/m (every gradient m times too
  large);
- partial: forward_pass right on every hidden layer, wrong on the output
  layer; backward_pass right on the output layer's gradients, wrong below.

Inputs follow the contract of the docstrings: integer as well as float X and
one-hot y_true, a single example (m = 1).
"""

import numpy as np

import reference_impl as ref
from reference_impl.losses import categorical_cross_entropy

from ..checks import (
    as_array,
    as_dict,
    as_tuple,
    call_with_hints,
    close,
    compare,
    expect_shape,
    expect_untouched,
    expect_work,
    fmt,
    fmt_sizes,
    later_checks,
    no_work,
    one_hot_labels,
    random_network,
    stage_as,
)
from ..framework import Fail, grader
from ..mistakes import propagation as mistakes


# --- forward_pass ----------------------------------------------------------------

def _same_rows(got, expected):
    """Why ``got`` ignores the examples (every row the same, where the expected rows differ), or None."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.ndim != 2 or got.shape[0] < 2 or got.shape != expected.shape:
        return None
    # Rows equal up to rounding: a BLAS product may round identical rows differently.
    if close(got, np.broadcast_to(got[:1], got.shape), 1e-9, 1e-12) and not close(
        expected, np.broadcast_to(expected[:1], expected.shape)
    ):
        return "toutes les lignes sont identiques : la sortie ne dépend pas de l'exemple (la ligne de X)"
    return None


def _expect_forward_work(outputs, expected, what, X):
    """``expect_work`` for the forward pass, where a prediction that is the same
    for every example (the biases alone, a fixed guess) shows no work either.
    A0 = X is left out: it is given, not computed."""
    reasons = [no_work(outputs[k], expected[k], {"X": X}) or _same_rows(outputs[k], expected[k]) for k in expected]
    if all(reasons):
        names = ", ".join(expected)
        raise Fail("values", f"{what} : {reasons[0]} (pour chacune des sorties {names}).", kind="no_work")


def _check_forward(g, X, parameters, dims, stage, label, return_args=False):
    """Run forward_pass and check type, shape and values; return the outcome."""
    L = len(dims) - 1
    m = X.shape[0]
    hints = [
        (r"KeyError", mistakes.layer_count_hint(L)),
        (r"Cannot cast ufunc .* to dtype\('u?int", mistakes.INTEGER_CAST_X),
        (r"mismatch|not aligned|shapes \(|broadcast", mistakes.forward_matmul_hint(dims)),
    ]
    outcome = call_with_hints(g, X, parameters, hints=hints, stage=stage, return_args=return_args)
    what = f"forward_pass(X, parameters){label}"
    with stage_as(stage):
        A, cache = as_tuple(outcome.value, 2, what, ["A", "cache"])
        A = as_array(A, f"A renvoyé par {what}")
        if A.shape == X.shape and np.array_equal(A, X):
            raise Fail("shape", f"A renvoyé par {what} : la sortie est une copie de l'entrée X.", kind="no_work")
        cache = as_dict(cache, f"cache renvoyé par {what}")
        required = ["A0"] + [f"{k}{l}" for l in range(1, L + 1) for k in ("Z", "A")]
        missing = [k for k in required if k not in cache]
        if missing:
            raise Fail(
                "shape",
                f"cache renvoyé par {what} : clés manquantes : {', '.join(missing)} (attendu A0 … A{L} et Z1 … Z{L}).",
                mistakes.CACHE_HINTS[missing[0][0]],
            )
        arrays = {k: as_array(cache[k], f"cache['{k}']") for k in required}
        extra = sorted(set(cache) - set(required))
        if extra and stage == "runs":
            extra = ", ".join(extra)
            g.note(f"Remarque : le cache contient aussi {extra} ; c'est accepté (backward_pass n'en a pas besoin).")
        expect_shape(A, (m, dims[-1]), f"A renvoyé par {what}")
        for key in required:
            expect_shape(arrays[key], (m, dims[int(key[1:])]), f"cache['{key}']{label}")

        expected_A, expected_cache = ref.forward_pass(X, parameters)
        computed = [k for k in required if k != "A0"]
        _expect_forward_work(
            {"A": A, **{k: arrays[k] for k in computed}},
            {"A": expected_A, **{k: expected_cache[k] for k in computed}},
            what,
            X,
        )
        hidden = [f"{k}{l}" for l in range(1, L) for k in ("Z", "A")]
        hidden_right = all(close(arrays[k], expected_cache[k]) for k in ["A0"] + hidden)
        try:
            forward = mistakes.forward_diagnoses(X, parameters)
            compare(A, expected_A, f"A renvoyé par {what}", diagnoses=forward, work=False)
            for key in required:
                layer = int(key[1:])
                diagnoses = []
                if key[0] == "A" and layer > 0:
                    before = f"{key} est mis en cache avant l'activation : A[l] = σ(Z[l]) (éq. 24)."
                    shifted = f"décalage d'indice : {key} doit être la sortie de la couche {layer}."
                    diagnoses += [(before, expected_cache[f"Z{layer}"]), (shifted, expected_cache[f"A{layer - 1}"])]
                if key[0] == "Z":
                    after = f"{key} est mis en cache après l'activation : Z[l] est la pré-activation (éq. 23)."
                    diagnoses.append((after, expected_cache[f"A{layer}"]))
                compare(arrays[key], expected_cache[key], f"cache['{key}']{label}", diagnoses=diagnoses, work=False)
        except Fail as fail:
            # Right hidden layers are most of the pass (éqs. 23-24, L − 1 times over).
            if hidden and hidden_right and fail.kind is None:
                fail.kind = "partial"
                fail.message += (
                    f" Les couches cachées sont justes ({', '.join(hidden)} dans le cache) ; "
                    f"seule la couche de sortie (Z{L}, A{L}) est fausse."
                )
            integers = [k for k in ["A", *computed] if ({"A": A} | arrays)[k].dtype.kind in "iub"]
            if fail.hint is None and X.dtype.kind in "iu" and integers:
                dtype = ({"A": A} | arrays)[integers[0]].dtype
                fail.hint = (
                    f"X est ici un tableau d'entiers, et {integers[0]} est de dtype {dtype} : un tableau créé au dtype "
                    "de X (np.zeros_like(X), np.empty(…, dtype=X.dtype)) tronque les valeurs ; travaillez en float "
                    "(np.asarray(X, dtype=float))."
                )
            raise
    return outcome


@grader("forward_pass", points=3)
def grade_forward_pass(g):
    L, m = 3, int(g.rng.integers(5, 10))
    dims, parameters, X = random_network(g.rng, L, m)
    outcome = _check_forward(g, X, parameters, dims, "runs", f" (réseau {fmt_sizes(dims)})", return_args=True)
    X_after, parameters_after = outcome.args_after
    expect_untouched(X, X_after, "X")
    expect_untouched(
        parameters,
        parameters_after,
        "parameters",
        "forward_pass ne doit pas modifier parameters (par exemple parameters['W1'] = parameters['W1'].T) : "
        "travaillez sur des variables locales.",
    )
    with later_checks():
        # One hidden layer with a single example (m = 1).
        dims_o, parameters_o, X_o = random_network(g.rng, 2, 1)
        _check_forward(g, X_o, parameters_o, dims_o, "property", f" (réseau {fmt_sizes(dims_o)}, m = 1)")
        # Three hidden layers and an integer X (the contract: integers or floats),
        # after the same values as floats, so that a failure points at the dtype.
        m_i = int(g.rng.integers(5, 10))
        dims_i, parameters_i, X_i = random_network(g.rng, 4, m_i, integer=True)
        label = f" (réseau {fmt_sizes(dims_i)}, m = {m_i}"
        _check_forward(g, X_i.astype(float), parameters_i, dims_i, "property", label + ")")
        try:
            _check_forward(g, X_i, parameters_i, dims_i, "property", label + f", X d'entiers de dtype {X_i.dtype})")
        except Fail as fail:
            fail.hint = fail.hint or (
                f"les mêmes valeurs de X, en float, donnaient le bon résultat ; en entiers (dtype {X_i.dtype}), non : "
                "une opération garde-t-elle le dtype de X ? Calculez en float (np.asarray(X, dtype=float))."
            )
            raise


# --- backward_pass -------------------------------------------------------------

# Mini-batch sizes: the missing 1/m shows as a factor m that no other mistake gives.
BATCH_SIZES = (20, 41)
# Step of the numerical gradient of the property check: central differences
# (éq. 57) have error O(ε²) ≈ 1e-12 here, rounding ≈ 1e-16 / ε ≈ 1e-10.
NUMERIC_EPSILON = 1e-6
# Relative difference ‖num − ana‖ / (‖num‖ + ‖ana‖) accepted against the
# numerical gradient: the chapter calls < 1e-7 correct; measured values with
# this ε are ~1e-9, and every mistake of the bank gives > 1e-2.
GRADIENT_CHECK_MAX = 1e-6
# Pre-activations at least this far from ReLU's kink, so that θ ± ε never
# crosses it during the numerical gradient.
KINK_MARGIN = 1e-3


def _grad_array(value, what):
    """A gradient: an array, or a scalar (then reported by its shape, ())."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return np.asarray(value, dtype=float)
    return as_array(value, what)


def _gradients(value, what, required):
    grads = as_dict(value, what)
    missing = [k for k in required if k not in grads]
    if missing:
        L = len(required) // 2
        raise Fail(
            "shape",
            f"{what} : clés manquantes : {', '.join(missing)} (attendu dW1 … dW{L} et db1 … db{L}).",
            "un gradient par paramètre : dW{l} et db{l} pour chaque couche l = L, …, 1 (Listing 3).",
        )
    return grads, {k: _grad_array(grads[k], f"grads['{k}']") for k in required}


def _depends_on_labels(g, Y, cache, parameters, arrays, required):
    """False when the gradients for other labels are the very same (then they ignore y_true)."""
    other = np.roll(Y, 1, axis=-1)  # every example moved to the next class
    try:
        outcome = g.call(other, cache, parameters)
        _, again = _gradients(outcome.value, "", required)
    except Fail:
        return True
    return not all(again[k].shape == arrays[k].shape and np.array_equal(again[k], arrays[k]) for k in required)


def _check_backward(g, Y, cache, parameters, dims, stage, label, return_args=False):
    """Run backward_pass and check type, shape and values; return the outcome and gradients."""
    L = len(dims) - 1
    m = Y.shape[0]
    hints = [
        (r"Cannot cast ufunc .* to dtype\('u?int", mistakes.INTEGER_CAST_Y),
        (r"mismatch|not aligned|shapes \(", mistakes.BACKWARD_MATMUL),
        (r"KeyError", mistakes.BACKWARD_KEY),
    ]
    outcome = call_with_hints(g, Y, cache, parameters, hints=hints, stage=stage, return_args=return_args)
    what = f"backward_pass(y_true, cache, parameters){label}"
    with stage_as(stage):
        required = [f"{k}{l}" for l in range(L, 0, -1) for k in ("dW", "db")]
        grads, arrays = _gradients(outcome.value, what, required)
        extra = sorted(set(grads) - set(required))
        if extra and stage == "runs":
            g.note(f"Remarque : grads contient aussi {', '.join(extra)} ; c'est accepté.")
        for key in required:
            l = int(key[2:])
            arr = arrays[key]
            hint = None
            if key.startswith("dW"):
                shape = (dims[l], dims[l - 1])
                if arr.shape == shape[::-1]:
                    hint = (
                        f"dW{l} = (1/m) δ[{l}]ᵀ A[{l - 1}] (éq. 38) a la forme de W{l}, (d_{l}, d_{l - 1}) = {shape} : "
                        f"A[{l - 1}]ᵀ δ[{l}] en est la transposée."
                    )
            else:
                shape = (1, dims[l])
                if arr.shape == (dims[l],):
                    hint = (
                        f"keepdims=True oublié ? db{l} a la forme de b{l}, (1, d_{l}) : "
                        "np.sum(δ, axis=0, keepdims=True) (éq. 39)."
                    )
                elif arr.shape in [(m, 1), (m,), (1, m)]:
                    hint = "la somme de l'éq. 39 porte sur les exemples (axis=0), pas sur les neurones."
                elif arr.shape == ():
                    hint = (
                        f"db{l} est un vecteur (1, d_{l}) : la somme de l'éq. 39 porte sur axis=0 seulement, "
                        "pas sur tout le tableau."
                    )
            expect_shape(arr, shape, f"grads['{key}']{label}", hint)

        expected = ref.backward_pass(Y, cache, parameters)
        wrong = [k for k in required if not close(arrays[k], expected[k])]
        if not wrong:
            return outcome, arrays
        # A copy of the parameters, zeros, constants: no work, whatever the shapes.
        expect_work(arrays, expected, what, inputs={name: parameters[name] for name in parameters})
        if stage == "runs" and not _depends_on_labels(g, Y, cache, parameters, arrays, required):
            raise Fail(
                "values",
                f"{what} : les gradients ne dépendent pas de y_true : les mêmes reviennent pour d'autres étiquettes "
                "(chaque exemple changé de classe).",
                "la perte compare ŷ à y : δ[L] = ŷ − y (éq. 32) fait entrer y_true dans tous les gradients.",
                kind="no_work",
            )
        mistakes.missing_mean(arrays, expected, required, m)
        output = [f"dW{L}", f"db{L}"]
        right = [k for k in required if k not in wrong]
        key = wrong[0]
        try:
            mistakes.scale_diagnosis(arrays[key], expected[key], key, m, output_layer=key in output)
            compare(
                arrays[key],
                expected[key],
                f"backward_pass : {key}{label}",
                diagnoses=[m.diagnosis(Y, cache, parameters, result=lambda grads: grads[key]) for m in mistakes.BACKWARD],
                work=False,
            )
        except Fail as fail:
            # δ[L] and the output layer's gradients right: the first half of Algorithm 3.
            if fail.kind is None and set(output) <= set(right):
                fail.kind = "partial"
                also = [k for k in right if k not in output]
                fail.message += (
                    f" Les gradients de la couche de sortie ({', '.join(output)}) sont justes"
                    + (f", ainsi que {', '.join(also)}" if also else "")
                    + f" ; faux : {', '.join(wrong)}."
                )
            raise
    return outcome, arrays


def _numeric_grads(X, Y, parameters):
    """The reference's central differences (éq. 57) of the reference loss, parameter by parameter."""
    grads = {}
    for name, theta in parameters.items():
        params = dict(parameters, **{name: theta.copy()})

        def loss(_, params=params):
            return categorical_cross_entropy(ref.forward_pass(X, params)[0], Y)

        grads[f"d{name}"] = ref.numerical_gradient(loss, params[name], epsilon=NUMERIC_EPSILON)
    return grads


@grader("backward_pass", points=4)
def grade_backward_pass(g):
    L, m = 3, int(g.rng.integers(*BATCH_SIZES))
    dims, parameters, X = random_network(g.rng, L, m)
    Y = one_hot_labels(g.rng, m, dims[-1])
    _, cache = ref.forward_pass(X, parameters)
    outcome, _ = _check_backward(g, Y, cache, parameters, dims, "runs", "", return_args=True)
    Y_after, cache_after, parameters_after = outcome.args_after
    expect_untouched(Y, Y_after, "y_true")
    expect_untouched(
        cache,
        cache_after,
        "cache",
        f"backward_pass ne doit pas modifier le cache : dZ = cache['A{L}'] - y_true crée un nouveau tableau, "
        "mais dZ -= …, dZ *= … ou np.maximum(…, out=…) sur un tableau du cache le modifient.",
    )
    expect_untouched(parameters, parameters_after, "parameters")

    with later_checks():
        # The same labels as integers (the contract: a one-hot of 0 and 1, int or float).
        Y_int = Y.astype(np.int64)
        try:
            _check_backward(g, Y_int, cache, parameters, dims, "property", f" (y_true one-hot d'entiers, dtype {Y_int.dtype})")
        except Fail as fail:
            fail.hint = fail.hint or (
                f"les mêmes étiquettes, en float, donnaient les bons gradients ; en entiers (dtype {Y_int.dtype}), non. "
                "Un tableau qui prend le dtype de y_true (np.zeros_like(y_true), .astype(y_true.dtype)…) tronque "
                "ŷ − y : calculez δ[L] en float."
            )
            raise

        # A small network against the numerical gradient of the loss (éq. 57).
        dims_s, parameters_s, X_s = random_network(g.rng, 2, 4, kink_margin=KINK_MARGIN)
        _, cache_s = ref.forward_pass(X_s, parameters_s)
        Y_s = one_hot_labels(g.rng, 4, dims_s[-1])
        label = f" (réseau {fmt_sizes(dims_s)}, m = 4)"
        _, got = _check_backward(g, Y_s, cache_s, parameters_s, dims_s, "property", label)
        numeric = _numeric_grads(X_s, Y_s, parameters_s)
        for key, num in numeric.items():
            ana = got[key]
            diff = float(np.linalg.norm(num - ana) / (np.linalg.norm(num) + np.linalg.norm(ana)))
            if not diff < GRADIENT_CHECK_MAX:
                raise Fail(
                    "property",
                    f"backward_pass{label} : {key} diffère du gradient numérique (éq. 57) ; "
                    f"‖num − ana‖ / (‖num‖ + ‖ana‖) = {fmt(diff)}, attendu < {fmt(GRADIENT_CHECK_MAX)}.",
                )
        # A deeper network with a single example.
        dims_d, parameters_d, X_d = random_network(g.rng, 4, 1)
        _, cache_d = ref.forward_pass(X_d, parameters_d)
        label = f" (réseau {fmt_sizes(dims_d)}, m = 1)"
        _check_backward(g, one_hot_labels(g.rng, 1, dims_d[-1]), cache_d, parameters_d, dims_d, "property", label)
