"""What the student's code sees of the process that grades it: a notebook kernel's surface.

Code that tells a grading from a notebook can behave well only when graded
(an Adam that works in place, a θ left perturbed, outside the grading). So
the grading worker (``_worker.py``, which loads this file by its path:
standard library only) shows the student's code what an IPython kernel
shows it, as far as the code can read it without probing the confinement:

- its module: the cells run in the namespace of a module named
  ``__main__`` with no ``__file__``, which ``sys.modules["__main__"]`` is,
  as IPython's user module;
- its files: each cell is compiled under the name ipykernel gives it,
  ``<tmp>/ipykernel_<pid>/<hash>.py``, so a function's ``co_filename`` is
  a notebook cell's;
- its caller: every call comes from the ``<module>`` frame of such a cell,
  run in that namespace, as when a cell calls the function;
- ``sys.argv``: that of ``python -m ipykernel_launcher -f <connection file>``;
- ``get_ipython``: IPython's own ``InteractiveShell``, on the same
  namespace, when IPython is installed (it is with nbgrader);
- its environment: the one the course kernel gets, from the same function
  (``confine.environment``), without nbgrader's ``NBGRADER_EXECUTION``
  (``sandbox.py``).

What it does not hide, and why, is in ``docs/instructor.md`` (« Grading
looks like a notebook »).
"""

import os
import sys
import tempfile
import types
import uuid
import zlib

__all__ = ["Notebook"]


class Notebook:
    """The namespace the cells run in, their file names, and the calls into them."""

    def __init__(self, sys_path):
        self.module = types.ModuleType("__main__")
        self.module.__dict__.update(__package__=None, __loader__=None, __spec__=None, __builtins__=__builtins__)
        self.namespace = self.module.__dict__
        self.folder = os.path.join(tempfile.gettempdir(), f"ipykernel_{os.getpid()}")
        self._cells = {}  # file name -> index of the cell
        self._sys_path = sys_path
        self.shell = None
        # The cell that calls the student's functions: a notebook cell of its own, not one of theirs.
        source = "__resultat__ = __fonction__(*__arguments__, **__options__)"
        self._caller = compile(source, os.path.join(self.folder, f"{zlib.crc32(source.encode())}.py"), "exec")

    def install(self):
        """Make this process look like a kernel to code that inspects it."""
        sys.modules["__main__"] = self.module
        launcher = os.path.join(next((p for p in self._sys_path if p.endswith("site-packages")), ""), "ipykernel_launcher.py")
        runtime = os.path.join(os.environ.get("HOME", tempfile.gettempdir()), ".local", "share", "jupyter", "runtime")
        sys.argv[:] = [launcher, "-f", os.path.join(runtime, f"kernel-{uuid.uuid4()}.json")]

    def start_shell(self):
        """IPython's shell on the cells' namespace, so that ``get_ipython()`` answers as in a notebook."""
        try:
            from IPython.core.interactiveshell import InteractiveShell
        except ImportError:
            return None
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # no history database, no thread writing it
        self.shell = InteractiveShell.instance(config=config, user_module=self.module)
        # A kernel runs every cell inside this trap: get_ipython is then a builtin too.
        self.shell.builtin_trap.activate()
        return self.shell

    def filename(self, index, source):
        """The file name of cell ``index``, as ipykernel names a cell: its folder and a hash of its code."""
        name = os.path.join(self.folder, f"{zlib.crc32(f'{index}:{source}'.encode())}.py")
        self._cells[name] = index
        return name

    def cell_of(self, filename):
        """The index of the cell compiled under ``filename``, or None."""
        return self._cells.get(filename)

    def call(self, function, args, kwargs):
        """``function(*args, **kwargs)``, called from a cell's ``<module>`` frame in the cells' namespace."""
        local = {"__fonction__": function, "__arguments__": args, "__options__": kwargs}
        exec(self._caller, self.namespace, local)
        return local["__resultat__"]
