"""The one confinement of the grading worker and the course kernel (``grading_tests/confine.py``).

Each probe is first run unconfined, to show that the attack works there, then
confined as the worker and as the kernel are, and under the seccomp filter
alone; the probes are real system calls against real listeners and a real
canary process of the same user on this machine (``confine_probe.py``).
"""

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grading_tests import confine
from grading_tests.sandbox import Sandbox
from nbgrader_attacks import harness

REPO = Path(__file__).resolve().parents[1]
PROBE = Path(__file__).with_name("confine_probe.py")
ATTACKS = ["udp", "tcp", "unix", "inet6", "read_forbidden", "read_parent_environ", "write_outside", "setsid", "realtime"]
# What reaches another process, starts processes, or escapes a limit of the sandbox.
PROCESS_ATTACKS = ["prlimit_read", "prlimit_set", "setpriority", "setaffinity", "getpgid", "sigio", "kill", "forks",
                   "memfd", "chmod_readable"]
# What confined code legitimately does with itself.
OWN = ["numpy", "zmq_context", "own_limits", "own_priority", "own_affinity", "raise_signal"]
FORKS = 300


@pytest.fixture
def listeners(tmp_path):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    unix_path = str(tmp_path / "ailleurs.sock")
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(unix_path)
    unix.listen()
    for s in (udp, tcp, unix):
        s.setblocking(False)
    yield {"udp": udp, "tcp": tcp, "unix": unix, "unix_path": unix_path}
    for s in (udp, tcp, unix):
        s.close()


def _received(listeners):
    got = []
    try:
        listeners["udp"].recv(64)
        got.append("udp")
    except BlockingIOError:
        pass
    for name in ("tcp", "unix"):
        try:
            conn, _ = listeners[name].accept()
            conn.close()
            got.append(name)
        except BlockingIOError:
            pass
    return got


def start_canary():
    """A process of the same user outside any sandbox, without capabilities (``confine_probe.py canary``)."""
    config = json.dumps({"confine": str(REPO / "grading_tests" / "confine.py")})
    proc = subprocess.Popen([sys.executable, str(PROBE), "canary", config], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    return proc


@pytest.fixture
def canary():
    """:func:`start_canary`, and how to read its state."""
    proc = start_canary()

    def state():
        return {
            "alive": proc.poll() is None,
            "nofile": resource.prlimit(proc.pid, resource.RLIMIT_NOFILE) if proc.poll() is None else None,
            "nice": os.getpriority(os.PRIO_PROCESS, proc.pid) if proc.poll() is None else None,
            "affinity": sorted(os.sched_getaffinity(proc.pid)) if proc.poll() is None else None,
        }

    proc.state = state
    proc.before = state()
    yield proc
    proc.kill()
    proc.wait()
    proc.stdout.close()


def _probe(mode, tmp_path, listeners, canary):
    scratch = tmp_path / f"scratch-{mode}"
    scratch.mkdir()
    outside = tmp_path / f"dehors-{mode}.txt"
    outside.write_text("canari")
    readable = tmp_path / f"lisible-{mode}.txt"
    readable.write_text("canari")
    readable.chmod(0o644)
    config = {
        "confine": str(REPO / "grading_tests" / "confine.py"),
        "excluded": [str(REPO / "reference_impl"), str(REPO / "grading_tests"), str(outside)],
        "scratch": str(scratch),
        "udp_port": listeners["udp"].getsockname()[1],
        "tcp_port": listeners["tcp"].getsockname()[1],
        "unix_path": listeners["unix_path"],
        "forbidden_file": str(REPO / "reference_impl" / "activations.py"),
        "outside_file": str(outside),
        "readable_file": str(readable),
        "canary": canary.pid,
    }
    done = subprocess.run(
        [sys.executable, str(PROBE), mode, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=confine.environment(str(scratch)),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    results["mode_of_readable_file"] = oct(readable.stat().st_mode & 0o777)
    time.sleep(0.1)  # a signal, if one was sent, has landed
    return results, outside.read_text(), _received(listeners)


def test_every_probe_works_without_the_confinement(tmp_path, listeners, canary):
    results, outside, received = _probe("none", tmp_path, listeners, canary)
    if os.geteuid() != 0:  # RT priority needs root, or CAP_SYS_NICE, unconfined
        results["realtime"] = "ok"
    attacks = ATTACKS + PROCESS_ATTACKS
    assert {name: results[name] for name in attacks} == {name: "ok" for name in attacks}
    assert outside == "canariprobe"
    assert sorted(received) == ["tcp", "udp", "unix"]
    assert results["forks_started"] == FORKS and results["mode_of_readable_file"] == "0o600"
    assert canary.wait(timeout=10) == -signal.SIGIO  # the first signal that reached it


@pytest.mark.parametrize("kind", ["worker", "kernel", "seccomp"])
def test_the_confinement_refuses_every_probe(tmp_path, listeners, canary, kind):
    """``seccomp``: the filter alone, without Landlock, refuses what reaches another process."""
    results, outside, received = _probe(kind, tmp_path, listeners, canary)
    attacks = PROCESS_ATTACKS + (ATTACKS if kind != "seccomp" else ["udp", "tcp", "unix", "inet6", "setsid", "realtime"])
    allowed = {name: results[name] for name in attacks if results[name] == "ok"}
    assert allowed == {}, allowed
    assert received == [] and (outside == "canari" or kind == "seccomp")  # files are Landlock's
    assert canary.state() == canary.before, "the canary process was changed from inside the sandbox"
    assert results["forks_started"] == 0 and results["mode_of_readable_file"] == "0o644"
    # What student code legitimately needs still works, and starting a process does not.
    assert {name: results[name] for name in OWN + ["write_scratch"]} == dict.fromkeys(OWN + ["write_scratch"], "ok")
    assert results["spawn"].startswith("PermissionError"), results["spawn"]


def test_environment_is_an_allow_list():
    env = confine.environment("/tmp/x", {"PATH": "/secret/bin", "JUPYTERHUB_API_TOKEN": "canari", "NBGRADER_EXECUTION": "autograde"})
    assert "JUPYTERHUB_API_TOKEN" not in env and "/secret" not in env["PATH"]
    assert env["NBGRADER_EXECUTION"] == "autograde" and env["HOME"] == "/tmp/x"


# --- the grading worker, through Sandbox -------------------------------------------------


SOCKET_ANSWER = """
import socket
def relu(z):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"fuite", ("127.0.0.1", PORT))
    return z
"""


@pytest.mark.parametrize("seccomp", ["1", "0"])
def test_worker_sends_nothing_with_seccomp_or_its_fallback(listeners, monkeypatch, seccomp):
    """RN_CONFINE_SECCOMP=0 leaves the audit hook alone in front of the socket."""
    monkeypatch.setenv("RN_CONFINE_SECCOMP", seccomp)
    port = listeners["udp"].getsockname()[1]
    with Sandbox([SOCKET_ANSWER.replace("PORT", str(port))]) as box:
        outcome = box.call("relu", 1.0)
    assert outcome.status == "error", outcome
    assert "connexion réseau" in outcome.error["message"] or "not permitted" in outcome.error["message"]
    assert _received(listeners) == []


def test_worker_cannot_read_a_ready_made_network_by_path():
    import sklearn

    path = Path(sklearn.__file__).parent / "neural_network" / "_multilayer_perceptron.py"
    code = f"def relu(z):\n    return len(open({str(path)!r}).read())\n"
    with Sandbox([code]) as box:
        outcome = box.call("relu", 1.0)
    assert outcome.status == "error"
    assert outcome.error["message"] == "import interdit pendant la notation : sklearn.neural_network"
    assert str(REPO) not in outcome.error["message"]  # only the student's own line quotes the path


def test_worker_disk_quota_kills_it(tmp_path):
    code = "def relu(z):\n    for i in range(100):\n        open(f'bloc{i}', 'wb').write(bytes(8 << 20))\n    return z\n"
    with Sandbox([code]) as box:
        outcome = box.call("relu", 1.0, timeout=30)
        assert outcome.status == "crash" and box._watch is None


# --- the course kernel, through ConfinedExecute ---------------------------------------------


def _run_cells(sources, timeout=15, **traits):
    from grading_tests.nbgrader_plugin import ConfinedExecute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    ConfinedExecute(timeout=timeout, **traits).preprocess(nb, {"metadata": {"path": str(REPO)}})
    return nb


def _text(cell):
    return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)


def _survivors(marker):
    return [pid for pid, command in harness.processes().items() if marker in command]


def test_kernel_runs_in_scratch_without_the_instructors_environment(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "canari-jeton")
    nb = _run_cells(["import os\nprint(os.getcwd())\nprint(dict(os.environ))", "print(open('/proc/%d/environ' % os.getppid()).read())"])
    cwd = _text(nb.cells[0]).splitlines()[0]
    assert not confine.inside(cwd, REPO) and not os.path.exists(cwd), cwd
    assert "canari-jeton" not in _text(nb.cells[0]) + _text(nb.cells[1])
    assert "PermissionError" in json.dumps(nb.cells[1].outputs)


def test_a_cell_starts_no_process():
    marker = f"4242.{os.getpid()}{int(time.time())}"
    cells = [
        f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])",
        f"import os\nif os.fork() == 0:\n    if os.fork() == 0:\n        os.execvp('sleep', ['sleep', '{marker}'])\n    os._exit(0)",
        f"import subprocess\ntry:\n    subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\nexcept OSError as e:\n    print('refusé', e)",
        "import time\ntime.sleep(1)",
    ]
    nb = _run_cells(cells)
    assert all("PermissionError" in json.dumps(nb.cells[i].outputs) for i in (0, 1)), [nb.cells[i].outputs for i in (0, 1)]
    assert "refusé" in _text(nb.cells[2])
    time.sleep(0.5)
    assert _survivors(marker) == []


def test_output_is_cut_before_nbgrader_holds_it():
    nb = _run_cells(["import time\nfor i in range(40):\n    print('x' * 200000)\n    time.sleep(0.05)", "print('suite')"], cell_mb=1)
    kept = sum(len(o.get("text", "")) for o in nb.cells[0].outputs)
    assert kept < 2 * confine.MIB and "Sortie coupée par la correction" in _text(nb.cells[0])
    assert _text(nb.cells[1]) == "suite\n"


def test_disk_quota_stops_the_kernel_and_the_notebook_goes_on():
    nb = _run_cells(["for i in range(64):\n    open(f'bloc{i}', 'wb').write(bytes(8 << 20))", "print('suite')"], disk_mb=64)
    assert "QuotaDisque" in json.dumps(nb.cells[0].outputs)
    assert _text(nb.cells[1]) == "suite\n"


def test_joblib_runs_serially_without_a_warning_in_the_kernel():
    """The sandbox refuses named semaphores; joblib must not say so in every feedback page."""
    nb = _run_cells(["from joblib import Parallel, delayed\nprint(sum(Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(4))))"], timeout=30)
    outputs = nb.cells[0].outputs
    assert [o.get("name") for o in outputs] == ["stdout"], outputs
    assert _text(nb.cells[0]) == "6\n"


def test_threadpool_limits_works_in_the_kernel():
    """Notebooks 06_3 to 06_5 call threadpool_limits(1) first: it must not fail in the sandbox."""
    nb = _run_cells(["from threadpoolctl import threadpool_limits\nthreadpool_limits(1)\nprint('ok')"], timeout=30)
    assert [o.get("name") for o in nb.cells[0].outputs] == ["stdout"], nb.cells[0].outputs
    assert _text(nb.cells[0]) == "ok\n"
