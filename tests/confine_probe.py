"""What a confined process can still do: run as ``python probe.py MODE CONFIG``.

MODE is ``none`` (no confinement: the control that shows each probe works),
``worker`` or ``kernel`` (``grading_tests/confine.py``, loaded by path as the
worker and the kernel load it), or ``seccomp`` (its process group and the
seccomp filter alone, no Landlock). CONFIG is a JSON object: the paths,
addresses and the canary process to probe. The probe prints one JSON object:
probe name -> "ok" (or what it read) or the error it met.

MODE ``canary`` starts no probe: it drops its capabilities, as every process
of an instructor who is not root (and every other confined process) has
none, then sleeps. Under root, a process that holds capabilities the caller
lacks is already out of reach of setpriority and sched_setaffinity; one that
holds none is not.
"""

import importlib.util
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time


def _load_confine(path):
    spec = importlib.util.spec_from_file_location("confine", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def attempt(results, name, action):
    try:
        action()
        results[name] = "ok"
    except Exception as exc:  # every failure is a result here
        results[name] = f"{type(exc).__name__}: {exc}"


def main():
    mode, config = sys.argv[1], json.loads(sys.argv[2])
    confine = _load_confine(config["confine"])
    if mode == "canary":
        confine.drop_capabilities()
        print("ready", flush=True)
        time.sleep(3600)
        return
    if mode == "seccomp":
        confine.own_process_group()
        confine.filter_syscalls()
    elif mode != "none":
        reads = confine.readable_roots(config["excluded"])
        reads["read"].append(config["readable_file"])
        confine.confine(mode, reads, [config["scratch"], "/dev/null"])
    results = {}

    def udp():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"probe", ("127.0.0.1", config["udp_port"]))

    def tcp():
        with socket.create_connection(("127.0.0.1", config["tcp_port"]), timeout=2) as s:
            s.sendall(b"probe")

    def unix():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(config["unix_path"])
            s.sendall(b"probe")

    def inet6():
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()

    def read(path):
        with open(path, "rb") as f:
            f.read(1)

    def write_outside():
        with open(config["outside_file"], "a") as f:
            f.write("probe")

    def setsid():
        os.setsid()

    def realtime():
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))

    def spawn():
        subprocess.run(["true"], check=True)

    canary = config["canary"]

    def forks(count=300):
        """Children that wait until all are started: the group holds count + 1 processes at once."""
        read_end, write_end = os.pipe()
        started = []
        try:
            for _ in range(count):
                pid = os.fork()
                if pid == 0:
                    os.close(write_end)
                    os.read(read_end, 1)
                    os._exit(0)
                started.append(pid)
        finally:
            os.close(write_end)
            for pid in started:
                os.waitpid(pid, 0)
            os.close(read_end)
            results["forks_started"] = len(started)

    def sigio():
        """The canary as the owner of a pipe that signals when written: SIGIO ends it."""
        import fcntl

        read_end, write_end = os.pipe()
        try:
            fcntl.fcntl(read_end, fcntl.F_SETOWN, canary)
            fcntl.fcntl(read_end, fcntl.F_SETFL, fcntl.fcntl(read_end, fcntl.F_GETFL) | os.O_ASYNC)
            os.write(write_end, b"x")
        finally:
            os.close(read_end)
            os.close(write_end)

    def zmq_context():
        import zmq  # its I/O threads read and reset their own scheduling policy, by thread id

        context = zmq.Context()
        context.socket(zmq.PAIR).close()
        context.term()

    attempt(results, "udp", udp)
    attempt(results, "tcp", tcp)
    attempt(results, "unix", unix)
    attempt(results, "inet6", inet6)
    attempt(results, "read_forbidden", lambda: read(config["forbidden_file"]))
    attempt(results, "read_parent_environ", lambda: read(f"/proc/{os.getppid()}/environ"))
    attempt(results, "write_outside", write_outside)
    attempt(results, "write_scratch", lambda: open(os.path.join(config["scratch"], "f"), "w").close())
    attempt(results, "setsid", setsid)
    attempt(results, "realtime", realtime)
    attempt(results, "spawn", spawn)
    attempt(results, "numpy", lambda: __import__("numpy").ones(3).sum())
    attempt(results, "zmq_context", zmq_context)
    attempt(results, "own_limits", lambda: resource.prlimit(0, resource.RLIMIT_NOFILE))
    attempt(results, "own_priority", lambda: os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0) + 1))
    attempt(results, "own_affinity", lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
    attempt(results, "raise_signal", lambda: (signal.signal(signal.SIGUSR1, lambda *_: None), signal.raise_signal(signal.SIGUSR1)))
    # Another process of the same user, outside the sandbox.
    attempt(results, "prlimit_read", lambda: resource.prlimit(canary, resource.RLIMIT_NOFILE))
    attempt(results, "prlimit_set", lambda: resource.prlimit(canary, resource.RLIMIT_NOFILE, (17, 17)))
    attempt(results, "setpriority", lambda: os.setpriority(os.PRIO_PROCESS, canary, 19))
    attempt(results, "setaffinity", lambda: os.sched_setaffinity(canary, {min(os.sched_getaffinity(0))}))
    attempt(results, "getpgid", lambda: os.getpgid(canary))
    attempt(results, "forks", forks)
    attempt(results, "memfd", lambda: os.close(os.memfd_create("probe")))
    attempt(results, "chmod_readable", lambda: os.chmod(config["readable_file"], 0o600))
    attempt(results, "sigio", sigio)
    attempt(results, "kill", lambda: os.kill(canary, signal.SIGTERM))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
