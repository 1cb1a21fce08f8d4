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

from ..checks import (
    ATOL,
    RTOL,
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
    one_hot_labels,
    random_network,
    same_failures,
    stage_as,
)
from ..checks.networks import (
    expect_forward_work, forward_output, gradients, large_scores, numeric_gradients,
)
from ..checks.own import right_for_own_activations
from ..framework import Fail, grader
from ..mistakes import propagation as mistakes


# --- forward_pass ----------------------------------------------------------------

def _check_forward(g, X, parameters, dims, stage, label, return_args=False, a_rtol=RTOL):
    """Run forward_pass and check type, shape and values; return the outcome.

    ``a_rtol``: the relative tolerance of the probabilities A (looser for scores near 1000).
    """
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

        def tol(key):
            # Z and the hidden A to the scale of their layer: a float32 sum of products rounds to that scale.
            e = expected_cache[key]
            return (a_rtol, ATOL) if key == f"A{L}" else (RTOL, ATOL + RTOL * float(np.max(np.abs(e), initial=0.0)))

        if close(A, expected_A, a_rtol) and all(close(arrays[k], expected_cache[k], *tol(k)) for k in required):
            return outcome
        if right_for_own_activations(g, X, parameters, A, arrays, required, a_rtol):
            return outcome
        computed = [k for k in required if k != "A0"]
        expect_forward_work(
            {"A": A, **{k: arrays[k] for k in computed}},
            {"A": expected_A, **{k: expected_cache[k] for k in computed}},
            what,
            X,
        )
        hidden = [f"{k}{l}" for l in range(1, L) for k in ("Z", "A")]
        hidden_right = all(close(arrays[k], expected_cache[k], *tol(k)) for k in ["A0"] + hidden)
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
                rtol, atol = tol(key)
                compare(arrays[key], expected_cache[key], f"cache['{key}']{label}", diagnoses=diagnoses, work=False, rtol=rtol, atol=atol)
        except Fail as fail:
            fail.hint = mistakes.forward_evidence(fail.hint, arrays, L)
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
        _check_large_scores(g)


# Scores near 1000 in the output layer: e^1000 overflows unless softmax shifts
# each row by its maximum, inline as in softmax itself.
LARGE_SCORE = 1000.0
# A float32 score near 1000 is rounded to ulp(1000) / 2 ≈ 3e-5, which moves
# each probability by about that much, relatively: a correct float32 pass
# keeps within 1e-3 here, a softmax without the shift gives nan.
LARGE_SCORE_RTOL = 1e-3


def _check_large_scores(g):
    """forward_pass on an output layer whose scores are near 1000 (property stage).

    The unstable softmax written inline earns the near-miss share, as in
    softmax itself; on the student's own softmax it costs nothing here.
    """
    m = int(g.rng.integers(4, 8))
    dims, parameters, X = random_network(g.rng, 2, m)
    parameters = large_scores(g.rng, parameters, LARGE_SCORE)
    label = f" (réseau {fmt_sizes(dims)}, scores de sortie proches de {fmt(LARGE_SCORE)})"
    try:
        _check_forward(g, X, parameters, dims, "property", label, a_rtol=LARGE_SCORE_RTOL)
    except Fail as fail:
        value = forward_output(g, X, parameters)
        if value is None or np.all(np.isfinite(value)):
            raise
        for mistake in mistakes.FORWARD_SHIFTS:
            text, candidate = mistake.diagnosis(X, parameters, result=lambda out: out[0])
            if same_failures(value, candidate):
                fail.hint, fail.kind = text, ("near_miss" if mistake.near_miss else None)
                break
        else:
            fail.hint = fail.hint or mistakes.WHY_MAX
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


def _depends_on_labels(g, Y, cache, parameters, arrays, required):
    """False when the gradients for other labels are the very same (then they ignore y_true)."""
    other = np.roll(Y, 1, axis=-1)  # every example moved to the next class
    try:
        outcome = g.call(other, cache, parameters)
        _, again = gradients(outcome.value, "", required)
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
        grads, arrays = gradients(outcome.value, what, required)
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
        numeric = numeric_gradients(X_s, Y_s, parameters_s, NUMERIC_EPSILON)
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
