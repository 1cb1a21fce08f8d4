"""The seccomp allow-list (``grading_tests/_seccomp.py``), run by a classic-BPF interpreter for both architectures.

The real filter is installed in real processes by ``tests/test_confine.py``
(x86_64 here); this module checks the program itself: every listed call is
let through, every other one refused, and the arguments that name a process
decide, on x86_64 and on aarch64 alike. Its numbers are checked against the
kernel headers and, for this machine's architecture, against the running
kernel.
"""

import ctypes
import os
import platform
import threading

import pytest
import syscall_table

from grading_tests import _seccomp as sc

PID = 4242
OTHER = 4343
ARCHES = sorted(sc.ARCHES)
# linux/filter.h: BPF_MAXINSNS
MAX_INSTRUCTIONS = 4096
# A binary search over ~170 numbers, then a few argument checks; a linear list would run ~170.
MAX_STEPS = 40


def run(program, arch, nr, args=(0,) * 6, audit=None):
    """(return value, instructions run) of ``program`` on one ``seccomp_data``."""
    audit = sc.ARCHES[arch]["audit"] if audit is None else audit
    words = {0: nr & 0xFFFFFFFF, 4: audit}
    for i, value in enumerate(list(args) + [0] * (6 - len(args))):
        words[16 + 8 * i] = value & 0xFFFFFFFF
        words[20 + 8 * i] = (value >> 32) & 0xFFFFFFFF
    acc, pc, steps = 0, 0, 0
    while True:
        code, jt, jf, k = program[pc]
        steps += 1
        if code == sc._LD_ABS_W:
            acc = words[k]
        elif code == sc._AND_K:
            acc &= k
        elif code == sc._RET:
            return k, steps
        elif code == sc._JA:
            pc += k
        else:
            taken = {sc._JEQ: acc == k, sc._JGT: acc > k, sc._JGE: acc >= k, sc._JSET: bool(acc & k)}[code]
            pc += jt if taken else jf
        pc += 1


@pytest.fixture(scope="module", params=ARCHES)
def arch(request):
    return request.param


@pytest.fixture(scope="module")
def program(arch):
    return sc.filter_program(arch, PID)


def nr(arch, name):
    number = sc.NUMBERS[name][sc._INDEX[arch]]
    assert number is not None, f"{name} on {arch}"
    return number


def test_every_listed_call_without_a_rule_passes_and_the_named_refusals_fail(arch, program):
    checked = sc.rules(PID)
    wrong = {}
    for number, name in sc.numbers(arch).items():
        kind = sc.names()[name]
        if name in checked:
            continue
        expected = {"allow": sc.ALLOW, "refuse": sc.EPERM, "absent": sc.ENOSYS}[kind]
        for args in ((0,) * 6, (OTHER, 1, 2, 3, 4, 5), (-1,) * 6):
            got, _ = run(program, arch, number, args)
            if got != expected:
                wrong[name] = (hex(got), hex(expected))
    assert not wrong
    assert {"fork", "vfork", "execve", "socket", "setsid"} & set(sc.numbers(arch).values())


def test_every_other_number_is_refused_with_enosys(arch, program):
    listed = sc.numbers(arch)
    refused = {n: run(program, arch, n)[0] for n in range(1024) if n not in listed}
    assert set(refused.values()) == {sc.ENOSYS}


# What a deny-list forgets: calls that reach another process or its memory,
# memory that escapes the address-space limit, a file's metadata.
UNLISTED = ["ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
            "tkill", "get_robust_list", "sched_setattr", "sched_rr_get_interval", "capget", "move_pages", "migrate_pages",
            "process_madvise", "memfd_create", "shmget", "chmod", "fchmod", "fchmodat", "fchown", "utimensat", "setxattr",
            "connect", "bind", "unshare", "io_uring_setup", "bpf", "perf_event_open", "userfaultfd", "mount", "keyctl"]


def headers():
    missing = [str(p) for p in (syscall_table.X86_64_HEADER, syscall_table.GENERIC_HEADER) if not p.is_file()]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"kernel headers missing under CI: {missing} (apt-get install linux-libc-dev)")
        pytest.skip(f"kernel headers missing: {missing}")
    return syscall_table.header_numbers()


def test_what_a_deny_list_forgets_is_not_listed(arch, program):
    table = headers()[arch]
    found = {name: table[name] for name in UNLISTED if name in table}
    assert len(found) >= len(UNLISTED) - 2  # aarch64 has no chmod, only fchmodat
    assert {name: run(program, arch, number)[0] for name, number in found.items()} == dict.fromkeys(found, sc.ENOSYS)


def test_another_architecture_and_x32_calls_are_refused(arch, program):
    assert run(program, arch, nr(arch, "read"), audit=0x40000003)[0] == sc.ENOSYS  # i386
    if arch == "x86_64":
        assert run(program, arch, 0x40000000 | nr(arch, "read"))[0] == sc.ENOSYS


PR_SET_NAME, PR_SCHED_CORE = 15, 62
CLONE_THREAD_FLAGS = 0x3D0F00  # what glibc's pthread_create passes
CLONE_NEWUSER, SIGCHLD = 0x10000000, 17
AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_CLOEXEC = 1, 1, 2, 0o2000000
PRIO_PROCESS, PRIO_PGRP, PRIO_USER = 0, 1, 2
SCHED_OTHER, SCHED_FIFO, SCHED_BATCH, SCHED_RESET_ON_FORK = 0, 1, 3, 0x40000000
F_GETFL, F_SETOWN, F_SETOWN_EX, FIONBIO, FIOSETOWN, SIOCSPGRP = 3, 8, 15, 0x5421, 0x8901, 0x8902


def cpu_clock(pid, clock=2, thread=False):
    """MAKE_PROCESS_CPUCLOCK / MAKE_THREAD_CPUCLOCK of the kernel, as an unsigned 32-bit id."""
    return ((~pid << 3) | clock | (4 if thread else 0)) & 0xFFFFFFFF


CASES = [
    ("prlimit64", (0, 7), sc.ALLOW), ("prlimit64", (PID, 7), sc.ALLOW), ("prlimit64", (OTHER, 7), sc.EPERM),
    ("prlimit64", (1, 0), sc.EPERM),
    ("kill", (PID, 9), sc.ALLOW), ("kill", (0, 9), sc.ALLOW), ("kill", (-PID, 9), sc.ALLOW),
    ("kill", (OTHER, 9), sc.EPERM), ("kill", (-1, 9), sc.EPERM), ("kill", (-OTHER, 0), sc.EPERM),
    ("tgkill", (PID, PID + 1, 6), sc.ALLOW), ("tgkill", (OTHER, OTHER, 6), sc.EPERM),
    ("rt_sigqueueinfo", (PID, 10), sc.ALLOW), ("rt_sigqueueinfo", (OTHER, 10), sc.EPERM),
    ("rt_tgsigqueueinfo", (PID, PID, 10), sc.ALLOW), ("rt_tgsigqueueinfo", (OTHER, OTHER, 10), sc.EPERM),
    ("getpgid", (0,), sc.ALLOW), ("getpgid", (OTHER,), sc.EPERM), ("getsid", (PID,), sc.ALLOW), ("getsid", (1,), sc.EPERM),
    ("setpriority", (PRIO_PROCESS, 0, 5), sc.ALLOW), ("setpriority", (PRIO_PGRP, PID, 5), sc.ALLOW),
    ("setpriority", (PRIO_PROCESS, OTHER, 5), sc.EPERM), ("setpriority", (PRIO_USER, 0, 5), sc.EPERM),
    ("getpriority", (PRIO_PROCESS, 0), sc.ALLOW), ("getpriority", (PRIO_PROCESS, OTHER), sc.EPERM),
    ("ioprio_set", (1, 0, 0), sc.ALLOW), ("ioprio_set", (1, OTHER, 0), sc.EPERM), ("ioprio_get", (3, 0), sc.EPERM),
    ("sched_getaffinity", (0, 128), sc.ALLOW), ("sched_getaffinity", (PID, 8), sc.ALLOW),
    ("sched_getaffinity", (OTHER, 8), sc.EPERM), ("sched_setaffinity", (OTHER, 8), sc.EPERM),
    ("sched_setaffinity", (0, 8), sc.ALLOW), ("sched_setparam", (OTHER,), sc.EPERM), ("sched_setparam", (0,), sc.ALLOW),
    # libzmq's threads: read and reset their own policy by thread id.
    ("sched_getscheduler", (PID + 3,), sc.NOOP), ("sched_getparam", (PID + 3,), sc.NOOP),
    ("sched_setscheduler", (PID + 3, SCHED_OTHER), sc.NOOP), ("sched_getscheduler", (0,), sc.ALLOW),
    ("sched_setscheduler", (0, SCHED_OTHER), sc.ALLOW), ("sched_setscheduler", (0, SCHED_FIFO), sc.EPERM),
    ("sched_setscheduler", (0, SCHED_BATCH), sc.EPERM), ("sched_setscheduler", (0, SCHED_OTHER | SCHED_RESET_ON_FORK), sc.EPERM),
    ("sched_setscheduler", (OTHER, SCHED_FIFO), sc.EPERM),
    ("clock_gettime", (1,), sc.ALLOW), ("clock_gettime", (2,), sc.ALLOW), ("clock_gettime", (cpu_clock(0),), sc.ALLOW),
    ("clock_gettime", (cpu_clock(0, thread=True),), sc.ALLOW), ("clock_gettime", (cpu_clock(OTHER),), sc.EPERM),
    ("clock_getres", (cpu_clock(OTHER, thread=True),), sc.EPERM), ("clock_nanosleep", (cpu_clock(1),), sc.EPERM),
    ("clone", (CLONE_THREAD_FLAGS,), sc.ALLOW), ("clone", (SIGCHLD,), sc.EPERM), ("clone", (0x4111,), sc.EPERM),
    ("clone", (CLONE_THREAD_FLAGS | CLONE_NEWUSER,), sc.EPERM),
    ("socketpair", (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC), sc.ALLOW), ("socketpair", (AF_UNIX, SOCK_DGRAM), sc.EPERM),
    ("prctl", (PR_SET_NAME,), sc.ALLOW), ("prctl", (PR_SCHED_CORE, 1, OTHER), sc.EPERM),
    # SIGIO goes to a descriptor's owner: another process only through these.
    ("fcntl", (3, F_GETFL), sc.ALLOW), ("fcntl", (3, F_SETOWN, 0), sc.ALLOW), ("fcntl", (3, F_SETOWN, PID), sc.ALLOW),
    ("fcntl", (3, F_SETOWN, OTHER), sc.EPERM), ("fcntl", (3, F_SETOWN, -OTHER), sc.EPERM), ("fcntl", (3, F_SETOWN_EX, 0), sc.EPERM),
    ("ioctl", (0, FIONBIO), sc.ALLOW), ("ioctl", (3, FIOSETOWN), sc.EPERM), ("ioctl", (3, SIOCSPGRP), sc.EPERM),
]


@pytest.mark.parametrize("name,args,expected", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_arguments_that_name_a_process_decide(arch, program, name, args, expected):
    assert run(program, arch, nr(arch, name), args)[0] == expected


def test_every_rule_is_exercised_above():
    assert set(sc.rules(PID)) == {name for name, _, _ in CASES}


def test_the_search_is_short_and_the_program_fits(arch, program):
    assert len(program) < MAX_INSTRUCTIONS
    steps = max(run(program, arch, number, (OTHER, SCHED_OTHER))[1] for number in range(1024))
    assert steps <= MAX_STEPS, steps


# --- the numbers -------------------------------------------------------------------------


def test_the_committed_numbers_are_the_headers():
    """``python tests/syscall_table.py`` rewrites grading_tests/_syscalls.py from the headers."""
    expected = syscall_table.render(syscall_table.wanted_names(), headers())
    assert syscall_table.TABLE.read_text(encoding="utf-8") == expected, "run: python tests/syscall_table.py"


def test_the_header_parser_reads_the_64_bit_names_of_the_generic_table():
    generic = headers()["aarch64"]
    # arm64's well-known numbers; the 32-bit names (fcntl64, fstatat64) are absent.
    assert (generic["read"], generic["fstat"], generic["newfstatat"], generic["mmap"], generic["renameat"]) == (63, 80, 79, 222, 38)
    assert "fcntl64" not in generic and "stat" not in generic and generic["clone3"] == 435


@pytest.mark.skipif(platform.machine() not in sc.ARCHES, reason="an architecture without a seccomp table")
def test_the_numbers_of_this_architecture_are_the_running_kernels():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    index = sc._INDEX[platform.machine()]
    calls = {"getpid": os.getpid(), "getppid": os.getppid(), "gettid": threading.get_native_id(), "getuid": os.getuid(),
             "geteuid": os.geteuid(), "getgid": os.getgid(), "getegid": os.getegid(), "getsid": os.getsid(0)}
    got = {name: libc.syscall(sc.NUMBERS[name][index], 0) for name in calls}
    assert got == calls
