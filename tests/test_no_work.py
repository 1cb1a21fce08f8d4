"""Submissions that show no work score 0 on every function.

Two of them are built here rather than kept in the bank, so that they follow
the course as it changes:

- the zeros submission: every function a one-liner returning zeros of the
  right type and shape (a dict of zero arrays, an untrained network…), also
  ended by ``sys.exit(0)`` or ``os._exit(0)``, or preceded by a patch of
  ``np.allclose``;
- the visible-examples submission: every function returns the answer the
  reference gives on the inputs of the notebook's visible checks
  (``verifications.py``), whatever it is called with. It passes those checks,
  which is the point: they are examples, the grade is not.
"""

import base64
import importlib.util
import inspect
import pickle

import numpy as np
import pytest

import reference_impl
from grading_tests.framework import KIND_LABELS
from grading_tests.runner import function_names, grade_submission
from nbgrader_attacks.harness import REPO

FUNCTIONS = function_names()
SEED = 11

ZEROS = '''
import numpy as np

def perceptron_update(w, b, x_i, y_i, learning_rate): return np.zeros_like(w), 0.0
def sigmoid(z): return np.zeros_like(z)
def tanh(z): return np.zeros_like(z)
def relu(z): return np.zeros_like(z)
def leaky_relu(z, alpha=0.01): return np.zeros_like(z)
def sigmoid_derivative(z): return np.zeros_like(z)
def tanh_derivative(z): return np.zeros_like(z)
def relu_derivative(z): return np.zeros_like(z)
def leaky_relu_derivative(z, alpha=0.01): return np.zeros_like(z)
def softmax(Z): return np.zeros_like(Z)
def forward_pass(X, parameters):
    L = len(parameters) // 2
    cache = {"A0": X, **{f"{k}{l}": np.zeros((len(X), len(parameters[f"b{l}"].T))) for l in range(1, L + 1) for k in "ZA"}}
    return cache[f"A{L}"], cache
def backward_pass(y_true, cache, parameters): return {"d" + k: np.zeros_like(v) for k, v in parameters.items()}
def initialize_parameters(layer_dims, seed=None):
    return {f"{k}{l}": np.zeros((layer_dims[l], layer_dims[l - 1]) if k == "W" else (1, layer_dims[l]))
            for l in range(1, len(layer_dims)) for k in "Wb"}
def dropout_forward(A, keep_prob=0.5, training=True, rng=None): return np.zeros_like(A), np.zeros_like(A)
def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    zeros = {k: np.zeros_like(x) for k, x in parameters.items()}
    return zeros, {k: np.zeros_like(x) for k, x in m.items()}, {k: np.zeros_like(x) for k, x in v.items()}
def numerical_gradient(f, theta, epsilon=1e-7): return np.zeros_like(theta)
def gradient_check(f, theta, grad_analytic, epsilon=1e-7): return 0.0
def train_digits_model(X_train, y_train):
    rng = np.random.default_rng(0)
    return {"W1": rng.standard_normal((32, 64)) * 0.1, "b1": np.zeros((1, 32)),
            "W2": rng.standard_normal((10, 32)) * 0.1, "b2": np.zeros((1, 10))}
'''

VARIANTS = {
    "zeros": ZEROS,
    "zeros_then_sys_exit": ZEROS + "\nimport sys\nsys.exit(0)\n",
    "zeros_then_os_exit": ZEROS + "\nimport os\nos._exit(0)\n",
    "zeros_with_allclose_patched": "import numpy as np\nnp.allclose = lambda *a, **k: True\n" + ZEROS,
}


def _grade(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return grade_submission(path, seed=SEED)


def _assert_nothing_earned(report):
    """Every function scores 0, and its feedback says the output shows no work."""
    assert set(report["functions"]) == set(FUNCTIONS)
    for name, result in report["functions"].items():
        feedback = "\n".join(result["feedback"])
        assert result["score"] == 0, f"{name} earned {result['score']}:\n{feedback}"
        assert KIND_LABELS["no_work"] in result["feedback"][0], f"{name}: no reason given\n{feedback}"
    assert report["score"] == 0


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_zeros_of_the_right_shape_earn_nothing(tmp_path, variant):
    _assert_nothing_earned(_grade(tmp_path, variant, VARIANTS[variant]))


# --- the visible examples -------------------------------------------------------


def _verifications():
    path = REPO / "source" / "06_reseaux_de_neurones" / "verifications.py"
    spec = importlib.util.spec_from_file_location("verifications_for_no_work", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(value):
    """A hashable digest of the arguments of a call, functions left out."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.astype(float).tobytes())
    if isinstance(value, dict):
        return ("dict", tuple((k, _key(v)) for k, v in sorted(value.items())))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_key(v) for v in value))
    if callable(value) or isinstance(value, np.random.Generator):
        return ("skipped",)
    if isinstance(value, (bool, int, float, np.number)) or value is None:
        return ("number", None if value is None else float(value))
    return ("other", repr(value))


def _recorded_answers(module):
    """{function: [(key of the arguments, reference answer)]} over the visible checks."""
    answers = {}
    for name in FUNCTIONS:
        reference = getattr(reference_impl, name)
        calls = answers.setdefault(name, [])

        def recording(*args, _reference=reference, _calls=calls, _signature=inspect.signature(reference), **kwargs):
            bound = _signature.bind(*args, **kwargs)
            bound.apply_defaults()
            answer = _reference(*args, **kwargs)
            _calls.append((_key(dict(bound.arguments)), answer))
            return answer

        checker = getattr(module, f"verifier_{name}")
        extra = [reference_impl.forward_pass] if name == "train_digits_model" else []
        checker(recording, *extra)
        assert calls, f"the visible check of {name} calls nothing"
    return answers


def _visible_examples_submission(answers):
    blob = base64.b64encode(pickle.dumps({n: [(pickle.dumps(k), v) for k, v in calls] for n, calls in answers.items()}))
    lines = [
        "import base64, copy, inspect, pickle",
        "import numpy as np",
        f"_ANSWERS = pickle.loads(base64.b64decode({blob.decode()!r}))",
        "",
        inspect.getsource(_key),
        "",
        "def _answer(name, signature, args, kwargs):",
        "    bound = signature.bind(*args, **kwargs)",
        "    bound.apply_defaults()",
        "    key = pickle.dumps(_key(dict(bound.arguments)))",
        "    calls = _ANSWERS[name]",
        "    return copy.deepcopy(next((v for k, v in calls if k == key), calls[0][1]))",
    ]
    for name in FUNCTIONS:
        signature = inspect.signature(getattr(reference_impl, name))
        lines += [
            "",
            f"def {name}{signature}:",
            f"    return _answer({name!r}, inspect.signature({name}), [], dict(locals()))",
        ]
    return "\n".join(lines) + "\n"


def test_the_visible_examples_pass_their_checks_and_earn_nothing(tmp_path):
    module = _verifications()
    text = _visible_examples_submission(_recorded_answers(module))
    # The submission does pass the visible checks: they are examples only.
    namespace = {"__name__": "visible_examples"}
    exec(compile(text, "visible_examples.py", "exec"), namespace)
    for name in FUNCTIONS:
        extra = [reference_impl.forward_pass] if name == "train_digits_model" else []
        getattr(module, f"verifier_{name}")(namespace[name], *extra)
    _assert_nothing_earned(_grade(tmp_path, "visible_examples", text))
