"""Start an IPython kernel that a student's notebook cannot use to cheat or harm.

This is the launcher of the course kernelspec ``rn-ch06-confine`` (see
``kernel.json`` beside it); ``nbgrader autograde`` runs every submitted
notebook in such a kernel (``grading_tests.nbgrader_plugin.ConfinedExecute``),
in a throwaway scratch folder outside the course, with the environment that
``confine.environment`` builds. It is a standalone script: it imports nothing
from the course, so that the kernel never holds the graders or the reference
in memory.

A kernel comes to be in one of two ways, and confines itself the same way
(:func:`run_kernel`):

- ``launcher.py -f CONNECTION_FILE [ipykernel options]``, the kernelspec's
  command: a new interpreter, which imports everything itself;
- forked by the warm template ``template.py`` beside this file, which has
  imported numpy, matplotlib, scikit-learn and ipykernel once and started
  nothing (:func:`run_forked_kernel`): a fresh process per notebook, without
  the imports' cost, and no connection file at all (the template hands the
  connection over in memory).

The confinement is ``grading_tests/confine.py``, the same module as the
grading worker's, loaded by path. Before ipykernel starts, the process leads
its own process group, takes the kernel's resource limits
(``confine.LIMITS``, or ``RN_NOYAU_MEMOIRE_MO`` and ``RN_NOYAU_CPU_S`` when
the nbgrader plug-in sets them), drops every capability, and
confines itself with Landlock: it reads only the Python installation and a few
system files, writes only its scratch folder (its working folder), binds only
the kernel's own TCP ports and connects nowhere, and signals no process outside
itself. An audit hook refuses to import ``reference_impl`` and
``grading_tests``. Once ipykernel has bound its sockets, the seccomp
allow-list of ``confine.filter_syscalls`` goes on every thread: no new
socket, no new process (a cell's ``subprocess`` or ``os.fork`` fails), no
call that reaches another process. The kernel is then alone in its process
group, which the parent kills with it, and its address-space limit bounds
the group's memory.

A layer the running Linux lacks is skipped, and the kernel says so on stderr;
the audit hook then still refuses inet and inet6 sockets opened from Python.
"""

import importlib.util
import json
import os
import sys

FORBIDDEN_MODULES = ("reference_impl", "grading_tests")


def _load_confine():
    """``grading_tests/confine.py``, loaded by path: the package is off limits."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "confine.py")
    spec = importlib.util.spec_from_file_location("confine", os.path.realpath(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


confine = _load_confine()


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
    # Set by ConfinedExecute; read once, then out of the student's sight.
    root = os.environ.pop("RN_COURSE_ROOT", "")
    if root:
        paths.append(root)
    return [os.path.realpath(p) for p in paths]


def readable_roots(excluded):
    """What the kernel may read (``confine.readable_roots`` minus ``excluded``)."""
    return confine.readable_roots(excluded)


def _forget_course_finders(course):
    """Drop the meta-path finders of editable installs (they map the course packages)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
    for name in list(sys.path_importer_cache):
        if any(confine.inside(name, p) for p in course):
            del sys.path_importer_cache[name]


class _Audit:
    def __init__(self):
        self.sockets_allowed = True  # ipykernel binds its own before the filter is in place

    def __call__(self, event, args):
        if event == "import":
            name = str(args[0])
            for prefix in FORBIDDEN_MODULES:
                if name == prefix or name.startswith(prefix + "."):
                    raise ImportError(f"import interdit dans le noyau de notation : {prefix}")
        elif event == "socket.__new__" and not self.sockets_allowed and args[1] in (2, 10):  # AF_INET, AF_INET6
            # asyncio's own socketpair (AF_UNIX) must stay possible; seccomp,
            # when present, refuses every new socket anyway.
            raise PermissionError("interdit dans le noyau de notation : ouvrir une connexion réseau")


PORT_NAMES = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")


def _split_argv(argv):
    """(connection file or None, the other arguments: ipykernel's options)."""
    found, options, args = None, [], iter(argv)
    for arg in args:
        if arg == "-f":
            found = next(args, None)
        elif arg.startswith("--f=") or arg.startswith("--IPKernelApp.connection_file="):
            found = arg.split("=", 1)[1]
        else:
            options.append(arg)
    return found, options


def _scratch():
    """The scratch folder (the working folder), with the private folders IPython and matplotlib use."""
    scratch = os.getcwd()
    for name in (".ipython", ".matplotlib", ".cache"):
        os.makedirs(os.path.join(scratch, name), exist_ok=True)
    import tempfile

    tempfile.tempdir = scratch
    return scratch


def _kernel_app(connection):
    """ipykernel's application, its ports and key taken from ``connection``: it reads and writes no file."""
    from ipykernel.kernelapp import IPKernelApp

    class Kernel(IPKernelApp):
        def init_connection_file(self):
            self.load_connection_info(connection)

        def write_connection_file(self, **kwargs):
            pass

    return Kernel.instance()


def run_kernel(connection, options, on_listening=None):
    """Confine this process, then serve as the kernel of ``connection`` (a connection file's content).

    ``on_listening`` is called once the kernel is bound to its ports and confined, before it serves.
    """
    # The fixed variables of confine.environment (thread counts, plotting
    # backend), also when the kernel is started without it; numpy and
    # matplotlib read them when they load, after this (the template sets them
    # before it imports them).
    os.environ.update(confine.FIXED_ENV)
    ports = []
    if connection.get("transport", "tcp") == "tcp":
        ports = [connection[k] for k in PORT_NAMES if connection.get(k)]
        # Port 0 stands for "an ephemeral port": ipykernel binds one to
        # forward the output of subprocesses.
        ports.append(0)
    scratch = _scratch()
    course = _course_paths()
    # The working folder is a scratch copy; it must never hold the course.
    if any(confine.inside(p, scratch) or confine.inside(scratch, p) for p in course):
        sys.exit("rn-ch06-confine : le dossier de travail contient le cours ; noyau refusé.")
    reads = readable_roots(course)
    _forget_course_finders(course)
    audit = _Audit()
    sys.addaudithook(audit)
    try:
        report = confine.confine(
            "kernel",
            reads,
            [scratch, "/dev/null"],
            ports,
            seccomp=False,
            memory_mb=os.environ.pop("RN_NOYAU_MEMOIRE_MO", None),
            cpu_s=os.environ.pop("RN_NOYAU_CPU_S", None),
        )
    except OSError as exc:
        sys.exit(f"rn-ch06-confine : confinement impossible ({exc}) ; noyau refusé.")
    if report["landlock"] == 0:
        print("rn-ch06-confine : ce Linux n'a pas Landlock ; lecture et écriture non confinées.", file=sys.stderr)

    app = _kernel_app(connection)
    app.initialize(options)
    filtered = confine.seccomp_wanted() and confine.filter_syscalls()
    audit.sockets_allowed = False
    if not filtered:
        print("rn-ch06-confine : seccomp indisponible ; sockets refusés par le seul audit hook.", file=sys.stderr)
    os.environ["RN_NOYAU_CONFINEMENT"] = json.dumps(dict(report, seccomp=bool(filtered)))
    if on_listening is not None:
        on_listening()
    app.start()


def run_forked_kernel(request, on_listening=None):
    """In a child of ``template.py``: take the kernel's folder and environment, then :func:`run_kernel`.

    ``request`` holds ``cwd`` (the scratch folder), ``env`` (the kernel's
    whole environment), ``connection`` and ``options``. What the template
    imported is there already, as it was before any kernel ran.
    """
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [os.path.abspath(__file__), *request["options"]]
    # Forked children share the template's random state: numpy's global
    # generator gets a fresh seed, as in a new interpreter (the random module
    # reseeds itself after a fork).
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    run_kernel(request["connection"], request["options"], on_listening)


def main():
    connection_file, options = _split_argv(sys.argv[1:])
    if not connection_file:
        sys.exit("rn-ch06-confine : usage : launcher.py -f FICHIER_DE_CONNEXION [options d'ipykernel]")
    with open(connection_file, encoding="utf-8") as f:
        connection = json.load(f)
    run_kernel(connection, options)


if __name__ == "__main__":
    main()
