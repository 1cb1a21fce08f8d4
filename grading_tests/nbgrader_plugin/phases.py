"""The phases of one nbgrader run, told to the launcher that accounts for their time (:mod:`..course.classgrade.supervise`).

The class command's launcher forks each ``nbgrader autograde`` with the
write end of a pipe open on the descriptor named by ``RN_PHASES_FD``. Trusted
code of this process (the preprocessors, as they run in order) writes there
one JSON line per event, stamped with ``time.monotonic()`` (the machine's
clock, the launcher's too):

- ``{"t": ..., "phase": label}``: from now on this process is in ``label``
  (``nbgrader``, ``kernel_started``, ``executed``, ``graders``), for
  ``notebook`` when given;
- ``{"t": ..., "kernel": pid}``: ``pid`` and what it forks are kernels (the
  launcher sorts their CPU apart).

The descriptor is close-on-exec and no process this one forks without exec
runs student code: a kernel or a grading worker never holds it, so student
code can neither write an event nor forge a time. Without ``RN_PHASES_FD``
(stock nbgrader, tests) every call does nothing.
"""

from __future__ import annotations

import json
import os
import threading
import time

__all__ = ["kernel", "mark", "notebook_of"]

ENV = "RN_PHASES_FD"
_lock = threading.Lock()
_broken = []


def _send(event):
    fd = os.environ.get(ENV)
    if not fd or _broken:
        return
    line = (json.dumps({"t": time.monotonic(), **event}) + "\n").encode()
    with _lock:
        try:
            os.write(int(fd), line)  # one short write to a pipe: atomic
        except (OSError, ValueError):
            _broken.append(True)  # accounting is lost, never the grading


def mark(phase, notebook=None):
    """From now on this process is in ``phase`` (of ``notebook``, a file name, when given)."""
    _send({"phase": phase, "notebook": notebook})


def kernel(pid):
    """``pid`` (and whatever it forks) is a kernel, or the warm template kernels are forked from."""
    if pid:
        _send({"kernel": int(pid)})


def notebook_of(resources):
    """The notebook nbgrader's ``resources`` are about (its name without ``.ipynb``), or None."""
    return ((resources or {}).get("nbgrader") or {}).get("notebook")
