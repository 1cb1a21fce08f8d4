"""A warm launcher of ``nbgrader``: each command in a fresh forked process, timed, and nothing left behind.

``python supervise.py`` (run by its path) reads requests on stdin, one JSON
object a line: ``{"cwd": ..., "argv": [...], "log": ..., "timeout": s,
"private": folder}``, and answers each with ``{"code": n}`` on stdout once
the command is over.

Starting nbgrader costs seconds of imports (for this course, ~2 s of them
compiling a grammar for jsonschema), once per student when each student runs
in a process of its own. The launcher imports nbgrader and the course's
plug-in once, then forks a child per request: a fresh process, in its own
session (so its own process group), that runs ``nbgrader <argv>`` exactly as
the ``nbgrader`` script does, in ``cwd``, its output in ``log``. The
launcher grades nothing itself, so the children start with nothing cached.

The launcher:

- is a child subreaper, so what a command leaves running (a kernel in its
  own process group, a detached grandchild) is re-parented to it, and killed
  when the command ends;
- gives each command a temporary folder of its own, ``<private>/tmp``, as
  ``TMPDIR`` and ``JUPYTER_RUNTIME_DIR``: whatever the command or its kernels
  leave there (scratch folders, connection files) is removed with it once
  the command has ended, even when the command could not clean up (it ends
  with ``os._exit``, or was killed);
- past ``timeout`` seconds, sends the child's group SIGINT (nbgrader ends its
  kernels itself), waits ``GRACE`` seconds, then SIGKILLs every process group
  below it: the answer is then 124;
- gets SIGTERM when the thread that started it ends (its grading worker
  died), and then kills everything below it, removes the ``private`` folder
  of the command in progress (the task that made it will not) and exits; it
  ignores SIGINT (the driver alone handles Ctrl-C).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import sys
import tempfile
import time

GRACE = 5.0
TIMED_OUT = 124
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
_CURRENT = {}  # the request being run: what to remove if the launcher is stopped


def _prctl(option, value):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _children_of(pids):
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
            parent = int(text[text.rfind(")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent in pids:
            found.add(int(entry))
    return found


def _descendants():
    mine, todo = set(), {os.getpid()}
    while todo:
        todo = _children_of(todo) - mine
        mine |= todo
    return mine


def _reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def kill_everything_below():
    """SIGKILL every process below this one, and the process group of each; reap them."""
    own = os.getpgid(0)
    for _ in range(20):
        below = _descendants()
        if not below:
            return
        for pid in below:
            try:
                group = os.getpgid(pid)
                if group != own:
                    os.killpg(group, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)
        _reap()


def _child(request):
    """In the forked child: ``nbgrader <argv>`` as the nbgrader script runs it; never returns."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ["TMPDIR"] = os.environ["JUPYTER_RUNTIME_DIR"] = _command_tmp(request)
        tempfile.tempdir = None  # the launcher's choice, cached, is not the command's
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the launcher's pipes are not the command's business
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        from nbgrader.apps.nbgraderapp import main

        sys.argv = ["nbgrader", *request["argv"]]
        try:
            code = main()
        except SystemExit as exc:
            code = exc.code
        code = code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:  # report, never return into the launcher's loop
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _command_tmp(request):
    return os.path.join(request["private"], "tmp")


def run(request):
    """Fork, run, wait (with the time limit), clean up; the exit code."""
    os.makedirs(_command_tmp(request), mode=0o700, exist_ok=True)
    _CURRENT["private"] = request["private"]
    pid = os.fork()
    if pid == 0:
        _child(request)
    deadline = time.monotonic() + float(request["timeout"])
    code = None
    while code is None:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            with open(request["log"], "a") as log:
                log.write(f"\n[supervise] time limit of {float(request['timeout']):g} s reached: ending nbgrader\n")
            try:
                os.killpg(pid, signal.SIGINT)
            except OSError:
                pass
            end = time.monotonic() + GRACE
            while time.monotonic() < end and not os.waitpid(pid, os.WNOHANG)[0]:
                time.sleep(0.1)
            kill_everything_below()
            code = TIMED_OUT
            break
        time.sleep(0.05)
    kill_everything_below()  # whatever the command left running
    shutil.rmtree(_command_tmp(request), ignore_errors=True)  # and whatever it left on disk
    _CURRENT.clear()
    return code


def _on_sigterm(signum, frame):
    kill_everything_below()
    if _CURRENT.get("private"):
        shutil.rmtree(_CURRENT["private"], ignore_errors=True)
    os._exit(128 + signum)


def main():
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if os.getppid() == 1:  # the parent died before PDEATHSIG was set
        return 1
    # As the nbgrader script: its own folder first on the path, never this one or the cwd.
    sys.path[0] = os.path.dirname(sys.executable)
    import nbgrader.apps.nbgraderapp  # noqa: F401  (the imports every child would otherwise redo)

    try:
        import grading_tests.nbgrader_plugin  # noqa: F401
    except ImportError:
        pass
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing but replies on the reply channel
    replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        replies.write(json.dumps({"code": run(json.loads(line))}) + "\n")
    kill_everything_below()
    return 0


if __name__ == "__main__":
    sys.exit(main())
