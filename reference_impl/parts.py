"""The reference with one part swapped: how other code reuses one implementation.

Each equation of the chapter is written once, in this package. Code that
needs the same computation with one piece changed — a grader's named mistake
(the hidden layers on σ instead of ReLU), or a training loop that wraps an
activation — does not write the equation again: it calls the reference
function with one of the global names its body uses bound to something else.

>>> from reference_impl import forward_pass, sigmoid
>>> on_sigma = with_parts(forward_pass, relu=sigmoid)

``on_sigma`` runs the very code of ``forward_pass``; only ``relu`` means σ in
it. With no part given, ``with_parts(f)`` behaves as ``f``.
"""

import types

__all__ = ["with_parts"]


def with_parts(function, **parts):
    """``function`` with some global names of its body bound to other objects.

    Raises ``ValueError`` for a name the body does not use, so that a
    variant always changes what it says it changes.
    """
    unused = sorted(name for name in parts if name not in function.__code__.co_names)
    if unused:
        raise ValueError(f"{function.__qualname__} does not use {', '.join(unused)}")
    namespace = dict(function.__globals__)
    namespace.update(parts)
    variant = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    variant.__kwdefaults__ = function.__kwdefaults__
    variant.__doc__ = function.__doc__
    variant.__qualname__ = function.__qualname__
    return variant
