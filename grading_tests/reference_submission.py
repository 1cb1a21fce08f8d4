"""The reference implementation as a student submission: one flat .py file.

The sandbox cannot import ``reference_impl``, so its modules are pasted
together, in dependency order, with the package-relative imports removed.
Used by the stability test and by the grading demo.
"""

import ast
from pathlib import Path

import reference_impl

MODULES = [
    "parts",
    "activations",
    "losses",
    "initialization",
    "propagation",
    "optimizers",
    "regularization",
    "gradient_check",
    "perceptron",
    "mlp",
]


def reference_source():
    package = Path(reference_impl.__file__).parent
    parts = []
    for module in MODULES:
        tree = ast.parse((package / f"{module}.py").read_text(encoding="utf-8"))
        tree.body = [
            node for node in tree.body if not (isinstance(node, ast.ImportFrom) and node.level > 0)
        ]
        parts.append(ast.unparse(tree))
    return "\n\n".join(parts) + "\n"


def write_reference_submission(path):
    path = Path(path)
    path.write_text(reference_source(), encoding="utf-8")
    return path
