"""Grader of the Adam update (§8.1.3, éqs. 44-48).

adam_update returns new dicts and leaves its arguments untouched (notebook,
stub docstring, reference): parameters, grads, m and v are checked after the
call, at the "inputs" stage. Updating them in place (+=, -=, or new arrays
stored into the caller's dicts) is a mistake of that stage only.

The inputs are those of a step in the middle of training: t > 1 and non-zero
moments, so that the bias corrections (éqs. 46-47) matter and the returned m
and v are not just (1 - β)·g. One call uses non-default hyperparameters with a
large ε, so that ε inside the square root, β1 and β2 swapped, or
hyperparameters ignored all give visibly different results. One entry of
each call has g = m = v = 0 (a unit that never got a gradient): there the
step is 0 / (0 + ε) = 0, so an ε left out gives nan while an ε hard-coded
to 1e-8 (the argument ignored) gives 0; with the large ε both give the same
wrong values elsewhere, and this entry tells them apart.

Rubric: the three outputs showing no work (copies of the inputs, zeros)
earn 0; the missing bias correction is the named near-miss; m and v right
with the parameters wrong (or the parameters right with m, v wrong) is
right on a named part of the outputs, the partial share.
"""

import numpy as np

import reference_impl as ref

from ..checks import (
    NearMiss,
    as_array,
    as_tuple,
    close,
    compare,
    expect_finite,
    expect_keys,
    expect_shape,
    expect_untouched,
    expect_work,
    fmt,
)
from ..framework import Fail, grader
from ..mistakes.optimizers import MISTAKES

# A small network, layer_dims = [5, 4, 3, 2]: six parameter arrays of a few
# entries each, W{l} of shape (d_l, d_{l-1}), b{l} of shape (1, d_l).
LAYER_DIMS = [5, 4, 3, 2]
# Parameters of order 0.1: an Adam step of order α is then a large relative
# change, so that every formula mistake is far outside RTOL.
PARAM_SCALE = 0.1
# Step numbers of the values stage: small, so that 1 - β^t differs clearly
# between t - 1, t and t + 1.
STEPS = (2, 5)
# Short run of the property stage, from zero moments (t = 1, 2, ...).
RUN_STEPS = 3
# Gradients of this size make √v̂ of the order of ε = 1e-8 (v̂ is v over 1 − β2^t ≈ 0.002t): the default ε
# is then a large part of the step, and ε = 1e-7 changes it by a factor of 2 to 5.
EPSILON_SCALE = 1e-9


def _state(g, dead_unit=False):
    """parameters, grads, m, v as after a few steps of training; with
    ``dead_unit``, db1[0, 0] has g = m = v = 0."""
    P, G, M, V = {}, {}, {}, {}
    for l, (d_in, d_out) in enumerate(zip(LAYER_DIMS[:-1], LAYER_DIMS[1:]), start=1):
        for name, shape in ((f"W{l}", (d_out, d_in)), (f"b{l}", (1, d_out))):
            P[name] = g.rng.standard_normal(shape) * PARAM_SCALE
            G["d" + name] = g.rng.standard_normal(shape)
            M["d" + name] = g.rng.standard_normal(shape) * 0.3
            V["d" + name] = g.rng.uniform(0.05, 1.0, shape)
    if dead_unit:
        for d in (G, M, V):
            d["db1"][0, 0] = 0.0
    return P, G, M, V


def _unpack(value, what, stage):
    type_stage = "type" if stage == "values" else stage
    if stage == "values":
        P, M, V = as_tuple(value, 3, what, ["parameters", "m", "v"])
    elif isinstance(value, (tuple, list)) and len(value) == 3:
        P, M, V = value
    else:
        raise Fail(stage, f"{what} : attendu un tuple (parameters, m, v).")
    for name, d in (("parameters", P), ("m", M), ("v", V)):
        if not isinstance(d, dict):
            raise Fail(type_stage, f"{what} : {name} doit être un dict, obtenu {type(d).__name__}.")
        for key, arr in d.items():
            as_array(arr, f"{what} : {name}[{key!r}]", stage=type_stage)
    return P, M, V


def _check_shapes(P, M, V, P0, G0, what, stage):
    for name, got, ref_dict in (("parameters", P, P0), ("m", M, G0), ("v", V, G0)):
        if sorted(got) != sorted(ref_dict):
            hint = None
            if name != "parameters" and sorted(got) == sorted(P0):
                hint = f"{name} est indexé comme grads : clés 'dW1', 'db1', … (pas 'W1', 'b1')."
            if stage == "shape":
                try:
                    expect_keys(got, list(ref_dict), f"{what} : {name}")
                except Fail as fail:
                    raise Fail("shape", fail.message, hint) from None
            raise Fail(stage, f"{what} : {name} a les clés {', '.join(sorted(got))}, attendu {', '.join(ref_dict)}.", hint)
        for key, arr in got.items():
            if arr.shape != ref_dict[key].shape:
                if stage == "shape":
                    expect_shape(arr, ref_dict[key].shape, f"{what} : {name}[{key!r}]")
                raise Fail(stage, f"{what} : {name}[{key!r}] de forme {arr.shape}, attendu {ref_dict[key].shape}.")


def _check_values(got, args, hyper, what, stage):
    """Compare m, v, then the parameters; name the mistake when one matches.

    At the values stage, outputs that show no work earn 0 (``expect_work``),
    the named near-miss half, and m and v right with the parameters wrong
    (or the reverse) the partial share.
    """
    P0, G0, M0, V0, t = args
    lr, b1, b2, eps = hyper
    expected = ref.adam_update(P0, G0, M0, V0, t, lr, b1, b2, eps)
    labels = ("parameters", "m", "v")
    order = (1, 2, 0)  # m and v first: most mistakes show there already
    right = [all(close(got[i][k], expected[i][k]) for k in expected[i]) for i in range(3)]
    if all(right):
        return
    if stage == "values":
        inputs = {f"parameters[{k!r}]": a for k, a in P0.items()}
        for name, d in (("grads", G0), ("m", M0), ("v", V0)):
            inputs.update({f"{name}[{k!r}]": a for k, a in d.items()})
        expect_work(
            {f"{labels[i]}[{k!r}]": got[i][k] for i in range(3) for k in expected[i]},
            {f"{labels[i]}[{k!r}]": expected[i][k] for i in range(3) for k in expected[i]},
            what,
            inputs=inputs,
        )
    candidates = [(m.hint, m(P0, G0, M0, V0, t, lr, b1, b2, eps), m.near_miss) for m in MISTAKES]
    if (lr, b1, b2, eps) != (0.001, 0.9, 0.999, 1e-8):
        candidates.append(
            (
                "les hyperparamètres passés en argument (learning_rate, beta1, beta2, epsilon) sont ignorés : "
                "utilisez les arguments, pas les valeurs par défaut écrites en dur.",
                ref.adam_update(P0, G0, M0, V0, t),
                False,
            )
        )
    if eps != 1e-8:
        candidates.append(
            (
                f"l'argument epsilon semble ignoré : avec ε = {fmt(eps)}, le résultat est celui de ε = 1e-8 (valeur "
                "écrite en dur ?) ; utilisez l'argument epsilon dans √v̂ + ε (éq. 48).",
                ref.adam_update(P0, G0, M0, V0, t, lr, b1, b2, 1e-8),
                False,
            )
        )
    hint_for = None
    for text, cand, near in candidates:
        if all(_matches(got[i][k], cand[i][k]) for i in order for k in expected[i]):
            hint_for = (text, cand, near)
            break
    try:
        for i in order:
            for key in expected[i]:
                diagnoses = []
                if hint_for:
                    text, cand, near = hint_for
                    diagnoses = [NearMiss(text, cand[i][key]) if near else (text, cand[i][key])]
                compare(
                    got[i][key],
                    expected[i][key],
                    f"{what} : {labels[i]}[{key!r}]",
                    stage=stage,
                    diagnoses=diagnoses,
                    work=False,
                )
    except Fail as fail:
        if stage != "values" or fail.kind is not None:
            raise
        if right[1] and right[2]:
            part = "Les valeurs sont justes pour m et v (éqs. 44-45), fausses pour parameters (éqs. 46-48)."
        elif right[0]:
            part = "Les valeurs sont justes pour parameters (éq. 48), fausses pour m ou v (éqs. 44-45)."
        else:
            raise
        raise Fail(fail.stage, f"{fail.message} {part}", fail.hint, kind="partial") from None


def _matches(got, candidate):
    """Close where the candidate is finite, nan where it is nan (e.g. √ of a negative v)."""
    got, candidate = np.asarray(got, dtype=float), np.asarray(candidate, dtype=float)
    finite = np.isfinite(candidate)
    if got.shape != candidate.shape or not np.array_equal(finite, np.isfinite(got)):
        return False
    return close(got[finite], candidate[finite], 1e-4, 1e-8)


def _describe(t, hyper):
    lr, b1, b2, eps = hyper
    return f"adam_update (t = {t}, α = {fmt(lr)}, β1 = {fmt(b1)}, β2 = {fmt(b2)}, ε = {fmt(eps)})"


def _expect_same_again(g, fail, got, args, hyper):
    """Wrong values that change when the very same call is made again come from a state of the
    function's own (a step counter kept between calls instead of the argument t): that is the
    evidence, whatever formula they happen to match."""
    P, G, M, V, t = args
    lr, b1, b2, eps = hyper
    try:
        again = _unpack(g.call(P, G, M, V, t, learning_rate=lr, beta1=b1, beta2=b2, epsilon=eps).value, "", "values")
    except Fail:
        return
    if all(
        sorted(a) == sorted(b) and all(_matches(a[k], b[k]) for k in a) for a, b in zip(got, again)
    ):
        return
    fail.message += " Un second appel avec exactement les mêmes arguments donne un autre résultat."
    fail.hint = (
        "adam_update garde un état d'un appel à l'autre (un compteur de pas global, un attribut…) : le pas t est "
        "un argument, utilisez-le tel quel ; tout l'état d'Adam passe par parameters, m, v et t."
    )


def _check_edges(g):
    """Edge values (property stage): gradients of the size of ε with the default hyperparameters,
    where a changed default ε shows; then β1 = β2 = 0 and α = 1, which ``beta1 or 0.9`` gets wrong."""
    P, G, M, V = _state(g)
    scale = EPSILON_SCALE
    G, M, V = ({k: a * scale for k, a in G.items()}, {k: a * scale for k, a in M.items()},
               {k: a * scale**2 for k, a in V.items()})
    t = int(g.rng.integers(*STEPS))
    defaults = (0.001, 0.9, 0.999, 1e-8)
    what = _describe(t, defaults) + f" [gradients de l'ordre de {fmt(scale)}, valeurs par défaut]"
    _check_edge(g, (P, G, M, V, t), defaults, {}, what, (
        "avec des gradients de l'ordre de ε, √v̂ + ε dépend de ε : la valeur par défaut de epsilon est 1e-8 "
        "(éq. 48) ; vérifiez la signature et le dénominateur √v̂ + ε."
    ))
    P, G, M, V = _state(g)
    t = int(g.rng.integers(*STEPS))
    edges = (1.0, 0.0, 0.0, 1e-8)
    _check_edge(g, (P, G, M, V, t), edges, {"learning_rate": 1.0, "beta1": 0.0, "beta2": 0.0}, _describe(t, edges), (
        "β1 = 0 et β2 = 0 sont des valeurs permises (m = g, v = g²) : un test comme « beta1 or 0.9 » ou "
        "« if not beta2 » les prend pour des valeurs absentes. Utilisez les arguments tels quels."
    ))


def _check_edge(g, args, hyper, options, what, hint):
    """One edge case of :func:`_check_edges`: the call with ``options``, its shapes and values against
    the reference with ``hyper``; a failure without a hint of its own gets ``hint``."""
    P, G, M, V, t = args
    got = _unpack(g.call(P, G, M, V, t, **options, stage="property").value, what, "property")
    _check_shapes(*got, P, G, what, "property")
    try:
        _check_values(got, args, hyper, what, "property")
    except Fail as fail:
        fail.hint = fail.hint or hint
        raise


@grader("adam_update", points=3)
def grade_adam_update(g):
    # Call 1: non-default hyperparameters, ε large enough to see where it goes.
    P0, G0, M0, V0 = _state(g, dead_unit=True)
    t = int(g.rng.integers(*STEPS))
    hyper = (
        float(np.round(g.rng.uniform(0.05, 0.2), 4)),
        float(np.round(g.rng.uniform(0.7, 0.85), 4)),
        float(np.round(g.rng.uniform(0.9, 0.97), 4)),
        float(np.round(g.rng.uniform(0.02, 0.1), 4)),
    )
    what = _describe(t, hyper)
    lr, b1, b2, eps = hyper
    outcome = g.call(P0, G0, M0, V0, t, learning_rate=lr, beta1=b1, beta2=b2, epsilon=eps, return_args=True)
    got = _unpack(outcome.value, what, "values")
    _check_shapes(*got, P0, G0, what, "shape")
    # Call 2: the default hyperparameters of the chapter (β1 = 0.9, β2 = 0.999, ε = 1e-8).
    P1, G1, M1, V1 = _state(g, dead_unit=True)
    t1 = int(g.rng.integers(*STEPS))
    defaults = (0.001, 0.9, 0.999, 1e-8)
    what1 = _describe(t1, defaults) + " [valeurs par défaut]"
    outcome1 = g.call(P1, G1, M1, V1, t1, return_args=True)
    got1 = _unpack(outcome1.value, what1, "values")
    _check_shapes(*got1, P1, G1, what1, "shape")
    for value, args, hyperparameters, label in (
        (got, (P0, G0, M0, V0, t), hyper, what),
        (got1, (P1, G1, M1, V1, t1), defaults, what1),
    ):
        try:
            _check_values(value, args, hyperparameters, label, "values")
        except Fail as fail:
            _expect_same_again(g, fail, value, args, hyperparameters)
            raise
    # The arguments come back untouched: adam_update returns new dicts.
    in_place_hint = (
        "adam_update renvoie de nouveaux dicts parameters, m, v et laisse intacts ceux qu'il reçoit : pas de +=, "
        "-=, *= sur leurs tableaux, ni de parameters[nom] = … dans le dict reçu ; construisez new_m = {}, "
        "new_m[clé] = beta1 * m[clé] + (1 - beta1) * g, etc."
    )
    for after, before in ((outcome.args_after, (P0, G0, M0, V0)), (outcome1.args_after, (P1, G1, M1, V1))):
        for name, b, a in zip(("parameters", "grads", "m", "v"), before, after):
            expect_untouched(b, a, name, in_place_hint)

    # A short run from zero moments, t = 1, 2, 3, feeding back what came
    # back. Some gradient entries are 0: there m = v = 0 at t = 1, and the
    # update 0 / (0 + ε) must be 0, not nan.
    P, G, _, _ = _state(g)
    M = {k: np.zeros_like(a) for k, a in G.items()}
    V = {k: np.zeros_like(a) for k, a in G.items()}
    P_ref, M_ref, V_ref = P, M, V
    for step in range(1, RUN_STEPS + 1):
        G = {k: g.rng.standard_normal(a.shape) * (g.rng.random(a.shape) > 0.3) for k, a in G.items()}
        if step == 1:
            G["db1"][0, 0] = 0.0  # at least one exact zero
        what_run = f"adam_update (pas t = {step} d'une suite partant de m = v = 0, valeurs par défaut)"
        got_run = _unpack(g.call(P, G, M, V, step, stage="property").value, what_run, "property")
        _check_shapes(*got_run, P_ref, G, what_run, "property")
        for i, label in ((0, "parameters"), (1, "m"), (2, "v")):
            for key, arr in got_run[i].items():
                expect_finite(
                    arr,
                    f"{what_run} : {label}[{key!r}]",
                    stage="property",
                    hint="là où g = 0 depuis le début, m̂ = v̂ = 0 : ε au dénominateur (√v̂ + ε, éq. 48) évite 0/0.",
                )
        P_ref, M_ref, V_ref = ref.adam_update(P_ref, G, M_ref, V_ref, step)
        for i, label, expected in ((1, "m", M_ref), (2, "v", V_ref), (0, "parameters", P_ref)):
            for key in expected:
                compare(
                    got_run[i][key],
                    expected[key],
                    f"{what_run} : {label}[{key!r}]",
                    stage="property",
                )
        P, M, V = got_run
    _check_edges(g)
