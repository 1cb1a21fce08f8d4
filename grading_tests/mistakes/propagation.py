"""Named mistakes of forward_pass (éqs. 22-24) and backward_pass (éqs. 32-39).

Each is the reference with one part switched: ``ref.forward_pass`` with its
``relu`` or ``softmax`` bound to another activation, or on parameters whose
biases are zero; ``ref.backward_pass`` with its ``relu_derivative`` bound to
something else, or its gradients m times too large. The hints on the
student's errors (a failed matrix product, a missing key) are here too.
"""

import re

import numpy as np

import reference_impl as ref

from ..checks import close, fmt, fmt_sizes, scale_factor
from ..framework import Fail, named
from . import Mistake, identity, on_inputs, on_output, swapped
from .activations import SHIFTS, WHY_MAX

__all__ = [
    "FORWARD",
    "FORWARD_SHIFTS",
    "forward_evidence",
    "WHY_MAX",
    "BACKWARD",
    "MISSING_MEAN",
    "missing_mean",
    "scale_diagnosis",
    "layer_count_hint",
    "forward_matmul_hint",
    "forward_diagnoses",
    "INTEGER_CAST_X",
    "INTEGER_CAST_Y",
    "CACHE_HINTS",
    "BACKWARD_MATMUL",
    "BACKWARD_KEY",
]


def _without_biases(X, parameters):
    return X, {k: np.zeros_like(v) if k.startswith("b") else v for k, v in parameters.items()}


_HIDDEN_RELU = "les couches cachées utilisent ReLU (Listing 2)"
RELU_MISSING = "l'activation ReLU des couches cachées manque : A[l] = ReLU(Z[l]) (éq. 24)."

# The first result of each (A) is compared; the order is the graders'. The
# third and fourth look the same when Z[L] > 0 everywhere (see the grader).
FORWARD = [
    Mistake("le biais manque : Z[l] = A[l-1] W[l]ᵀ + b[l] (éq. 23).", on_inputs(ref.forward_pass, _without_biases), name="missing_bias"),
    Mistake(
        "softmax ne s'applique qu'à la couche de sortie ; les couches cachées utilisent ReLU (Listing 2).",
        swapped(ref.forward_pass, relu=ref.softmax),
        name="softmax_in_hidden_layers",
    ),
    Mistake("la couche de sortie utilise softmax (éq. 9), pas ReLU.", swapped(ref.forward_pass, softmax=ref.relu), name="relu_at_output"),
    Mistake("la sortie doit passer par softmax (éq. 9) : vous renvoyez Z[L].", swapped(ref.forward_pass, softmax=identity), name="returns_logits"),
    Mistake(f"{_HIDDEN_RELU}, pas la sigmoïde.", swapped(ref.forward_pass, relu=ref.sigmoid), name="sigmoid_in_hidden_layers"),
    Mistake(f"{_HIDDEN_RELU}, pas tanh.", swapped(ref.forward_pass, relu=ref.tanh), name="tanh_in_hidden_layers"),
    Mistake(RELU_MISSING, swapped(ref.forward_pass, relu=identity), name="relu_missing"),
]


def _softmax_of(mistake):
    """softmax as ``mistake`` (one of activations.SHIFTS) computes it."""
    return lambda Z: mistake(Z)


# The output layer's softmax without the shift by the row maximum, written
# directly or as e^{z − log Σ e^z}: the named near-miss of softmax
# (activations.SHIFTS), with the same credit whether softmax is written inline
# in forward_pass or in its own function. (The other shifts of SHIFTS fail
# only on rows of scores far apart, which forward_pass is not given.)
FORWARD_SHIFTS = [
    Mistake(mistake.hint, swapped(ref.forward_pass, softmax=_softmax_of(mistake)), mistake.near_miss, name=mistake.name)
    for mistake in SHIFTS
    if mistake.near_miss
]


def _one(z):
    return 1.0


def _sigmoid_of_activation(z):
    """A(1 − A) with A = ReLU(Z), the activation the cache holds."""
    a = ref.relu(z)
    return a * (1 - a)


# ref.backward_pass with ReLU' (its relu_derivative) bound to another function.
BACKWARD = [
    Mistake(hint, swapped(ref.backward_pass, relu_derivative=derivative), name=name)
    for name, hint, derivative in [
        ("missing_relu_derivative", "la dérivée de ReLU manque : δ[l-1] = (δ[l] W[l]) ⊙ ReLU'(Z[l-1]) (éq. 35).", _one),
        (
            "sigmoid_derivative_of_z",
            "les couches cachées utilisent ReLU : ReLU'(Z) = 𝕀[Z > 0] (§7.5), pas la dérivée de la sigmoïde.",
            ref.sigmoid_derivative,
        ),
        (
            "sigmoid_derivative_of_activation",
            "les couches cachées utilisent ReLU : ReLU'(Z) = 𝕀[Z > 0] (§7.5), pas A(1 − A) (la dérivée de la sigmoïde).",
            _sigmoid_of_activation,
        ),
        ("relu_instead_of_derivative", "vous multipliez par ReLU(Z[l-1]) au lieu de sa dérivée 𝕀[Z[l-1] > 0] (éq. 35).", ref.relu),
    ]
]


Z_FED_FORWARD = named(
    "z_fed_forward",
    "vos A[l] = ReLU(Z[l]) sont justes dans le cache, mais c'est Z[l] qui est transmis à la couche suivante : "
    "Z[l+1] = A[l] W[l+1]ᵀ + b[l+1] (éq. 23) part de l'activation A[l], pas de la pré-activation."
)


def forward_evidence(hint, arrays, L):
    """The hint of a wrong forward_pass, checked against the student's own cache: « ReLU missing »
    matches the output of a pass that computed each A[l] = ReLU(Z[l]) but fed Z[l] forward, and the
    cache tells them apart."""
    if hint != RELU_MISSING or L < 2:
        return hint
    hidden = [(arrays[f"A{l}"], arrays[f"Z{l}"]) for l in range(1, L)]
    if all(close(A, ref.relu(Z)) and not close(A, Z) for A, Z in hidden):
        return Z_FED_FORWARD
    return hint


def forward_diagnoses(X, parameters):
    """The diagnoses of a wrong A: the catalogue's, with the two that agree merged."""
    found = [mistake.diagnosis(X, parameters, result=lambda out: out[0]) for mistake in FORWARD]
    relu_out, logits = found[2][1], found[3][1]
    if close(relu_out, logits):
        # Z[L] > 0 everywhere: ReLU(Z[L]) = Z[L], the two mistakes look the same.
        both = named("output_not_softmax",
                     "la couche de sortie utilise softmax (éq. 9) : vous renvoyez Z[L] (ou ReLU(Z[L]), qui lui est égal ici).")
        found[2] = found[3] = (both, logits)
    return found


# The near-miss of the rubric: every gradient m times too large. The grader
# recognises it by the scale of each gradient (checks.scale_factor).
MISSING_MEAN = Mistake(
    "la moyenne sur le batch (1/m, éq. 38) manque-t-elle ? dW[l] = (1/m) δ[l]ᵀ A[l-1] et "
    "db[l] = (1/m) Σ_i δ[l]_i (éq. 38-39).",
    on_output(ref.backward_pass, lambda grads, y_true, *_: {k: y_true.shape[0] * v for k, v in grads.items()}),
    near_miss=True,
    name="missing_one_over_m",
)


def _norms(got, expected, name):
    return f"attendu ‖{name}‖ = {fmt(np.linalg.norm(expected))}, obtenu {fmt(np.linalg.norm(got))}."


def missing_mean(arrays, expected, required, m):
    """The near-miss of the rubric, :data:`MISSING_MEAN`: every gradient
    exactly m times too large (1/m left out), recognised by its scale."""
    if m < 2:
        return
    for key in required:
        k = scale_factor(arrays[key], expected[key])
        if not np.any(expected[key]):
            continue
        if k is None or abs(k - m) > 1e-3 * m:
            return
    first = required[0]
    raise Fail(
        "values",
        f"backward_pass : {first} est {m}× trop grand (m = {m}), comme tous les gradients ; "
        + _norms(arrays[first], expected[first], first),
        MISSING_MEAN.hint,
        kind="near_miss",
    )


def scale_diagnosis(got, expected, name, m, output_layer):
    """Fail with a named message when ``got`` is a multiple of ``expected``."""
    k = scale_factor(got, expected)
    if k is None:
        return
    norms = _norms(got, expected, name)
    if k == 0:
        raise Fail("values", f"backward_pass : {name} est nul partout ; {norms}")
    if abs(k + 1) < 1e-3:
        hint = (
            "δ[L] = ŷ − y (éq. 32), pas y − ŷ."
            if output_layer
            else "la couche de sortie est juste : le signe s'inverse dans la propagation, "
            "δ[l-1] = (δ[l] W[l]) ⊙ ReLU'(Z[l-1]) (éq. 35)."
        )
        raise Fail("values", f"backward_pass : {name} a le signe opposé du gradient ; {norms}", hint)
    if abs(k - m) < 1e-3 * m:
        raise Fail(
            "values",
            f"backward_pass : {name} est {m}× trop grand (m = {m}) ; {norms}",
            f"la division par m (éq. 38-39) manque-t-elle pour {name} ?",
        )
    if abs(k * m - 1) < 1e-3:
        raise Fail(
            "values",
            f"backward_pass : {name} est {m}× trop petit (m = {m}) ; {norms}",
            "vous divisez par m deux fois ? Le facteur 1/m n'apparaît qu'une fois (éq. 38-39).",
        )
    size = f"{fmt(k)}× trop grand" if abs(k) > 1 else f"{fmt(1 / k)}× trop petit"
    raise Fail("values", f"backward_pass : {name} est {size} (m = {m}) ; {norms}")


# Hints on the student's errors and dtypes.
INTEGER_CAST_X = (
    "X est ici un tableau d'entiers : une opération en place (+=, out=…) sur un tableau au dtype de X "
    "(np.zeros_like(X), dtype=X.dtype) ne peut pas recevoir de float ; travaillez en float (np.asarray(X, dtype=float))."
)
CACHE_HINTS = {
    "A": "le cache garde chaque activation A0 = X (éq. 22), A1, …, AL (Listing 2) : backward_pass lit A[l-1] "
    "pour dW[l] (éq. 38).",
    "Z": "le cache garde aussi les pré-activations Z1, …, ZL : backward_pass en a besoin pour ReLU'(Z) (éq. 35).",
}
BACKWARD_MATMUL = (
    "une multiplication matricielle a échoué : δ[l-1] = (δ[l] W[l]) ⊙ ReLU'(Z[l-1]) (éq. 35) utilise W[l], "
    "le poids de la couche l (de forme (d_l, d_{l-1})), et dW[l] = (1/m) δ[l]ᵀ A[l-1] (éq. 38)."
)
BACKWARD_KEY = (
    "vérifiez les indices de couche : cache contient A0 … AL et Z1 … ZL, parameters W1 … WL ; "
    "L = len(parameters) // 2."
)
INTEGER_CAST_Y = (
    "y_true est ici un tableau d'entiers : une opération en place (-=, out=…) sur un tableau au dtype de y_true "
    "ne peut pas recevoir de float ; calculez δ[L] = ŷ − y (éq. 32) dans un nouveau tableau."
)


def layer_count_hint(L):
    """The hint for a KeyError in forward_pass: a layer index beyond L, or another key."""

    def hint(error):
        match = re.search(r"KeyError : '([WbAZ])(\d+)'", error)
        if match and int(match.group(2)) > L:
            return (
                "le nombre de couches vient de parameters : L = len(parameters) // 2 "
                "(un W et un b par couche, Listing 2)."
            )
        return "vérifiez les indices de couche : parameters contient W1 … WL et b1 … bL."

    return hint


def _matmul_sizes(error):
    """The two sizes a failed matrix product quotes: (rows of the right operand, columns of the left)."""
    match = re.search(r"size (\d+) is different from (\d+)", error)  # @, np.matmul
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.search(r"(\d+) \(dim \d+\) != (\d+) \(dim \d+\)", error)  # np.dot
    if match:
        return int(match.group(2)), int(match.group(1))
    return None


def forward_matmul_hint(dims):
    """Name the untransposed W only when the sizes quoted are those of A[l-1] @ W[l]."""
    untransposed = {(dims[l], dims[l - 1]) for l in range(1, len(dims))}

    def hint(error):
        if _matmul_sizes(error) in untransposed:
            return (
                "une multiplication matricielle a échoué : Z[l] = A[l-1] W[l]ᵀ + b[l] (éq. 23), où W[l] a la forme "
                "(d_l, d_{l-1}) : il faut sa transposée W.T."
            )
        return (
            "une opération entre tableaux a échoué sur leurs formes : Z[l] = A[l-1] W[l]ᵀ + b[l] (éq. 23), avec "
            f"A[l-1] de forme (m, d_{{l-1}}), W[l] de forme (d_l, d_{{l-1}}) et b[l] de forme (1, d_l) ; "
            f"ici les tailles des couches sont {fmt_sizes(dims)}."
        )

    return hint
