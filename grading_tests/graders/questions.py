"""Graders of the single-answer comprehension questions.

The student assigns a variable in a solution cell (``nombre_parametres =
...``); the grader reads it from the sandbox and compares it with the right
answer. There is no partial credit: a wrong number scores 0, whatever its type
(``Fail(..., credit=0)``). The feedback names the likely mistake when the
answer is one of the usual wrong ones.
"""

import math

from ..checks import as_real_scalar, fmt
from ..framework import Fail, grader

# (d_0, d_1, ..., d_L) of the two networks of the chapter.
MNIST_DIMS = (784, 128, 64, 10)  # §4.3, éq. 21
DIGITS_DIMS = (64, 128, 64, 10)  # Listing 5, exercise 17.2.2
# Training set of notebook 06_4: 80 % of the 1797 digits, batches of 32.
M_TRAIN, BATCH = 1437, 32
# A float answer may carry the rounding of a computation such as
# 0.5 * (1 - 0.5) in float32; any plausible mistake is off by far more.
FLOAT_RTOL = 1e-6


def _num(x):
    """An answer as a student wrote it: 109 386 for an integer, else 6 digits."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}".replace(",", " ")
    return fmt(x)


def _weights(dims):
    return sum(a * b for a, b in zip(dims[:-1], dims[1:]))


def _biases(dims):
    return sum(dims[1:])


def _read(g, what):
    """The student's answer as a float; Fail if it is missing or not a number."""
    name = g.spec.target
    outcome = g.sandbox.get(name)
    if outcome.status == "error":
        kind = (outcome.error or {}).get("type", "")
        if kind == "NameError":
            fail = Fail(
                "runs",
                f"{name} : pas de réponse, la variable n'est pas définie.",
                f"dans la cellule de réponse, remplacez « raise NotImplementedError() » par « {name} = … » ({what}).",
            )
            fail.status = "missing"  # no answer at all: no work, for the class report
            raise fail
        raise Fail("runs", f"{name} : la variable n'a pas pu être lue ({kind}).")
    if not outcome.ok:
        raise Fail("runs", f"{name} : la variable n'a pas pu être lue par le correcteur ({outcome.status}).")
    value = outcome.value
    if value is None:
        raise Fail("type", f"{name} vaut None : attendu {what}.", f"écrivez « {name} = … » avec votre réponse.")
    return as_real_scalar(value, name)


def _check_exact(g, value, expected, mistakes, what):
    """An integer answer: exact, or named after the mistake it matches."""
    name = g.spec.target
    if value == expected:
        return
    for wrong, explanation in mistakes:
        if math.isclose(value, wrong, rel_tol=1e-12, abs_tol=1e-9):
            raise Fail("values", f"{name} = {_num(value)} : ce n'est pas la bonne valeur ; {explanation}", credit=0)
    if math.isclose(value, expected, rel_tol=1e-9) or not float(value).is_integer():
        raise Fail("values", f"{name} = {_num(value)} : attendu un nombre entier ({what}).", credit=0)
    raise Fail("values", f"{name} = {_num(value)} : ce n'est pas la bonne valeur.", f"comptez {what}.", credit=0)


@grader("derivee_sigmoid_en_0", points=1, kind="question")
def grade_derivee_sigmoid_en_0(g):
    value = _read(g, "un nombre, la valeur exacte de σ'(0)")
    expected = 0.25  # σ(0)(1 − σ(0)) = ½ · ½
    if math.isclose(value, expected, rel_tol=FLOAT_RTOL):
        return
    mistakes = [
        (0.5, "0.5 est σ(0), la valeur de la sigmoïde ; sa dérivée est σ'(0) = σ(0)(1 − σ(0)) (§7.5)."),
        (0.75, "vous avez calculé σ(0)(1 + σ(0)) ; la dérivée est σ(0)(1 − σ(0)) (§7.5)."),
        (1.0, "1 est tanh'(0) (ou ReLU'(z) pour z > 0) ; pour la sigmoïde, σ'(0) = σ(0)(1 − σ(0)) avec σ(0) = 1/2."),
        (0.0, "σ'(0) n'est pas nul : c'est le maximum de σ', σ(0)(1 − σ(0)) avec σ(0) = 1/2."),
        (-0.25, "le signe : σ'(z) = σ(z)(1 − σ(z)) est positif."),
    ]
    for wrong, explanation in mistakes:
        if math.isclose(value, wrong, rel_tol=FLOAT_RTOL, abs_tol=1e-12):
            raise Fail("values", f"derivee_sigmoid_en_0 = {_num(value)} : {explanation}", credit=0)
    raise Fail(
        "values",
        f"derivee_sigmoid_en_0 = {_num(value)} : ce n'est pas σ'(0).",
        "σ'(z) = σ(z)(1 − σ(z)) (§7.5) et σ(0) = 1 / (1 + e⁰).",
        credit=0,
    )


def _parameter_mistakes(dims, other_network=None):
    weights, biases = _weights(dims), _biases(dims)
    arch = " → ".join(str(d) for d in dims)
    mistakes = [
        (weights, f"c'est le nombre de poids seuls ({_num(weights)}) : il manque les {biases} biais, un par neurone des couches 1 à L."),
        (weights + biases + dims[0], f"l'entrée n'a pas de biais : seules les couches 1 à L en ont ({biases} biais, pas {biases + dims[0]})."),
        (sum(dims), f"c'est le nombre de neurones de {arch}, pas le nombre de paramètres (poids et biais)."),
        (sum(dims[1:]), "c'est le nombre de neurones (ou de biais) des couches 1 à L ; il faut aussi compter les poids."),
        (weights + sum(dims[:-1]), "chaque couche l a d_l biais (un par neurone de la couche), pas d_{l−1}."),
        (_weights(dims[:2]) + dims[1], "vous n'avez compté que la première couche ; il y en a trois."),
    ]
    if other_network is not None:
        other = _weights(other_network) + _biases(other_network)
        mistakes.append((other, f"c'est le nombre de paramètres du réseau {' → '.join(map(str, other_network))}, pas de {arch}."))
    return mistakes


@grader("nombre_parametres", points=1, kind="question")
def grade_nombre_parametres(g):
    what = "les poids et les biais du réseau 784 → 128 → 64 → 10 (§4.3, éq. 21)"
    value = _read(g, "un entier, le nombre de paramètres")
    _check_exact(g, value, _weights(MNIST_DIMS) + _biases(MNIST_DIMS), _parameter_mistakes(MNIST_DIMS, DIGITS_DIMS), what)


@grader("nombre_parametres_digits", points=1, kind="question")
def grade_nombre_parametres_digits(g):
    what = "les poids et les biais du réseau 64 → 128 → 64 → 10"
    value = _read(g, "un entier, le nombre de paramètres")
    _check_exact(g, value, _weights(DIGITS_DIMS) + _biases(DIGITS_DIMS), _parameter_mistakes(DIGITS_DIMS, MNIST_DIMS), what)


@grader("iterations_par_epoch", points=1, kind="question")
def grade_iterations_par_epoch(g):
    what = f"les mini-batchs de {BATCH} exemples nécessaires pour voir une fois les {M_TRAIN} exemples"
    value = _read(g, "un entier, le nombre d'itérations d'une epoch")
    full, rest = divmod(M_TRAIN, BATCH)
    mistakes = [
        (full, f"le dernier mini-batch, incomplet ({rest} exemples), compte aussi : il faut ⌈m / B⌉, pas ⌊m / B⌋."),
        (M_TRAIN, "c'est le nombre d'itérations du SGD à un exemple (B = 1) ; ici une itération traite un mini-batch de 32."),
        (BATCH, "32 est la taille B d'un mini-batch, pas le nombre de mini-batchs d'une epoch."),
        (40 * -(-M_TRAIN // BATCH), "c'est le nombre d'itérations de 40 epochs ; la question porte sur une seule epoch."),
    ]
    if not float(value).is_integer() and math.isclose(value, M_TRAIN / BATCH, rel_tol=1e-6):
        raise Fail(
            "values",
            f"iterations_par_epoch = {_num(value)} : un nombre d'itérations est entier.",
            "m / B n'est pas entier : le dernier mini-batch, incomplet, compte pour une itération (⌈m / B⌉).",
            credit=0,
        )
    _check_exact(g, value, -(-M_TRAIN // BATCH), mistakes, what)
