"""Confinement of student code, shared by the grading worker and the course kernel.

Both processes that run a student's code, the grading worker
(``_worker.py``) and the notebook kernel (``kernel/rn-ch06-confine``), load
this file by its path, never as ``grading_tests.confine``: they must not
import the course's package. So it uses the standard library only, and
loads the modules beside it by path too (:func:`load_beside`). The
trusted side (``sandbox.py``, the nbgrader plug-in) imports it normally to
build the same environment and limits.

A confined process gets, in this order (:func:`confine`):

1. **its own process group**, of which it is the leader and, after step 5,
   the only member: one ``killpg`` from the parent ends it (:func:`kill_group`);
2. **resource limits** (:data:`LIMITS`): address space, CPU time, file size,
   open files, no core dump, no real-time or raised priority;
3. **no capabilities**, even when the instructor runs as root: the bounding
   set is emptied before the effective set, so no later ``execve`` regains any;
4. **Landlock** (Linux >= 5.13, ``_landlock.py``): reads only beneath the granted roots, writes
   only beneath its scratch folder, binds only the kernel's own TCP ports and
   connects nowhere (ABI 4), reaches no abstract UNIX socket and signals no
   process outside itself (ABI 6). Another process's ``/proc`` entries are out
   of reach too (Landlock's ptrace scoping);
5. **seccomp** (:func:`filter_syscalls`, ``_seccomp.py``): an allow-list of
   system calls. No new process (``fork``, ``execve``, ``clone`` without
   ``CLONE_THREAD``), so its address-space limit bounds its group's memory,
   even under root; no new socket, session or group; no call that reaches
   another process (``prlimit64``, signals, priority, affinity, scheduling
   only on itself; no ptrace, ``process_vm_*``, ``kcmp``, pidfd); no chmod,
   chown or utime, which Landlock leaves alone. The kernel installs it once
   ipykernel has bound its sockets, on every thread at once (``TSYNC``).

Where the running Linux lacks Landlock or seccomp, the layer is skipped and
:func:`confine` says so in its report; the audit hooks of the worker and of
the kernel still refuse sockets by name (``socket.__new__``).

See ``docs/instructor.md`` (threat model) for what this does not cover.
"""

import contextlib
import ctypes
import importlib.util
import os
import platform
import resource
import signal
import struct
import sys
import threading

__all__ = [
    "LIMITS", "OUTPUT", "MIB", "FIXED_ENV", "environment", "apply_limits", "drop_capabilities", "landlock", "filter_syscalls",
    "confine", "seccomp_wanted", "inside", "prune", "readable_roots", "package_dirs", "load_beside",
    "kill_group", "tree_bytes", "DiskWatch",
]


def load_beside(name):
    """The module ``name`` (a ``.py`` file of this folder), loaded by its path.

    The worker and the kernel load this file so, with no package around it,
    and the modules beside it likewise: ``_landlock.py`` and ``_seccomp.py``
    here, ``wire.py`` for the worker. All are read before the process
    confines itself; it may not read them afterwards.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_landlock = load_beside("_landlock")
_seccomp = load_beside("_seccomp")

MIB = 1024 * 1024

# One table of limits for both confined processes. disk_mb is the scratch
# folder's total, enforced by the trusted parent (tree_bytes), since no
# unprivileged rlimit counts a whole folder.
LIMITS = {
    "worker": {"memory_mb": 2048, "cpu_s": 900, "file_mb": 16, "nofile": 256, "disk_mb": 64},
    "kernel": {"memory_mb": 2048, "cpu_s": 600, "file_mb": 64, "nofile": 1024, "disk_mb": 256},
}

# What the trusted parent keeps of a kernel's output: a message larger than
# message_mb is dropped by ZeroMQ before it is read, at most queue_messages
# wait unread, and a cell (notebook) keeps cell_mb (notebook_mb) of outputs.
OUTPUT = {"message_mb": 8, "queue_messages": 64, "cell_mb": 4, "notebook_mb": 16}

# The environment variables a confined process may inherit, and their
# fixed values. Everything else of the instructor's environment (tokens,
# passwords, paths) stays outside.
FIXED_ENV = {
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    # joblib otherwise runs `lscpu` to count cores, which the sandbox refuses.
    "LOKY_MAX_CPU_COUNT": "1",
    # ...and tries a named semaphore in /dev/shm, also refused: it would run
    # serially anyway, but warn (with the venv's path) in every cell's output.
    "JOBLIB_MULTIPROCESSING": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# Passed through unchanged: OpenBLAS needs these on some processors, and
# nbgrader's flag lets the notebooks shorten their training.
_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NBGRADER_EXECUTION", "RN_CONFINE_SECCOMP")


def environment(scratch, source=None):
    """The whole environment of a confined process whose scratch folder is ``scratch``."""
    source = os.environ if source is None else source
    env = dict(FIXED_ENV)
    env.update({name: source[name] for name in _PASSED_ENV if name in source})
    env.update(
        PATH=os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]),
        HOME=scratch,
        TMPDIR=scratch,
        MPLCONFIGDIR=os.path.join(scratch, ".matplotlib"),
        XDG_CACHE_HOME=os.path.join(scratch, ".cache"),
        IPYTHONDIR=os.path.join(scratch, ".ipython"),
    )
    return env


# --- resource limits ------------------------------------------------------------


def apply_limits(kind, memory_mb=None, cpu_s=None):
    """Set the rlimits of ``LIMITS[kind]`` on this process (inherited by its children)."""
    limits = dict(LIMITS[kind])
    if memory_mb:
        limits["memory_mb"] = int(memory_mb)
    if cpu_s:
        limits["cpu_s"] = int(cpu_s)
    memory = limits["memory_mb"] * MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_s"], limits["cpu_s"] + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_mb"] * MIB,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["nofile"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # No real-time priority and no nice below the current one.
    resource.setrlimit(resource.RLIMIT_RTPRIO, (0, 0))
    resource.setrlimit(resource.RLIMIT_NICE, (0, 0))
    return limits


# --- capabilities -----------------------------------------------------------------

_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def drop_capabilities():
    """Empty the bounding, ambient, permitted and effective capability sets.

    Returns True when the process ends with no capability. For a process
    that has none (an instructor who is not root), this changes nothing.
    """
    libc = _libc()
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
    except (OSError, ValueError):
        last = 63
    for cap in range(last + 1):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # EPERM without CAP_SETPCAP: nothing to drop
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("=Ii", _LINUX_CAPABILITY_VERSION_3, 0)
    data = bytes(24)  # two zeroed {effective, permitted, inheritable} triples
    header_buf = ctypes.create_string_buffer(header, len(header))
    data_buf = ctypes.create_string_buffer(data, len(data))
    capset = {"x86_64": 126, "aarch64": 91}.get(platform.machine())
    if capset is None:
        return False
    return libc.syscall(capset, header_buf, data_buf) == 0


# --- Landlock and seccomp (the files beside this one) -------------------------------

_PR_SET_NO_NEW_PRIVS = 38


def _no_new_privs(libc):
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")


def landlock(read_paths, write_paths, bind_ports=(), list_paths=()):
    """Confine this thread and its future children; return the Landlock ABI used (0: none).

    Afterwards the process can read (and execute) only beneath
    ``read_paths``, list (not read) the folders beneath ``list_paths``, write
    only beneath ``write_paths``, bind only the TCP
    ports ``bind_ports`` and connect nowhere (ABI 4+), and signal or reach by
    abstract socket no process outside its own domain (ABI 6+). Call it
    before the process starts any thread: Landlock binds the calling thread.
    """
    libc = _libc()
    abi, ruleset = _landlock.ruleset(libc, read_paths, write_paths, bind_ports, list_paths)
    if abi:
        _no_new_privs(libc)
        _landlock.restrict_self(libc, ruleset)
    return abi


def filter_syscalls():
    """Install the seccomp allow-list on every thread of this process; return True if it is in place.

    Call it as the group's leader (:func:`own_process_group`): calls that name a process pass for
    this one only. Sockets already open stay usable (the kernel's own ZeroMQ sockets).
    """
    arch = platform.machine()
    if arch not in _seccomp.ARCHES:
        return False
    program = _seccomp.filter_program(arch, os.getpid())
    libc = _libc()
    _no_new_privs(libc)
    return _seccomp.install(libc, arch, program)


# --- what a confined process may read ----------------------------------------------


def inside(path, root):
    """Whether ``path`` is ``root`` or lies beneath it, links resolved."""
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def prune(roots, excluded, split=None):
    """The existing ``roots``, with every folder in ``excluded`` cut out.

    Landlock grants whole hierarchies, so a root that holds an excluded
    folder is replaced by its other children, recursively. A root that lies
    inside an excluded folder is kept: naming it is an explicit grant (the
    course's ``.venv`` lives inside the course root, which the kernel must
    not read otherwise); the excluded folders inside it are still cut out
    (scikit-learn's ``neural_network`` inside that ``.venv``). The folders
    that were split are appended to ``split``: they must stay listable, or
    Python's import system, which lists a folder before it looks for a
    module in it, finds nothing there.
    """
    granted = []

    def grant(path):
        if not os.path.lexists(path):
            return
        if any(inside(ex, path) for ex in excluded):
            if os.path.isdir(path) and not any(inside(path, ex) for ex in excluded):
                if split is not None:
                    split.append(os.path.realpath(path))
                for child in sorted(os.listdir(path)):
                    grant(os.path.join(path, child))
            return
        granted.append(os.path.realpath(path))

    for root in sorted(set(map(str, roots))):
        grant(root)
    return sorted(set(granted))


# Beyond the Python installation, what a confined process may read: system
# libraries and executables, a few files of /etc, CPU and memory facts that
# numpy and joblib look up. No /proc/<pid>, not even its own: its environment
# block there would show what the parent set for the launcher.
_SYSTEM_READS = [
    "/usr", "/lib", "/lib64", "/bin",
    "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ld.so.cache",
    "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/mime.types", "/etc/fonts",
    "/dev/null", "/dev/urandom", "/dev/random", "/dev/zero",
    "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
    "/sys/devices/system/cpu", "/sys/fs/cgroup",
]


def readable_roots(excluded, paths=None):
    """Python, its libraries and the system reads above, minus anything holding ``excluded``.

    Returns ``{"read": folders and files to read, "list": folders that may
    only be listed}`` (see :func:`prune`). ``paths`` is the import path of the confined process (this one's
    ``sys.path`` by default).
    """
    import sysconfig

    roots = {sys.base_prefix, sys.prefix, *sysconfig.get_paths().values(), *_SYSTEM_READS}
    roots.update(p for p in (sys.path if paths is None else paths) if p and os.path.isdir(p))
    split = []
    return {"read": prune(roots, [str(p) for p in excluded], split), "list": split}


def package_dirs(dotted_names, search=None):
    """Where the packages ``dotted_names`` would be found on ``search`` (sys.path), never importing them."""
    found = []
    for entry in search if search is not None else sys.path:
        for name in dotted_names:
            path = os.path.join(entry or ".", *name.split("."))
            if os.path.isdir(path) or os.path.isfile(path + ".py"):
                found.append(os.path.realpath(path if os.path.isdir(path) else path + ".py"))
    return sorted(set(found))


# --- the whole confinement ---------------------------------------------------------------


def own_process_group():
    """Make this process the leader of a new process group (and session if it can)."""
    try:
        os.setsid()
    except OSError:  # already a session leader
        if os.getpgid(0) != os.getpid():
            os.setpgid(0, 0)


def confine(kind, reads, write_paths, bind_ports=(), seccomp=True, memory_mb=None, cpu_s=None):
    """Steps 1 to 5 of the module docstring (1 to 4 for the kernel); return a report dict.

    ``reads`` is what :func:`readable_roots` returns.
    The kernel passes ``seccomp=False`` and calls :func:`filter_syscalls`
    itself once ipykernel has bound its sockets. ``RN_CONFINE_SECCOMP=0``
    in the environment skips seccomp, to test the fallback.
    """
    own_process_group()
    apply_limits(kind, memory_mb=memory_mb, cpu_s=cpu_s)
    report = {"capabilities_dropped": drop_capabilities()}
    report["landlock"] = landlock(reads["read"], write_paths, bind_ports, reads.get("list", ()))
    report["seccomp"] = False
    if seccomp and seccomp_wanted():
        report["seccomp"] = filter_syscalls()
    return report


def seccomp_wanted():
    return os.environ.get("RN_CONFINE_SECCOMP", "1") != "0"


# --- used by the trusted parent ----------------------------------------------------------


def kill_group(pgid):
    """SIGKILL every process of the group ``pgid`` (the confined process and all it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def tree_bytes(path, stop_at=None):
    """Disk space used beneath ``path``, links never followed (stops counting past ``stop_at``)."""
    total, stack = 0, [path]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += max(st.st_size if entry.is_file(follow_symlinks=False) else 0, st.st_blocks * 512)
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                if stop_at is not None and total > stop_at:
                    return total
    return total


class DiskWatch(threading.Thread):
    """Kill the process group ``pgid`` once ``folder`` holds more than ``limit`` bytes."""

    def __init__(self, folder, limit, pgid, period=0.2):
        super().__init__(daemon=True, name="quota-disque")
        self.folder, self.limit, self.pgid, self.period, self.exceeded = folder, limit, pgid, period, False
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(self.period) and not self.check():
            pass

    def check(self):
        """Measure now (the thread does it every ``period`` s); kill the group if over the limit."""
        if not self.exceeded and tree_bytes(self.folder, stop_at=self.limit) > self.limit:
            self.exceeded = True  # before the kill: the kernel's death is then read as the quota's
            kill_group(self.pgid)
        return self.exceeded

    def stop(self):
        self._stop_event.set()
