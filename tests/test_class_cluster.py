"""The class command on a cluster: a Dask cluster started by hand, and a worker killed mid-run.

Real processes only: ``dask scheduler`` and ``dask worker`` from the venv,
the embedded ``LocalCluster``, real nbgrader subprocesses and graders. The
helpers are those of ``test_class_autograde.py``; these tests live apart so
that ``make test`` (``--dist loadscope``) runs them beside it.
"""

import json
import os
import signal
import subprocess
import sys
import time

from grading_tests.course import collected_students
from grading_tests.course.handins import ASSIGNMENT
from nbgrader_attacks import harness
from test_class_autograde import (
    SEED, _marked, assert_executed_like_nbgrader, classgrade, counts, course_copy, report, rows, stock_autograde,
    student_log,
)


def _start(argv, cwd, env, log):
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(procs):
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_cluster_started_by_hand_grades_as_nbgrader_autograde(tmp_path):
    """``dask scheduler`` and two ``dask worker`` in empty folders, on loopback: the hostile student,
    notebooks run, gets the rows of stock nbgrader; the workers' folders stay empty."""
    students = ["eleve_hostile"]
    stock = course_copy(tmp_path / "stock", students)
    ours = course_copy(tmp_path / "ours", students)
    dask_cli = os.path.join(os.path.dirname(sys.executable), "dask")
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    folders = {name: tmp_path / name for name in ("scheduler", "worker1", "worker2")}
    for folder in folders.values():
        folder.mkdir()
    address_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "cluster.log", "w")
    procs = [_start([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(address_file)], folders["scheduler"], env, log)]
    try:
        deadline = time.monotonic() + 120
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for name in ("worker1", "worker2"):
            procs.append(_start([dask_cli, "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                                 "--preload", "grading_tests.course.classgrade.task"], folders[name], env, log))
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=180)
        stock_autograde(stock)
        tree = {name: harness.tree_state(ours / name) for name in ("source", "release", "submitted")}
        code, out, err = classgrade(ours, "--scheduler", address, "--seed", str(SEED))
        assert code == 0, out + err[-4000:]
        assert counts(out)["notés"] == 1
        assert rows(ours) == rows(stock)
        assert report(ours) == report(stock)
        for student in students:
            assert_executed_like_nbgrader(ours, student)
        # The hand-ins touched nothing but their own grade, and the workers kept nothing of them.
        assert {name: harness.tree_state(ours / name) for name in tree} == tree
        assert harness.integrity(ours) == "ok"
        for name in ("worker1", "worker2"):
            assert list(folders[name].iterdir()) == [], name
        assert all(proc.poll() is None for proc in procs), (tmp_path / "cluster.log").read_text()[-3000:]
    finally:
        _stop(procs)
        log.close()


def _parent(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _grading_workers(marker):
    """Pids of the Dask workers of the run marked ``marker`` whose launcher is grading a student now."""
    parents, launchers = {}, set()
    for pid in _marked(marker):
        try:
            parents[pid] = _parent(pid)
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"supervise.py" in f.read():
                    launchers.add(pid)
        except (OSError, ValueError):
            continue
    grading = {parents[pid] for pid in parents if parents[pid] in launchers}  # a launcher with a child
    return sorted(parents[launcher] for launcher in grading)


def test_a_worker_killed_mid_run_costs_a_retry_and_every_student_is_graded(tmp_path, stock_demo_class):
    stock = stock_demo_class
    ours = course_copy(tmp_path / "ours")
    marker = f"{os.getpid()}-{time.time_ns()}"
    env = dict(os.environ, RN_CLASSGRADE_TEST=marker)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", "2", "--seed", str(SEED), "--no-execute"],
        cwd=ours, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    killed = None
    try:
        deadline = time.monotonic() + 300
        while killed is None and time.monotonic() < deadline and proc.poll() is None:
            busy = _grading_workers(marker)
            if busy:
                killed = busy[0]
                os.kill(killed, signal.SIGKILL)
            else:
                time.sleep(0.2)
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert killed is not None, "no worker was seen grading"
    assert proc.returncode == 0, out + err[-4000:]
    assert counts(out)["notés"] == 4 and counts(out)["échecs"] == 0
    assert rows(ours) == rows(stock)
    assert harness.integrity(ours) == "ok"
    # The killed worker delivered no grade: the student it was grading was graded again by another one.
    workers = {l.split(":", 2)[2].split(",")[0] for s in collected_students(ours)
               for l in student_log(ours, s).read_text().splitlines() if l.startswith("# worker :")}
    assert len(workers) >= 2 and str(killed) not in workers, workers
