"""Check helpers shared by the graders, with their French messages (layer 3).

Each helper either returns normally or raises :class:`Fail` with a message
that names the quantity, what was expected, what came back and, when a
diagnosis matches, the likely mistake.

- :mod:`.values`: types, shapes, finite values, untouched arguments;
- :mod:`.compare`: values against the reference, sorted into the rubric's
  kinds (no work, partial, near-miss);
- :mod:`.calls`: hints on the student's errors, the stage of later checks;
- :mod:`.elementwise`: the checks of an elementwise function (activations);
- :mod:`.networks`: random networks for the graders of propagation;
- :mod:`.own`: the student's own helpers inside another function (a mistake is charged where it is written).

It imports only the grader protocol (``framework``), the sandbox and
``reference_impl``: never a grader, the runner or the nbgrader plugin.
"""

from . import calls as _calls, compare as _compare, networks as _networks, own as _own, values as _values
from .calls import call_with_hints, later_checks, raised, stage_as, student_error
from .compare import ATOL, RTOL, NearMiss, close, compare, expect_work, no_work, scale_factor
from .networks import fmt_sizes, one_hot_labels, random_network
from .own import OWN_NOTE, OwnFailed, own_function, same_failures, with_own
from .values import (
    as_array,
    as_dict,
    as_real_scalar,
    as_tuple,
    expect_finite,
    expect_keys,
    expect_shape,
    expect_untouched,
    fmt,
    fmt_shape,
)

__all__ = [*_values.__all__, *_compare.__all__, *_calls.__all__, *_networks.__all__, *_own.__all__]
