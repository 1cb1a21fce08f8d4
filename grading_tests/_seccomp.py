"""seccomp, step 5 of ``confine.py``: the only system calls a confined process may make.

``confine.py`` loads this file by its path (see ``confine.load_beside``), and
this file loads ``_syscalls.py`` beside it the same way; standard library
only. The filter is an allow-list: a classic BPF program over
``seccomp_data`` (architecture, system-call number, arguments) that finds the
call's number by binary search among the sorted numbers of :data:`GROUPS`,
then checks the arguments of the calls of :func:`rules`. A deny-list always
forgets a call; here a call nobody listed is refused.

Answers:

- a call that is not listed fails with ``ENOSYS``, as on a Linux that lacks
  it: libraries then fall back to an older call, which is itself filtered
  (glibc goes from ``clone3`` to ``clone``, from ``faccessat2`` to
  ``faccessat``), where ``EPERM`` would make them give up or abort;
- a listed call whose arguments name another process, a process of its own
  (``fork``, ``execve``, ``clone`` without ``CLONE_THREAD``), a new socket, a
  new session or group, or a real-time policy fails with ``EPERM``, the
  kernel's own answer to a caller that may not;
- ``sched_getscheduler``, ``sched_getparam`` and ``sched_setscheduler`` to
  ``SCHED_OTHER`` on another thread id answer 0 and do nothing: libzmq's
  threads read and reset their own policy by thread id, which the filter
  cannot tell from another process's, and abort when refused.

The confined process is the leader of its process group (``confine.py``,
step 1), so its pid, known when the filter is built, is also its group's id.
"""

import ctypes
import errno
import importlib.util
import os

_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
ALLOW, EPERM, ENOSYS = _RET_ALLOW, _RET_ERRNO | errno.EPERM, _RET_ERRNO | errno.ENOSYS
NOOP = _RET_ERRNO | 0  # the call returns 0 and does nothing
DEFAULT = ENOSYS

# Classic BPF opcodes (linux/filter.h): load a word of seccomp_data, AND, jumps, return.
_LD_ABS_W, _AND_K, _JA, _JEQ, _JGT, _JGE, _JSET, _RET = 0x20, 0x54, 0x05, 0x15, 0x25, 0x35, 0x45, 0x06
_OFFSET_NR, _OFFSET_ARCH = 0, 4


def _arg(i):
    """Offset of the low 32 bits of argument ``i`` (x86_64 and aarch64 are little-endian).

    Every argument checked here is an ``int`` (pid, policy, clock id, flags
    of ``clone`` below bit 32), which the kernel reads from the low half.
    """
    return 16 + 8 * i


ARCHES = {
    "x86_64": {"audit": 0xC000003E, "seccomp": 317, "x32_bit": 0x40000000},
    "aarch64": {"audit": 0xC00000B7, "seccomp": 277, "x32_bit": None},
}

# What a confined process may do, by kind. A name missing on an architecture
# (``open`` on aarch64) is skipped there; ``_syscalls.py`` has the numbers.
GROUPS = {
    # Open files, and files by path: Landlock decides which paths. Not chmod,
    # chown, utime nor the xattr calls: Landlock does not cover a file's
    # metadata, and a process that runs as root owns the system's files.
    "files": (
        "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
        "lseek", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "flock", "fsync", "fdatasync",
        "ftruncate", "truncate", "fallocate", "sendfile", "copy_file_range",
        "open", "openat", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
        "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents64", "getcwd", "chdir", "fchdir",
        "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "umask", "ioctl",
    ),
    # Its own memory. No SysV shared memory nor memfd: they outlive a process
    # or escape its address-space limit.
    "memory": ("brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mbind",
               "get_mempolicy", "set_mempolicy"),
    # Threads (clone is checked: CLONE_THREAD only) and the process itself.
    "threads": ("clone", "futex", "set_robust_list", "rseq", "set_tid_address", "exit", "exit_group",
                "gettid", "getpid", "getppid", "getcpu", "sched_yield", "arch_prctl", "prctl", "restart_syscall"),
    # Its own signals; kill and the queued signals are checked.
    "signals": ("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
                "rt_sigtimedwait", "sigaltstack", "alarm", "setitimer", "getitimer", "pause",
                "kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"),
    # Clocks: the clock_* calls are checked (no other process's CPU clock).
    "time": ("clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "times"),
    # Waiting on its own descriptors.
    "events": ("poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
               "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "pipe", "pipe2"),
    # Sockets opened before the filter (the kernel's ZeroMQ sockets) and
    # local socket pairs (asyncio); never a new socket, bind nor connect.
    "sockets": ("accept", "accept4", "recvfrom", "recvmsg", "recvmmsg", "sendto", "sendmsg", "sendmmsg",
                "shutdown", "getsockname", "getpeername", "getsockopt", "setsockopt", "socketpair"),
    # What it may know and set of itself; the calls that take a pid are checked.
    "self": ("getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid", "getpgrp",
             "getpgid", "getsid", "getrusage", "getrlimit", "setrlimit", "prlimit64", "getpriority",
             "setpriority", "uname", "sysinfo", "getrandom", "wait4", "waitid",
             "sched_getaffinity", "sched_setaffinity", "sched_getscheduler", "sched_setscheduler",
             "sched_getparam", "sched_setparam", "sched_get_priority_max", "sched_get_priority_min",
             "ioprio_get", "ioprio_set"),
}
# Named to make their refusal plain (EPERM): a process of its own, a new
# session or group (it would leave the group its parent kills), a new socket.
REFUSED = ("fork", "vfork", "execve", "execveat", "setsid", "setpgid", "socket")
# glibc falls back to clone(), whose flags the filter can read.
ABSENT = ("clone3",)

_CLONE_THREAD = 0x00010000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
_SOCK_TYPE_MASK, _SOCK_STREAM = 0xF, 1
_PR_SCHED_CORE = 62  # the one prctl that names another process
# Descriptors whose owner receives SIGIO: owner set by pid (fcntl), or through
# a pointer the filter cannot read (F_SETOWN_EX, and ioctl FIOSETOWN, SIOCSPGRP).
_F_SETOWN, _F_SETOWN_EX = 8, 15
_FIOSETOWN, _SIOCSPGRP = 0x8901, 0x8902
_SCHED_OTHER = 0
_PRIO_PROCESS, _PRIO_PGRP = 0, 1
_IOPRIO_WHO_PROCESS, _IOPRIO_WHO_PGRP = 1, 2
# A clock id below 2**31 is a system clock; a negative one is a CPU clock,
# of the calling process or thread when its pid field is 0 (-8 to -1).
_OWN_CPU_CLOCKS, _FIRST_NEGATIVE = 0xFFFFFFF8, 0x80000000


def rules(pid):
    """{name: [(kind, argument, values, answer if refused)]}: all must hold, or the call gets the answer.

    ``in``: the argument is one of ``values``; ``nobits``: it has none of the
    bits ``values``; ``bits``: it has them all; ``masked``: (argument &
    values[0]) == values[1]; ``not``: it is not ``values``; ``clock``: a
    system clock or a CPU clock of itself; ``when``: if the argument is
    ``values[0]``, the check ``values[1]`` must hold.
    """
    me = (0, pid)  # 0 means "the caller" to every call below
    group = (0, pid, -pid & 0xFFFFFFFF)  # kill: its group, itself, its group by -pgid
    return {
        "prlimit64": [("in", 0, me, EPERM)],
        "kill": [("in", 0, group, EPERM)],
        "tgkill": [("in", 0, (pid,), EPERM)],
        "rt_sigqueueinfo": [("in", 0, (pid,), EPERM)],
        "rt_tgsigqueueinfo": [("in", 0, (pid,), EPERM)],
        "getpgid": [("in", 0, me, EPERM)],
        "getsid": [("in", 0, me, EPERM)],
        "getpriority": [("in", 0, (_PRIO_PROCESS, _PRIO_PGRP), EPERM), ("in", 1, me, EPERM)],
        "setpriority": [("in", 0, (_PRIO_PROCESS, _PRIO_PGRP), EPERM), ("in", 1, me, EPERM)],
        "ioprio_get": [("in", 0, (_IOPRIO_WHO_PROCESS, _IOPRIO_WHO_PGRP), EPERM), ("in", 1, me, EPERM)],
        "ioprio_set": [("in", 0, (_IOPRIO_WHO_PROCESS, _IOPRIO_WHO_PGRP), EPERM), ("in", 1, me, EPERM)],
        "sched_getaffinity": [("in", 0, me, EPERM)],
        "sched_setaffinity": [("in", 0, me, EPERM)],
        "sched_setparam": [("in", 0, me, EPERM)],
        "sched_getparam": [("in", 0, me, NOOP)],
        "sched_getscheduler": [("in", 0, me, NOOP)],
        # No real-time, batch nor idle policy, and no SCHED_RESET_ON_FORK.
        "sched_setscheduler": [("in", 1, (_SCHED_OTHER,), EPERM), ("in", 0, me, NOOP)],
        "clock_gettime": [("clock", 0, None, EPERM)],
        "clock_getres": [("clock", 0, None, EPERM)],
        "clock_nanosleep": [("clock", 0, None, EPERM)],
        "clone": [("nobits", 0, _CLONE_NAMESPACES, EPERM), ("bits", 0, _CLONE_THREAD, EPERM)],
        # A connected stream pair cannot send to an address; a datagram one can.
        "socketpair": [("masked", 1, (_SOCK_TYPE_MASK, _SOCK_STREAM), EPERM)],
        "prctl": [("not", 0, _PR_SCHED_CORE, EPERM)],
        "fcntl": [("not", 1, _F_SETOWN_EX, EPERM), ("when", 1, (_F_SETOWN, ("in", 2, group, EPERM)), None)],
        "ioctl": [("not", 1, _FIOSETOWN, EPERM), ("not", 1, _SIOCSPGRP, EPERM)],
    }


def _load_numbers():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_syscalls.py")
    spec = importlib.util.spec_from_file_location("_syscalls", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NUMBERS


NUMBERS = _load_numbers()  # name -> (x86_64, aarch64); None where the architecture lacks it
_INDEX = {"x86_64": 0, "aarch64": 1}


def names():
    """Every name the filter knows, each with its action kind: "allow", "refuse" or "absent"."""
    known = {name: "allow" for group in GROUPS.values() for name in group}
    known.update({name: "refuse" for name in REFUSED})
    known.update({name: "absent" for name in ABSENT})
    return known


def numbers(arch):
    """{number: name} of every call :func:`names` knows that ``arch`` has."""
    found = {}
    for name in names():
        nr = NUMBERS[name][_INDEX[arch]]
        if nr is not None:
            found[nr] = name
    return found


# --- the program ---------------------------------------------------------------------------
# Symbolic instructions: ("ld", offset), ("and", k), (jump, k, true label,
# false label) with None for "the next instruction", ("ja", label), ("ret",
# value), ("label", name). Labels are unique in a program.


class _Labels:
    def __init__(self):
        self.count = 0

    def new(self, stem):
        self.count += 1
        return f"{stem}{self.count}"


def _check(kind, arg, values, answer, labels):
    """One condition of :func:`rules`: falls through when it holds, returns ``answer`` otherwise."""
    ok, no = labels.new("ok"), labels.new("no")
    code = [("ld", _arg(arg))]
    if kind == "in":
        code += [("jeq", value, ok, None) for value in values] + [("ja", no)]
    elif kind == "not":
        code += [("jeq", values, no, ok)]
    elif kind == "nobits":
        code += [("jset", values, no, ok)]
    elif kind == "bits":
        code += [("and", values), ("jeq", values, ok, no)]
    elif kind == "masked":
        code += [("and", values[0]), ("jeq", values[1], ok, no)]
    elif kind == "clock":
        code += [("jge", _OWN_CPU_CLOCKS, ok, None), ("jge", _FIRST_NEGATIVE, no, ok)]
    elif kind == "when":
        return code + [("jeq", values[0], None, ok)] + _check(*values[1], labels) + [("label", ok)]
    else:
        raise ValueError(kind)
    return code + [("label", no), ("ret", answer), ("label", ok)]


def _block(name, kind, checks, labels):
    """What a leaf runs once the number is ``name``'s: instructions that end in a return."""
    if kind == "refuse":
        return [("ret", EPERM)]
    if kind == "absent":
        return [("ret", ENOSYS)]
    code = []
    for check in checks.get(name, ()):
        code += _check(*check, labels)
    return code + [("ret", ALLOW)]


def _size(code):
    return sum(1 for ins in code if ins[0] != "label")


def _tree(entries, kinds, checks, labels, leaf=3):
    """Binary search over ``entries``, sorted [(number, name)]."""
    if len(entries) <= leaf:
        targets = [labels.new("call") for _ in entries]
        code = [("jeq", nr, target, None) for (nr, _), target in zip(entries, targets)] + [("ret", DEFAULT)]
        for (_, name), target in zip(entries, targets):
            code += [("label", target)] + _block(name, kinds[name], checks, labels)
        return code
    middle = len(entries) // 2
    left = _tree(entries[:middle], kinds, checks, labels, leaf)
    right = _tree(entries[middle:], kinds, checks, labels, leaf)
    right_label = labels.new("right")
    if _size(left) <= 255:  # a conditional jump reaches 255 instructions ahead
        head = [("jge", entries[middle][0], right_label, None)]
    else:
        head = [("jge", entries[middle][0], None, labels.new("left")), ("ja", right_label)]
        head.append(("label", head[0][3]))
    return head + left + [("label", right_label)] + right


def filter_program(arch, pid):
    """The BPF program for ``arch`` and the process ``pid``: a list of (code, jt, jf, k)."""
    info, labels = ARCHES[arch], _Labels()
    prog = [("ld", _OFFSET_ARCH), ("jeq", info["audit"], "native", None), ("ret", DEFAULT), ("label", "native"),
            ("ld", _OFFSET_NR)]
    if info["x32_bit"]:  # x32 system calls: another numbering, none allowed
        prog += [("jge", info["x32_bit"], None, "native64"), ("ret", DEFAULT), ("label", "native64")]
    entries = sorted(numbers(arch).items())
    prog += _tree(entries, names(), rules(pid), labels)
    return _assemble(prog)


def _assemble(prog):
    positions, index = {}, 0
    for ins in prog:
        if ins[0] == "label":
            positions[ins[1]] = index
        else:
            index += 1
    codes = {"jeq": _JEQ, "jgt": _JGT, "jge": _JGE, "jset": _JSET}
    out = []
    for ins in prog:
        op, here = ins[0], len(out)
        if op == "label":
            continue
        if op == "ld":
            out.append((_LD_ABS_W, 0, 0, ins[1]))
        elif op == "and":
            out.append((_AND_K, 0, 0, ins[1]))
        elif op == "ret":
            out.append((_RET, 0, 0, ins[1]))
        elif op == "ja":
            out.append((_JA, 0, 0, positions[ins[1]] - here - 1))
        else:
            jt, jf = (0 if label is None else positions[label] - here - 1 for label in ins[2:4])
            if not (0 <= jt <= 255 and 0 <= jf <= 255):
                raise ValueError(f"jump out of reach at instruction {here}: {ins}")
            out.append((codes[op], jt, jf, ins[1]))
    return out


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def install(libc, arch, program):
    """Install ``program`` on every thread of this process (``no_new_privs`` must be set); True if in place.

    False when this Linux has no seccomp filter; OSError when a thread could not be synchronised.
    """
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    fprog = _SockFprog(len(program), filters)
    res = libc.syscall(ARCHES[arch]["seccomp"], _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog))
    if res != 0:
        if res < 0 and ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS):
            return False
        raise OSError(ctypes.get_errno(), f"seccomp (thread {res} could not be synchronised)")
    return True
