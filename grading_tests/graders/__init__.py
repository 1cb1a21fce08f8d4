"""One grader per student function, registered in the order of the chapter."""

from . import perceptron  # noqa: F401
from . import activations  # noqa: F401
from . import propagation  # noqa: F401
from . import initialization  # noqa: F401
from . import regularization  # noqa: F401
from . import optimizers  # noqa: F401
from . import gradient_check  # noqa: F401
from . import mlp  # noqa: F401
from . import questions  # noqa: F401
