"""A student's kernel kept from one of their notebooks to the next, for :class:`.ConfinedExecute`.

At most one kernel is kept per process, with its owner (student, assignment,
course): :func:`take_kept` hands it back only to the same owner and retires
any other, :func:`retire_kept` runs at exit, and :data:`RESET` is what the
kernel runs before the owner's next notebook.
"""

from __future__ import annotations

import atexit
import shutil

from jupyter_core.utils import ensure_async
from jupyter_core.utils import run_sync as _sync

from .. import confine

__all__ = ["RESET", "WarmKernel", "alive", "keep", "retire_kept", "take_kept"]

# Run in a kept kernel before the student's next notebook: figures closed, back
# in the scratch folder, the namespace emptied, the cell count from 1 again.
RESET = """\
import os as _rn_os, sys as _rn_sys
if "matplotlib.pyplot" in _rn_sys.modules:
    _rn_sys.modules["matplotlib.pyplot"].close("all")
_rn_os.chdir({scratch})
get_ipython().run_line_magic("reset", "-f")
get_ipython().execution_count = 1
"""


class WarmKernel:
    """A student's kernel kept from one of their notebooks to the next (never across students).

    Importing numpy, matplotlib and scikit-learn and starting the kernel took
    about a third of a student's autograde time, once per notebook
    (``bench/profile_autograde.py``). The kernel confines itself to its scratch
    folder, which holds that student's hand-in only, so what one notebook
    leaves in it can reach that student's next notebook and nothing else.
    """

    def __init__(self, owner, km, kc, scratch, watch, pgid):
        self.owner, self.km, self.kc, self.scratch, self.watch, self.pgid = owner, km, kc, scratch, watch, pgid

    def retire(self):
        """Kill the kernel and everything it started, then release its manager and its folder."""
        if self.watch is not None:
            self.watch.stop()
        confine.kill_group(self.pgid)
        try:
            _sync(self._shutdown)()
        except Exception:  # the processes are already killed; this only tidies the manager up
            pass
        shutil.rmtree(self.scratch, ignore_errors=True)

    async def _shutdown(self):
        try:
            if await ensure_async(self.km.is_alive()):
                await ensure_async(self.km.shutdown_kernel(now=True))
        finally:
            await ensure_async(self.km.cleanup_resources())
            if self.kc is not None:
                self.kc.stop_channels()


_KEPT = []  # at most one kept kernel per process


def keep(kernel):
    """Keep ``kernel`` (a :class:`WarmKernel`) for its owner's next notebook."""
    retire_kept()
    _KEPT.append(kernel)


def alive(km):
    async def check():
        return bool(await ensure_async(km.is_alive()))

    return _sync(check)()


def take_kept(owner):
    """The kept kernel, if it is ``owner``'s and alive; any other one is retired."""
    if owner is not None and _KEPT and _KEPT[0].owner == owner:
        warm = _KEPT.pop()
        try:
            if alive(warm.km) and not warm.watch.exceeded:
                return warm
        except Exception:
            pass
        warm.retire()
        return None
    retire_kept()
    return None


def retire_kept():
    while _KEPT:
        _KEPT.pop().retire()


atexit.register(retire_kept)
