"""The import graph of the course's Python packages, by layer.

``python tests/architecture.py`` redraws ``docs/architecture.svg`` from the
imports as they are; ``tests/test_architecture.py`` checks the layering.

Each module belongs to one layer (:data:`LAYERS`, bottom first) and may
import only from its own layer or a lower one. Modules that a confined
process loads by path (the worker loads ``confine.py`` and ``wire.py``) are
ordinary files here: the graph counts ``import`` statements only.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("reference_impl", "grading_tests")

# (layer, module prefixes), bottom first. A module's layer is that of its
# longest matching prefix.
LAYERS = [
    ("reference", ["reference_impl"]),
    ("confinement and wire format", ["grading_tests.confine", "grading_tests.wire", "grading_tests._seccomp", "grading_tests._syscalls", "grading_tests._landlock",
                                     "grading_tests._notebook"]),
    ("sandbox", ["grading_tests.sandbox", "grading_tests.worker_paths", "grading_tests._worker", "grading_tests.submission"]),
    ("grader protocol", ["grading_tests.framework"]),
    ("check helpers", ["grading_tests.checks"]),
    ("named mistakes", ["grading_tests.mistakes"]),
    ("graders", ["grading_tests.graders"]),
    ("running and reports", ["grading_tests.runner", "grading_tests.report", "grading_tests.reference_submission", "grading_tests.__main__", "grading_tests"]),
    ("nbgrader integration", ["grading_tests.nbgrader_plugin", "grading_tests.kernel"]),
    ("instructor's tools", ["grading_tests.course"]),
]
# Packages drawn as one box.
GROUPS = ["reference_impl", "grading_tests.checks", "grading_tests.mistakes", "grading_tests.graders",
          "grading_tests.nbgrader_plugin", "grading_tests.course"]
MAX_LINES = 400


def modules():
    """{dotted name: path} of every module of the packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if any(not p.isidentifier() for p in parts):
                continue  # a launcher in a folder such as kernel/rn-ch06-confine/
            found[".".join(parts)] = path
    return found


def _resolve(module, path, node):
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(known=None):
    """{module: {imported module}} within the packages."""
    known = known or modules()
    graph = {}
    for module, path in known.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path, node)
                names = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for name in names:
                # the longest known module the name starts with
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    targets.add(name)
        # `from .x import y` also names the package; a package importing its
        # own modules is not an edge up.
        graph[module] = {t for t in targets if not module.startswith(t + ".") and t != module}
    return graph


def layer(module):
    best, index = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, index = len(prefix), i
    return index


def group(module):
    for name in GROUPS:
        if module == name or module.startswith(name + "."):
            return name
    return module


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, result, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def svg(graph):
    """The grouped import graph, one band per layer, bottom layer at the bottom."""
    nodes = sorted({group(m) for m in graph} | {group(t) for ts in graph.values() for t in ts})
    edges = sorted({(group(a), group(b)) for a, ts in graph.items() for b in ts if group(a) != group(b)})
    bands = [[n for n in nodes if layer(n) == i] for i in range(len(LAYERS))]
    width, band_h, box_h, left = 1100, 70, 30, 230
    height = band_h * len(LAYERS) + 20
    place = {}
    for i, band in enumerate(bands):
        y = height - 10 - band_h * (i + 1) + (band_h - box_h) / 2
        step = (width - left - 20) / max(len(band), 1)
        for j, node in enumerate(band):
            place[node] = (left + step * j + 8, y, step - 16)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
        '<path d="M0,0L10,5L0,10z" fill="#888"/></marker></defs>',
    ]
    for i, (name, _) in enumerate(LAYERS):
        y = height - 10 - band_h * (i + 1)
        fill = "#f4f6fa" if i % 2 else "#ffffff"
        out.append(f'<rect x="0" y="{y}" width="{width}" height="{band_h}" fill="{fill}"/>')
        out.append(f'<text x="10" y="{y + band_h / 2 + 4}" fill="#333">{i}. {name}</text>')
    for a, b in edges:
        if a in place and b in place:
            xa, ya, wa = place[a]
            xb, yb, wb = place[b]
            up = ya > yb
            out.append(
                f'<line x1="{xa + wa / 2:.0f}" y1="{ya + (0 if up else box_h):.0f}" x2="{xb + wb / 2:.0f}" '
                f'y2="{yb + (box_h if up else 0):.0f}" stroke="{"#c00" if up else "#888"}" stroke-width="1" marker-end="url(#a)"/>'
            )
    for node, (x, y, w) in place.items():
        label = node.replace("grading_tests.", "").replace("reference_impl", "reference_impl/")
        label = label + "/" if node in GROUPS and not label.endswith("/") else label
        out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{box_h}" rx="4" fill="#e8eefc" stroke="#4a6fb3"/>')
        out.append(f'<text x="{x + w / 2:.0f}" y="{y + 19:.0f}" text-anchor="middle">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    target = ROOT / "docs" / "architecture.svg"
    target.write_text(svg(imports()), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
