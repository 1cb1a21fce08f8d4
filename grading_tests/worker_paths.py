"""What the grading worker imports from and may read: the Python installation, less the course and ready-made networks.

:mod:`.sandbox` gives these to each worker it starts (``_worker.py`` confines
itself with them before running a line of the student's code).
"""

from __future__ import annotations

import functools
import sysconfig
from pathlib import Path

from . import confine

__all__ = ["COURSE_PACKAGES", "READY_MADE_NETWORKS", "FORBIDDEN_MODULES", "python_paths", "forbidden_dirs", "readable_roots"]

COURSE_PACKAGES = [Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "reference_impl"]

# Packages whose files the worker may not read at all, by any route (import,
# import by path, exec of their source, unpickling): ready-made neural
# networks, which would turn the final task into a call, and the course's own
# packages, which would hand over the answers.
READY_MADE_NETWORKS = ["sklearn.neural_network", "torch", "tensorflow", "keras", "jax", "flax"]
FORBIDDEN_MODULES = ["reference_impl", "grading_tests", *READY_MADE_NETWORKS]


def python_paths():
    """Import path of the worker: the standard library and site-packages only."""
    paths = []
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path and path not in paths:
            paths.append(path)
    dynload = Path(sysconfig.get_paths()["stdlib"]) / "lib-dynload"
    if dynload.is_dir():
        paths.insert(2, str(dynload))
    return paths


# Both are worked out once per process: the installed packages do not change
# during a run, and every worker start needs them.
@functools.lru_cache(maxsize=1)
def forbidden_dirs():
    """[folder, module] of every ready-made network installed where the worker imports from."""
    return [[folder, name] for name in READY_MADE_NETWORKS for folder in confine.package_dirs([name], python_paths())]


@functools.lru_cache(maxsize=1)
def readable_roots():
    """Directories the worker may read (``confine.readable_roots``), minus the
    course's packages and every ready-made network installed."""
    excluded = [str(p) for p in COURSE_PACKAGES] + [folder for folder, _ in forbidden_dirs()]
    return confine.readable_roots(excluded, python_paths())
