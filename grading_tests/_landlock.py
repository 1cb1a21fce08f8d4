"""Landlock confinement, shared by the grading worker and the course kernel.

Both load this file by its path, never as ``grading_tests._landlock``: they
must not import the course's package. So it uses the standard library only.
See Documentation/userspace-api/landlock.rst in the Linux sources.
"""

import ctypes
import os

__all__ = ["restrict", "prune", "inside"]

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


def restrict(read_paths, write_paths, bind_ports=()):
    """Confine this process and its children; return the Landlock ABI used (0: none).

    Afterwards the process can read (and execute) only beneath
    ``read_paths``, write only beneath ``write_paths``, bind only the TCP
    ports ``bind_ports`` and connect nowhere (ABI 4+), and signal or reach by
    abstract socket no process outside its own domain (ABI 6+).
    """
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
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")
    if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    os.close(ruleset)
    return abi


def inside(path, root):
    """Whether ``path`` is ``root`` or lies beneath it, links resolved."""
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def prune(roots, excluded):
    """The existing ``roots``, with every folder in ``excluded`` cut out.

    Landlock grants whole hierarchies, so a root that holds an excluded
    folder is replaced by its other children, recursively. A root that lies
    inside an excluded folder is kept: naming it is an explicit grant (the
    course's ``.venv`` lives inside the course root, which the kernel must
    not read otherwise).
    """
    granted = []

    def grant(path):
        if not os.path.exists(path):
            return
        if any(inside(ex, path) for ex in excluded):
            if os.path.isdir(path) and not any(inside(path, ex) for ex in excluded):
                for child in sorted(os.listdir(path)):
                    grant(os.path.join(path, child))
            return
        granted.append(os.path.realpath(path))

    for root in sorted(set(roots)):
        grant(root)
    return granted
