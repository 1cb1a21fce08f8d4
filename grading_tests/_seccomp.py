"""seccomp, step 5 of ``confine.py``: the system calls a confined process may not make.

``confine.py`` loads this file by its path (see ``confine.load_beside``);
standard library only. The filter is a classic BPF program over
``seccomp_data`` (architecture, system-call number, arguments); a refused
call fails with ``EPERM``.
"""

import ctypes
import errno

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
ARCH = {
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


def filter_program(arch, sockets, processes):
    """The BPF program: a list of (code, jt, jf, k) with jumps to labels resolved."""
    info = ARCH[arch]
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


def install(libc, arch, program):
    """Install ``program`` on every thread of this process (``no_new_privs`` must be set); True if in place.

    False when this Linux has no seccomp filter; OSError when a thread could not be synchronised.
    """
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    fprog = _SockFprog(len(program), filters)
    res = libc.syscall(ARCH[arch]["seccomp"], _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog))
    if res != 0:
        if res < 0 and ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS):
            return False
        raise OSError(ctypes.get_errno(), f"seccomp (thread {res} could not be synchronised)")
    return True
