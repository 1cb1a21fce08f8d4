"""Landlock, step 4 of ``confine.py``: what a confined process may read, write, bind and signal.

``confine.py`` loads this file by its path (see ``confine.load_beside``);
standard library only. The system-call numbers, access bits and structures
are those of the Linux Landlock ABI, versions 1 to 6.
"""

import ctypes
import os

_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_LANDLOCK_RULE_NET_PORT = 2

# Filesystem access rights, bit i for right i; the last three came with ABI 2, 3 and 5.
(
    _FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR, _FS_REMOVE_DIR, _FS_REMOVE_FILE,
    _FS_MAKE_CHAR, _FS_MAKE_DIR, _FS_MAKE_REG, _FS_MAKE_SOCK, _FS_MAKE_FIFO, _FS_MAKE_BLOCK,
    _FS_MAKE_SYM, _FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV,
) = (1 << i for i in range(16))
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

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


def ruleset(libc, read_paths, write_paths, bind_ports=(), list_paths=()):
    """``(abi, fd)``: a Landlock ruleset granting what ``confine.landlock`` says; ``(0, None)`` without Landlock."""
    abi = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        return 0, None
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
    fd = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    file_rights = _FS_READ_FILE | _FS_EXECUTE | _FS_WRITE_FILE | (_FS_TRUNCATE if abi >= 3 else 0)
    for paths, rights in ((read_paths, _FS_READ | _FS_EXECUTE), (list_paths, _FS_READ_DIR), (write_paths, fs_all)):
        for path in paths:
            try:
                path_fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            # Directory rights on a file make landlock_add_rule fail.
            allowed = rights if os.path.isdir(path) else rights & file_rights
            rule = _PathBeneathAttr(allowed, path_fd)
            res = libc.syscall(_SYS_LANDLOCK_ADD_RULE, fd, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            os.close(path_fd)
            if res < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
    if abi >= 4:
        for port in bind_ports:
            rule = _NetPortAttr(_NET_BIND_TCP, int(port))
            if libc.syscall(_SYS_LANDLOCK_ADD_RULE, fd, _LANDLOCK_RULE_NET_PORT, ctypes.byref(rule), 0) < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule port {port}")
    return abi, fd


def restrict_self(libc, fd):
    """Enforce the ruleset ``fd`` on this thread (``no_new_privs`` must be set) and close it."""
    if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, fd, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    os.close(fd)
