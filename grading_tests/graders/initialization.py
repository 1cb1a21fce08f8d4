"""Grader of He initialisation (§8.3, éq. 50, Listing 4).

The student's random generator is not the reference's, so the weights can't
be compared entry by entry: the "values" stage checks their statistics
instead, on layers large enough for the sampling error to be small. The
statistical checks are screened at Z_SCREEN standard errors of their
statistic (α = 0.001) and, only when they fail there, judged on four calls
at Z_STAT, which bounds the false-failure probability of a correct
implementation and gives the power written with the constants below.

values: every W drawn independently (no constant layer, no repeated rows or
columns), centred, of standard deviation sqrt(2 / d_{l-1}), with the
fractions within 1σ and 2σ of a normal law; every b zero. Rubric: constant
weights everywhere (zeros included: the symmetry problem of §8.3) show no
work; the variance 1 / d_{l-1} of a normal law is the named near-miss; W
right with b not zero is right on a named part of the outputs (partial).
A hint names a law (uniform, truncated) only when the weights show it: a
uniform law is bounded at √3 σ with a flat histogram, a truncated one has
no weight beyond 3σ where a normal law puts 0.27 % of them.

property: the seed (same seed, same weights; another seed, other weights;
layers independent), layer_dims given as a tuple of numpy integers, and the
edge values: a layer of one unit, seed = 0 and 1, and no seed. A seed fixed in the code keeps the values share: the
weights it gives follow He's law and the layer sizes.
"""

import numpy as np

from ..checks import as_array, as_dict, expect_finite, expect_keys, expect_shape, fmt
from ..framework import Fail, grader
from ..mistakes.initialization import he_std, law as law_of, std_rules

# Layer sizes are drawn in these ranges: wide, narrow, wide, narrower, the
# output. The asymmetry separates fan-in (d_{l-1}), fan-out (d_l) and
# Xavier's d_{l-1} + d_l in every layer, the output's included, by far more
# than the sampling error (see POWER).
WIDE = (300, 400)
NARROW = (50, 60)
NARROWER = (40, 50)
OUTPUT = (20, 25)
# The statistical checks run in two stages. The weights of the first call
# are screened at Z_SCREEN standard errors of each statistic (two-sided
# α = 0.001 each); only when one check fails there are CONFIRM_CALLS more
# calls drawn, with other seeds, and the verdict is that of the same checks
# on all the weights together at Z_STAT standard errors. For a correct
# implementation a check fails both with probability about 0.001 × 2.6e-12
# (P(|N(0,1)| > 7) ≈ 2.6e-12; exact values for N = 1000 weights: 3.1e-12 for
# the t statistic of the mean, 6.0e-12 for the χ² law of N·s²/σ²; the
# fractions below have a smaller spread than the binomial bound used, about
# 0.7 of it when σ is estimated, found by simulation).
Z_SCREEN = 3.291
Z_STAT = 7.0
CONFIRM_CALLS = 3
# Power, for the σ of one layer off by a relative δ: ln(s/σ) has standard
# error 1/√(2N) on N weights. A layer alone with Xavier's σ, the smallest
# effect of the named mistakes, is off by δ = 1 − √(d_{l-1} / (d_{l-1} + d_l)):
# at least 5.7 % on W1 (N ≥ 15 000), 4.6 % on W3 (N ≥ 12 000) and 15.5 % on
# the output layer W4 (N ≥ 800). δ·√(2N) is then at least 6.9 standard
# errors: the screen flags it with probability ≥ 0.9998, and with four times
# the weights (13.9 standard errors) the verdict is sure (power > 1 − 1e-9).
# tests/test_statistics.py recomputes these figures from the constants.
# Largest |correlation| allowed between the first entries of two layers. Two
# independent layers give N(0, 1/k) with k ≥ 3000 entries (σ < 0.02); a
# generator re-seeded at each layer gives exactly 1.
MAX_LAYER_CORRELATION = 0.5
# A W with fewer distinct values than this fraction of its entries reuses
# draws (repeated rows or columns). Independent float64 normal draws are all
# distinct; float32 ones collide for about 1 entry in 10⁴.
MIN_DISTINCT = 0.9


def _dims(g):
    low = lambda r: int(g.rng.integers(r[0], r[1] + 1))  # noqa: E731
    return [low(WIDE), low(NARROW), low(WIDE), low(NARROWER), low(OUTPUT)]


def _as_dict(value, what, stage):
    if stage == "type":
        return as_dict(value, what)
    if not isinstance(value, dict):
        raise Fail(stage, f"{what} : attendu un dict, obtenu {type(value).__name__}.")
    return value


def _keys(L):
    return [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]


def _check_structure(params, dims, what, stage="shape"):
    """Keys, types and shapes of a returned parameter dict."""
    L = len(dims) - 1
    type_stage = "type" if stage == "shape" else stage
    for key, value in params.items():
        as_array(value, f"{what}[{key!r}]", stage=type_stage)
    if stage == "shape":
        try:
            expect_keys(params, _keys(L), what)
        except Fail as fail:
            hint = "les couches sont numérotées de 1 à L : W1, b1, …, WL, bL (Listing 4)." if "W0" in params else None
            raise Fail("shape", fail.message, hint) from None
    elif sorted(params) != sorted(_keys(L)):
        raise Fail(stage, f"{what} : attendu les clés {', '.join(_keys(L))}, obtenu {', '.join(sorted(params))}.")
    arrays = {l: (params[f"W{l}"], params[f"b{l}"]) for l in range(1, L + 1)}
    for l, (W, b) in arrays.items():
        d_in, d_out = dims[l - 1], dims[l]
        w_hint = (
            f"W{l} a la forme (d_l, d_{{l-1}}) = ({d_out}, {d_in}) : une ligne par neurone de la couche l, "
            "une colonne par entrée (Listing 4)."
            if W.shape == (d_in, d_out)
            else None
        )
        b_hint = f"b{l} est une ligne de forme (1, d_l) = (1, {d_out}) : np.zeros((1, d_l)) (Listing 4)."
        if stage == "shape":
            expect_shape(W, (d_out, d_in), f"{what}['W{l}'] pour layer_dims = {dims}", w_hint)
            expect_shape(b, (1, d_out), f"{what}['b{l}'] pour layer_dims = {dims}", b_hint)
        elif W.shape != (d_out, d_in) or b.shape != (1, d_out):
            raise Fail(stage, f"{what} : W{l} ou b{l} n'a pas la forme attendue.")
    return arrays


def _weights_problem(arrays, dims, z_stat, pooled=None):
    """The Fail of the weights W (values stage), or None when their law is He's.

    Its kind is near_miss for the named near-miss (variance 1 / d_{l-1} of a
    normal law), no_work when every W is constant. The statistics allow
    ``z_stat`` standard errors and are taken on ``pooled`` ({l: (W, b)}, the
    weights of several calls) when given, on ``arrays`` otherwise.
    """
    constant = {l: np.all(W == W.flat[0]) for l, (W, _) in arrays.items()}
    if all(constant.values()):
        values = {fmt(arrays[l][0].flat[0]) for l in arrays}
        reason = "la sortie est nulle partout" if values == {"0"} else "la sortie est constante"
        detail = (
            "tous les poids sont nuls"
            if values == {"0"}
            else "dans chaque couche tous les poids ont la même valeur (" + ", ".join(sorted(values)) + ")"
        )
        return Fail(
            "values",
            f"initialize_parameters : {reason} : {detail}, aucun tirage au hasard.",
            "avec des poids tous égaux, tous les neurones d'une couche calculent la même chose et reçoivent le même "
            "gradient : ils restent identiques (symétrie, §8.3). Tirez W selon N(0, 2 / d_{l-1}) (éq. 50).",
            kind="no_work",
        )
    for l, (W, _) in arrays.items():
        w = np.asarray(W, dtype=float)
        d_out, d_in = w.shape
        if constant[l]:
            return Fail(
                "values",
                f"initialize_parameters : W{l} : tous les poids valent {fmt(w.flat[0])}.",
                "avec W = 0 (ou constant) tous les neurones d'une couche restent identiques (symétrie, §8.3) ; tirez W "
                "selon N(0, 2 / d_{l-1}) (éq. 50).",
            )
        distinct = np.unique(w).size
        if distinct < MIN_DISTINCT * w.size:
            if d_out > 1 and np.all(w == w[:1]):
                text = (
                    f"les {d_out} lignes de W{l} sont identiques : tous les neurones de la couche ont les mêmes poids, "
                    "donc la même sortie et le même gradient ; ils le restent pendant tout l'entraînement (symétrie, §8.3)"
                )
            elif d_in > 1 and np.all(w == w[:, :1]):
                text = (
                    f"les {d_in} colonnes de W{l} sont identiques : chaque neurone a le même poids sur toutes ses entrées"
                )
            else:
                text = f"W{l} ne contient que {distinct} valeurs distinctes sur {w.size} : des tirages sont réutilisés"
            return Fail(
                "values",
                f"initialize_parameters : {text}.",
                "chaque poids est un tirage indépendant : rng.standard_normal((d_l, d_{l-1})) * np.sqrt(2 / d_{l-1}) "
                "(éq. 50), un nombre par poids.",
            )
    arrays = pooled or arrays
    stds = {}
    for l, (W, _) in arrays.items():
        w = np.asarray(W, dtype=float).ravel()
        n = w.size
        # σ of the mean is s/√N, with s estimated (a t statistic).
        mean, s = float(w.mean()), float(w.std())
        if abs(mean) > z_stat * s / np.sqrt(n):
            hint = (
                "np.random.rand tire selon la loi uniforme sur [0, 1) : les poids sont tous positifs. Il faut la "
                "loi normale centrée np.random.randn (ou rng.standard_normal) (éq. 50)."
                if np.all(w >= 0)
                else "les poids doivent être centrés : N(0, 2 / d_{l-1}) (éq. 50)."
            )
            return Fail(
                "values",
                f"initialize_parameters : W{l} : moyenne empirique {fmt(mean)} sur {n} poids, attendu ≈ 0 (tolérance ± {fmt(z_stat * s / np.sqrt(n))}).",
                hint,
            )
        stds[l] = float(np.sqrt(np.mean(w**2)))  # the mean is known to be 0
    law, law_message, law_hint = law_of(arrays, stds, z_stat)

    # ln(s/σ) has standard error 1/√(2N): N·s²/σ² follows χ²_N.
    def fits(l, sigma):
        return sigma > 0 and abs(np.log(stds[l] / sigma)) <= z_stat / np.sqrt(2 * arrays[l][0].size)

    for l, (W, _) in arrays.items():
        d_in, d_out = dims[l - 1], dims[l]
        sigma = he_std(d_in, d_out)
        if fits(l, sigma):
            continue
        hint, kind = None, None
        rules = [std_rules(dims[k - 1], dims[k]) for k in arrays]
        for i, (text, _, rule_law, near) in enumerate(rules[0]):
            if rule_law == law and all(fits(k, rules[k - 1][i][1]) for k in arrays):
                hint, kind = text, ("near_miss" if near else None)
                break
        if hint is None:
            # A rule that fits this layer alone (Xavier on the output layer only, say).
            for text, rule_sigma, rule_law, _ in std_rules(d_in, d_out):
                if rule_law == law and fits(l, rule_sigma):
                    hint = f"pour W{l} : {text}"
                    break
        if hint is None:
            ratio = stds[l] / sigma
            hint = (
                f"l'écart-type est {fmt(ratio)}× trop grand" if ratio > 1 else f"l'écart-type est {fmt(1 / ratio)}× trop petit"
            ) + " ; W[l] ~ N(0, 2 / d_{l-1}) : randn fois np.sqrt(2 / d_{l-1}) (éq. 50)."
            if law != "normal":
                hint += " De plus, " + law_message.split(" ; ", 1)[-1] + "."
        tol = z_stat / np.sqrt(2 * W.size)
        return Fail(
            "values",
            f"initialize_parameters : W{l} (d_{{l-1}} = {d_in}, d_l = {d_out}) : écart-type empirique {fmt(stds[l])} sur {W.size} poids, "
            f"attendu √(2 / d_{{l-1}}) = {fmt(sigma)} (tolérance ± {100 * (np.exp(tol) - 1):.1f} %).",
            hint,
            kind=kind,
        )
    if law != "normal":
        return Fail("values", f"initialize_parameters : {law_message}.", law_hint)
    return None


def _check_statistics(arrays, dims, z_stat=Z_STAT, pooled=None):
    """Values stage: W drawn from N(0, 2 / d_{l-1}), b zero.

    W right and b not zero earns the partial share: the weights, the heart
    of éq. 50, are right on their own.
    """
    for l, (W, b) in arrays.items():
        expect_finite(W, f"initialize_parameters : W{l}")
        expect_finite(b, f"initialize_parameters : b{l}")
    weights = _weights_problem(arrays, dims, z_stat, pooled)
    if weights is not None and weights.kind == "no_work":
        raise weights
    bias = None
    for l, (W, b) in arrays.items():
        if np.any(b != 0):
            bias = Fail(
                "values",
                f"initialize_parameters : b{l} : {int(np.sum(b != 0))} valeur(s) non nulle(s) sur {b.size} ; les biais partent de 0.",
                f"b{l} = np.zeros((1, d_l)) (Listing 4) : seuls les poids W sont tirés au hasard.",
            )
            break
    if weights is None and bias is None:
        return
    if weights is None:
        raise Fail(
            "values",
            bias.message + " Les poids W sont justes (loi N(0, 2 / d_{l-1})), les biais b faux.",
            bias.hint,
            kind="partial",
        )
    if bias is not None:
        # Two mistakes: the near-miss share is for the named one alone.
        raise Fail("values", weights.message + " " + bias.message.split(" : ", 1)[1], weights.hint)
    raise weights


def _screened(g, arrays, dims, seed):
    """The statistics in two stages (Z_SCREEN, then Z_STAT on CONFIRM_CALLS more calls)."""
    try:
        _check_statistics(arrays, dims, Z_SCREEN)
        return
    except Fail:
        pass
    weights = {l: [np.asarray(W, dtype=float)] for l, (W, _) in arrays.items()}
    for k in range(1, CONFIRM_CALLS + 1):
        more = _as_dict(g.call(list(dims), seed=(seed + 7919 * k) % (2**31 - 1), stage="values").value, "initialize_parameters", "values")
        more = _check_structure(more, dims, "initialize_parameters", stage="values")
        for l, (W, _) in more.items():
            W = np.asarray(W, dtype=float)
            if not any(np.array_equal(W, seen) for seen in weights[l]):  # a seed fixed in the code adds nothing
                weights[l].append(W)
    pooled = {l: (np.concatenate(weights[l]), arrays[l][1]) for l in arrays}
    _check_statistics(arrays, dims, Z_STAT, pooled)


def _correlation(a, b):
    k = min(a.size, b.size)
    a, b = a[:k], b[:k]
    denom = np.sqrt(np.mean(a**2) * np.mean(b**2))
    return float(np.mean(a * b) / denom) if denom > 0 else 0.0


@grader("initialize_parameters", points=2)
def grade_initialize_parameters(g):
    dims = _dims(g)
    seed = int(g.rng.integers(2**31 - 1))
    other_seed = (seed + 1 + int(g.rng.integers(2**30))) % (2**31 - 1)  # never equal to seed
    outcome = g.call(list(dims), seed=seed, return_args=True)
    params = _as_dict(outcome.value, "initialize_parameters", "type")
    arrays = _check_structure(params, dims, "initialize_parameters")
    _screened(g, arrays, dims, seed)
    if outcome.args_after[0] != dims:
        raise Fail(
            "inputs",
            f"layer_dims a été modifié par la fonction : envoyé {dims}, devenu {outcome.args_after[0]}.",
            "ne modifiez pas la liste layer_dims (append, insert, affectation…) : lisez-la seulement.",
        )

    # Same seed, same parameters; another seed, other parameters.
    again = _as_dict(g.call(list(dims), seed=seed, stage="property").value, "initialize_parameters", "property")
    again = _check_structure(again, dims, "initialize_parameters", stage="property")
    if not all(np.array_equal(arrays[l][0], again[l][0]) for l in arrays):
        raise Fail(
            "property",
            f"initialize_parameters : deux appels avec seed = {seed} donnent des poids différents.",
            "la graine seed est ignorée : créez le générateur avec elle, rng = np.random.default_rng(seed) "
            "(ou np.random.seed(seed)), puis tirez tous les poids avec lui.",
        )
    other = _as_dict(g.call(list(dims), seed=other_seed, stage="property").value, "initialize_parameters", "property")
    other = _check_structure(other, dims, "initialize_parameters", stage="property")
    if all(np.array_equal(arrays[l][0], other[l][0]) for l in arrays):
        raise Fail(
            "property",
            f"initialize_parameters : seed = {seed} et seed = {other_seed} donnent les mêmes poids.",
            "la graine semble fixée dans le code : utilisez l'argument seed, pas une valeur écrite en dur.",
        )
    # Layers are independent draws: a generator re-seeded inside the loop
    # starts every layer with the same numbers.
    flat = {l: (np.asarray(W, dtype=float).ravel(), np.asarray(W, dtype=float).ravel(order="F")) for l, (W, _) in arrays.items()}
    for l in arrays:
        for k in arrays:
            if k <= l:
                continue
            r = max(abs(_correlation(a, b)) for a in flat[l] for b in flat[k])
            if r > MAX_LAYER_CORRELATION:
                raise Fail(
                    "property",
                    f"initialize_parameters : W{l} et W{k} commencent par les mêmes tirages (corrélation {fmt(r)}).",
                    "le générateur est ré-initialisé à chaque couche : créez-le une seule fois avec seed, avant la "
                    "boucle, pour que les couches soient des tirages indépendants.",
                )
    # layer_dims is a list or a tuple of Python or numpy integers: the same
    # sizes give the same parameters.
    sizes = tuple(np.int64(d) for d in dims)
    label = f"initialize_parameters(layer_dims donné comme tuple d'entiers numpy {tuple(dims)}, seed={seed})"
    tuple_hint = (
        "layer_dims est une liste ou un tuple d'entiers (int Python ou entiers numpy) : lisez-le avec len() et des "
        "indices, sans le modifier ni le copier avec .copy(), et sans tester le type exact des tailles."
    )
    try:
        from_tuple = g.call(sizes, seed=seed, stage="property").value
    except Fail as fail:
        raise Fail("property", f"{label} : {fail.message}", tuple_hint) from None
    from_tuple = _check_structure(_as_dict(from_tuple, label, "property"), dims, label, stage="property")
    if not all(np.array_equal(arrays[l][0], from_tuple[l][0]) for l in arrays):
        raise Fail(
            "property",
            f"{label} : les poids diffèrent de ceux obtenus avec la liste {dims} et la même graine.",
            tuple_hint,
        )
    # Edge values: a layer of one unit, seed = 0 and 1 (seeds like any other,
    # not "no seed"), and no seed at all (the chapter's Listing 4 has none).
    small = [int(g.rng.integers(2, 6)), 1, int(g.rng.integers(2, 6))]
    drawn = {}
    for key, kwargs in (("0", {"seed": 0}), ("0 again", {"seed": 0}), ("1", {"seed": 1}), ("none", {})):
        label = f"initialize_parameters({small}" + (f", seed={kwargs['seed']})" if kwargs else ") sans seed")
        params = _as_dict(g.call(list(small), stage="property", **kwargs).value, label, "property")
        drawn[key] = _check_structure(params, small, label, stage="property")
    if not all(np.array_equal(drawn["0"][l][0], drawn["0 again"][l][0]) for l in drawn["0"]):
        raise Fail(
            "property",
            f"initialize_parameters({small}, seed=0) : deux appels avec seed = 0 donnent des poids différents.",
            "0 est une graine comme une autre : un test comme « if seed: » ou « seed or None » la prend pour une "
            "graine absente. Passez seed tel quel à np.random.default_rng(seed) (None seul veut dire : pas de graine).",
        )
    if all(np.array_equal(drawn["0"][l][0], drawn["1"][l][0]) for l in drawn["0"]):
        raise Fail(
            "property",
            f"initialize_parameters({small}) : seed = 0 et seed = 1 donnent les mêmes poids.",
            "la graine semble ignorée ou fixée pour ces valeurs : passez seed tel quel à np.random.default_rng(seed).",
        )
