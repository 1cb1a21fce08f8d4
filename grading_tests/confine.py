"""Confinement of student code, shared by the grading worker and the course kernel.

Both processes that run a student's code, the grading worker
(``_worker.py``) and the notebook kernel (``kernel/rn-ch06-confine``), load
this file by its path, never as ``grading_tests.confine``: they must not
import the course's package. So it uses the standard library only. The
trusted side (``sandbox.py``, the nbgrader plug-in) imports it normally to
build the same environment and limits.

A confined process gets, in this order (:func:`confine`):

1. **its own process group**, of which it is the leader. ``setsid`` and
   ``setpgid`` are then refused, so every process it starts stays in the
   group and one ``killpg`` from the parent ends them all (:func:`kill_group`);
2. **resource limits** (:data:`LIMITS`): address space, CPU time, file size,
   open files, no core dump, no real-time or raised priority;
3. **no capabilities**, even when the instructor runs as root: the bounding
   set is emptied before the effective set, so no later ``execve`` regains any;
4. **Landlock** (Linux >= 5.13): reads only beneath the granted roots, writes
   only beneath its scratch folder, binds only the kernel's own TCP ports and
   connects nowhere (ABI 4), reaches no abstract UNIX socket and signals no
   process outside itself (ABI 6). Another process's ``/proc`` entries are out
   of reach too (Landlock's ptrace scoping);
5. **seccomp** (:func:`deny_syscalls`): ``socket()`` of every family, io_uring,
   ``setsid``/``setpgid``, real-time scheduling policies, namespaces, mounts, BPF,
   ``ptrace`` and keyrings fail with ``EPERM``; the worker may also not
   start processes at all. The kernel installs this filter after ipykernel
   has bound its own sockets, on every thread at once (``TSYNC``).

Where the running Linux lacks Landlock or seccomp, the layer is skipped and
:func:`confine` says so in its report; the audit hooks of the worker and of
the kernel still refuse sockets by name (``socket.__new__``).

See ``docs/instructor.md`` (threat model) for what this does not cover.
"""

import ctypes
import errno
import os
import platform
import resource
import signal
import struct
import sys
import threading

__all__ = [
    "LIMITS",
    "OUTPUT",
    "environment",
    "apply_limits",
    "confine",
    "deny_syscalls",
    "landlock",
    "prune",
    "inside",
    "readable_roots",
    "package_dirs",
    "kill_group",
    "tree_bytes",
    "DiskWatch",
]

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
_FIXED_ENV = {
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    # joblib otherwise runs `lscpu` to count cores, which the sandbox refuses.
    "LOKY_MAX_CPU_COUNT": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# Passed through unchanged: OpenBLAS needs these on some processors (machine
# notes), and nbgrader's flag lets the notebooks shorten their training.
_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NBGRADER_EXECUTION", "RN_CONFINE_SECCOMP")


def environment(scratch, source=None):
    """The whole environment of a confined process whose scratch folder is ``scratch``."""
    source = os.environ if source is None else source
    env = dict(_FIXED_ENV)
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


# --- Landlock ----------------------------------------------------------------------
# See Documentation/userspace-api/landlock.rst in the Linux sources.

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
    for paths, rights in ((read_paths, _FS_READ | _FS_EXECUTE), (list_paths, _FS_READ_DIR), (write_paths, fs_all)):
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            # Directory rights on a file make landlock_add_rule fail.
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
    _no_new_privs(libc)
    if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    os.close(ruleset)
    return abi


def _no_new_privs(libc):
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")


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


# --- seccomp ------------------------------------------------------------------------

_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_ABS_W = 0x20
_JEQ = 0x15
_JGE = 0x35
_JSET = 0x45
_RET = 0x06

_CLONE_THREAD = 0x00010000
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
_X32_BIT = 0x40000000
_RT_POLICIES = (1, 2, 6)  # SCHED_FIFO, SCHED_RR, SCHED_DEADLINE
_SCHED_RESET_ON_FORK = 0x40000000

# Per architecture: its audit value, seccomp's own number, and the numbers
# of the system calls the filter looks at.
_ARCH = {
    "x86_64": {
        "audit": 0xC000003E,
        "seccomp": 317,
        "socket": [41],
        "process": [57, 58, 59, 322],  # fork, vfork, execve, execveat
        "clone": 56,
        "clone3": 435,
        "sched_setscheduler": 144,
        "always": [
            112, 109,  # setsid, setpgid
            314,  # sched_setattr
            272, 308,  # unshare, setns
            425, 426, 427,  # io_uring_setup, io_uring_enter, io_uring_register
            165, 166, 155, 161,  # mount, umount2, pivot_root, chroot
            321, 298, 323,  # bpf, perf_event_open, userfaultfd
            101, 310, 311,  # ptrace, process_vm_readv, process_vm_writev
            248, 249, 250,  # add_key, request_key, keyctl
        ],
    },
    "aarch64": {
        "audit": 0xC00000B7,
        "seccomp": 277,
        "socket": [198],
        "process": [221, 281],  # execve, execveat (fork is clone there)
        "clone": 220,
        "clone3": 435,
        "sched_setscheduler": 119,
        "always": [
            157, 154,
            274,
            97, 268,
            425, 426, 427,
            40, 39, 41, 51,
            280, 241, 282,
            117, 270, 271,
            217, 218, 219,
        ],
    },
}


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _filter_program(arch, sockets, processes):
    """The BPF program: a list of (code, jt, jf, k) with jumps to labels resolved."""
    info = _ARCH[arch]
    denied = list(info["always"])
    if sockets:
        denied += info["socket"]
    if processes:
        denied += info["process"]
    # Symbolic program: ("op", k, true_label, false_label) or ("label", name).
    prog = [
        ("ld", 4),  # seccomp_data.arch
        ("jeq", info["audit"], None, "deny"),
        ("ld", 0),  # seccomp_data.nr
    ]
    if arch == "x86_64":
        prog.append(("jge", _X32_BIT, "deny", None))
    prog += [("jeq", nr, "deny", None) for nr in denied]
    # glibc falls back to clone() when clone3() says ENOSYS; clone()'s flags
    # are a plain argument the filter can read.
    prog.append(("jeq", info["clone3"], "enosys", None))
    prog.append(("jeq", info["clone"], "clone", None))
    prog.append(("jeq", info["sched_setscheduler"], "scheduler", None))
    prog.append(("ret", _RET_ALLOW))
    # libzmq's threads reset themselves to SCHED_OTHER and abort if refused:
    # only the real-time policies are (with or without SCHED_RESET_ON_FORK).
    prog.append(("label", "scheduler"))
    prog.append(("ld", 24))  # low half of args[1], the policy
    prog += [("jeq", policy | reset, "deny", None) for policy in _RT_POLICIES for reset in (0, _SCHED_RESET_ON_FORK)]
    prog.append(("ret", _RET_ALLOW))
    prog += [("label", "clone"), ("ld", 16), ("jset", _CLONE_NAMESPACES, "deny", None)]
    if processes:
        prog.append(("jset", _CLONE_THREAD, "allow", "deny"))
    prog += [("label", "allow"), ("ret", _RET_ALLOW)]
    prog += [("label", "deny"), ("ret", _RET_ERRNO | errno.EPERM)]
    prog += [("label", "enosys"), ("ret", _RET_ERRNO | errno.ENOSYS)]
    positions, index = {}, 0
    for ins in prog:
        if ins[0] == "label":
            positions[ins[1]] = index
        else:
            index += 1
    code = {"ld": _LD_ABS_W, "jeq": _JEQ, "jge": _JGE, "jset": _JSET, "ret": _RET}
    out, index = [], 0
    for ins in prog:
        if ins[0] == "label":
            continue
        op, k = ins[0], ins[1]
        jt = jf = 0
        if op in ("jeq", "jge", "jset"):
            jt = positions[ins[2]] - index - 1 if ins[2] else 0
            jf = positions[ins[3]] - index - 1 if ins[3] else 0
        out.append((code[op], jt, jf, k))
        index += 1
    return out


def deny_syscalls(sockets=True, processes=False):
    """Install the seccomp filter on every thread of this process; return True if it is in place.

    ``sockets`` refuses ``socket()`` of every family (a socket already open
    stays usable: the kernel's own ZeroMQ sockets); ``processes`` refuses
    fork, exec and every clone that is not a thread. The rest of the list is
    always refused (see :data:`_ARCH`).
    """
    arch = platform.machine()
    if arch not in _ARCH:
        return False
    program = _filter_program(arch, sockets, processes)
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    fprog = _SockFprog(len(program), filters)
    libc = _libc()
    _no_new_privs(libc)
    res = libc.syscall(_ARCH[arch]["seccomp"], _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog))
    if res != 0:
        if res < 0 and ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS):
            return False
        raise OSError(ctypes.get_errno(), f"seccomp (thread {res} could not be synchronised)")
    return True


# --- the whole confinement ---------------------------------------------------------------


def own_process_group():
    """Make this process the leader of a new process group (and session if it can)."""
    try:
        os.setsid()
    except OSError:  # already a session leader
        if os.getpgid(0) != os.getpid():
            os.setpgid(0, 0)


def confine(kind, reads, write_paths, bind_ports=(), seccomp=True, memory_mb=None, cpu_s=None):
    """Steps 1 to 4 of the module docstring, and 5 for the worker; return a report dict.

    ``reads`` is what :func:`readable_roots` returns.
    The kernel passes ``seccomp=False`` and calls :func:`deny_syscalls`
    itself once ipykernel has bound its sockets. ``RN_CONFINE_SECCOMP=0``
    in the environment skips seccomp, to test the fallback.
    """
    own_process_group()
    apply_limits(kind, memory_mb=memory_mb, cpu_s=cpu_s)
    report = {"capabilities_dropped": drop_capabilities()}
    report["landlock"] = landlock(reads["read"], write_paths, bind_ports, reads.get("list", ()))
    report["seccomp"] = False
    if seccomp and seccomp_wanted():
        report["seccomp"] = deny_syscalls(sockets=True, processes=(kind == "worker"))
    return report


def seccomp_wanted():
    return os.environ.get("RN_CONFINE_SECCOMP", "1") != "0"


# --- used by the trusted parent ----------------------------------------------------------


def kill_group(pgid):
    """SIGKILL every process of the group ``pgid`` (the confined process and all it started)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
        self.folder, self.limit, self.pgid, self.period = folder, limit, pgid, period
        self.exceeded = False
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(self.period):
            if tree_bytes(self.folder, stop_at=self.limit) > self.limit:
                self.exceeded = True
                kill_group(self.pgid)
                return

    def stop(self):
        self._stop_event.set()
