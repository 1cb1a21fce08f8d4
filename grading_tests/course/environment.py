"""How the course runs an nbgrader command: its environment (:func:`nbgrader_env`) and :func:`nbgrader`.

Its own module so that the class command (:mod:`.classgrade`) and the cycle
(:mod:`.cycle`), which runs the class command, both use it without importing
each other.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["nbgrader", "nbgrader_env"]


def nbgrader_env():
    """The environment nbgrader runs in: this Python's scripts first on PATH, one BLAS thread."""
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH when it creates a gradebook.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def nbgrader(root, *args, check=True, quiet=True):
    """Run one nbgrader command in the course root; return (returncode, log, seconds)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=root,
        env=nbgrader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if not quiet:
        sys.stdout.write(proc.stdout)
    if check and proc.returncode != 0:
        sys.stdout.write(proc.stdout[-6000:])
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode})")
    return proc.returncode, proc.stdout, elapsed
