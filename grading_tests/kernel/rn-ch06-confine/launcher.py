"""Start an IPython kernel that a student's notebook cannot use to cheat or harm.

This is the launcher of the course kernelspec ``rn-ch06-confine`` (see
``kernel.json`` beside it); ``nbgrader autograde`` runs every submitted
notebook in such a kernel (``grading_tests.nbgrader_plugin.ConfinedExecute``).
It is a standalone script: it imports nothing from the course, so that the
kernel never holds the graders or the reference in memory.

Before ipykernel starts, the process:

- takes resource limits: address space (``RN_NOYAU_MEMOIRE_MO``, 2048 MiB by
  default), CPU time (``RN_NOYAU_CPU_S``, 600 s), file size, no core dump. A
  memory bomb ends in ``MemoryError``; a runaway loop ends with the kernel;
- forgets the editable-install finders of the course packages and installs an
  audit hook that refuses to import ``reference_impl`` and ``grading_tests``;
- confines itself with Landlock (``grading_tests/_landlock.py``, shared with the
  grading worker):
  it may read only the Python installation and system directories, may write
  only its working directory (the student's ``autograded/<élève>/<devoir>/``)
  and a private scratch directory, may bind only the kernel's own TCP ports and
  connect nowhere, and may signal no process outside itself. The gradebook, the
  course sources, the other students' files and ``reference_impl`` are out of
  reach, whatever the code does (even ``sqlite3`` or a shell escape).

If the running Linux has no Landlock, the kernel still starts, with the limits
and the audit hook only, and says so on stderr.
"""

import importlib.util
import json
import os
import resource
import shutil
import sys
import sysconfig
import tempfile

FORBIDDEN_MODULES = ("reference_impl", "grading_tests")

def _load_landlock():
    """``grading_tests/_landlock.py``, loaded by path: the package is off limits."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "_landlock.py")
    spec = importlib.util.spec_from_file_location("_landlock", os.path.realpath(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_landlock = _load_landlock()
_inside = _landlock.inside


# --- what the kernel may read ---------------------------------------------------


def _course_paths():
    """Folders the kernel must never read: the course packages and root."""
    paths = []
    for name in FORBIDDEN_MODULES:
        try:
            spec = importlib.util.find_spec(name)  # finds, never runs, the package
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.submodule_search_locations:
            paths.extend(spec.submodule_search_locations)
    if os.environ.get("RN_COURSE_ROOT"):
        paths.append(os.environ["RN_COURSE_ROOT"])
    return [os.path.realpath(p) for p in paths]


def readable_roots(excluded):
    """Python, its libraries and the system, minus anything holding ``excluded``."""
    roots = {sys.base_prefix, sys.prefix, *sysconfig.get_paths().values()}
    roots.update(p for p in sys.path if p and os.path.isdir(p))
    roots.update(["/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys", "/dev"])
    return _landlock.prune(roots, excluded)


# --- imports ----------------------------------------------------------------------


def _forget_course_finders():
    """Drop the meta-path finders of editable installs (they map the course packages)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
    for name in list(sys.path_importer_cache):
        if any(_inside(name, p) for p in _COURSE):
            del sys.path_importer_cache[name]


def _audit(event, args):
    if event == "import":
        name = str(args[0])
        for prefix in FORBIDDEN_MODULES:
            if name == prefix or name.startswith(prefix + "."):
                raise ImportError(f"import interdit dans le noyau de notation : {prefix}")


# --- main ---------------------------------------------------------------------------


def _connection_file(argv):
    for i, arg in enumerate(argv):
        if arg == "-f" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--f=") or arg.startswith("--IPKernelApp.connection_file="):
            return arg.split("=", 1)[1]
    return None


def _limits():
    memory = int(os.environ.get("RN_NOYAU_MEMOIRE_MO", "2048")) * 1024 * 1024
    cpu = int(os.environ.get("RN_NOYAU_CPU_S", "600"))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _scratch():
    """A private writable folder for IPython, matplotlib and tempfile."""
    scratch = os.environ.get("RN_NOYAU_TMP")
    if not scratch:
        scratch = tempfile.mkdtemp(prefix="rn-noyau-")
        import atexit

        atexit.register(shutil.rmtree, scratch, True)
    for name in ("ipython", "matplotlib", "cache"):
        os.makedirs(os.path.join(scratch, name), exist_ok=True)
    os.environ.update(
        TMPDIR=scratch,
        IPYTHONDIR=os.path.join(scratch, "ipython"),
        MPLCONFIGDIR=os.path.join(scratch, "matplotlib"),
        XDG_CACHE_HOME=os.path.join(scratch, "cache"),
        HOME=scratch,
    )
    tempfile.tempdir = scratch
    return scratch


_COURSE = []


def main():
    connection_file = _connection_file(sys.argv[1:])
    ports = []
    if connection_file:
        with open(connection_file, encoding="utf-8") as f:
            info = json.load(f)
        if info.get("transport", "tcp") == "tcp":
            ports = [info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port") if info.get(k)]
            # Port 0 stands for "an ephemeral port": ipykernel binds one to
            # forward the output of subprocesses.
            ports.append(0)
    scratch = _scratch()
    _COURSE[:] = _course_paths()
    reads = readable_roots(_COURSE)
    if connection_file:
        reads.append(connection_file)
    writes = [os.getcwd(), scratch, "/dev/null"]
    # The kernel's working folder is the student's own; it must not hold the course.
    if any(_inside(p, os.getcwd()) for p in _COURSE):
        sys.exit("rn-ch06-confine : le dossier de travail contient le cours ; noyau refusé.")
    _limits()
    _forget_course_finders()
    sys.addaudithook(_audit)
    try:
        abi = _landlock.restrict(reads, writes, ports)
    except OSError as exc:
        sys.exit(f"rn-ch06-confine : Landlock a échoué ({exc}) ; noyau refusé.")
    if abi == 0:
        print("rn-ch06-confine : ce Linux n'a pas Landlock ; noyau limité en mémoire seulement.", file=sys.stderr)
    os.environ["RN_NOYAU_LANDLOCK"] = str(abi)

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
