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
- confines itself with Landlock (the approach of ``grading_tests/_worker.py``):
  it may read only the Python installation and system directories, may write
  only its working directory (the student's ``autograded/<élève>/<devoir>/``)
  and a private scratch directory, may bind only the kernel's own TCP ports and
  connect nowhere, and may signal no process outside itself. The gradebook, the
  course sources, the other students' files and ``reference_impl`` are out of
  reach, whatever the code does (even ``sqlite3`` or a shell escape).

If the running Linux has no Landlock, the kernel still starts, with the limits
and the audit hook only, and says so on stderr.
"""

import ctypes
import importlib.util
import json
import os
import resource
import shutil
import sys
import sysconfig
import tempfile

FORBIDDEN_MODULES = ("reference_impl", "grading_tests")

# --- Landlock (Documentation/userspace-api/landlock.rst) ---------------------

_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_LANDLOCK_RULE_NET_PORT = 2
_PR_SET_NO_NEW_PRIVS = 38

_FS_EXECUTE = 1 << 0
_FS_WRITE_FILE = 1 << 1
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
_FS_REMOVE_DIR = 1 << 4
_FS_REMOVE_FILE = 1 << 5
_FS_MAKE_CHAR = 1 << 6
_FS_MAKE_DIR = 1 << 7
_FS_MAKE_REG = 1 << 8
_FS_MAKE_SOCK = 1 << 9
_FS_MAKE_FIFO = 1 << 10
_FS_MAKE_BLOCK = 1 << 11
_FS_MAKE_SYM = 1 << 12
_FS_REFER = 1 << 13  # ABI 2
_FS_TRUNCATE = 1 << 14  # ABI 3
_FS_IOCTL_DEV = 1 << 15  # ABI 5
_NET_BIND_TCP = 1 << 0  # ABI 4
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
_SCOPE_SIGNAL = 1 << 1

_FS_READ = _FS_READ_FILE | _FS_READ_DIR
_FS_WRITE_ABI1 = (
    _FS_WRITE_FILE
    | _FS_REMOVE_DIR
    | _FS_REMOVE_FILE
    | _FS_MAKE_CHAR
    | _FS_MAKE_DIR
    | _FS_MAKE_REG
    | _FS_MAKE_SOCK
    | _FS_MAKE_FIFO
    | _FS_MAKE_BLOCK
    | _FS_MAKE_SYM
)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _NetPortAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]


def landlock(read_paths, write_paths, bind_ports):
    """Restrict this process (and its children); return the ABI used, 0 if none."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        return 0
    fs_all = _FS_EXECUTE | _FS_READ | _FS_WRITE_ABI1
    if abi >= 2:
        fs_all |= _FS_REFER
    if abi >= 3:
        fs_all |= _FS_TRUNCATE
    if abi >= 5:
        fs_all |= _FS_IOCTL_DEV
    attr = _RulesetAttr(fs_all, 0, 0)
    size = 8  # ABI 1-3 know only handled_access_fs
    if abi >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
    ruleset = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    file_rights = _FS_READ_FILE | _FS_EXECUTE | _FS_WRITE_FILE | (_FS_TRUNCATE if abi >= 3 else 0)
    for paths, rights in ((read_paths, _FS_READ | _FS_EXECUTE), (write_paths, fs_all)):
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            allowed = rights if os.path.isdir(path) else rights & file_rights
            rule = _PathBeneathAttr(allowed, fd)
            res = libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            os.close(fd)
            if res < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
    if abi >= 4:
        for port in bind_ports:
            rule = _NetPortAttr(_NET_BIND_TCP, int(port))
            if libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_NET_PORT, ctypes.byref(rule), 0) < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule port {port}")
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")
    if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    os.close(ruleset)
    return abi


# --- what the kernel may read ---------------------------------------------------


def _inside(path, root):
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


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
    """Python, its libraries and the system, minus anything holding ``excluded``.

    Landlock grants whole hierarchies, so a root that holds an excluded folder
    is replaced by its other children, recursively.
    """
    roots = {sys.base_prefix, sys.prefix, *sysconfig.get_paths().values()}
    roots.update(p for p in sys.path if p and os.path.isdir(p))
    roots.update(["/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys", "/dev"])
    granted = []

    def grant(path):
        if not os.path.exists(path):
            return
        if any(_inside(ex, path) for ex in excluded):
            if os.path.isdir(path) and not any(_inside(path, ex) for ex in excluded):
                for child in sorted(os.listdir(path)):
                    grant(os.path.join(path, child))
            return
        granted.append(os.path.realpath(path))

    for root in sorted(roots):
        grant(root)
    return granted


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
        abi = landlock(reads, writes, ports)
    except OSError as exc:
        sys.exit(f"rn-ch06-confine : Landlock a échoué ({exc}) ; noyau refusé.")
    if abi == 0:
        print("rn-ch06-confine : ce Linux n'a pas Landlock ; noyau limité en mémoire seulement.", file=sys.stderr)
    os.environ["RN_NOYAU_LANDLOCK"] = str(abi)

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
