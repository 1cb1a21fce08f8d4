"""What a confined process can still do: run as ``python probe.py MODE CONFIG``.

MODE is ``none`` (no confinement: the control that shows each probe works),
``worker`` or ``kernel`` (``grading_tests/confine.py``, loaded by path as the
worker and the kernel load it). CONFIG is a JSON object: the paths and
addresses to probe. The probe prints one JSON object: probe name -> "ok" or
the error it met.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys


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
    if mode != "none":
        reads = confine.readable_roots(config["excluded"])
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
    print(json.dumps(results))


if __name__ == "__main__":
    main()
