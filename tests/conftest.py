"""Shared helpers of the test suite."""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# nbgrader's Gradebook runs `alembic` from PATH when it creates a gradebook, in this
# process too: the venv's scripts come first, as they do for every nbgrader command.
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
