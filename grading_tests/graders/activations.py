"""Graders of the activation functions and their derivatives (§3, §7.5)."""

import numpy as np

import reference_impl as ref

from ..checks import as_array, compare, expect_finite, expect_shape, expect_untouched
from ..framework import Fail, grader

# Pre-activations spread over [-12, 12]: both tails of σ and tanh, both signs of
# the ReLUs, never exactly 0 (the tie z = 0 is checked on its own).
Z_SCALE = 4.0
# Values where overflow, underflow and the ReLU tie show up.
EDGES = np.array([-800.0, -50.0, -1e-12, 0.0, 1e-12, 50.0, 800.0])
# tanh written as in eq. 4, (e^z - e^{-z}) / (e^z + e^{-z}), is the chapter's
# own formula and gives inf/inf beyond |z| ≈ 710; ±300 still shows saturation.
TANH_EDGES = np.array([-300.0, -50.0, -1e-12, 0.0, 1e-12, 50.0, 300.0])


def _random_z(g, shape=(6, 5)):
    return g.rng.standard_normal(shape) * Z_SCALE


def _check_elementwise(g, reference, diagnoses=(), kwargs=None, edge_hint=None, edges=EDGES):
    """The checks shared by every elementwise function, in the fixed order."""
    kwargs = kwargs or {}
    z = _random_z(g)
    outcome = g.call(z, return_args=True, **kwargs)
    out = as_array(outcome.value, f"{g.name}(z)")
    expect_shape(out, z.shape, f"{g.name}(z) pour z de forme {z.shape}", "une fonction élément par élément garde la forme de z.")
    expected = reference(z, **kwargs)
    compare(out, expected, f"{g.name}(z)", inputs={"z": z}, diagnoses=diagnoses(z) if callable(diagnoses) else diagnoses)
    expect_untouched(z, outcome.args_after[0], "z")
    # Any shape: a vector and a 3-d array.
    for shape in [(7,), (2, 3, 4)]:
        z_other = _random_z(g, shape)
        out_other = as_array(g.call(z_other, stage="property", **kwargs).value, f"{g.name}(z)", stage="property")
        if out_other.shape != z_other.shape:
            raise Fail(
                "property",
                f"{g.name} sur z de forme {z_other.shape} : forme obtenue {out_other.shape}.",
                "la fonction doit marcher pour toute forme de z (pas seulement des matrices).",
            )
        compare(out_other, reference(z_other, **kwargs), f"{g.name}(z) pour z de forme {z_other.shape}", stage="property")
    # Edge values: ±800 overflows a naive exp; a warning there costs nothing,
    # a nan does.
    edges = np.asarray(edges, dtype=float).reshape(1, -1)
    out_edges = as_array(g.call(edges, stage="property", **kwargs).value, f"{g.name}(z)", stage="property")
    expect_shape(out_edges, edges.shape, f"{g.name}(z) aux valeurs extrêmes")
    expect_finite(out_edges, f"{g.name}(z) pour z dans {edges.ravel().tolist()}", stage="property", hint=edge_hint)
    compare(
        out_edges,
        reference(edges, **kwargs),
        f"{g.name}(z) aux valeurs extrêmes",
        inputs={"z": edges},
        stage="property",
        diagnoses=diagnoses(edges) if callable(diagnoses) else (),
    )


_STABLE = "pour z très négatif, e^{-z} déborde ; utilisez une forme stable (np.logaddexp, ou np.where selon le signe de z)."


@grader("sigmoid", points=1)
def grade_sigmoid(g):
    _check_elementwise(
        g,
        ref.sigmoid,
        lambda z: [
            ("le signe de l'exposant est inversé : σ(z) = 1 / (1 + e^{-z}) (éq. 3).", 1 / (1 + np.exp(np.clip(z, -700, 700)))),
            ("le « 1 + » du dénominateur manque : σ(z) = 1 / (1 + e^{-z}) (éq. 3).", np.exp(np.clip(z, -700, 700))),
            ("c'est la dérivée σ'(z), pas σ(z).", ref.sigmoid_derivative(z)),
        ],
        edge_hint=_STABLE,
    )


@grader("tanh", points=1)
def grade_tanh(g):
    _check_elementwise(
        g,
        ref.tanh,
        lambda z: [
            ("vous avez calculé σ(z) ; tanh(z) = 2σ(2z) − 1 (éq. 4).", ref.sigmoid(z)),
            ("vous avez calculé 2σ(z) − 1 ; c'est 2σ(2z) − 1 (éq. 4).", 2 * ref.sigmoid(z) - 1),
            ("le dénominateur e^z + e^{-z} manque (éq. 4).", np.sinh(np.clip(z, -700, 700))),
        ],
        edges=TANH_EDGES,
    )


@grader("relu", points=1)
def grade_relu(g):
    _check_elementwise(
        g,
        ref.relu,
        lambda z: [
            ("ReLU(z) = max(0, z) (éq. 5), pas |z|.", np.abs(z)),
            ("vous renvoyez min(0, z) ; ReLU(z) = max(0, z) (éq. 5).", np.minimum(0, z)),
            ("c'est la dérivée 𝕀[z > 0], pas ReLU(z).", ref.relu_derivative(z)),
        ],
    )


@grader("leaky_relu", points=1)
def grade_leaky_relu(g):
    _check_elementwise(
        g,
        ref.leaky_relu,
        lambda z: [
            ("pour z ≤ 0 il faut αz (éq. 6), pas 0 : c'est ReLU.", ref.relu(z)),
            ("pour z ≤ 0 il faut αz, pas α (éq. 6).", np.where(z > 0, z, 0.01)),
            ("la pente s'applique à z ≤ 0 : z si z > 0, sinon αz (éq. 6).", np.where(z > 0, 0.01 * z, z)),
        ],
    )
    z = _random_z(g)
    out = as_array(g.call(z, alpha=0.2, stage="property").value, "leaky_relu(z, alpha=0.2)", stage="property")
    compare(
        out,
        ref.leaky_relu(z, alpha=0.2),
        "leaky_relu(z, alpha=0.2)",
        inputs={"z": z},
        stage="property",
        diagnoses=[("le paramètre alpha est ignoré : utilisez-le au lieu de 0.01.", ref.leaky_relu(z))],
    )


@grader("sigmoid_derivative", points=1)
def grade_sigmoid_derivative(g):
    _check_elementwise(
        g,
        ref.sigmoid_derivative,
        lambda z: [
            ("σ' est calculé à partir de z au lieu de σ(z) : σ'(z) = σ(z)(1 − σ(z)) (§7.5).", z * (1 - z)),
            ("vous renvoyez σ(z) et non sa dérivée σ(z)(1 − σ(z)).", ref.sigmoid(z)),
            ("le facteur (1 − σ(z)) manque : σ'(z) = σ(z)(1 − σ(z)).", ref.sigmoid(z) ** 2),
            ("signe : σ'(z) = σ(z)(1 − σ(z)) est positif.", -ref.sigmoid_derivative(z)),
        ],
        edge_hint=_STABLE,
    )


@grader("tanh_derivative", points=1)
def grade_tanh_derivative(g):
    _check_elementwise(
        g,
        ref.tanh_derivative,
        lambda z: [
            ("tanh' est calculé à partir de z au lieu de tanh(z) : tanh'(z) = 1 − tanh²(z) (§7.5).", 1 - z**2),
            ("le carré manque : tanh'(z) = 1 − tanh²(z).", 1 - np.tanh(z)),
            ("vous renvoyez tanh(z) et non sa dérivée.", np.tanh(z)),
            ("vous renvoyez tanh²(z) ; c'est 1 − tanh²(z).", np.tanh(z) ** 2),
        ],
        edges=TANH_EDGES,
    )


@grader("relu_derivative", points=1)
def grade_relu_derivative(g):
    _check_elementwise(
        g,
        ref.relu_derivative,
        lambda z: [
            ("vous renvoyez ReLU(z) et non sa dérivée 𝕀[z > 0].", ref.relu(z)),
            ("la comparaison est inversée : ReLU'(z) = 1 là où z > 0.", (z < 0).astype(float)),
            ("ReLU'(z) vaut 1 ou 0 (𝕀[z > 0]), pas z.", z),
            ("ReLU'(z) = 𝕀[z > 0] : 1 pour z > 0 et 0 sinon, y compris en z = 0 (§7.5).", (z >= 0).astype(float)),
        ],
    )


@grader("leaky_relu_derivative", points=1)
def grade_leaky_relu_derivative(g):
    _check_elementwise(
        g,
        ref.leaky_relu_derivative,
        lambda z: [
            ("pour z ≤ 0 la dérivée vaut α, pas 0 : c'est la dérivée de ReLU.", ref.relu_derivative(z)),
            ("la dérivée vaut α pour z ≤ 0, pas αz (§7.5).", np.where(z > 0, 1.0, 0.01 * z)),
            ("vous renvoyez Leaky ReLU(z) et non sa dérivée.", ref.leaky_relu(z)),
            ("LReLU'(z) = 1 si z > 0, α si z ≤ 0 : en z = 0 elle vaut α (§7.5).", np.where(z >= 0, 1.0, 0.01)),
        ],
    )
    z = _random_z(g)
    out = as_array(g.call(z, alpha=0.2, stage="property").value, "leaky_relu_derivative(z, alpha=0.2)", stage="property")
    compare(
        out,
        ref.leaky_relu_derivative(z, alpha=0.2),
        "leaky_relu_derivative(z, alpha=0.2)",
        inputs={"z": z},
        stage="property",
        diagnoses=[("le paramètre alpha est ignoré : utilisez-le au lieu de 0.01.", ref.leaky_relu_derivative(z))],
    )
